// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the CPU test of these goldens.
//
// The bf16 linear layer (with bias) on tensor cores, emulated: the kernel
// seqc maps for cuda:sm_80 (4 warps, nvgpu.mma.sync m16n8k16 from shared
// tiles) and for hip:gfx942 (4 wavefronts, 16x16x16 MFMA) runs in the GPU
// emulator against the PyTorch goldens of the CPU test
// (Integration/CPU/Inputs/linear_bf16, written by gen/gen_model.py).

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/../CPU/Inputs/linear_bf16/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_bf16/weight.npy \
// RUN:   --arg 2=%S/../CPU/Inputs/linear_bf16/bias.npy \
// RUN:   --expect 3=%S/../CPU/Inputs/linear_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --arg 0=%S/../CPU/Inputs/linear_bf16/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_bf16/weight.npy \
// RUN:   --arg 2=%S/../CPU/Inputs/linear_bf16/bias.npy \
// RUN:   --expect 3=%S/../CPU/Inputs/linear_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=HIP

// M = 16, N = 48, K = 64: a 2 x 1 grid of 32 x 32 tiles, 4 K steps with two
// barriers each on HIP, one on CUDA (cp.async into two buffers); 4 warps x
// 2 mma.sync (or 4 wavefronts x 1 MFMA) per step.
// CUDA: emulated linear_bf16_bias on cuda:sm_80: 2 blocks x 128 threads, 8 barriers, 64 warp collectives
// CUDA: output 3: 768 values, max abs error {{.*}}, 0 outside
// HIP: emulated linear_bf16_bias on hip:gfx942: 2 blocks x 256 threads, 16 barriers, 32 warp collectives
// HIP: output 3: 768 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<2x8x64xbf16>, %w: tensor<48x64xbf16>, %b: tensor<48xbf16>)
    -> tensor<2x8x48xbf16> {
  %y = seq.linear %x, %w bias(%b : tensor<48xbf16>)
      : tensor<2x8x64xbf16>, tensor<48x64xbf16> -> tensor<2x8x48xbf16>
  return %y : tensor<2x8x48xbf16>
}
