// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU test of these goldens.
//
// The f32 linear layer on odd sizes (M = 7, N = 17, K = 33: partial tiles
// in every dimension, zero-filled in shared memory), emulated for the CUDA
// and HIP mappings against Integration/CPU/Inputs/linear_odd_2d (PyTorch).

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/../CPU/Inputs/linear_odd_2d/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_odd_2d/weight.npy \
// RUN:   --expect 2=%S/../CPU/Inputs/linear_odd_2d/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --arg 0=%S/../CPU/Inputs/linear_odd_2d/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_odd_2d/weight.npy \
// RUN:   --expect 2=%S/../CPU/Inputs/linear_odd_2d/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=HIP

// CUDA: emulated linear_f32 on cuda:sm_80: 1 blocks x 128 threads, 3 barriers, 0 warp collectives
// CUDA: output 2: 119 values, max abs error {{.*}}, 0 outside
// HIP: emulated linear_f32 on hip:gfx942: 1 blocks x 256 threads, 6 barriers, 0 warp collectives
// HIP: output 2: 119 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<7x33xf32>, %w: tensor<17x33xf32>) -> tensor<7x17xf32> {
  %y = seq.linear %x, %w : tensor<7x33xf32>, tensor<17x33xf32> -> tensor<7x17xf32>
  return %y : tensor<7x17xf32>
}
