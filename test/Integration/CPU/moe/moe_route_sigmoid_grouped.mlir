// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//   The expert ids (result 1) are compared exactly; the inputs were resampled
//   until every top-k choice and its order wins by at least 1e-3, so f32
//   rounding cannot flip one.
//
// DeepSeek-V3 router: sigmoid scores; the bias is added for selection only;
// 16 experts in 4 groups, a group scores the sum of its 2 best biased scores,
// the 2 best groups are eligible; top-4 among them; weights are the unbiased
// scores, normalised, times routed_scaling 2.5. The bias changes the chosen
// set for several tokens. Experts are in descending order of the biased
// selection score; the data is chosen so that the unbiased order is the same.
// Inputs and golden outputs: Inputs/moe_route_sigmoid_grouped/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_route_sigmoid_grouped/logits.npy \
// RUN:   --input 1=%S/../Inputs/moe_route_sigmoid_grouped/bias.npy \
// RUN:   --expect 0=%S/../Inputs/moe_route_sigmoid_grouped/weights.npy \
// RUN:   --expect 1=%S/../Inputs/moe_route_sigmoid_grouped/experts.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%logits: tensor<12x16xf32>, %bias: tensor<16xf32>)
    -> (tensor<12x4xf32>, tensor<12x4xi32>) {
  %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>)
      {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
       num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
      : tensor<12x16xf32> -> tensor<12x4xf32>, tensor<12x4xi32>
  return %w, %e : tensor<12x4xf32>, tensor<12x4xi32>
}
