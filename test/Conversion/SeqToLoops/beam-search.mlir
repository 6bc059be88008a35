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

// Paged caches (block_table = 2, paged_caches = [0, 1]): no gather of the
// pools (no tensor.empty of their type); at entry the prompt's blocks of
// beam 0's rows are counted and the other blocks pushed on the free list;
// after each step the table rows are permuted (ceildivui: the blocks an
// old row holds), fresh tail blocks popped from the free list, and each
// pool copied on write by an extract_slice / insert_slice of the tail's
// filled slots ([1, 2, ?, 8]); the body sees the table through a
// tensor.generate of the loop's own copy.
// CHECK-LABEL: func @beam_paged
// CHECK-NOT: tensor.empty() : tensor<24x2x4x8xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK: arith.ceildivui
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0, 0] [1, 2, %{{.*}}, 8] [1, 1, 1, 1] : tensor<24x2x4x8xf32> to tensor<1x2x?x8xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, 0, 0] [1, 2, %{{.*}}, 8] [1, 1, 1, 1] : tensor<1x2x?x8xf32> into tensor<24x2x4x8xf32>
// CHECK: tensor.generate
// CHECK: scf.for
// CHECK: scf.if
// CHECK: tensor.extract_slice %{{.*}} : tensor<24x2x4x8xf32> to tensor<1x2x?x8xf32>
// CHECK-NOT: tensor.empty() : tensor<24x2x4x8xf32>
// CHECK-NOT: {{(= |^ *)seq\.}}
func.func @beam_paged(%lg: tensor<2x100xf32>, %pos: tensor<2xi32>, %kp0: tensor<24x2x4x8xf32>, %vp0: tensor<24x2x4x8xf32>, %bt0: tensor<4x4xi32>, %step: tensor<4x1x100xf32>) -> (tensor<2x2x8xi32>, tensor<2x2xf32>, tensor<2x2xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%lg : tensor<2x100xf32>) positions(%pos : tensor<2xi32>) init(%kp0, %vp0, %bt0 : tensor<24x2x4x8xf32>, tensor<24x2x4x8xf32>, tensor<4x4xi32>)
      {num_beams = 2 : i64, max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2>, block_table = 2 : i64, paged_caches = array<i64: 0, 1>}
      -> tensor<2x2x8xi32>, tensor<2x2xf32>, tensor<2x2xi32> {
  ^bb0(%t: tensor<4x1xi32>, %p: tensor<4x1xi32>, %kp: tensor<24x2x4x8xf32>, %vp: tensor<24x2x4x8xf32>, %bt: tensor<4x4xi32>):
    seq.yield %step, %kp, %vp, %bt : tensor<4x1x100xf32>, tensor<24x2x4x8xf32>, tensor<24x2x4x8xf32>, tensor<4x4xi32>
  }
  return %seqs, %scores, %lens : tensor<2x2x8xi32>, tensor<2x2xf32>, tensor<2x2xi32>
}
