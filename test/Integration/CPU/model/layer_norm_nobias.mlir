// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// LayerNorm without bias, epsilon 1e-6, rank-2 input.
// Inputs and golden outputs: Inputs/layer_norm_nobias/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/layer_norm_nobias/x.npy \
// RUN:   --input 1=%S/../Inputs/layer_norm_nobias/weight.npy \
// RUN:   --expect 0=%S/../Inputs/layer_norm_nobias/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<4x40xf32>, %w: tensor<40xf32>) -> tensor<4x40xf32> {
  %y = seq.layer_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<4x40xf32>, tensor<40xf32>
  return %y : tensor<4x40xf32>
}
