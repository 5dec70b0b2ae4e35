#!/usr/bin/env bash
# One entry point that sets up a fresh machine, then runs the main job, the tests or the study.
#   bash run.sh train [FLAGS...]   train the default GAN on Fashion-MNIST (outputs/train/)
#   bash run.sh test  [PYTEST ARGS...]
#   bash run.sh sweep [FLAGS...]   the output-activation study (outputs/study/)
# Set-up is idempotent: the data set and the Python environment are installed only when missing.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
venv=${GAN_LAB_VENV:-$HOME/.cache/gan_lab/venv}
fmnist_dir=/usr/share/datasets/fashion-mnist

install_dataset() {
  # Debian ships Fashion-MNIST as a package; elsewhere gan_lab falls back to Keras's loader.
  [ -f "$fmnist_dir/train-images-idx3-ubyte.gz" ] && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "[run.sh] installing Debian package dataset-fashion-mnist" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist >/dev/null
  else
    echo "[run.sh] $fmnist_dir missing and apt-get unavailable: gan_lab will try Keras's loader" >&2
  fi
}

install_python_env() {
  # Reinstall only when the package metadata or the checkout's path changed.
  local stamp="$venv/.gan_lab_stamp"
  local want
  want=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)-$(echo "$root" | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "[run.sh] installing gan_lab and its dependencies into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e ".[dev,ray]"
  echo "$want" > "$stamp"
}

install_dataset
install_python_env
export PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
cmd=${1:-}
shift || true
case "$cmd" in
  train) exec "$venv/bin/gan-lab" train "$@" ;;
  test) exec "$venv/bin/python" -m pytest "$@" ;;
  sweep) exec "$venv/bin/gan-lab" sweep "$@" ;;
  *) echo "usage: bash run.sh {train|test|sweep} [ARGS...]" >&2; exit 2 ;;
esac
