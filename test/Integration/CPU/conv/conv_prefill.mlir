// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// seq.causal_conv1d from the start of a sequence (no state) with bias and
// SiLU against PyTorch's depthwise F.conv1d with padding K-1 (Mamba's
// conv1d), and the final state (the last K-1 inputs).
// Inputs and golden outputs: Inputs/conv_prefill/, written by gen/gen_conv.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/conv_prefill/x.npy \
// RUN:   --input 1=%S/../Inputs/conv_prefill/w.npy \
// RUN:   --input 2=%S/../Inputs/conv_prefill/bias.npy \
// RUN:   --expect 0=%S/../Inputs/conv_prefill/y.npy \
// RUN:   --expect 1=%S/../Inputs/conv_prefill/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<2x11x20xf32>, %w: tensor<20x4xf32>,
                %b: tensor<20xf32>) -> (tensor<2x11x20xf32>, tensor<2x3x20xf32>) {
  %y, %s = seq.causal_conv1d %x, %w bias(%b : tensor<20xf32>) silu
      : tensor<2x11x20xf32>, tensor<20x4xf32> -> tensor<2x11x20xf32>, tensor<2x3x20xf32>
  return %y, %s : tensor<2x11x20xf32>, tensor<2x3x20xf32>
}
