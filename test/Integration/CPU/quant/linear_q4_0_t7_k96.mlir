// Tolerance (f32): rtol 1e-5 / atol 0.0001 (f32 accumulation over K = 96
// products of O(1 / sqrt(K)) terms against the float64 reference).
//
// Prefill T = 7: q4_0 [577, 96] with bias.
// Weights packed by gguf-py (q4_0), reference = gguf dequantize + float64
// matmul: Inputs/quant_linear_q4_0_t7_k96/, written by
// gen/gen_quant.py. Scalar (0), 8- and 16-lane kernels.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_0_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_0_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_0_t7_k96/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_0_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_0_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_0_t7_k96/out.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_0_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_0_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_0_t7_k96/out.npy --rtol 1e-5 --atol 0.0001
// Int8 activations (seqc --quant-activations=int8, the same tolerance
// against out_int8.npy: the activation blocks rounded to 8 bits as gguf-py's
// Q8_0, then the float64 matmul): the target's kernels (vpmaddubsw with
// AVX2) and the portable ones (-mattr=-avx2).
// RUN: seqc %s --target=cpu --quant-activations=int8 -o %t.i8.seqpkg
// RUN: seqrun %t.i8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_0_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_0_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_0_t7_k96/out_int8.npy --rtol 1e-5 --atol 0.0001
// RUN: seqc %s --target=cpu --quant-activations=int8 -mattr=-avx2 -o %t.i8p.seqpkg
// RUN: seqrun %t.i8p.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_linear_q4_0_t7_k96/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_linear_q4_0_t7_k96/x.npy \
// RUN:   --expect 0=%S/../Inputs/quant_linear_q4_0_t7_k96/out_int8.npy --rtol 1e-5 --atol 0.0001

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_0>} : tensor<577x54xi8>
  seq.parameter @b "b" : tensor<577xf32>
  func.func @main(%x: tensor<7x96xf32>) -> tensor<7x577xf32> {
    %w = seq.get_parameter @w : tensor<577x54xi8>
    %b = seq.get_parameter @b : tensor<577xf32>
    %y = seq.quantized_linear %x, %w bias(%b : tensor<577xf32>) {format = #seq.quant_format<q4_0>}
        : tensor<7x96xf32>, tensor<577x54xi8> -> tensor<7x577xf32>
    return %y : tensor<7x577xf32>
  }
}
