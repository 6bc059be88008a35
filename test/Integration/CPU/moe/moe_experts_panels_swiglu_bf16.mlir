// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// SwiGLU experts in bf16 (combine weights f32 by definition; bf16
// weights widened as they are broadcast)
// with enough slots per expert for the panel kernel (row blocks of >= 4
// slots kept in vector lanes, 16 per block on AVX2): experts with 37, 22,
// 3 and 18 slots make blocks of 16 + 16 + 5, 16 + 6, 3 (the dot-product
// path) and 16 + 2; 70 hidden features are a whole and a partial feature
// tile.
// Inputs and golden outputs: Inputs/moe_experts_panels_swiglu_bf16/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_panels_swiglu_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_panels_swiglu_bf16/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_panels_swiglu_bf16/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_panels_swiglu_bf16/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_panels_swiglu_bf16/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_panels_swiglu_bf16/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_panels_swiglu_bf16/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_panels_swiglu_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<40x20xbf16>, %w: tensor<40x2xf32>, %perm: tensor<80xi32>, %off: tensor<5xi32>, %wg: tensor<4x70x20xbf16>, %wu: tensor<4x70x20xbf16>, %wd: tensor<4x20x70xbf16>) -> tensor<40x20xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x70x20xbf16>)
      up(%wu : tensor<4x70x20xbf16>) down(%wd : tensor<4x20x70xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<40x20xbf16>, tensor<40x2xf32>, tensor<80xi32>, tensor<5xi32> -> tensor<40x20xbf16>
  return %y : tensor<40x20xbf16>
}
