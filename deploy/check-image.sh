#!/usr/bin/env bash
# Builds deploy/Containerfile's run-time image where no container registry can be
# reached, and checks that the image serves the demo as its own unprivileged user.
#
#   bash deploy/check-image.sh [BINARY]      (default: target/release/sendpanel)
#
# What stands in for a registry: the base image is made with Debian's debootstrap
# (minbase bookworm, which is what debian:bookworm-slim is) and tagged with the name
# the Containerfile asks for; the build stage is replaced by BINARY, a sendpanel built
# on this machine (podman's --build-context, so the Containerfile itself is unchanged).
# The image is then started the way a container runtime would start it: its root file
# system, /tmp and /var/lib/sendpanel writable, user 10001, `serve --demo`. That last
# step uses chroot rather than `podman run` because some sandboxes refuse the OCI
# runtime's setrlimit calls; where `podman run` works, use it instead.
#
# Needs root, and podman and debootstrap (Debian's packages of those names).
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/release/sendpanel}"
port="${CHECK_IMAGE_PORT:-18080}"
[ -x "$binary" ] || { echo "no sendpanel binary at $binary: cargo build --release first" >&2; exit 1; }
command -v podman >/dev/null || { echo "podman is missing: apt-get install podman" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

work="$(mktemp -d)"
mounted=""
cleanup() {
  if [ -n "$mounted" ]; then
    umount "$mounted/tmp" "$mounted/var/lib/sendpanel" 2>/dev/null || true
    podman image umount localhost/sendpanel:check >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

base="docker.io/library/debian:bookworm-slim"
if ! podman image exists "$base"; then
  echo "== the base image, from Debian's packages (debootstrap --variant=minbase bookworm)"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  rm -f "$work"/rootfs/var/cache/apt/archives/*.deb
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

echo "== the run-time image from deploy/Containerfile, with $binary as the build stage's output"
install -D -m 0755 "$binary" "$work/build/out/sendpanel"
podman build --pull=never --isolation=chroot --format docker --build-context "build=$work/build" \
  -f deploy/Containerfile -t localhost/sendpanel:check . >/dev/null

echo "== the image serves the demo as user 10001"
mounted="$(podman image mount localhost/sendpanel:check)"
mkdir -p "$work/state" && chown 10001 "$work/state"
mount --bind "$work/state" "$mounted/var/lib/sendpanel"
mount -t tmpfs tmpfs "$mounted/tmp"
key="$(head -c 64 /dev/urandom | base64 -w0)"
env -i HOME=/var/lib/sendpanel SENDPANEL_BIND="127.0.0.1:$port" SENDPANEL_SESSION_KEY="$key" \
  /usr/sbin/chroot --userspec=10001:10001 "$mounted" \
  /bin/sh -c 'cd /var/lib/sendpanel && exec /usr/local/bin/sendpanel serve --demo' \
  >"$work/serve.log" 2>&1 &
server=$!
status=000
for _ in $(seq 1 60); do
  status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/sign-in" || true)"
  [ "$status" = 200 ] && break
  sleep 1
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
if [ "$status" != 200 ]; then
  echo "the image did not serve /sign-in (last status $status); its log:" >&2
  tail -20 "$work/serve.log" >&2
  exit 1
fi
head -c 300 "$work/serve.log" | grep -q '^{"timestamp"' \
  || { echo "the image's log is not JSON lines" >&2; exit 1; }
echo "the image serves the demo on 127.0.0.1:$port as user 10001, logging JSON lines"
