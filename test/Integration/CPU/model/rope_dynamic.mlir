// Tolerance (f32): rtol 1e-4 / atol 1e-4, as rope_inv_freq.mlir
//   (positions up to 300; the golden rotates in float64 by transformers'
//   own f32 inverse frequencies).
//
// seq.rope with dynamic NTK scaling (ntk_factor 3, ntk_max_positions 64,
// neox over D = 16), against transformers' _compute_dynamic_ntk_parameters:
// SHORT, every position below 64 (L = 64: the unscaled base theta); LONG,
// a ragged call whose second row reaches position 300, so both rows rotate
// with the base of L = 301 (one base per call, as transformers computes it
// from the largest position of position_ids).
// Inputs and golden outputs: Inputs/rope_dynamic_{short,long}/, written by
// gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rope_dynamic_short/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_dynamic_short/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_dynamic_short/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rope_dynamic_long/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_dynamic_long/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_dynamic_long/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4
// The scaled base matters: plain RoPE (@plain, theta's frequencies) meets
// the short golden but not the long one.
// RUN: seqrun %t.seqpkg --entry plain \
// RUN:   --input 0=%S/../Inputs/rope_dynamic_short/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_dynamic_short/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_dynamic_short/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4
// RUN: not seqrun %t.seqpkg --entry plain \
// RUN:   --input 0=%S/../Inputs/rope_dynamic_long/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_dynamic_long/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_dynamic_long/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<2x4x6x16xf32>, %pos: tensor<2x6xi32>) -> tensor<2x4x6x16xf32> {
  %y = seq.rope %x, %pos {ntk_factor = 3.0 : f32, ntk_max_positions = 64 : i64}
      : tensor<2x4x6x16xf32>, tensor<2x6xi32>
  return %y : tensor<2x4x6x16xf32>
}

func.func @plain(%x: tensor<2x4x6x16xf32>, %pos: tensor<2x6xi32>) -> tensor<2x4x6x16xf32> {
  %y = seq.rope %x, %pos : tensor<2x4x6x16xf32>, tensor<2x6xi32>
  return %y : tensor<2x4x6x16xf32>
}
