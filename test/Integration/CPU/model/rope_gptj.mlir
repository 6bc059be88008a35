// Tolerance (f32): rtol 1e-4 / atol 1e-4 (atol raised from 1e-5).
//   Positions go up to 300, so angles reach 300 rad, where one f32 ulp is 3e-5
//   rad; an f32 implementation (theta^(-2i/R) and pos * freq in f32, then
//   sin/cos) is off by up to ~1e-4 absolute on |x| ~ 3. The golden is computed
//   in float64. A wrong pairing or frequency is off by O(1).
//
// GPT-J RoPE (interleaved: channels 2i and 2i + 1), theta 5e5.
// Per-token positions [[0..5], [300, 17, 251, 42, 199, 7]].
// Inputs and golden outputs: Inputs/rope_gptj/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/rope_gptj/x.npy \
// RUN:   --input 1=%S/../Inputs/rope_gptj/positions.npy \
// RUN:   --expect 0=%S/../Inputs/rope_gptj/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<2x4x6x32xf32>, %pos: tensor<2x6xi32>) -> tensor<2x4x6x32xf32> {
  %y = seq.rope %x, %pos {theta = 500000.0 : f32, style = #seq.rope_style<gptj>}
      : tensor<2x4x6x32xf32>, tensor<2x6xi32>
  return %y : tensor<2x4x6x32xf32>
}
