// Tolerance: exact (token ids; --rtol 0 --atol 0).
//
// Greedy sampling (argmax over the vocabulary, lowest index on ties),
// emulated through the CUDA and HIP mappings (a block per row, 4 warps
// scanning strided shares of V = 5000, (value, index, NaN flag) reduced by
// shuffles and across warps through workgroup memory): f32 and bf16
// logits with a duplicated maximum, a row of -inf and the maximum at the
// last index, against torch.argmax (Inputs/argmax_gpu,
// gen/gen_sample_gpu.py). The CPU test's NaN logits
// (Integration/CPU/Inputs/sample_invalid) give -1 for the row with a NaN
// (the host's kInvalidLogits, as the CPU raises), and so does an empty
// vocabulary.

// DEFINE: %{f32} = --kernel=argmax_f32 --arg 0=%S/Inputs/argmax_gpu/logits.npy \
// DEFINE:   --expect 1=%S/Inputs/argmax_gpu/tokens.npy --rtol 0 --atol 0
// DEFINE: %{bf16} = --kernel=argmax_bf16 --arg 0=%S/Inputs/argmax_gpu/logits.npy \
// DEFINE:   --expect 1=%S/Inputs/argmax_gpu/tokens_bf16.npy --rtol 0 --atol 0
// DEFINE: %{nan} = --kernel=argmax_f32 --arg 0=%S/../CPU/Inputs/sample_invalid/nan.npy \
// DEFINE:   --expect 1=%S/Inputs/argmax_gpu/nan_tokens.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{f32} | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=VALUES
// RUN: seq-gpu-emu %t.cuda.mlir %{nan} | FileCheck %s --check-prefix=NAN
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{f32} | FileCheck %s --check-prefix=HIP
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=VALUES
// RUN: seq-gpu-emu %t.hip.mlir %{nan} | FileCheck %s --check-prefix=NAN

// CUDA: emulated argmax_f32 on cuda:sm_80: 4 blocks x 128 threads, 4 barriers, 240 warp collectives
// CUDA: output 1: 4 values, max abs error 0{{.*}}, 0 outside
// HIP: emulated argmax_f32 on hip:gfx942: 4 blocks x 256 threads, 4 barriers, 288 warp collectives
// HIP: output 1: 4 values, max abs error 0{{.*}}, 0 outside
// VALUES: output 1: 4 values, max abs error 0{{.*}}, 0 outside
// NAN: output 1: 2 values, max abs error 0{{.*}}, 0 outside

func.func @greedy(%logits: tensor<4x5000xf32>) -> tensor<4xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>}
      : tensor<4x5000xf32> -> tensor<4xi32>
  return %t : tensor<4xi32>
}

func.func @greedy_bf16(%logits: tensor<4x5000xbf16>) -> tensor<4xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>}
      : tensor<4x5000xbf16> -> tensor<4xi32>
  return %t : tensor<4xi32>
}
