#!/usr/bin/env bash
# CPU of the dashboard while a published port is selected: its rule counters are re-read every
# tick (1 s), so the firewall tools run each second. Counts netview's own CPU and its children's
# (the save tools), over 60 s, on a lab whose containers all publish a port. Target: <= 2 % of one
# core, as for the idle dashboard (bench/tui.sh). Needs root, Docker and tmux.
#   bench/tui_ports.sh [--keep] [NETWORKS PER_NETWORK]      (default 20 5)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 sizes=()
for arg; do case "$arg" in --keep) keep=1 ;; *) sizes+=("$arg") ;; esac; done
[ ${#sizes[@]} -gt 0 ] || sizes=(20 5)
cargo build --release
sock="nvbench-ports-$$"
finish() { tmux -L "$sock" kill-server 2>/dev/null || true; if [ "$keep" = 0 ]; then bench/lab.sh down; fi; }
trap finish EXIT
PUBLISH=1 bench/lab.sh up "${sizes[0]}" "${sizes[1]}" 0
tmux -L "$sock" new-session -d -x 120 -y 40 target/release/netview
sleep 3
port=$(docker port nvbench-c1-1 80/tcp | head -1 | sed 's/.*://')
tmux -L "$sock" send-keys / && tmux -L "$sock" send-keys -l "127.0.0.1:$port/" && tmux -L "$sock" send-keys Enter G
sleep 20  # let the lab settle: its fresh links and containers still trigger full reads
tmux -L "$sock" capture-pane -p | grep -q "rules that carry it" || { echo "the port's details are not on screen"; tmux -L "$sock" capture-pane -p; exit 1; }
pid=$(pgrep -f -n '^target/release/netview$')
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep 60; b=$(ticks)
python3 -c "import sys; print(f'CPU with a published port selected (self + save tools): {($b-$a)/$hz/60*100:.2f} % of one core over 60 s (target <= 2 %)'); sys.exit(($b-$a)/$hz/60*100 > 2)"
