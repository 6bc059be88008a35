// Tolerance (f32): sequences and lengths exact, scores rtol 1e-5 / atol 1e-5
// against NumPy (sums of at most 7 float32 log-probabilities; the kept
// candidates of every step are >= 3e-3 apart, gen/gen_beam_paged.py).
//
// Beam search over a paged KV cache equals beam search over a contiguous
// one and a NumPy reference: seq.beam_search_loop with block_table = 2 and
// paged_caches = [0, 1] (pools of 20 blocks of 4 slots, junk in every
// block and table entry but item 0's prompt in blocks 13 and 5, item 1's
// in block 9) and the same search over contiguous caches [6, 2, 16, 4]
// give the same sequences, scores and lengths, bit for bit (one attention
// layer: the paged and contiguous attention sum the same keys in the same
// order), and both equal the NumPy beam search (3 beams, 7 tokens, EOS 9;
// beams of 2, 4, 5 and 7 tokens). Item 0's prompt (6 positions) ends in
// the middle of its second block: the first step's three beams share its
// first block and copy the second on write; later steps share and copy
// again (10 copies on write in all, counted by the reference). A reorder
// that shared the partly filled block instead would let sibling beams
// overwrite each other's keys.
// Inputs and goldens: Inputs/beam_paged/, written by gen/gen_beam_paged.py.

// REQUIRES: cpu-lowering-decode, cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/beam_paged/first_logits.npy \
// RUN:   --input 1=%S/../Inputs/beam_paged/start.npy \
// RUN:   --input 2=%S/../Inputs/beam_paged/k_pool.npy \
// RUN:   --input 3=%S/../Inputs/beam_paged/v_pool.npy \
// RUN:   --input 4=%S/../Inputs/beam_paged/block_table.npy \
// RUN:   --input 5=%S/../Inputs/beam_paged/k_cache.npy \
// RUN:   --input 6=%S/../Inputs/beam_paged/v_cache.npy \
// RUN:   --input 7=%S/../Inputs/beam_paged/e.npy \
// RUN:   --input 8=%S/../Inputs/beam_paged/p.npy \
// RUN:   --input 9=%S/../Inputs/beam_paged/Wq.npy \
// RUN:   --input 10=%S/../Inputs/beam_paged/Wk.npy \
// RUN:   --input 11=%S/../Inputs/beam_paged/Wv.npy \
// RUN:   --input 12=%S/../Inputs/beam_paged/Wo.npy \
// RUN:   --input 13=%S/../Inputs/beam_paged/Wu.npy \
// RUN:   --expect 0=%S/../Inputs/beam_paged/sequences.npy \
// RUN:   --expect 1=%S/../Inputs/beam_paged/scores.npy \
// RUN:   --expect 2=%S/../Inputs/beam_paged/lengths.npy \
// RUN:   --expect 3=%S/../Inputs/beam_paged/sequences.npy \
// RUN:   --expect 4=%S/../Inputs/beam_paged/scores.npy \
// RUN:   --expect 5=%S/../Inputs/beam_paged/lengths.npy \
// RUN:   --rtol 1e-5 --atol 1e-5 --print | FileCheck %s

// Run-time errors of the paged reorder (@errors: 2 beams, a pool of 6
// blocks of 4 slots, the verifier's minimum for 6 new tokens): a pool that
// the prompt leaves too small, a table entry outside the pool, a prompt
// longer than the table, and (@errors2, two items) a partly filled prompt
// block shared by two items' rows (full blocks may be shared, the block
// the next token goes into may not). Each is reported with the op's
// location.
// RUN: not seqrun %t.seqpkg --entry errors --input 0=%S/../Inputs/beam_paged/dry_start.npy --input 1=%S/../Inputs/beam_paged/dry_table.npy 2>&1 | FileCheck %s --check-prefix=DRY
// RUN: not seqrun %t.seqpkg --entry errors --input 0=%S/../Inputs/beam_paged/range_start.npy --input 1=%S/../Inputs/beam_paged/range_table.npy 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not seqrun %t.seqpkg --entry errors --input 0=%S/../Inputs/beam_paged/long_start.npy --input 1=%S/../Inputs/beam_paged/long_table.npy 2>&1 | FileCheck %s --check-prefix=LONG
// RUN: not seqrun %t.seqpkg --entry errors2 --input 0=%S/../Inputs/beam_paged/shared_start.npy --input 1=%S/../Inputs/beam_paged/shared_table.npy 2>&1 | FileCheck %s --check-prefix=SHARED
// DRY: (__seq_status 2): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: the block pool of 6 blocks ran dry: beam row 1 needs a block for position 20
// RANGE: (__seq_status 1): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: block table entry 1 of beam row 0 is 99, outside the pool of 6 blocks
// SHARED: (__seq_status 1): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: the partly filled prompt block 1 of beam row 0 is shared with another row
// LONG: (__seq_status 2): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: a prompt of 40 positions needs 10 blocks of 4 slots, more than the block table's 8

// Extents the verifier cannot see (@errors_dynamic: a dynamic table and
// pool) are checked at run time against its rules: a table of MaxBlocks 0
// (nowhere to write the new tokens), a pool below B * num_beams *
// ceil((BlockSize - 1 + max_new_tokens) / BlockSize) and a BlockSize of 0;
// each is reported, none reads out of bounds or divides by zero.
// RUN: %pynumpy -c "import numpy as np; d='%t'; np.save(d + '.s0.npy', np.zeros([1], np.int32)); np.save(d + '.t0.npy', np.zeros([2, 0], np.int32)); np.save(d + '.t8.npy', np.zeros([2, 8], np.int32)); np.save(d + '.p6.npy', np.zeros([6, 1, 4, 2], np.float32)); np.save(d + '.p5.npy', np.zeros([5, 1, 4, 2], np.float32)); np.save(d + '.pz.npy', np.zeros([6, 1, 0, 2], np.float32))"
// RUN: not seqrun %t.seqpkg --entry errors_dynamic --input 0=%t.s0.npy --input 1=%t.p6.npy --input 2=%t.t0.npy 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not seqrun %t.seqpkg --entry errors_dynamic --input 0=%t.s0.npy --input 1=%t.p5.npy --input 2=%t.t8.npy 2>&1 | FileCheck %s --check-prefix=POOL
// RUN: not seqrun %t.seqpkg --entry errors_dynamic --input 0=%t.s0.npy --input 1=%t.pz.npy --input 2=%t.t8.npy 2>&1 | FileCheck %s --check-prefix=BS0
// RUN: seqrun %t.seqpkg --entry errors_dynamic --input 0=%t.s0.npy --input 1=%t.p6.npy --input 2=%t.t8.npy
// ZERO: (__seq_status 2): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: the block table addresses MaxBlocks * BlockSize = 0 * 4 positions, fewer than max_new_tokens (6)
// POOL: (__seq_status 2): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: the block pool of 5 blocks is smaller than B * num_beams * ceil((BlockSize - 1 + max_new_tokens) / BlockSize) = 2 * 3
// BS0: (__seq_status 2): seq.beam_search_loop at {{.*}}beam_search_paged.mlir:{{[0-9]+}}:{{[0-9]+}}: paged caches with BlockSize 0

// CHECK: output 0: i32[2, 3, 7] = [[SEQ:.*]]
// CHECK-NEXT: output 1: f32[2, 3] = [[SCORES:.*]]
// CHECK-NEXT: output 2: i32[2, 3] = [[LENS:.*]]
// CHECK-NEXT: output 3: i32[2, 3, 7] = [[SEQ]]
// CHECK-NEXT: output 4: f32[2, 3] = [[SCORES]]
// CHECK-NEXT: output 5: i32[2, 3] = [[LENS]]

func.func private @paged(%first: tensor<2x19xf32>, %start: tensor<2xi32>, %kp0: tensor<20x2x4x4xf32>, %vp0: tensor<20x2x4x4xf32>, %bt0: tensor<6x4xi32>, %emb: tensor<19x8xf32>, %pemb: tensor<16x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<19x8xf32>, %wu: tensor<19x8xf32>) -> (tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<2x19xf32>) positions(%start : tensor<2xi32>) init(%kp0, %vp0, %bt0 : tensor<20x2x4x4xf32>, tensor<20x2x4x4xf32>, tensor<6x4xi32>)
      {num_beams = 3 : i64, max_new_tokens = 7 : i64, eos_token_ids = array<i64: 9>, length_penalty = 1.0 : f64, block_table = 2 : i64, paged_caches = array<i64: 0, 1>}
      -> tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32> {
  ^bb0(%t: tensor<6x1xi32>, %p: tensor<6x1xi32>, %kp: tensor<20x2x4x4xf32>, %vp: tensor<20x2x4x4xf32>, %bt: tensor<6x4xi32>):
    %e = seq.embedding %emb, %t : tensor<19x8xf32>, tensor<6x1xi32> -> tensor<6x1x8xf32>
    %pe = seq.embedding %pemb, %p : tensor<16x8xf32>, tensor<6x1xi32> -> tensor<6x1x8xf32>
    %xe = tensor.empty() : tensor<6x1x8xf32>
    %x = linalg.add ins(%e, %pe : tensor<6x1x8xf32>, tensor<6x1x8xf32>) outs(%xe : tensor<6x1x8xf32>) -> tensor<6x1x8xf32>
    %q = seq.linear %x, %wq : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %k = seq.linear %x, %wk : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %v = seq.linear %x, %wv : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %q3 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %k3 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %v3 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %q2 = tensor.collapse_shape %q3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %k2 = tensor.collapse_shape %k3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %v2 = tensor.collapse_shape %v3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %qh = tensor.expand_shape %q2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %kh = tensor.expand_shape %k2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %vh = tensor.expand_shape %v2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %pos = tensor.collapse_shape %p [[0, 1]] : tensor<6x1xi32> into tensor<6xi32>
    %ones = arith.constant dense<1> : tensor<6xi32>
    %le = tensor.empty() : tensor<6xi32>
    %len = linalg.add ins(%pos, %ones : tensor<6xi32>, tensor<6xi32>) outs(%le : tensor<6xi32>) -> tensor<6xi32>
    %kp2 = seq.cache_write %kp, %kh at %pos block_table(%bt : tensor<6x4xi32>) : tensor<20x2x4x4xf32>, tensor<6x2x1x4xf32>, tensor<6xi32>
    %vp2 = seq.cache_write %vp, %vh at %pos block_table(%bt : tensor<6x4xi32>) : tensor<20x2x4x4xf32>, tensor<6x2x1x4xf32>, tensor<6xi32>
    %o = seq.attention %qh, %kp2, %vp2 kv_lengths(%len : tensor<6xi32>) block_table(%bt : tensor<6x4xi32>) : tensor<6x2x1x4xf32>, tensor<20x2x4x4xf32>, tensor<20x2x4x4xf32> -> tensor<6x2x1x4xf32>
    %o2 = tensor.collapse_shape %o [[0], [1, 2], [3]] : tensor<6x2x1x4xf32> into tensor<6x2x4xf32>
    %o1 = tensor.collapse_shape %o2 [[0], [1, 2]] : tensor<6x2x4xf32> into tensor<6x8xf32>
    %of = tensor.expand_shape %o1 [[0, 1], [2]] output_shape [6, 1, 8] : tensor<6x8xf32> into tensor<6x1x8xf32>
    %la = seq.linear %of, %wo : tensor<6x1x8xf32>, tensor<19x8xf32> -> tensor<6x1x19xf32>
    %lb = seq.linear %x, %wu : tensor<6x1x8xf32>, tensor<19x8xf32> -> tensor<6x1x19xf32>
    %le2 = tensor.empty() : tensor<6x1x19xf32>
    %l = linalg.add ins(%la, %lb : tensor<6x1x19xf32>, tensor<6x1x19xf32>) outs(%le2 : tensor<6x1x19xf32>) -> tensor<6x1x19xf32>
    seq.yield %l, %kp2, %vp2, %bt : tensor<6x1x19xf32>, tensor<20x2x4x4xf32>, tensor<20x2x4x4xf32>, tensor<6x4xi32>
  }
  return %seqs, %scores, %lens : tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>
}

func.func private @contiguous(%first: tensor<2x19xf32>, %start: tensor<2xi32>, %kc0: tensor<6x2x16x4xf32>, %vc0: tensor<6x2x16x4xf32>, %emb: tensor<19x8xf32>, %pemb: tensor<16x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<19x8xf32>, %wu: tensor<19x8xf32>) -> (tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<2x19xf32>) positions(%start : tensor<2xi32>) init(%kc0, %vc0 : tensor<6x2x16x4xf32>, tensor<6x2x16x4xf32>)
      {num_beams = 3 : i64, max_new_tokens = 7 : i64, eos_token_ids = array<i64: 9>, length_penalty = 1.0 : f64}
      -> tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32> {
  ^bb0(%t: tensor<6x1xi32>, %p: tensor<6x1xi32>, %kc: tensor<6x2x16x4xf32>, %vc: tensor<6x2x16x4xf32>):
    %e = seq.embedding %emb, %t : tensor<19x8xf32>, tensor<6x1xi32> -> tensor<6x1x8xf32>
    %pe = seq.embedding %pemb, %p : tensor<16x8xf32>, tensor<6x1xi32> -> tensor<6x1x8xf32>
    %xe = tensor.empty() : tensor<6x1x8xf32>
    %x = linalg.add ins(%e, %pe : tensor<6x1x8xf32>, tensor<6x1x8xf32>) outs(%xe : tensor<6x1x8xf32>) -> tensor<6x1x8xf32>
    %q = seq.linear %x, %wq : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %k = seq.linear %x, %wk : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %v = seq.linear %x, %wv : tensor<6x1x8xf32>, tensor<8x8xf32> -> tensor<6x1x8xf32>
    %q3 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %k3 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %v3 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [6, 1, 2, 4] : tensor<6x1x8xf32> into tensor<6x1x2x4xf32>
    %q2 = tensor.collapse_shape %q3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %k2 = tensor.collapse_shape %k3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %v2 = tensor.collapse_shape %v3 [[0], [1, 2], [3]] : tensor<6x1x2x4xf32> into tensor<6x2x4xf32>
    %qh = tensor.expand_shape %q2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %kh = tensor.expand_shape %k2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %vh = tensor.expand_shape %v2 [[0], [1, 2], [3]] output_shape [6, 2, 1, 4] : tensor<6x2x4xf32> into tensor<6x2x1x4xf32>
    %pos = tensor.collapse_shape %p [[0, 1]] : tensor<6x1xi32> into tensor<6xi32>
    %ones = arith.constant dense<1> : tensor<6xi32>
    %le = tensor.empty() : tensor<6xi32>
    %len = linalg.add ins(%pos, %ones : tensor<6xi32>, tensor<6xi32>) outs(%le : tensor<6xi32>) -> tensor<6xi32>
    %kc2 = seq.cache_write %kc, %kh at %pos : tensor<6x2x16x4xf32>, tensor<6x2x1x4xf32>, tensor<6xi32>
    %vc2 = seq.cache_write %vc, %vh at %pos : tensor<6x2x16x4xf32>, tensor<6x2x1x4xf32>, tensor<6xi32>
    %o = seq.attention %qh, %kc2, %vc2 kv_lengths(%len : tensor<6xi32>) : tensor<6x2x1x4xf32>, tensor<6x2x16x4xf32>, tensor<6x2x16x4xf32> -> tensor<6x2x1x4xf32>
    %o2 = tensor.collapse_shape %o [[0], [1, 2], [3]] : tensor<6x2x1x4xf32> into tensor<6x2x4xf32>
    %o1 = tensor.collapse_shape %o2 [[0], [1, 2]] : tensor<6x2x4xf32> into tensor<6x8xf32>
    %of = tensor.expand_shape %o1 [[0, 1], [2]] output_shape [6, 1, 8] : tensor<6x8xf32> into tensor<6x1x8xf32>
    %la = seq.linear %of, %wo : tensor<6x1x8xf32>, tensor<19x8xf32> -> tensor<6x1x19xf32>
    %lb = seq.linear %x, %wu : tensor<6x1x8xf32>, tensor<19x8xf32> -> tensor<6x1x19xf32>
    %le2 = tensor.empty() : tensor<6x1x19xf32>
    %l = linalg.add ins(%la, %lb : tensor<6x1x19xf32>, tensor<6x1x19xf32>) outs(%le2 : tensor<6x1x19xf32>) -> tensor<6x1x19xf32>
    seq.yield %l, %kc2, %vc2 : tensor<6x1x19xf32>, tensor<6x2x16x4xf32>, tensor<6x2x16x4xf32>
  }
  return %seqs, %scores, %lens : tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>
}

func.func @main(%first: tensor<2x19xf32>, %start: tensor<2xi32>, %kp: tensor<20x2x4x4xf32>, %vp: tensor<20x2x4x4xf32>, %bt: tensor<6x4xi32>, %kc: tensor<6x2x16x4xf32>, %vc: tensor<6x2x16x4xf32>, %emb: tensor<19x8xf32>, %pemb: tensor<16x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<19x8xf32>, %wu: tensor<19x8xf32>) -> (tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %s0, %c0, %l0 = call @paged(%first, %start, %kp, %vp, %bt, %emb, %pemb, %wq, %wk, %wv, %wo, %wu) : (tensor<2x19xf32>, tensor<2xi32>, tensor<20x2x4x4xf32>, tensor<20x2x4x4xf32>, tensor<6x4xi32>, tensor<19x8xf32>, tensor<16x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<19x8xf32>, tensor<19x8xf32>) -> (tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>)
  %s1, %c1, %l1 = call @contiguous(%first, %start, %kc, %vc, %emb, %pemb, %wq, %wk, %wv, %wo, %wu) : (tensor<2x19xf32>, tensor<2xi32>, tensor<6x2x16x4xf32>, tensor<6x2x16x4xf32>, tensor<19x8xf32>, tensor<16x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<19x8xf32>, tensor<19x8xf32>) -> (tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>)
  return %s0, %c0, %l0, %s1, %c1, %l1 : tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3x7xi32>, tensor<2x3xf32>, tensor<2x3xi32>
}

func.func @errors(%start: tensor<1xi32>, %bt0: tensor<2x8xi32>) -> (tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32>) {
  %first = arith.constant dense<0.0> : tensor<1x5xf32>
  %step = arith.constant dense<0.0> : tensor<2x1x5xf32>
  %pool = arith.constant dense<0.0> : tensor<6x1x4x2xf32>
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<1x5xf32>) positions(%start : tensor<1xi32>) init(%pool, %bt0 : tensor<6x1x4x2xf32>, tensor<2x8xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>}
      -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %kp: tensor<6x1x4x2xf32>, %bt: tensor<2x8xi32>):
    seq.yield %step, %kp, %bt : tensor<2x1x5xf32>, tensor<6x1x4x2xf32>, tensor<2x8xi32>
  }
  return %seqs, %scores, %lens : tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32>
}

func.func @errors2(%start: tensor<2xi32>, %bt0: tensor<4x8xi32>) -> (tensor<2x2x6xi32>, tensor<2x2xf32>, tensor<2x2xi32>) {
  %first = arith.constant dense<0.0> : tensor<2x5xf32>
  %step = arith.constant dense<0.0> : tensor<4x1x5xf32>
  %pool = arith.constant dense<0.0> : tensor<12x1x4x2xf32>
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<2x5xf32>) positions(%start : tensor<2xi32>) init(%pool, %bt0 : tensor<12x1x4x2xf32>, tensor<4x8xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>}
      -> tensor<2x2x6xi32>, tensor<2x2xf32>, tensor<2x2xi32> {
  ^bb0(%t: tensor<4x1xi32>, %p: tensor<4x1xi32>, %kp: tensor<12x1x4x2xf32>, %bt: tensor<4x8xi32>):
    seq.yield %step, %kp, %bt : tensor<4x1x5xf32>, tensor<12x1x4x2xf32>, tensor<4x8xi32>
  }
  return %seqs, %scores, %lens : tensor<2x2x6xi32>, tensor<2x2xf32>, tensor<2x2xi32>
}

func.func @errors_dynamic(%start: tensor<1xi32>, %pool: tensor<?x1x?x2xf32>, %bt0: tensor<2x?xi32>) -> (tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32>) {
  %first = arith.constant dense<0.0> : tensor<1x5xf32>
  %step = arith.constant dense<0.0> : tensor<2x1x5xf32>
  %seqs, %scores, %lens = seq.beam_search_loop logits(%first : tensor<1x5xf32>) positions(%start : tensor<1xi32>) init(%pool, %bt0 : tensor<?x1x?x2xf32>, tensor<2x?xi32>)
      {num_beams = 2 : i64, max_new_tokens = 6 : i64, block_table = 1 : i64, paged_caches = array<i64: 0>}
      -> tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>, %kp: tensor<?x1x?x2xf32>, %bt: tensor<2x?xi32>):
    seq.yield %step, %kp, %bt : tensor<2x1x5xf32>, tensor<?x1x?x2xf32>, tensor<2x?xi32>
  }
  return %seqs, %scores, %lens : tensor<1x2x6xi32>, tensor<1x2xf32>, tensor<1x2xi32>
}
