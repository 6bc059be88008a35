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
  // expected-error @+1 {{'seq.beam_search_loop' op expects every state tensor to have B * num_beams = 8 rows in dim 0 (the beam reorder gathers dim 0; a paged cache, whose dim 0 counts blocks, is named in paged_caches), got 'tensor<16x2x4x8xf32>' for state #0}}
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

// Paged caches (block_table, paged_caches): one case per message.

// -----

func.func @paged_no_table(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects a block_table (the state operand holding the block table) with paged_caches}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_table_range(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects block_table to name a state operand (0 .. 1), got 2}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 2 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_no_caches(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects paged_caches (the state operands read through the block table) with a block_table}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_table_type(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<3x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects the block table (state #1) to be [B * num_beams, MaxBlocks] = [2, MaxBlocks] i32, got 'tensor<3x4xi32>'}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<3x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<3x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<3x4xi32>
  }
  return
}

// -----

func.func @paged_table_elem(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi64>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects the block table (state #1) to be [B * num_beams, MaxBlocks] = [2, MaxBlocks] i32, got 'tensor<2x4xi64>'}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi64>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi64>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi64>
  }
  return
}

// -----

func.func @paged_caches_dup(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<6x1x4x2xf32>, %s2: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects paged_caches to name distinct state operands other than the block table (0 .. 2), got 0}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1, %s2 : tensor<6x1x4x2xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 2 : i64, paged_caches = array<i64: 0, 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<6x1x4x2xf32>, %b2: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1, %b2 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_caches_table(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects paged_caches to name distinct state operands other than the block table (0 .. 1), got 1}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 1>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_cache_rank(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects paged cache (state #0) of rank 4 ([NumBlocks, H, BlockSize, D]), got 'tensor<6x4x2xf32>'}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_cache_mismatch(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<6x1x8x2xf32>, %s2: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects every paged cache to have the NumBlocks and BlockSize of state #0 (6, 4), got 'tensor<6x1x8x2xf32>' for state #1}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1, %s2 : tensor<6x1x4x2xf32>, tensor<6x1x8x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 2 : i64, paged_caches = array<i64: 0, 1>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<6x1x8x2xf32>, %b2: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1, %b2 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<6x1x8x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_block_size(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x0x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects paged caches with BlockSize > 0}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x0x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x0x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x0x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_table_narrow(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x1xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects the block table to address at least max_new_tokens (6) positions, got MaxBlocks * BlockSize = 1 * 4}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x1xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x1xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x1xi32>
  }
  return
}

// -----

func.func @paged_pool_small(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<5x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects a block pool of at least B * num_beams * ceil((BlockSize - 1 + max_new_tokens) / BlockSize) = 2 * 3 = 6 blocks (every beam's own blocks for its generated tokens; the prompt's full blocks are shared), got NumBlocks = 5}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<5x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<5x1x4x2xf32>, %b1: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<5x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_unmarked(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<6x1x4x2xf32>, %s2: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects every state tensor to have B * num_beams = 2 rows in dim 0 (the beam reorder gathers dim 0; a paged cache, whose dim 0 counts blocks, is named in paged_caches), got 'tensor<6x1x4x2xf32>' for state #1}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1, %s2 : tensor<6x1x4x2xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 2 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<6x1x4x2xf32>, %b2: tensor<2x4xi32>):
      seq.yield %step, %b0, %b1, %b2 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

func.func @paged_table_yield(%lg: tensor<1x50xf32>, %pos: tensor<1xi32>, %step: tensor<2x1x50xf32>, %s0: tensor<6x1x4x2xf32>, %s1: tensor<2x4xi32>) {
  // expected-error @+1 {{'seq.beam_search_loop' op expects the body to yield its block table argument unchanged (state #1: the loop owns the table)}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<6x1x4x2xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<6x1x4x2xf32>, %b1: tensor<2x4xi32>):
      %bt2 = arith.addi %b1, %b1 : tensor<2x4xi32>
      seq.yield %step, %b0, %bt2 : tensor<2x1x50xf32>, tensor<6x1x4x2xf32>, tensor<2x4xi32>
  }
  return
}

// -----

// Constant start positions: the prompt (10 positions, 3 blocks of 4
// slots) is longer than the table.
func.func @paged_prompt_long(%lg: tensor<1x50xf32>, %step: tensor<2x1x50xf32>, %s0: tensor<12x1x4x2xf32>, %s1: tensor<2x2xi32>) {
  %pos = arith.constant dense<10> : tensor<1xi32>
  // expected-error @+1 {{'seq.beam_search_loop' op expects the block table to hold the prompt: start_positions (a constant) has a prompt of 10 positions, 3 blocks of 4 slots, more than MaxBlocks = 2}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<1x50xf32>) positions(%pos : tensor<1xi32>) init(%s0, %s1 : tensor<12x1x4x2xf32>, tensor<2x2xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %b0: tensor<12x1x4x2xf32>, %b1: tensor<2x2xi32>):
      seq.yield %step, %b0, %b1 : tensor<2x1x50xf32>, tensor<12x1x4x2xf32>, tensor<2x2xi32>
  }
  return
}

// -----

// Constant start positions: 6 blocks for the beams (the minimum without a
// prompt) leave none for the longest prompt's 2 full blocks (9 positions).
func.func @paged_pool_prompt(%lg: tensor<2x50xf32>, %step: tensor<4x1x50xf32>, %s0: tensor<13x1x4x2xf32>, %s1: tensor<4x4xi32>) {
  %pos = arith.constant dense<[3, 9]> : tensor<2xi32>
  // expected-error @+1 {{'seq.beam_search_loop' op expects a block pool of at least B * num_beams * ceil((BlockSize - 1 + max_new_tokens) / BlockSize) + floor(prompt / BlockSize) = 4 * 3 + 2 = 14 blocks with the constant start_positions (the longest prompt, 9 positions, holds its full blocks), got NumBlocks = 13}}
  %s, %sc, %n = seq.beam_search_loop logits(%lg : tensor<2x50xf32>) positions(%pos : tensor<2xi32>) init(%s0, %s1 : tensor<13x1x4x2xf32>, tensor<4x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>} -> tensor<2x2x6xi32>, tensor<2x2xf32>, tensor<2x2xi32> {
    ^bb0(%t: tensor<4x1xi32>, %p: tensor<4x1xi32>, %b0: tensor<13x1x4x2xf32>, %b1: tensor<4x4xi32>):
      seq.yield %step, %b0, %b1 : tensor<4x1x50xf32>, tensor<13x1x4x2xf32>, tensor<4x4xi32>
  }
  return
}
