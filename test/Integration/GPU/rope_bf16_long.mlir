// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default.
//
// RoPE in bf16 at long-context positions (up to 32767: angles of 3e4 rad,
// where the kernel's range reduction by pi/2 in three parts must stay
// exact), NeoX pairing, head dim 64, theta 1e4, emulated through the CUDA
// and HIP mappings against the float64 PyTorch reference
// (Inputs/rope_gpu_bf16_long, gen/gen_elementwise_gpu.py).

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/Inputs/rope_gpu_bf16_long/x.npy \
// RUN:   --arg 1=%S/Inputs/rope_gpu_bf16_long/positions.npy \
// RUN:   --expect 2=%S/Inputs/rope_gpu_bf16_long/out.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --arg 0=%S/Inputs/rope_gpu_bf16_long/x.npy \
// RUN:   --arg 1=%S/Inputs/rope_gpu_bf16_long/positions.npy \
// RUN:   --expect 2=%S/Inputs/rope_gpu_bf16_long/out.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   | FileCheck %s --check-prefix=HIP

// CUDA: emulated rope_bf16_neox_d64_r64_{{[0-9a-f]+}} on cuda:sm_80: 6 blocks x 256 threads
// CUDA: output 2: 1920 values, max abs error {{.*}}, 0 outside
// HIP: emulated rope_bf16_neox_d64_r64_{{[0-9a-f]+}} on hip:gfx942: 6 blocks x 256 threads
// HIP: output 2: 1920 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<2x3x5x64xbf16>, %pos: tensor<2x5xi32>) -> tensor<2x3x5x64xbf16> {
  %y = seq.rope %x, %pos {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
      : tensor<2x3x5x64xbf16>, tensor<2x5xi32>
  return %y : tensor<2x3x5x64xbf16>
}
