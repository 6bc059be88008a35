// RUN: seqc-opt %s -split-input-file -verify-diagnostics

// Verifier diagnostics of seq.tree_speculative_decode_loop and
// seq.ngram_tree_draft (TreeDecodeOps.cpp). The base case: B = 1, the tree
// [0, 0, 1] (N = 3, D = 2), V = 16, one KV cache.

func.func @tree_parent_order(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects tree_parents[2] (the parent of node 3) in [0, 2], got 3}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 3>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @tree_recurrent(%tok: tensor<1xi32>, %h: tensor<1x8xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects verify state #0 to be position-addressed, with the batch (1) as dim 0 and positions in dim 2 (recurrent state needs one state per branch and cannot be verified as a tree), got 'tensor<1x8xf32>'}}
  %toks, %n, %st, %acc, %hf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%h : tensor<1x8xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x8xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x8xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x8xf32>
  }
  return
}

// -----

func.func @tree_cache_dims(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects one cache_dims entry per verify state (1), got 2}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, cache_dims = array<i64: 2, 2>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @tree_draft_args(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects draft to take (tokens, positions, state...) of types (tensor<1x3xi32>, tensor<1x3xi32>), got (tensor<1x1xi32>, tensor<1x1xi32>)}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @tree_draft_yield(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x4xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects draft to yield (tree tokens, state...) of types (tensor<1x3xi32>), got (tensor<1x4xi32>)}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x4xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @tree_verify_args(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects verify to take (tokens, positions, tree_mask, state...) of types (tensor<1x4xi32>, tensor<1x4xi32>, tensor<4x4xi1>, tensor<1x2x16x4xf32>), got (tensor<1x4xi32>, tensor<1x4xi32>, tensor<1x2x16x4xf32>)}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @tree_verify_logits(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x3x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects verify to yield float logits [1, 4, ?] first, got 'tensor<1x3x16xf32>'}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x3x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

func.func @ngram_tree_shape(%h: tensor<2x16xi32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{'seq.ngram_tree_draft' op expects tokens [B, N] of shape [2, 3], got [2, 4]}}
  %t = seq.ngram_tree_draft %h lengths(%n) {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1>} : tensor<2x16xi32>, tensor<2xi32> -> tensor<2x4xi32>
  return
}

// -----

func.func @ngram_tree_empty(%h: tensor<2x16xi32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{'seq.ngram_tree_draft' op expects a non-empty tree_parents}}
  %t = seq.ngram_tree_draft %h lengths(%n) {ngram_size = 2 : i64, tree_parents = array<i64>} : tensor<2x16xi32>, tensor<2xi32> -> tensor<2x0xi32>
  return
}

// -----

// Sampled verification draws with the seed operand.
func.func @tree_sampled_seed(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects a seed operand with sampled verification (a non-greedy sampling)}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr : tensor<1x3xi32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

// Draft logits are one row per node: [B, N, V].
func.func @tree_draft_logits_shape(%tok: tensor<1xi32>, %seed: i64, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>, %dl: tensor<1x4x16xf32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects draft to yield float draft logits [1, 3, ?] after the tree, got 'tensor<1x4x16xf32>'}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>) seed(%seed)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr, %dl : tensor<1x3xi32>, tensor<1x4x16xf32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

// The draft and the target score one vocabulary.
func.func @tree_draft_logits_vocab(%tok: tensor<1xi32>, %seed: i64, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>, %dl: tensor<1x3x17xf32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects draft and verify logits over the same vocabulary, got 17 and 16}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>) seed(%seed)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr, %dl : tensor<1x3xi32>, tensor<1x3x17xf32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}

// -----

// Greedy verification takes no draft logits.
func.func @tree_greedy_draft_logits(%tok: tensor<1xi32>, %kv: tensor<1x2x16x4xf32>, %vl: tensor<1x4x16xf32>, %tr: tensor<1x3xi32>, %dl: tensor<1x3x16xf32>) {
  // expected-error @+1 {{'seq.tree_speculative_decode_loop' op expects draft to yield (tree tokens, state...) of types (tensor<1x3xi32>), got (tensor<1x3xi32>, tensor<1x3x16xf32>)}}
  %toks, %n, %st, %acc, %kf = seq.tree_speculative_decode_loop first(%tok : tensor<1xi32>) positions(%tok : tensor<1xi32>)
      verify_init(%kv : tensor<1x2x16x4xf32>) {tree_parents = array<i64: 0, 0, 1>, max_new_tokens = 4 : i64}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> verify_final(tensor<1x2x16x4xf32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %tr, %dl : tensor<1x3xi32>, tensor<1x3x16xf32>
  } verify {
  ^bb0(%t: tensor<1x4xi32>, %p: tensor<1x4xi32>, %m: tensor<4x4xi1>, %k: tensor<1x2x16x4xf32>):
    seq.yield %vl, %k : tensor<1x4x16xf32>, tensor<1x2x16x4xf32>
  }
  return
}
