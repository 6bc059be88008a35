// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU
// tests); bf16 rtol 2e-2 / atol 2e-2 (the bf16 default).
//
// The short causal convolution (seq.causal_conv1d), emulated through the
// CUDA and HIP mappings (256 threads a block): a block per
// (tile of time steps, batch row), its threads over the tile's (time,
// channel) elements. Against the CPU tests' PyTorch goldens
// (Integration/CPU/Inputs/conv_prefill: bias and SiLU from no state;
// conv_short_input_state: K = 5 with a given state and fewer steps than
// K-1, so the final state comes partly from the state), and
// Inputs/conv_gpu_decode (the decode step, S = 1, from a state) and
// Inputs/conv_gpu_bf16 (bf16, 37 steps over 13 blocks, a given state;
// gen/gen_scan_gpu.py, F.conv1d).

// DEFINE: %{prefill} = --kernel=causal_conv1d_f32_wf32_k4_biasf32_fsf32_silu_r51 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/conv_prefill/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/conv_prefill/w.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/conv_prefill/bias.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/conv_prefill/y.npy \
// DEFINE:   --expect 4=%S/../CPU/Inputs/conv_prefill/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{short} = --kernel=causal_conv1d_f32_wf32_k5_statef32_fsf32_r146 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/conv_short_input_state/x.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/conv_short_input_state/w.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/conv_short_input_state/state.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/conv_short_input_state/y.npy \
// DEFINE:   --expect 4=%S/../CPU/Inputs/conv_short_input_state/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{decode} = --kernel=causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r3 \
// DEFINE:   --arg 0=%S/Inputs/conv_gpu_decode/x.npy \
// DEFINE:   --arg 1=%S/Inputs/conv_gpu_decode/w.npy \
// DEFINE:   --arg 2=%S/Inputs/conv_gpu_decode/bias.npy \
// DEFINE:   --arg 3=%S/Inputs/conv_gpu_decode/state.npy \
// DEFINE:   --expect 4=%S/Inputs/conv_gpu_decode/y.npy \
// DEFINE:   --expect 5=%S/Inputs/conv_gpu_decode/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{bf16} = --kernel=causal_conv1d_bf16_wbf16_k4_biasbf16_statebf16_fsbf16_silu_r3 \
// DEFINE:   --arg 0=%S/Inputs/conv_gpu_bf16/x.npy \
// DEFINE:   --arg 1=%S/Inputs/conv_gpu_bf16/w.npy \
// DEFINE:   --arg 2=%S/Inputs/conv_gpu_bf16/bias.npy \
// DEFINE:   --arg 3=%S/Inputs/conv_gpu_bf16/state.npy \
// DEFINE:   --expect 4=%S/Inputs/conv_gpu_bf16/y.npy \
// DEFINE:   --expect 5=%S/Inputs/conv_gpu_bf16/final_state.npy --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{prefill} | FileCheck %s --check-prefix=PREFILL
// RUN: seq-gpu-emu %t.cuda.mlir %{short} | FileCheck %s --check-prefix=SHORT
// RUN: seq-gpu-emu %t.cuda.mlir %{decode} | FileCheck %s --check-prefix=DECODE
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{prefill} | FileCheck %s --check-prefix=PREFILL
// RUN: seq-gpu-emu %t.hip.mlir %{short} | FileCheck %s --check-prefix=SHORT
// RUN: seq-gpu-emu %t.hip.mlir %{decode} | FileCheck %s --check-prefix=DECODE
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=BF16

// PREFILL: emulated causal_conv1d_f32_wf32_k4_biasf32_fsf32_silu_r51 on {{.*}}: 2 blocks x 256 threads
// PREFILL: output 3: 440 values, max abs error {{.*}}, 0 outside
// PREFILL: output 4: 120 values, max abs error {{.*}}, 0 outside
// SHORT: output 3: 42 values, max abs error {{.*}}, 0 outside
// SHORT: output 4: 84 values, max abs error {{.*}}, 0 outside
// DECODE: emulated causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r3 on {{.*}}: 2 blocks x 256 threads
// DECODE: output 4: 600 values, max abs error {{.*}}, 0 outside
// DECODE: output 5: 1800 values, max abs error {{.*}}, 0 outside
// BF16: emulated causal_conv1d_bf16_wbf16_k4_biasbf16_statebf16_fsbf16_silu_r3 on {{.*}}: 26 blocks x 256 threads
// BF16: output 4: 22200 values, max abs error {{.*}}, 0 outside
// BF16: output 5: 1800 values, max abs error {{.*}}, 0 outside

func.func @prefill(%x: tensor<2x11x20xf32>, %w: tensor<20x4xf32>, %b: tensor<20xf32>)
    -> (tensor<2x11x20xf32>, tensor<2x3x20xf32>) {
  %y, %s = seq.causal_conv1d %x, %w bias(%b : tensor<20xf32>) silu
      : tensor<2x11x20xf32>, tensor<20x4xf32> -> tensor<2x11x20xf32>, tensor<2x3x20xf32>
  return %y, %s : tensor<2x11x20xf32>, tensor<2x3x20xf32>
}

func.func @short_input_state(%x: tensor<3x?x7xf32>, %w: tensor<7x5xf32>, %s: tensor<3x4x7xf32>)
    -> (tensor<3x?x7xf32>, tensor<3x4x7xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w state(%s : tensor<3x4x7xf32>)
      : tensor<3x?x7xf32>, tensor<7x5xf32> -> tensor<3x?x7xf32>, tensor<3x4x7xf32>
  return %y, %s1 : tensor<3x?x7xf32>, tensor<3x4x7xf32>
}

func.func @decode(%x: tensor<2x1x300xf32>, %w: tensor<300x4xf32>, %b: tensor<300xf32>,
                  %s: tensor<2x3x300xf32>) -> (tensor<2x1x300xf32>, tensor<2x3x300xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<300xf32>) state(%s : tensor<2x3x300xf32>) silu
      : tensor<2x1x300xf32>, tensor<300x4xf32> -> tensor<2x1x300xf32>, tensor<2x3x300xf32>
  return %y, %s1 : tensor<2x1x300xf32>, tensor<2x3x300xf32>
}

func.func @prefill_bf16(%x: tensor<2x37x300xbf16>, %w: tensor<300x4xbf16>, %b: tensor<300xbf16>,
                        %s: tensor<2x3x300xbf16>) -> (tensor<2x37x300xbf16>, tensor<2x3x300xbf16>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<300xbf16>) state(%s : tensor<2x3x300xbf16>) silu
      : tensor<2x37x300xbf16>, tensor<300x4xbf16> -> tensor<2x37x300xbf16>, tensor<2x3x300xbf16>
  return %y, %s1 : tensor<2x37x300xbf16>, tensor<2x3x300xbf16>
}
