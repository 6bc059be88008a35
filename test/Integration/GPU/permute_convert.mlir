// The permute kernel (linalg.transpose of tensors of rank <= 4, viewed
// as rank 4) and the conversion kernels (arith.truncf / arith.extf on
// tensors), emulated through the CUDA and HIP mappings against NumPy
// goldens (gen/gen_permute_convert_gpu.py): the attention heads
// [2, 130, 3, 8] -> [2, 3, 130, 8] in f32 (two blocks of 128 rows, the
// second partial), the way back [1, 4, 33, 16] -> [1, 33, 4, 16] in bf16,
// a rank-2 transpose [5, 7] -> [7, 5] (the files hold the rank-4 views
// [1, 1, 5, 7] the launch plan passes), and 4400 values f32 -> bf16 (round
// to nearest even: ties of both parities, values beside them, the largest
// finite bf16) and 3000 values bf16 -> f32. Tolerance: exact (rtol 0,
// atol 0): the kernels copy elements, and the conversion is the one
// rounding both sides define.

// DEFINE: %{in} = %S/Inputs/permute_convert_gpu
// DEFINE: %{heads} = --kernel=permute_f32_p0213_d8 --arg 0=%{in}/heads_f32.npy \
// DEFINE:   --expect 1=%{in}/heads_f32_t.npy --rtol 0 --atol 0
// DEFINE: %{back} = --kernel=permute_bf16_p0213_d16 --arg 0=%{in}/back_bf16.npy \
// DEFINE:   --expect 1=%{in}/back_bf16_t.npy --rtol 0 --atol 0
// DEFINE: %{matrix} = --kernel=permute_f32_p0132_d5 --arg 0=%{in}/matrix_f32.npy \
// DEFINE:   --expect 1=%{in}/matrix_f32_t.npy --rtol 0 --atol 0
// DEFINE: %{narrow} = --kernel=convert_f32_bf16 --arg 0=%{in}/wide_f32.npy \
// DEFINE:   --expect 1=%{in}/narrow_bf16.npy --rtol 0 --atol 0
// DEFINE: %{widen} = --kernel=convert_bf16_f32 --arg 0=%{in}/half_bf16.npy \
// DEFINE:   --expect 1=%{in}/half_bf16.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{heads} | FileCheck %s --check-prefix=HEADS
// RUN: seq-gpu-emu %t.cuda.mlir %{back} | FileCheck %s --check-prefix=BACK
// RUN: seq-gpu-emu %t.cuda.mlir %{matrix} | FileCheck %s --check-prefix=MATRIX
// RUN: seq-gpu-emu %t.cuda.mlir %{narrow} | FileCheck %s --check-prefix=NARROW
// RUN: seq-gpu-emu %t.cuda.mlir %{widen} | FileCheck %s --check-prefix=WIDEN
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{heads} | FileCheck %s --check-prefix=HEADS
// RUN: seq-gpu-emu %t.hip.mlir %{back} | FileCheck %s --check-prefix=BACK
// RUN: seq-gpu-emu %t.hip.mlir %{matrix} | FileCheck %s --check-prefix=MATRIX
// RUN: seq-gpu-emu %t.hip.mlir %{narrow} | FileCheck %s --check-prefix=NARROW
// RUN: seq-gpu-emu %t.hip.mlir %{widen} | FileCheck %s --check-prefix=WIDEN

// HEADS: emulated permute_f32_p0213_d8 on {{.*}}: 12 blocks x 256 threads
// HEADS: output 1: 6240 values, max abs error 0.000000e+00, 0 outside
// BACK: emulated permute_bf16_p0213_d16 on {{.*}}: 33 blocks x 256 threads
// BACK: output 1: 2112 values, max abs error 0.000000e+00, 0 outside
// MATRIX: emulated permute_f32_p0132_d5 on {{.*}}: 1 blocks x 256 threads
// MATRIX: output 1: 35 values, max abs error 0.000000e+00, 0 outside
// NARROW: emulated convert_f32_bf16 on {{.*}}: 5 blocks x 256 threads
// NARROW: output 1: 4400 values, max abs error 0.000000e+00, 0 outside
// WIDEN: emulated convert_bf16_f32 on {{.*}}: 3 blocks x 256 threads
// WIDEN: output 1: 3000 values, max abs error 0.000000e+00, 0 outside

func.func @heads(%x: tensor<2x130x3x8xf32>) -> tensor<2x3x130x8xf32> {
  %e = tensor.empty() : tensor<2x3x130x8xf32>
  %t = linalg.transpose ins(%x : tensor<2x130x3x8xf32>)
      outs(%e : tensor<2x3x130x8xf32>) permutation = [0, 2, 1, 3]
  return %t : tensor<2x3x130x8xf32>
}

func.func @back(%x: tensor<1x4x33x16xbf16>) -> tensor<1x33x4x16xbf16> {
  %e = tensor.empty() : tensor<1x33x4x16xbf16>
  %t = linalg.transpose ins(%x : tensor<1x4x33x16xbf16>)
      outs(%e : tensor<1x33x4x16xbf16>) permutation = [0, 2, 1, 3]
  return %t : tensor<1x33x4x16xbf16>
}

func.func @matrix(%x: tensor<5x7xf32>) -> tensor<7x5xf32> {
  %e = tensor.empty() : tensor<7x5xf32>
  %t = linalg.transpose ins(%x : tensor<5x7xf32>)
      outs(%e : tensor<7x5xf32>) permutation = [1, 0]
  return %t : tensor<7x5xf32>
}

func.func @narrow(%x: tensor<4x1100xf32>) -> tensor<4x1100xbf16> {
  %y = arith.truncf %x : tensor<4x1100xf32> to tensor<4x1100xbf16>
  return %y : tensor<4x1100xbf16>
}

func.func @widen(%x: tensor<3x1000xbf16>) -> tensor<3x1000xf32> {
  %y = arith.extf %x : tensor<3x1000xbf16> to tensor<3x1000xf32>
  return %y : tensor<3x1000xf32>
}
