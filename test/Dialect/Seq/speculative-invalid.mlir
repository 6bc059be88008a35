// RUN: seqc-opt %s -split-input-file -verify-diagnostics

// Verifier diagnostics of seq.speculative_decode_loop and seq.ngram_draft:
// one case per distinct message of their verifiers (DecodeOps.cpp). The
// base case of the loop (B = 2, K = 2, V = 16) has a recurrent state
// [2, 8] whose verify result is per step.

func.func @spec_max_new_tokens(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects max_new_tokens at most 16777216, got 33554432}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 33554432 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_empty_vocab(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x0xf32>, %vl: tensor<2x3x0xf32>, %hs: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft to yield logits over a non-empty vocabulary (V > 0)}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x0xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x0xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_num_speculative_tokens(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects num_speculative_tokens at most 64, got 65}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 65 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_first_rank(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects first_tokens of rank 1 ([B]), got rank 2}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%t21 : tensor<2x1xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_tokens_shape(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects tokens [B, max_new_tokens] of shape [2, 8], got [2, 9]}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x9xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_steps_shape(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects num_verify_steps [B] of shape [2], got [3]}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<3xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_draft_batch(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft state #0 to have the batch (2) as dim 0, got 'tensor<3x8xf32>'}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%g0 : tensor<3x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<3x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<3x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<3x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_eos(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects non-negative eos_token_ids, got -1}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, eos_token_ids = array<i64: -1>, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_draft_args(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft to take (tokens, positions, state...) of types (tensor<2x1xi32>, tensor<2x1xi32>, tensor<2x8xf32>), got (tensor<2x2xi32>, tensor<2x1xi32>, tensor<2x8xf32>)}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x2xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_draft_logits(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft to yield float logits [2, 1, ?] first, got 'tensor<2x3x16xf32>'}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %h : tensor<2x3x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_draft_yield_count(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft to yield 1 state values after the logits, got 0}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl : tensor<2x1x16xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_draft_state(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft to yield the draft state of types (tensor<2x8xf32>) after the logits, got (tensor<2x3x8xf32>)}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %hs : tensor<2x1x16xf32>, tensor<2x3x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_vocab(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects draft and verify logits over the same vocabulary, got 17 and 16}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl17, %h : tensor<2x1x17xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_verify_args(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects verify to take (tokens, positions, state...) of types (tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x8xf32>), got (tensor<2x2xi32>, tensor<2x3xi32>, tensor<2x8xf32>)}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x2xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_verify_logits(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects verify to yield float logits [2, 3, ?] first, got 'tensor<2x1x16xf32>'}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %hs : tensor<2x1x16xf32>, tensor<2x3x8xf32>
  }
  return
}

// -----

func.func @spec_verify_state(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>, %hs: tensor<2x3x8xf32>, %dl17: tensor<2x1x17xf32>, %g0: tensor<3x8xf32>, %t21: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects verify state result #0 to be the new state 'tensor<2x8xf32>' or the state after each of the K + 1 tokens [2, 3, 8], got 'tensor<2x1x16xf32>'}}
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    seq.yield %dl, %h : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %dl : tensor<2x3x16xf32>, tensor<2x1x16xf32>
  }
  return
}


// -----

func.func @ngram_history_rank(%h: tensor<128xi32>, %n: tensor<1xi32>) {
  // expected-error @+1 {{'seq.ngram_draft' op expects history of rank 2 ([B, L]), got rank 1}}
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 2 : i64} : tensor<128xi32>, tensor<1xi32> -> tensor<1xi32>
  return
}

// -----

func.func @ngram_lengths(%h: tensor<2x128xi32>, %n: tensor<3xi32>) {
  // expected-error @+1 {{'seq.ngram_draft' op expects lengths [B] of shape [2], got [3]}}
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 2 : i64} : tensor<2x128xi32>, tensor<3xi32> -> tensor<2xi32>
  return
}

// -----

func.func @ngram_tokens(%h: tensor<2x128xi32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{'seq.ngram_draft' op expects tokens [B] of shape [2], got [1]}}
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 2 : i64} : tensor<2x128xi32>, tensor<2xi32> -> tensor<1xi32>
  return
}

// -----

func.func @ngram_size(%h: tensor<2x128xi32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{'seq.ngram_draft' op attribute 'ngram_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 0 : i64} : tensor<2x128xi32>, tensor<2xi32> -> tensor<2xi32>
  return
}

// -----

// Adaptive K: the num_drafted result comes exactly with adaptive_k.
func.func @drafted_without_adaptive(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects the num_drafted result exactly with adaptive_k}}
  %toks, %n, %st, %acc, %k = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> drafted(tensor<2xi32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
    seq.yield %dl : tensor<2x1x16xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>):
    seq.yield %vl : tensor<2x3x16xf32>
  }
  return
}

// -----

func.func @adaptive_without_drafted(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects the num_drafted result exactly with adaptive_k}}
  %toks, %n, %st, %acc = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>, adaptive_k}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
    seq.yield %dl : tensor<2x1x16xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>):
    seq.yield %vl : tensor<2x3x16xf32>
  }
  return
}

// -----

func.func @drafted_shape(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects num_drafted [B] of shape [2], got [3]}}
  %toks, %n, %st, %acc, %k = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>, adaptive_k}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> drafted(tensor<3xi32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
    seq.yield %dl : tensor<2x1x16xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>):
    seq.yield %vl : tensor<2x3x16xf32>
  }
  return
}

// -----

// The former discardable hint is refused (it would otherwise run a fixed K
// unnoticed).
func.func @old_adaptive_hint(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %dl: tensor<2x1x16xf32>, %vl: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'seq.speculative_decode_loop' op expects the adaptive_k attribute and a num_drafted result (`drafted(...)`) instead of the former seq.adaptive_k hint}}
  %toks, %n, %st, %acc = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 8 : i64, sampling = #seq.sampling<>, seq.adaptive_k}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
    seq.yield %dl : tensor<2x1x16xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>):
    seq.yield %vl : tensor<2x3x16xf32>
  }
  return
}
