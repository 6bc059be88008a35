#!/usr/bin/env bash
# Proof that a refactor of the GPU kernel builders changed no kernel.
#
#   scripts/gpu-kernel-snapshot.sh snap BUILD OUT    # before and after
#   scripts/gpu-kernel-snapshot.sh compare BUILD BEFORE AFTER
#
# snap: -emit=gpu-kernels of every test input with seq.linear,
# seq.quantized_linear or seq.moe_experts, and of every input of the GPU
# kernel tests (test/Integration/GPU, test/Target/GPU/Inputs), for
# cuda:sm_80, cuda:sm_90a,
# hip:gfx942 and hip:gfx90a (inputs without a GPU kernel give their error
# text), and the seqc-opt mutation forms of the linear, quantized and MoE
# kernel passes for the GPU tests' inputs (cuda:sm_80, hip:gfx942).
# compare: counts the outputs that are byte-identical; for those that are
# not, compiles both sides to the target's assembly (PTX, AMDGCN) with
# BUILD's seqc and says whether that is identical. Exit status 1 when an
# error text or an assembly differs.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case "$mode" in
snap)
  build=$2 out=$3
  mkdir -p "$out"
  cd "$root"
  # Every test input with a GEMM op, and every input of the GPU kernel
  # tests (all kernel families).
  files=$( (grep -rlE 'seq\.(linear|quantized_linear|moe_experts)\b' test --include=*.mlir;
    ls test/Integration/GPU/*.mlir test/Target/GPU/Inputs/*.mlir) | sort -u)
  gpufiles=$(grep -lE 'seq\.(linear|quantized_linear|moe_experts)\b' test/Integration/GPU/*.mlir \
    test/Target/GPU/Inputs/*.mlir test/Integration/CPU/moe/moe_deepseek_block.mlir | sort)
  n=0
  for f in $files; do
    tag=$(echo "$f" | tr '/' '_')
    for t in cuda:sm_80 cuda:sm_90a hip:gfx942 hip:gfx90a; do
      "$build/bin/seqc" "$f" --target=$t -emit=gpu-kernels -o "$out/$tag.$t.mlir" 2>"$out/$tag.$t.err"
      n=$((n + 1))
    done
  done
  for f in $gpufiles; do
    tag=$(echo "$f" | tr '/' '_')
    for t in cuda:sm_80 hip:gfx942; do
      for m in swap-fragment-lanes drop-barrier shared-off-by-one drop-async-wait async-wait-count; do
        "$build/bin/seqc-opt" "$f" "--seq-gpu-linear-kernels=target=$t mutation=$m" -o "$out/$tag.$t.lin-$m.mlir" 2>"$out/$tag.$t.lin-$m.err"
        n=$((n + 1))
      done
      for m in swap-nibbles swap-fragment-lanes shuffle-offset; do
        "$build/bin/seqc-opt" "$f" "--seq-gpu-quant-kernels=target=$t mutation=$m" -o "$out/$tag.$t.q-$m.mlir" 2>"$out/$tag.$t.q-$m.err"
        n=$((n + 1))
      done
      for m in drop-barrier swap-fragment-lanes group-offset-off-by-one; do
        "$build/bin/seqc-opt" "$f" "--seq-gpu-moe-kernels=target=$t mutation=$m" -o "$out/$tag.$t.moe-$m.mlir" 2>"$out/$tag.$t.moe-$m.err"
        n=$((n + 1))
      done
    done
  done
  echo "inputs: $(echo $files | wc -w) (mutations: $(echo $gpufiles | wc -w)); outputs: $n"
  ;;
compare)
  build=$2 before=$3 after=$4
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  identical=0 kernels=0 asm_same=0 asm_differ=0 errors=0
  for f in "$before"/*.mlir; do
    n=$(basename "$f")
    grep -q gpu.func "$f" && kernels=$((kernels + 1))
    if cmp -s "$f" "$after/$n"; then identical=$((identical + 1)); continue; fi
    t=$(echo "$n" | sed -E 's/.*\.mlir\.((cuda|hip):[a-z0-9_]+)\..*/\1/')
    for side in before after; do
      src=$before/$n; [ $side = after ] && src=$after/$n
      # -emit=gpu-kernels output has no host function: give it one.
      if grep -q "func.func" "$src"; then cp "$src" "$tmp/in.$side.mlir"
      else
        # The module's closing brace is its last non-empty line.
        last=$(grep -n . "$src" | tail -1 | cut -d: -f1)
        head -n $((last - 1)) "$src" > "$tmp/in.$side.mlir"
        printf '  func.func @host() {\n    return\n  }\n}\n' >> "$tmp/in.$side.mlir"
      fi
      "$build/bin/seqc" "$tmp/in.$side.mlir" --target=$t -emit=gpu-asm -o "$tmp/asm.$side" 2>/dev/null
    done
    if [ -s "$tmp/asm.before" ] && cmp -s "$tmp/asm.before" "$tmp/asm.after"; then
      asm_same=$((asm_same + 1)); echo "IR differs, $t assembly identical: $n"
    else
      asm_differ=$((asm_differ + 1)); echo "ASSEMBLY DIFFERS: $n"
    fi
  done
  for f in "$before"/*.err; do
    cmp -s "$f" "$after/$(basename "$f")" || { errors=$((errors + 1)); echo "ERROR TEXT DIFFERS: $f"; }
  done
  echo "outputs: $(ls "$before"/*.mlir | wc -l) ($kernels with kernels); byte-identical: $identical;" \
    "IR differs, assembly identical: $asm_same; assembly differs: $asm_differ; error texts differing: $errors"
  [ $asm_differ -eq 0 ] && [ $errors -eq 0 ]
  ;;
*)
  echo "usage: $0 snap BUILD OUT | compare BUILD BEFORE AFTER" >&2
  exit 2
  ;;
esac
