#!/usr/bin/env bash
# Installs the Debian packages KneeFlow needs, if any is missing (idempotent; a no-op when all are
# there). Used by `make build` (and so by `make demo` / `make test`) and by .ci/run.
set -euo pipefail
packages=(postgresql libpq-dev libopenblas-dev zlib1g-dev make python3 openssl pgbouncer iproute2 libdcmtk-dev dcmtk python3-nibabel python3-pydicom)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
