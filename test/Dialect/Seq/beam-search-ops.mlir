// RUN: seqc-opt %s | seqc-opt | FileCheck %s

// seq.beam_search_loop round-trips; the defaults (length_penalty 1,
// early_stopping "false", pad 0, no EOS) are elided.

// CHECK-LABEL: func @beam_search
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = seq.beam_search_loop logits(%{{.*}} : tensor<2x100xf32>) positions(%{{.*}} : tensor<2xi32>) init(%{{.*}} : tensor<6x16xf32>) {early_stopping = "never", eos_token_ids = array<i64: 2, 7>, length_penalty = -5.000000e-01 : f64, max_new_tokens = 8 : i64, num_beams = 3 : i64, pad_token_id = 2 : i64} -> tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<2x3xi32> {
// CHECK-NEXT: ^bb0(%{{.*}}: tensor<6x1xi32>, %{{.*}}: tensor<6x1xi32>, %{{.*}}: tensor<6x16xf32>):
// CHECK: seq.yield %{{.*}}, %{{.*}} : tensor<6x1x100xf32>, tensor<6x16xf32>
// CHECK: = seq.beam_search_loop logits(%{{.*}} : tensor<?x100xf32>) positions(%{{.*}} : tensor<?xi32>) {max_new_tokens = 4 : i64, num_beams = 2 : i64} -> tensor<?x2x4xi32>, tensor<?x2xf32>, tensor<?x2xi32> {
func.func @beam_search(%lg: tensor<2x100xf32>, %pos: tensor<2xi32>, %s0: tensor<6x16xf32>, %table: tensor<100x16xf32>, %head: tensor<100x16xf32>, %dl: tensor<?x100xf32>, %dp: tensor<?xi32>) -> (tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<?x2x4xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%lg : tensor<2x100xf32>) positions(%pos : tensor<2xi32>) init(%s0 : tensor<6x16xf32>)
      {num_beams = 3 : i64, max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2, 7>, pad_token_id = 2 : i64, length_penalty = -0.5 : f64, early_stopping = "never"}
      -> tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<2x3xi32> {
  ^bb0(%t: tensor<6x1xi32>, %p: tensor<6x1xi32>, %s: tensor<6x16xf32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<6x1xi32> -> tensor<6x1x16xf32>
    %l = seq.linear %e, %head : tensor<6x1x16xf32>, tensor<100x16xf32> -> tensor<6x1x100xf32>
    seq.yield %l, %s : tensor<6x1x100xf32>, tensor<6x16xf32>
  }
  %ds, %dsc, %dn = seq.beam_search_loop logits(%dl : tensor<?x100xf32>) positions(%dp : tensor<?xi32>)
      {num_beams = 2 : i64, max_new_tokens = 4 : i64}
      -> tensor<?x2x4xi32>, tensor<?x2xf32>, tensor<?x2xi32> {
  ^bb0(%t: tensor<?x1xi32>, %p: tensor<?x1xi32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<?x1xi32> -> tensor<?x1x16xf32>
    %l = seq.linear %e, %head : tensor<?x1x16xf32>, tensor<100x16xf32> -> tensor<?x1x100xf32>
    seq.yield %l : tensor<?x1x100xf32>
  }
  return %seqs, %scores, %ds : tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<?x2x4xi32>
}

// The paged form: block_table names the state operand holding the table,
// paged_caches the caches read through it.
// CHECK-LABEL: func @beam_search_paged
// CHECK: seq.beam_search_loop logits(%{{.*}} : tensor<1x100xf32>) positions(%{{.*}} : tensor<1xi32>) init(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8x2x4x8xf32>, tensor<8x2x4x8xf32>, tensor<2x4xi32>) {block_table = 2 : i64, max_new_tokens = 6 : i64, num_beams = 2 : i64, paged_caches = array<i64: 0, 1>}
// CHECK: seq.yield %{{.*}}, %{{.*}}, %{{.*}}, %[[BT:.*]] : tensor<2x1x100xf32>, tensor<8x2x4x8xf32>, tensor<8x2x4x8xf32>, tensor<2x4xi32>
func.func @beam_search_paged(%lg: tensor<1x100xf32>, %pos: tensor<1xi32>, %kp0: tensor<8x2x4x8xf32>, %vp0: tensor<8x2x4x8xf32>, %bt0: tensor<2x4xi32>, %step: tensor<2x1x100xf32>) -> tensor<1x2x6xi32> {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%lg : tensor<1x100xf32>) positions(%pos : tensor<1xi32>) init(%kp0, %vp0, %bt0 : tensor<8x2x4x8xf32>, tensor<8x2x4x8xf32>, tensor<2x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 2 : i64, paged_caches = array<i64: 0, 1>}
      -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %kp: tensor<8x2x4x8xf32>, %vp: tensor<8x2x4x8xf32>, %bt: tensor<2x4xi32>):
    seq.yield %step, %kp, %vp, %bt : tensor<2x1x100xf32>, tensor<8x2x4x8xf32>, tensor<8x2x4x8xf32>, tensor<2x4xi32>
  }
  return %seqs : tensor<1x2x6xi32>
}
