// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// RMSNorm (Llama): x / sqrt(mean(x^2) + 1e-5) * weight over the last dim.
// Inputs and golden outputs: Inputs/rms_norm/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rms_norm/x.npy \
// RUN:   --input 1=%S/../Inputs/rms_norm/weight.npy \
// RUN:   --expect 0=%S/../Inputs/rms_norm/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
      : tensor<2x5x64xf32>, tensor<64xf32>
  return %y : tensor<2x5x64xf32>
}
