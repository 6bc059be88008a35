// seq-gpu-norm-kernels maps seq.rms_norm and seq.layer_norm onto warps:
// narrow rows get a warp (wavefront) each, 4 rows per block, the sum of
// squares reduced with gpu.shuffle xor over offsets warpSize/2 .. 1; wide
// rows get a block each, lane 0 of every warp writing its sum to
// workgroup memory before a barrier. Statistics are f32.

// RUN: seqc-opt %s --seq-gpu-norm-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %s --seq-gpu-norm-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %s --seq-gpu-norm-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %s "--seq-gpu-norm-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION

// CHECK: func.func @rms_bf16
// CHECK: seq.rms_norm {{.*}}seq.gpu_kernel = @seq_kernels::@rms_norm_bf16_warp_eps358637bd
// CHECK: func.func @rms_f16_wide
// CHECK: seq.rms_norm {{.*}}seq.gpu_kernel = @seq_kernels::@rms_norm_f16_block_eps3727c5ac
// CHECK: func.func @layer_f32
// CHECK: seq.layer_norm {{.*}}seq.gpu_kernel = @seq_kernels::@layer_norm_f32_bias_warp_eps3727c5ac
// CUDA: gpu.module @seq_kernels attributes {seq.target = "cuda:sm_80"}
// HIP: gpu.module @seq_kernels attributes {seq.target = "hip:gfx942"}

// A warp per row: no workgroup memory, no barrier, grid over rows / 4.
// CHECK: gpu.func @rms_norm_bf16_warp_eps358637bd(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?x?xbf16>) kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 2, 0, 4>
// CHECK-NOT: gpu.barrier
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32)
// CHECK: arith.extf {{.*}} : bf16 to f32
// HIP: gpu.shuffle  xor %{{.*}}, %c32_i32, %c64_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: llvm.intr.sqrt
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: gpu.return

// A block per row: the warps' sums through workgroup memory.
// CHECK: gpu.func @rms_norm_f16_block_eps3727c5ac(
// CHECK-SAME: workgroup(%[[SUMS:.*]] : memref<4xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: seq.launch_grid = array<i64: 2, 0, 1>
// CHECK: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %[[SUMS]]
// CHECK: gpu.barrier
// CHECK-COUNT-4: memref.load %[[SUMS]]
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return

// Layer norm: two reductions (mean, variance), the bias added.
// CHECK: gpu.func @layer_norm_f32_bias_warp_eps3727c5ac(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?x?xf32>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 3, 0, 4>
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: arith.divf
// CHECK: arith.subf
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: llvm.intr.sqrt
// CHECK: arith.addf
// CHECK: gpu.return

// NOTGPU: seq-gpu-norm-kernels: 'cpu' is not a GPU target
// MUTATION: seq-gpu-norm-kernels: unknown mutation 'typo'

func.func @rms_bf16(%x: tensor<3x4x128xbf16>, %w: tensor<128xbf16>) -> tensor<3x4x128xbf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<3x4x128xbf16>, tensor<128xbf16>
  return %y : tensor<3x4x128xbf16>
}

func.func @rms_f16_wide(%x: tensor<2x4096xf16>, %w: tensor<4096xf16>) -> tensor<2x4096xf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
      : tensor<2x4096xf16>, tensor<4096xf16>
  return %y : tensor<2x4096xf16>
}

func.func @layer_f32(%x: tensor<3x7x48xf32>, %w: tensor<48xf32>, %b: tensor<48xf32>)
    -> tensor<3x7x48xf32> {
  %y = seq.layer_norm %x, %w bias(%b : tensor<48xf32>) {epsilon = 1.0e-05 : f32}
      : tensor<3x7x48xf32>, tensor<48xf32>
  return %y : tensor<3x7x48xf32>
}
