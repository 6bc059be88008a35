// Tolerance (exact): rtol 0 / atol 0: q * d (+ m) rounds as gguf-py does.
//
// seq.quantized_embedding over a q4_0 table [49, 96] (54-byte rows), ids
// [2, 5] including the first and last rows. Packed by gguf-py; reference =
// gguf dequantize, rows gathered: Inputs/quant_embedding_q4_0/, written by
// gen/gen_quant.py.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_0/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_0/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_0/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_0/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_0/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_0/out.npy --rtol 0 --atol 0

module {
  seq.parameter @table "table" {quant = #seq.quant_format<q4_0>} : tensor<49x54xi8>
  func.func @main(%ids: tensor<2x5xi32>) -> tensor<2x5x96xf32> {
    %t = seq.get_parameter @table : tensor<49x54xi8>
    %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_0>}
        : tensor<49x54xi8>, tensor<2x5xi32> -> tensor<2x5x96xf32>
    return %h : tensor<2x5x96xf32>
  }
}
