#!/usr/bin/env bash
# Installs the Debian packages KneeFlow needs, if any is missing (idempotent; a no-op when all are
# there), and the Python tools of the deployment checks into .build/ops-venv. Used by `make build`
# (and so by `make demo` / `make test`) and by .ci/run.
# Beyond building: systemd (systemd-analyze verifies ops/systemd/), prometheus-postgres-exporter
# (the metrics test scrapes it), python3-venv (ops/k8s/validate.py runs from the venv).
set -euo pipefail
packages=(postgresql libpq-dev libopenblas-dev zlib1g-dev make python3
          openssl pgbouncer iproute2 libdcmtk-dev dcmtk python3-nibabel python3-pydicom
          systemd prometheus-postgres-exporter python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi

# kubernetes-validate (PyPI: Kubernetes' JSON schemas, offline) and PyYAML for ops/k8s/validate.py,
# in a venv under the build directory (nothing installed system-wide). Pinned; a no-op when there.
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.build/ops-venv"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  echo "installing kubernetes-validate into $venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q "kubernetes-validate==1.37.0" "PyYAML>=6"
fi
