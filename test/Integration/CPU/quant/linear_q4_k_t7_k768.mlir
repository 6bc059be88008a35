// Tolerance (f32): rtol 1e-5 / atol 0.000133333 (f32 accumulation over K = 768
// products of O(1 / sqrt(K)) terms against the float64 reference).
//
// Prefill (T = 7): q4_k [49, 768] with bias, N odd (tail feature tile).
// Super-blocks built field by field in ggml's layout by gen/gen_quant.py
// (gguf-py does not quantize K-quants), reference = gguf dequantize +
// float64 matmul: Inputs/quant_linear_q4_k_t7_k768/. Scalar (0), 8- and 16-lane kernels.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k768/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k768/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k768/out.npy --rtol 1e-5 --atol 0.000133333
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k768/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k768/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k768/out.npy --rtol 1e-5 --atol 0.000133333
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_k_t7_k768/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_k_t7_k768/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_k_t7_k768/out.npy --rtol 1e-5 --atol 0.000133333

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_k>} : tensor<49x432xi8>
  seq.parameter @b "b" : tensor<49xf32>
  func.func @main(%x: tensor<7x768xf32>) -> tensor<7x49xf32> {
    %w = seq.get_parameter @w : tensor<49x432xi8>
    %b = seq.get_parameter @b : tensor<49xf32>
    %y = seq.quantized_linear %x, %w bias(%b : tensor<49xf32>) {format = #seq.quant_format<q4_k>}
        : tensor<7x768xf32>, tensor<49x432xi8> -> tensor<7x49xf32>
    return %y : tensor<7x49xf32>
  }
}
