// seq-gpu-linear-kernels maps seq.linear onto blocks and warps: workgroup
// tiles of X and W filled by all threads (on HIP a barrier before and after
// the warps read them; on CUDA, cp.async into two buffers, one barrier per
// step), and the chip's matrix instruction (mma.sync m16n8k16 on
// CUDA, 16x16x16 MFMA on HIP) fed with per-lane fragments; f32 uses FMAs.

// RUN: seqc-opt %s --seq-gpu-linear-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %s --seq-gpu-linear-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %s --seq-gpu-linear-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %s --seq-gpu-linear-kernels=target=cuda:sm_99 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not seqc-opt %s "--seq-gpu-linear-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION

// CHECK: module attributes {gpu.container_module}
// CHECK: func.func @bf16
// CHECK: seq.linear {{.*}}seq.gpu_kernel = @seq_kernels::@linear_bf16_bias
// CHECK: func.func @f32
// CHECK: seq.linear {{.*}}seq.gpu_kernel = @seq_kernels::@linear_f32
// CUDA: gpu.module @seq_kernels attributes {seq.target = "cuda:sm_80"}
// HIP: gpu.module @seq_kernels attributes {seq.target = "hip:gfx942"}

// CHECK: gpu.func @linear_bf16_bias(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?x?xbf16>)
// The cp.async tiles are 16-byte aligned (llvm.align); HIP's need no more
// than their element.
// CUDA-SAME: workgroup(%[[SX:.*]] : memref<2x32x16xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[SW:.*]] : memref<2x32x16xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// HIP-SAME: workgroup(%[[SX:.*]] : memref<32x16xbf16, #gpu.address_space<workgroup>>, %[[SW:.*]] : memref<32x16xbf16, #gpu.address_space<workgroup>>)
// CHECK-SAME: kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 3, 1, 32, 3, 0, 32>

// CUDA (cp.async, two buffers): the first step's 16-byte copies (X by
// one side, W by the other; the synchronous copy when K is not a whole
// number of chunks), committed; per step: wait, one barrier, the next
// step's copies into the other buffer, the matrix instructions.
// CUDA: nvgpu.device_async_copy %{{.*}}[{{.*}}], %[[SX]][{{.*}}], 8, %{{.*}} {bypassL1}
// CUDA: nvgpu.device_async_copy %{{.*}}[{{.*}}], %[[SW]][{{.*}}], 8, %{{.*}} {bypassL1}
// CUDA: memref.store {{.*}}, %[[SX]]
// CUDA: memref.store {{.*}}, %[[SW]]
// CUDA: nvvm.cp.async.commit.group
// CUDA: scf.for
// CUDA: nvvm.cp.async.wait.group 0
// CUDA-NEXT: gpu.barrier
// CUDA: nvgpu.device_async_copy
// CUDA: nvvm.cp.async.commit.group
// CUDA-COUNT-2: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CUDA-NOT: gpu.barrier
// CUDA: scf.yield

// HIP: scf.for
// HIP: memref.store {{.*}}, %[[SX]]
// HIP: memref.store {{.*}}, %[[SW]]
// HIP: gpu.barrier
// HIP: amdgpu.mfma 16x16x16 {{.*}} : vector<4xbf16>, vector<4xbf16>, vector<4xf32>
// HIP: gpu.barrier
// HIP: scf.yield
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: gpu.return

// CHECK: gpu.func @linear_f32(
// CHECK-NOT: nvgpu.mma.sync
// CHECK-NOT: amdgpu.mfma
// CHECK: arith.mulf
// CHECK: gpu.return

// NOTGPU: seq-gpu-linear-kernels: 'cpu' is not a GPU target
// CHIP: seq-gpu-linear-kernels: unknown cuda chip 'sm_99' (known: sm_80, sm_86, sm_89, sm_90, sm_90a)
// MUTATION: seq-gpu-linear-kernels: unknown mutation 'typo'

func.func @bf16(%x: tensor<2x8x64xbf16>, %w: tensor<48x64xbf16>, %b: tensor<48xbf16>)
    -> tensor<2x8x48xbf16> {
  %y = seq.linear %x, %w bias(%b : tensor<48xbf16>)
      : tensor<2x8x64xbf16>, tensor<48x64xbf16> -> tensor<2x8x48xbf16>
  return %y : tensor<2x8x48xbf16>
}

func.func @f32(%x: tensor<7x33xf32>, %w: tensor<17x33xf32>) -> tensor<7x17xf32> {
  %y = seq.linear %x, %w : tensor<7x33xf32>, tensor<17x33xf32> -> tensor<7x17xf32>
  return %y : tensor<7x17xf32>
}
