// RUN: seqc-opt %s -split-input-file -verify-diagnostics

// Verifier diagnostics of the seq dialect: one case per distinct message of
// the op verifiers (AttentionOps.cpp, ScanOps.cpp, MoEOps.cpp, DecodeOps.cpp,
// ModelOps.cpp, QuantOps.cpp) and of #seq.sampling, plus common ODS
// constraint errors.

//===----------------------------------------------------------------------===//
// seq.attention
//===----------------------------------------------------------------------===//

func.func @attention_query_rank(%q: tensor<2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'seq.attention' op expects query of rank 4 ([B, Hq, Sq, D]), got rank 3}}
  %o = seq.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_query_rank0(%q: tensor<f32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects query of rank 4 ([B, Hq, Sq, D]), got rank 0}}
  %o = seq.attention %q, %k, %v : tensor<f32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_key_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects key of rank 4 ([B, Hkv, Skv, D]), got rank 3}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_paged_key_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<16x2x8xf32>, %v: tensor<16x2x4x8xf32>, %bt: tensor<1x4xi32>) {
  // expected-error @+1 {{expects key of rank 4 ([NumBlocks, Hkv, BlockSize, D]), got rank 3}}
  %o = seq.attention %q, %k, %v block_table(%bt : tensor<1x4xi32>) : tensor<1x2x4x8xf32>, tensor<16x2x8xf32>, tensor<16x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_value_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8x1xf32>) {
  // expected-error @+1 {{expects value of rank 4 ([B, Hkv, Skv, D]), got rank 5}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8x1xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_output_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects output of rank 4 ([B, Hq, Sq, Dv]), got rank 2}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<8x8xf32>
  return
}

// -----

func.func @attention_block_table_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<16x2x4x8xf32>, %v: tensor<16x2x4x8xf32>, %bt: tensor<4xi32>) {
  // expected-error @+1 {{expects block_table of rank 2 ([B, MaxBlocks]), got rank 1}}
  %o = seq.attention %q, %k, %v block_table(%bt : tensor<4xi32>) : tensor<1x2x4x8xf32>, tensor<16x2x4x8xf32>, tensor<16x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xbf16>, %v: tensor<1x2x4x8xbf16>) {
  // expected-error @+1 {{expects query and output to share an element type}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16> -> tensor<1x2x4x8xbf16>
  return
}

// -----

func.func @attention_kv_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xbf16>, %v: tensor<1x2x4x8xf16>) {
  // expected-error @+1 {{expects key and value to share an element type}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_kv_wider(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects key and value ('f32') to be the query's element type or narrower ('bf16')}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xbf16>
  return
}

// -----

func.func @attention_key_batch(%q: tensor<2x2x4x8xf32>, %k: tensor<3x2x4x8xf32>, %v: tensor<3x2x4x8xf32>) {
  // expected-error @+1 {{expects key batch (3) to match query batch (2)}}
  %o = seq.attention %q, %k, %v : tensor<2x2x4x8xf32>, tensor<3x2x4x8xf32>, tensor<3x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @attention_key_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects key head_dim (16) to match query head_dim (8)}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_value_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+1 {{expects value [1, 2, 5, 8] to match key [1, 2, 4, 8] in all but the last dimension}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_gqa_heads(%q: tensor<1x12x4x8xf32>, %k: tensor<1x8x4x8xf32>, %v: tensor<1x8x4x8xf32>) {
  // expected-error @+1 {{expects key heads (8) to divide query heads (12)}}
  %o = seq.attention %q, %k, %v : tensor<1x12x4x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32> -> tensor<1x12x4x8xf32>
  return
}

// -----

func.func @attention_zero_kv_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x0x4x8xf32>, %v: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{expects at least one key head}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_output_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{expects output [B, Hq, Sq, Dv] of shape [1, 2, 4, 16], got [1, 2, 4, 8]}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// Dynamic extents are compatible with anything and print as `?`.
func.func @attention_output_shape_dynamic(%q: tensor<?x2x4x8xf32>, %k: tensor<?x2x4x8xf32>, %v: tensor<?x2x4x8xf32>) {
  // expected-error @+1 {{expects output [B, Hq, Sq, Dv] of shape [?, 2, 4, 8], got [?, 3, 4, 8]}}
  %o = seq.attention %q, %k, %v : tensor<?x2x4x8xf32>, tensor<?x2x4x8xf32>, tensor<?x2x4x8xf32> -> tensor<?x3x4x8xf32>
  return
}

// -----

func.func @attention_kv_lengths_shape(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %len: tensor<3xi32>) {
  // expected-error @+1 {{expects kv_lengths [B] of shape [2], got [3]}}
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<3xi32>) : tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @attention_kv_lengths_i64(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %len: tensor<2xi64>) {
  // expected-error @+1 {{'seq.attention' op operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2xi64>'}}
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi64>) : tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @attention_f64(%q: tensor<1x2x4x8xf64>, %k: tensor<1x2x4x8xf64>, %v: tensor<1x2x4x8xf64>) {
  // expected-error @+1 {{'seq.attention' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x4x8xf64>'}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x8xf64>, tensor<1x2x4x8xf64>, tensor<1x2x4x8xf64> -> tensor<1x2x4x8xf64>
  return
}

// -----

func.func @attention_block_table_shape(%q: tensor<2x2x4x8xf32>, %k: tensor<16x2x4x8xf32>, %v: tensor<16x2x4x8xf32>, %bt: tensor<3x4xi32>) {
  // expected-error @+1 {{expects block_table [B, MaxBlocks] of shape [2, 4], got [3, 4]}}
  %o = seq.attention %q, %k, %v block_table(%bt : tensor<3x4xi32>) : tensor<2x2x4x8xf32>, tensor<16x2x4x8xf32>, tensor<16x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

func.func @attention_lse_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects lse [B, Hq, Sq] of shape [1, 2, 4], got [1, 2]}}
  %o, %lse = seq.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2xf32>
  return
}

// -----

func.func @attention_window(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects a positive window, got 0}}
  %o = seq.attention %q, %k, %v causal window(0) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_softcap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects a finite, positive softcap}}
  %o = seq.attention %q, %k, %v softcap(-30.0) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects a finite, positive scale}}
  %o = seq.attention %q, %k, %v scale(0.0) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_dynamic_head_dim(%q: tensor<1x2x4x?xf32>, %k: tensor<1x2x4x?xf32>, %v: tensor<1x2x4x?xf32>) {
  // expected-error @+1 {{expects an explicit scale when head_dim is dynamic}}
  %o = seq.attention %q, %k, %v : tensor<1x2x4x?xf32>, tensor<1x2x4x?xf32>, tensor<1x2x4x?xf32> -> tensor<1x2x4x?xf32>
  return
}

// -----

func.func @attention_score_mod_args(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects score_mod to take (index, index, index, index, f32), got (index, index, index, f32)}}
  %o = seq.attention %q, %k, %v score_mod {
  ^bb0(%b: index, %h: index, %i: index, %s: f32):
    seq.yield %s : f32
  } : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_score_mod_yield(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects score_mod to yield one 'f32'}}
  %o = seq.attention %q, %k, %v score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %t = arith.truncf %s : f32 to f16
    seq.yield %t : f16
  } : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_mask_mod_args(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects mask_mod to take (index, index, index, index), got (index, index, index, index, f32)}}
  %o = seq.attention %q, %k, %v mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %t = arith.constant true
    seq.yield %t : i1
  } : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_mask_mod_yield(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects mask_mod to yield one 'i1'}}
  %o = seq.attention %q, %k, %v mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %t = arith.constant true
    seq.yield %t, %t : i1, i1
  } : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// A region terminator other than seq.yield is reported as a bad yield.
func.func @attention_mask_mod_terminator(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{expects mask_mod to yield one 'i1'}}
  %o = seq.attention %q, %k, %v mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    llvm.unreachable
  } : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.yield
//===----------------------------------------------------------------------===//

func.func @yield_outside_seq_op(%x: f32) {
  // expected-error @+1 {{'seq.yield' op expects parent op to be one of 'seq.attention, seq.scan, seq.scan_step, seq.decode_loop, seq.speculative_decode_loop, seq.tree_speculative_decode_loop, seq.beam_search_loop'}}
  seq.yield %x : f32
}

// -----

//===----------------------------------------------------------------------===//
// seq.cache_write
//===----------------------------------------------------------------------===//

func.func @cache_write_cache_rank(%c: tensor<2x8x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{'seq.cache_write' op expects cache of rank 4 ([B, H, Capacity, D]), got rank 3}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_paged_cache_rank(%c: tensor<512x8x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>, %bt: tensor<2x4xi32>) {
  // expected-error @+1 {{expects cache of rank 4 ([NumBlocks, H, BlockSize, D]), got rank 3}}
  %r = seq.cache_write %c, %u at %p block_table(%bt : tensor<2x4xi32>) : tensor<512x8x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_update_rank(%c: tensor<2x8x16x64xf32>, %u: tensor<2x8x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{expects update of rank 4 ([B, H, S, D]), got rank 3}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xf32>, tensor<2x8x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_element_type(%c: tensor<2x8x16x64xbf16>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{expects cache and update to share an element type}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xbf16>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_heads(%c: tensor<2x8x16x64xf32>, %u: tensor<2x4x1x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{expects update [2, 4, 1, 64] to match the heads and head_dim of cache [2, 8, 16, 64]}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xf32>, tensor<2x4x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_positions_shape(%c: tensor<2x8x16x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2x1xi32>) {
  // expected-error @+1 {{expects positions [B] of shape [2], got [2, 1]}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xf32>, tensor<2x8x1x64xf32>, tensor<2x1xi32>
  return
}

// -----

func.func @cache_write_batch(%c: tensor<4x8x16x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{expects update batch (2) to match cache batch (4)}}
  %r = seq.cache_write %c, %u at %p : tensor<4x8x16x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_capacity(%c: tensor<2x8x16x64xf32>, %u: tensor<2x8x32x64xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{expects update length (32) to fit the cache capacity (16)}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xf32>, tensor<2x8x32x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_block_table_rank(%c: tensor<512x8x16x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>, %bt: tensor<2x4x1xi32>) {
  // expected-error @+1 {{expects block_table of rank 2 ([B, MaxBlocks]), got rank 3}}
  %r = seq.cache_write %c, %u at %p block_table(%bt : tensor<2x4x1xi32>) : tensor<512x8x16x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_block_table_shape(%c: tensor<512x8x16x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi32>, %bt: tensor<3x4xi32>) {
  // expected-error @+1 {{expects block_table [B, MaxBlocks] of shape [2, 4], got [3, 4]}}
  %r = seq.cache_write %c, %u at %p block_table(%bt : tensor<3x4xi32>) : tensor<512x8x16x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi32>
  return
}

// -----

func.func @cache_write_i64_positions(%c: tensor<2x8x16x64xf32>, %u: tensor<2x8x1x64xf32>, %p: tensor<2xi64>) {
  // expected-error @+1 {{'seq.cache_write' op operand #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2xi64>'}}
  %r = seq.cache_write %c, %u at %p : tensor<2x8x16x64xf32>, tensor<2x8x1x64xf32>, tensor<2xi64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.scan / seq.scan_step
//===----------------------------------------------------------------------===//

func.func @scan_output_rank(%a: tensor<2x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{'seq.scan' op expects output of rank >= 2 ([B, T, ...])}}
  %y, %h = seq.scan ins(%a : tensor<2x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_init_rank(%a: tensor<2xf32>, %h0: tensor<f32>) {
  // expected-error @+1 {{'seq.scan_step' op expects init of rank >= 1 ([B, S...])}}
  %y, %h = seq.scan_step ins(%a : tensor<2xf32>) init(%h0 : tensor<f32>)
      maps = [affine_map<(b) -> (b)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<f32>, tensor<f32>
  return
}

// -----

func.func @scan_final_state_type(%a: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects final_state type 'tensor<2x32xf32>' to equal init type 'tensor<2x64xf32>'}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x16x64xf32>, tensor<2x32xf32>
  return
}

// -----

func.func @scan_num_maps(%a: tensor<2x16x64xf32>, %x: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects one indexing map per input (2 inputs, 1 maps)}}
  %y, %h = seq.scan ins(%a, %x : tensor<2x16x64xf32>, tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32, %xv: f32):
        seq.yield %av, %xv : f32, f32
      } -> tensor<2x16x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_map_dims(%a: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects indexing map #0 to have 3 dimensions and no symbols (the iteration space (b, t, s...))}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t) -> (b, t, t)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x16x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_step_map_symbols(%a: tensor<2x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects indexing map #0 to have 2 dimensions and no symbols (the iteration space (b, s...))}}
  %y, %h = seq.scan_step ins(%a : tensor<2x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, d)[s0] -> (b, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_map_results(%a: tensor<64x8xf32>, %x: tensor<2x16x64xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{expects indexing map #1 to have 3 results (the rank of input #1), got 2}}
  %y, %h = seq.scan ins(%a, %x : tensor<64x8xf32>, tensor<2x16x64xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t)>]
      step {
      ^bb0(%av: f32, %xv: f32):
        seq.yield %av, %xv : f32, f32
      } -> tensor<2x16x64x8xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_input_extent(%a: tensor<64x4xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{expects dimension 1 of input #0 (4) to match iteration dimension 3 (8)}}
  %y, %h = seq.scan ins(%a : tensor<64x4xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (d, n)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x16x64x8xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_reduce_without_readout(%a: tensor<2x16x64x8xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{expects reduction dims only with a readout region}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64x8xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d, n)>]
      reduce = [3]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x16x64xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_reduce_sequence_dim(%a: tensor<2x16x64x8xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{expects reduction dims to be distinct state dimensions of the iteration space (in [2, 4))}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64x8xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d, n)>]
      reduce = [1]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } readout {
      ^bb0(%hv: f32, %av: f32):
        seq.yield %hv : f32
      } -> tensor<2x16x64xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_step_reduce_duplicate(%a: tensor<2x64x8xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{expects reduction dims to be distinct state dimensions of the iteration space (in [1, 3))}}
  %y, %h = seq.scan_step ins(%a : tensor<2x64x8xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, d, n) -> (b, d, n)>]
      reduce = [2, 2]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } readout {
      ^bb0(%hv: f32, %av: f32):
        seq.yield %hv : f32
      } -> tensor<2x64xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_output_shape(%a: tensor<2x16x64x8xf32>, %h0: tensor<2x64x8xf32>) {
  // expected-error @+1 {{'seq.scan' op expects output of shape [2, 16, 64], got [2, 16, 64, 8]}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64x8xf32>) init(%h0 : tensor<2x64x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d, n)>]
      reduce = [3]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } readout {
      ^bb0(%hv: f32, %av: f32):
        seq.yield %hv : f32
      } -> tensor<2x16x64x8xf32>, tensor<2x64x8xf32>
  return
}

// -----

func.func @scan_step_args(%a: tensor<2x64xf32>, %x: tensor<2x64xf16>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects step to take one scalar per input (f32, f16), got (f32, f32)}}
  %y, %h = seq.scan_step ins(%a, %x : tensor<2x64xf32>, tensor<2x64xf16>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, d) -> (b, d)>, affine_map<(b, d) -> (b, d)>]
      step {
      ^bb0(%av: f32, %xv: f32):
        seq.yield %av, %xv : f32, f32
      } -> tensor<2x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_step_yield(%a: tensor<2x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects step to yield (decay, input) of the state element type 'f32'}}
  %y, %h = seq.scan_step ins(%a : tensor<2x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, d) -> (b, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av : f32
      } -> tensor<2x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_output_element_type(%a: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects the output element type to be the state element type 'f32' without a readout}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x16x64xbf16>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_readout_args(%a: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects readout to take the state element then one scalar per input (f32, f32), got (f32)}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } readout {
      ^bb0(%hv: f32):
        seq.yield %hv : f32
      } -> tensor<2x16x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_readout_yield(%a: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{expects readout to yield one 'bf16'}}
  %y, %h = seq.scan ins(%a : tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } readout {
      ^bb0(%hv: f32, %av: f32):
        seq.yield %hv : f32
      } -> tensor<2x16x64xbf16>, tensor<2x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.moe_route
//===----------------------------------------------------------------------===//

func.func @moe_route_logits_rank(%l: tensor<16xf32>) {
  // expected-error @+1 {{'seq.moe_route' op expects logits of rank 2 ([T, E]), got rank 1}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<softmax>} : tensor<16xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_top_k_zero(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'seq.moe_route' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %w, %e = seq.moe_route %l {top_k = 0, scoring = #seq.router_scoring<softmax>} : tensor<16x8xf32> -> tensor<16x0xf32>, tensor<16x0xi32>
  return
}

// -----

func.func @moe_route_missing_scoring(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{'seq.moe_route' op requires attribute 'scoring'}}
  %w, %e = seq.moe_route %l {top_k = 2} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_top_k_experts(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects top_k (10) to be at most the number of experts (8)}}
  %w, %e = seq.moe_route %l {top_k = 10, scoring = #seq.router_scoring<softmax>} : tensor<16x8xf32> -> tensor<16x10xf32>, tensor<16x10xi32>
  return
}

// -----

func.func @moe_route_weights_shape(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects weights [T, K] of shape [16, 2], got [16, 4]}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<softmax>} : tensor<16x8xf32> -> tensor<16x4xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_experts_shape(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects experts [T, K] of shape [16, 2], got [8, 2]}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<softmax>} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<8x2xi32>
  return
}

// -----

func.func @moe_route_bias_scoring(%l: tensor<16x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{expects a selection bias only with sigmoid scoring}}
  %w, %e = seq.moe_route %l bias(%b : tensor<8xf32>) {top_k = 2, scoring = #seq.router_scoring<softmax>} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_bias_shape(%l: tensor<16x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expects bias [E] of shape [8], got [4]}}
  %w, %e = seq.moe_route %l bias(%b : tensor<4xf32>) {top_k = 2, scoring = #seq.router_scoring<sigmoid>} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_groups_together(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects num_groups and topk_groups together}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<sigmoid>, num_groups = 4} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_topk_groups_range(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects 0 < topk_groups (5) <= num_groups (4)}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<sigmoid>, num_groups = 4, topk_groups = 5} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_num_groups_divide(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects num_groups (3) to divide the number of experts (8)}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<sigmoid>, num_groups = 3, topk_groups = 2} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

func.func @moe_route_top_k_groups(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects top_k (4) to be at most the experts in the 1 selected groups (2)}}
  %w, %e = seq.moe_route %l {top_k = 4, scoring = #seq.router_scoring<sigmoid>, num_groups = 4, topk_groups = 1} : tensor<16x8xf32> -> tensor<16x4xf32>, tensor<16x4xi32>
  return
}

// -----

func.func @moe_route_routed_scaling(%l: tensor<16x8xf32>) {
  // expected-error @+1 {{expects a finite, positive routed_scaling}}
  %w, %e = seq.moe_route %l {top_k = 2, scoring = #seq.router_scoring<sigmoid>, routed_scaling = 0.0 : f32} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.moe_dispatch
//===----------------------------------------------------------------------===//

func.func @moe_dispatch_experts_rank(%e: tensor<32xi32>) {
  // expected-error @+1 {{'seq.moe_dispatch' op expects experts of rank 2 ([T, K]), got rank 1}}
  %p, %o = seq.moe_dispatch %e {num_experts = 8} : tensor<32xi32> -> tensor<32xi32>, tensor<9xi32>
  return
}

// -----

func.func @moe_dispatch_num_experts_zero(%e: tensor<16x2xi32>) {
  // expected-error @+1 {{'seq.moe_dispatch' op attribute 'num_experts' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %p, %o = seq.moe_dispatch %e {num_experts = 0} : tensor<16x2xi32> -> tensor<32xi32>, tensor<1xi32>
  return
}

// -----

func.func @moe_dispatch_permutation_shape(%e: tensor<16x2xi32>) {
  // expected-error @+1 {{expects permutation [T * K] of shape [32], got [16]}}
  %p, %o = seq.moe_dispatch %e {num_experts = 8} : tensor<16x2xi32> -> tensor<16xi32>, tensor<9xi32>
  return
}

// -----

func.func @moe_dispatch_offsets_shape(%e: tensor<16x2xi32>) {
  // expected-error @+1 {{expects expert_offsets [E + 1] of shape [9], got [8]}}
  %p, %o = seq.moe_dispatch %e {num_experts = 8} : tensor<16x2xi32> -> tensor<32xi32>, tensor<8xi32>
  return
}

// -----

func.func @moe_dispatch_capacity_factor(%e: tensor<16x2xi32>) {
  // expected-error @+1 {{expects a finite, positive capacity_factor}}
  %p, %o = seq.moe_dispatch %e {num_experts = 8, capacity_factor = -1.0 : f32} : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.grouped_matmul
//===----------------------------------------------------------------------===//

func.func @grouped_matmul_input_rank(%x: tensor<4x32x64xf32>, %w: tensor<8x128x64xf32>, %off: tensor<9xi32>) {
  // expected-error @+1 {{'seq.grouped_matmul' op expects input of rank 2 ([R, K]), got rank 3}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<4x32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x128xf32>
  return
}

// -----

func.func @grouped_matmul_weight_rank(%x: tensor<32x64xf32>, %w: tensor<128x64xf32>, %off: tensor<9xi32>) {
  // expected-error @+1 {{expects weight of rank 3 ([E, N, K]), got rank 2}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<32x64xf32>, tensor<128x64xf32>, tensor<9xi32> -> tensor<32x128xf32>
  return
}

// -----

func.func @grouped_matmul_element_type(%x: tensor<32x64xf32>, %w: tensor<8x128x64xf32>, %off: tensor<9xi32>) {
  // expected-error @+1 {{expects input, weight and output to share an element type}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x128xbf16>
  return
}

// -----

func.func @grouped_matmul_k(%x: tensor<32x32xf32>, %w: tensor<8x128x64xf32>, %off: tensor<9xi32>) {
  // expected-error @+1 {{expects input K (32) to match weight K (64)}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<32x32xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x128xf32>
  return
}

// -----

func.func @grouped_matmul_offsets_shape(%x: tensor<32x64xf32>, %w: tensor<8x128x64xf32>, %off: tensor<8xi32>) {
  // expected-error @+1 {{expects offsets [E + 1] of shape [9], got [8]}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<8xi32> -> tensor<32x128xf32>
  return
}

// -----

func.func @grouped_matmul_output_shape(%x: tensor<32x64xf32>, %w: tensor<8x128x64xf32>, %off: tensor<9xi32>) {
  // expected-error @+1 {{expects output [R, N] of shape [32, 128], got [32, 64]}}
  %y = seq.grouped_matmul %x, %w, %off : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.moe_experts
//===----------------------------------------------------------------------===//

func.func @moe_experts_input_rank(%x: tensor<16xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects input of rank 2 ([T, Dm]), got rank 1}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_weights_rank(%x: tensor<16x64xf32>, %w: tensor<32xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects weights of rank 2 ([T, K]), got rank 1}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<32xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_up_rank(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects up of rank 3 ([E, F, Dm]), got rank 2}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_down_rank(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{expects down of rank 3 ([E, Dm, F]), got rank 2}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_element_type(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects the expert weights to share one element type, the input's or bf16/f16}}
  %y = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<8x128x64xbf16>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_bf16_weights(%x: tensor<16x64xf32>, %w: tensor<16x2xbf16>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<16x2xbf16>'}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xbf16>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_weights_shape(%x: tensor<16x64xf32>, %w: tensor<8x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects weights [T, K] of shape [16, 2], got [8, 2]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<8x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_permutation_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<16xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects permutation [T * K] of shape [32], got [16]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<16xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_offsets_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<8xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects expert_offsets [E + 1] of shape [9], got [8]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<8xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_up_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x32xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects up [E, F, Dm] of shape [8, 128, 64], got [8, 128, 32]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x32xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_down_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x128x64xf32>) {
  // expected-error @+1 {{expects down [E, Dm, F] of shape [8, 64, 128], got [8, 128, 64]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x128x64xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_output_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects output [T, Dm] of shape [16, 64], got [16, 128]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x128xf32>
  return
}

// -----

func.func @moe_experts_missing_gate(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects a gate weight for swiglu}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_missing_gate_geglu(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects a gate weight for geglu}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<geglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_gelu_gate(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects no gate weight for gelu}}
  %y = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @moe_experts_gate_shape(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wg: tensor<8x64x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects gate [E, F, Dm] of shape [8, 128, 64], got [8, 64, 64]}}
  %y = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<8x64x64xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #seq.sampling
//===----------------------------------------------------------------------===//

func.func @sampling_temperature(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects a finite, non-negative temperature}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = -0.5>} : tensor<2x100xf32> -> tensor<2xi32>
  return
}

// -----

func.func @sampling_top_k(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects top_k >= 0 (0 disables it), got -1}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = 0.7, top_k = -1>} : tensor<2x100xf32> -> tensor<2xi32>
  return
}

// -----

func.func @sampling_top_p(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects top_p in (0, 1], got 1.5}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = 0.7, top_p = 1.5>} : tensor<2x100xf32> -> tensor<2xi32>
  return
}

// -----

func.func @sampling_top_p_zero(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects top_p in (0, 1], got 0}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = 0.7, top_p = 0.0>} : tensor<2x100xf32> -> tensor<2xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.sample
//===----------------------------------------------------------------------===//

func.func @sample_logits_rank(%l: tensor<2x1x100xf32>, %s: i64) {
  // expected-error @+1 {{'seq.sample' op expects logits of rank 2 ([B, V]), got rank 3}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<>} : tensor<2x1x100xf32> -> tensor<2xi32>
  return
}

// -----

func.func @sample_tokens_shape(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects tokens [B] of shape [2], got [2, 1]}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<>} : tensor<2x100xf32> -> tensor<2x1xi32>
  return
}

// -----

func.func @sample_top_k_vocab(%l: tensor<2x100xf32>, %s: i64) {
  // expected-error @+1 {{expects top_k (128) to be at most the vocabulary size (100)}}
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = 1.0, top_k = 128>} : tensor<2x100xf32> -> tensor<2xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.decode_loop
//===----------------------------------------------------------------------===//

func.func @decode_loop_first_rank(%tok0: tensor<2x1xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{'seq.decode_loop' op expects first_tokens of rank 1 ([B]), got rank 2}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2x1xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_counter_offset(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+2 {{attribute 'counter_offset' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, counter_offset = -1 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_too_long(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{'seq.decode_loop' op expects max_new_tokens at most 16777216, got 2147483648}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 2147483648 : i64, sampling = #seq.sampling<>} -> tensor<2x2147483648xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_2_62(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // 2^62 tokens: the [B, max_new_tokens] i32 buffer's byte count overflowed
  // (issue #11).
  // expected-error @+1 {{'seq.decode_loop' op expects max_new_tokens at most 16777216, got 4611686018427387904}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 4611686018427387904 : i64, sampling = #seq.sampling<>} -> tensor<2x4611686018427387904xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_empty_vocab(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x0xf32>) {
  // expected-error @+1 {{'seq.decode_loop' op expects body to yield logits over a non-empty vocabulary (V > 0)}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x0xf32>
  }
  return
}

// -----

func.func @sample_empty_vocab(%logits: tensor<2x0xf32>, %seed: i64) -> tensor<2xi32> {
  // expected-error @+1 {{'seq.sample' op expects a non-empty vocabulary (V > 0)}}
  %t = seq.sample %logits seed(%seed) counter(%seed) {sampling = #seq.sampling<>} : tensor<2x0xf32> -> tensor<2xi32>
  return %t : tensor<2xi32>
}

// -----

func.func @decode_loop_positions_shape(%tok0: tensor<2xi32>, %pos0: tensor<3xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects start_positions [B] of shape [2], got [3]}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<3xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_tokens_shape(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects tokens [B, max_new_tokens] of shape [2, 8], got [2, 16]}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x16xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_num_generated_shape(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects num_generated [B] of shape [2], got [1]}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<1xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_final_state_types(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %k0: tensor<2x4xf32>, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects final_state types (tensor<2x4xf16>) to match init_state types (tensor<2x4xf32>)}}
  %toks, %n, %kf = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed) init(%k0 : tensor<2x4xf32>)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x4xf16> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %k: tensor<2x4xf32>):
      seq.yield %lg, %k : tensor<2x1x100xf32>, tensor<2x4xf32>
  }
  return
}

// -----

func.func @decode_loop_eos_ids(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects non-negative eos_token_ids, got -2}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2, -2>, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_pad_token(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects a non-negative pad_token_id, got -1}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, pad_token_id = -1 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_max_new_tokens(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      // expected-error @+1 {{'seq.decode_loop' op attribute 'max_new_tokens' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
      {max_new_tokens = 0 : i64, sampling = #seq.sampling<>} -> tensor<2x0xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_sampling(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xf32>) {
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      // expected-error @+1 {{expects top_p in (0, 1], got 2}}
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<temperature = 1.0, top_p = 2.0>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

func.func @decode_loop_body_args(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %k0: tensor<2x4xf32>, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects body to take (tokens, positions, state...) of types (tensor<2x1xi32>, tensor<2x1xi32>, tensor<2x4xf32>), got (tensor<2xi32>, tensor<2xi32>, tensor<2x4xf32>)}}
  %toks, %n, %kf = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed) init(%k0 : tensor<2x4xf32>)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x4xf32> {
    ^bb0(%t: tensor<2xi32>, %p: tensor<2xi32>, %k: tensor<2x4xf32>):
      seq.yield %lg, %k : tensor<2x1x100xf32>, tensor<2x4xf32>
  }
  return
}

// -----

func.func @decode_loop_body_missing_state_arg(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %k0: tensor<2x4xf32>, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects body to take (tokens, positions, state...) of types (tensor<2x1xi32>, tensor<2x1xi32>, tensor<2x4xf32>), got (tensor<2x1xi32>, tensor<2x1xi32>)}}
  %toks, %n, %kf = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed) init(%k0 : tensor<2x4xf32>)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x4xf32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg, %k0 : tensor<2x1x100xf32>, tensor<2x4xf32>
  }
  return
}

// -----

func.func @decode_loop_body_terminator(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64) {
  // expected-error @+1 {{expects the body to end in seq.yield}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      llvm.unreachable
  }
  return
}

// -----

func.func @decode_loop_yield_empty(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64) {
  // expected-error @+1 {{expects body to yield logits [B, 1, V] first}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield
  }
  return
}

// -----

func.func @decode_loop_yield_logits_shape(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x100xf32>) {
  // expected-error @+1 {{expects body to yield float logits [B, 1, V] first, got 'tensor<2x100xf32>'}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x100xf32>
  }
  return
}

// -----

func.func @decode_loop_yield_logits_type(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %lg: tensor<2x1x100xi32>) {
  // expected-error @+1 {{expects body to yield float logits [B, 1, V] first, got 'tensor<2x1x100xi32>'}}
  %toks, %n = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
      seq.yield %lg : tensor<2x1x100xi32>
  }
  return
}

// -----

func.func @decode_loop_yield_state(%tok0: tensor<2xi32>, %pos0: tensor<2xi32>, %seed: i64, %k0: tensor<2x4xf32>, %lg: tensor<2x1x100xf32>) {
  // expected-error @+1 {{expects body to yield the carried state of types (tensor<2x4xf32>) after the logits, got ()}}
  %toks, %n, %kf = seq.decode_loop first(%tok0 : tensor<2xi32>) positions(%pos0 : tensor<2xi32>) seed(%seed) init(%k0 : tensor<2x4xf32>)
      {max_new_tokens = 8 : i64, sampling = #seq.sampling<>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x4xf32> {
    ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %k: tensor<2x4xf32>):
      seq.yield %lg : tensor<2x1x100xf32>
  }
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.parameter / seq.get_parameter
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'seq.parameter' op expects a non-empty weights-file key}}
seq.parameter @w "" : tensor<4x4xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects a statically shaped parameter type}}
seq.parameter @w "model.w" : tensor<?x4xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects one part per row of the first dimension of a parameter of rank >= 2, got 1 parts for 'tensor<2x4x4xf32>'}}
seq.parameter @w "model.w" {parts = ["model.w.0"]} : tensor<2x4x4xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects one part per row of the first dimension of a parameter of rank >= 2, got 2 parts for 'tensor<2xf32>'}}
seq.parameter @w "model.w" {parts = ["a", "b"]} : tensor<2xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects distinct part keys, 'a' is repeated}}
seq.parameter @w "model.w" {parts = ["a", "a"]} : tensor<2x4xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects non-empty part keys}}
seq.parameter @w "model.w" {parts = ["a", ""]} : tensor<2x4xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects `parts` without `quant` (quantized parameters bind whole)}}
seq.parameter @w "model.w" {parts = ["a", "b"], quant = #seq.quant_format<q8_0>} : tensor<2x34xi8>

// -----

func.func @parameter_in_function() {
  // expected-error @+1 {{'seq.parameter' op expects parent op 'builtin.module'}}
  seq.parameter @w "model.w" : tensor<4x4xf32>
  return
}

// -----

func.func @get_parameter_not_a_parameter() {
  // expected-error @+1 {{'seq.get_parameter' op expects @get_parameter_not_a_parameter to name a seq.parameter}}
  %w = seq.get_parameter @get_parameter_not_a_parameter : tensor<4x4xf32>
  return
}

// -----

func.func @get_parameter_unknown() {
  // expected-error @+1 {{expects @missing to name a seq.parameter}}
  %w = seq.get_parameter @missing : tensor<4x4xf32>
  return
}

// -----

seq.parameter @w "model.w" : tensor<4x4xbf16>

func.func @get_parameter_type() {
  // expected-error @+1 {{expects result type 'tensor<4x4xf32>' to equal the parameter type 'tensor<4x4xbf16>'}}
  %w = seq.get_parameter @w : tensor<4x4xf32>
  return
}

// -----

// expected-error @+1 {{'seq.parameter' op expects an i8 parameter to name its `quant` format (i8 parameters hold packed quantized blocks)}}
seq.parameter @w "model.w" : tensor<4x20xi8>

// -----

// expected-error @+1 {{'seq.parameter' op expects a q4_1 parameter of type tensor<N x RB x i8> (packed rows), got 'tensor<4x20xf32>'}}
seq.parameter @w "model.w" {quant = #seq.quant_format<q4_1>} : tensor<4x20xf32>

// -----

// expected-error @+1 {{'seq.parameter' op expects the packed row size (36 bytes) to be a whole number of q8_0 blocks (34 bytes each)}}
seq.parameter @w "model.w" {quant = #seq.quant_format<q8_0>} : tensor<4x36xi8>

// -----

// q5_k is not computed (yet), so not part of the enum.
// expected-error @+2 {{expected ::mlir::seq::QuantFormat to be one of: f16, q4_0, q4_1, q8_0, q4_k, q6_k, bf16}}
// expected-error @+1 {{failed to parse Seq_QuantFormatAttr parameter 'value'}}
seq.parameter @w "model.w" {quant = #seq.quant_format<q5_k>} : tensor<4x176xi8>

// -----

// expected-error @+1 {{'seq.parameter' op expects the packed row size (288 bytes) to be a whole number of q6_k blocks (210 bytes each)}}
seq.parameter @w "model.w" {quant = #seq.quant_format<q6_k>} : tensor<4x288xi8>

// -----

//===----------------------------------------------------------------------===//
// seq.quantized_linear / seq.quantized_embedding
//===----------------------------------------------------------------------===//

func.func @quantized_linear_rank0(%x: tensor<f32>, %w: tensor<4x20xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects input of rank >= 1 ([..., K])}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<f32>, tensor<4x20xi8> -> tensor<4xf32>
  return
}

// -----

func.func @quantized_linear_dynamic_k(%x: tensor<2x?xf32>, %w: tensor<4x20xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects a static K (the input's last dimension)}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x?xf32>, tensor<4x20xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_partial_block(%x: tensor<2x48xf32>, %w: tensor<4x20xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects K (48) to be a multiple of the q4_1 block size (32)}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x48xf32>, tensor<4x20xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_partial_super_block(%x: tensor<2x96xf32>, %w: tensor<4x144xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects K (96) to be a multiple of the q4_k block size (256)}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_k>} : tensor<2x96xf32>, tensor<4x144xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_q6_k_rb(%x: tensor<2x512xf32>, %w: tensor<4x210xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects weight [N, RB] with RB = K / 256 * 210 = 420 bytes for q6_k and K = 512, got RB = 210}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q6_k>} : tensor<2x512xf32>, tensor<4x210xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_embedding_q4_k_partial_rb(%t: tensor<4x200xi8>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'seq.quantized_embedding' op expects the packed row size (200 bytes) to be a whole number of q4_k blocks (144 bytes each)}}
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_k>} : tensor<4x200xi8>, tensor<3xi32> -> tensor<3x256xf32>
  return
}

// -----

func.func @quantized_linear_weight_rank(%x: tensor<2x32xf32>, %w: tensor<80xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects weight of rank 2 ([N, RB]), got rank 1}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x32xf32>, tensor<80xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_dynamic_rb(%x: tensor<2x32xf32>, %w: tensor<4x?xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects a static packed row size (weight dim 1)}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x32xf32>, tensor<4x?xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_partial_rb(%x: tensor<2x32xf32>, %w: tensor<4x21xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects the packed row size (21 bytes) to be a whole number of q4_1 blocks (20 bytes each)}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x32xf32>, tensor<4x21xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_rb(%x: tensor<2x64xf32>, %w: tensor<4x20xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects weight [N, RB] with RB = K / 32 * 20 = 40 bytes for q4_1 and K = 64, got RB = 20}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<2x64xf32>, tensor<4x20xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_bias(%x: tensor<2x32xf32>, %w: tensor<4x34xi8>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects bias [N] of shape [4], got [5]}}
  %y = seq.quantized_linear %x, %w bias(%b : tensor<5xf32>) {format = #seq.quant_format<q8_0>} : tensor<2x32xf32>, tensor<4x34xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_output(%x: tensor<2x32xf32>, %w: tensor<4x18xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects output [..., N] of shape [2, 4], got [2, 5]}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>} : tensor<2x32xf32>, tensor<4x18xi8> -> tensor<2x5xf32>
  return
}

// -----

func.func @quantized_linear_bf16(%x: tensor<2x32xbf16>, %w: tensor<4x18xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op operand #0 must be ranked tensor of 32-bit float values}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>} : tensor<2x32xbf16>, tensor<4x18xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_weight_type(%x: tensor<2x32xf32>, %w: tensor<4x18xui8>) {
  // expected-error @+1 {{'seq.quantized_linear' op operand #1 must be ranked tensor of 8-bit signless integer values}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>} : tensor<2x32xf32>, tensor<4x18xui8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_linear_no_format(%x: tensor<2x32xf32>, %w: tensor<4x18xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op requires attribute 'format'}}
  %y = seq.quantized_linear %x, %w : tensor<2x32xf32>, tensor<4x18xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @quantized_embedding_rank(%t: tensor<40xi8>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'seq.quantized_embedding' op expects table of rank 2 ([V, RB]), got rank 1}}
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_1>} : tensor<40xi8>, tensor<3xi32> -> tensor<3x32xf32>
  return
}

// -----

func.func @quantized_embedding_partial_rb(%t: tensor<10x40xi8>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'seq.quantized_embedding' op expects the packed row size (40 bytes) to be a whole number of q8_0 blocks (34 bytes each)}}
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q8_0>} : tensor<10x40xi8>, tensor<3xi32> -> tensor<3x32xf32>
  return
}

// -----

func.func @quantized_embedding_dynamic_rb(%t: tensor<10x?xi8>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'seq.quantized_embedding' op expects a static packed row size (table dim 1)}}
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q8_0>} : tensor<10x?xi8>, tensor<3xi32> -> tensor<3x32xf32>
  return
}

// -----

func.func @quantized_embedding_output(%t: tensor<10x40xi8>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'seq.quantized_embedding' op expects output [ids..., D] of shape [3, 64], got [3, 32]}}
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_1>} : tensor<10x40xi8>, tensor<3xi32> -> tensor<3x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.rms_norm / seq.layer_norm
//===----------------------------------------------------------------------===//

func.func @rms_norm_rank0(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'seq.rms_norm' op expects input of rank >= 1}}
  %y = seq.rms_norm %x, %w : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @rms_norm_weight_shape(%x: tensor<2x16x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'seq.rms_norm' op expects weight [D] of shape [64], got [32]}}
  %y = seq.rms_norm %x, %w : tensor<2x16x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'seq.rms_norm' op expects a finite, positive epsilon}}
  %y = seq.rms_norm %x, %w {epsilon = 0.0 : f32} : tensor<2x16x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_rank0(%x: tensor<bf16>, %w: tensor<1xbf16>) {
  // expected-error @+1 {{'seq.layer_norm' op expects input of rank >= 1}}
  %y = seq.layer_norm %x, %w : tensor<bf16>, tensor<1xbf16>
  return
}

// -----

func.func @layer_norm_weight_shape(%x: tensor<2x16x64xf32>, %w: tensor<16x64xf32>) {
  // expected-error @+1 {{'seq.layer_norm' op expects weight [D] of shape [64], got [16, 64]}}
  %y = seq.layer_norm %x, %w : tensor<2x16x64xf32>, tensor<16x64xf32>
  return
}

// -----

func.func @layer_norm_bias_shape(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>, %b: tensor<65xf32>) {
  // expected-error @+1 {{'seq.layer_norm' op expects bias [D] of shape [64], got [65]}}
  %y = seq.layer_norm %x, %w bias(%b : tensor<65xf32>) : tensor<2x16x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x16x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'seq.layer_norm' op expects a finite, positive epsilon}}
  %y = seq.layer_norm %x, %w {epsilon = -1.0e-05 : f32} : tensor<2x16x64xf32>, tensor<64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.rope
//===----------------------------------------------------------------------===//

func.func @rope_input_rank(%x: tensor<1x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects input of rank 4 ([B, H, S, D]), got rank 3}}
  %y = seq.rope %x, %p : tensor<1x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_positions_shape(%x: tensor<1x32x16x128xf32>, %p: tensor<16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects positions [B, S] of shape [1, 16], got [16]}}
  %y = seq.rope %x, %p : tensor<1x32x16x128xf32>, tensor<16xi32>
  return
}

// -----

func.func @rope_theta(%x: tensor<1x32x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a finite, positive theta}}
  %y = seq.rope %x, %p {theta = 0.0 : f32} : tensor<1x32x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_odd_rotary_dim(%x: tensor<1x32x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects an even, positive rotary dim, got 63}}
  %y = seq.rope %x, %p {rotary_dim = 63 : i64} : tensor<1x32x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

// Without rotary_dim the head dim itself must be even.
func.func @rope_odd_head_dim(%x: tensor<1x32x16x65xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects an even, positive rotary dim, got 65}}
  %y = seq.rope %x, %p : tensor<1x32x16x65xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_zero_rotary_dim(%x: tensor<1x32x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects an even, positive rotary dim, got 0}}
  %y = seq.rope %x, %p {rotary_dim = 0 : i64} : tensor<1x32x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_rotary_dim_too_large(%x: tensor<1x32x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects rotary_dim (256) to be at most head_dim (128)}}
  %y = seq.rope %x, %p {rotary_dim = 256 : i64} : tensor<1x32x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_inv_freq_count(%x: tensor<1x32x16x128xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects 4 inv_freq values (rotary dim / 2), got 3}}
  %y = seq.rope %x, %p {rotary_dim = 8 : i64, inv_freq = array<f32: 1.0, 0.5, 0.25>} : tensor<1x32x16x128xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_inv_freq_full_count(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects 4 inv_freq values (rotary dim / 2), got 5}}
  %y = seq.rope %x, %p {inv_freq = array<f32: 1.0, 0.5, 0.25, 0.1, 0.01>} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_inv_freq_zero(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects finite, positive inv_freq values}}
  %y = seq.rope %x, %p {inv_freq = array<f32: 1.0, 0.5, 0.0, 0.1>} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_inv_freq_nan(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects finite, positive inv_freq values}}
  %y = seq.rope %x, %p {inv_freq = array<f32: 1.0, 0.5, 0x7FC00000, 0.1>} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_factor_alone(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects ntk_factor and ntk_max_positions together}}
  %y = seq.rope %x, %p {ntk_factor = 2.0 : f32} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_max_alone(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects ntk_factor and ntk_max_positions together}}
  %y = seq.rope %x, %p {ntk_max_positions = 16 : i64} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_factor_below_one(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a finite ntk_factor >= 1, got 5.000000e-01}}
  %y = seq.rope %x, %p {ntk_factor = 0.5 : f32, ntk_max_positions = 16 : i64} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_factor_inf(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a finite ntk_factor >= 1}}
  %y = seq.rope %x, %p {ntk_factor = 0x7F800000 : f32, ntk_max_positions = 16 : i64} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_max_zero(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a positive ntk_max_positions, got 0}}
  %y = seq.rope %x, %p {ntk_factor = 2.0 : f32, ntk_max_positions = 0 : i64} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_with_inv_freq(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects inv_freq or dynamic NTK scaling (ntk_factor), not both}}
  %y = seq.rope %x, %p {ntk_factor = 2.0 : f32, ntk_max_positions = 16 : i64, inv_freq = array<f32: 1.0, 0.5, 0.25, 0.1>} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

func.func @rope_ntk_rotary_two(%x: tensor<1x32x16x8xf32>, %p: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a rotary dim above 2 with ntk_factor (the base's exponent is R / (R - 2)), got 2}}
  %y = seq.rope %x, %p {ntk_factor = 2.0 : f32, ntk_max_positions = 16 : i64, rotary_dim = 2 : i64} : tensor<1x32x16x8xf32>, tensor<1x16xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.embedding
//===----------------------------------------------------------------------===//

func.func @embedding_table_rank(%t: tensor<32000xf32>, %ids: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.embedding' op expects table of rank 2 ([V, D]), got rank 1}}
  %h = seq.embedding %t, %ids : tensor<32000xf32>, tensor<1x16xi32> -> tensor<1x16x64xf32>
  return
}

// -----

func.func @embedding_element_type(%t: tensor<32000x64xbf16>, %ids: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.embedding' op expects the output element type to be the table's}}
  %h = seq.embedding %t, %ids : tensor<32000x64xbf16>, tensor<1x16xi32> -> tensor<1x16x64xf32>
  return
}

// -----

func.func @embedding_output_shape(%t: tensor<32000x64xf32>, %ids: tensor<1x16xi32>) {
  // expected-error @+1 {{'seq.embedding' op expects output [ids..., D] of shape [1, 16, 64], got [16, 64]}}
  %h = seq.embedding %t, %ids : tensor<32000x64xf32>, tensor<1x16xi32> -> tensor<16x64xf32>
  return
}

// -----

func.func @embedding_i64_ids(%t: tensor<32000x64xf32>, %ids: tensor<1x16xi64>) {
  // expected-error @+1 {{'seq.embedding' op operand #1 must be ranked tensor of 32-bit signless integer values, but got 'tensor<1x16xi64>'}}
  %h = seq.embedding %t, %ids : tensor<32000x64xf32>, tensor<1x16xi64> -> tensor<1x16x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.linear
//===----------------------------------------------------------------------===//

func.func @linear_input_rank0(%x: tensor<f32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'seq.linear' op expects input of rank >= 1 ([..., K])}}
  %y = seq.linear %x, %w : tensor<f32>, tensor<128x64xf32> -> tensor<128xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'seq.linear' op expects weight of rank 2 ([N, K]), got rank 1}}
  %y = seq.linear %x, %w : tensor<2x64xf32>, tensor<64xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @linear_element_type(%x: tensor<2x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf16>) {
  // expected-error @+1 {{'seq.linear' op expects input, weight, bias and output to share an element type}}
  %y = seq.linear %x, %w bias(%b : tensor<128xf16>) : tensor<2x64xf32>, tensor<128x64xf32> -> tensor<2x128xf32>
  return
}

// -----

func.func @linear_k(%x: tensor<2x16x32xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'seq.linear' op expects input K (32) to match weight K (64)}}
  %y = seq.linear %x, %w : tensor<2x16x32xf32>, tensor<128x64xf32> -> tensor<2x16x128xf32>
  return
}

// -----

func.func @linear_bias_shape(%x: tensor<2x16x64xf32>, %w: tensor<128x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'seq.linear' op expects bias [N] of shape [128], got [64]}}
  %y = seq.linear %x, %w bias(%b : tensor<64xf32>) : tensor<2x16x64xf32>, tensor<128x64xf32> -> tensor<2x16x128xf32>
  return
}

// -----

func.func @linear_output_shape(%x: tensor<2x16x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'seq.linear' op expects output [..., N] of shape [2, 16, 128], got [2, 16, 64]}}
  %y = seq.linear %x, %w : tensor<2x16x64xf32>, tensor<128x64xf32> -> tensor<2x16x64xf32>
  return
}

//===--- Regressions found in review ---===//

// -----

// Zero key heads is rejected even when the query heads are dynamic.
func.func @attention_zero_kv_heads_dynamic_q(%q: tensor<1x?x4x8xf32>, %k: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{'seq.attention' op expects at least one key head}}
  %o = seq.attention %q, %k, %k scale(0.5) : tensor<1x?x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32> -> tensor<1x?x4x8xf32>
  return
}

// -----

// rotary_dim equal to the dynamic-extent sentinel is still a bad rotary dim.
func.func @rope_sentinel_rotary_dim(%x: tensor<1x2x3x4xf32>, %p: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.rope' op expects an even, positive rotary dim, got -9223372036854775808}}
  %r = seq.rope %x, %p {rotary_dim = -9223372036854775808 : i64} : tensor<1x2x3x4xf32>, tensor<1x3xi32>
  return
}

// -----

func.func @rope_infinite_theta(%x: tensor<1x2x3x4xf32>, %p: tensor<1x3xi32>) {
  // expected-error @+1 {{'seq.rope' op expects a finite, positive theta}}
  %r = seq.rope %x, %p {theta = 0x7F800000 : f32} : tensor<1x2x3x4xf32>, tensor<1x3xi32>
  return
}

// -----

func.func @dispatch_too_many_experts(%e: tensor<16x2xi32>) {
  // expected-error @+1 {{'seq.moe_dispatch' op expects fewer than 2^31 - 1 experts, got 9223372036854775807}}
  %p, %o = seq.moe_dispatch %e {num_experts = 9223372036854775807 : i64} : tensor<16x2xi32> -> tensor<32xi32>, tensor<3xi32>
  return
}

// -----

func.func @decode_loop_top_k_over_vocab(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %logits: tensor<2x1x5xf32>) {
  // expected-error @+1 {{'seq.decode_loop' op expects sampling top_k (10) to be at most the vocabulary size (5)}}
  %t, %n = seq.decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 4 : i64, sampling = #seq.sampling<temperature = 1.0, top_k = 10>} -> tensor<2x4xi32>, tensor<2xi32> {
  ^bb0(%a: tensor<2x1xi32>, %b: tensor<2x1xi32>):
    seq.yield %logits : tensor<2x1x5xf32>
  }
  return
}

// -----

// Index maps may only be dims or dims floordiv a constant: offsets and
// constants could read out of bounds.
func.func @scan_map_with_offset(%a: tensor<2x64xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{'seq.scan_step' op expects result 0 of indexing map #0 to be an iteration dimension, or one floordiv a positive constant (grouped inputs), got d0 + 5}}
  %y, %h = seq.scan_step ins(%a : tensor<2x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, d) -> (b + 5, d)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x64xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @scan_map_with_constant(%a: tensor<2x100xf32>, %h0: tensor<2x64xf32>) {
  // expected-error @+1 {{got 100}}
  %y, %h = seq.scan_step ins(%a : tensor<2x100xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, d) -> (b, 100)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<2x64xf32>, tensor<2x64xf32>
  return
}

// -----

// Grouped inputs: 4 heads floordiv 2 gives 2 groups, not 3.
func.func @scan_grouped_extent(%a: tensor<1x8x3xf32>, %h0: tensor<1x4xf32>) {
  // expected-error @+1 {{'seq.scan' op expects dimension 2 of input #0 (3) to be iteration dimension 2 (4) divided exactly by 2}}
  %y, %h = seq.scan ins(%a : tensor<1x8x3xf32>) init(%h0 : tensor<1x4xf32>)
      maps = [affine_map<(b, t, h) -> (b, t, h floordiv 2)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<1x8x4xf32>, tensor<1x4xf32>
  return
}

// -----

// -0.0 is a valid (greedy) temperature; +inf top_p is not.
func.func @sampling_negative_zero_ok(%l: tensor<2x8xf32>, %s: i64) {
  %t = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<temperature = -0.0>} : tensor<2x8xf32> -> tensor<2xi32>
  // expected-error @+1 {{expects top_p in (0, 1]}}
  %u = seq.sample %l seed(%s) counter(%s) {sampling = #seq.sampling<top_p = 0x7F800000>} : tensor<2x8xf32> -> tensor<2xi32>
  return
}

// -----

func.func @shared_up_without_down(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<32x8xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects shared_up and shared_down together}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<32x8xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return
}

// -----

func.func @shared_gate_missing(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wg: tensor<4x16x8xf32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<32x8xf32>, %sd: tensor<8x32xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects a shared_gate exactly when the activation is gated (swiglu)}}
  %y = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<4x16x8xf32>) up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<32x8xf32>) shared_down(%sd : tensor<8x32xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return
}

// -----

// f32 expert weights do not serve a bf16 input (only 2-byte weights are
// widened as they are read).
func.func @moe_experts_wider_weights(%x: tensor<16x64xbf16>, %w: tensor<16x2xf32>, %p: tensor<32xi32>, %o: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{expects the expert weights to share one element type, the input's or bf16/f16}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xbf16>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xbf16>
  return
}

// -----

func.func @shared_wrong_type(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<32x8xbf16>, %sd: tensor<8x32xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects the shared expert weights to share one element type, the input's or bf16/f16}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<32x8xbf16>) shared_down(%sd : tensor<8x32xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return
}

// -----

func.func @shared_up_rank(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<1x32x8xf32>, %sd: tensor<8x32xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects shared_up of rank 2 ([Fs, Dm]), got rank 3}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<1x32x8xf32>) shared_down(%sd : tensor<8x32xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return
}

// -----

func.func @shared_down_shape(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<32x8xf32>, %sd: tensor<8x16xf32>) {
  // expected-error @+1 {{'seq.moe_experts' op expects shared_down [Dm, Fs] of shape [8, 32], got [8, 16]}}
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<32x8xf32>) shared_down(%sd : tensor<8x16xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return
}

// -----

// expected-error @+1 {{'seq.parameter' op expects the packed row size (193 bytes) to be a whole number of f16 blocks (2 bytes each)}}
seq.parameter @w "model.w" {quant = #seq.quant_format<f16>} : tensor<4x193xi8>

// -----

func.func @quantized_linear_bf16_rb(%x: tensor<2x96xf32>, %w: tensor<4x96xi8>) {
  // expected-error @+1 {{'seq.quantized_linear' op expects weight [N, RB] with RB = K / 1 * 2 = 192 bytes for bf16 and K = 96, got RB = 96}}
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<bf16>} : tensor<2x96xf32>, tensor<4x96xi8> -> tensor<2x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// seq.causal_conv1d
//===----------------------------------------------------------------------===//

func.func @conv_input_rank(%x: tensor<2x64xf32>, %w: tensor<64x4xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects input of rank 3 ([B, S, C]), got rank 2}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x64xf32>, tensor<64x4xf32> -> tensor<2x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<2x5x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects weight of rank 2 ([C, K]), got rank 3}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x5x64xf32>, tensor<64x1x4xf32> -> tensor<2x5x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_kernel_zero(%x: tensor<2x5x64xf32>, %w: tensor<64x0xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects a static kernel size K >= 1, got 0}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x5x64xf32>, tensor<64x0xf32> -> tensor<2x5x64xf32>, tensor<2x0x64xf32>
  return
}

// -----

func.func @conv_kernel_dynamic(%x: tensor<2x5x64xf32>, %w: tensor<64x?xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects a static kernel size K >= 1, got ?}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x5x64xf32>, tensor<64x?xf32> -> tensor<2x5x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_weight_channels(%x: tensor<2x5x64xf32>, %w: tensor<32x4xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects weight [C, K] of shape [64, 4], got [32, 4]}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x5x64xf32>, tensor<32x4xf32> -> tensor<2x5x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<2x5x64xf32>, %w: tensor<64x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects bias [C] of shape [64], got [4]}}
  %y, %s = seq.causal_conv1d %x, %w bias(%b : tensor<4xf32>) : tensor<2x5x64xf32>, tensor<64x4xf32> -> tensor<2x5x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_final_state_shape(%x: tensor<2x5x64xf32>, %w: tensor<64x4xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects final_state [B, K-1, C] of shape [2, 3, 64], got [2, 4, 64]}}
  %y, %s = seq.causal_conv1d %x, %w : tensor<2x5x64xf32>, tensor<64x4xf32> -> tensor<2x5x64xf32>, tensor<2x4x64xf32>
  return
}

// -----

func.func @conv_state_shape(%x: tensor<2x1x64xf32>, %w: tensor<64x4xf32>, %st: tensor<1x3x64xf32>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects state [B, K-1, C] of shape [2, 3, 64], got [1, 3, 64]}}
  %y, %s = seq.causal_conv1d %x, %w state(%st : tensor<1x3x64xf32>) : tensor<2x1x64xf32>, tensor<64x4xf32> -> tensor<2x1x64xf32>, tensor<2x3x64xf32>
  return
}

// -----

func.func @conv_state_type(%x: tensor<2x1x64xf32>, %w: tensor<64x4xf32>, %st: tensor<2x3x64xbf16>) {
  // expected-error @+1 {{'seq.causal_conv1d' op expects state and final_state of one element type, got 'bf16' and 'f32'}}
  %y, %s = seq.causal_conv1d %x, %w state(%st : tensor<2x3x64xbf16>) : tensor<2x1x64xf32>, tensor<64x4xf32> -> tensor<2x1x64xf32>, tensor<2x3x64xf32>
  return
}
