// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//   The expert ids (result 1) are compared exactly; the inputs were resampled
//   until every top-k choice and its order wins by at least 1e-3, so f32
//   rounding cannot flip one.
//
// Mixtral router: softmax over 8 experts, top-2 in descending order,
// weights renormalised to sum to one.
// Inputs and golden outputs: Inputs/moe_route_softmax_norm/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_route_softmax_norm/logits.npy \
// RUN:   --expect 0=%S/../Inputs/moe_route_softmax_norm/weights.npy \
// RUN:   --expect 1=%S/../Inputs/moe_route_softmax_norm/experts.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%logits: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}
