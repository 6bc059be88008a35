// Tolerance: embeddings exact (rtol 0 / atol 0: q * d is exact in f32);
// logits f32, rtol 1e-5 / atol 1e-4 (f32 accumulation over K = 96).
//
// A tied LM head: one q8_0 parameter [577, 96] read by
// seq.quantized_embedding (token ids -> embeddings, ids 0 and V - 1
// included) and by seq.quantized_linear (embeddings -> logits). Packed by
// gguf-py; reference = gguf dequantize, rows gathered / float64 matmul:
// Inputs/quant_tied_head_q8_0/, written by gen/gen_quant.py. The artifact
// metadata records the parameter's encoding.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy \
// RUN:   --expect 1=%S/../Inputs/quant_tied_head_q8_0/logits.npy --rtol 1e-5 --atol 1e-4
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy \
// RUN:   --expect 1=%S/../Inputs/quant_tied_head_q8_0/logits.npy --rtol 1e-5 --atol 1e-4
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy \
// RUN:   --expect 1=%S/../Inputs/quant_tied_head_q8_0/logits.npy --rtol 1e-5 --atol 1e-4
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy --rtol 0 --atol 0
// RUN: FileCheck %s --input-file=%t.w8.seqpkg --check-prefix=META
// Int8 activations (seqc --quant-activations=int8) for the head, against
// logits_int8.npy with the f32 tolerance; AVX2 and portable kernels.
// RUN: seqc %s --target=cpu --quant-activations=int8 -o %t.i8.seqpkg
// RUN: seqrun %t.i8.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy \
// RUN:   --expect 1=%S/../Inputs/quant_tied_head_q8_0/logits_int8.npy --rtol 1e-5 --atol 1e-4
// RUN: seqc %s --target=cpu --quant-activations=int8 -mattr=-avx2 -o %t.i8p.seqpkg
// RUN: seqrun %t.i8p.seqpkg --entry main --weights %S/../Inputs/quant_tied_head_q8_0/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_tied_head_q8_0/ids.npy --expect 0=%S/../Inputs/quant_tied_head_q8_0/emb.npy \
// RUN:   --expect 1=%S/../Inputs/quant_tied_head_q8_0/logits_int8.npy --rtol 1e-5 --atol 1e-4

// META:      "parameters": [
// META-NEXT:   {
// META-NEXT:     "dtype": "i8",
// META-NEXT:     "encoding": "q8_0",
// META-NEXT:     "global": "__seq_param_embd",
// META-NEXT:     "key": "embd",
// META-NEXT:     "shape": [
// META-NEXT:       577,
// META-NEXT:       102
// META-NEXT:     ],

module {
  seq.parameter @embd "embd" {quant = #seq.quant_format<q8_0>} : tensor<577x102xi8>
  func.func @main(%ids: tensor<1x7xi32>) -> (tensor<1x7x96xf32>, tensor<1x7x577xf32>) {
    %table = seq.get_parameter @embd : tensor<577x102xi8>
    %h = seq.quantized_embedding %table, %ids {format = #seq.quant_format<q8_0>}
        : tensor<577x102xi8>, tensor<1x7xi32> -> tensor<1x7x96xf32>
    %logits = seq.quantized_linear %h, %table {format = #seq.quant_format<q8_0>}
        : tensor<1x7x96xf32>, tensor<577x102xi8> -> tensor<1x7x577xf32>
    return %h, %logits : tensor<1x7x96xf32>, tensor<1x7x577xf32>
  }
}
