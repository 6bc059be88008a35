// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// The bound: total-variation distance <= 0.03 (--atol on |TV - 0|).
// RUN: seqrun %t.seqpkg --entry speculative --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 --print | FileCheck %s --check-prefix=SPEC
// RUN: seqrun %t.seqpkg --entry speculative --input 0=123456789 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03
// Adaptive K (the adaptive_k attribute, K = 3) keeps the distribution too.
// RUN: seqrun %t.seqpkg --entry adaptive --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 --print | FileCheck %s --check-prefix=SPEC
// The reference sampler (seq.decode_loop on the target) passes the same check.
// RUN: seqrun %t.seqpkg --entry plain --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03
// Negative controls that the same check rejects: an accept-always rule
// (the verify region scores with the draft's logits, so p = q and every
// proposal is kept), and speculation without the filter (temperature
// only: the target's unfiltered distribution).
// RUN: not seqrun %t.seqpkg --entry accept_always --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 2>&1 | FileCheck %s --check-prefix=CONTROL
// RUN: not seqrun %t.seqpkg --entry unfiltered --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 2>&1 | FileCheck %s --check-prefix=CONTROL

// Sampled speculative decoding with top-k and top-p keeps the target's
// filtered distribution: P and Q in the rejection rule are the
// distributions seq.sample draws from (temperature 0.8, top_k = 5,
// top_p = 0.8, renormalized). Models: bigram tables over V = 8
// (gen/gen_speculative_filtered.py; the draft is the target plus noise,
// so drafts are often but not always accepted). 32768 rows each generate
// 3 tokens after token 0 with K = 2; the first output is the
// total-variation distance between the rows' histogram over the 512
// three-token sequences and the exact NumPy joint distribution. Under the
// null the distance has mean 0.014 and a maximum of 0.021 over 20000
// simulations (Inputs/speculative_filtered/bound.txt); the accept-always
// control's expected distance is 0.75, the unfiltered one's 0.43.
// Measured with seed 7: speculative 0.016, adaptive 0.016, plain 0.014,
// accept-always 0.75, unfiltered 0.44.

// SPEC: output 1: i32[1] = [{{[1-9][0-9]+}}]

// CONTROL: output 0

#filtered = #seq.sampling<temperature = 0.8, top_k = 5, top_p = 0.8>
#unfiltered = #seq.sampling<temperature = 0.8>

func.func @tv(%toks: tensor<32768x3xi32>, %expected: tensor<512xf32>) -> tensor<1xf32> {
  %t0 = tensor.extract_slice %toks[0, 0] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768xi32>
  %t1 = tensor.extract_slice %toks[0, 1] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768xi32>
  %t2 = tensor.extract_slice %toks[0, 2] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768xi32>
  %zero = arith.constant 0.0 : f32
  %he = tensor.empty() : tensor<512xf32>
  %h0 = linalg.fill ins(%zero : f32) outs(%he : tensor<512xf32>) -> tensor<512xf32>
  %hist = linalg.generic {indexing_maps = [affine_map<(c, b) -> (b)>, affine_map<(c, b) -> (b)>,
                                           affine_map<(c, b) -> (b)>, affine_map<(c, b) -> (c)>],
                          iterator_types = ["parallel", "reduction"]}
      ins(%t0, %t1, %t2 : tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32>) outs(%h0 : tensor<512xf32>) {
  ^bb0(%a: i32, %b: i32, %c: i32, %acc: f32):
    %c64 = arith.constant 64 : i32
    %c8 = arith.constant 8 : i32
    %one = arith.constant 1.0 : f32
    %z = arith.constant 0.0 : f32
    %a64 = arith.muli %a, %c64 : i32
    %b8 = arith.muli %b, %c8 : i32
    %ab = arith.addi %a64, %b8 : i32
    %code = arith.addi %ab, %c : i32
    %cell = linalg.index 0 : index
    %cell32 = arith.index_cast %cell : index to i32
    %eq = arith.cmpi eq, %code, %cell32 : i32
    %inc = arith.select %eq, %one, %z : f32
    %s = arith.addf %acc, %inc : f32
    linalg.yield %s : f32
  } -> tensor<512xf32>
  %te = tensor.empty() : tensor<f32>
  %t00 = linalg.fill ins(%zero : f32) outs(%te : tensor<f32>) -> tensor<f32>
  %dist = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> ()>],
                          iterator_types = ["reduction"]}
      ins(%hist, %expected : tensor<512xf32>, tensor<512xf32>) outs(%t00 : tensor<f32>) {
  ^bb0(%h: f32, %e: f32, %acc: f32):
    %n = arith.constant 32768.0 : f32
    %half = arith.constant 0.5 : f32
    %f = arith.divf %h, %n : f32
    %d = arith.subf %f, %e : f32
    %ad = math.absf %d : f32
    %hd = arith.mulf %ad, %half : f32
    %s = arith.addf %acc, %hd : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %r = tensor.expand_shape %dist [] output_shape [1] : tensor<f32> into tensor<1xf32>
  return %r : tensor<1xf32>
}

func.func @speculative(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %toks, %n, %steps, %acc = seq.speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 3 : i64, sampling = #filtered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32>
  draft {
  ^bb0(%t: tensor<32768x1xi32>, %p: tensor<32768x1xi32>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    seq.yield %l : tensor<32768x1x8xf32>
  } verify {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x3xi32> -> tensor<32768x3x8xf32>
    seq.yield %l : tensor<32768x3x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @adaptive(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %toks, %n, %steps, %acc, %drafted = seq.speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      {num_speculative_tokens = 3 : i64, max_new_tokens = 3 : i64, sampling = #filtered, adaptive_k}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32> drafted(tensor<32768xi32>)
  draft {
  ^bb0(%t: tensor<32768x1xi32>, %p: tensor<32768x1xi32>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    seq.yield %l : tensor<32768x1x8xf32>
  } verify {
  ^bb0(%t: tensor<32768x4xi32>, %p: tensor<32768x4xi32>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x4xi32> -> tensor<32768x4x8xf32>
    seq.yield %l : tensor<32768x4x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @accept_always(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %toks, %n, %steps, %acc = seq.speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 3 : i64, sampling = #filtered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32>
  draft {
  ^bb0(%t: tensor<32768x1xi32>, %p: tensor<32768x1xi32>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    seq.yield %l : tensor<32768x1x8xf32>
  } verify {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x3xi32> -> tensor<32768x3x8xf32>
    seq.yield %l : tensor<32768x3x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @unfiltered(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %toks, %n, %steps, %acc = seq.speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      {num_speculative_tokens = 2 : i64, max_new_tokens = 3 : i64, sampling = #unfiltered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32>
  draft {
  ^bb0(%t: tensor<32768x1xi32>, %p: tensor<32768x1xi32>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    seq.yield %l : tensor<32768x1x8xf32>
  } verify {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x3xi32> -> tensor<32768x3x8xf32>
    seq.yield %l : tensor<32768x3x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @plain(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> tensor<1xf32> {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %toks, %n = seq.decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      {max_new_tokens = 3 : i64, sampling = #filtered} -> tensor<32768x3xi32>, tensor<32768xi32> {
  ^bb0(%t: tensor<32768x1xi32>, %p: tensor<32768x1xi32>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    seq.yield %l : tensor<32768x1x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  return %d : tensor<1xf32>
}
