// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//   The expert ids (result 1) are compared exactly; the inputs were resampled
//   until every top-k choice and its order wins by at least 1e-3, so f32
//   rounding cannot flip one.
//
// top-k of the raw logits (k = 3), then softmax over the 3 chosen.
// Inputs and golden outputs: Inputs/moe_route_topk_softmax/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_route_topk_softmax/logits.npy \
// RUN:   --expect 0=%S/../Inputs/moe_route_topk_softmax/weights.npy \
// RUN:   --expect 1=%S/../Inputs/moe_route_topk_softmax/experts.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%logits: tensor<16x8xf32>) -> (tensor<16x3xf32>, tensor<16x3xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 3 : i64, scoring = #seq.router_scoring<topk_softmax>}
      : tensor<16x8xf32> -> tensor<16x3xf32>, tensor<16x3xi32>
  return %w, %e : tensor<16x3xf32>, tensor<16x3xi32>
}
