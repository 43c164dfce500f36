#!/usr/bin/env bash
# The whole test suite, as one command:
#   scripts/test.sh                          fixture tests; the live ones are reported as ignored
#   NETVIEW_LIVE_TESTS=1 scripts/test.sh     (as root) also every live test, on each engine below
#
# The live tests never run against the host's Docker engine. For each engine in $NETVIEW_ENGINES
# (default "20 28": this system's Docker 20.10, and Debian sid's docker.io 28.x, downloaded once
# into /var/cache/netview-engines and unpacked under /opt/nvt-eng28; tagged, as in "20-b 28-b",
# to run beside another suite, each with engines of its own), scripts/test-engine.sh
# starts an engine of the suite's own in its own network and mount namespaces, the tests run
# inside those namespaces (so the bridges, iptables chains and containers they see and make are
# that engine's), and the engine is removed afterwards, also when a test fails. The first engine
# runs every test (Podman's included: scripts/test-podman.sh isolates a Podman the same way); the
# next ones run the tests whose subject is Docker.
# Extra arguments go to every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${NETVIEW_LIVE_TESTS:-}" != 1 ]; then
  exec cargo test "$@"
fi
[ "$(id -u)" = 0 ] || { echo "test.sh: the live tests need root" >&2; exit 1; }

engines=${NETVIEW_ENGINES:-20 28}
# The tests whose subject is the Docker engine: the ones every further engine runs again.
docker_tests="--test live_model --test live_firewall --test live_kinds --test live_lessons --test live_churn
  --test live_docker_restart --test live_source --test live_hostile --test tui_tmux --test live_engine_modes --test live_names"
# Build once here, where crates.io is reachable; inside the engines' namespaces there is no network.
cargo test --no-run

# Only this run's engines: another suite may be running beside it with tagged ones (28-b).
trap 'for e in $engines; do scripts/test-engine.sh down "$e" >/dev/null 2>&1 || true; done' EXIT
rc=0
first=1
for engine in $engines; do
  echo "== live tests on engine $engine =="
  scripts/test-engine.sh up "$engine"
  start=$(date +%s)
  if [ $first = 1 ]; then
    scripts/test-engine.sh exec "$engine" cargo test --offline --no-fail-fast "$@" || rc=1
  else
    scripts/test-engine.sh exec "$engine" cargo test --offline --no-fail-fast $docker_tests "$@" || rc=1
  fi
  echo "== engine $engine: $(( $(date +%s) - start )) s =="
  scripts/test-engine.sh down "$engine"
  first=0
done
exit $rc
