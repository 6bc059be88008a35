// RUN: seqc-opt %s -split-input-file | seqc-opt -split-input-file | FileCheck %s
// RUN: seqc-opt %s -split-input-file -mlir-print-op-generic | seqc-opt -split-input-file | FileCheck %s

// Round trip of every seq op in the custom and the generic form.

// CHECK-LABEL: func @attention_gqa_causal_window
// CHECK: %[[O:.*]] = seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal window(16) : tensor<2x8x32x64xbf16>, tensor<2x2x32x64xbf16>, tensor<2x2x32x64xbf16> -> tensor<2x8x32x64xbf16>
// CHECK: return %[[O]]
func.func @attention_gqa_causal_window(%q: tensor<2x8x32x64xbf16>, %k: tensor<2x2x32x64xbf16>, %v: tensor<2x2x32x64xbf16>) -> tensor<2x8x32x64xbf16> {
  %o = seq.attention %q, %k, %v causal window(16) : tensor<2x8x32x64xbf16>, tensor<2x2x32x64xbf16>, tensor<2x2x32x64xbf16> -> tensor<2x8x32x64xbf16>
  return %o : tensor<2x8x32x64xbf16>
}

// -----

// CHECK-LABEL: func @attention_mqa_scale_softcap_lse
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale(1.250000e-01) softcap(5.000000e+01) : tensor<1x4x3x16xf32>, tensor<1x1x7x16xf32>, tensor<1x1x7x32xf32> -> tensor<1x4x3x32xf32>, tensor<1x4x3xf32>
func.func @attention_mqa_scale_softcap_lse(%q: tensor<1x4x3x16xf32>, %k: tensor<1x1x7x16xf32>, %v: tensor<1x1x7x32xf32>) -> (tensor<1x4x3x32xf32>, tensor<1x4x3xf32>) {
  %o, %lse = seq.attention %q, %k, %v scale(0.125) softcap(50.0) : tensor<1x4x3x16xf32>, tensor<1x1x7x16xf32>, tensor<1x1x7x32xf32> -> tensor<1x4x3x32xf32>, tensor<1x4x3xf32>
  return %o, %lse : tensor<1x4x3x32xf32>, tensor<1x4x3xf32>
}

// -----

// f32 queries on a bf16 KV cache (seqc --kv-cache-dtype=bf16).
// CHECK-LABEL: func @attention_f32_query_bf16_cache
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%{{.*}} : tensor<1xi32>) causal : tensor<1x4x1x16xf32>, tensor<1x2x64x16xbf16>, tensor<1x2x64x16xbf16> -> tensor<1x4x1x16xf32>
func.func @attention_f32_query_bf16_cache(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x64x16xbf16>, %v: tensor<1x2x64x16xbf16>, %len: tensor<1xi32>) -> tensor<1x4x1x16xf32> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>) causal : tensor<1x4x1x16xf32>, tensor<1x2x64x16xbf16>, tensor<1x2x64x16xbf16> -> tensor<1x4x1x16xf32>
  return %o : tensor<1x4x1x16xf32>
}

// -----

// ALiBi as a score region that captures the per-head slopes.
// CHECK-LABEL: func @attention_alibi_ragged_decode
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%{{.*}} : tensor<2xi32>) score_mod {
// CHECK-NEXT: ^bb0(%[[B:.*]]: index, %[[H:.*]]: index, %[[I:.*]]: index, %[[J:.*]]: index, %[[S:.*]]: f32):
// CHECK: tensor.extract %{{.*}}[%[[H]]] : tensor<8xf32>
// CHECK: seq.yield %{{.*}} : f32
// CHECK-NEXT: } : tensor<2x8x1x64xf32>, tensor<2x8x4096x64xf32>, tensor<2x8x4096x64xf32> -> tensor<2x8x1x64xf32>
func.func @attention_alibi_ragged_decode(%q: tensor<2x8x1x64xf32>, %k: tensor<2x8x4096x64xf32>, %v: tensor<2x8x4096x64xf32>, %len: tensor<2xi32>, %slopes: tensor<8xf32>) -> tensor<2x8x1x64xf32> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %slope = tensor.extract %slopes[%h] : tensor<8xf32>
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %r = arith.addf %s, %bias : f32
    seq.yield %r : f32
  } : tensor<2x8x1x64xf32>, tensor<2x8x4096x64xf32>, tensor<2x8x4096x64xf32> -> tensor<2x8x1x64xf32>
  return %o : tensor<2x8x1x64xf32>
}

// -----

// A document mask and block-causal mask as a mask region: no mask tensor.
// CHECK-LABEL: func @attention_document_mask
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal mask_mod {
// CHECK: arith.cmpi eq
// CHECK: seq.yield %{{.*}} : i1
func.func @attention_document_mask(%q: tensor<1x4x128x32xf32>, %k: tensor<1x4x128x32xf32>, %v: tensor<1x4x128x32xf32>, %doc: tensor<128xi32>) -> tensor<1x4x128x32xf32> {
  %o = seq.attention %q, %k, %v causal mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %di = tensor.extract %doc[%i] : tensor<128xi32>
    %dj = tensor.extract %doc[%j] : tensor<128xi32>
    %same = arith.cmpi eq, %di, %dj : i32
    seq.yield %same : i1
  } : tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32> -> tensor<1x4x128x32xf32>
  return %o : tensor<1x4x128x32xf32>
}

// -----

// Neighbourhood window (|i - j| <= 4) with both a score and a mask region.
// CHECK-LABEL: func @attention_both_regions
// CHECK: score_mod {
// CHECK: mask_mod {
func.func @attention_both_regions(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = seq.attention %q, %k, %v score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %half = arith.constant 0.5 : f32
    %r = arith.mulf %s, %half : f32
    seq.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c4 = arith.constant 4 : index
    %lo = arith.subi %i, %c4 : index
    %hi = arith.addi %i, %c4 : index
    %a = arith.cmpi sge, %j, %lo : index
    %c = arith.cmpi sle, %j, %hi : index
    %in = arith.andi %a, %c : i1
    seq.yield %in : i1
  } : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// Paged KV cache: write the new token, then decode against the blocks.
// CHECK-LABEL: func @paged_cache_decode
// CHECK: %[[KC:.*]] = seq.cache_write %{{.*}}, %{{.*}} at %{{.*}} block_table(%{{.*}} : tensor<2x16xi32>) : tensor<64x2x16x32xf16>, tensor<2x2x1x32xf16>, tensor<2xi32>
// CHECK: seq.attention %{{.*}}, %[[KC]], %{{.*}} kv_lengths(%{{.*}} : tensor<2xi32>) block_table(%{{.*}} : tensor<2x16xi32>) causal : tensor<2x8x1x32xf16>, tensor<64x2x16x32xf16>, tensor<64x2x16x32xf16> -> tensor<2x8x1x32xf16>
func.func @paged_cache_decode(%q: tensor<2x8x1x32xf16>, %knew: tensor<2x2x1x32xf16>, %vnew: tensor<2x2x1x32xf16>, %kc: tensor<64x2x16x32xf16>, %vc: tensor<64x2x16x32xf16>, %bt: tensor<2x16xi32>, %pos: tensor<2xi32>, %len: tensor<2xi32>) -> tensor<2x8x1x32xf16> {
  %kc2 = seq.cache_write %kc, %knew at %pos block_table(%bt : tensor<2x16xi32>) : tensor<64x2x16x32xf16>, tensor<2x2x1x32xf16>, tensor<2xi32>
  %vc2 = seq.cache_write %vc, %vnew at %pos block_table(%bt : tensor<2x16xi32>) : tensor<64x2x16x32xf16>, tensor<2x2x1x32xf16>, tensor<2xi32>
  %o = seq.attention %q, %kc2, %vc2 kv_lengths(%len : tensor<2xi32>) block_table(%bt : tensor<2x16xi32>) causal : tensor<2x8x1x32xf16>, tensor<64x2x16x32xf16>, tensor<64x2x16x32xf16> -> tensor<2x8x1x32xf16>
  return %o : tensor<2x8x1x32xf16>
}

// -----

// Contiguous cache, chunked prefill with a dynamic chunk length.
// CHECK-LABEL: func @contiguous_cache_chunk
// CHECK: seq.cache_write %{{.*}}, %{{.*}} at %{{.*}} : tensor<1x4x256x16xf32>, tensor<1x4x?x16xf32>, tensor<1xi32>
func.func @contiguous_cache_chunk(%kc: tensor<1x4x256x16xf32>, %k: tensor<1x4x?x16xf32>, %pos: tensor<1xi32>) -> tensor<1x4x256x16xf32> {
  %0 = seq.cache_write %kc, %k at %pos : tensor<1x4x256x16xf32>, tensor<1x4x?x16xf32>, tensor<1xi32>
  return %0 : tensor<1x4x256x16xf32>
}

// -----

// CHECK-LABEL: func @scan_plain
// CHECK: seq.scan ins(%{{.*}}, %{{.*}} : tensor<2x16x64xf32>, tensor<2x16x64xf32>) init(%{{.*}} : tensor<2x64xf32>) maps = [#{{.*}}, #{{.*}}] reverse step {
// CHECK: seq.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: } -> tensor<2x16x64xf32>, tensor<2x64xf32>
func.func @scan_plain(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) init(%h0 : tensor<2x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>] reverse
      step {
      ^bb0(%av: f32, %bv: f32):
        seq.yield %av, %bv : f32, f32
      } -> tensor<2x16x64xf32>, tensor<2x64xf32>
  return %y, %h : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// -----

// CHECK-LABEL: func @scan_step_readout
// CHECK: seq.scan_step ins(%{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<2x4xf32>) init(%{{.*}} : tensor<2x4x8xf32>) maps = [#{{.*}}, #{{.*}}] reduce = [2] step {
// CHECK: } readout {
// CHECK: } -> tensor<2x4xf32>, tensor<2x4x8xf32>
func.func @scan_step_readout(%a: tensor<2x4x8xf32>, %x: tensor<2x4xf32>, %h0: tensor<2x4x8xf32>) -> (tensor<2x4xf32>, tensor<2x4x8xf32>) {
  %y, %h = seq.scan_step ins(%a, %x : tensor<2x4x8xf32>, tensor<2x4xf32>) init(%h0 : tensor<2x4x8xf32>)
      maps = [affine_map<(b, d, n) -> (b, d, n)>, affine_map<(b, d, n) -> (b, d)>] reduce = [2]
      step {
      ^bb0(%av: f32, %xv: f32):
        seq.yield %av, %xv : f32, f32
      } readout {
      ^bb0(%hv: f32, %av: f32, %xv: f32):
        seq.yield %hv : f32
      } -> tensor<2x4xf32>, tensor<2x4x8xf32>
  return %y, %h : tensor<2x4xf32>, tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func @moe_softmax_topk
// CHECK: %[[W:.*]], %[[E:.*]] = seq.moe_route %{{.*}} {normalize, scoring = #seq.router_scoring<softmax>, top_k = 2 : i64} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
// CHECK: %[[P:.*]], %[[OFF:.*]] = seq.moe_dispatch %[[E]] {capacity_factor = 1.250000e+00 : f32, num_experts = 8 : i64} : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
// CHECK: seq.moe_experts %{{.*}}, %[[W]], %[[P]], %[[OFF]] gate(%{{.*}} : tensor<8x128x64xf32>) up(%{{.*}} : tensor<8x128x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
func.func @moe_softmax_topk(%x: tensor<16x64xf32>, %logits: tensor<16x8xf32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) -> tensor<16x64xf32> {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize} : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 8 : i64, capacity_factor = 1.25 : f32} : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}

// -----

// Half-precision expert weights (a bf16 checkpoint) with f32 activations.
// CHECK-LABEL: func @moe_experts_bf16_weights
// CHECK: seq.moe_experts {{.*}} gate(%{{.*}} : tensor<4x16x8xbf16>) up(%{{.*}} : tensor<4x16x8xbf16>) down(%{{.*}} : tensor<4x8x16xbf16>) shared_gate(%{{.*}} : tensor<32x8xf16>) shared_up(%{{.*}} : tensor<32x8xf16>) shared_down(%{{.*}} : tensor<8x32xf16>) {activation = #seq.ffn_activation<swiglu>} : tensor<6x8xf32>
func.func @moe_experts_bf16_weights(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wg: tensor<4x16x8xbf16>, %wu: tensor<4x16x8xbf16>, %wd: tensor<4x8x16xbf16>, %sg: tensor<32x8xf16>, %su: tensor<32x8xf16>, %sd: tensor<8x32xf16>) -> tensor<6x8xf32> {
  %y = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<4x16x8xbf16>) up(%wu : tensor<4x16x8xbf16>) down(%wd : tensor<4x8x16xbf16>) shared_gate(%sg : tensor<32x8xf16>) shared_up(%su : tensor<32x8xf16>) shared_down(%sd : tensor<8x32xf16>) {activation = #seq.ffn_activation<swiglu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// DeepSeek-V3 style: sigmoid scores, selection bias, grouped top-k, scaling.
// CHECK-LABEL: func @moe_deepseek_route
// CHECK: seq.moe_route %{{.*}} bias(%{{.*}} : tensor<64xf32>) {normalize, num_groups = 8 : i64, routed_scaling = 2.500000e+00 : f32, scoring = #seq.router_scoring<sigmoid>, top_k = 6 : i64, topk_groups = 3 : i64} : tensor<?x64xf32> -> tensor<?x6xf32>, tensor<?x6xi32>
func.func @moe_deepseek_route(%logits: tensor<?x64xf32>, %bias: tensor<64xf32>) -> (tensor<?x6xf32>, tensor<?x6xi32>) {
  %w, %e = seq.moe_route %logits bias(%bias : tensor<64xf32>) {top_k = 6 : i64, scoring = #seq.router_scoring<sigmoid>, normalize, num_groups = 8 : i64, topk_groups = 3 : i64, routed_scaling = 2.5 : f32} : tensor<?x64xf32> -> tensor<?x6xf32>, tensor<?x6xi32>
  return %w, %e : tensor<?x6xf32>, tensor<?x6xi32>
}

// -----

// CHECK-LABEL: func @grouped_matmul_and_gelu_experts
// CHECK: seq.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x128xf32>
// CHECK: seq.moe_experts %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} up(%{{.*}} : tensor<8x128x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>}
func.func @grouped_matmul_and_gelu_experts(%rows: tensor<32x64xf32>, %x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>, %off: tensor<9xi32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) -> (tensor<32x128xf32>, tensor<16x64xf32>) {
  %g = seq.grouped_matmul %rows, %wu, %off : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32> -> tensor<32x128xf32>
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return %g, %y : tensor<32x128xf32>, tensor<16x64xf32>
}

// -----

// CHECK-LABEL: func @sample
// CHECK: seq.sample %{{.*}} seed(%{{.*}}) counter(%{{.*}}) {sampling = #seq.sampling<temperature = 8.000000e-01, top_k = 50, top_p = 0.899999976>} : tensor<2x32000xf32> -> tensor<2xi32>
// CHECK: seq.sample %{{.*}} seed(%{{.*}}) counter(%{{.*}}) {sampling = #seq.sampling<>} : tensor<2x32000xf32> -> tensor<2xi32>
func.func @sample(%logits: tensor<2x32000xf32>, %seed: i64, %step: i64) -> (tensor<2xi32>, tensor<2xi32>) {
  %a = seq.sample %logits seed(%seed) counter(%step) {sampling = #seq.sampling<temperature = 0.8, top_k = 50, top_p = 0.9>} : tensor<2x32000xf32> -> tensor<2xi32>
  %b = seq.sample %logits seed(%seed) counter(%step) {sampling = #seq.sampling<>} : tensor<2x32000xf32> -> tensor<2xi32>
  return %a, %b : tensor<2xi32>, tensor<2xi32>
}

// -----

// CHECK-LABEL: func @decode_loop
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = seq.decode_loop first(%{{.*}} : tensor<2xi32>) positions(%{{.*}} : tensor<2xi32>) seed(%{{.*}}) init(%{{.*}} : tensor<2x16xf32>) {eos_token_ids = array<i64: 2, 7>, max_new_tokens = 8 : i64, pad_token_id = 2 : i64, sampling = #seq.sampling<temperature = 1.000000e+00>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x16xf32> {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x1xi32>, %{{.*}}: tensor<2x1xi32>, %{{.*}}: tensor<2x16xf32>):
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<2x1x100xf32>, tensor<2x16xf32>
func.func @decode_loop(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %s0: tensor<2x16xf32>, %table: tensor<100x16xf32>, %head: tensor<100x16xf32>) -> (tensor<2x8xi32>, tensor<2xi32>) {
  %toks, %n, %sf = seq.decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed) init(%s0 : tensor<2x16xf32>)
      {max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2, 7>, pad_token_id = 2 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x16xf32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %s: tensor<2x16xf32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<2x1xi32> -> tensor<2x1x16xf32>
    %l = seq.linear %e, %head : tensor<2x1x16xf32>, tensor<100x16xf32> -> tensor<2x1x100xf32>
    seq.yield %l, %s : tensor<2x1x100xf32>, tensor<2x16xf32>
  }
  return %toks, %n : tensor<2x8xi32>, tensor<2xi32>
}

// -----

// CHECK: seq.parameter @wq "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
// CHECK-LABEL: func @model_ops
// CHECK: %[[W:.*]] = seq.get_parameter @wq : tensor<64x64xbf16>
// CHECK: seq.embedding %{{.*}}, %{{.*}} : tensor<100x64xbf16>, tensor<1x4xi32> -> tensor<1x4x64xbf16>
// CHECK: seq.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : tensor<1x4x64xbf16>, tensor<64xbf16>
// CHECK: seq.layer_norm %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<64xbf16>) : tensor<1x4x64xbf16>, tensor<64xbf16>
// CHECK: seq.linear %{{.*}}, %[[W]] bias(%{{.*}} : tensor<64xbf16>) : tensor<1x4x64xbf16>, tensor<64x64xbf16> -> tensor<1x4x64xbf16>
// CHECK: seq.swiglu %{{.*}}, %{{.*}} : tensor<1x4x64xbf16>
// CHECK: seq.gelu %{{.*}} approximate : tensor<1x4x64xbf16>
// CHECK: seq.rope %{{.*}}, %{{.*}} {rotary_dim = 8 : i64, style = #seq.rope_style<gptj>, theta = 5.000000e+05 : f32} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
// CHECK: seq.rope %{{.*}}, %{{.*}} {inv_freq = array<f32: 5.000000e-01, 2.500000e-01, 1.250000e-01, 6.250000e-02>, rotary_dim = 8 : i64} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
// CHECK: seq.rope %{{.*}}, %{{.*}} {ntk_factor = 2.000000e+00 : f32, ntk_max_positions = 4096 : i64} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
module {
  seq.parameter @wq "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
  func.func @model_ops(%table: tensor<100x64xbf16>, %ids: tensor<1x4xi32>, %g: tensor<64xbf16>, %b: tensor<64xbf16>, %qh: tensor<1x4x4x16xbf16>, %pos: tensor<1x4xi32>) -> (tensor<1x4x64xbf16>, tensor<1x4x4x16xbf16>) {
    %w = seq.get_parameter @wq : tensor<64x64xbf16>
    %x = seq.embedding %table, %ids : tensor<100x64xbf16>, tensor<1x4xi32> -> tensor<1x4x64xbf16>
    %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : tensor<1x4x64xbf16>, tensor<64xbf16>
    %l = seq.layer_norm %n, %g bias(%b : tensor<64xbf16>) : tensor<1x4x64xbf16>, tensor<64xbf16>
    %y = seq.linear %l, %w bias(%b : tensor<64xbf16>) : tensor<1x4x64xbf16>, tensor<64x64xbf16> -> tensor<1x4x64xbf16>
    %s = seq.swiglu %y, %l : tensor<1x4x64xbf16>
    %h = seq.gelu %s approximate : tensor<1x4x64xbf16>
    %r0 = seq.rope %qh, %pos {theta = 500000.0 : f32, style = #seq.rope_style<gptj>, rotary_dim = 8 : i64} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
    %r1 = seq.rope %r0, %pos {rotary_dim = 8 : i64, inv_freq = array<f32: 0.5, 0.25, 0.125, 0.0625>} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
    %r = seq.rope %r1, %pos {ntk_factor = 2.0 : f32, ntk_max_positions = 4096} : tensor<1x4x4x16xbf16>, tensor<1x4xi32>
    return %h, %r : tensor<1x4x64xbf16>, tensor<1x4x4x16xbf16>
  }
}

// -----

// CHECK-LABEL: func @moe_experts_shared
// CHECK: seq.moe_experts %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} up(%{{.*}} : tensor<4x16x8xf32>) down(%{{.*}} : tensor<4x8x16xf32>) shared_up(%{{.*}} : tensor<32x8xf32>) shared_down(%{{.*}} : tensor<8x32xf32>) {activation = #seq.ffn_activation<gelu>}
func.func @moe_experts_shared(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %su: tensor<32x8xf32>, %sd: tensor<8x32xf32>) -> tensor<6x8xf32> {
  %y = seq.moe_experts %x, %w, %p, %o up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) shared_up(%su : tensor<32x8xf32>) shared_down(%sd : tensor<8x32xf32>) {activation = #seq.ffn_activation<gelu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// Block-quantized weights: a q4_1 projection with bias and a q8_0 table that
// is both the embedding and the tied LM head.
// CHECK: seq.parameter @embd "token_embd.weight" {quant = #seq.quant_format<q8_0>} : tensor<100x102xi8>
// CHECK: seq.parameter @wq "blk.0.attn_q.weight" {quant = #seq.quant_format<q4_1>} : tensor<64x60xi8>
// CHECK-LABEL: func @quantized_ops
// CHECK: %[[E:.*]] = seq.get_parameter @embd : tensor<100x102xi8>
// CHECK: %[[W:.*]] = seq.get_parameter @wq : tensor<64x60xi8>
// CHECK: %[[X:.*]] = seq.quantized_embedding %[[E]], %{{.*}} {format = #seq.quant_format<q8_0>} : tensor<100x102xi8>, tensor<1x4xi32> -> tensor<1x4x96xf32>
// CHECK: %[[Q:.*]] = seq.quantized_linear %[[X]], %[[W]] bias(%{{.*}} : tensor<64xf32>) {format = #seq.quant_format<q4_1>} : tensor<1x4x96xf32>, tensor<64x60xi8> -> tensor<1x4x64xf32>
// CHECK: seq.quantized_linear %[[X]], %[[E]] {format = #seq.quant_format<q8_0>} : tensor<1x4x96xf32>, tensor<100x102xi8> -> tensor<1x4x100xf32>
// CHECK: seq.quantized_linear %{{.*}}, %{{.*}} {format = #seq.quant_format<q4_0>} : tensor<?x32xf32>, tensor<?x18xi8> -> tensor<?x?xf32>
module {
  seq.parameter @embd "token_embd.weight" {quant = #seq.quant_format<q8_0>} : tensor<100x102xi8>
  seq.parameter @wq "blk.0.attn_q.weight" {quant = #seq.quant_format<q4_1>} : tensor<64x60xi8>
  func.func @quantized_ops(%ids: tensor<1x4xi32>, %b: tensor<64xf32>, %xd: tensor<?x32xf32>, %wd: tensor<?x18xi8>) -> (tensor<1x4x64xf32>, tensor<1x4x100xf32>, tensor<?x?xf32>) {
    %e = seq.get_parameter @embd : tensor<100x102xi8>
    %w = seq.get_parameter @wq : tensor<64x60xi8>
    %x = seq.quantized_embedding %e, %ids {format = #seq.quant_format<q8_0>} : tensor<100x102xi8>, tensor<1x4xi32> -> tensor<1x4x96xf32>
    %q = seq.quantized_linear %x, %w bias(%b : tensor<64xf32>) {format = #seq.quant_format<q4_1>} : tensor<1x4x96xf32>, tensor<64x60xi8> -> tensor<1x4x64xf32>
    %logits = seq.quantized_linear %x, %e {format = #seq.quant_format<q8_0>} : tensor<1x4x96xf32>, tensor<100x102xi8> -> tensor<1x4x100xf32>
    %d = seq.quantized_linear %xd, %wd {format = #seq.quant_format<q4_0>} : tensor<?x32xf32>, tensor<?x18xi8> -> tensor<?x?xf32>
    return %q, %logits, %d : tensor<1x4x64xf32>, tensor<1x4x100xf32>, tensor<?x?xf32>
  }
}

// -----

// A parameter stacked at bind time from per-expert checkpoint tensors.
// CHECK: seq.parameter @w1 "model.layers.0.block_sparse_moe.experts.w1.weight" {parts = ["model.layers.0.block_sparse_moe.experts.0.w1.weight", "model.layers.0.block_sparse_moe.experts.1.w1.weight"]} : tensor<2x6x4xf32>
module {
  seq.parameter @w1 "model.layers.0.block_sparse_moe.experts.w1.weight" {parts = ["model.layers.0.block_sparse_moe.experts.0.w1.weight", "model.layers.0.block_sparse_moe.experts.1.w1.weight"]} : tensor<2x6x4xf32>
}

// -----

// K-quant super-blocks (256 elements): a q6_k table and a q4_k projection.
// CHECK-LABEL: func @k_quant_ops
// CHECK: seq.quantized_embedding %{{.*}}, %{{.*}} {format = #seq.quant_format<q6_k>} : tensor<10x420xi8>, tensor<3xi32> -> tensor<3x512xf32>
// CHECK: seq.quantized_linear %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<5xf32>) {format = #seq.quant_format<q4_k>} : tensor<3x512xf32>, tensor<5x288xi8> -> tensor<3x5xf32>
func.func @k_quant_ops(%t: tensor<10x420xi8>, %ids: tensor<3xi32>, %w: tensor<5x288xi8>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  %x = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q6_k>} : tensor<10x420xi8>, tensor<3xi32> -> tensor<3x512xf32>
  %y = seq.quantized_linear %x, %w bias(%b : tensor<5xf32>) {format = #seq.quant_format<q4_k>} : tensor<3x512xf32>, tensor<5x288xi8> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Half-precision weights (blocks of one 2-byte value): an f16 table and a
// bf16 projection, packed as their raw bytes [N, 2K].
// CHECK: seq.parameter @wh "blk.0.ffn_down.weight" {quant = #seq.quant_format<bf16>} : tensor<5x1024xi8>
// CHECK-LABEL: func @half_ops
// CHECK: seq.quantized_embedding %{{.*}}, %{{.*}} {format = #seq.quant_format<f16>} : tensor<10x1024xi8>, tensor<3xi32> -> tensor<3x512xf32>
// CHECK: seq.quantized_linear %{{.*}}, %{{.*}} {format = #seq.quant_format<bf16>} : tensor<3x512xf32>, tensor<5x1024xi8> -> tensor<3x5xf32>
module {
  seq.parameter @wh "blk.0.ffn_down.weight" {quant = #seq.quant_format<bf16>} : tensor<5x1024xi8>
  func.func @half_ops(%t: tensor<10x1024xi8>, %ids: tensor<3xi32>) -> tensor<3x5xf32> {
    %w = seq.get_parameter @wh : tensor<5x1024xi8>
    %x = seq.quantized_embedding %t, %ids {format = #seq.quant_format<f16>} : tensor<10x1024xi8>, tensor<3xi32> -> tensor<3x512xf32>
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<bf16>} : tensor<3x512xf32>, tensor<5x1024xi8> -> tensor<3x5xf32>
    return %y : tensor<3x5xf32>
  }
}

// -----

// CHECK-LABEL: func @causal_conv1d_decode
// CHECK: %{{.*}}, %{{.*}} = seq.causal_conv1d %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<64xf32>) state(%{{.*}} : tensor<2x3x64xf32>) silu : tensor<2x1x64xf32>, tensor<64x4xf32> -> tensor<2x1x64xf32>, tensor<2x3x64xf32>
func.func @causal_conv1d_decode(%x: tensor<2x1x64xf32>, %w: tensor<64x4xf32>, %b: tensor<64xf32>, %s: tensor<2x3x64xf32>) -> (tensor<2x1x64xf32>, tensor<2x3x64xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<64xf32>) state(%s : tensor<2x3x64xf32>) silu : tensor<2x1x64xf32>, tensor<64x4xf32> -> tensor<2x1x64xf32>, tensor<2x3x64xf32>
  return %y, %s1 : tensor<2x1x64xf32>, tensor<2x3x64xf32>
}

// -----

// CHECK-LABEL: func @causal_conv1d_prefill
// CHECK: seq.causal_conv1d %{{.*}}, %{{.*}} : tensor<1x?x24xbf16>, tensor<24x1xbf16> -> tensor<1x?x24xbf16>, tensor<1x0x24xbf16>
func.func @causal_conv1d_prefill(%x: tensor<1x?x24xbf16>, %w: tensor<24x1xbf16>) -> (tensor<1x?x24xbf16>, tensor<1x0x24xbf16>) {
  %y, %s = seq.causal_conv1d %x, %w : tensor<1x?x24xbf16>, tensor<24x1xbf16> -> tensor<1x?x24xbf16>, tensor<1x0x24xbf16>
  return %y, %s : tensor<1x?x24xbf16>, tensor<1x0x24xbf16>
}
