// REQUIRES: cpu-lowering-decode, cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry plain --input 0=%S/../Inputs/speculative_batched/first.npy --input 1=%S/../Inputs/speculative_batched/table.npy --input 2=%S/../Inputs/speculative_batched/draft.npy --input 3=%S/../Inputs/speculative_batched/head.npy --output 0=%t.tokens.npy --output 1=%t.count.npy
// RUN: seqrun %t.seqpkg --entry speculative --input 0=%S/../Inputs/speculative_batched/first.npy --input 1=%S/../Inputs/speculative_batched/table.npy --input 2=%S/../Inputs/speculative_batched/draft.npy --input 3=%S/../Inputs/speculative_batched/head.npy --expect 0=%t.tokens.npy --expect 1=%t.count.npy --print | FileCheck %s

// Two rows in lock-step: a recurrent model h_t = 0.5 h_{t-1} + E[token_t],
// logits = W h_t (the verify region returns its state after each token)
// and a draft of the same form with a perturbed E (its state is recurrent
// too). The rows accept different numbers of drafts per verify step, so
// each row's draft and verify state is rolled back to its own length;
// greedy speculative tokens equal plain decoding's, row by row.

// The rows took different numbers of verify steps (and accepted drafts).
// CHECK: output 1: i32[2] = [20, 20]
// CHECK: output 2: i32[2] = [8, 7]
// CHECK: output 3: i32[2] = [12, 14]
// CHECK: speculative: 40 tokens, 15 verify steps

func.func private @model(%tokens: tensor<2x?xi32>, %h: tensor<2x8xf32>, %table: tensor<16x8xf32>, %head: tensor<16x8xf32>)
    -> (tensor<2x?x16xf32>, tensor<2x?x8xf32>, tensor<2x8xf32>) {
  %x = seq.embedding %table, %tokens : tensor<16x8xf32>, tensor<2x?xi32> -> tensor<2x?x8xf32>
  %hs, %hT = seq.scan ins(%x : tensor<2x?x8xf32>) init(%h : tensor<2x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%xv: f32):
        %a = arith.constant 0.5 : f32
        seq.yield %a, %xv : f32, f32
      } -> tensor<2x?x8xf32>, tensor<2x8xf32>
  %l = seq.linear %hs, %head : tensor<2x?x8xf32>, tensor<16x8xf32> -> tensor<2x?x16xf32>
  return %l, %hs, %hT : tensor<2x?x16xf32>, tensor<2x?x8xf32>, tensor<2x8xf32>
}

func.func @plain(%first: tensor<2xi32>, %table: tensor<16x8xf32>, %draft: tensor<16x8xf32>, %head: tensor<16x8xf32>) -> (tensor<2x20xi32>, tensor<2xi32>) {
  %pos = arith.constant dense<0> : tensor<2xi32>
  %h0 = arith.constant dense<0.0> : tensor<2x8xf32>
  %seed = arith.constant 0 : i64
  %toks, %n, %hf = seq.decode_loop first(%first : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      init(%h0 : tensor<2x8xf32>) {max_new_tokens = 20 : i64, sampling = #seq.sampling<>}
      -> tensor<2x20xi32>, tensor<2xi32>, tensor<2x8xf32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    %td = tensor.cast %t : tensor<2x1xi32> to tensor<2x?xi32>
    %l, %hs, %hT = func.call @model(%td, %h, %table, %head) : (tensor<2x?xi32>, tensor<2x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x8xf32>, tensor<2x8xf32>)
    %l1 = tensor.cast %l : tensor<2x?x16xf32> to tensor<2x1x16xf32>
    seq.yield %l1, %hT : tensor<2x1x16xf32>, tensor<2x8xf32>
  }
  return %toks, %n : tensor<2x20xi32>, tensor<2xi32>
}

func.func @speculative(%first: tensor<2xi32>, %table: tensor<16x8xf32>, %draft: tensor<16x8xf32>, %head: tensor<16x8xf32>)
    -> (tensor<2x20xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) {
  %pos = arith.constant dense<0> : tensor<2xi32>
  %h0 = arith.constant dense<0.0> : tensor<2x8xf32>
  %seed = arith.constant 0 : i64
  %toks, %n, %steps, %acc, %dh, %vh = seq.speculative_decode_loop first(%first : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      draft_init(%h0 : tensor<2x8xf32>) verify_init(%h0 : tensor<2x8xf32>)
      {num_speculative_tokens = 3 : i64, max_new_tokens = 20 : i64, sampling = #seq.sampling<>}
      -> tensor<2x20xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32> draft_final(tensor<2x8xf32>) verify_final(tensor<2x8xf32>)
  draft {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %h: tensor<2x8xf32>):
    %td = tensor.cast %t : tensor<2x1xi32> to tensor<2x?xi32>
    %l, %hs, %hT = func.call @model(%td, %h, %draft, %head) : (tensor<2x?xi32>, tensor<2x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x8xf32>, tensor<2x8xf32>)
    %l1 = tensor.cast %l : tensor<2x?x16xf32> to tensor<2x1x16xf32>
    seq.yield %l1, %hT : tensor<2x1x16xf32>, tensor<2x8xf32>
  } verify {
  ^bb0(%t: tensor<2x4xi32>, %p: tensor<2x4xi32>, %h: tensor<2x8xf32>):
    %td = tensor.cast %t : tensor<2x4xi32> to tensor<2x?xi32>
    %l, %hs, %hT = func.call @model(%td, %h, %table, %head) : (tensor<2x?xi32>, tensor<2x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x8xf32>, tensor<2x8xf32>)
    %l4 = tensor.cast %l : tensor<2x?x16xf32> to tensor<2x4x16xf32>
    %hs4 = tensor.cast %hs : tensor<2x?x8xf32> to tensor<2x4x8xf32>
    seq.yield %l4, %hs4 : tensor<2x4x16xf32>, tensor<2x4x8xf32>
  }
  return %toks, %n, %steps, %acc : tensor<2x20xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>
}
