// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU test of these goldens.
//
// RMSNorm (f32, H = 64), emulated: the kernel seqc maps for cuda:sm_80
// (a warp per row, 4 rows per block, shuffle reduction) and for hip:gfx942
// (a wavefront of 64 per row), and the block-per-row form (4 warps per
// row, their sums combined through workgroup memory after a barrier), run
// in the GPU emulator against the PyTorch goldens of the CPU test
// (Integration/CPU/Inputs/rms_norm, written by gen/gen_model.py).

// DEFINE: %{args} = --arg 0=%S/../CPU/Inputs/rms_norm/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/rms_norm/weight.npy \
// DEFINE:   --expect 2=%S/../CPU/Inputs/rms_norm/out.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP
// RUN: seqc-opt %s "--seq-gpu-norm-kernels=target=cuda:sm_80 block-per-row=1" -o %t.cuda.block.mlir
// RUN: seq-gpu-emu %t.cuda.block.mlir %{args} | FileCheck %s --check-prefix=CUDA-BLOCK
// RUN: seqc-opt %s "--seq-gpu-norm-kernels=target=hip:gfx942 block-per-row=1" -o %t.hip.block.mlir
// RUN: seq-gpu-emu %t.hip.block.mlir %{args} | FileCheck %s --check-prefix=HIP-BLOCK

// 10 rows: 3 blocks of 4 warps (the last with two rows past the end),
// 5 (CUDA) or 6 (HIP) shuffles per warp; a block per row: 10 blocks, one
// barrier each.
// CUDA: emulated rms_norm_f32_warp_eps3727c5ac on cuda:sm_80: 3 blocks x 128 threads, 0 barriers, 60 warp collectives
// CUDA: output 2: 640 values, max abs error {{.*}}, 0 outside
// HIP: emulated rms_norm_f32_warp_eps3727c5ac on hip:gfx942: 3 blocks x 256 threads, 0 barriers, 72 warp collectives
// HIP: output 2: 640 values, max abs error {{.*}}, 0 outside
// CUDA-BLOCK: emulated rms_norm_f32_block_eps3727c5ac on cuda:sm_80: 10 blocks x 128 threads, 10 barriers, 200 warp collectives
// CUDA-BLOCK: output 2: 640 values, max abs error {{.*}}, 0 outside
// HIP-BLOCK: emulated rms_norm_f32_block_eps3727c5ac on hip:gfx942: 10 blocks x 256 threads, 10 barriers, 240 warp collectives
// HIP-BLOCK: output 2: 640 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
      : tensor<2x5x64xf32>, tensor<64xf32>
  return %y : tensor<2x5x64xf32>
}
