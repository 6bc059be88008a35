// seqc --check-numerics and seqrun --check-numerics (issue #11): a NaN or
// Inf in the weights is reported with the op that produced the first
// non-finite value. Inputs/numerics_mlp/ (gen/gen_numerics.py): an MLP
// whose golden PyTorch output the checked artifact still matches, and
// hostile weights with a NaN in w1 and an Inf in w2.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.plain.seqpkg
// RUN: seqc %s --target=cpu --check-numerics -o %t.checked.seqpkg
// DEFINE: %{in} = %S/../Inputs/numerics_mlp

// Finite weights: both artifacts match the golden; nothing is reported.
// RUN: seqrun %t.checked.seqpkg --check-numerics --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1.npy --input 2=%{in}/w2.npy \
// RUN:   --expect 0=%{in}/out.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s --check-prefix=PASS
// RUN: seqrun %t.plain.seqpkg --check-numerics --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1.npy --input 2=%{in}/w2.npy \
// RUN:   --expect 0=%{in}/out.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s --check-prefix=PASS
// PASS: output 0 f32[2, 8]: PASS

// A NaN in w1 [3, 5]: the first linear layer's element 3 (row 0, feature
// 3) is the first non-finite value; gelu and the second layer, which see
// it, are not blamed.
// RUN: not seqrun %t.checked.seqpkg --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1_nan.npy --input 2=%{in}/w2.npy 2>&1 \
// RUN: | FileCheck %s --check-prefix=NAN -DFILE=%s
// NAN: seqrun: entry 'mlp' failed while running: a non-finite value (--check-numerics) (__seq_status 7): seq.linear at [[FILE]]:[[# @LINE + 35]]:8: result 0 element 3 is nan

// An Inf in w2 [2, 0]: the second linear layer's element 2.
// RUN: not seqrun %t.checked.seqpkg --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1.npy --input 2=%{in}/w2_inf.npy 2>&1 \
// RUN: | FileCheck %s --check-prefix=INF -DFILE=%s
// INF: (__seq_status 7): seq.linear at [[FILE]]:[[# @LINE + 31]]:8: result 0 element 2 is inf

// Without the compiled checks the call succeeds (exit 0, a NaN output);
// seqrun --check-numerics names the output and its first bad element.
// RUN: seqrun %t.plain.seqpkg --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1_nan.npy --input 2=%{in}/w2.npy | FileCheck %s --check-prefix=SILENT
// SILENT: output 0: f32[2, 8] = [nan,
// RUN: not seqrun %t.plain.seqpkg --check-numerics --input 0=%{in}/x.npy \
// RUN:   --input 1=%{in}/w1.npy --input 2=%{in}/w2_inf.npy 2>&1 | FileCheck %s --check-prefix=OUTPUT
// OUTPUT: seqrun: --check-numerics: output 0 f32[2, 8] element [0, 2] is inf (seqc --check-numerics compiles in checks that name the op that produced it)

// The scan follows each op, outside its loops: one scf.while per result
// before the next op's tiles.
// RUN: seqc-opt %s -seq-check-numerics | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @mlp(
// IR: %[[H:.*]] = seq.linear
// IR: %[[FLAT:.*]] = tensor.collapse_shape %[[H]]
// IR: scf.while
// IR: call @__seq_check_nonfinite_0(
// IR: seq.gelu
// IR: scf.while
// IR: call @__seq_check_nonfinite_1(
// IR: seq.linear
// IR: scf.while
// IR: call @__seq_check_nonfinite_2(
// IR: func.func private @__seq_check_nonfinite_0(i64, f32) attributes {seq.check_code = 7 : i32, seq.check_message = "seq.linear at {{.*}}check_numerics.mlir:{{[0-9]+}}:8: result 0 element %ld is %g"}

func.func @mlp(%x: tensor<2x8xf32>, %w1: tensor<16x8xf32>, %w2: tensor<8x16xf32>)
    -> tensor<2x8xf32> {
  %h = seq.linear %x, %w1 : tensor<2x8xf32>, tensor<16x8xf32> -> tensor<2x16xf32>
  %g = seq.gelu %h : tensor<2x16xf32>
  %y = seq.linear %g, %w2 : tensor<2x16xf32>, tensor<8x16xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
