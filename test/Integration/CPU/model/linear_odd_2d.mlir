// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Linear without bias on odd sizes (M=7, N=17, K=33: remainder tiles everywhere).
// Inputs and golden outputs: Inputs/linear_odd_2d/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_odd_2d/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_odd_2d/weight.npy \
// RUN:   --expect 0=%S/../Inputs/linear_odd_2d/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<7x33xf32>, %w: tensor<17x33xf32>) -> tensor<7x17xf32> {
  %y = seq.linear %x, %w : tensor<7x33xf32>, tensor<17x33xf32> -> tensor<7x17xf32>
  return %y : tensor<7x17xf32>
}
