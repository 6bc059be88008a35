// Tolerance: rtol 2e-2 / atol 2e-2 (the goldens are rounded to bf16).
//
// The f16 linear layer on tensor cores (mma.sync f16 / MFMA f16), emulated,
// against the PyTorch goldens of the bf16 test: its inputs are bf16 values
// that f16 holds exactly (|x| < 2^15, 8-bit significands), and the f32
// accumulation is the same, so the results differ from the bf16-rounded
// goldens by less than bf16 rounding.

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

// CUDA: emulated linear_f16_bias on cuda:sm_80: 2 blocks x 128 threads, 8 barriers, 64 warp collectives
// CUDA: output 3: 768 values, max abs error {{.*}}, 0 outside
// HIP: emulated linear_f16_bias on hip:gfx942: 2 blocks x 256 threads, 16 barriers, 32 warp collectives
// HIP: output 3: 768 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<2x8x64xf16>, %w: tensor<48x64xf16>, %b: tensor<48xf16>)
    -> tensor<2x8x48xf16> {
  %y = seq.linear %x, %w bias(%b : tensor<48xf16>)
      : tensor<2x8x64xf16>, tensor<48x64xf16> -> tensor<2x8x48xf16>
  return %y : tensor<2x8x48xf16>
}
