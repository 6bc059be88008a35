// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// The causal diagonal's skipped work in the rows-in-lanes kernels: the
// score kernel leaves out the row vectors whose rows all precede a
// register block's keys (the mask fills them with -inf) and P.V reads a
// row block's keys only up to its last row's position. Sizes that are not
// whole tiles: MHA 130 tokens; GQA 8:2 67 tokens with a window of 40; GQA
// 4:1 100 queries as the last chunk of 133 keys (the diagonal crosses key
// blocks off their start) with a window of 70; GQA 2:1 80 queries on 520
// keys (the KV range split in two, merged by log-sum-exp). LSE results.
// Run for the host (16 lanes on AVX-512: 64-row tiles) and for znver3
// (AVX2, 8 lanes: 16-row tiles). The unmasked key blocks take the score
// kernel's running max (the masked ones a max pass, under scf.if).
// Inputs and golden outputs: Inputs/attn_causal_diagonal/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu --cpu=znver3 -emit=tiled -o - | FileCheck %s
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_causal_diagonal/q_mha.npy \
// RUN:   --input 1=%S/../Inputs/attn_causal_diagonal/k_mha.npy \
// RUN:   --input 2=%S/../Inputs/attn_causal_diagonal/v_mha.npy \
// RUN:   --input 3=%S/../Inputs/attn_causal_diagonal/q_win.npy \
// RUN:   --input 4=%S/../Inputs/attn_causal_diagonal/k_win.npy \
// RUN:   --input 5=%S/../Inputs/attn_causal_diagonal/v_win.npy \
// RUN:   --input 6=%S/../Inputs/attn_causal_diagonal/q_chunk.npy \
// RUN:   --input 7=%S/../Inputs/attn_causal_diagonal/k_chunk.npy \
// RUN:   --input 8=%S/../Inputs/attn_causal_diagonal/v_chunk.npy \
// RUN:   --input 9=%S/../Inputs/attn_causal_diagonal/q_split.npy \
// RUN:   --input 10=%S/../Inputs/attn_causal_diagonal/k_split.npy \
// RUN:   --input 11=%S/../Inputs/attn_causal_diagonal/v_split.npy \
// RUN:   --expect 0=%S/../Inputs/attn_causal_diagonal/out_mha.npy \
// RUN:   --expect 1=%S/../Inputs/attn_causal_diagonal/lse_mha.npy \
// RUN:   --expect 2=%S/../Inputs/attn_causal_diagonal/out_win.npy \
// RUN:   --expect 3=%S/../Inputs/attn_causal_diagonal/lse_win.npy \
// RUN:   --expect 4=%S/../Inputs/attn_causal_diagonal/out_chunk.npy \
// RUN:   --expect 5=%S/../Inputs/attn_causal_diagonal/lse_chunk.npy \
// RUN:   --expect 6=%S/../Inputs/attn_causal_diagonal/out_split.npy \
// RUN:   --expect 7=%S/../Inputs/attn_causal_diagonal/lse_split.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.znver3.seqpkg
// RUN: seqrun %t.znver3.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_causal_diagonal/q_mha.npy \
// RUN:   --input 1=%S/../Inputs/attn_causal_diagonal/k_mha.npy \
// RUN:   --input 2=%S/../Inputs/attn_causal_diagonal/v_mha.npy \
// RUN:   --input 3=%S/../Inputs/attn_causal_diagonal/q_win.npy \
// RUN:   --input 4=%S/../Inputs/attn_causal_diagonal/k_win.npy \
// RUN:   --input 5=%S/../Inputs/attn_causal_diagonal/v_win.npy \
// RUN:   --input 6=%S/../Inputs/attn_causal_diagonal/q_chunk.npy \
// RUN:   --input 7=%S/../Inputs/attn_causal_diagonal/k_chunk.npy \
// RUN:   --input 8=%S/../Inputs/attn_causal_diagonal/v_chunk.npy \
// RUN:   --input 9=%S/../Inputs/attn_causal_diagonal/q_split.npy \
// RUN:   --input 10=%S/../Inputs/attn_causal_diagonal/k_split.npy \
// RUN:   --input 11=%S/../Inputs/attn_causal_diagonal/v_split.npy \
// RUN:   --expect 0=%S/../Inputs/attn_causal_diagonal/out_mha.npy \
// RUN:   --expect 1=%S/../Inputs/attn_causal_diagonal/lse_mha.npy \
// RUN:   --expect 2=%S/../Inputs/attn_causal_diagonal/out_win.npy \
// RUN:   --expect 3=%S/../Inputs/attn_causal_diagonal/lse_win.npy \
// RUN:   --expect 4=%S/../Inputs/attn_causal_diagonal/out_chunk.npy \
// RUN:   --expect 5=%S/../Inputs/attn_causal_diagonal/lse_chunk.npy \
// RUN:   --expect 6=%S/../Inputs/attn_causal_diagonal/out_split.npy \
// RUN:   --expect 7=%S/../Inputs/attn_causal_diagonal/lse_split.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

// The tiled code for znver3 (8 lanes, 16-row tiles of 2 row vectors), the
// first (MHA) attention:
// CHECK-LABEL: func.func @main
// The score kernel's row vectors start at the first one that sees the
// register block's first key.
// CHECK: %[[DIV:.*]] = arith.divui %{{.*}}, %c8 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.minsi %[[DIV]], %c2 : index
// CHECK: scf.for %{{.*}} = %[[FIRST]] to
// The softmax takes the score kernel's running max on unmasked blocks.
// CHECK: scf.if %{{.*}} -> (vector<8xf32>)
// P.V reads a row block's keys up to its last row's position.
// CHECK: %[[SEEN:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK-NEXT: %[[LIMIT:.*]] = arith.minsi %{{.*}}, %[[SEEN]] : index
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %[[LIMIT]] step %c1 iter_args

func.func @main(
    %q_mha: tensor<1x2x130x32xf32>, %k_mha: tensor<1x2x130x32xf32>, %v_mha: tensor<1x2x130x32xf32>,
    %q_win: tensor<1x8x67x32xf32>, %k_win: tensor<1x2x67x32xf32>, %v_win: tensor<1x2x67x32xf32>,
    %q_chunk: tensor<1x4x100x32xf32>, %k_chunk: tensor<1x1x133x32xf32>, %v_chunk: tensor<1x1x133x32xf32>,
    %q_split: tensor<1x2x80x32xf32>, %k_split: tensor<1x1x520x32xf32>, %v_split: tensor<1x1x520x32xf32>)
    -> (tensor<1x2x130x32xf32>, tensor<1x2x130xf32>, tensor<1x8x67x32xf32>, tensor<1x8x67xf32>, tensor<1x4x100x32xf32>, tensor<1x4x100xf32>, tensor<1x2x80x32xf32>, tensor<1x2x80xf32>) {
  %o_mha, %lse_mha = seq.attention %q_mha, %k_mha, %v_mha causal
      : tensor<1x2x130x32xf32>, tensor<1x2x130x32xf32>, tensor<1x2x130x32xf32>
      -> tensor<1x2x130x32xf32>, tensor<1x2x130xf32>
  %o_win, %lse_win = seq.attention %q_win, %k_win, %v_win causal window(40)
      : tensor<1x8x67x32xf32>, tensor<1x2x67x32xf32>, tensor<1x2x67x32xf32>
      -> tensor<1x8x67x32xf32>, tensor<1x8x67xf32>
  %o_chunk, %lse_chunk = seq.attention %q_chunk, %k_chunk, %v_chunk causal window(70)
      : tensor<1x4x100x32xf32>, tensor<1x1x133x32xf32>, tensor<1x1x133x32xf32>
      -> tensor<1x4x100x32xf32>, tensor<1x4x100xf32>
  %o_split, %lse_split = seq.attention %q_split, %k_split, %v_split causal
      : tensor<1x2x80x32xf32>, tensor<1x1x520x32xf32>, tensor<1x1x520x32xf32>
      -> tensor<1x2x80x32xf32>, tensor<1x2x80xf32>
  return %o_mha, %lse_mha, %o_win, %lse_win, %o_chunk, %lse_chunk, %o_split, %lse_split
      : tensor<1x2x130x32xf32>, tensor<1x2x130xf32>, tensor<1x8x67x32xf32>, tensor<1x8x67xf32>, tensor<1x4x100x32xf32>, tensor<1x4x100xf32>, tensor<1x2x80x32xf32>, tensor<1x2x80xf32>
}
