// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry lookup --input 0=%S/../Inputs/speculative_tree/history.npy --input 1=%S/../Inputs/speculative_tree/lengths.npy --expect 0=%S/../Inputs/speculative_tree/expected.npy
// RUN: seqrun %t.seqpkg --entry tree_lookup --input 0=%S/../Inputs/speculative_ngram/prompt.npy --input 1=%S/../Inputs/speculative_ngram/table.npy --expect 0=%S/../Inputs/speculative_ngram/greedy.npy --print | FileCheck %s

// seq.ngram_tree_draft against its Python reference (gen/gen_tree_draft.py:
// the continuations of the last 2 tokens' earlier occurrences, latest
// first, fill the tree [0, 0, 1, 1, 2, 3]; parents' tokens without one),
// and prompt-lookup tree verification of ngram_draft.mlir's bigram model
// (greedy path cycling 3 7 1 12 9, prompt 3 7 2 3 7 2 0) with the tree
// [2, 2]: the root's children are the distinct continuations of the last
// bigram, latest first (here the accepted path is always the first branch;
// tree_speculative.mlir accepts others). Tokens equal plain greedy
// decoding's (NumPy's Inputs/speculative_ngram/greedy.npy); the statistics
// are those gen/gen_tree_draft.py's simulation of the loop predicts.

// CHECK: output 1: i32[1] = [24]
// CHECK: speculative: 24 tokens, 12 verify steps, mean accepted length 1.00 draft tokens per verify step

func.func @lookup(%history: tensor<6x12xi32>, %lengths: tensor<6xi32>) -> tensor<6x6xi32> {
  %d = seq.ngram_tree_draft %history lengths(%lengths) {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1, 1, 2, 3>} : tensor<6x12xi32>, tensor<6xi32> -> tensor<6x6xi32>
  return %d : tensor<6x6xi32>
}

func.func private @prefill(%prompt: tensor<1x7xi32>, %table: tensor<16x16xf32>) -> tensor<1xi32> {
  %last = tensor.extract_slice %prompt[0, 6] [1, 1] [1, 1] : tensor<1x7xi32> to tensor<1x1xi32>
  %l = seq.embedding %table, %last : tensor<16x16xf32>, tensor<1x1xi32> -> tensor<1x1x16xf32>
  %l2 = tensor.collapse_shape %l [[0, 1], [2]] : tensor<1x1x16xf32> into tensor<1x16xf32>
  %c0 = arith.constant 0 : i64
  %first = seq.sample %l2 seed(%c0) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x16xf32> -> tensor<1xi32>
  return %first : tensor<1xi32>
}

func.func @tree_lookup(%prompt: tensor<1x7xi32>, %table: tensor<16x16xf32>)
    -> (tensor<1x25xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {
  %first = func.call @prefill(%prompt, %table) : (tensor<1x7xi32>, tensor<16x16xf32>) -> tensor<1xi32>
  %start = arith.constant dense<7> : tensor<1xi32>
  %zeros = arith.constant dense<0> : tensor<1x64xi32>
  %history = tensor.insert_slice %prompt into %zeros[0, 0] [1, 7] [1, 1] : tensor<1x7xi32> into tensor<1x64xi32>
  %toks, %n, %steps, %acc, %hf = seq.tree_speculative_decode_loop first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>)
      draft_init(%history : tensor<1x64xi32>)
      {tree_parents = array<i64: 0, 0, 1, 1, 2, 2>, max_new_tokens = 24 : i64}
      -> tensor<1x24xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32> draft_final(tensor<1x64xi32>)
  draft {
  ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>, %h: tensor<1x64xi32>):
    // Write the committed tokens at their positions, then draft the tree.
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %h2 = scf.for %j = %c0 to %c3 step %c1 iter_args(%hh = %h) -> (tensor<1x64xi32>) {
      %tok = tensor.extract %t[%c0, %j] : tensor<1x3xi32>
      %pos = tensor.extract %p[%c0, %j] : tensor<1x3xi32>
      %at = arith.index_cast %pos : i32 to index
      %hw = tensor.insert %tok into %hh[%c0, %at] : tensor<1x64xi32>
      scf.yield %hw : tensor<1x64xi32>
    }
    %c2 = arith.constant 2 : index
    %pos = tensor.extract %p[%c0, %c2] : tensor<1x3xi32>
    %one = arith.constant 1 : i32
    %len = arith.addi %pos, %one : i32
    %lens = tensor.from_elements %len : tensor<1xi32>
    %tree = seq.ngram_tree_draft %h2 lengths(%lens) {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1, 1, 2, 2>} : tensor<1x64xi32>, tensor<1xi32> -> tensor<1x6xi32>
    seq.yield %tree, %h2 : tensor<1x6xi32>, tensor<1x64xi32>
  } verify {
  ^bb0(%t: tensor<1x7xi32>, %p: tensor<1x7xi32>, %m: tensor<7x7xi1>):
    %l = seq.embedding %table, %t : tensor<16x16xf32>, tensor<1x7xi32> -> tensor<1x7x16xf32>
    seq.yield %l : tensor<1x7x16xf32>
  }
  %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
  %all = tensor.concat dim(1) %first2, %toks : (tensor<1x1xi32>, tensor<1x24xi32>) -> tensor<1x25xi32>
  return %all, %n, %steps, %acc : tensor<1x25xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
}
