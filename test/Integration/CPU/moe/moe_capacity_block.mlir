// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Capacity-limited MoE end to end: softmax top-2 routing on logits skewed
// towards expert 0, capacity_factor 1.0 (C = 8 of 32 slots per expert), the
// first 8 slots (slot order t*2+k) of an overfull expert kept, dropped slots
// contribute nothing.
// Inputs and golden outputs: Inputs/moe_capacity_block/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_capacity_block/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_capacity_block/logits.npy \
// RUN:   --input 2=%S/../Inputs/moe_capacity_block/w_gate.npy \
// RUN:   --input 3=%S/../Inputs/moe_capacity_block/w_up.npy \
// RUN:   --input 4=%S/../Inputs/moe_capacity_block/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_capacity_block/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<16x16xf32>, %logits: tensor<16x4xf32>, %wg: tensor<4x32x16xf32>,
                %wu: tensor<4x32x16xf32>, %wd: tensor<4x16x32xf32>) -> tensor<16x16xf32> {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 4 : i64, capacity_factor = 1.0 : f32}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<5xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xf32>)
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x16xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<5xi32> -> tensor<16x16xf32>
  return %y : tensor<16x16xf32>
}
