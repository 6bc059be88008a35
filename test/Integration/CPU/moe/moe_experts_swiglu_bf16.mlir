// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// SwiGLU experts in bf16 (combine weights f32 by definition). The .npy files
// hold bf16-exact values as float32 (see gen/README.md); the golden is the
// float64 reference rounded to bf16.
// Inputs and golden outputs: Inputs/moe_experts_swiglu_bf16/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_swiglu_bf16/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_swiglu_bf16/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_swiglu_bf16/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_swiglu_bf16/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_swiglu_bf16/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_swiglu_bf16/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_swiglu_bf16/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_swiglu_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%x: tensor<8x16xbf16>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
                %off: tensor<5xi32>, %wg: tensor<4x32x16xbf16>, %wu: tensor<4x32x16xbf16>,
                %wd: tensor<4x16x32xbf16>) -> tensor<8x16xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xbf16>)
      up(%wu : tensor<4x32x16xbf16>) down(%wd : tensor<4x16x32xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<8x16xbf16>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}
