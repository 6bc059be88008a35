// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU tests of these goldens.
//
// LayerNorm (f32, two passes: mean, then the centred variance), emulated
// through the CUDA and HIP mappings: with bias (H = 48, a warp per row,
// and a block per row with two workgroup reductions) and without (H = 40,
// epsilon 1e-6), against the PyTorch goldens of the CPU tests
// (Integration/CPU/Inputs/layer_norm_{bias,nobias}, gen/gen_model.py).
// The second function is compiled with seqc-opt, the first with seqc.

// DEFINE: %{bias} = --arg 0=%S/../CPU/Inputs/layer_norm_bias/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/layer_norm_bias/weight.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/layer_norm_bias/bias.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/layer_norm_bias/out.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{nobias} = --arg 0=%S/../CPU/Inputs/layer_norm_nobias/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/layer_norm_nobias/weight.npy \
// DEFINE:   --expect 2=%S/../CPU/Inputs/layer_norm_nobias/out.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=layer_norm_f32_bias_warp_eps3727c5ac %{bias} | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=layer_norm_f32_warp_eps358637bd %{nobias} | FileCheck %s --check-prefix=CUDA-NOBIAS
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --kernel=layer_norm_f32_bias_warp_eps3727c5ac %{bias} | FileCheck %s --check-prefix=HIP
// RUN: seq-gpu-emu %t.hip.mlir --kernel=layer_norm_f32_warp_eps358637bd %{nobias} | FileCheck %s --check-prefix=HIP-NOBIAS
// RUN: seqc-opt %s "--seq-gpu-norm-kernels=target=cuda:sm_80 block-per-row=1" -o %t.cuda.block.mlir
// RUN: seq-gpu-emu %t.cuda.block.mlir --kernel=layer_norm_f32_bias_block_eps3727c5ac %{bias} | FileCheck %s --check-prefix=CUDA-BLOCK
// RUN: seqc-opt %s "--seq-gpu-norm-kernels=target=hip:gfx942 block-per-row=1" -o %t.hip.block.mlir
// RUN: seq-gpu-emu %t.hip.block.mlir --kernel=layer_norm_f32_bias_block_eps3727c5ac %{bias} | FileCheck %s --check-prefix=HIP-BLOCK

// 21 rows: 6 blocks of 4 warps, two shuffle reductions per warp; a block
// per row: 21 blocks, two barriers each.
// CUDA: emulated layer_norm_f32_bias_warp_eps3727c5ac on cuda:sm_80: 6 blocks x 128 threads, 0 barriers, 240 warp collectives
// CUDA: output 3: 1008 values, max abs error {{.*}}, 0 outside
// CUDA-NOBIAS: output 2: 160 values, max abs error {{.*}}, 0 outside
// HIP: emulated layer_norm_f32_bias_warp_eps3727c5ac on hip:gfx942: 6 blocks x 256 threads, 0 barriers, 288 warp collectives
// HIP: output 3: 1008 values, max abs error {{.*}}, 0 outside
// HIP-NOBIAS: output 2: 160 values, max abs error {{.*}}, 0 outside
// CUDA-BLOCK: emulated layer_norm_f32_bias_block_eps3727c5ac on cuda:sm_80: 21 blocks x 128 threads, 42 barriers, 840 warp collectives
// CUDA-BLOCK: output 3: 1008 values, max abs error {{.*}}, 0 outside
// HIP-BLOCK: emulated layer_norm_f32_bias_block_eps3727c5ac on hip:gfx942: 21 blocks x 256 threads, 42 barriers, 1008 warp collectives
// HIP-BLOCK: output 3: 1008 values, max abs error {{.*}}, 0 outside

func.func @bias(%x: tensor<3x7x48xf32>, %w: tensor<48xf32>, %b: tensor<48xf32>)
    -> tensor<3x7x48xf32> {
  %y = seq.layer_norm %x, %w bias(%b : tensor<48xf32>) {epsilon = 1.0e-05 : f32}
      : tensor<3x7x48xf32>, tensor<48xf32>
  return %y : tensor<3x7x48xf32>
}

func.func @nobias(%x: tensor<4x40xf32>, %w: tensor<40xf32>) -> tensor<4x40xf32> {
  %y = seq.layer_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<4x40xf32>, tensor<40xf32>
  return %y : tensor<4x40xf32>
}
