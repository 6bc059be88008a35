// An entry may have any name, a libc function's included: the artifact
// exports only its ABI (`__seq_packed_*`, `__seq_free` and the globals),
// every other function is internal. An entry named `write` that runs
// parallel loops used to preempt libc's `write` inside the process and
// crash seqrun (exit 139).

// REQUIRES: cpu-lowering-kvcache
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry write --zeros 0 --zeros 1 \
// RUN:   --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:   --input 3=%S/../Inputs/hostile_extents/write_table_ok.npy --print | FileCheck %s
// RUN: seqc %s --target=cpu -emit=llvm-mlir | FileCheck %s --check-prefix=LINK
// CHECK: output 0: f32[4, 1, 2, 4]

// LINK-DAG: llvm.func internal @write(
// LINK-DAG: llvm.func internal @_mlir_ciface_write(
// LINK-DAG: llvm.func @__seq_packed_write(
// LINK-DAG: llvm.func @__seq_free(

func.func @write(%cache: tensor<4x1x2x4xf32>, %update: tensor<1x1x1x4xf32>,
                 %pos: tensor<1xi32>, %bt: tensor<1x2xi32>) -> tensor<4x1x2x4xf32> {
  %c = seq.cache_write %cache, %update at %pos block_table(%bt : tensor<1x2xi32>)
      : tensor<4x1x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi32>
  return %c : tensor<4x1x2x4xf32>
}
