// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the CPU test of these goldens.
//
// RMSNorm in bf16 (H = 128, f32 statistics), emulated through the CUDA
// (warp per row) and HIP (wavefront per row) mappings against the PyTorch
// goldens of the CPU test (Integration/CPU/Inputs/rms_norm_bf16).

// DEFINE: %{args} = --arg 0=%S/../CPU/Inputs/rms_norm_bf16/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/rms_norm_bf16/weight.npy \
// DEFINE:   --expect 2=%S/../CPU/Inputs/rms_norm_bf16/out.npy --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// CUDA: emulated rms_norm_bf16_warp_eps358637bd on cuda:sm_80: 3 blocks x 128 threads, 0 barriers, 60 warp collectives
// CUDA: output 2: 1536 values, max abs error {{.*}}, 0 outside
// HIP: emulated rms_norm_bf16_warp_eps358637bd on hip:gfx942: 3 blocks x 256 threads, 0 barriers, 72 warp collectives
// HIP: output 2: 1536 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<3x4x128xbf16>, %w: tensor<128xbf16>) -> tensor<3x4x128xbf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<3x4x128xbf16>, tensor<128xbf16>
  return %y : tensor<3x4x128xbf16>
}
