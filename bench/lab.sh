#!/usr/bin/env bash
# Build or remove the benchmark lab on this host (needs root and a running Docker engine).
#   bench/lab.sh up [NETWORKS [PER_NETWORK [NAMESPACES]]]   (defaults 20 5 1000)
#   bench/lab.sh down
# Everything it makes is named nvbench-*: Docker networks 10.201.N.0/24 with containers
# (both labelled netview.bench=1), and plain namespaces on 10.251.0.0/16, each joined by
# a veth to one of a few plain bridges (100 namespaces per bridge). NETWORKS=0 skips Docker.
# Only nvbench-* objects are ever touched: other labs on the host stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=netview-test/busybox:latest
batch=$(mktemp)
trap 'rm -f "$batch"' EXIT

down() {
  docker ps -aq --filter label=netview.bench=1 --filter 'name=^nvbench-' | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter label=netview.bench=1 --filter 'name=^nvbench-' | xargs -r docker network rm >/dev/null
  # Deleting a namespace removes its eth0 and so the host end of the veth too.
  ip netns list | awk '/^nvbench-/ {print "netns del " $1}' >"$batch"
  ip link show | awk -F': ' '/^[0-9]+: nvbench-/ {sub(/@.*/, "", $2); print "link del " $2}' >>"$batch"
  # -force: go on past links that already went away with their namespace.
  [ ! -s "$batch" ] || ip -force -batch "$batch" 2>/dev/null || true
}

up() {
  local nnet=${1:-20} per=${2:-5} nns=${3:-1000} i j k b
  # PUBLISH=1: every container publishes its port 80 on a free 127.0.0.1 port (a DNAT rule each).
  PUBLISH_ARGS=""
  [ "${PUBLISH:-0}" = 1 ] && PUBLISH_ARGS="-p 127.0.0.1::80"
  if [ "$nnet" -gt 254 ] || [ "$nns" -gt 65000 ]; then
    echo "lab.sh: at most 254 networks and 65000 namespaces" >&2; exit 2
  fi
  down
  if [ "$nnet" -gt 0 ]; then
    scripts/test-image.sh >/dev/null
    for i in $(seq "$nnet"); do
      docker network create --label netview.bench=1 --subnet "10.201.$i.0/24" "nvbench-net$i" >/dev/null
    done
    # docker run is mostly waiting on the engine, so a few at once go faster.
    # shellcheck disable=SC2016 # $0 and $1 belong to the inner sh
    for i in $(seq "$nnet"); do for j in $(seq "$per"); do echo "nvbench-c$i-$j nvbench-net$i"; done; done |
      xargs -n 2 -P 4 sh -c 'docker run -d --label netview.bench=1 --name "$0" --network "$1" '"$PUBLISH_ARGS"' '"$IMAGE"' >/dev/null'
  fi
  # One ip process for all bridges, namespaces and veths; only addresses need one per namespace.
  local nbr=$(( (nns + 99) / 100 ))
  {
    for b in $(seq "$nbr"); do echo "link add nvbench-br$b type bridge"; echo "link set nvbench-br$b up"; done
    for k in $(seq "$nns"); do echo "netns add nvbench-ns$k"; done
    for k in $(seq "$nns"); do
      echo "link add nvbench-v$k type veth peer name eth0 netns nvbench-ns$k"
      echo "link set nvbench-v$k master nvbench-br$(( (k - 1) / 100 + 1 )) up"
    done
  } >"$batch"
  ip -batch "$batch"
  for k in $(seq "$nns"); do
    printf 'addr add 10.251.%d.%d/16 dev eth0\nlink set eth0 up\n' $(( k / 256 )) $(( k % 256 )) |
      ip -n "nvbench-ns$k" -batch -
  done
  echo "lab up: $nnet docker networks x $per containers, $nns namespaces on $nbr bridges"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: bench/lab.sh up [NETWORKS [PER_NETWORK [NAMESPACES]]] | bench/lab.sh down" >&2; exit 2 ;;
esac
