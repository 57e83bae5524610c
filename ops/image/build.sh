#!/usr/bin/env bash
# Builds the KneeFlow worker image without pulling any base layer: mmdebstrap makes the root
# file system from Debian packages (the mirror apt already uses), the release binary goes in
# (built with the Swift standard library linked statically, so no Swift runtime package), and
# podman imports the tarball with the image's settings. Run by `make image` (as root: mmdebstrap's
# root mode). Usage: ops/image/build.sh BINARY [TAG]   (TAG default: localhost/kneeflow-worker)
#
# Runtime packages: libpq5, libopenblas0, zlib1g (the binary's own libraries) and libstdc++6
# (the statically linked Swift runtime still needs the C++ runtime); ca-certificates for
# sslmode=verify-full against public CAs. The rest is Debian's essential set (a shell for
# debugging, dpkg's alternatives that pick OpenBLAS). The image runs as uid 10001, entrypoint
# `kneeflow`, default command `work --threads 1`, label org.opencontainers.image.version =
# `kneeflow --version`. Before importing, the binary is run inside the new root file system as
# uid 10001 (`--version` must equal the host's), so a missing library fails the build.
set -euo pipefail
bin="${1:?usage: build.sh BINARY [TAG]}"
tag="${2:-localhost/kneeflow-worker}"
suite="${KNEEFLOW_IMAGE_SUITE:-bookworm}"
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
for t in mmdebstrap podman; do
  command -v "$t" >/dev/null || { echo "$t is missing (apt-get install mmdebstrap podman)" >&2; exit 1; }
done
version="$("$bin" --version)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$bin" "$work/kneeflow"

mmdebstrap --variant=essential \
  --include=libpq5,libopenblas0,zlib1g,libstdc++6,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='install -m 0755 '"$work"'/kneeflow "$1/usr/local/bin/kneeflow"' \
  --customize-hook='echo "kneeflow:x:10001:10001:KneeFlow worker:/nonexistent:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "kneeflow:x:10001:" >> "$1/etc/group"' \
  --customize-hook='install -d -o 10001 -g 10001 "$1/srv/kneeflow" "$1/srv/kneeflow/artifacts"' \
  --customize-hook='chroot --userspec=10001:10001 "$1" /usr/local/bin/kneeflow --version > "'"$work"'/inside"' \
  "$suite" "$work/rootfs.tar"

inside="$(cat "$work/inside")"
[ "$inside" = "$version" ] || { echo "the binary inside the image says '$inside', the host's '$version'" >&2; exit 1; }

podman import \
  --change 'USER 10001:10001' \
  --change 'WORKDIR /tmp' \
  --change 'ENV OPENBLAS_NUM_THREADS=1' \
  --change 'ENV KNEEFLOW_ARTIFACTS=/srv/kneeflow/artifacts' \
  --change 'ENTRYPOINT ["/usr/local/bin/kneeflow"]' \
  --change 'CMD ["work", "--threads", "1"]' \
  --change 'STOPSIGNAL SIGTERM' \
  --change "LABEL org.opencontainers.image.version=$version" \
  --change 'LABEL org.opencontainers.image.title=kneeflow-worker' \
  "$work/rootfs.tar" "$tag:$version"
podman tag "$tag:$version" "$tag:latest"
echo "built $tag:$version ($(podman image inspect --format '{{.Size}}' "$tag:$version") bytes)"
