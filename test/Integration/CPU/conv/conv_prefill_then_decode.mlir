// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Prefill then decode equals a full-sequence run: seq.causal_conv1d over
// steps 0..4 from no state, then four single-step calls, each consuming the
// previous call's final state. The golden files are PyTorch's F.conv1d over
// all 9 steps (bias, SiLU) and the last K-1 inputs.
// Inputs and golden outputs: Inputs/conv_prefill_then_decode/, written by
// gen/gen_conv.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/conv_prefill_then_decode/x.npy \
// RUN:   --input 1=%S/../Inputs/conv_prefill_then_decode/w.npy \
// RUN:   --input 2=%S/../Inputs/conv_prefill_then_decode/bias.npy \
// RUN:   --expect 0=%S/../Inputs/conv_prefill_then_decode/y.npy \
// RUN:   --expect 1=%S/../Inputs/conv_prefill_then_decode/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<2x9x13xf32>, %w: tensor<13x4xf32>,
                %b: tensor<13xf32>) -> (tensor<2x9x13xf32>, tensor<2x3x13xf32>) {
  %xp = tensor.extract_slice %x[0, 0, 0] [2, 5, 13] [1, 1, 1] : tensor<2x9x13xf32> to tensor<2x5x13xf32>
  %yp, %s0 = seq.causal_conv1d %xp, %w bias(%b : tensor<13xf32>) silu
      : tensor<2x5x13xf32>, tensor<13x4xf32> -> tensor<2x5x13xf32>, tensor<2x3x13xf32>
  %x5 = tensor.extract_slice %x[0, 5, 0] [2, 1, 13] [1, 1, 1] : tensor<2x9x13xf32> to tensor<2x1x13xf32>
  %y5, %s1 = seq.causal_conv1d %x5, %w bias(%b : tensor<13xf32>) state(%s0 : tensor<2x3x13xf32>) silu
      : tensor<2x1x13xf32>, tensor<13x4xf32> -> tensor<2x1x13xf32>, tensor<2x3x13xf32>
  %x6 = tensor.extract_slice %x[0, 6, 0] [2, 1, 13] [1, 1, 1] : tensor<2x9x13xf32> to tensor<2x1x13xf32>
  %y6, %s2 = seq.causal_conv1d %x6, %w bias(%b : tensor<13xf32>) state(%s1 : tensor<2x3x13xf32>) silu
      : tensor<2x1x13xf32>, tensor<13x4xf32> -> tensor<2x1x13xf32>, tensor<2x3x13xf32>
  %x7 = tensor.extract_slice %x[0, 7, 0] [2, 1, 13] [1, 1, 1] : tensor<2x9x13xf32> to tensor<2x1x13xf32>
  %y7, %s3 = seq.causal_conv1d %x7, %w bias(%b : tensor<13xf32>) state(%s2 : tensor<2x3x13xf32>) silu
      : tensor<2x1x13xf32>, tensor<13x4xf32> -> tensor<2x1x13xf32>, tensor<2x3x13xf32>
  %x8 = tensor.extract_slice %x[0, 8, 0] [2, 1, 13] [1, 1, 1] : tensor<2x9x13xf32> to tensor<2x1x13xf32>
  %y8, %s4 = seq.causal_conv1d %x8, %w bias(%b : tensor<13xf32>) state(%s3 : tensor<2x3x13xf32>) silu
      : tensor<2x1x13xf32>, tensor<13x4xf32> -> tensor<2x1x13xf32>, tensor<2x3x13xf32>
  %y = tensor.concat dim(1) %yp, %y5, %y6, %y7, %y8
      : (tensor<2x5x13xf32>, tensor<2x1x13xf32>, tensor<2x1x13xf32>, tensor<2x1x13xf32>, tensor<2x1x13xf32>) -> tensor<2x9x13xf32>
  return %y, %s4 : tensor<2x9x13xf32>, tensor<2x3x13xf32>
}
