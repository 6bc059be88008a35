// RUN: seqc-opt %s -split-input-file -seq-serialize-small-foralls="min-work=1000" | FileCheck %s

// A loop with a constant trip count and little work becomes serial loops.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4
// CHECK: scf.for %{{.*}} = %{{.*}} to %c8
// CHECK: memref.store
func.func @small(%out: memref<4x8xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i, %j) in (4, 8) {
    memref.store %cst, %out[%i, %j] : memref<4x8xf32>
  }
  return
}

// -----

// Enough work (16 iterations of an inner loop of 100 stores) stays
// parallel.
// CHECK-LABEL: func @large
// CHECK: scf.forall (%{{.*}}) in (16)
// CHECK-NOT: scf.if
func.func @large(%out: memref<16x100xf32>) {
  %cst = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.forall (%i) in (16) {
    scf.for %k = %c0 to %c100 step %c1 {
      memref.store %cst, %out[%i, %k] : memref<16x100xf32>
    }
  }
  return
}

// -----

// A dynamic trip count decides at run time: an iteration costs 202
// operations (the loop, 100 x (store, yield), the forall's terminator),
// there are 4 x %n iterations, so the loop is parallel from
// ceil(1000 / (4 * 202)) = 2 rows on and serial below.
// CHECK-LABEL: func @dynamic
// CHECK-SAME: %[[N:[a-z0-9]+]]: index
// CHECK: %[[TRIPS:.*]] = arith.ceildivsi
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[TRIPS]], %c2
// CHECK: scf.if %[[BIG]] {
// CHECK-NEXT: scf.forall (%{{.*}}, %{{.*}}) in (4, %[[N]])
// CHECK: } else {
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
func.func @dynamic(%out: memref<4x?x100xf32>, %n: index) {
  %cst = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.forall (%i, %j) in (4, %n) {
    scf.for %k = %c0 to %c100 step %c1 {
      memref.store %cst, %out[%i, %j, %k] : memref<4x?x100xf32>
    }
  }
  return
}

// -----

// Loops with results (tensor semantics) are left alone.
// CHECK-LABEL: func @with_results
// CHECK: scf.forall {{.*}} shared_outs
func.func @with_results(%t: tensor<4xf32>) -> tensor<4xf32> {
  %r = scf.forall (%i) in (4) shared_outs(%o = %t) -> tensor<4xf32> {
    %v = tensor.extract_slice %o[%i] [1] [1] : tensor<4xf32> to tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %v into %o[%i] [1] [1]
          : tensor<1xf32> into tensor<4xf32>
    }
  }
  return %r : tensor<4xf32>
}
