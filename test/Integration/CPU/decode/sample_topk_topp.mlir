// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/sample_topk_topp/logits.npy --input 1=20015998343868 --input 2=3 --expect 0=%S/../Inputs/sample_topk_topp/tokens.npy
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/sample_topk_topp/logits.npy --input 1=20015998343868 --input 2=3 --output 0=%t.a.npy
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/sample_topk_topp/logits.npy --input 1=20015998343868 --input 2=3 --expect 0=%t.a.npy
// RUN: not seqrun %t.seqpkg --input 0=%S/../Inputs/sample_topk_topp/logits.npy --input 1=1 --input 2=3 --expect 0=%S/../Inputs/sample_topk_topp/tokens.npy

// Seeded temperature + top-k + top-p sampling equals an independent NumPy
// implementation of the #seq.sampling definition (gen/gen_decode.py; data
// drawn with no decision near a boundary, so the comparison is exact), is
// reproducible across runs, and another seed draws other tokens.
func.func @main(%logits: tensor<4x50xf32>, %seed: i64, %counter: i64) -> tensor<4xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter) {sampling = #seq.sampling<temperature = 0.8, top_k = 5, top_p = 0.9>} : tensor<4x50xf32> -> tensor<4xi32>
  return %t : tensor<4xi32>
}
