// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default, for the runs that
// compare valid inputs with the goldens they share with other tests.
//
// Run-time checks for what the verifiers check only on static extents
// (issue #11): block ids outside the caches, KV heads that do not divide
// the query heads (or are 0), K and V of different lengths. Each call
// fails with a message and exit 1, reads and writes stay inside the
// buffers, and nothing crashes (Hkv = 0 used to die of SIGFPE, Hq 4 /
// Hkv 3 used to return garbage with exit 0).

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg

// Paged attention, block tables of Inputs/attn_paged_chunk with one id
// past the 10 blocks, or negative.
// RUN: not seqrun %t.seqpkg --entry paged \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/hostile_extents/bt_past_end.npy 2>&1 | FileCheck %s --check-prefixes=INDEX,PAST-END
// RUN: not seqrun %t.seqpkg --entry paged \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/hostile_extents/bt_negative.npy 2>&1 | FileCheck %s --check-prefixes=INDEX,NEGATIVE
// RUN: not seqrun %t.seqpkg --entry paged \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/hostile_extents/bt_huge.npy 2>&1 | FileCheck %s --check-prefixes=INDEX,HUGE
// The good table still works.
// RUN: seqrun %t.seqpkg --entry paged \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/attn_paged_chunk/block_table.npy \
// RUN:   --expect 0=%S/../Inputs/attn_paged_chunk/out.npy --rtol 1e-4 --atol 1e-5
// INDEX: entry 'paged' failed while running: an index out of range
// The message names the op, its location, the id, where it is and the
// number of blocks.
// PAST-END-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id 10 (block_table[0][3]) outside the 10 cache blocks
// NEGATIVE-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id -1 (block_table[1][1]) outside the 10 cache blocks
// HUGE-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id 2147483647 (block_table[0][2]) outside the 10 cache blocks

// A paged cache write whose table names block 7 of a 4-block cache.
// RUN: not seqrun %t.seqpkg --entry paged_write --zeros 0 --zeros 1 \
// RUN:   --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:   --input 3=%S/../Inputs/hostile_extents/write_table_bad.npy 2>&1 | FileCheck %s --check-prefix=WINDEX
// RUN: seqrun %t.seqpkg --entry paged_write --zeros 0 --zeros 1 \
// RUN:   --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:   --input 3=%S/../Inputs/hostile_extents/write_table_ok.npy --print | FileCheck %s --check-prefix=WOK
// RUN: not seqrun %t.seqpkg --entry paged_write --zeros 0 --zeros 1 \
// RUN:   --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:   --input 3=%S/../Inputs/hostile_extents/write_table_huge.npy 2>&1 | FileCheck %s --check-prefix=WHUGE
// WINDEX: entry 'paged_write' failed while running: an index out of range{{.*}}: seq.cache_write at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id 7 (batch 0, position 3) outside the 4 cache blocks
// WHUGE: entry 'paged_write' failed while running: an index out of range{{.*}}: seq.cache_write at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id -2147483648 (batch 0, position 3) outside the 4 cache blocks
// WOK: output 0: f32[4, 1, 2, 4]

// Dynamic heads: 4 query heads over 3 or 0 KV heads; 4 over 2 is fine.
// RUN: not seqrun %t.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x3x4x8 --zeros 2=1x3x4x8 2>&1 | FileCheck %s --check-prefixes=SHAPE,HEADS3
// RUN: not seqrun %t.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x0x4x8 --zeros 2=1x0x4x8 2>&1 | FileCheck %s --check-prefixes=SHAPE,HEADS0
// RUN: not seqrun %t.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x2x4x8 --zeros 2=1x1x4x8 2>&1 | FileCheck %s --check-prefixes=SHAPE,VHEADS
// RUN: seqrun %t.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x2x4x8 --zeros 2=1x2x4x8 --print | FileCheck %s --check-prefix=HEADSOK
// HEADSOK: output 0: f32[1, 4, 2, 8]
// Dynamic lengths: 4 keys, 3 values.
// RUN: not seqrun %t.seqpkg --entry lengths --zeros 0 --zeros 1=1x2x4x8 --zeros 2=1x2x3x8 2>&1 | FileCheck %s --check-prefixes=SHAPE,LENGTHS
// SHAPE: failed while running: operand extents that do not agree
// HEADS3-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: 4 query heads not divisible by 3 KV heads
// HEADS0-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: 4 query heads not divisible by 0 KV heads
// VHEADS-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: 2 key heads != 1 value heads
// LENGTHS-SAME: seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: key length 4 != value length 3

func.func @paged(%q: tensor<2x4x3x16xf32>, %kc: tensor<10x2x4x16xf32>,
                 %vc: tensor<10x2x4x16xf32>, %len: tensor<2xi32>,
                 %bt: tensor<2x4xi32>) -> tensor<2x4x3x16xf32> {
  %o = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<2xi32>)
      block_table(%bt : tensor<2x4xi32>) causal
      : tensor<2x4x3x16xf32>, tensor<10x2x4x16xf32>, tensor<10x2x4x16xf32>
      -> tensor<2x4x3x16xf32>
  return %o : tensor<2x4x3x16xf32>
}

func.func @paged_write(%cache: tensor<4x1x2x4xf32>, %update: tensor<1x1x1x4xf32>,
                 %pos: tensor<1xi32>, %bt: tensor<1x2xi32>) -> tensor<4x1x2x4xf32> {
  %c = seq.cache_write %cache, %update at %pos block_table(%bt : tensor<1x2xi32>)
      : tensor<4x1x2x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi32>
  return %c : tensor<4x1x2x4xf32>
}

func.func @heads(%q: tensor<1x?x2x8xf32>, %k: tensor<1x?x4x8xf32>,
                 %v: tensor<1x?x4x8xf32>) -> tensor<1x?x2x8xf32> {
  %o = seq.attention %q, %k, %v
      : tensor<1x?x2x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>
      -> tensor<1x?x2x8xf32>
  return %o : tensor<1x?x2x8xf32>
}

func.func @lengths(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x?x8xf32>,
                   %v: tensor<1x2x?x8xf32>) -> tensor<1x2x2x8xf32> {
  %o = seq.attention %q, %k, %v
      : tensor<1x2x2x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>
      -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}
