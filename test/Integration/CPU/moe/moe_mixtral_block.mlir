// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mixtral sparse MoE block (HF MixtralSparseMoeBlock): router linear, softmax
// top-2 renormalised, SwiGLU experts (w1 = gate, w3 = up, w2 = down). The
// tokens were resampled until every routing choice wins by >= 1e-3.
// Inputs and golden outputs: Inputs/moe_mixtral_block/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe, cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_mixtral_block/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_mixtral_block/w_router.npy \
// RUN:   --input 2=%S/../Inputs/moe_mixtral_block/w_gate.npy \
// RUN:   --input 3=%S/../Inputs/moe_mixtral_block/w_up.npy \
// RUN:   --input 4=%S/../Inputs/moe_mixtral_block/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_mixtral_block/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<16x32xf32>, %wr: tensor<8x32xf32>, %wg: tensor<8x64x32xf32>,
                %wu: tensor<8x64x32xf32>, %wd: tensor<8x32x64xf32>) -> tensor<16x32xf32> {
  %logits = seq.linear %x, %wr : tensor<16x32xf32>, tensor<8x32xf32> -> tensor<16x8xf32>
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 8 : i64}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x64x32xf32>)
      up(%wu : tensor<8x64x32xf32>) down(%wd : tensor<8x32x64xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x32xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x32xf32>
  return %y : tensor<16x32xf32>
}
