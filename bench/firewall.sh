#!/usr/bin/env bash
# Firewall benchmark, side by side in one hyperfine run, on a lab whose containers all publish
# a port (one DNAT rule each):
#   netview --snapshot --json                 (everything, firewall included)
#   netview --snapshot --json --no-firewall   (what the firewall read adds)
#   bench/baseline.sh + bench/firewall-reference.sh  (the commands a person types today)
#   netview path <a> <b>                      (one reachability verdict, whole read included)
# Needs root and a running Docker engine.
#   bench/firewall.sh [--keep] [NETWORKS PER_NETWORK NAMESPACES]     (default 20 5 1000)
# Exits 1 if the snapshot with the firewall is less than 30x faster than the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 sizes=()
for arg; do
  case "$arg" in
    --keep) keep=1 ;;
    -*) echo "usage: bench/firewall.sh [--keep] [NETWORKS PER_NETWORK NAMESPACES]" >&2; exit 2 ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(20 5 1000)
command -v hyperfine >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }

cargo build --release
bin=target/release/netview
tmp=$(mktemp -d)
finish() { rm -rf "$tmp"; if [ "$keep" = 0 ]; then echo "== lab down =="; bench/lab.sh down; fi; }
trap finish EXIT
echo "== lab up (${sizes[*]}, every container publishing a port) =="
PUBLISH=1 bench/lab.sh up "${sizes[@]}"
echo "DNAT rules: $(iptables-save | grep -c -- '-j DNAT')"

hyperfine --warmup 2 --runs 10 --export-json "$tmp/speed.json" \
  "$bin --snapshot --json >/dev/null" \
  "$bin --snapshot --json --no-firewall >/dev/null" \
  'sh bench/baseline.sh; sh bench/firewall-reference.sh' \
  "$bin path nvbench-c1-1 nvbench-c2-1 >/dev/null; test \$? -eq 1"
python3 - "$tmp/speed.json" <<'PY'
import json, sys
full, bare, ref, path = (r["median"] for r in json.load(open(sys.argv[1]))["results"])
print(f"median: snapshot {full*1000:.1f} ms, without firewall {bare*1000:.1f} ms "
      f"(firewall read adds {(full-bare)*1000:.1f} ms), reference {ref*1000:.1f} ms, path {path*1000:.1f} ms")
ratio = ref / full
print(f"ratio reference/snapshot: {ratio:.1f}x (target >= 30x)")
sys.exit(ratio < 30)
PY
