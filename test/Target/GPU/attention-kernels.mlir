// seq-gpu-attention-kernels maps seq.attention onto blocks and warps in
// FlashAttention-2 form: K/V tiles in workgroup memory filled by all
// threads (on HIP between two barriers; on CUDA by cp.async into two buffers,
// one barrier per tile), Q.K^T and P.V on the chip's matrix
// instruction (mma.sync m16n8k16 on CUDA, 16x16x16 MFMA on HIP), the row
// max and sum exchanged by warp shuffles, exp2 in registers, causal key
// tiles skipped (the key loop ends at the block's last query); no score
// buffer exists (the only workgroup memory is the two tiles, no alloc).

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %s --seq-gpu-attention-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION
// RUN: not seqc-opt %S/Inputs/attention-unsupported.mlir --seq-gpu-attention-kernels=target=cuda:sm_80 --split-input-file 2>&1 | FileCheck %s --check-prefix=NOKERNEL

// CHECK: module attributes {gpu.container_module}
// CHECK: seq.attention {{.*}}seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q16_causal], seq.split_kv = 1 : i64
// CUDA: gpu.module @seq_kernels attributes {seq.target = "cuda:sm_80"}
// HIP: gpu.module @seq_kernels attributes {seq.target = "hip:gfx942"}

// Q [B, Hq, Sq, D], K, V, O; 64-key tiles of K and V; 16 positions x 4
// heads = 64 rows = 4 warps; grid (Sq / 16, Hkv, B).
// CHECK: gpu.func @attention_bf16_g4_d64_dv64_q16_causal(%[[Q:.*]]: memref<?x?x?x?xbf16>, %[[K:.*]]: memref<?x?x?x?xbf16>, %[[V:.*]]: memref<?x?x?x?xbf16>, %[[O:.*]]: memref<?x?x?x?xbf16>)
// The cp.async tiles are 16-byte aligned (llvm.align); HIP's need no more
// than their element.
// CUDA-SAME: workgroup(%[[SK:.*]] : memref<2x64x64xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[SV:.*]] : memref<2x64x64xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// HIP-SAME: workgroup(%[[SK:.*]] : memref<64x64xbf16, #gpu.address_space<workgroup>>, %[[SV:.*]] : memref<64x64xbf16, #gpu.address_space<workgroup>>)
// CHECK-SAME: kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 0, 2, 16, 1, 1, 1, 0, 0, 1>
// CHECK-NOT: memref.alloc
// Causal skipping: the key loop's end is clamped to the block's last query.
// CHECK: arith.minsi
// CHECK: %[[END:.*]] = arith.maxsi
// CUDA (cp.async, two buffers): the first tile's copies before the loop;
// per tile: wait, one barrier, the next tile's copies, the compute.
// CUDA: nvgpu.device_async_copy %[[K]][{{.*}}], %[[SK]][{{.*}}], 8, %{{.*}} {bypassL1}
// CUDA: nvgpu.device_async_copy %[[V]][{{.*}}], %[[SV]][{{.*}}], 8, %{{.*}} {bypassL1}
// CUDA: nvvm.cp.async.commit.group
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[END]] step %{{.*}} iter_args(
// CUDA: nvvm.cp.async.wait.group 0
// CUDA-NEXT: gpu.barrier
// CUDA: nvgpu.device_async_copy %[[K]]
// CUDA: nvvm.cp.async.commit.group
// HIP: memref.store {{.*}}, %[[SK]]
// HIP: memref.store {{.*}}, %[[SV]]
// HIP: gpu.barrier
// CHECK: memref.load %[[SK]]
// CUDA: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// HIP: amdgpu.mfma 16x16x16 {{.*}} : vector<4xbf16>, vector<4xbf16>, vector<4xf32>
// CUDA: gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// HIP: gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: llvm.intr.exp2
// CHECK: memref.load %[[SV]]
// CUDA: nvgpu.mma.sync
// HIP: amdgpu.mfma
// HIP: gpu.barrier
// CHECK: scf.yield
// CUDA-NEXT: }
// CUDA-NEXT: gpu.barrier
// CHECK: arith.divf
// CHECK: memref.store {{.*}}, %[[O]]
// CHECK: gpu.return

// NOTGPU: seq-gpu-attention-kernels: 'cpu' is not a GPU target
// MUTATION: seq-gpu-attention-kernels: unknown mutation 'typo'

func.func @gqa(%q: tensor<2x8x40x64xbf16>, %k: tensor<2x2x40x64xbf16>,
               %v: tensor<2x2x40x64xbf16>) -> tensor<2x8x40x64xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<2x8x40x64xbf16>, tensor<2x2x40x64xbf16>, tensor<2x2x40x64xbf16>
      -> tensor<2x8x40x64xbf16>
  return %o : tensor<2x8x40x64xbf16>
}

// NOKERNEL: error: seq-gpu-attention-kernels: cuda:sm_80 has no attention kernel for f32 storage (the kernels run f16 and bf16) yet
// NOKERNEL: error: seq-gpu-attention-kernels: cuda:sm_80 has no attention kernel for paged KV with a dynamic block size yet
// NOKERNEL: error: seq-gpu-attention-kernels: GPU attention needs head dims that are multiples of 8, at most 256 (got 36 and 36)
