// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Exact (erf) GELU, x with std 3. The tanh approximation differs from it by
// up to ~5e-4, far outside the tolerance.
// Inputs and golden outputs: Inputs/gelu_exact/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/gelu_exact/x.npy \
// RUN:   --expect 0=%S/../Inputs/gelu_exact/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<3x100xf32>) -> tensor<3x100xf32> {
  %y = seq.gelu %x : tensor<3x100xf32>
  return %y : tensor<3x100xf32>
}
