#!/usr/bin/env bash
# Snapshot benchmark: `netview --snapshot --json` must be >= 30x faster than the reference
# pipeline (bench/baseline.sh) and peak at <= 50 MiB RSS, on a lab of 20 Docker networks
# x 5 containers + 1000 plain namespaces. Needs root and a running Docker engine.
#   bench/snapshot.sh [--keep] [--no-lab] [NETWORKS PER_NETWORK NAMESPACES]
#   --keep    leave the lab up afterwards      --no-lab  use the lab that is already up
# Exits 1 if a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 lab=1 sizes=()
for arg; do
  case "$arg" in
    --keep) keep=1 ;;
    --no-lab) lab=0 ;;
    -*) echo "usage: bench/snapshot.sh [--keep] [--no-lab] [NETWORKS PER_NETWORK NAMESPACES]" >&2; exit 2 ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(20 5 1000)

echo "== tools =="
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)  # GNU time reports peak RSS; the shell keyword does not
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
hyperfine --version

echo "== build =="
cargo build --release
bin=target/release/netview

tmp=$(mktemp -d)
finish() {
  rm -rf "$tmp"
  if [ "$lab" = 1 ] && [ "$keep" = 0 ]; then echo "== lab down =="; bench/lab.sh down; fi
}
trap finish EXIT
if [ "$lab" = 1 ]; then
  echo "== lab up (${sizes[*]}) =="
  bench/lab.sh up "${sizes[@]}"
fi

fail=0
echo "== speed =="
hyperfine --warmup 2 --runs 10 --export-json "$tmp/speed.json" \
  "$bin --snapshot --json >/dev/null" 'sh bench/baseline.sh'
python3 - "$tmp/speed.json" <<'PY' || fail=1
import json, sys
netview, baseline = (r["median"] for r in json.load(open(sys.argv[1]))["results"])
ratio = baseline / netview
print(f"median: netview {netview * 1000:.1f} ms, baseline {baseline * 1000:.1f} ms")
print(f"ratio baseline/netview: {ratio:.1f}x (target >= 30x)")
sys.exit(ratio < 30)
PY

echo "== peak memory =="
for i in 1 2 3 4 5; do
  /usr/bin/time -v -o "$tmp/rss$i" "$bin" --snapshot --json >/dev/null
done
python3 - "$tmp"/rss* <<'PY' || fail=1
import statistics, sys
mib = [int(line.split(":")[1]) / 1024 for f in sys.argv[1:] for line in open(f)
       if "Maximum resident set size" in line]
print(f"peak RSS over {len(mib)} runs: max {max(mib):.1f} MiB, median {statistics.median(mib):.1f} MiB (target max <= 50 MiB)")
sys.exit(max(mib) > 50)
PY

if [ "$fail" = 0 ]; then echo "== both targets met =="; else echo "== a target was missed =="; exit 1; fi
