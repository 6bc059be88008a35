// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s

// Greedy sampling is a row argmax; no temporaries.
// CHECK-LABEL: func @greedy
// CHECK: scf.forall
// CHECK: arith.cmpf ogt
// CHECK-NOT: memref.alloc(
func.func @greedy(%l: tensor<2x50xf32>, %seed: i64, %c: i64) -> tensor<2xi32> {
  %t = seq.sample %l seed(%seed) counter(%c) {sampling = #seq.sampling<>} : tensor<2x50xf32> -> tensor<2xi32>
  return %t : tensor<2xi32>
}

// -----

// Top-k/top-p sampling: Philox rounds (the multipliers appear) and the
// threshold bisection over float bit patterns.
// CHECK-LABEL: func @nucleus
// CHECK-DAG: arith.constant 3528531795 : i64
// CHECK-DAG: arith.constant 3449720151 : i64
// CHECK: arith.bitcast %{{.*}} : i32 to f32
func.func @nucleus(%l: tensor<2x50xf32>, %seed: i64, %c: i64) -> tensor<2xi32> {
  %t = seq.sample %l seed(%seed) counter(%c) {sampling = #seq.sampling<temperature = 0.7, top_k = 10, top_p = 0.9>} : tensor<2x50xf32> -> tensor<2xi32>
  return %t : tensor<2xi32>
}

// -----

// The decode loop: an scf.for over max_new_tokens carrying the state, the
// body inlined under "some row still active", sampling lowered inside.
// CHECK-LABEL: func @loop
// CHECK: scf.for %[[STEP:.*]] = %c0 to %c8 step %c1 iter_args(%[[S:.*]] = %{{.*}}) -> (tensor<2x16xf32>)
// CHECK: %[[ACTIVE:.*]] = arith.cmpi ne
// CHECK: scf.if %[[ACTIVE]] -> (tensor<2x16xf32>)
// CHECK: tensor.generate
// CHECK: scf.forall
// CHECK-NOT: {{(= |^ *)seq\.}}
func.func @loop(%tok: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %s0: tensor<2x16xf32>, %table: tensor<100x16xf32>) -> (tensor<2x8xi32>, tensor<2xi32>) {
  %toks, %n, %sf = seq.decode_loop first(%tok : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed) init(%s0 : tensor<2x16xf32>)
      {max_new_tokens = 8 : i64, eos_token_ids = array<i64: 2>, sampling = #seq.sampling<>}
      -> tensor<2x8xi32>, tensor<2xi32>, tensor<2x16xf32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %s: tensor<2x16xf32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<2x1xi32> -> tensor<2x1x16xf32>
    %l3 = seq.linear %e, %table : tensor<2x1x16xf32>, tensor<100x16xf32> -> tensor<2x1x100xf32>
    seq.yield %l3, %s : tensor<2x1x100xf32>, tensor<2x16xf32>
  }
  return %toks, %n : tensor<2x8xi32>, tensor<2xi32>
}

// -----

// counter_offset: step s samples with counter offset + s.
// CHECK-LABEL: func @loop_counter_offset
// CHECK: %[[OFF:.*]] = arith.constant 3 : i64
// CHECK: scf.for
// CHECK: arith.addi %{{.*}}, %[[OFF]] : i64
func.func @loop_counter_offset(%tok: tensor<1xi32>, %pos: tensor<1xi32>, %seed: i64, %table: tensor<100x16xf32>) -> (tensor<1x4xi32>, tensor<1xi32>) {
  %toks, %n = seq.decode_loop first(%tok : tensor<1xi32>) positions(%pos : tensor<1xi32>) seed(%seed)
      {max_new_tokens = 4 : i64, counter_offset = 3 : i64, sampling = #seq.sampling<temperature = 1.0>}
      -> tensor<1x4xi32>, tensor<1xi32> {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>):
    %e = seq.embedding %table, %t : tensor<100x16xf32>, tensor<1x1xi32> -> tensor<1x1x16xf32>
    %l = seq.linear %e, %table : tensor<1x1x16xf32>, tensor<100x16xf32> -> tensor<1x1x100xf32>
    seq.yield %l : tensor<1x1x100xf32>
  }
  return %toks, %n : tensor<1x4xi32>, tensor<1xi32>
}
