#!/usr/bin/env bash
# TUI benchmark (issue 3), on the large lab (20 Docker networks x 5 containers + 1000 namespaces):
#   - steady-state CPU of `netview` at a 1 s refresh over 60 s, from /proc/<pid>/stat (target <= 2% of one core)
#   - peak RSS (VmHWM, target <= 60 MiB)
#   - time from `docker run` returning to the new container on screen (target <= 250 ms), 5 runs
# Needs root, Docker and tmux.   bench/tui.sh [--no-lab] [--keep] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
lab=1 keep=0 seconds=60
for arg; do
  case "$arg" in
    --no-lab) lab=0 ;;
    --keep) keep=1 ;;
    [0-9]*) seconds=$arg ;;
    *) echo "usage: bench/tui.sh [--no-lab] [--keep] [SECONDS]" >&2; exit 2 ;;
  esac
done
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
cargo build --release
bin=$PWD/target/release/netview
sock=nvbench-tui-$$
finish() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  docker rm -f nvbench-late >/dev/null 2>&1 || true
  if [ "$lab" = 1 ] && [ "$keep" = 0 ]; then bench/lab.sh down; fi
}
trap finish EXIT
[ "$lab" = 1 ] && bench/lab.sh up 20 5 1000
scripts/test-image.sh >/dev/null

tmux -L "$sock" new-session -d -x 120 -y 40 -s tui "$bin --interval 1"
sleep 15 # the first full read, and the lab's own settling (IPv6 DAD on 1000 new links), pass
pid=$(pgrep -f "^$bin --interval 1" | head -1)
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu); t0=$(date +%s.%N)
sleep "$seconds"
c1=$(cpu); t1=$(date +%s.%N)
python3 - "$c0" "$c1" "$t0" "$t1" "$ticks" <<'PY'
import sys
c0, c1, t0, t1, hz = map(float, sys.argv[1:])
pct = (c1 - c0) / hz / (t1 - t0) * 100
print(f"steady-state CPU over {t1 - t0:.0f} s: {pct:.2f}% of one core (target <= 2%)")
PY
grep -E 'VmHWM|VmRSS' "/proc/$pid/status"

# Filter the tree to the container-to-be, so it is on screen wherever it lands.
tmux -L "$sock" send-keys -t tui / n v b e n c h - l a t e Enter
lat=()
for run in 1 2 3 4 5; do
  docker run -d --name nvbench-late --label netview.bench=1 --network nvbench-net3 netview-test/busybox:latest >/dev/null
  start=$(date +%s%N)
  # The port row, not the filter title or the status line's "gone:" of the previous run.
  until tmux -L "$sock" capture-pane -p -t tui | grep -q '⇄ eth0 @ nvbench-late'; do
    [ $(( $(date +%s%N) - start )) -gt 5000000000 ] && { echo "run $run: not on screen after 5 s" >&2; break; }
    sleep 0.01
  done
  lat+=($(( ($(date +%s%N) - start) / 1000000 )))
  docker rm -f nvbench-late >/dev/null
  sleep 6 # past the 5 s "gone:" highlight
done
printf 'new container on screen after docker run: %s ms' "${lat[*]}"
printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {printf " (median %d ms, target <= 250 ms)\n", a[int((NR+1)/2)]}'
