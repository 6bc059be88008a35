// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// RMSNorm in bf16 with f32 statistics, epsilon 1e-6. The .npy files hold
// bf16-exact values as float32 (see gen/README.md).
// Inputs and golden outputs: Inputs/rms_norm_bf16/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rms_norm_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/rms_norm_bf16/weight.npy \
// RUN:   --expect 0=%S/../Inputs/rms_norm_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<3x4x128xbf16>, %w: tensor<128xbf16>) -> tensor<3x4x128xbf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<3x4x128xbf16>, tensor<128xbf16>
  return %y : tensor<3x4x128xbf16>
}
