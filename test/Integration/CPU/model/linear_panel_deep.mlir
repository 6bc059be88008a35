// Tolerance (f32): rtol 1e-4 / atol 1e-4 (1027-term dot products of
// values of size ~0.05, sums of size ~2).
//
// A prefill projection whose reduction is deeper than
// TilingOptions::linearPanelWideDepth (1024): the panel kernel takes
// tiles of linearPanelWideFeatureTile (192) features, so a tile's packed
// rows are re-read from memory N / 192 times instead of N / 48. 66 rows
// (two full 32-row panels and 2 rows of a third), K 1027 (five 256-deep
// blocks, the last of 3), N 197 (a 192-feature tile and a 5-feature one),
// with bias. Inputs and golden outputs (NumPy float64):
// Inputs/linear_panel_deep/, written by gen/gen_linear_panel.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -emit=tiled | FileCheck %s --check-prefix=TILE
// TILE: memref.alloca() : memref<{{[0-9]+}}x192x32xf32>
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_deep/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_deep/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_deep/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_deep/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4
// The AVX2 form (8 lanes).
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/linear_panel_deep/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_panel_deep/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_panel_deep/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_panel_deep/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<66x1027xf32>, %w: tensor<197x1027xf32>, %b: tensor<197xf32>)
    -> tensor<66x197xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<197xf32>)
      : tensor<66x1027xf32>, tensor<197x1027xf32> -> tensor<66x197xf32>
  return %y : tensor<66x197xf32>
}
