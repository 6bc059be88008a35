// A heap allocation of generated code that fails (issue #11): the code
// stores __seq_status 5 (out of memory) in the call's status, with a
// message naming the size and the allocation function, and returns
// through the packed wrapper instead of writing through a null pointer
// (a segfault). 2^40 floats (4 TiB, 2^42 + 64 bytes with the alignment
// padding) cannot be allocated; 1000 can, and
// the call after the failed one works.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: not seqrun %t.seqpkg --entry fill --input 0=1099511627776 2>&1 | FileCheck %s --check-prefix=OOM
// RUN: not seqrun %t.seqpkg --entry fill_then_linear --input 0=1099511627776 --zeros 1=2x8 --zeros 2=4x8 2>&1 | FileCheck %s --check-prefix=OOM
// RUN: seqrun %t.seqpkg --entry fill --input 0=1000 --print | FileCheck %s --check-prefix=OK
// RUN: seqrun %t.seqpkg --entry fill_then_linear --input 0=3 --zeros 1=2x8 --zeros 2=4x8 --print | FileCheck %s --check-prefix=OK2
// OOM: failed while running: out of memory{{.*}}(__seq_status 5): allocation of 4398046511168 bytes failed (malloc)
// Extents whose byte count wraps around 2^64 (2^62 + 1 floats; 2^32 x
// (2^32 + 1)) or is negative: seq-check-alloc-sizes reports them before
// the allocation, which would otherwise be a small malloc the fill writes
// far past (a segfault).
// RUN: not seqrun %t.seqpkg --entry fill --input 0=4611686018427387905 2>&1 | FileCheck %s --check-prefix=WRAP
// RUN: not seqrun %t.seqpkg --entry fill2 --input 0=4294967296 --input 1=4294967297 2>&1 | FileCheck %s --check-prefix=WRAP2
// RUN: not seqrun %t.seqpkg --entry fill2 --input 0=3 --input 1=-2 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: seqrun %t.seqpkg --entry fill2 --input 0=3 --input 1=2 --print | FileCheck %s --check-prefix=OK3
// WRAP: failed while running: out of memory{{.*}}(__seq_status 5): memref.alloc at {{.*}}alloc_failure.mlir:[[# @LINE + 26]]:8: allocation of [4611686018427387905] x 4 bytes: an extent is negative or the byte count overflows 64 bits
// WRAP2: (__seq_status 5): memref.alloc at {{.*}}alloc_failure.mlir:{{[0-9]+}}:8: allocation of [4294967296 x 4294967297] x 4 bytes: an extent is negative or the byte count overflows 64 bits
// NEGATIVE: (__seq_status 5): memref.alloc at {{.*}}alloc_failure.mlir:{{[0-9]+}}:8: allocation of [3 x -2] x 4 bytes
// OK3: output 0: f32[3, 2] = [1.5, 1.5, 1.5, 1.5, 1.5, 1.5]
// OK: output 0: f32[1000] = [1.5, 1.5,
// OK2: output 0: f32[3] = [1.5, 1.5, 1.5]
// OK2: output 1: f32[2, 4] = [0, 0,

// The checks sit right after the allocation calls (one compare and branch
// each), outside loops; the packed wrapper sets the jump target.
// RUN: seqc %s --target=cpu -emit=llvm-mlir | FileCheck %s --check-prefix=IR
// IR-LABEL: llvm.func internal @__seq_fn_fill(
// IR: %[[P:.*]] = llvm.call @malloc(
// IR: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// IR: %[[ISNULL:.*]] = llvm.icmp "eq" %[[P]], %[[NULL]]
// IR: llvm.cond_br %[[ISNULL]], ^[[FAIL:.*]], ^
// IR: ^[[FAIL]]:
// IR: llvm.cmpxchg %{{.*}}, %{{.*}}, %{{.*}} seq_cst seq_cst : !llvm.ptr, i32
// IR: llvm.call @snprintf(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) vararg
// IR: llvm.call @longjmp(
// IR: llvm.unreachable
// IR-LABEL: llvm.func @__seq_packed_fill(
// IR: llvm.call @_setjmp(

func.func @fill(%n: i64) -> tensor<?xf32> {
  %i = arith.index_cast %n : i64 to index
  %e = tensor.empty(%i) : tensor<?xf32>
  %c = arith.constant 1.5 : f32
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %f : tensor<?xf32>
}

func.func @fill2(%n: i64, %m: i64) -> tensor<?x?xf32> {
  %i = arith.index_cast %n : i64 to index
  %j = arith.index_cast %m : i64 to index
  %e = tensor.empty(%i, %j) : tensor<?x?xf32>
  %c = arith.constant 1.5 : f32
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %f : tensor<?x?xf32>
}

func.func @fill_then_linear(%n: i64, %x: tensor<2x8xf32>, %w: tensor<4x8xf32>)
    -> (tensor<?xf32>, tensor<2x4xf32>) {
  %y = seq.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %f = call @fill(%n) : (i64) -> tensor<?xf32>
  return %f, %y : tensor<?xf32>, tensor<2x4xf32>
}
