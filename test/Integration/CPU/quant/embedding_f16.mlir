// Tolerance (exact): rtol 0 / atol 0: widening f16 to f32 is exact.
//
// seq.quantized_embedding over an f16 table [49, 96] stored as its raw
// 2-byte values (192-byte rows), ids [2, 3] including the first and last
// rows. Converted by gguf-py; reference = gguf dequantize, rows gathered:
// Inputs/quant_embedding_f16/, written by gen/gen_quant.py.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_embedding_f16/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_f16/ids.npy \
// RUN:   --expect 0=%S/../Inputs/quant_embedding_f16/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_embedding_f16/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_f16/ids.npy \
// RUN:   --expect 0=%S/../Inputs/quant_embedding_f16/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main \
// RUN:   --weights %S/../Inputs/quant_embedding_f16/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_f16/ids.npy \
// RUN:   --expect 0=%S/../Inputs/quant_embedding_f16/out.npy --rtol 0 --atol 0

module {
  seq.parameter @table "table" {quant = #seq.quant_format<f16>} : tensor<49x192xi8>
  func.func @main(%ids: tensor<2x3xi32>) -> tensor<2x3x96xf32> {
    %t = seq.get_parameter @table : tensor<49x192xi8>
    %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<f16>}
        : tensor<49x192xi8>, tensor<2x3xi32> -> tensor<2x3x96xf32>
    return %h : tensor<2x3x96xf32>
  }
}
