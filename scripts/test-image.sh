#!/usr/bin/env bash
# Build the tiny local image netview-test/busybox:latest that tests and benchmarks run.
# No container registry is reachable, so the image is made with `docker import` from
# Debian's statically linked busybox: one binary plus symlinks, no libraries needed.
set -euo pipefail
IMAGE=netview-test/busybox:latest
docker image inspect "$IMAGE" >/dev/null 2>&1 && exit 0

# ldd fails on a static binary; a dynamic busybox would not run in an empty image.
is_static() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }
if ! is_static; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq busybox-static >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
fi
is_static || { echo "test-image.sh: /bin/busybox is not a static binary" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for tool in sh sleep ip ping cat ls nc wget hostname httpd true; do
  ln -s busybox "$root/bin/$tool"
done
# Some applets (httpd, ping, id) look the user up.
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" -c . | docker import -c 'CMD ["sleep","infinity"]' - "$IMAGE" >/dev/null
echo "built $IMAGE"
