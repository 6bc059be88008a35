// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// SwiGLU experts in bf16 over ragged expert runs (issue #10): experts
// with 0, 1, 15, 16, 17, 33, 2, 3 and 5 slots. Blocks below the panel
// threshold (moePanelMinRows) take the pair-split dot path: each 64-byte
// line of bf16 weights is widened into its even and odd elements and
// meets activations stored in that order (the input rows copied, the
// hidden rows written so); Dm 40 and Fh 300 are whole lines plus a scalar
// rest with 16 and with 8 lanes. Panel blocks (one- and two-vector, 16 +
// 1 and 16 + 16 + 1 on AVX2) widen their weight rows into an f32 stack
// copy 256 elements at a time: Fh 300 is a whole and a partial chunk
// (44, not a whole number of vectors). The golden output is the float64
// reference of gen/gen_moe.py.
// Inputs and golden outputs: Inputs/moe_experts_ragged_bf16/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_ragged_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_ragged_bf16/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_ragged_bf16/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_ragged_bf16/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_ragged_bf16/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_ragged_bf16/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_ragged_bf16/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_ragged_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2
// The same on AVX2 code (8 lanes, row tile 16).
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_ragged_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_ragged_bf16/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_ragged_bf16/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_ragged_bf16/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_ragged_bf16/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_ragged_bf16/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_ragged_bf16/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_ragged_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<46x40xbf16>, %w: tensor<46x2xf32>, %perm: tensor<92xi32>, %off: tensor<10xi32>, %wg: tensor<9x300x40xbf16>, %wu: tensor<9x300x40xbf16>, %wd: tensor<9x40x300xbf16>) -> tensor<46x40xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<9x300x40xbf16>)
      up(%wu : tensor<9x300x40xbf16>) down(%wd : tensor<9x40x300xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<46x40xbf16>, tensor<46x2xf32>, tensor<92xi32>, tensor<10xi32> -> tensor<46x40xbf16>
  return %y : tensor<46x40xbf16>
}
