// Tolerance (f32): rtol 1e-5 / atol 0.0001 (f32 accumulation over K = 96
// products of O(1 / sqrt(K)) terms against the float64 reference).
//
// Prefill (T = 7), rank-3 input: f16 [97, 96] stored as its raw 2-byte values
// (i8 [97, 192]), with bias. Weights converted by gguf-py (f16),
// reference = float64 matmul of the exact f16 values:
// Inputs/quant_linear_f16_t7_k96/, written by gen/gen_quant.py. Scalar (0), 8- and
// 16-lane kernels.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_f16_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_f16_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_f16_t7_k96/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_f16_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_f16_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_f16_t7_k96/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_f16_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_f16_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_f16_t7_k96/out.npy --rtol 1e-5 --atol 0.0001

module {
  seq.parameter @w "w" {quant = #seq.quant_format<f16>} : tensor<97x192xi8>
  seq.parameter @b "b" : tensor<97xf32>
  func.func @main(%x: tensor<1x7x96xf32>) -> tensor<1x7x97xf32> {
    %w = seq.get_parameter @w : tensor<97x192xi8>
    %b = seq.get_parameter @b : tensor<97xf32>
    %y = seq.quantized_linear %x, %w bias(%b : tensor<97xf32>) {format = #seq.quant_format<f16>}
        : tensor<1x7x96xf32>, tensor<97x192xi8> -> tensor<1x7x97xf32>
    return %y : tensor<1x7x97xf32>
  }
}
