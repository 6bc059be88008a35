// seqc --bounds-checks (issue #11): every memref and vector access of the
// generated code is checked at run time (upstream
// generate-runtime-verification, plus seqc's models for vector.load and
// vector.store); a failed check ends the call with __seq_status 6 and a
// message naming the access, the op and its location, instead of reading
// or writing out of bounds. Without the flag the same calls read past
// their buffers and exit 0.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.plain.seqpkg
// RUN: seqc %s --target=cpu --bounds-checks -parallel-min-work=0 -o %t.checked.seqpkg

// In bounds: the same answers with and without the checks.
// RUN: seqrun %t.checked.seqpkg --entry pick --zeros 0 --input 1=7 --print | FileCheck %s --check-prefix=PICK
// RUN: seqrun %t.checked.seqpkg --entry window --zeros 0 --input 1=12 --print | FileCheck %s --check-prefix=WINDOW
// RUN: seqrun %t.checked.seqpkg --entry shift --zeros 0=64x32 --input 1=0 --print | FileCheck %s --check-prefix=SHIFT
// RUN: seqrun %t.checked.seqpkg --entry mlp --zeros 0=3x64 --zeros 1=96x64 --zeros 2=64x96 --print | FileCheck %s --check-prefix=MLP
// PICK: output 0: f32[1] = [0]
// WINDOW: output 0: f32[4] = [0, 0, 0, 0]
// SHIFT: output 0: f32[64, 32] = [0, 0,
// MLP: output 0: f32[3, 64] = [0, 0,

// An index past the buffer: a load (the normal build reads past the
// buffer and exits 0).
// RUN: seqrun %t.plain.seqpkg --entry pick --zeros 0 --input 1=9 --print | FileCheck %s --check-prefix=SILENT
// SILENT: output 0: f32[1] =
// RUN: not seqrun %t.checked.seqpkg --entry pick --zeros 0 --input 1=9 2>&1 | FileCheck %s --check-prefix=LOAD -DFILE=%s
// LOAD: seqrun: entry 'pick' failed while running: a bounds check failed (--bounds-checks) (__seq_status 6): out-of-bounds access: {{.*}}memref.load %arg0[%0] : memref<8xf32> at "[[FILE]]":[[# @LINE + 49]]:8
// RUN: not seqrun %t.checked.seqpkg --entry pick --zeros 0 --input 1=-1 2>&1 | FileCheck %s --check-prefix=LOAD2
// LOAD2: (__seq_status 6): out-of-bounds access

// A view past its source (a subview of 4 at offset 14 of 16).
// RUN: not seqrun %t.checked.seqpkg --entry window --zeros 0 --input 1=14 2>&1 | FileCheck %s --check-prefix=VIEW -DFILE=%s
// VIEW: (__seq_status 6): {{.*}}out-of-bounds{{.*}} at "[[FILE]]":[[# @LINE + 50]]:8

// Inside a parallel loop (rows read from row i + off; on seqrt's thread
// pool): the failing chunks end, the call returns status 6.
// RUN: not seqrun %t.checked.seqpkg --entry shift --zeros 0=64x32 --input 1=1 --threads 2 2>&1 | FileCheck %s --check-prefix=PARALLEL
// PARALLEL: (__seq_status 6): {{.*}}out-of-bounds{{.*}}bounds_checks.mlir
// The same in an OpenMP loop (-parallel-runtime=omp): the failing
// iterations are skipped.
// RUN: seqc %s --target=cpu --bounds-checks -parallel-min-work=0 -parallel-runtime=omp -o %t.omp.seqpkg
// RUN: not seqrun %t.omp.seqpkg --entry shift --zeros 0=64x32 --input 1=1 --threads 2 2>&1 | FileCheck %s --check-prefix=PARALLEL

// The existing hostile tests run under the checks (SEQC_OPTIONS=
// --bounds-checks lit ...) report their own status, except one the mode
// found: attention with no KV heads raised status 4 but its tiles still
// read head 0 of the empty caches. They no longer run.
// RUN: seqc %S/../kvcache/hostile_extents.mlir --target=cpu --bounds-checks -o %t.hostile.seqpkg
// RUN: not seqrun %t.hostile.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x0x4x8 --zeros 2=1x0x4x8 2>&1 | FileCheck %s --check-prefix=HEADS0
// RUN: seqrun %t.hostile.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x2x4x8 --zeros 2=1x2x4x8 --print | FileCheck %s --check-prefix=HEADS2
// HEADS0: failed while running: operand extents that do not agree{{.*}}(__seq_status 4)
// HEADS0-NOT: bounds check
// HEADS2: output 0: f32[1, 4, 2, 8] = [0, 0,

// The checks are in the code: each access is preceded by its bounds
// comparison, and the failure path stores 6 and leaves (longjmp, or, in a
// loop body on seqrt's thread pool, a return that ends the chunk).
// RUN: seqc %s --target=cpu --bounds-checks -parallel-min-work=0 -emit=llvm-mlir | FileCheck %s --check-prefix=IR
// IR-LABEL: llvm.func internal @__seq_fn_pick(
// IR: llvm.cond_br %{{.*}}, ^[[OK:.*]], ^[[FAIL:.*]]
// IR: ^[[FAIL]]:
// IR: llvm.atomicrmw xchg %{{.*}}, %{{.*}} seq_cst : !llvm.ptr, i32
// IR: llvm.call @snprintf(
// IR: llvm.call @longjmp(
// IR-LABEL: llvm.func internal @__seq_fn_shift(
// IR: llvm.mlir.addressof @__seq_parallel_for
// IR-LABEL: llvm.func internal @__seq_parallel_body_0(
// IR: llvm.atomicrmw xchg
// IR: llvm.call @snprintf(
// IR-NOT: llvm.call @longjmp(
// IR: llvm.return
// IR: llvm.mlir.global external constant @__seq_abi("seqabi2;{{.*}};m:256\00")

func.func @pick(%x: tensor<8xf32>, %i: i64) -> tensor<1xf32> {
  %idx = arith.index_cast %i : i64 to index
  %v = tensor.extract %x[%idx] : tensor<8xf32>
  %r = tensor.from_elements %v : tensor<1xf32>
  return %r : tensor<1xf32>
}

func.func @window(%x: tensor<16xf32>, %o: i64) -> tensor<4xf32> {
  %off = arith.index_cast %o : i64 to index
  %w = tensor.extract_slice %x[%off] [4] [1] : tensor<16xf32> to tensor<4xf32>
  return %w : tensor<4xf32>
}

func.func @shift(%x: tensor<?x32xf32>, %o: i64) -> tensor<?x32xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x32xf32>
  %off = arith.index_cast %o : i64 to index
  %init = tensor.empty(%n) : tensor<?x32xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%out = %init) -> tensor<?x32xf32> {
    %src = arith.addi %i, %off : index
    %row = tensor.extract_slice %x[%src, 0] [1, 32] [1, 1]
        : tensor<?x32xf32> to tensor<1x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %row into %out[%i, 0] [1, 32] [1, 1]
          : tensor<1x32xf32> into tensor<?x32xf32>
    }
  }
  return %r : tensor<?x32xf32>
}

// The vector kernels of seq ops run under the checks too.
func.func @mlp(%x: tensor<?x64xf32>, %w1: tensor<96x64xf32>, %w2: tensor<64x96xf32>)
    -> tensor<?x64xf32> {
  %h = seq.linear %x, %w1 : tensor<?x64xf32>, tensor<96x64xf32> -> tensor<?x96xf32>
  %g = seq.gelu %h : tensor<?x96xf32>
  %y = seq.linear %g, %w2 : tensor<?x96xf32>, tensor<64x96xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
