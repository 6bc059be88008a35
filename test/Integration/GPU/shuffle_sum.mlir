// Warp shuffles in the emulator: each warp of a 128-thread block sums its
// row of x with a gpu.shuffle xor butterfly (offsets 16, 8, 4, 2, 1), which
// leaves the row sum in every lane; the NumPy goldens (gen/gen_shuffle.py)
// hold it. Dropping one butterfly step leaves partial sums: a failure.

// RUN: seq-gpu-emu %s --arg 0=%S/Inputs/shuffle/x.npy \
// RUN:   --expect 1=%S/Inputs/shuffle/out.npy --rtol 0 --atol 0 | FileCheck %s
// RUN: sed -e 's/index_cast %c16 :/index_cast %c0 :/' %s > %t.mutated.mlir
// RUN: not seq-gpu-emu %t.mutated.mlir --arg 0=%S/Inputs/shuffle/x.npy \
// RUN:   --expect 1=%S/Inputs/shuffle/out.npy --rtol 0 --atol 0 2>&1 \
// RUN:   | FileCheck %s --check-prefix=WRONG

// CHECK: emulated row_sums on cuda:sm_80: 1 blocks x 128 threads, 0 barriers, 20 warp collectives
// CHECK: output 1: 128 values, max abs error 0.000000e+00, 0 outside
// WRONG: output 1: 128 values, max abs error {{.*}}, {{[1-9][0-9]*}} outside

module attributes {gpu.container_module} {
  gpu.module @kernels attributes {seq.target = "cuda:sm_80"} {
    gpu.func @row_sums(%x: memref<?x?xf32>, %y: memref<?x?xf32>) kernel
        attributes {known_block_size = array<i32: 128, 1, 1>,
                    seq.launch_grid = array<i64: 1, 0, 4>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %w32 = arith.constant 32 : i32
      %tid = gpu.thread_id x
      %warp = arith.divui %tid, %c32 : index
      %lane = arith.remui %tid, %c32 : index
      %v = memref.load %x[%warp, %lane] : memref<?x?xf32>
      %o16 = arith.index_cast %c16 : index to i32
      %o8 = arith.index_cast %c8 : index to i32
      %o4 = arith.index_cast %c4 : index to i32
      %o2 = arith.index_cast %c2 : index to i32
      %o1 = arith.index_cast %c1 : index to i32
      %s16, %ok16 = gpu.shuffle xor %v, %o16, %w32 : f32
      %v16 = arith.addf %v, %s16 : f32
      %s8, %ok8 = gpu.shuffle xor %v16, %o8, %w32 : f32
      %v8 = arith.addf %v16, %s8 : f32
      %s4, %ok4 = gpu.shuffle xor %v8, %o4, %w32 : f32
      %v4 = arith.addf %v8, %s4 : f32
      %s2, %ok2 = gpu.shuffle xor %v4, %o2, %w32 : f32
      %v2 = arith.addf %v4, %s2 : f32
      %s1, %ok1 = gpu.shuffle xor %v2, %o1, %w32 : f32
      %v1 = arith.addf %v2, %s1 : f32
      memref.store %v1, %y[%warp, %lane] : memref<?x?xf32>
      gpu.return
    }
  }
}
