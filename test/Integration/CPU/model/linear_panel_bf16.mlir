// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit
// significand; the result is rounded to bf16).
//
// A bf16 prefill projection with bias on the panel kernel: [2, 35, 97]
// rows (70 >= 64), the weights' depth blocks widened to f32 once per tile,
// f32 accumulation. The .npy files hold bf16-exact values as float32.
// Inputs and golden outputs (NumPy float64): Inputs/linear_panel_bf16/,
// written by gen/gen_linear_panel.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_bf16/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_bf16/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_bf16/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_bf16/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<2x35x97xbf16>, %w: tensor<83x97xbf16>, %b: tensor<83xbf16>)
    -> tensor<2x35x83xbf16> {
  %y = seq.linear %x, %w bias(%b : tensor<83xbf16>)
      : tensor<2x35x97xbf16>, tensor<83x97xbf16> -> tensor<2x35x83xbf16>
  return %y : tensor<2x35x83xbf16>
}
