#!/usr/bin/env bash
# Real PNG screenshots of netview's dashboard, taken from a real run on this host.
#
# Usage: sudo scripts/screenshots.sh [--no-build] [--k8s] [OUT_DIR]     (OUT_DIR: screenshots/)
#
# Needs: root, a running Docker engine, tmux, python3 with Pillow, the fonts
# fonts-dejavu-core and fonts-noto-cjk (Pillow is pip-installed and the fonts apt-installed
# when missing). No registry is needed: the container image is netview-test/busybox, made by
# scripts/test-image.sh when it is not there.
#
# What it does:
#   1. cargo build --release (skip with --no-build).
#   2. Builds a small lab of Docker objects, all named nvshot-*:
#        network nvshot-shop:    nvshot-web (busybox httpd, published on 127.0.0.1 and on the
#                                nvshot-shop gateway address), nvshot-api
#        network nvshot-backend: nvshot-db, and nvshot-api again (a container on two networks)
#      and keeps some traffic flowing: nvshot-api fetches from nvshot-web and pings nvshot-db,
#      the host fetches through both published ports. With --k8s it also runs
#      `netview lab up k8s-node` (nvlab-* objects) if that lab is down, and takes it down after.
#   3. Runs target/release/netview in a detached tmux session (private socket nvshot-<pid>,
#      120x40, LANG=C.UTF-8, TERM=xterm-256color), drives it with send-keys to each state,
#      waits until the screen shows what that state must show, and captures it with ANSI
#      colours (tmux capture-pane -p -e).
#   4. Renders every capture to OUT_DIR/<name>.png with scripts/render_ansi.py (Pillow only).
#   5. Quits netview, kills the tmux server and removes the lab: a trap does it on any exit,
#      also on failure or Ctrl-C. Only objects named nvshot-* (and nvlab-* with --k8s, if this
#      run brought the lab up) are ever created or removed.
#
# Set NVSHOT_KEEP_ANS=DIR to keep the raw .ans captures in DIR.
set -euo pipefail

die() { echo "screenshots.sh: $*" >&2; exit 1; }

BUILD=1
K8S=0
OUT=
for arg in "$@"; do
  case $arg in
    --no-build) BUILD=0 ;;
    --k8s) K8S=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $arg" ;;
    *) OUT=$arg ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/screenshots}
BIN=$ROOT/target/release/netview
IMAGE=netview-test/busybox:latest
COLS=120
ROWS=40

[ "$(id -u)" = 0 ] || die "run as root (netview enters other namespaces, the lab needs Docker)"
command -v tmux >/dev/null || die "tmux is missing (apt-get install tmux)"
command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "no Docker engine answers"

# --- renderer dependencies ------------------------------------------------------------------
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow ||
  die "Pillow is missing and pip install pillow failed"
apt_fonts=()
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || apt_fonts+=(fonts-dejavu-core)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/truetype/nanum/NanumGothic*.ttf \
  >/dev/null 2>&1 || apt_fonts+=(fonts-noto-cjk)
if [ ${#apt_fonts[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${apt_fonts[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq "${apt_fonts[@]}" >/dev/null; } ||
    die "could not install ${apt_fonts[*]}"
fi

# --- netview and the image ------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
  cargo build --release
fi
[ -x "$BIN" ] || die "$BIN is missing (cargo build --release)"
docker image inspect "$IMAGE" >/dev/null 2>&1 || "$ROOT/scripts/test-image.sh"

# --- cleanup, on every exit -----------------------------------------------------------------
WORK=$(mktemp -d /tmp/nvshot.XXXXXX)
SOCK=nvshot-$$
TRAFFIC_PID=
K8S_UP=0
LAB_CONTAINERS=(nvshot-web nvshot-api nvshot-db)
LAB_NETWORKS=(nvshot-shop nvshot-backend)

T() { tmux -L "$SOCK" -f "$WORK/tmux.conf" "$@"; }

remove_lab() {
  local c n
  for c in "${LAB_CONTAINERS[@]}"; do
    docker container inspect "$c" >/dev/null 2>&1 && docker rm -f "$c" >/dev/null
  done
  for n in "${LAB_NETWORKS[@]}"; do
    docker network inspect "$n" >/dev/null 2>&1 && docker network rm "$n" >/dev/null
  done
  return 0
}

cleanup() {
  local rc=$?
  set +e
  if T has-session -t nv 2>/dev/null; then
    T send-keys -t nv q 2>/dev/null
    sleep 0.5
  fi
  T kill-server 2>/dev/null
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
  [ -n "$TRAFFIC_PID" ] && kill "$TRAFFIC_PID" 2>/dev/null && wait "$TRAFFIC_PID" 2>/dev/null
  remove_lab
  [ "$K8S_UP" = 1 ] && "$BIN" lab down k8s-node >/dev/null
  rm -rf "$WORK"
  [ $rc = 0 ] || echo "screenshots.sh: failed (exit $rc); the lab was removed" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the lab --------------------------------------------------------------------------------
remove_lab # leftovers of an earlier, killed run
echo "building the lab (nvshot-*)"
docker network create nvshot-shop >/dev/null
docker network create nvshot-backend >/dev/null
SHOP_GW=$(docker network inspect -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' nvshot-shop | awk '{print $1}')
publish=(-p 127.0.0.1::80)
# A second mapping on the bridge's own address: the host reaching it goes through the DNAT rule
# (nat OUTPUT), so its counters move; 127.0.0.1 is served by docker-proxy and never meets it.
[ -n "$SHOP_GW" ] && publish+=(-p "$SHOP_GW::80")
docker run -d --name nvshot-web --network nvshot-shop "${publish[@]}" "$IMAGE" \
  httpd -f -p 80 -h /etc >/dev/null
docker run -d --name nvshot-api --network nvshot-shop "$IMAGE" >/dev/null
docker run -d --name nvshot-db --network nvshot-backend "$IMAGE" >/dev/null
docker network connect nvshot-backend nvshot-api
SHOP_ID=$(docker network inspect -f '{{.Id}}' nvshot-shop)
SHOP_BR=br-${SHOP_ID:0:12}
mapfile -t PORTS < <(docker inspect -f '{{range (index .NetworkSettings.Ports "80/tcp")}}{{.HostIp}}:{{.HostPort}}{{"\n"}}{{end}}' nvshot-web | sed '/^$/d')
LOOP_ADDR= GW_ADDR=
for p in "${PORTS[@]}"; do
  case $p in 127.0.0.1:*) LOOP_ADDR=$p ;; "$SHOP_GW":*) GW_ADDR=$p ;; esac
done
[ -n "$LOOP_ADDR" ] || die "nvshot-web has no port on 127.0.0.1 (docker inspect: ${PORTS[*]})"
echo "nvshot-web published on ${PORTS[*]}; bridge of nvshot-shop: $SHOP_BR"

if [ "$K8S" = 1 ]; then
  if "$BIN" lab list | grep -q '^k8s-node *down'; then
    "$BIN" lab up k8s-node >/dev/null
    K8S_UP=1
  else
    echo "lab k8s-node is already up (someone else's): using it, leaving it up"
  fi
fi

# Traffic, so that the counters move. Inside nvshot-api (stops when the container goes):
docker exec -d nvshot-api sh -c \
  'while :; do wget -q -O /dev/null http://nvshot-web/group; sleep 0.4; done'
docker exec -d nvshot-api sh -c 'while :; do ping -c 1 -W 1 -q nvshot-db >/dev/null; sleep 0.5; done'
# From the host, through both published ports:
if command -v wget >/dev/null; then fetch() { wget -q -T 2 -O /dev/null "$1"; }
elif command -v curl >/dev/null; then fetch() { curl -s -m 2 -o /dev/null "$1"; }
else fetch() { busybox wget -q -T 2 -O /dev/null "$1"; }
fi
(
  trap - EXIT
  while :; do
    fetch "http://$LOOP_ADDR/group" || true
    [ -z "$GW_ADDR" ] || fetch "http://$GW_ADDR/group" || true
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
TRAFFIC_PID=$!

# --- driving netview in tmux ----------------------------------------------------------------
cat >"$WORK/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g history-limit 0
EOF
mkdir -p "$OUT"
ANS=${NVSHOT_KEEP_ANS:-$WORK/ans}
mkdir -p "$ANS"

screen() { T capture-pane -p -t nv; }

# start ARGS...: a fresh netview with these arguments, waiting for its first frame.
start() {
  if T has-session -t nv 2>/dev/null; then
    T send-keys -t nv q
    sleep 0.5
    T kill-session -t nv 2>/dev/null || true
  fi
  T new-session -d -s nv -x "$COLS" -y "$ROWS" \
    "$(printf '%q ' env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 TERM=xterm-256color "$BIN" "$@")"
  wait_for "Topology"
}

# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
  local text=$1 tries=$((${2:-20} * 5)) s
  while [ $tries -gt 0 ]; do
    s=$(screen)
    [[ $s == *"$text"* ]] && return 0
    tries=$((tries - 1))
    sleep 0.2
  done
  echo "screenshots.sh: timed out waiting for '$text'; the screen:" >&2
  screen >&2
  return 1
}

key() { T send-keys -t nv "$@"; sleep 0.25; }
type_text() { T send-keys -t nv -l "$1"; sleep 0.3; }
filter() { key /; type_text "$1"; key Enter; wait_for "Topology: /$1"; }

# details_begin_with TEXT...: does the Details pane (second screen line) begin with one of them?
details_begin_with() {
  local line want
  line=$(T capture-pane -p -t nv -S 1 -E 1)
  for want in "$@"; do
    [[ $line == *"│$want"* ]] && return 0
  done
  return 1
}

# select_item TEXT...: select the row whose Details begin with one of TEXT: down from the top
# with j, else up from the bottom with k. (Both ways: a container on two networks has a row
# under each bridge with the same selection, and netview's cursor, which is the object and
# not the row, jumps back to the first of them, so j alone may never get past the second.)
select_item() {
  local i
  key g
  for ((i = 0; i < 45; i++)); do
    details_begin_with "$@" && return 0
    key j
  done
  key G
  for ((i = 0; i < 45; i++)); do
    details_begin_with "$@" && return 0
    key k
  done
  echo "screenshots.sh: no row whose details begin with '$*'; the screen:" >&2
  screen >&2
  return 1
}

# shot NAME: capture the screen now (after a short settle) to NAME.ans.
shot() {
  sleep "${2:-1}"
  T capture-pane -p -e -t nv >"$ANS/$1.ans"
  echo "captured $1"
}

# 1. dashboard: nvshot-api (two networks) selected, counters running.
start
filter nvshot-api
select_item "Container nvshot-api"
wait_for "all together"
shot dashboard 10

# 2. published ports & NAT, a mapping selected: the DNAT rule and its counters.
start
select_item "published ports"
key l
want=${GW_ADDR:-$LOOP_ADDR}
select_item "$want/tcp"
wait_for "DNAT"
shot ports 3

# 3. lesson 2 (container-born), step 2.
start --lesson container-born
wait_for "Step 1/"
key n
wait_for "Step 2/"
shot lesson 2

# 4. Korean: the nvshot-shop bridge selected, its explanation in Korean.
start --lang ko
filter nvshot
select_item "$SHOP_BR (bridge)"
wait_for "브리지"
shot korean 3

# 5. projector theme, the nvshot-shop bridge selected.
start --theme projector
select_item "$SHOP_BR (bridge)"
shot projector 3

# 6. path overlay: nvshot-web → nvshot-db, blocked (they share no network).
start
filter nvshot
select_item "Container nvshot-web" "Namespace nvshot-web"
key m
wait_for "select where to"
select_item "Container nvshot-db" "Namespace nvshot-db"
key m
wait_for "BLOCKED"
shot path 2

T send-keys -t nv q
sleep 0.5
T kill-server 2>/dev/null || true

# --- render ---------------------------------------------------------------------------------
for name in dashboard ports lesson korean projector path; do
  python3 "$ROOT/scripts/render_ansi.py" --cols "$COLS" --rows "$ROWS" "$ANS/$name.ans" "$OUT/$name.png"
done
echo "done: $OUT"
