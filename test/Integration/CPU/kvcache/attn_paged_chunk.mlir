// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Paged attention: 3 causal queries per row against kv_lengths = [13, 7]
// logical keys in 4-slot blocks, block tables [[6, 1, 8, 3], [2, 9, 0, 0]]
// (logical key j of row b is slot j % 4 of block bt[b, j / 4]). Unused table
// entries hold block 0, whose contents must not leak in. GQA 4:2.
// Inputs and golden outputs: Inputs/attn_paged_chunk/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/attn_paged_chunk/block_table.npy \
// RUN:   --expect 0=%S/../Inputs/attn_paged_chunk/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x3x16xf32>, %kc: tensor<10x2x4x16xf32>,
                %vc: tensor<10x2x4x16xf32>, %len: tensor<2xi32>,
                %bt: tensor<2x4xi32>) -> tensor<2x4x3x16xf32> {
  %o = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<2xi32>)
      block_table(%bt : tensor<2x4xi32>) causal
      : tensor<2x4x3x16xf32>, tensor<10x2x4x16xf32>, tensor<10x2x4x16xf32>
      -> tensor<2x4x3x16xf32>
  return %o : tensor<2x4x3x16xf32>
}
