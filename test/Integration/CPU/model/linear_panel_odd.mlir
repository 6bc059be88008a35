// Tolerance (f32): rtol 1e-4 / atol 1e-4 (97-term dot products of O(1)
// values).
//
// A prefill projection with bias on the panel kernel (67 rows >= the 64 of
// TilingOptions::linearPanelMinRows): two full 32-row panels and one of 3
// real rows, K 97 (not a multiple of the vector width), N 83 (a 48-feature
// tile and a 35-feature one, register blocks of 12 (AVX-512) or 6 features
// and their remainders). Inputs and golden outputs (NumPy float64):
// Inputs/linear_panel_odd/, written by gen/gen_linear_panel.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_odd/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_odd/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_odd/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_odd/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4
// The AVX2 form (8 lanes: 16-row panels, 6 x 2 register blocks).
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_odd/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_odd/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_odd/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_odd/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<67x97xf32>, %w: tensor<83x97xf32>, %b: tensor<83xf32>)
    -> tensor<67x83xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<83xf32>)
      : tensor<67x97xf32>, tensor<83x97xf32> -> tensor<67x83xf32>
  return %y : tensor<67x83xf32>
}
