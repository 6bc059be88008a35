// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --print | FileCheck %s

// Batch items are independent: a beam search over B = 2 items gives, per
// item, what a B = 1 search of that item alone gives (sequences, scores
// and lengths, bit for bit), with carried state that the reorder must
// gather (a running sum of the beam's token embeddings feeds the logits).
// The transformers comparison is in import/hf_beam_search.test.

// CHECK: output 0: i32[2, 3, 5] = [[SEQ:.*]]
// CHECK-NEXT: output 1: f32[2, 3] = [[SCORES:.*]]
// CHECK-NEXT: output 2: i32[2, 3] = [[LENS:.*]]
// CHECK-NEXT: output 3: i32[2, 3, 5] = [[SEQ]]
// CHECK-NEXT: output 4: f32[2, 3] = [[SCORES]]
// CHECK-NEXT: output 5: i32[2, 3] = [[LENS]]

func.func private @search(%first: tensor<?x23xf32>, %pos: tensor<?xi32>, %s0: tensor<?x6xf32>, %table: tensor<23x6xf32>, %head: tensor<23x6xf32>) -> (tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<?x23xf32>) positions(%pos : tensor<?xi32>) init(%s0 : tensor<?x6xf32>)
      {num_beams = 3 : i64, max_new_tokens = 5 : i64, eos_token_ids = array<i64: 16>, length_penalty = 0.5 : f64}
      -> tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32> {
  ^bb0(%t: tensor<?x1xi32>, %p: tensor<?x1xi32>, %s: tensor<?x6xf32>):
    %e = seq.embedding %table, %t : tensor<23x6xf32>, tensor<?x1xi32> -> tensor<?x1x6xf32>
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %s, %c0 : tensor<?x6xf32>
    %e2 = tensor.collapse_shape %e [[0, 1], [2]] : tensor<?x1x6xf32> into tensor<?x6xf32>
    %init = tensor.empty(%rows) : tensor<?x6xf32>
    %sum = linalg.add ins(%s, %e2 : tensor<?x6xf32>, tensor<?x6xf32>) outs(%init : tensor<?x6xf32>) -> tensor<?x6xf32>
    %x = tensor.expand_shape %sum [[0, 1], [2]] output_shape [%rows, 1, 6] : tensor<?x6xf32> into tensor<?x1x6xf32>
    %l = seq.linear %x, %head : tensor<?x1x6xf32>, tensor<23x6xf32> -> tensor<?x1x23xf32>
    seq.yield %l, %sum : tensor<?x1x23xf32>, tensor<?x6xf32>
  }
  return %seqs, %scores, %lens : tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32>
}

func.func @main() -> (tensor<2x3x5xi32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3x5xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  // Deterministic pseudo-random tables: sin of distinct arguments.
  %table = tensor.generate {
  ^bb0(%i: index, %j: index):
    %k = arith.muli %i, %i : index
    %v = arith.addi %k, %j : index
    %w = arith.index_cast %v : index to i32
    %f = arith.sitofp %w : i32 to f32
    %g = arith.constant 1.37 : f32
    %h = arith.mulf %f, %g : f32
    %s = math.sin %h : f32
    tensor.yield %s : f32
  } : tensor<23x6xf32>
  %head = tensor.generate {
  ^bb0(%i: index, %j: index):
    %k = arith.muli %i, %j : index
    %v = arith.addi %k, %i : index
    %w = arith.index_cast %v : index to i32
    %f = arith.sitofp %w : i32 to f32
    %g = arith.constant 0.91 : f32
    %h = arith.mulf %f, %g : f32
    %s = math.cos %h : f32
    %three = arith.constant 3.0 : f32
    %o = arith.mulf %s, %three : f32
    tensor.yield %o : f32
  } : tensor<23x6xf32>
  %first = tensor.generate {
  ^bb0(%i: index, %j: index):
    %k = arith.muli %i, %j : index
    %v = arith.addi %k, %j : index
    %w = arith.index_cast %v : index to i32
    %f = arith.sitofp %w : i32 to f32
    %g = arith.constant 2.3 : f32
    %h = arith.mulf %f, %g : f32
    %s = math.sin %h : f32
    %three = arith.constant 3.0 : f32
    %o = arith.mulf %s, %three : f32
    tensor.yield %o : f32
  } : tensor<2x23xf32>
  %pos = arith.constant dense<[7, 3]> : tensor<2xi32>
  %zeros6 = arith.constant dense<0.0> : tensor<6x6xf32>
  %zeros3 = arith.constant dense<0.0> : tensor<3x6xf32>

  %f = tensor.cast %first : tensor<2x23xf32> to tensor<?x23xf32>
  %p = tensor.cast %pos : tensor<2xi32> to tensor<?xi32>
  %z = tensor.cast %zeros6 : tensor<6x6xf32> to tensor<?x6xf32>
  %bs, %bsc, %bl = call @search(%f, %p, %z, %table, %head) : (tensor<?x23xf32>, tensor<?xi32>, tensor<?x6xf32>, tensor<23x6xf32>, tensor<23x6xf32>) -> (tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32>)

  %f0 = tensor.extract_slice %first[0, 0] [1, 23] [1, 1] : tensor<2x23xf32> to tensor<1x23xf32>
  %f1 = tensor.extract_slice %first[1, 0] [1, 23] [1, 1] : tensor<2x23xf32> to tensor<1x23xf32>
  %p0 = tensor.extract_slice %pos[0] [1] [1] : tensor<2xi32> to tensor<1xi32>
  %p1 = tensor.extract_slice %pos[1] [1] [1] : tensor<2xi32> to tensor<1xi32>
  %f0d = tensor.cast %f0 : tensor<1x23xf32> to tensor<?x23xf32>
  %f1d = tensor.cast %f1 : tensor<1x23xf32> to tensor<?x23xf32>
  %p0d = tensor.cast %p0 : tensor<1xi32> to tensor<?xi32>
  %p1d = tensor.cast %p1 : tensor<1xi32> to tensor<?xi32>
  %z1 = tensor.cast %zeros3 : tensor<3x6xf32> to tensor<?x6xf32>
  %s0, %sc0, %l0 = call @search(%f0d, %p0d, %z1, %table, %head) : (tensor<?x23xf32>, tensor<?xi32>, tensor<?x6xf32>, tensor<23x6xf32>, tensor<23x6xf32>) -> (tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32>)
  %s1, %sc1, %l1 = call @search(%f1d, %p1d, %z1, %table, %head) : (tensor<?x23xf32>, tensor<?xi32>, tensor<?x6xf32>, tensor<23x6xf32>, tensor<23x6xf32>) -> (tensor<?x3x5xi32>, tensor<?x3xf32>, tensor<?x3xi32>)
  %cs = tensor.concat dim(0) %s0, %s1 : (tensor<?x3x5xi32>, tensor<?x3x5xi32>) -> tensor<2x3x5xi32>
  %csc = tensor.concat dim(0) %sc0, %sc1 : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<2x3xf32>
  %cl = tensor.concat dim(0) %l0, %l1 : (tensor<?x3xi32>, tensor<?x3xi32>) -> tensor<2x3xi32>
  %bss = tensor.cast %bs : tensor<?x3x5xi32> to tensor<2x3x5xi32>
  %bscs = tensor.cast %bsc : tensor<?x3xf32> to tensor<2x3xf32>
  %bls = tensor.cast %bl : tensor<?x3xi32> to tensor<2x3xi32>
  return %bss, %bscs, %bls, %cs, %csc, %cl : tensor<2x3x5xi32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3x5xi32>, tensor<2x3xf32>, tensor<2x3xi32>
}
