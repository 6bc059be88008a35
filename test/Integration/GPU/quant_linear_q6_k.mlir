// Tolerance: decode rtol 1e-5 / atol 1e-4 (f32), prefill rtol 5e-3 / atol
// 5e-3 (f16 tiles, f32 accumulation); gen/gen_quant_gpu.py explains them.
//
// seq.quantized_linear over q6_k (K-quant super-blocks of 256, 210 bytes) on the GPU,
// emulated: the kernels seqc maps for cuda:sm_80 and hip:gfx942 run in the
// GPU emulator against gguf-py's dequantize-then-matmul in f64
// (Inputs/quant_gpu_q6_k_*, random super-blocks in ggml's layout written by
// gen/gen_quant_gpu.py). T = 1 (K = 768) and 3 (K = 512) take the decode
// form (a warp per output feature walking the super-blocks, each lane a run
// of bytes no other lane reads; N = 9), T = 64 the prefill form (f16 tiles
// dequantized in workgroup memory, the shared mma.sync m16n8k16 / MFMA
// 16x16x16 tile step; K = 512, N = 40).

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=qlinear_q6_k_decode --arg 0=%S/Inputs/quant_gpu_q6_k_t1/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t1/w.npy \
// RUN:   --expect 2=%S/Inputs/quant_gpu_q6_k_t1/out.npy --rtol 1e-5 --atol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=CUDA-T1
// RUN: seq-gpu-emu %t.hip.mlir --kernel=qlinear_q6_k_decode --arg 0=%S/Inputs/quant_gpu_q6_k_t1/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t1/w.npy \
// RUN:   --expect 2=%S/Inputs/quant_gpu_q6_k_t1/out.npy --rtol 1e-5 --atol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=HIP-T1
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=qlinear_q6_k_decode_bias --arg 0=%S/Inputs/quant_gpu_q6_k_t3/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t3/w.npy \
// RUN:   --arg 2=%S/Inputs/quant_gpu_q6_k_t3/b.npy --expect 3=%S/Inputs/quant_gpu_q6_k_t3/out.npy --rtol 1e-5 --atol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=CUDA-T3
// RUN: seq-gpu-emu %t.hip.mlir --kernel=qlinear_q6_k_decode_bias --arg 0=%S/Inputs/quant_gpu_q6_k_t3/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t3/w.npy \
// RUN:   --arg 2=%S/Inputs/quant_gpu_q6_k_t3/b.npy --expect 3=%S/Inputs/quant_gpu_q6_k_t3/out.npy --rtol 1e-5 --atol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=HIP-T3
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=qlinear_q6_k_prefill --arg 0=%S/Inputs/quant_gpu_q6_k_t64/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t64/w.npy \
// RUN:   --expect 2=%S/Inputs/quant_gpu_q6_k_t64/out.npy --rtol 5e-3 --atol 5e-3 \
// RUN:   | FileCheck %s --check-prefix=CUDA-T64
// RUN: seq-gpu-emu %t.hip.mlir --kernel=qlinear_q6_k_prefill --arg 0=%S/Inputs/quant_gpu_q6_k_t64/x.npy --arg 1=%S/Inputs/quant_gpu_q6_k_t64/w.npy \
// RUN:   --expect 2=%S/Inputs/quant_gpu_q6_k_t64/out.npy --rtol 5e-3 --atol 5e-3 \
// RUN:   | FileCheck %s --check-prefix=HIP-T64

// CUDA-T1: emulated qlinear_q6_k_decode on cuda:sm_80: 3 blocks x 128 threads, 0 barriers
// CUDA-T1: output 2: 9 values, max abs error {{.*}}, 0 outside
// HIP-T1: emulated qlinear_q6_k_decode on hip:gfx942: 3 blocks x 256 threads, 0 barriers
// HIP-T1: output 2: 9 values, max abs error {{.*}}, 0 outside
// CUDA-T3: emulated qlinear_q6_k_decode_bias on cuda:sm_80: 3 blocks x 128 threads, 0 barriers
// CUDA-T3: output 3: 27 values, max abs error {{.*}}, 0 outside
// HIP-T3: emulated qlinear_q6_k_decode_bias on hip:gfx942: 3 blocks x 256 threads, 0 barriers
// HIP-T3: output 3: 27 values, max abs error {{.*}}, 0 outside
// CUDA-T64: emulated qlinear_q6_k_prefill on cuda:sm_80: 4 blocks x 128 threads, 128 barriers
// CUDA-T64: output 2: 2560 values, max abs error {{.*}}, 0 outside
// HIP-T64: emulated qlinear_q6_k_prefill on hip:gfx942: 4 blocks x 256 threads, 128 barriers
// HIP-T64: output 2: 2560 values, max abs error {{.*}}, 0 outside

func.func @t1(%x: tensor<1x768xf32>, %w: tensor<9x630xi8>)
    -> tensor<1x9xf32> {
  %y = seq.quantized_linear %x, %w
      {format = #seq.quant_format<q6_k>}
      : tensor<1x768xf32>, tensor<9x630xi8> -> tensor<1x9xf32>
  return %y : tensor<1x9xf32>
}

func.func @t3(%x: tensor<1x3x512xf32>, %w: tensor<9x420xi8>, %b: tensor<9xf32>)
    -> tensor<1x3x9xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<9xf32>)
      {format = #seq.quant_format<q6_k>}
      : tensor<1x3x512xf32>, tensor<9x420xi8> -> tensor<1x3x9xf32>
  return %y : tensor<1x3x9xf32>
}

func.func @t64(%x: tensor<64x512xf32>, %w: tensor<40x420xi8>)
    -> tensor<64x40xf32> {
  %y = seq.quantized_linear %x, %w
      {format = #seq.quant_format<q6_k>}
      : tensor<64x512xf32>, tensor<40x420xi8> -> tensor<64x40xf32>
  return %y : tensor<64x40xf32>
}
