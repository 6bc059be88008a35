// RUN: seqc-opt %s -split-input-file | seqc-opt -split-input-file | FileCheck %s
// RUN: seqc-opt %s -split-input-file -mlir-print-op-generic | seqc-opt -split-input-file | FileCheck %s

// Round trip of seq.tree_speculative_decode_loop (a tree [2, 2] of 6
// nodes: D = 2, the draft takes [B, 3] and yields [B, 6], the verify
// region takes [B, 7] and the [7, 7] ancestor mask) and seq.ngram_tree_draft.

// CHECK-LABEL: func @tree
// CHECK: seq.tree_speculative_decode_loop first(%{{.*}} : tensor<2xi32>) positions(%{{.*}} : tensor<2xi32>) draft_init(%{{.*}} : tensor<2x64xi32>) verify_init(%{{.*}} : tensor<2x2x64x8xf32>) {cache_dims = array<i64: 2>, eos_token_ids = array<i64: 2>, max_new_tokens = 8 : i64, tree_parents = array<i64: 0, 0, 1, 1, 2, 2>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x64xi32>) verify_final(tensor<2x2x64x8xf32>) draft {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x3xi32>, %{{.*}}: tensor<2x3xi32>, %{{.*}}: tensor<2x64xi32>):
// CHECK: seq.ngram_tree_draft %{{.*}} lengths(%{{.*}}) {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1, 1, 2, 2>} : tensor<2x64xi32>, tensor<2xi32> -> tensor<2x6xi32>
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<2x6xi32>, tensor<2x64xi32>
// CHECK: } verify {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x7xi32>, %{{.*}}: tensor<2x7xi32>, %{{.*}}: tensor<7x7xi1>, %{{.*}}: tensor<2x2x64x8xf32>):
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<2x7x100xf32>, tensor<2x2x64x8xf32>
func.func @tree(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %h0: tensor<2x64xi32>, %n: tensor<2xi32>, %kv: tensor<2x2x64x8xf32>, %vl: tensor<2x7x100xf32>) -> (tensor<2x8xi32>, tensor<2xi32>) {
  %toks, %cnt, %steps, %acc, %hd, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>)
      draft_init(%h0 : tensor<2x64xi32>) verify_init(%kv : tensor<2x2x64x8xf32>)
      {tree_parents = array<i64: 0, 0, 1, 1, 2, 2>, cache_dims = array<i64: 2>, max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
         draft_final(tensor<2x64xi32>) verify_final(tensor<2x2x64x8xf32>)
  draft {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x64xi32>):
    %tree = seq.ngram_tree_draft %h lengths(%n) {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1, 1, 2, 2>} : tensor<2x64xi32>, tensor<2xi32> -> tensor<2x6xi32>
    seq.yield %tree, %h : tensor<2x6xi32>, tensor<2x64xi32>
  } verify {
  ^bb0(%t: tensor<2x7xi32>, %p: tensor<2x7xi32>, %m: tensor<7x7xi1>, %k: tensor<2x2x64x8xf32>):
    seq.yield %vl, %k : tensor<2x7x100xf32>, tensor<2x2x64x8xf32>
  }
  return %toks, %cnt : tensor<2x8xi32>, tensor<2xi32>
}

// -----

// Sampled verification: a seed, the sampling and the draft's logits
// [B, N, V] after the tree (each node's Q); counter_offset as the chain's.
// CHECK-LABEL: func @tree_sampled
// CHECK: seq.tree_speculative_decode_loop first(%{{.*}} : tensor<2xi32>) positions(%{{.*}} : tensor<2xi32>) seed(%{{.*}}) verify_init(%{{.*}} : tensor<2x2x64x8xf32>) {counter_offset = 1 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<temperature = 8.000000e-01, top_k = 5>, tree_parents = array<i64: 0, 0, 1>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> verify_final(tensor<2x2x64x8xf32>) draft {
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<2x3x100xf32>
func.func @tree_sampled(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %tr: tensor<2x3xi32>, %dl: tensor<2x3x100xf32>, %kv: tensor<2x2x64x8xf32>, %vl: tensor<2x4x100xf32>) -> tensor<2x8xi32> {
  %toks, %cnt, %steps, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      verify_init(%kv : tensor<2x2x64x8xf32>)
      {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 8 : i64, counter_offset = 1 : i64, sampling = #seq.sampling<temperature = 0.8, top_k = 5>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> verify_final(tensor<2x2x64x8xf32>)
  draft {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>):
    seq.yield %tr, %dl : tensor<2x3xi32>, tensor<2x3x100xf32>
  } verify {
  ^bb0(%t: tensor<2x4xi32>, %p: tensor<2x4xi32>, %m: tensor<4x4xi1>, %k: tensor<2x2x64x8xf32>):
    seq.yield %vl, %k : tensor<2x4x100xf32>, tensor<2x2x64x8xf32>
  }
  return %toks : tensor<2x8xi32>
}
