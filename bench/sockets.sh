#!/usr/bin/env bash
# What reading listening sockets costs: `netview --snapshot --json` against the same with
# `--no-sockets`, side by side with hyperfine, on the lab of bench/lab.sh (20 Docker networks x 5
# containers + 1000 plain namespaces by default). Target: at most 15% more (median ratio <= 1.15).
# Needs root and a Docker engine; run it on an engine of the suite's own, never the host's:
#   scripts/test-engine.sh up 20 && scripts/test-engine.sh exec 20 bench/sockets.sh
#   bench/sockets.sh [--keep] [--no-lab] [NETWORKS PER_NETWORK NAMESPACES]
#   --keep    leave the lab up afterwards      --no-lab  use the lab that is already up
# Exits 1 if the target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 lab=1 sizes=()
for arg; do
  case "$arg" in
    --keep) keep=1 ;;
    --no-lab) lab=0 ;;
    -*) echo "usage: bench/sockets.sh [--keep] [--no-lab] [NETWORKS PER_NETWORK NAMESPACES]" >&2; exit 2 ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(20 5 1000)
command -v hyperfine >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }

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

echo "== what is read =="
"$bin" --snapshot --json >"$tmp/with.json"
python3 - "$tmp/with.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ns = d["namespaces"]
listening = [l for n in ns for l in n.get("listening", [])]
owned = sum(1 for l in listening if l.get("pid"))
print(f"{len(ns)} namespaces, {sum(1 for n in ns if n.get('listening'))} with listeners, "
      f"{len(listening)} listeners, {owned} with their process")
PY

echo "== speed =="
# Interleaved runs (hyperfine alternates nothing, so two rounds in opposite order even out drift).
hyperfine --warmup 3 --runs 20 --export-json "$tmp/a.json" \
  "$bin --snapshot --json --no-sockets >/dev/null" "$bin --snapshot --json >/dev/null"
hyperfine --warmup 3 --runs 20 --export-json "$tmp/b.json" \
  "$bin --snapshot --json >/dev/null" "$bin --snapshot --json --no-sockets >/dev/null"
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, statistics, sys
times = {"with": [], "without": []}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        times["without" if "--no-sockets" in r["command"] else "with"] += r["times"]
w, wo = statistics.median(times["with"]), statistics.median(times["without"])
ratio = w / wo
print(f"median over {len(times['with'])} runs each: with sockets {w * 1000:.1f} ms, "
      f"--no-sockets {wo * 1000:.1f} ms, ratio {ratio:.3f} (target <= 1.15)")
sys.exit(ratio > 1.15)
PY
