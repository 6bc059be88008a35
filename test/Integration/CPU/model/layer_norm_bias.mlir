// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// LayerNorm with bias over the last dim (torch.nn.functional.layer_norm),
// inputs with a non-zero mean.
// Inputs and golden outputs: Inputs/layer_norm_bias/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/layer_norm_bias/x.npy \
// RUN:   --input 1=%S/../Inputs/layer_norm_bias/weight.npy \
// RUN:   --input 2=%S/../Inputs/layer_norm_bias/bias.npy \
// RUN:   --expect 0=%S/../Inputs/layer_norm_bias/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<3x7x48xf32>, %w: tensor<48xf32>, %b: tensor<48xf32>)
    -> tensor<3x7x48xf32> {
  %y = seq.layer_norm %x, %w bias(%b : tensor<48xf32>) {epsilon = 1.0e-05 : f32}
      : tensor<3x7x48xf32>, tensor<48xf32>
  return %y : tensor<3x7x48xf32>
}
