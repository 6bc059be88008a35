// Sampled tree verification (multi-draft speculative sampling, SpecInfer)
// keeps the target's distribution. The bigram models, the filter
// (temperature 0.8, top_k = 5, top_p = 0.8) and the exact NumPy joint
// distribution of the first three tokens are speculative_sampled_filtered.mlir's
// (Inputs/speculative_filtered, gen/gen_speculative_filtered.py). The tree
// is tree_parents = [0, 0, 0, 1, 1, 2]: three children of the root, two
// below the first, one below the second; the draft region draws every node
// independently from the draft's filtered distribution after its parent's
// token and yields those logits (Q) after the tree. 32768 rows generate 3
// tokens after token 0; the first output is the total-variation distance
// between their histogram over the 512 three-token sequences and the
// exact joint, the second the accepted tree tokens.
//
// The bound, 0.03, is the null's (gen_speculative_filtered.py: mean 0.014,
// maximum 0.021 over 20000 multinomial draws of 32768 rows). A NumPy
// simulation of this tree (gen/gen_tree_sampled.py,
// Inputs/tree_sampled/bound.txt) gives 0.012 for the rule, 0.45 without
// the residual update and 0.64 for accept-always. Entries: `speculative`
// (the rule, two seeds), `point` (the draft yields no logits: each node's
// Q is the point mass on its token, the rule of deterministic drafts such
// as prompt lookup; exact as well, with fewer acceptances), and the
// negative controls the same check rejects: `no_residual` (the testing
// attribute seq.test_no_residual_update: R stays P after a rejection) and
// `accept_always` (the verify region scores with the draft's table, so
// P = Q and every first child is kept: the draft's joint, 0.75 from the
// exact tables; the simulation's 0.64 keeps the target's last token).
// Measured (seeds 7 and 123456789): speculative 0.012 and 0.013 (61320
// accepted tree tokens), point 0.016 and 0.014 (49492: fewer
// acceptances), no_residual 0.45 and 0.45, accept_always 0.75 and 0.75.

// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry speculative --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 --print | FileCheck %s --check-prefix=SPEC
// RUN: seqrun %t.seqpkg --entry speculative --input 0=123456789 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03
// RUN: seqrun %t.seqpkg --entry point --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 --print | FileCheck %s --check-prefix=SPEC
// RUN: not seqrun %t.seqpkg --entry no_residual --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 2>&1 | FileCheck %s --check-prefix=CONTROL
// RUN: not seqrun %t.seqpkg --entry accept_always --input 0=7 --input 1=%S/../Inputs/speculative_filtered/target.npy --input 2=%S/../Inputs/speculative_filtered/draft.npy --input 3=%S/../Inputs/speculative_filtered/expected.npy --expect 0=%S/../Inputs/speculative_filtered/zero.npy --rtol 0 --atol 0.03 2>&1 | FileCheck %s --check-prefix=CONTROL

// SPEC: output 1: i32[1] = [{{[1-9][0-9]+}}]

// CONTROL: output 0

#filtered = #seq.sampling<temperature = 0.8, top_k = 5, top_p = 0.8>

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
  %ctr0 = arith.constant dense<0> : tensor<i64>
  %toks, %n, %steps, %acc, %ctrf = seq.tree_speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      draft_init(%ctr0 : tensor<i64>)
      {tree_parents = array<i64: 0, 0, 0, 1, 1, 2>, max_new_tokens = 3 : i64, sampling = #filtered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32> draft_final(tensor<i64>)
  draft {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>, %ctr: tensor<i64>):
    // Node i is drawn from the draft after its parent's token, with its own
    // counter (ctr * 8 + i) and a key of its own (seed + 977), so that no
    // draw is shared with the loop's acceptance tests.
    %c = tensor.extract %ctr[] : tensor<i64>
    %k977 = arith.constant 977 : i64
    %dseed = arith.addi %seed, %k977 : i64
    %c8 = arith.constant 8 : i64
    %base = arith.muli %c, %c8 : i64
    %i1 = arith.constant 1 : i64
    %i2 = arith.constant 2 : i64
    %i3 = arith.constant 3 : i64
    %i4 = arith.constant 4 : i64
    %i5 = arith.constant 5 : i64
    %k1 = arith.addi %base, %i1 : i64
    %k2 = arith.addi %base, %i2 : i64
    %k3 = arith.addi %base, %i3 : i64
    %k4 = arith.addi %base, %i4 : i64
    %k5 = arith.addi %base, %i5 : i64
    %root = tensor.extract_slice %t[0, 2] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768x1xi32>
    %q0l = seq.embedding %draft, %root : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q0 = tensor.collapse_shape %q0l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n1 = seq.sample %q0 seed(%dseed) counter(%base) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n2 = seq.sample %q0 seed(%dseed) counter(%k1) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n3 = seq.sample %q0 seed(%dseed) counter(%k2) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e1 = tensor.expand_shape %n1 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e2 = tensor.expand_shape %n2 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e3 = tensor.expand_shape %n3 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %q1l = seq.embedding %draft, %e1 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q1 = tensor.collapse_shape %q1l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %q2l = seq.embedding %draft, %e2 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q2 = tensor.collapse_shape %q2l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n4 = seq.sample %q1 seed(%dseed) counter(%k3) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n5 = seq.sample %q1 seed(%dseed) counter(%k4) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n6 = seq.sample %q2 seed(%dseed) counter(%k5) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e4 = tensor.expand_shape %n4 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e5 = tensor.expand_shape %n5 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e6 = tensor.expand_shape %n6 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %tree = tensor.concat dim(1) %e1, %e2, %e3, %e4, %e5, %e6
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    // Each node's draft logits: the draft's row after its parent's token.
    %parents = tensor.concat dim(1) %root, %root, %root, %e1, %e1, %e2
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    %dl = seq.embedding %draft, %parents : tensor<8x8xf32>, tensor<32768x6xi32> -> tensor<32768x6x8xf32>
    %c1 = arith.addi %c, %i1 : i64
    %ctr2 = tensor.from_elements %c1 : tensor<i64>
    seq.yield %tree, %dl, %ctr2 : tensor<32768x6xi32>, tensor<32768x6x8xf32>, tensor<i64>
  } verify {
  ^bb0(%t: tensor<32768x7xi32>, %p: tensor<32768x7xi32>, %m: tensor<7x7xi1>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x7xi32> -> tensor<32768x7x8xf32>
    seq.yield %l : tensor<32768x7x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @point(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %ctr0 = arith.constant dense<0> : tensor<i64>
  %toks, %n, %steps, %acc, %ctrf = seq.tree_speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      draft_init(%ctr0 : tensor<i64>)
      {tree_parents = array<i64: 0, 0, 0, 1, 1, 2>, max_new_tokens = 3 : i64, sampling = #filtered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32> draft_final(tensor<i64>)
  draft {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>, %ctr: tensor<i64>):
    // Node i is drawn from the draft after its parent's token, with its own
    // counter (ctr * 8 + i) and a key of its own (seed + 977), so that no
    // draw is shared with the loop's acceptance tests.
    %c = tensor.extract %ctr[] : tensor<i64>
    %k977 = arith.constant 977 : i64
    %dseed = arith.addi %seed, %k977 : i64
    %c8 = arith.constant 8 : i64
    %base = arith.muli %c, %c8 : i64
    %i1 = arith.constant 1 : i64
    %i2 = arith.constant 2 : i64
    %i3 = arith.constant 3 : i64
    %i4 = arith.constant 4 : i64
    %i5 = arith.constant 5 : i64
    %k1 = arith.addi %base, %i1 : i64
    %k2 = arith.addi %base, %i2 : i64
    %k3 = arith.addi %base, %i3 : i64
    %k4 = arith.addi %base, %i4 : i64
    %k5 = arith.addi %base, %i5 : i64
    %root = tensor.extract_slice %t[0, 2] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768x1xi32>
    %q0l = seq.embedding %draft, %root : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q0 = tensor.collapse_shape %q0l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n1 = seq.sample %q0 seed(%dseed) counter(%base) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n2 = seq.sample %q0 seed(%dseed) counter(%k1) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n3 = seq.sample %q0 seed(%dseed) counter(%k2) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e1 = tensor.expand_shape %n1 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e2 = tensor.expand_shape %n2 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e3 = tensor.expand_shape %n3 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %q1l = seq.embedding %draft, %e1 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q1 = tensor.collapse_shape %q1l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %q2l = seq.embedding %draft, %e2 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q2 = tensor.collapse_shape %q2l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n4 = seq.sample %q1 seed(%dseed) counter(%k3) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n5 = seq.sample %q1 seed(%dseed) counter(%k4) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n6 = seq.sample %q2 seed(%dseed) counter(%k5) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e4 = tensor.expand_shape %n4 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e5 = tensor.expand_shape %n5 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e6 = tensor.expand_shape %n6 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %tree = tensor.concat dim(1) %e1, %e2, %e3, %e4, %e5, %e6
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    // Each node's draft logits: the draft's row after its parent's token.
    %parents = tensor.concat dim(1) %root, %root, %root, %e1, %e1, %e2
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    %dl = seq.embedding %draft, %parents : tensor<8x8xf32>, tensor<32768x6xi32> -> tensor<32768x6x8xf32>
    %c1 = arith.addi %c, %i1 : i64
    %ctr2 = tensor.from_elements %c1 : tensor<i64>
    seq.yield %tree, %ctr2 : tensor<32768x6xi32>, tensor<i64>
  } verify {
  ^bb0(%t: tensor<32768x7xi32>, %p: tensor<32768x7xi32>, %m: tensor<7x7xi1>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x7xi32> -> tensor<32768x7x8xf32>
    seq.yield %l : tensor<32768x7x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}

func.func @no_residual(%seed: i64, %target: tensor<8x8xf32>, %draft: tensor<8x8xf32>, %expected: tensor<512xf32>) -> (tensor<1xf32>, tensor<1xi32>) {
  %first = arith.constant dense<0> : tensor<32768xi32>
  %ctr0 = arith.constant dense<0> : tensor<i64>
  %toks, %n, %steps, %acc, %ctrf = seq.tree_speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      draft_init(%ctr0 : tensor<i64>)
      {tree_parents = array<i64: 0, 0, 0, 1, 1, 2>, max_new_tokens = 3 : i64, sampling = #filtered, seq.test_no_residual_update}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32> draft_final(tensor<i64>)
  draft {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>, %ctr: tensor<i64>):
    // Node i is drawn from the draft after its parent's token, with its own
    // counter (ctr * 8 + i) and a key of its own (seed + 977), so that no
    // draw is shared with the loop's acceptance tests.
    %c = tensor.extract %ctr[] : tensor<i64>
    %k977 = arith.constant 977 : i64
    %dseed = arith.addi %seed, %k977 : i64
    %c8 = arith.constant 8 : i64
    %base = arith.muli %c, %c8 : i64
    %i1 = arith.constant 1 : i64
    %i2 = arith.constant 2 : i64
    %i3 = arith.constant 3 : i64
    %i4 = arith.constant 4 : i64
    %i5 = arith.constant 5 : i64
    %k1 = arith.addi %base, %i1 : i64
    %k2 = arith.addi %base, %i2 : i64
    %k3 = arith.addi %base, %i3 : i64
    %k4 = arith.addi %base, %i4 : i64
    %k5 = arith.addi %base, %i5 : i64
    %root = tensor.extract_slice %t[0, 2] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768x1xi32>
    %q0l = seq.embedding %draft, %root : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q0 = tensor.collapse_shape %q0l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n1 = seq.sample %q0 seed(%dseed) counter(%base) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n2 = seq.sample %q0 seed(%dseed) counter(%k1) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n3 = seq.sample %q0 seed(%dseed) counter(%k2) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e1 = tensor.expand_shape %n1 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e2 = tensor.expand_shape %n2 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e3 = tensor.expand_shape %n3 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %q1l = seq.embedding %draft, %e1 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q1 = tensor.collapse_shape %q1l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %q2l = seq.embedding %draft, %e2 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q2 = tensor.collapse_shape %q2l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n4 = seq.sample %q1 seed(%dseed) counter(%k3) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n5 = seq.sample %q1 seed(%dseed) counter(%k4) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n6 = seq.sample %q2 seed(%dseed) counter(%k5) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e4 = tensor.expand_shape %n4 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e5 = tensor.expand_shape %n5 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e6 = tensor.expand_shape %n6 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %tree = tensor.concat dim(1) %e1, %e2, %e3, %e4, %e5, %e6
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    // Each node's draft logits: the draft's row after its parent's token.
    %parents = tensor.concat dim(1) %root, %root, %root, %e1, %e1, %e2
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    %dl = seq.embedding %draft, %parents : tensor<8x8xf32>, tensor<32768x6xi32> -> tensor<32768x6x8xf32>
    %c1 = arith.addi %c, %i1 : i64
    %ctr2 = tensor.from_elements %c1 : tensor<i64>
    seq.yield %tree, %dl, %ctr2 : tensor<32768x6xi32>, tensor<32768x6x8xf32>, tensor<i64>
  } verify {
  ^bb0(%t: tensor<32768x7xi32>, %p: tensor<32768x7xi32>, %m: tensor<7x7xi1>):
    %l = seq.embedding %target, %t : tensor<8x8xf32>, tensor<32768x7xi32> -> tensor<32768x7x8xf32>
    seq.yield %l : tensor<32768x7x8xf32>
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
  %ctr0 = arith.constant dense<0> : tensor<i64>
  %toks, %n, %steps, %acc, %ctrf = seq.tree_speculative_decode_loop first(%first : tensor<32768xi32>) positions(%first : tensor<32768xi32>) seed(%seed)
      draft_init(%ctr0 : tensor<i64>)
      {tree_parents = array<i64: 0, 0, 0, 1, 1, 2>, max_new_tokens = 3 : i64, sampling = #filtered}
      -> tensor<32768x3xi32>, tensor<32768xi32>, tensor<32768xi32>, tensor<32768xi32> draft_final(tensor<i64>)
  draft {
  ^bb0(%t: tensor<32768x3xi32>, %p: tensor<32768x3xi32>, %ctr: tensor<i64>):
    // Node i is drawn from the draft after its parent's token, with its own
    // counter (ctr * 8 + i) and a key of its own (seed + 977), so that no
    // draw is shared with the loop's acceptance tests.
    %c = tensor.extract %ctr[] : tensor<i64>
    %k977 = arith.constant 977 : i64
    %dseed = arith.addi %seed, %k977 : i64
    %c8 = arith.constant 8 : i64
    %base = arith.muli %c, %c8 : i64
    %i1 = arith.constant 1 : i64
    %i2 = arith.constant 2 : i64
    %i3 = arith.constant 3 : i64
    %i4 = arith.constant 4 : i64
    %i5 = arith.constant 5 : i64
    %k1 = arith.addi %base, %i1 : i64
    %k2 = arith.addi %base, %i2 : i64
    %k3 = arith.addi %base, %i3 : i64
    %k4 = arith.addi %base, %i4 : i64
    %k5 = arith.addi %base, %i5 : i64
    %root = tensor.extract_slice %t[0, 2] [32768, 1] [1, 1] : tensor<32768x3xi32> to tensor<32768x1xi32>
    %q0l = seq.embedding %draft, %root : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q0 = tensor.collapse_shape %q0l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n1 = seq.sample %q0 seed(%dseed) counter(%base) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n2 = seq.sample %q0 seed(%dseed) counter(%k1) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n3 = seq.sample %q0 seed(%dseed) counter(%k2) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e1 = tensor.expand_shape %n1 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e2 = tensor.expand_shape %n2 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e3 = tensor.expand_shape %n3 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %q1l = seq.embedding %draft, %e1 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q1 = tensor.collapse_shape %q1l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %q2l = seq.embedding %draft, %e2 : tensor<8x8xf32>, tensor<32768x1xi32> -> tensor<32768x1x8xf32>
    %q2 = tensor.collapse_shape %q2l [[0, 1], [2]] : tensor<32768x1x8xf32> into tensor<32768x8xf32>
    %n4 = seq.sample %q1 seed(%dseed) counter(%k3) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n5 = seq.sample %q1 seed(%dseed) counter(%k4) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %n6 = seq.sample %q2 seed(%dseed) counter(%k5) {sampling = #filtered} : tensor<32768x8xf32> -> tensor<32768xi32>
    %e4 = tensor.expand_shape %n4 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e5 = tensor.expand_shape %n5 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %e6 = tensor.expand_shape %n6 [[0, 1]] output_shape [32768, 1] : tensor<32768xi32> into tensor<32768x1xi32>
    %tree = tensor.concat dim(1) %e1, %e2, %e3, %e4, %e5, %e6
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    // Each node's draft logits: the draft's row after its parent's token.
    %parents = tensor.concat dim(1) %root, %root, %root, %e1, %e1, %e2
        : (tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>, tensor<32768x1xi32>) -> tensor<32768x6xi32>
    %dl = seq.embedding %draft, %parents : tensor<8x8xf32>, tensor<32768x6xi32> -> tensor<32768x6x8xf32>
    %c1 = arith.addi %c, %i1 : i64
    %ctr2 = tensor.from_elements %c1 : tensor<i64>
    seq.yield %tree, %dl, %ctr2 : tensor<32768x6xi32>, tensor<32768x6x8xf32>, tensor<i64>
  } verify {
  ^bb0(%t: tensor<32768x7xi32>, %p: tensor<32768x7xi32>, %m: tensor<7x7xi1>):
    %l = seq.embedding %draft, %t : tensor<8x8xf32>, tensor<32768x7xi32> -> tensor<32768x7x8xf32>
    seq.yield %l : tensor<32768x7x8xf32>
  }
  %d = func.call @tv(%toks, %expected) : (tensor<32768x3xi32>, tensor<512xf32>) -> tensor<1xf32>
  %z = arith.constant dense<0> : tensor<i32>
  %sum = linalg.reduce ins(%acc : tensor<32768xi32>) outs(%z : tensor<i32>) dimensions = [0]
      (%x: i32, %y: i32) { %s = arith.addi %x, %y : i32
                           linalg.yield %s : i32 }
  %total = tensor.expand_shape %sum [] output_shape [1] : tensor<i32> into tensor<1xi32>
  return %d, %total : tensor<1xf32>, tensor<1xi32>
}
