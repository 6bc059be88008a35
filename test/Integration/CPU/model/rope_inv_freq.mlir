// Tolerance (f32): rtol 1e-4 / atol 1e-4, as rope_partial_neox.mlir
//   (positions up to 300; the golden is computed in float64 from the same
//   f32 inverse frequencies).
//
// seq.rope with given inverse frequencies (scaled RoPE, e.g. Llama-3's):
// GPT-J pairs over rotary_dim 16 of 24, pair i rotated by pos * inv_freq[i]
// for a non-geometric inv_freq; theta is unused. Channels 16..23 pass
// through. Per-token positions [[0..5], [300, 17, 251, 42, 199, 7]].
// Inputs and golden outputs: Inputs/rope_inv_freq/, written by
// gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rope_inv_freq/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_inv_freq/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_inv_freq/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<2x4x6x24xf32>, %pos: tensor<2x6xi32>) -> tensor<2x4x6x24xf32> {
  %y = seq.rope %x, %pos {style = #seq.rope_style<gptj>, rotary_dim = 16 : i64,
                          inv_freq = array<f32: 1.3, 0.7, 0.25, 0.11, 0.05, 0.013, 0.002, 0.0004>}
      : tensor<2x4x6x24xf32>, tensor<2x6xi32>
  return %y : tensor<2x4x6x24xf32>
}
