// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/moe_experts_shared_gelu/x.npy --input 1=%S/../Inputs/moe_experts_shared_gelu/w.npy --input 2=%S/../Inputs/moe_experts_shared_gelu/experts.npy --input 3=%S/../Inputs/moe_experts_shared_gelu/wu.npy --input 4=%S/../Inputs/moe_experts_shared_gelu/wd.npy --input 5=%S/../Inputs/moe_experts_shared_gelu/su.npy --input 6=%S/../Inputs/moe_experts_shared_gelu/sd.npy --expect 0=%S/../Inputs/moe_experts_shared_gelu/out.npy --rtol 1e-4 --atol 1e-5

// Tolerance (f32): rtol 1e-4 / atol 1e-5.
// Routed GELU experts plus an always-on shared GELU expert in one
// seq.moe_experts (gen/gen_moe_shared.py has the PyTorch reference).
func.func @main(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %e: tensor<5x2xi32>, %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>, %su: tensor<10x8xf32>, %sd: tensor<8x10xf32>) -> tensor<5x8xf32> {
  %perm, %off = seq.moe_dispatch %e {num_experts = 3 : i64} : tensor<5x2xi32> -> tensor<10xi32>, tensor<4xi32>
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<3x6x8xf32>) down(%wd : tensor<3x8x6xf32>) shared_up(%su : tensor<10x8xf32>) shared_down(%sd : tensor<8x10xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}
