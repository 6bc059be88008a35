// RUN: seqc-opt %s -split-input-file | seqc-opt -split-input-file | FileCheck %s

// MoE blocks of the common model families, composed from the seq MoE ops.

// Mixtral: softmax over 8 experts, top-2, renormalised, SwiGLU experts.
// CHECK-LABEL: func @mixtral_block
// CHECK: seq.moe_route
// CHECK: seq.moe_dispatch
// CHECK: seq.moe_experts {{.*}} {activation = #seq.ffn_activation<swiglu>}
func.func @mixtral_block(%x: tensor<?x64xf32>, %wr: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %logits = seq.linear %x, %wr : tensor<?x64xf32>, tensor<8x64xf32> -> tensor<?x8xf32>
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize} : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 8 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<9xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<9xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// DeepSeek-V3: sigmoid scores with a selection bias, 16 experts in 4 groups
// (top-2 groups), top-4, normalised and scaled; an always-on shared expert
// is a dense SwiGLU FFN added to the routed output.
// CHECK-LABEL: func @deepseek_block
// CHECK: seq.moe_route {{.*}} bias({{.*}}) {{{.*}}scoring = #seq.router_scoring<sigmoid>
// CHECK: seq.moe_experts
// CHECK: seq.swiglu
// CHECK: arith.addf
func.func @deepseek_block(%x: tensor<32x64xf32>, %wr: tensor<16x64xf32>, %bias: tensor<16xf32>, %wg: tensor<16x32x64xf32>, %wu: tensor<16x32x64xf32>, %wd: tensor<16x64x32xf32>, %sg: tensor<64x64xf32>, %su: tensor<64x64xf32>, %sd: tensor<64x64xf32>) -> tensor<32x64xf32> {
  %logits = seq.linear %x, %wr : tensor<32x64xf32>, tensor<16x64xf32> -> tensor<32x16xf32>
  %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>) {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize, num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32} : tensor<32x16xf32> -> tensor<32x4xf32>, tensor<32x4xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 16 : i64} : tensor<32x4xi32> -> tensor<128xi32>, tensor<17xi32>
  %routed = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<16x32x64xf32>) up(%wu : tensor<16x32x64xf32>) down(%wd : tensor<16x64x32xf32>) {activation = #seq.ffn_activation<swiglu>} : tensor<32x64xf32>, tensor<32x4xf32>, tensor<128xi32>, tensor<17xi32> -> tensor<32x64xf32>
  %g = seq.linear %x, %sg : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %u = seq.linear %x, %su : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %a = seq.swiglu %g, %u : tensor<32x64xf32>
  %shared = seq.linear %a, %sd : tensor<32x64xf32>, tensor<64x64xf32> -> tensor<32x64xf32>
  %y = arith.addf %routed, %shared : tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}

// -----

// Switch-style top-1 with a capacity factor: over-capacity slots are
// dropped (they sit after expert_offsets[E] and contribute nothing).
// CHECK-LABEL: func @capacity_top1
// CHECK: seq.moe_dispatch {{.*}} {capacity_factor = 1.000000e+00 : f32, num_experts = 4 : i64}
// CHECK: seq.grouped_matmul
func.func @capacity_top1(%x: tensor<16x32xf32>, %logits: tensor<16x4xf32>, %w1: tensor<4x64x32xf32>) -> tensor<16x64xf32> {
  %w, %e = seq.moe_route %logits {top_k = 1 : i64, scoring = #seq.router_scoring<softmax>} : tensor<16x4xf32> -> tensor<16x1xf32>, tensor<16x1xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 4 : i64, capacity_factor = 1.0 : f32} : tensor<16x1xi32> -> tensor<16xi32>, tensor<5xi32>
  // Rows gathered in dispatch order feed the grouped matmul.
  %rows = tensor.empty() : tensor<16x32xf32>
  %gathered = linalg.generic {indexing_maps = [affine_map<(r, k) -> (r)>, affine_map<(r, k) -> (r, k)>], iterator_types = ["parallel", "parallel"]}
      ins(%perm : tensor<16xi32>) outs(%rows : tensor<16x32xf32>) {
  ^bb0(%slot: i32, %o: f32):
    %t = arith.index_cast %slot : i32 to index
    %k = linalg.index 1 : index
    %v = tensor.extract %x[%t, %k] : tensor<16x32xf32>
    linalg.yield %v : f32
  } -> tensor<16x32xf32>
  %h = seq.grouped_matmul %gathered, %w1, %off : tensor<16x32xf32>, tensor<4x64x32xf32>, tensor<5xi32> -> tensor<16x64xf32>
  return %h : tensor<16x64xf32>
}
