#!/usr/bin/env bash
# Docker engines of the test suite's own, isolated from the host's engine. Each runs in a network
# namespace and a mount namespace of its own, with its own data root, exec root, socket, pid file,
# containerd and containerd namespace, so a test can create, break or restart anything there
# without touching the host's engine, its containers, bridges or iptables chains.
#
#   test-engine.sh up ENGINE          start it (idempotent) and import the test image into it
#   test-engine.sh down ENGINE|all    remove everything it made: containers, daemon, namespaces, files
#   test-engine.sh exec ENGINE CMD..  run CMD where the engine runs (its netns and mount ns), with
#                                     NETVIEW_TEST_ENGINE=ENGINE
#   test-engine.sh status ENGINE
#   test-engine.sh list               the engines this script knows
#
# ENGINE is one of the versions below, optionally with a tag (28-b) so that two suites can run
# side by side, each with engines of its own:
#   20  this system's own dockerd binary (Debian 12: Docker 20.10), run a second time
#   28  Debian sid's docker.io (28.x): downloaded once with apt from the Debian mirror this machine
#       already uses (sid added in a private apt configuration under $CACHE), unpacked with
#       `dpkg -x` under $ROOT, never installed over the system's engine
#
# The engine's namespaces are a small machine of their own, reached only through `exec`:
#   network   its own interfaces, routes and iptables/nftables; eth0 is a veth to an "outside"
#             namespace of the harness's (nvt-eng<N>-wan, 10.98.<N>.1) that goes nowhere further,
#             so the default route exists (swarm, lessons) and no packet can leave the machine;
#   /run      a tmpfs of its own: /run/docker.sock is this engine's socket, /run/docker its exec
#             root (sandbox files in /run/docker/netns, where netview looks), /run/netns and
#             /run/containerd its own. Nothing there can reach or change the host's engine;
#   /sys      the one `ip netns exec` mounts for the netns, with the host's cgroup hierarchies
#             mounted again.
# From the host, the engine answers at /var/lib/nvt-eng<N>/docker.sock (its state folder, beside
# its data root, pid file and log). The mount namespace is a slave of the host's: nothing mounted
# inside leaks out.
set -uo pipefail

CACHE=${NETVIEW_ENGINE_CACHE:-/var/cache/netview-engines}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=isolated.sh
. "$here/isolated.sh"

die() { echo "test-engine: $*" >&2; exit 1; }

# Per-engine names. Everything is named nvt-eng<N> so the suite's own leftovers are recognisable.
setup_names() {
  ENG=$1
  VER=${ENG%%-*}
  case "$VER" in
    20|28) ;;
    *) die "unknown engine '$ENG' (known: 20, 28; a tag may follow, as in 28-b)" ;;
  esac
  [[ "$ENG" =~ ^[0-9]+(-[a-z0-9]{1,4})?$ ]] || die "an engine is 20 or 28 with an optional tag of 1-4 letters or digits: '$ENG'"
  NS=nvt-eng$ENG
  WAN=nvt-eng$ENG-wan
  STATE=/var/lib/nvt-eng$ENG
  DATA=$STATE/data
  SOCK=$STATE/docker.sock
  PIDF=$STATE/dockerd.pid
  CFG=$STATE/daemon.json
  MNTNS=$STATE/mntns
  LOG=$STATE/dockerd.log
  ROOT=/opt/nvt-eng$VER
}

answers() { DOCKER_HOST=unix://$SOCK timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Debian sid's docker.io (28.x) and tini-static, downloaded once into $CACHE.
fetch28() {
  ls "$CACHE"/archives/docker.io_28.*.deb "$CACHE"/archives/tini-static_*.deb >/dev/null 2>&1 && return 0
  mkdir -p "$CACHE/lists/partial" "$CACHE/archives/partial"
  local uri
  uri=$(grep -h -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
        grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || die "no Debian mirror in this machine's apt configuration"
  echo "deb $uri sid main" >"$CACHE/sources.list"
  local A=(-o "Dir::Etc::SourceList=$CACHE/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o "Dir::State::Lists=$CACHE/lists" -o "Dir::Cache=$CACHE" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  echo "test-engine: downloading docker.io and tini-static from Debian sid (once, into $CACHE)"
  apt-get "${A[@]}" update -qq || die "apt-get update of Debian sid failed"
  (cd "$CACHE/archives" && apt-get "${A[@]}" download docker.io tini-static >/dev/null) ||
    die "could not download docker.io from Debian sid"
  ls "$CACHE"/archives/docker.io_28.*.deb >/dev/null 2>&1 ||
    die "Debian sid's docker.io is not 28.x: $(ls "$CACHE"/archives/docker.io_*.deb)"
}

# The binaries: prints the dockerd path and sets DAEMON_ARGS and DAEMON_PATH.
binaries() {
  DAEMON_PATH=/usr/sbin:/usr/bin:/sbin:/bin
  DAEMON_ARGS=()
  case "$VER" in
    20)
      command -v dockerd >/dev/null || die "no dockerd on this system (apt-get install docker.io)"
      DOCKERD=$(command -v dockerd)
      ;;
    28)
      if [ ! -x "$ROOT/usr/sbin/dockerd" ] || [ ! -x "$ROOT/usr/bin/tini-static" ]; then
        fetch28 || exit 1
        mkdir -p "$ROOT"
        dpkg -x "$(ls "$CACHE"/archives/docker.io_28.*.deb | tail -1)" "$ROOT"
        dpkg -x "$(ls "$CACHE"/archives/tini-static_*.deb | tail -1)" "$ROOT"
      fi
      DOCKERD=$ROOT/usr/sbin/dockerd
      # 28 changed docker-proxy's protocol: the system's 20.10 proxy would not do.
      DAEMON_ARGS=(--userland-proxy-path "$ROOT/usr/sbin/docker-proxy" --init-path "$ROOT/usr/bin/tini-static")
      DAEMON_PATH=$ROOT/usr/sbin:$ROOT/usr/bin:$DAEMON_PATH
      ;;
  esac
  DAEMON_ARGS+=(--config-file "$CFG" --data-root "$DATA" --pidfile "$PIDF" -H unix:///run/docker.sock -H "unix://$SOCK"
                --containerd-namespace "nvt-eng$ENG" --containerd-plugins-namespace "nvt-eng$ENG-plugins")
}

# The storage driver the host's engine uses, when it says so; overlay2 otherwise.
storage() {
  local d
  d=$(sed -n 's/.*"storage-driver"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' /etc/docker/daemon.json 2>/dev/null)
  echo "${d:-overlay2}"
}

wait_up() {
  local i
  for i in $(seq 90); do
    answers && return 0
    [ "$i" -gt 10 ] && ! pid >/dev/null && break
    sleep 1
  done
  echo "test-engine: engine $ENG did not answer; last lines of $LOG:" >&2
  tail -n 25 "$LOG" >&2
  return 1
}

# The engine's namespace and its way "out": a veth to a namespace that routes nowhere.
uplink() {
  [ -e "/run/netns/$NS" ] || ip netns add "$NS" || { echo "test-engine: cannot create netns $NS" >&2; return 1; }
  [ -e "/run/netns/$WAN" ] || ip netns add "$WAN" || return 1
  ip -n "$NS" link set lo up
  if ! ip -n "$NS" link show eth0 >/dev/null 2>&1; then
    ip -n "$WAN" link add "e$ENG" type veth peer name eth0 netns "$NS" || return 1
  fi
  ip -n "$WAN" addr replace "10.98.$VER.1/24" dev "e$ENG" && ip -n "$WAN" link set "e$ENG" up &&
  ip -n "$NS" addr replace "10.98.$VER.2/24" dev eth0 && ip -n "$NS" link set eth0 up &&
  ip -n "$NS" route replace default via "10.98.$VER.1"
}

up() {
  if pid >/dev/null && answers; then
    echo "test-engine: engine $ENG already running (pid $(pid))"
  else
    [ "$(id -u)" = 0 ] || die "needs root"
    binaries
    mkdir -p "$DATA"
    # Its own configuration: the host's /etc/docker/daemon.json belongs to the host's engine.
    printf '{"storage-driver": "%s"}\n' "$(storage)" >"$CFG"
    uplink || exit 1
    echo "== $(date -Is) engine $ENG up" >>"$LOG"
    # dockerd is exec'd at the end of the chain, so the pid file holds the pid of this very process.
    setsid ip netns exec "$NS" unshare -m --propagation slave sh -c "
      mount -t tmpfs -o mode=755 nvt-eng$ENG-run /run &&
      mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup &&
      grep ' /sys/fs/cgroup/' /proc/1/mounts | while read src tgt type opts rest; do
        mkdir -p \$tgt && mount -t \$type -o \$opts \$src \$tgt; done &&
      exec env PATH=$DAEMON_PATH $DOCKERD ${DAEMON_ARGS[*]}" </dev/null >>"$LOG" 2>&1 &
    wait_up || exit 1
    readlink "/proc/$(pid)/ns/mnt" >"$MNTNS"
  fi
  DOCKER_HOST=unix://$SOCK "$here/test-image.sh" >/dev/null || die "could not import the test image"
  echo "test-engine: engine $ENG is Docker $(DOCKER_HOST=unix://$SOCK docker version --format \
    '{{.Server.Version}} (API {{.Server.APIVersion}})'), pid $(pid), netns $NS, DOCKER_HOST=unix://$SOCK"
}

down() {
  if answers; then
    local ids; ids=$(DOCKER_HOST=unix://$SOCK docker ps -aq)
    [ -n "$ids" ] && DOCKER_HOST=unix://$SOCK docker rm -f $ids >/dev/null 2>&1
  fi
  stop_isolated 30
  # The mounts live in the engine's mount namespace and go with it; any left on the host are ours.
  for m in $(findmnt -rn -o TARGET | grep -E "^$STATE(/|$)" | sort -r); do umount -l "$m"; done
  [ -e "/run/netns/$NS" ] && ip netns del "$NS"
  [ -e "/run/netns/$WAN" ] && ip netns del "$WAN"
  rm -rf "$STATE"
  echo "test-engine: engine $ENG down"
}

status() {
  echo "engine $ENG: dockerd pid $(pid || echo none); in its mount ns: $(ns_pids | wc -l) processes"
  if answers; then
    DOCKER_HOST=unix://$SOCK docker version --format 'Docker {{.Server.Version}} API {{.Server.APIVersion}}'
  else
    echo "not answering"
  fi
}

cmd=${1:-}; shift || true
case "$cmd" in
  list) echo "20 28" ;;
  up) setup_names "${1:-}"; up ;;
  down)
    if [ "${1:-}" = all ]; then
      for e in $( (echo 20; echo 28; ls -d /var/lib/nvt-eng* 2>/dev/null | sed 's|.*/nvt-eng||') | sort -u); do
        setup_names "$e"; down
      done
    else setup_names "${1:-}"; down; fi ;;
  status) setup_names "${1:-}"; status ;;
  exec)
    setup_names "${1:-}"; shift
    p=$(pid) || die "engine $ENG is not running (test-engine.sh up $ENG)"
    # DOCKER_HOST is dropped: inside, the default socket is this engine's.
    exec nsenter -t "$p" -m -n --wd="$PWD" -- env -u DOCKER_HOST NETVIEW_TEST_ENGINE="$ENG" "$@" ;;
  *) echo "usage: test-engine.sh up|down|status|exec ENGINE [CMD...] | list" >&2; exit 2 ;;
esac
