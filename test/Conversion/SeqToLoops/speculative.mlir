// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s --check-prefix=NOSEQ
// No seq op is left (the check reports' seq.check_* attributes and
// messages may name one).
// NOSEQ-NOT: {{(= |^ *)seq\.}}

// The speculative loop: an scf.for over max_new_tokens verify steps
// carrying draft and verify state, under "some row still active"; per
// row, the draft state is chosen among the K + 1 = 3 per-call states (two
// selects) and the per-step verify state is taken at the accepted length
// (extract_slice of [1, 1, 8] from [2, 3, 8]); no seq op remains.
// CHECK-LABEL: func @speculative
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK: scf.if %{{.*}} -> (tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK-COUNT-2: arith.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8xf32>
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<1x8xf32>
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}, 0] [1, 1, 8] [1, 1, 1] : tensor<2x3x8xf32> to tensor<1x8xf32>
func.func @speculative(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %table: tensor<16x8xf32>, %hs: tensor<2x3x8xf32>, %vl: tensor<2x3x16xf32>) -> tensor<2x6xi32> {
  %toks, %n, %st, %acc, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 6 : i64, sampling = #seq.sampling<>}
      -> tensor<2x6xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    %l = seq.embedding %table, %t : tensor<16x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
    %l2 = tensor.cast %l : tensor<2x1x8xf32> to tensor<2x1x8xf32>
    %e = tensor.empty() : tensor<2x1x16xf32>
    %c = arith.constant 0.0 : f32
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<2x1x16xf32>) -> tensor<2x1x16xf32>
    %logits = tensor.insert_slice %l2 into %z[0, 0, 0] [2, 1, 8] [1, 1, 1] : tensor<2x1x8xf32> into tensor<2x1x16xf32>
    %h2 = arith.addf %h, %h : tensor<2x8xf32>
    seq.yield %logits, %h2 : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return %toks : tensor<2x6xi32>
}

// -----

// Adaptive K (the adaptive_k attribute): draft calls 2 and 3 (of K + 1 = 3)
// run under an scf.if on the largest draft length of the generating rows
// (the previous call's logits and state stand in otherwise); num_drafted
// is a buffer the step adds each active row's k to before adapting it.
// CHECK-LABEL: func @speculative_adaptive
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK-COUNT-2: scf.if %{{.*}} -> (tensor<2x1x16xf32>, tensor<2x8xf32>)
// CHECK: %[[SUM:.*]] = arith.addi %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: memref.store %[[SUM]], %[[DRAFTED:.*]][%{{.*}}] : memref<2xi32>
// CHECK: %[[OUT:.*]] = bufferization.to_tensor %[[DRAFTED]] restrict writable : memref<2xi32> to tensor<2xi32>
// CHECK: return %{{.*}}, %[[OUT]]
// CHECK-NOT: seq.speculative_decode_loop
func.func @speculative_adaptive(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %h0: tensor<2x8xf32>, %table: tensor<16x8xf32>, %hs: tensor<2x3x8xf32>, %vl: tensor<2x3x16xf32>) -> (tensor<2x6xi32>, tensor<2xi32>) {
  %toks, %n, %st, %acc, %drafted, %hd, %hv = seq.speculative_decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 6 : i64, sampling = #seq.sampling<>, adaptive_k}
      -> tensor<2x6xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> drafted(tensor<2xi32>) draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    %l = seq.embedding %table, %t : tensor<16x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
    %l2 = tensor.cast %l : tensor<2x1x8xf32> to tensor<2x1x8xf32>
    %e = tensor.empty() : tensor<2x1x16xf32>
    %c = arith.constant 0.0 : f32
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<2x1x16xf32>) -> tensor<2x1x16xf32>
    %logits = tensor.insert_slice %l2 into %z[0, 0, 0] [2, 1, 8] [1, 1, 1] : tensor<2x1x8xf32> into tensor<2x1x16xf32>
    %h2 = arith.addf %h, %h : tensor<2x8xf32>
    seq.yield %logits, %h2 : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x3xi32>, %p: tensor<2x3xi32>, %h: tensor<2x8xf32>):
    seq.yield %vl, %hs : tensor<2x3x16xf32>, tensor<2x3x8xf32>
  }
  return %toks, %drafted : tensor<2x6xi32>, tensor<2xi32>
}

// -----

// Prompt lookup: per row (scf.forall), a scan over the n-gram starts.
// CHECK-LABEL: func @ngram
// CHECK: scf.forall
// CHECK: scf.for
// CHECK-NOT: seq.ngram_draft
func.func @ngram(%h: tensor<2x32xi32>, %n: tensor<2xi32>) -> tensor<2xi32> {
  %d = seq.ngram_draft %h lengths(%n) {ngram_size = 2 : i64} : tensor<2x32xi32>, tensor<2xi32> -> tensor<2xi32>
  return %d : tensor<2xi32>
}
