// RUN: seqc-opt %s -seq-scope-tile-allocas | FileCheck %s

// A tile body that allocates in the loop's own allocation scope saves and
// restores the stack around each tile.
// CHECK-LABEL: func @scratch
// CHECK: scf.forall
// CHECK-NEXT: %[[SP:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: memref.alloca() : memref<64xf32>
// CHECK: llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CHECK-NEXT: }
func.func @scratch(%out: memref<8xf32>) {
  %c8 = arith.constant 8 : index
  scf.forall (%i) in (%c8) {
    %s = memref.alloca() : memref<64xf32>
    %c0 = arith.constant 0 : index
    %v = memref.load %s[%c0] : memref<64xf32>
    memref.store %v, %out[%i] : memref<8xf32>
  }
  return
}

// Allocas released by an inner alloca_scope, or no allocas: unchanged.
// CHECK-LABEL: func @already_scoped
// CHECK-NOT: llvm.intr.stacksave
// CHECK: memref.alloca_scope
// CHECK-NOT: llvm.intr.stacksave
func.func @already_scoped(%out: memref<8xf32>) {
  %c8 = arith.constant 8 : index
  scf.forall (%i) in (%c8) {
    memref.alloca_scope {
      %s = memref.alloca() : memref<64xf32>
      %c0 = arith.constant 0 : index
      %v = memref.load %s[%c0] : memref<64xf32>
      memref.store %v, %out[%i] : memref<8xf32>
    }
  }
  scf.forall (%i) in (%c8) {
    %z = arith.constant 0.0 : f32
    memref.store %z, %out[%i] : memref<8xf32>
  }
  return
}
