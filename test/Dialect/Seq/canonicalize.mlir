// RUN: seqc-opt %s -split-input-file -canonicalize | FileCheck %s

// With one query row, causal masks nothing the KV length does not.
// CHECK-LABEL: func @decode_drops_causal
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%{{.*}} : tensor<2xi32>) :
func.func @decode_drops_causal(%q: tensor<2x8x1x64xf32>, %k: tensor<2x2x512x64xf32>, %v: tensor<2x2x512x64xf32>, %len: tensor<2xi32>) -> tensor<2x8x1x64xf32> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) causal : tensor<2x8x1x64xf32>, tensor<2x2x512x64xf32>, tensor<2x2x512x64xf32> -> tensor<2x8x1x64xf32>
  return %o : tensor<2x8x1x64xf32>
}

// -----

// Prefill keeps causal.
// CHECK-LABEL: func @prefill_keeps_causal
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal :
func.func @prefill_keeps_causal(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  %o = seq.attention %q, %k, %v causal : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32> -> tensor<1x4x16x64xf32>
  return %o : tensor<1x4x16x64xf32>
}

// -----

// A window at least as long as the keys masks nothing; a shorter one stays.
// CHECK-LABEL: func @window_vs_kv_length
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal :
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal window(15) :
func.func @window_vs_kv_length(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>) -> (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) {
  %a = seq.attention %q, %k, %v causal window(16) : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32> -> tensor<1x4x16x64xf32>
  %b = seq.attention %q, %k, %v causal window(15) : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32> -> tensor<1x4x16x64xf32>
  return %a, %b : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
}

// -----

// Paged: the logical KV length is MaxBlocks * BlockSize = 4 * 16 = 64.
// CHECK-LABEL: func @paged_window
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%{{.*}} : tensor<1xi32>) block_table(%{{.*}} : tensor<1x4xi32>) :
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%{{.*}} : tensor<1xi32>) block_table(%{{.*}} : tensor<1x4xi32>) window(63) :
func.func @paged_window(%q: tensor<1x4x2x8xf32>, %k: tensor<32x4x16x8xf32>, %v: tensor<32x4x16x8xf32>, %len: tensor<1xi32>, %bt: tensor<1x4xi32>) -> (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) {
  %a = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>) block_table(%bt : tensor<1x4xi32>) window(64) : tensor<1x4x2x8xf32>, tensor<32x4x16x8xf32>, tensor<32x4x16x8xf32> -> tensor<1x4x2x8xf32>
  %b = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>) block_table(%bt : tensor<1x4xi32>) window(63) : tensor<1x4x2x8xf32>, tensor<32x4x16x8xf32>, tensor<32x4x16x8xf32> -> tensor<1x4x2x8xf32>
  return %a, %b : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>
}

// -----

// scale(1/sqrt(64)) is the default and is dropped; another scale stays.
// CHECK-LABEL: func @default_scale
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} scale(2.500000e-01) :
func.func @default_scale(%q: tensor<1x1x4x64xf32>, %k: tensor<1x1x4x64xf32>, %v: tensor<1x1x4x64xf32>) -> (tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32>) {
  %a = seq.attention %q, %k, %v scale(0.125) : tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32> -> tensor<1x1x4x64xf32>
  %b = seq.attention %q, %k, %v scale(0.25) : tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32> -> tensor<1x1x4x64xf32>
  return %a, %b : tensor<1x1x4x64xf32>, tensor<1x1x4x64xf32>
}

// -----

// Regions that change nothing are erased; ones that do are kept.
// CHECK-LABEL: func @trivial_regions
// CHECK: %[[A:.*]] = seq.attention %{{.*}}, %{{.*}}, %{{.*}} causal :
// CHECK: %[[B:.*]] = seq.attention %{{.*}}, %{{.*}}, %{{.*}} score_mod {
// CHECK: arith.mulf
// CHECK-NOT: mask_mod
// CHECK: return %[[A]], %[[B]]
func.func @trivial_regions(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) {
  %a = seq.attention %q, %k, %v causal score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    seq.yield %s : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %t = arith.constant true
    seq.yield %t : i1
  } : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %b2 = seq.attention %q, %k, %v score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %r = arith.mulf %s, %s : f32
    seq.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %t = arith.constant true
    seq.yield %t : i1
  } : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %a, %b2 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>
}

// -----

// Unused attention (pure regions) is dead code.
// CHECK-LABEL: func @dead_attention
// CHECK-NOT: seq.attention
func.func @dead_attention(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  %a = seq.attention %q, %k, %v causal : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----

// softmax + normalize == top-k of logits then softmax over the k.
// CHECK-LABEL: func @route_normalized_softmax
// CHECK: seq.moe_route %{{.*}} {scoring = #seq.router_scoring<topk_softmax>, top_k = 2 : i64}
// CHECK: seq.moe_route %{{.*}} {scoring = #seq.router_scoring<softmax>, top_k = 2 : i64}
// CHECK: seq.moe_route %{{.*}} {scoring = #seq.router_scoring<topk_softmax>, top_k = 2 : i64}
func.func @route_normalized_softmax(%l: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %w, %e = seq.moe_route %l {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  %w2, %e2 = seq.moe_route %l {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  %w3, %e3 = seq.moe_route %l {top_k = 2 : i64, scoring = #seq.router_scoring<topk_softmax>, normalize} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return %w, %w2, %w3 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Grouped routing keeps its scoring: group selection happens on full scores.
// CHECK-LABEL: func @route_grouped_kept
// CHECK: seq.moe_route %{{.*}} {normalize, num_groups = 2 : i64, scoring = #seq.router_scoring<softmax>, top_k = 2 : i64, topk_groups = 1 : i64}
func.func @route_grouped_kept(%l: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w, %e = seq.moe_route %l {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize, num_groups = 2 : i64, topk_groups = 1 : i64} : tensor<4x8xf32> -> tensor<4x2xf32>, tensor<4x2xi32>
  return %w : tensor<4x2xf32>
}

// -----

// Sampling from the top-1 token is greedy.
// CHECK-LABEL: func @top_one_is_greedy
// CHECK: seq.sample %{{.*}} {sampling = #seq.sampling<>}
// CHECK: seq.sample %{{.*}} {sampling = #seq.sampling<temperature = 5.000000e-01, top_k = 2>}
func.func @top_one_is_greedy(%l: tensor<2x16xf32>, %seed: i64, %c: i64) -> (tensor<2xi32>, tensor<2xi32>) {
  %a = seq.sample %l seed(%seed) counter(%c) {sampling = #seq.sampling<temperature = 0.5, top_k = 1>} : tensor<2x16xf32> -> tensor<2xi32>
  %b = seq.sample %l seed(%seed) counter(%c) {sampling = #seq.sampling<temperature = 0.5, top_k = 2>} : tensor<2x16xf32> -> tensor<2xi32>
  return %a, %b : tensor<2xi32>, tensor<2xi32>
}

// -----

// rotary_dim equal to the head dim is the default.
// CHECK-LABEL: func @full_rotary_dim
// CHECK: seq.rope %{{.*}}, %{{.*}} :
// CHECK: seq.rope %{{.*}}, %{{.*}} {rotary_dim = 8 : i64} :
func.func @full_rotary_dim(%x: tensor<1x2x4x16xf32>, %p: tensor<1x4xi32>) -> (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) {
  %a = seq.rope %x, %p {rotary_dim = 16 : i64} : tensor<1x2x4x16xf32>, tensor<1x4xi32>
  %b = seq.rope %x, %p {rotary_dim = 8 : i64} : tensor<1x2x4x16xf32>, tensor<1x4xi32>
  return %a, %b : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>
}

// -----

// An always-on shared expert (a dense SwiGLU FFN of the MoE input) added to
// the routed output folds into moe_experts' shared-expert operands.
// CHECK-LABEL: func @fold_shared_expert
// CHECK: %[[Y:.*]] = seq.moe_experts %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} gate(%{{.*}} : tensor<4x16x8xf32>) up(%{{.*}} : tensor<4x16x8xf32>) down(%{{.*}} : tensor<4x8x16xf32>) shared_gate(%{{.*}} : tensor<32x8xf32>) shared_up(%{{.*}} : tensor<32x8xf32>) shared_down(%{{.*}} : tensor<8x32xf32>)
// CHECK-NOT: seq.linear
// CHECK-NOT: arith.addf
// CHECK: return %[[Y]]
func.func @fold_shared_expert(%x: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wg: tensor<4x16x8xf32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %sg: tensor<32x8xf32>, %su: tensor<32x8xf32>, %sd: tensor<8x32xf32>) -> tensor<6x8xf32> {
  %r = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<4x16x8xf32>) up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  %g = seq.linear %x, %sg : tensor<6x8xf32>, tensor<32x8xf32> -> tensor<6x32xf32>
  %u = seq.linear %x, %su : tensor<6x8xf32>, tensor<32x8xf32> -> tensor<6x32xf32>
  %a = seq.swiglu %g, %u : tensor<6x32xf32>
  %s = seq.linear %a, %sd : tensor<6x32xf32>, tensor<8x32xf32> -> tensor<6x8xf32>
  %y = arith.addf %s, %r : tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// A dense FFN of another input is not a shared expert: nothing folds.
// CHECK-LABEL: func @other_input_not_folded
// CHECK: seq.moe_experts
// CHECK-NOT: shared_up
// CHECK: arith.addf
func.func @other_input_not_folded(%x: tensor<6x8xf32>, %z: tensor<6x8xf32>, %w: tensor<6x2xf32>, %p: tensor<12xi32>, %o: tensor<5xi32>, %wg: tensor<4x16x8xf32>, %wu: tensor<4x16x8xf32>, %wd: tensor<4x8x16xf32>, %sg: tensor<32x8xf32>, %su: tensor<32x8xf32>, %sd: tensor<8x32xf32>) -> tensor<6x8xf32> {
  %r = seq.moe_experts %x, %w, %p, %o gate(%wg : tensor<4x16x8xf32>) up(%wu : tensor<4x16x8xf32>) down(%wd : tensor<4x8x16xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<6x8xf32>, tensor<6x2xf32>, tensor<12xi32>, tensor<5xi32> -> tensor<6x8xf32>
  %g = seq.linear %z, %sg : tensor<6x8xf32>, tensor<32x8xf32> -> tensor<6x32xf32>
  %u = seq.linear %z, %su : tensor<6x8xf32>, tensor<32x8xf32> -> tensor<6x32xf32>
  %a = seq.swiglu %g, %u : tensor<6x32xf32>
  %s = seq.linear %a, %sd : tensor<6x32xf32>, tensor<8x32xf32> -> tensor<6x8xf32>
  %y = arith.addf %r, %s : tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}
