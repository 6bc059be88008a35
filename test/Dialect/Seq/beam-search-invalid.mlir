// RUN: seqc-opt %s -split-input-file -verify-diagnostics

// Verifier diagnostics of seq.beam_search_loop (DecodeOps.cpp): one case per
// distinct message.

func.func @beam_logits_rank(%lg: tensor<2x1x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects first_logits of rank 2 ([B, V]), got rank 3}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x1x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_too_long(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects max_new_tokens at most 16777216, got 2147483648}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 2147483648 : i64} -> tensor<2x4x2147483648xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_too_many(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<4000x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects num_beams at most 1024, got 2000}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 2000 : i64, max_new_tokens = 6 : i64} -> tensor<2x2000x6xi32>, tensor<2x2000xf32>, tensor<2x2000xi32> {
    ^bb0(%t: tensor<4000x1xi32>, %p: tensor<4000x1xi32>):
      seq.yield %step : tensor<4000x1x50xf32>
  }
  return
}

// -----

func.func @beam_zero_beams(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+2 {{attribute 'num_beams' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 0 : i64, max_new_tokens = 6 : i64} -> tensor<2x0x6xi32>, tensor<2x0xf32>, tensor<2x0xi32> {
    ^bb0(%t: tensor<0x1xi32>, %p: tensor<0x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_small_vocab(%lg: tensor<2x3xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x3xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects num_beams * V (12) to be at least the candidates kept per step, max(2, 1 + #eos) * num_beams = 16}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x3xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, eos_token_ids = array<i64: 0, 1, 2>} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x3xf32>
  }
  return
}

// -----

func.func @beam_empty_vocab(%lg: tensor<2x0xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x0xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects a non-empty vocabulary (V > 0)}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x0xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x0xf32>
  }
  return
}

// -----

func.func @beam_sequences_shape(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects sequences [B, num_beams, max_new_tokens] of shape [2, 4, 6], got [2, 6]}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_state_rows(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>, %pool: tensor<16x2x4x8xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects every state tensor to have B * num_beams = 8 rows in dim 0 (the beam reorder gathers dim 0; paged caches, whose dim 0 counts blocks, are not supported yet), got 'tensor<16x2x4x8xf32>' for state #0}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>) init(%pool : tensor<16x2x4x8xf32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>, %c: tensor<16x2x4x8xf32>):
      seq.yield %step, %c : tensor<8x1x50xf32>, tensor<16x2x4x8xf32>
  }
  return
}

// -----

func.func @beam_eos_range(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects eos_token_ids inside the vocabulary (50), got 50}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, eos_token_ids = array<i64: 50>} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_eos_negative(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects non-negative eos_token_ids, got -1}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, eos_token_ids = array<i64: -1>} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_pad(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects a pad_token_id in [0, 2^31), got -3}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, pad_token_id = -3 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_penalty(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects a finite length_penalty, got INF}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, length_penalty = 0x7FF0000000000000 : f64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_early(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects early_stopping to be "false", "true" or "never" (transformers' early_stopping), got "sometimes"}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64, early_stopping = "sometimes"} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_body_args(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects body to take (tokens, positions, state...) of types (tensor<8x1xi32>, tensor<8x1xi32>), got (tensor<2x1xi32>, tensor<2x1xi32>)}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %step : tensor<8x1x50xf32>
  }
  return
}

// -----

func.func @beam_body_logits(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x49xf32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects body to yield float logits [B * num_beams, 1, V] = [8, 1, 50] first, got 'tensor<8x1x49xf32>'}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield %step : tensor<8x1x49xf32>
  }
  return
}

// -----

func.func @beam_body_empty(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects body to yield logits [B * num_beams, 1, V] first}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>):
      seq.yield
  }
  return
}

// -----

func.func @beam_body_state(%lg: tensor<2x50xf32>, %pos: tensor<2xi32>, %step: tensor<8x1x50xf32>, %s0: tensor<8x16xf32>, %other: tensor<8x16xf16>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects body to yield the carried state of types (tensor<8x16xf32>) after the logits, got (tensor<8x16xf16>)}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>) init(%s0 : tensor<8x16xf32>)
      {num_beams = 4 : i64, max_new_tokens = 6 : i64} -> tensor<2x4x6xi32>, tensor<2x4xf32>, tensor<2x4xi32> {
    ^bb0(%t: tensor<8x1xi32>, %p: tensor<8x1xi32>, %c: tensor<8x16xf32>):
      seq.yield %step, %other : tensor<8x1x50xf32>, tensor<8x16xf16>
  }
  return
}
