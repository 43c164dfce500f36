#!/usr/bin/env bash
# Make this host look like a user's workstation before the live tests run, so that a test which
# assumes an empty host fails in CI, not at a user's: on the HOST's Docker engine, 10 networks with
# 5 containers each (every one publishing a port), a compose project (nvbusy), and 500 plain
# namespaces on bridges (bench/lab.sh). The live tests run on engines of their own and must leave
# all of this exactly as it was.
#   scripts/busy-host.sh up | down | fingerprint
# `fingerprint` prints the host engine's pid and every container with its state: .ci/run compares
# it before and after the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=(docker-compose -p nvbusy -f scripts/busy-host/compose.yml)

case "${1:-}" in
  up)
    PUBLISH=1 bench/lab.sh up 10 5 500
    "${COMPOSE[@]}" up -d --quiet-pull >/dev/null 2>&1 || "${COMPOSE[@]}" up -d
    echo "busy host: $(docker ps -q | wc -l) containers running, $(ip netns list | wc -l) named namespaces"
    ;;
  down)
    "${COMPOSE[@]}" down -t 1 >/dev/null 2>&1 || true
    bench/lab.sh down
    ;;
  fingerprint)
    pid=$(cat /var/run/docker.pid 2>/dev/null || echo none)
    echo "host dockerd pid $pid"
    docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.State}}' | sort
    ;;
  *) echo "usage: busy-host.sh up|down|fingerprint" >&2; exit 2 ;;
esac
