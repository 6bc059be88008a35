#!/usr/bin/env bash
# Configures (once) and builds seqc into $SEQC_BUILD_DIR (default: build/).
# SEQC_SANITIZE=address,undefined (any list -fsanitize= takes) builds with
# those sanitizers instead (at -O1: quicker to build, and reports that
# match the source), into build-sanitize/ unless SEQC_BUILD_DIR says
# otherwise (README.md, "Sanitizers").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=${SEQC_SANITIZE:-}
if [ -n "$sanitize" ]; then
  build=${SEQC_BUILD_DIR:-$root/build-sanitize}
else
  build=${SEQC_BUILD_DIR:-$root/build}
fi

# Sanitized builds use clang-22 when it is there (CC/CXX override it):
# gcc 12's sanitizer runtime crashes LeakSanitizer's tracer at exit in
# threaded programs (its __tls_get_addr interceptor misreads dynamic TLS,
# fixed in LLVM 17 / GCC 14), and clang compiles the MLIR code faster. The
# fuzz build (already ASan) is left out of them.
if [ -n "$sanitize" ] && [ -z "${CXX:-}" ] && command -v clang++-22 >/dev/null &&
    command -v clang-22 >/dev/null; then
  export CC=clang-22 CXX=clang++-22
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    ${sanitize:+-DSEQC_ENABLE_FUZZERS=OFF} \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    ${sanitize:+"-DSEQC_SANITIZE=$sanitize"} \
    ${sanitize:+"-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG"} \
    ${sanitize:+"-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"}
elif [ -n "$sanitize" ] &&
    ! grep -qx "SEQC_SANITIZE:STRING=$sanitize" "$build/CMakeCache.txt"; then
  echo "build: $build was configured without SEQC_SANITIZE=$sanitize;" \
       "use another SEQC_BUILD_DIR" >&2
  exit 1
fi
cmake --build "$build" "$@"
