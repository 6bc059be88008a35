// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// seq.causal_conv1d: an scf.forall over the (batch, time) output rows; rows
// whose window lies in the input take one pass over the contiguous
// channels with the K taps unrolled (the loop LLVM vectorises); rows that
// reach into the state accumulate tap by tap, each tap choosing the input
// or the state outside its channel loop; a second forall writes the final
// state (the last K-1 inputs).

// CHECK-LABEL: func @conv
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<2x?x24xf32>
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {{.*}}: memref<2x?x24xf32>
// CHECK: %[[FS:.*]] = memref.alloc() {{.*}}: memref<2x3x24xf32>
// CHECK: scf.forall (%[[B:.*]], %[[T:.*]]) in (%{{.*}}, %{{.*}})
// CHECK: %[[FULL:.*]] = arith.cmpi sge, %[[T]], %c3
// CHECK: scf.if %[[FULL]]
// CHECK: scf.for %[[C:.*]] = %c0 to %c24 step %c1
// CHECK-COUNT-4: arith.mulf
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[B]], %[[T]], %[[C]]]
// CHECK: } else {
// CHECK: scf.if
// CHECK: scf.for
// CHECK: } else {
// CHECK: scf.for
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, %c3)
// CHECK: memref.store %{{.*}}, %[[FS]]
// CHECK-NOT: seq.causal_conv1d
func.func @conv(%x: tensor<2x?x24xf32>, %w: tensor<24x4xf32>, %b: tensor<24xf32>, %s: tensor<2x3x24xf32>) -> (tensor<2x?x24xf32>, tensor<2x3x24xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<24xf32>) state(%s : tensor<2x3x24xf32>) silu
      : tensor<2x?x24xf32>, tensor<24x4xf32> -> tensor<2x?x24xf32>, tensor<2x3x24xf32>
  return %y, %s1 : tensor<2x?x24xf32>, tensor<2x3x24xf32>
}

// K = 1: no state, no final-state loop.
// CHECK-LABEL: func @pointwise
// CHECK: scf.forall
// CHECK-NOT: scf.forall
// CHECK: return
func.func @pointwise(%x: tensor<1x5x8xf32>, %w: tensor<8x1xf32>) -> (tensor<1x5x8xf32>, tensor<1x0x8xf32>) {
  %y, %s = seq.causal_conv1d %x, %w : tensor<1x5x8xf32>, tensor<8x1xf32> -> tensor<1x5x8xf32>, tensor<1x0x8xf32>
  return %y, %s : tensor<1x5x8xf32>, tensor<1x0x8xf32>
}
