#!/usr/bin/env bash
# A rootful Podman (netavark) for netview's tests, isolated from the host and its Docker engine:
#   - network namespace nvt-podman (its own iptables, so netavark's chains never touch the host's),
#     with a veth uplink: nvt-podman-h 10.98.0.1/24 on the host, eth0 10.98.0.2/24 inside;
#   - a mount namespace of its own (a slave of the host's) where /run/podman is a bind mount of
#     /run/nvt-podman/api and /run/netns and /run/containers are private tmpfs (and
#     /var/lib/containers a bind mount of its data), so Podman's netns-<uuid> files and its API
#     socket sit where netview looks, and nothing it writes there reaches the host;
#   - its own storage (graphroot /var/lib/nvt-podman, runroot /run/nvt-podman/runroot), network
#     configuration directory, containers.conf and storage.conf (CONTAINERS_CONF,
#     CONTAINERS_STORAGE_CONF), and `podman system service` on /run/podman/podman.sock inside
#     (/run/nvt-podman/api/podman.sock from the host).
# This VM has no CAP_SYS_RESOURCE: Podman's default RLIMIT_NOFILE (1048576) cannot be set, so
# containers.conf lowers both default ulimits (nofile, nproc) to 4096, which needs no privilege. Pods' infra containers use
# Podman's locally built pause image (catatonit); no registry is needed. The image
# localhost/nvt-podman/busybox:latest is imported from Debian's static busybox.
#   test-podman.sh up          start it (idempotent) and import the image
#   test-podman.sh down        remove its containers, pods, networks, the service, nvt-podman, files
#   test-podman.sh exec CMD..  run CMD where Podman runs (its netns and mount ns, env set):
#                              `exec podman ps`, `exec netview --snapshot`
#   test-podman.sh status
set -uo pipefail
NS=nvt-podman
BASE=/run/nvt-podman
DATA=/var/lib/nvt-podman
PIDF=$BASE/service.pid
MNTNS=$BASE/mntns
LOG=${LOG:-/var/log/nvt-podman.log}
IMAGE=localhost/nvt-podman/busybox:latest
export CONTAINERS_CONF=$BASE/containers.conf CONTAINERS_STORAGE_CONF=$BASE/storage.conf
# pid, ns_pids, stop_isolated
# shellcheck source=isolated.sh
. "$(cd "$(dirname "$0")" && pwd)/isolated.sh"

in_ns() {
  local p; p=$(pid) || { echo "test-podman: not running" >&2; return 1; }
  nsenter -t "$p" -m -n --wd="$PWD" -- env CONTAINERS_CONF="$CONTAINERS_CONF" \
    CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" "$@"
}

config() {
  mkdir -p $BASE/api $BASE/runroot $BASE/tmp $DATA/storage $DATA/networks
  cat >$BASE/storage.conf <<EOF
[storage]
driver = "${STORAGE:-overlay}"
graphroot = "$DATA/storage"
runroot = "$BASE/runroot"
EOF
  cat >$BASE/containers.conf <<EOF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[network]
network_backend = "netavark"
network_config_dir = "$DATA/networks"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$BASE/events.log"
tmp_dir = "$BASE/tmp"
static_dir = "$DATA/libpod"
volume_path = "$DATA/volumes"
runtime = "runc"
EOF
}

image() {
  in_ns podman image exists $IMAGE && return 0
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" && chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh sleep ip ping cat ls nc wget hostname httpd true; do ln -s busybox "$root/bin/$tool"; done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | in_ns podman import -c 'CMD ["sleep","infinity"]' - $IMAGE >/dev/null
  local rc=$?; rm -rf "$root"; return $rc
}

up() {
  if pid >/dev/null; then echo "test-podman: already running (pid $(pid))"; image; return; fi
  command -v podman >/dev/null || { echo "test-podman: podman is not installed (apt-get install podman catatonit)" >&2; return 1; }
  /bin/busybox true 2>/dev/null && ! ldd /bin/busybox >/dev/null 2>&1 ||
    { echo "test-podman: needs Debian's busybox-static" >&2; return 1; }
  config
  [ -e /run/netns/$NS ] || ip netns add $NS
  ip link show $NS-h >/dev/null 2>&1 || ip link add $NS-h type veth peer name eth0 netns $NS
  ip addr replace 10.98.0.1/24 dev $NS-h && ip link set $NS-h up
  ip -n $NS link set lo up
  ip -n $NS addr replace 10.98.0.2/24 dev eth0 && ip -n $NS link set eth0 up
  ip -n $NS route replace default via 10.98.0.1
  # netavark's run directory and the image cache stay inside too: mount points on the host, made
  # (and removed by down) only when the host has none.
  for d in /run/containers /var/lib/containers; do
    [ -d $d ] || { mkdir -p $d && echo $d >>$BASE/made-dirs; }
  done
  mkdir -p $DATA/var-lib-containers
  echo "== $(date -Is) test-podman up" >>"$LOG"
  # ip netns exec mounts a fresh /sys, hiding the host's cgroup (v1) hierarchies: mount them again.
  # The service is exec'd at the end, so the pid file holds the pid of this very process.
  setsid ip netns exec $NS unshare -m --propagation slave sh -c "
    echo \$\$ >$PIDF &&
    mount --bind $BASE/api /run/podman 2>/dev/null || { mkdir -p /run/podman && mount --bind $BASE/api /run/podman; } &&
    mount -t tmpfs -o mode=755 nvt-podman-netns /run/netns &&
    mount -t tmpfs -o mode=755 nvt-podman-run /run/containers &&
    mount --bind $DATA/var-lib-containers /var/lib/containers &&
    mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup &&
    grep ' /sys/fs/cgroup/' /proc/1/mounts | while read src tgt type opts rest; do
      mkdir -p \$tgt && mount -t \$type -o \$opts \$src \$tgt; done &&
    exec env CONTAINERS_CONF=$CONTAINERS_CONF CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF \
      podman system service --time=0 unix:///run/podman/podman.sock" </dev/null >>"$LOG" 2>&1 &
  for _ in $(seq 50); do [ -S $BASE/api/podman.sock ] && pid >/dev/null && break; sleep 0.2; done
  if ! [ -S $BASE/api/podman.sock ]; then
    echo "test-podman: the service did not come up; last log lines:" >&2; tail -20 "$LOG" >&2; return 1
  fi
  readlink "/proc/$(pid)/ns/mnt" >$MNTNS
  image || { echo "test-podman: could not import $IMAGE" >&2; return 1; }
  echo "test-podman: Podman $(in_ns podman version --format '{{.Server.Version}}') pid $(pid) in netns $NS, socket $BASE/api/podman.sock"
}

down() {
  if pid >/dev/null; then
    in_ns podman pod rm -af -t 0 >/dev/null 2>&1
    in_ns podman rm -af -t 0 >/dev/null 2>&1
    in_ns podman network prune -f >/dev/null 2>&1
  fi
  # the service, then conmon, containers, aardvark-dns left in its mount namespace
  stop_isolated 10
  for m in $(findmnt -rn -o TARGET | grep -E "^($BASE|$DATA)(/|$)" | sort -r); do umount -l "$m"; done
  [ -e /run/netns/$NS ] && ip netns del $NS
  ip link del $NS-h 2>/dev/null
  # container cgroups podman made under its cgroupfs parent (host hierarchies are shared)
  for d in /sys/fs/cgroup/*/libpod_parent; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  [ -f $BASE/made-dirs ] && while read -r d; do rmdir "$d" 2>/dev/null; done <$BASE/made-dirs
  rm -rf $DATA $BASE "$LOG"
  rmdir /run/podman 2>/dev/null  # made by up when the host had none; never a non-empty one
  echo "test-podman: down"
}

status() {
  echo "service pid: $(pid || echo none)"
  echo "processes in its mount namespace: $(ns_pids | tr '\n' ' ')"
  ip netns list | grep -w "^$NS" || echo "no netns $NS"
  in_ns podman version --format 'podman {{.Server.Version}}' 2>/dev/null || echo "not answering"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  exec) shift; in_ns "$@" ;;
  *) echo "usage: test-podman.sh up|down|status|exec CMD..." >&2; exit 2 ;;
esac
