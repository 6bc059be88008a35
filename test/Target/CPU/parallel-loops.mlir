// RUN: seqc-opt %s -split-input-file -seq-outline-parallel-loops | FileCheck %s

// A one-dimensional loop: the body runs lb + lo * step to lb + hi * step;
// the captured scalar and memref are arguments (in order of first use),
// the constants (the step, 2.0) are rebuilt in the body, and the call
// covers [0, ceil(max(ub - lb, 0) / step)).
// CHECK-LABEL: func.func @one_dim(
// CHECK-SAME: %[[OUT:[a-z0-9]*]]: memref<?xf32>, %[[X:[a-z0-9]*]]: f32, %[[LB:[a-z0-9]*]]: index, %[[UB:[a-z0-9]*]]: index)
// CHECK-NOT: scf.parallel
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[EXTENT:.*]] = arith.subi %[[UB]], %[[LB]] : index
// CHECK: %[[POS:.*]] = arith.maxsi %[[EXTENT]], %[[C0]] : index
// CHECK: %[[COUNT:.*]] = arith.ceildivsi %[[POS]], %[[C3]] : index
// CHECK: %[[GRAIN:.*]] = arith.constant 1 : i64
// CHECK: call @__seq_parallel_body_0(%[[X]], %[[OUT]], %[[LB]], %[[GRAIN]], %[[C0]], %[[COUNT]])
// CHECK-SAME: : (f32, memref<?xf32>, index, i64, index, index) -> ()
// CHECK: func.func private @__seq_parallel_body_0(%[[BX:[a-z0-9]*]]: f32, %[[BOUT:[a-z0-9]*]]: memref<?xf32>, %[[BLB:[a-z0-9]*]]: index, %{{[a-z0-9]*}}: i64, %[[LO:[a-z0-9]*]]: index, %[[HI:[a-z0-9]*]]: index)
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2.0{{.*}} : f32
// CHECK-DAG: %[[STEP:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[LOS:.*]] = arith.muli %[[LO]], %[[STEP]]
// CHECK-DAG: %[[FROM:.*]] = arith.addi %[[BLB]], %[[LOS]]
// CHECK-DAG: %[[HIS:.*]] = arith.muli %[[HI]], %[[STEP]]
// CHECK-DAG: %[[TO:.*]] = arith.addi %[[BLB]], %[[HIS]]
// CHECK: scf.for %[[I:.*]] = %[[FROM]] to %[[TO]] step %[[STEP]] {
// CHECK: %[[V:.*]] = arith.mulf %[[BX]], %[[TWO]]
// CHECK: memref.store %[[V]], %[[BOUT]][%[[I]]]
// CHECK: return
func.func @one_dim(%out: memref<?xf32>, %x: f32, %lb: index, %ub: index) {
  %c3 = arith.constant 3 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%lb) to (%ub) step (%c3) {
    %v = arith.mulf %x, %two : f32
    memref.store %v, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Two dimensions are linearised row-major: the call covers 4 * 6 = 24
// iterations, the body recovers (i, j) with the last dimension fastest
// (constant trip counts and bounds rebuilt in it). A nested parallel loop
// goes along into the body.
// CHECK-LABEL: func.func @two_dim(
// CHECK: arith.constant 1.0
// CHECK: %[[N0:.*]] = arith.constant 4 : index
// CHECK: %[[N1:.*]] = arith.constant 6 : index
// CHECK: %[[TOTAL:.*]] = arith.muli %[[N0]], %[[N1]]
// CHECK: call @__seq_parallel_body_0(%{{.*}}, %{{.*}}, %{{.*}}, %[[TOTAL]]) : (memref<4x6x2xf32>, i64, index, index) -> ()
// CHECK-NOT: scf.parallel
// CHECK: func.func private @__seq_parallel_body_0(%[[OUT:[a-z0-9]*]]: memref<4x6x2xf32>, %{{[a-z0-9]*}}: i64, %[[LO:[a-z0-9]*]]: index, %[[HI:[a-z0-9]*]]: index)
// CHECK-DAG: %[[SIZE1:.*]] = arith.constant 6 : index
// CHECK: scf.for %[[L:.*]] = %[[LO]] to %[[HI]] step %{{.*}} {
// CHECK: %[[J:.*]] = arith.remui %[[L]], %[[SIZE1]]
// CHECK: %[[I:.*]] = arith.divui %[[L]], %[[SIZE1]]
// CHECK: %[[JS:.*]] = arith.muli %[[J]]
// CHECK: %[[JV:.*]] = arith.addi %{{.*}}, %[[JS]]
// CHECK: %[[IS:.*]] = arith.muli %[[I]]
// CHECK: %[[IV:.*]] = arith.addi %{{.*}}, %[[IS]]
// CHECK: scf.parallel (%[[K:.*]]) =
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[IV]], %[[JV]], %[[K]]]
func.func @two_dim(%out: memref<4x6x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    scf.parallel (%k) = (%c0) to (%c2) step (%c1) {
      memref.store %cst, %out[%i, %j, %k] : memref<4x6x2xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A loop with a reduction is left alone (it runs serially).
// CHECK-LABEL: func.func @reduction(
// CHECK: scf.parallel
// CHECK-NOT: __seq_parallel_body
func.func @reduction(%in: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
    %v = memref.load %in[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
