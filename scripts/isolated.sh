# Sourced by test-engine.sh and test-podman.sh: a daemon of the suite's own that lives in a mount
# namespace of its own. Both set PIDF (the daemon's pid file) and MNTNS (a file holding that
# mount namespace's identity, as readlink /proc/<pid>/ns/mnt prints it).

# The daemon's pid, when it runs.
pid() { [ -f "$PIDF" ] && p=$(cat "$PIDF") && [ -d "/proc/$p" ] && echo "$p"; }

# Every process in the daemon's mount namespace (its containerd or conmon, shims, proxies,
# containers): that namespace is the suite's alone, while their command lines look like the
# host's own.
ns_pids() {
  [ -s "$MNTNS" ] || return 0
  local want d; want=$(cat "$MNTNS")
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$want" ] && basename "$d"
  done
}

# Stop the daemon (TERM, then KILL after SECONDS), then everything left in its mount namespace.
stop_isolated() {
  local seconds=$1 p c
  p=$(pid)
  if [ -n "$p" ]; then
    kill -TERM "$p"
    for _ in $(seq $((seconds * 2))); do [ -d "/proc/$p" ] || break; sleep 0.5; done
    [ -d "/proc/$p" ] && kill -KILL "$p"
  fi
  for c in $(ns_pids); do kill -TERM "$c" 2>/dev/null; done
  sleep 1
  for c in $(ns_pids); do kill -KILL "$c" 2>/dev/null; done
}
