// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU test of these goldens.
//
// The f32 linear layer (rank-3 input, bias), emulated: shared-memory tiles
// and per-thread f32 FMAs (no matrix instruction: exact f32), for the CUDA
// and HIP mappings, against Integration/CPU/Inputs/linear_bias (PyTorch).

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/../CPU/Inputs/linear_bias/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_bias/weight.npy \
// RUN:   --arg 2=%S/../CPU/Inputs/linear_bias/bias.npy \
// RUN:   --expect 3=%S/../CPU/Inputs/linear_bias/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --arg 0=%S/../CPU/Inputs/linear_bias/x.npy \
// RUN:   --arg 1=%S/../CPU/Inputs/linear_bias/weight.npy \
// RUN:   --arg 2=%S/../CPU/Inputs/linear_bias/bias.npy \
// RUN:   --expect 3=%S/../CPU/Inputs/linear_bias/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=HIP

// CUDA: emulated linear_f32_bias on cuda:sm_80: 2 blocks x 128 threads, 6 barriers, 0 warp collectives
// CUDA: output 3: 400 values, max abs error {{.*}}, 0 outside
// HIP: emulated linear_f32_bias on hip:gfx942: 2 blocks x 256 threads, 12 barriers, 0 warp collectives
// HIP: output 3: 400 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<2x5x48xf32>, %w: tensor<40x48xf32>, %b: tensor<40xf32>)
    -> tensor<2x5x40xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<40xf32>)
      : tensor<2x5x48xf32>, tensor<40x48xf32> -> tensor<2x5x40xf32>
  return %y : tensor<2x5x40xf32>
}
