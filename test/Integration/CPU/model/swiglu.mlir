// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// SwiGLU: silu(gate) * up, gate drawn with std 3 (both tails of silu).
// Inputs and golden outputs: Inputs/swiglu/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/swiglu/gate.npy \
// RUN:   --input 1=%S/../Inputs/swiglu/up.npy \
// RUN:   --expect 0=%S/../Inputs/swiglu/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%g: tensor<2x5x64xf32>, %u: tensor<2x5x64xf32>) -> tensor<2x5x64xf32> {
  %y = seq.swiglu %g, %u : tensor<2x5x64xf32>
  return %y : tensor<2x5x64xf32>
}
