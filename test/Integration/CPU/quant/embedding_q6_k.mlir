// Tolerance (f32): rtol 1e-6 / atol 1e-7: the sub-block scale, its product
// with the quant and the min term round in f32 (and may contract to an fma).
//
// seq.quantized_embedding over a q6_k table [49, 512] (420-byte rows,
// two super-blocks), ids [5] including the first and last rows.
// Super-blocks built in ggml's layout by gen/gen_quant.py; reference =
// gguf dequantize, rows gathered: Inputs/quant_embedding_q6_k/.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q6_k/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q6_k/ids.npy --expect 0=%S/../Inputs/quant_embedding_q6_k/out.npy --rtol 1e-6 --atol 1e-7
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q6_k/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q6_k/ids.npy --expect 0=%S/../Inputs/quant_embedding_q6_k/out.npy --rtol 1e-6 --atol 1e-7
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_embedding_q6_k/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_embedding_q6_k/ids.npy --expect 0=%S/../Inputs/quant_embedding_q6_k/out.npy --rtol 1e-6 --atol 1e-7

module {
  seq.parameter @table "table" {quant = #seq.quant_format<q6_k>} : tensor<49x420xi8>
  func.func @main(%ids: tensor<5xi32>) -> tensor<5x512xf32> {
    %t = seq.get_parameter @table : tensor<49x420xi8>
    %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q6_k>}
        : tensor<49x420xi8>, tensor<5xi32> -> tensor<5x512xf32>
    return %h : tensor<5x512xf32>
  }
}
