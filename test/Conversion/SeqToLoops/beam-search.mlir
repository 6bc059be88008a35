// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// seq.beam_search_loop: step 0 from the first logits (log_softmax: the
// math.log of the exp sum), the state gathered on dim 0 into a fresh tensor
// by the parents' rows, then an scf.for over steps 1.. behind the stop flag
// (scf.if) with the body inlined, the length penalty (math.powf in f64) and
// the gather again.
// CHECK-LABEL: func @beam
// CHECK-NOT: seq.beam_search_loop
// CHECK: math.log
// CHECK: tensor.empty() : tensor<6x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 16] [1, 1] : tensor<6x16xf32> to tensor<1x16xf32>
// CHECK: tensor.insert_slice
// CHECK: scf.for
// CHECK: scf.if
// CHECK: math.log
// CHECK: math.powf %{{.*}} : f64
// CHECK: tensor.empty() : tensor<6x16xf32>
// CHECK: tensor.insert_slice
// CHECK-NOT: {{(= |^ *)seq\.}}
func.func @beam(%lg: tensor<2x100xf32>, %pos: tensor<2xi32>, %s0: tensor<6x16xf32>, %table: tensor<100x16xf32>, %head: tensor<100x16xf32>) -> (tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%lg : tensor<2x100xf32>) positions(%pos : tensor<2xi32>) init(%s0 : tensor<6x16xf32>)
      {num_beams = 3 : i64, max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2>}
      -> tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<2x3xi32> {
  ^bb0(%t: tensor<6x1xi32>, %p: tensor<6x1xi32>, %s: tensor<6x16xf32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<6x1xi32> -> tensor<6x1x16xf32>
    %l = seq.linear %e, %head : tensor<6x1x16xf32>, tensor<100x16xf32> -> tensor<6x1x100xf32>
    seq.yield %l, %s : tensor<6x1x100xf32>, tensor<6x16xf32>
  }
  return %seqs, %scores, %lens : tensor<2x3x8xi32>, tensor<2x3xf32>, tensor<2x3xi32>
}
