// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Packed documents (lengths 7, 10, 7): a mask_mod region capturing per-token
// document ids, combined with causal.
// Inputs and golden outputs: Inputs/attn_document_mask/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_document_mask/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_document_mask/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_document_mask/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_document_mask/doc_ids.npy \
// RUN:   --expect 0=%S/../Inputs/attn_document_mask/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x2x24x16xf32>, %k: tensor<1x2x24x16xf32>,
                %v: tensor<1x2x24x16xf32>, %doc: tensor<24xi32>)
    -> tensor<1x2x24x16xf32> {
  %o = seq.attention %q, %k, %v causal mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %di = tensor.extract %doc[%i] : tensor<24xi32>
    %dj = tensor.extract %doc[%j] : tensor<24xi32>
    %same = arith.cmpi eq, %di, %dj : i32
    seq.yield %same : i1
  } : tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32>
      -> tensor<1x2x24x16xf32>
  return %o : tensor<1x2x24x16xf32>
}
