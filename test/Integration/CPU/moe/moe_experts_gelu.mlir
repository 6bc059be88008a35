// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Ungated GELU experts: down_e(gelu(up_e(x))) with given routing.
// Inputs and golden outputs: Inputs/moe_experts_gelu/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_gelu/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<8x16xf32>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
                %off: tensor<5xi32>, %wu: tensor<4x32x16xf32>, %wd: tensor<4x16x32xf32>)
    -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<8x16xf32>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
