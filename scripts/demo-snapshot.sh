#!/usr/bin/env bash
# Regenerate assets/demo/snapshot.json, the snapshot `netview --demo` opens: a real read of
# this host while a small demo world runs (root, Docker; a single-node swarm is made and left
# again if none runs). Everything it makes is named nvdemo-* and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
img=netview-test/busybox:latest
docker image inspect "$img" >/dev/null 2>&1 || scripts/test-image.sh
made_swarm=0 had_gw=0
docker network inspect docker_gwbridge >/dev/null 2>&1 && had_gw=1
cleanup() {
  docker ps -aq --filter name=nvdemo- | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter name=nvdemo- | xargs -r docker network rm >/dev/null
  if [ "$made_swarm" = 1 ]; then docker swarm leave --force >/dev/null; fi
  if [ "$had_gw" = 0 ]; then docker network rm docker_gwbridge >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  addr=$(ip -4 -o addr show dev "$(ip route show default | awk '{print $5; exit}')" | awk '{print $4}' | cut -d/ -f1 | head -1)
  docker swarm init --advertise-addr "$addr" >/dev/null
  made_swarm=1
fi
docker network create --subnet 10.210.1.0/24 nvdemo-shop >/dev/null
docker network create --subnet 10.210.2.0/24 --internal nvdemo-backend >/dev/null
docker network create -d overlay --attachable --subnet 10.210.3.0/24 nvdemo-overlay >/dev/null
docker run -d --name nvdemo-web --network nvdemo-shop -p 8080:80 "$img" httpd -f -p 80 -h /etc >/dev/null
docker run -d --name nvdemo-api --network nvdemo-shop "$img" sleep 1d >/dev/null
docker network connect nvdemo-backend nvdemo-api
docker run -d --name nvdemo-db --network nvdemo-backend "$img" sleep 1d >/dev/null
docker run -d --name nvdemo-cache "$img" sleep 1d >/dev/null
docker run -d --name nvdemo-sidecar --network container:nvdemo-web "$img" sleep 1d >/dev/null
docker run -d --name nvdemo-metrics --network host "$img" sleep 1d >/dev/null
docker run -d --name nvdemo-worker --network nvdemo-overlay "$img" sleep 1d >/dev/null
docker create --name nvdemo-stopped "$img" sleep 1d >/dev/null
sleep 2
for _ in 1 2 3; do busybox wget -q -O /dev/null "http://127.0.0.1:8080/hostname" || true; done
cargo build --release -q
target/release/netview --snapshot --json > assets/demo/snapshot.json
echo "wrote assets/demo/snapshot.json ($(wc -c < assets/demo/snapshot.json) bytes)"
