// Tolerance (exact): rtol 0 / atol 0: q * d (+ m) rounds as gguf-py does.
//
// seq.quantized_embedding over a q4_1 table [49, 576] (360-byte rows), ids
// [3] including the first and last rows. Packed by gguf-py; reference =
// gguf dequantize, rows gathered: Inputs/quant_embedding_q4_1/, written by
// gen/gen_quant.py. An id outside [0, V) is a run-time error.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_1/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_1/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_1/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_1/out.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_1/ids.npy --expect 0=%S/../Inputs/quant_embedding_q4_1/out.npy --rtol 0 --atol 0
// RUN: not seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q4_1/ids_out_of_range.npy 2>&1 | FileCheck %s
// CHECK: index out of range

module {
  seq.parameter @table "table" {quant = #seq.quant_format<q4_1>} : tensor<49x360xi8>
  func.func @main(%ids: tensor<3xi32>) -> tensor<3x576xf32> {
    %t = seq.get_parameter @table : tensor<49x360xi8>
    %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_1>}
        : tensor<49x360xi8>, tensor<3xi32> -> tensor<3x576xf32>
    return %h : tensor<3x576xf32>
  }
}
