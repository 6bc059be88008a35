// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// bf16 linear with bias, f32 accumulation, result rounded to bf16. The .npy
// files hold bf16-exact values as float32 (see gen/README.md).
// Inputs and golden outputs: Inputs/linear_bf16/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_bf16/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_bf16/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<2x8x64xbf16>, %w: tensor<48x64xbf16>, %b: tensor<48xbf16>)
    -> tensor<2x8x48xbf16> {
  %y = seq.linear %x, %w bias(%b : tensor<48xbf16>)
      : tensor<2x8x64xbf16>, tensor<48x64xbf16> -> tensor<2x8x48xbf16>
  return %y : tensor<2x8x48xbf16>
}
