// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// A prefill projection (rows dynamic, 40 x 32 weight: 3 tiles of 16
// features, tiles of 3 rows, 3 x 4 register blocks). Row tile j of feature
// tile t prefetches, into L2, 4 columns of tile t + 1: columns
// 16 (t + 1) + 4 j + i for its column blocks i = 0..3, while 4 j < 16 and
// the column exists (<= 39); other row tiles run the same blocks without
// it. One-row blocks keep decode's prefetch of the 4 rows 16 ahead (into
// L1).
// CHECK-LABEL: func @prefill
// CHECK: %[[W:.*]] = memref.get_global @__seq_param_w
// CHECK: scf.forall (%[[T:.*]], %[[J:.*]]) in (%c3, %{{.*}})
// CHECK: %[[N0:.*]] = arith.muli %[[T]], %c16
// CHECK: %[[J4:.*]] = arith.muli %[[J]], %c4
// CHECK: %[[NEXT:.*]] = arith.addi %[[N0]], %c16
// CHECK: %[[FIRST:.*]] = arith.addi %[[NEXT]], %[[J4]]
// CHECK: %[[EXISTS:.*]] = arith.cmpi ule, %[[FIRST]], %c39
// CHECK: %[[EARLY:.*]] = arith.cmpi ult, %{{.*}}, %c16
// CHECK: %[[MINE:.*]] = arith.andi %[[EARLY]], %[[EXISTS]]
// CHECK: scf.if %[[MINE]] {
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %c4
// CHECK: %[[OFF:.*]] = arith.subi %[[C]], %[[N0]]
// CHECK: %[[BLOCK:.*]] = arith.divui %[[OFF]], %c4
// CHECK: %[[COL:.*]] = arith.addi %[[FIRST]], %[[BLOCK]]
// CHECK: %[[CLAMPED:.*]] = arith.minsi %[[COL]], %c39
// CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-NEXT: memref.prefetch %[[W]][%[[CLAMPED]], %[[K]]], read, locality<2>, data
// CHECK-COUNT-12: vector.fma
// CHECK: memref.prefetch %[[W]][{{.*}}], read, locality<3>, data
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-NOT: locality<2>
// CHECK: return
module {
  seq.parameter @w "w" : tensor<40x32xf32>
  func.func @prefill(%x: tensor<?x32xf32>) -> tensor<?x40xf32> {
    %w = seq.get_parameter @w : tensor<40x32xf32>
    %y = seq.linear %x, %w : tensor<?x32xf32>, tensor<40x32xf32> -> tensor<?x40xf32>
    return %y : tensor<?x40xf32>
  }
}
