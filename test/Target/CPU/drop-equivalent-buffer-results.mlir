// RUN: seqc-opt %s -split-input-file -drop-equivalent-buffer-results | FileCheck %s

// Upstream drop-equivalent-buffer-results as the CPU pipeline relies on it
// (after one-shot bufferization, before buffer deallocation): the KV caches
// a layer updates in place flow back to the caller without a clone, and
// public entries keep their signatures (their in-place state results are
// seq-inplace-results' business).

// A private layer that updates its cache in place and returns it loses that
// result; the call uses the cache it passed. Results that are new buffers
// stay. A caller that only forwards the callee's results loses them too.
// CHECK-LABEL: func.func private @layer(
// CHECK-SAME: %[[X:.*]]: memref<4xf32>, %[[C:.*]]: memref<8xf32>) -> memref<4xf32>
// CHECK: %[[NEW:.*]] = memref.alloc
// CHECK: return %[[NEW]] : memref<4xf32>
func.func private @layer(%x: memref<4xf32>, %cache: memref<8xf32>)
    -> (memref<4xf32>, memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  memref.store %v, %cache[%c0] : memref<8xf32>
  %new = memref.alloc() : memref<4xf32>
  memref.copy %x, %new : memref<4xf32> to memref<4xf32>
  return %new, %cache : memref<4xf32>, memref<8xf32>
}

// CHECK-LABEL: func.func private @body(
// CHECK-SAME: %[[X:.*]]: memref<4xf32>, %[[C0:.*]]: memref<8xf32>, %[[C1:.*]]: memref<8xf32>) -> memref<4xf32>
// CHECK: %[[Y:.*]] = call @layer(%[[X]], %[[C0]]) : (memref<4xf32>, memref<8xf32>) -> memref<4xf32>
// CHECK: %[[Z:.*]] = call @layer(%[[Y]], %[[C1]]) : (memref<4xf32>, memref<8xf32>) -> memref<4xf32>
// CHECK: return %[[Z]] : memref<4xf32>
func.func private @body(%x: memref<4xf32>, %c0: memref<8xf32>,
                        %c1: memref<8xf32>)
    -> (memref<4xf32>, memref<8xf32>, memref<8xf32>) {
  %y:2 = call @layer(%x, %c0)
      : (memref<4xf32>, memref<8xf32>) -> (memref<4xf32>, memref<8xf32>)
  %z:2 = call @layer(%y#0, %c1)
      : (memref<4xf32>, memref<8xf32>) -> (memref<4xf32>, memref<8xf32>)
  return %z#0, %y#1, %z#1 : memref<4xf32>, memref<8xf32>, memref<8xf32>
}

// Public functions keep their signature (the artifact ABI), and their
// uses of a dropped result become the operand.
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[X:.*]]: memref<4xf32>, %[[C0:.*]]: memref<8xf32>, %[[C1:.*]]: memref<8xf32>)
// CHECK-SAME: -> (memref<4xf32>, memref<8xf32>, memref<8xf32>)
// CHECK: %[[R:.*]] = call @body(%[[X]], %[[C0]], %[[C1]])
// CHECK: return %[[R]], %[[C0]], %[[C1]]
func.func @entry(%x: memref<4xf32>, %c0: memref<8xf32>, %c1: memref<8xf32>)
    -> (memref<4xf32>, memref<8xf32>, memref<8xf32>) {
  %r:3 = call @body(%x, %c0, %c1)
      : (memref<4xf32>, memref<8xf32>, memref<8xf32>)
     -> (memref<4xf32>, memref<8xf32>, memref<8xf32>)
  return %r#0, %r#1, %r#2 : memref<4xf32>, memref<8xf32>, memref<8xf32>
}

// -----

// A result returned through a cast is dropped; the call site casts the
// operand it passed.
// CHECK-LABEL: func.func private @cast_result(
// CHECK-SAME: %{{.*}}: memref<8xf32>) {
// CHECK: return{{$}}
// CHECK-LABEL: func.func @cast_caller(
// CHECK-SAME: %[[A:.*]]: memref<8xf32>)
// CHECK: call @cast_result(%[[A]]) : (memref<8xf32>) -> ()
// CHECK: %[[C:.*]] = memref.cast %[[A]] : memref<8xf32> to memref<?xf32>
// CHECK: return %[[C]]
func.func private @cast_result(%a: memref<8xf32>) -> memref<?xf32> {
  %c = memref.cast %a : memref<8xf32> to memref<?xf32>
  return %c : memref<?xf32>
}
func.func @cast_caller(%a: memref<8xf32>) -> memref<?xf32> {
  %r = call @cast_result(%a) : (memref<8xf32>) -> memref<?xf32>
  return %r : memref<?xf32>
}
