// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry lookup --input 0=%S/../Inputs/speculative_ngram/history.npy --input 1=%S/../Inputs/speculative_ngram/lengths.npy --expect 0=%S/../Inputs/speculative_ngram/expected.npy
// RUN: seqrun %t.seqpkg --entry plain --input 0=%S/../Inputs/speculative_ngram/prompt.npy --input 1=%S/../Inputs/speculative_ngram/table.npy --expect 0=%S/../Inputs/speculative_ngram/greedy.npy
// RUN: seqrun %t.seqpkg --entry prompt_lookup --input 0=%S/../Inputs/speculative_ngram/prompt.npy --input 1=%S/../Inputs/speculative_ngram/table.npy --expect 0=%S/../Inputs/speculative_ngram/greedy.npy --print | FileCheck %s

// seq.ngram_draft against its NumPy reference (gen/gen_speculative.py: the
// latest earlier match of the last 2 tokens, the last token without one,
// lengths clamped), and prompt-lookup speculative decoding: a bigram model
// (logits after t: table[t]) whose greedy path cycles 3 7 1 12 9, with the
// prompt 3 7 2 3 7 2 0 (where "3 7" is followed by 2). The draft is
// seq.ngram_draft over a history [1, 64] carried as draft state; its
// proposals are one-hot logits. Greedy tokens equal plain decoding and
// NumPy's (Inputs/speculative_ngram/greedy.npy); once the cycle is in the
// history every proposal is accepted.

// CHECK: output 1: i32[1] = [24]
// CHECK: speculative: 24 tokens, 10 verify steps, mean accepted length 1.60 draft tokens per verify step

func.func @lookup(%history: tensor<5x12xi32>, %lengths: tensor<5xi32>) -> tensor<5xi32> {
  %d = seq.ngram_draft %history lengths(%lengths) {ngram_size = 2 : i64} : tensor<5x12xi32>, tensor<5xi32> -> tensor<5xi32>
  return %d : tensor<5xi32>
}

func.func private @prefill(%prompt: tensor<1x7xi32>, %table: tensor<16x16xf32>) -> tensor<1xi32> {
  %last = tensor.extract_slice %prompt[0, 6] [1, 1] [1, 1] : tensor<1x7xi32> to tensor<1x1xi32>
  %l = seq.embedding %table, %last : tensor<16x16xf32>, tensor<1x1xi32> -> tensor<1x1x16xf32>
  %l2 = tensor.collapse_shape %l [[0, 1], [2]] : tensor<1x1x16xf32> into tensor<1x16xf32>
  %c0 = arith.constant 0 : i64
  %first = seq.sample %l2 seed(%c0) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x16xf32> -> tensor<1xi32>
  return %first : tensor<1xi32>
}

// Returns the first token followed by the loop's 24.
func.func @plain(%prompt: tensor<1x7xi32>, %table: tensor<16x16xf32>) -> (tensor<1x25xi32>, tensor<1xi32>) {
  %first = func.call @prefill(%prompt, %table) : (tensor<1x7xi32>, tensor<16x16xf32>) -> tensor<1xi32>
  %start = arith.constant dense<7> : tensor<1xi32>
  %seed = arith.constant 0 : i64
  %toks, %n = seq.decode_loop first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>) seed(%seed)
      {max_new_tokens = 24 : i64, sampling = #seq.sampling<>} -> tensor<1x24xi32>, tensor<1xi32> {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>):
    %l = seq.embedding %table, %t : tensor<16x16xf32>, tensor<1x1xi32> -> tensor<1x1x16xf32>
    seq.yield %l : tensor<1x1x16xf32>
  }
  %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
  %all = tensor.concat dim(1) %first2, %toks : (tensor<1x1xi32>, tensor<1x24xi32>) -> tensor<1x25xi32>
  return %all, %n : tensor<1x25xi32>, tensor<1xi32>
}

func.func @prompt_lookup(%prompt: tensor<1x7xi32>, %table: tensor<16x16xf32>)
    -> (tensor<1x25xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {
  %first = func.call @prefill(%prompt, %table) : (tensor<1x7xi32>, tensor<16x16xf32>) -> tensor<1xi32>
  %start = arith.constant dense<7> : tensor<1xi32>
  %seed = arith.constant 0 : i64
  // The history: the prompt; the draft writes each token at its position.
  %zeros = arith.constant dense<0> : tensor<1x64xi32>
  %history = tensor.insert_slice %prompt into %zeros[0, 0] [1, 7] [1, 1] : tensor<1x7xi32> into tensor<1x64xi32>
  %toks, %n, %steps, %acc, %hf = seq.speculative_decode_loop first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>) seed(%seed)
      draft_init(%history : tensor<1x64xi32>)
      {num_speculative_tokens = 4 : i64, max_new_tokens = 24 : i64, sampling = #seq.sampling<>}
      -> tensor<1x24xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> draft_final(tensor<1x64xi32>)
  draft {
  ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>, %h: tensor<1x64xi32>):
    %c0 = arith.constant 0 : index
    %tok = tensor.extract %t[%c0, %c0] : tensor<1x1xi32>
    %pos = tensor.extract %p[%c0, %c0] : tensor<1x1xi32>
    %at = arith.index_cast %pos : i32 to index
    %h2 = tensor.insert %tok into %h[%c0, %at] : tensor<1x64xi32>
    %one = arith.constant 1 : i32
    %len = arith.addi %pos, %one : i32
    %lens = tensor.from_elements %len : tensor<1xi32>
    %d = seq.ngram_draft %h2 lengths(%lens) {ngram_size = 2 : i64} : tensor<1x64xi32>, tensor<1xi32> -> tensor<1xi32>
    %dv = tensor.extract %d[%c0] : tensor<1xi32>
    %logits = tensor.generate {
    ^bb0(%i: index, %j: index, %v: index):
      %v32 = arith.index_cast %v : index to i32
      %hit = arith.cmpi eq, %v32, %dv : i32
      %zero = arith.constant 0.0 : f32
      %ninf = arith.constant 0xFF800000 : f32
      %x = arith.select %hit, %zero, %ninf : f32
      tensor.yield %x : f32
    } : tensor<1x1x16xf32>
    seq.yield %logits, %h2 : tensor<1x1x16xf32>, tensor<1x64xi32>
  } verify {
  ^bb0(%t: tensor<1x5xi32>, %p: tensor<1x5xi32>):
    %l = seq.embedding %table, %t : tensor<16x16xf32>, tensor<1x5xi32> -> tensor<1x5x16xf32>
    seq.yield %l : tensor<1x5x16xf32>
  }
  %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
  %all = tensor.concat dim(1) %first2, %toks : (tensor<1x1xi32>, tensor<1x24xi32>) -> tensor<1x25xi32>
  return %all, %n, %steps, %acc : tensor<1x25xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
}
