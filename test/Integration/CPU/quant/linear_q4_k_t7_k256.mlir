// Tolerance (f32): rtol 1e-5 / atol 0.0001 (f32 accumulation over K = 256
// products of O(1 / sqrt(K)) terms against the float64 reference).
//
// Prefill (T = 7): q4_k [577, 256], N odd (tail feature tile).
// Super-blocks built field by field in ggml's layout by gen/gen_quant.py
// (gguf-py does not quantize K-quants), reference = gguf dequantize +
// float64 matmul: Inputs/quant_linear_q4_k_t7_k256/. Scalar (0), 8- and 16-lane kernels.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k256/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k256/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k256/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k256/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k256/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k256/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k256/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k256/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k256/out.npy --rtol 1e-5 --atol 0.0001

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_k>} : tensor<577x144xi8>
  func.func @main(%x: tensor<1x7x256xf32>) -> tensor<1x7x577xf32> {
    %w = seq.get_parameter @w : tensor<577x144xi8>
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_k>}
        : tensor<1x7x256xf32>, tensor<577x144xi8> -> tensor<1x7x577xf32>
    return %y : tensor<1x7x577xf32>
  }
}
