// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// DeepSeek-V3 MoE block (HF MoEGate noaux_tc + DeepseekV3MoE): sigmoid router
// with e_score_correction_bias, 4 groups / 2 selected, top-4, normalised,
// routed_scaling_factor 2.5, SwiGLU experts, plus one shared expert. The
// tokens were resampled until every routing and group choice wins by >= 1e-3.
// Inputs and golden outputs: Inputs/moe_deepseek_block/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe, cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_deepseek_block/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_deepseek_block/w_router.npy \
// RUN:   --input 2=%S/../Inputs/moe_deepseek_block/bias.npy \
// RUN:   --input 3=%S/../Inputs/moe_deepseek_block/w_gate.npy \
// RUN:   --input 4=%S/../Inputs/moe_deepseek_block/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_deepseek_block/w_down.npy \
// RUN:   --input 6=%S/../Inputs/moe_deepseek_block/shared_gate.npy \
// RUN:   --input 7=%S/../Inputs/moe_deepseek_block/shared_up.npy \
// RUN:   --input 8=%S/../Inputs/moe_deepseek_block/shared_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_deepseek_block/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<12x32xf32>, %wr: tensor<16x32xf32>, %bias: tensor<16xf32>,
                %wg: tensor<16x16x32xf32>, %wu: tensor<16x16x32xf32>, %wd: tensor<16x32x16xf32>,
                %sg: tensor<32x32xf32>, %su: tensor<32x32xf32>, %sd: tensor<32x32xf32>)
    -> tensor<12x32xf32> {
  %logits = seq.linear %x, %wr : tensor<12x32xf32>, tensor<16x32xf32> -> tensor<12x16xf32>
  %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>)
      {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
       num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
      : tensor<12x16xf32> -> tensor<12x4xf32>, tensor<12x4xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 16 : i64}
      : tensor<12x4xi32> -> tensor<48xi32>, tensor<17xi32>
  %routed = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<16x16x32xf32>)
      up(%wu : tensor<16x16x32xf32>) down(%wd : tensor<16x32x16xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<12x32xf32>, tensor<12x4xf32>, tensor<48xi32>, tensor<17xi32> -> tensor<12x32xf32>
  // Always-on shared expert: a dense SwiGLU FFN added to the routed output.
  %g = seq.linear %x, %sg : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
  %u = seq.linear %x, %su : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
  %a = seq.swiglu %g, %u : tensor<12x32xf32>
  %shared = seq.linear %a, %sd : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
  %y = arith.addf %routed, %shared : tensor<12x32xf32>
  return %y : tensor<12x32xf32>
}
