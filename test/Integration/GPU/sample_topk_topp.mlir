// Tolerance: exact (token ids; --rtol 0 --atol 0).
//
// Temperature + top-k + top-p sampling on the GPU (SampleKernel.cpp),
// emulated through the CUDA and HIP mappings, against an independent NumPy
// implementation of the #seq.sampling definition (Philox-4x32-10 and the
// selection rule; gen/gen_sample_philox_gpu.py, data with no decision near
// a boundary): temperature 0.7, top-k 40, top-p 0.9 over vocabularies of
// 1000 (8 rows, 1 of 4 seed/counter pairs whose 32-bit halves all matter;
// the bundle for a GPU runs all 4) and 49152 (1 row), and top-p 0.9
// without top-k over 3000 (more
// candidates than workgroup memory holds: the whole-row path). Philox takes
// the key/counter words as an i32 [4] argument (Inputs/sample_gpu/
// philox_<draw>.npy). The CPU test's NaN logits give -1 for the row with a
// NaN (the host's kInvalidLogits). sample_cpu_match.test compares the
// kernel with the CPU artifact's tokens for the same seeds.

// DEFINE: %{in} = %S/Inputs/sample_gpu
// DEFINE: %{k40} = --kernel=sample_f32_t3f333333_k40_p3f666666 --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{k40} --arg 0=%{in}/v1000/logits.npy --arg 1=%{in}/philox_a.npy --expect 2=%{in}/v1000/tokens_a.npy | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{k40} --arg 0=%{in}/v49152/logits.npy --arg 1=%{in}/philox_a.npy --expect 2=%{in}/v49152/tokens_a.npy | FileCheck %s --check-prefix=V49152
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=sample_f32_t3f333333_k0_p3f666666 --rtol 0 --atol 0 --arg 0=%{in}/v3000_topp/logits.npy --arg 1=%{in}/philox_b.npy --expect 2=%{in}/v3000_topp/tokens_b.npy | FileCheck %s --check-prefix=V3000
// RUN: seq-gpu-emu %t.hip.mlir %{k40} --arg 0=%S/../CPU/Inputs/sample_invalid/nan.npy --arg 1=%{in}/philox_a.npy --expect 2=%{in}/nan_tokens.npy | FileCheck %s --check-prefix=NAN

// CUDA: emulated sample_f32_t3f333333_k40_p3f666666 on cuda:sm_80: 8 blocks x 128 threads
// CUDA: output 2: 8 values, max abs error 0{{.*}}, 0 outside
// NAN: emulated sample_f32_t3f333333_k40_p3f666666 on hip:gfx942: 2 blocks x 256 threads
// V49152: output 2: 1 values, max abs error 0{{.*}}, 0 outside
// V3000: output 2: 2 values, max abs error 0{{.*}}, 0 outside
// NAN: output 2: 2 values, max abs error 0{{.*}}, 0 outside

func.func @v1000(%logits: tensor<8x1000xf32>, %seed: i64, %counter: i64) -> tensor<8xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>}
      : tensor<8x1000xf32> -> tensor<8xi32>
  return %t : tensor<8xi32>
}

func.func @v3000_topp(%logits: tensor<2x3000xf32>, %seed: i64, %counter: i64) -> tensor<2xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_p = 0.9>}
      : tensor<2x3000xf32> -> tensor<2xi32>
  return %t : tensor<2xi32>
}
