// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Linear x W^T + b with a [N, K] (PyTorch layout) weight, rank-3 input.
// Inputs and golden outputs: Inputs/linear_bias/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_bias/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_bias/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_bias/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_bias/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<2x5x48xf32>, %w: tensor<40x48xf32>, %b: tensor<40xf32>)
    -> tensor<2x5x40xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<40xf32>)
      : tensor<2x5x48xf32>, tensor<40x48xf32> -> tensor<2x5x40xf32>
  return %y : tensor<2x5x40xf32>
}
