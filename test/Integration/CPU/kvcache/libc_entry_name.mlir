// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default, for the runs that
// compare valid inputs with the goldens they share with other tests.
//
// An entry may have any name, a libc function's included: the artifact
// exports only its ABI (`__seq_packed_*`, `__seq_free` and the globals),
// every other function is internal. An entry named `write` that runs
// parallel loops used to preempt libc's `write` inside the process and
// crash seqrun (exit 139). An entry named `malloc` or `free` used to fail
// to load ("undefined symbol malloc_0": the lowering's own `malloc`
// declaration was renamed around it); every defined function is now
// `__seq_fn_<name>` inside the code and `__seq_packed_<name>` outside.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry write --zeros 0 --zeros 1 \
// RUN:   --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:   --input 3=%S/../Inputs/hostile_extents/write_table_ok.npy --print | FileCheck %s
// RUN: seqc %s --target=cpu -emit=llvm-mlir | FileCheck %s --check-prefix=LINK
// CHECK: output 0: f32[4, 1, 2, 4]
// RUN: seqrun %t.seqpkg --entry malloc \
// RUN:   --input 0=%S/../Inputs/linear_bias/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_bias/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_bias/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_bias/out.npy --rtol 1e-4 --atol 1e-5
// RUN: seqrun %t.seqpkg --entry free \
// RUN:   --input 0=%S/../Inputs/linear_bias/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_bias/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_bias/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_bias/out.npy --rtol 1e-4 --atol 1e-5
// RUN: seqrun %t.seqpkg --info | FileCheck %s --check-prefix=INFO
// INFO-DAG: malloc
// INFO-DAG: free

// LINK-DAG: llvm.func internal @__seq_fn_write(
// LINK-DAG: llvm.func internal @_mlir_ciface___seq_fn_write(
// LINK-DAG: llvm.func @__seq_packed_write(
// LINK-DAG: llvm.func internal @__seq_fn_malloc(
// LINK-DAG: llvm.func @__seq_packed_malloc(
// LINK-DAG: llvm.func @__seq_packed_free(
// LINK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// LINK-DAG: llvm.func @__seq_free(

func.func @write(%cache: tensor<4x1x2x4xf32>, %update: tensor<1x1x1x4xf32>,
                 %pos: tensor<1xi32>, %bt: tensor<1x2xi32>) -> tensor<4x1x2x4xf32> {
  %c = seq.cache_write %cache, %update at %pos block_table(%bt : tensor<1x2xi32>)
      : tensor<4x1x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi32>
  return %c : tensor<4x1x2x4xf32>
}

// Dynamic rows: the result buffer comes from the lowering's `malloc`.
func.func @malloc(%x: tensor<?x5x48xf32>, %w: tensor<40x48xf32>, %b: tensor<40xf32>)
    -> tensor<?x5x40xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<40xf32>)
      : tensor<?x5x48xf32>, tensor<40x48xf32> -> tensor<?x5x40xf32>
  return %y : tensor<?x5x40xf32>
}

// Calls @malloc: calls follow the rename.
func.func @free(%x: tensor<?x5x48xf32>, %w: tensor<40x48xf32>, %b: tensor<40xf32>)
    -> tensor<?x5x40xf32> {
  %y = call @malloc(%x, %w, %b)
      : (tensor<?x5x48xf32>, tensor<40x48xf32>, tensor<40xf32>) -> tensor<?x5x40xf32>
  return %y : tensor<?x5x40xf32>
}
