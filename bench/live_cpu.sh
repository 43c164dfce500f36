#!/usr/bin/env bash
# CPU cost of the live source (what the TUI runs in the background): runs
# `examples/live_probe` (the source with no UI, draining its updates) on this host and reads the
# process's utime+stime from /proc/<pid>/stat after a warm-up (the first full read) and again
# SECONDS later. Target: <= 2 % of one core at a 1 s tick on a host with 1000 namespaces and
# 100 containers (`bench/lab.sh up 20 5 1000` builds that lab).
#   bench/live_cpu.sh [SECONDS [INTERVAL_MS [WATCH]]]      (defaults 60 1000 0)
# WATCH = how many non-host namespaces to watch (their counters are read every tick too).
# Run as root to see every namespace. Exits 1 if above the target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60} interval=${2:-1000} watch=${3:-0}
warmup=3
target=2.0

cargo build --release --quiet --example live_probe
probe=target/release/examples/live_probe

echo "== host =="
echo "cores: $(nproc), kernel $(uname -r)"
echo "named namespaces: $(ip netns list 2>/dev/null | wc -l), docker sandboxes: $(find /run/docker/netns -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
echo "running containers: $(docker ps -q 2>/dev/null | wc -l), host links: $(ip -o link show | wc -l)"

log=$(mktemp)
trap 'rm -f "$log"; [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true' EXIT
"$probe" "$((seconds + warmup + 2))" "$interval" "$watch" >"$log" &
pid=$!

ticks() { # utime + stime of the whole process (all its threads, live and ended), in clock ticks
  # Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  local s
  s=$(cat "/proc/$pid/stat")
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $(( ${12} + ${13} ))
}

sleep "$warmup"
t0=$(ticks); w0=$(date +%s.%N)
sleep "$seconds"
t1=$(ticks); w1=$(date +%s.%N)
wait "$pid"
pid=

hz=$(getconf CLK_TCK)
echo "== probe =="
cat "$log"
echo "== result =="
awk -v t="$((t1 - t0))" -v hz="$hz" -v w0="$w0" -v w1="$w1" -v target="$target" -v iv="$interval" -v wa="$watch" 'BEGIN {
  cpu = t / hz; wall = w1 - w0; pct = 100 * cpu / wall
  printf "live source, %d ms tick, %d watched: %.2f s CPU in %.1f s = %.2f %% of one core (target <= %.1f %%)\n", iv, wa, cpu, wall, pct, target
  exit (pct <= target ? 0 : 1)
}'
