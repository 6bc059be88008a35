// RUN: seqc-opt %s -split-input-file | seqc-opt -split-input-file | FileCheck %s
// RUN: seqc-opt %s -split-input-file -mlir-print-op-generic | seqc-opt -split-input-file | FileCheck %s

// Round trip of seq.speculative_decode_loop in the custom and the generic
// form: a draft with a recurrent state, a verify region with a KV cache
// (same type) and a recurrent state (per step, [B, K + 1, ...]).

// CHECK-LABEL: func @speculative
// CHECK: seq.speculative_decode_loop first(%{{.*}} : tensor<2xi32>) positions(%{{.*}} : tensor<2xi32>) seed(%{{.*}}) draft_init(%{{.*}} : tensor<2x16xf32>) verify_init(%{{.*}}, %{{.*}} : tensor<2x2x64x8xf32>, tensor<2x16xf32>) {counter_offset = 1 : i64, eos_token_ids = array<i64: 2>, max_new_tokens = 8 : i64, num_speculative_tokens = 3 : i64, sampling = #seq.sampling<temperature = 1.000000e+00>} -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x16xf32>) verify_final(tensor<2x2x64x8xf32>, tensor<2x16xf32>) draft {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x1xi32>, %{{.*}}: tensor<2x1xi32>, %{{.*}}: tensor<2x16xf32>):
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<2x1x100xf32>, tensor<2x16xf32>
// CHECK: } verify {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x4xi32>, %{{.*}}: tensor<2x4xi32>, %{{.*}}: tensor<2x2x64x8xf32>, %{{.*}}: tensor<2x16xf32>):
// CHECK: seq.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x100xf32>, tensor<2x2x64x8xf32>, tensor<2x4x16xf32>
func.func @speculative(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x16xf32>, %kv: tensor<2x2x64x8xf32>, %dl: tensor<2x1x100xf32>, %vl: tensor<2x4x100xf32>, %hs: tensor<2x4x16xf32>) -> (tensor<2x8xi32>, tensor<2xi32>) {
  %toks, %n, %steps, %acc, %hd, %kf, %hf = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x16xf32>) verify_init(%kv, %h0 : tensor<2x2x64x8xf32>, tensor<2x16xf32>)
      {num_speculative_tokens = 3 : i64, max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2>, counter_offset = 1 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
         draft_final(tensor<2x16xf32>) verify_final(tensor<2x2x64x8xf32>, tensor<2x16xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x16xf32>):
    seq.yield %dl, %h : tensor<2x1x100xf32>, tensor<2x16xf32>
  } verify {
  ^bb0(%t: tensor<2x4xi32>, %p: tensor<2x4xi32>, %k: tensor<2x2x64x8xf32>, %h: tensor<2x16xf32>):
    seq.yield %vl, %k, %hs : tensor<2x4x100xf32>, tensor<2x2x64x8xf32>, tensor<2x4x16xf32>
  }
  return %toks, %n : tensor<2x8xi32>, tensor<2xi32>
}

// -----

// Without state (a stateless draft and target).
// CHECK-LABEL: func @speculative_stateless
// CHECK: seq.speculative_decode_loop first(%{{.*}} : tensor<1xi32>) positions(%{{.*}} : tensor<1xi32>) seed(%{{.*}}) {max_new_tokens = 4 : i64, num_speculative_tokens = 1 : i64, sampling = #seq.sampling<>} -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> draft {
func.func @speculative_stateless(%tok: tensor<1xi32>, %pos: tensor<1xi32>, %seed: i64, %dl: tensor<1x1x10xf32>, %vl: tensor<1x2x10xf32>) -> tensor<1x4xi32> {
  %toks, %n, %steps, %acc = seq.speculative_decode_loop first(%tok : tensor<1xi32>) positions(%pos : tensor<1xi32>) seed(%seed)
      {num_speculative_tokens = 1 : i64, max_new_tokens = 4 : i64, sampling = #seq.sampling<>}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
  draft {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>):
    seq.yield %dl : tensor<1x1x10xf32>
  } verify {
  ^bb0(%t: tensor<1x2xi32>, %p: tensor<1x2xi32>):
    seq.yield %vl : tensor<1x2x10xf32>
  }
  return %toks : tensor<1x4xi32>
}

// -----

// CHECK-LABEL: func @ngram_draft
// CHECK: seq.ngram_draft %{{.*}} lengths(%{{.*}}) {ngram_size = 3 : i64} : tensor<2x128xi32>, tensor<2xi32> -> tensor<2xi32>
func.func @ngram_draft(%h: tensor<2x128xi32>, %n: tensor<2xi32>) -> tensor<2xi32> {
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 3 : i64} : tensor<2x128xi32>, tensor<2xi32> -> tensor<2xi32>
  return %d : tensor<2xi32>
}

// -----

// Sampling with top-k and top-p, and adaptive K: the adaptive_k attribute
// with the num_drafted result, `drafted(...)` after the counters.
// CHECK-LABEL: func @speculative_filtered_adaptive
// CHECK: seq.speculative_decode_loop {{.*}}{adaptive_k, max_new_tokens = 4 : i64, num_speculative_tokens = 2 : i64, sampling = #seq.sampling<temperature = 8.000000e-01, top_k = 5, top_p = 0.899999976>} -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> drafted(tensor<1xi32>) draft {
func.func @speculative_filtered_adaptive(%tok: tensor<1xi32>, %pos: tensor<1xi32>, %seed: i64, %dl: tensor<1x1x10xf32>, %vl: tensor<1x3x10xf32>) -> tensor<1x4xi32> {
  %toks, %n, %steps, %acc, %drafted = seq.speculative_decode_loop first(%tok : tensor<1xi32>) positions(%pos : tensor<1xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 4 : i64, sampling = #seq.sampling<temperature = 0.8, top_k = 5, top_p = 0.9>, adaptive_k}
      -> tensor<1x4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> drafted(tensor<1xi32>)
  draft {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>):
    seq.yield %dl : tensor<1x1x10xf32>
  } verify {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>):
    seq.yield %vl : tensor<1x3x10xf32>
  }
  return %toks : tensor<1x4xi32>
}
