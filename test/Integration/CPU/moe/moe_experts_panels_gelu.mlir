// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Ungated GELU experts (f32; the activation runs lane by lane)
// with enough slots per expert for the panel kernel (row blocks of >= 4
// slots kept in vector lanes, 16 per block on AVX2): experts with 37, 22,
// 3 and 18 slots make blocks of 16 + 16 + 5, 16 + 6, 3 (the dot-product
// path) and 16 + 2; 70 hidden features are a whole and a partial feature
// tile.
// Inputs and golden outputs: Inputs/moe_experts_panels_gelu/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_panels_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_panels_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_panels_gelu/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_panels_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_panels_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_panels_gelu/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_panels_gelu/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<40x20xf32>, %w: tensor<40x2xf32>, %perm: tensor<80xi32>, %off: tensor<5xi32>, %wu: tensor<4x70x20xf32>, %wd: tensor<4x20x70xf32>) -> tensor<40x20xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<4x70x20xf32>) down(%wd : tensor<4x20x70xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<40x20xf32>, tensor<40x2xf32>, tensor<80xi32>, tensor<5xi32> -> tensor<40x20xf32>
  return %y : tensor<40x20xf32>
}
