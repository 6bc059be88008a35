// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// One decode step on a paged cache (12 blocks of 8 slots, tables
// [[4, 11, 0, 0], [7, 1, 9, 2]]): paged write at positions [10, 25], then
// paged attention over kv_lengths = [11, 26], GQA 8:2. Also returns the
// updated caches.
// Inputs and golden outputs: Inputs/paged_write_decode/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/paged_write_decode/q.npy \
// RUN:   --input 1=%S/../Inputs/paged_write_decode/k_new.npy \
// RUN:   --input 2=%S/../Inputs/paged_write_decode/v_new.npy \
// RUN:   --input 3=%S/../Inputs/paged_write_decode/k_cache.npy \
// RUN:   --input 4=%S/../Inputs/paged_write_decode/v_cache.npy \
// RUN:   --input 5=%S/../Inputs/paged_write_decode/positions.npy \
// RUN:   --input 6=%S/../Inputs/paged_write_decode/kv_lengths.npy \
// RUN:   --input 7=%S/../Inputs/paged_write_decode/block_table.npy \
// RUN:   --expect 0=%S/../Inputs/paged_write_decode/out.npy \
// RUN:   --expect 1=%S/../Inputs/paged_write_decode/k_cache_out.npy \
// RUN:   --expect 2=%S/../Inputs/paged_write_decode/v_cache_out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x8x1x16xf32>, %k_new: tensor<2x2x1x16xf32>,
                %v_new: tensor<2x2x1x16xf32>, %kc: tensor<12x2x8x16xf32>,
                %vc: tensor<12x2x8x16xf32>, %pos: tensor<2xi32>,
                %len: tensor<2xi32>, %bt: tensor<2x4xi32>)
    -> (tensor<2x8x1x16xf32>, tensor<12x2x8x16xf32>, tensor<12x2x8x16xf32>) {
  %kc2 = seq.cache_write %kc, %k_new at %pos block_table(%bt : tensor<2x4xi32>)
      : tensor<12x2x8x16xf32>, tensor<2x2x1x16xf32>, tensor<2xi32>
  %vc2 = seq.cache_write %vc, %v_new at %pos block_table(%bt : tensor<2x4xi32>)
      : tensor<12x2x8x16xf32>, tensor<2x2x1x16xf32>, tensor<2xi32>
  %o = seq.attention %q, %kc2, %vc2 kv_lengths(%len : tensor<2xi32>)
      block_table(%bt : tensor<2x4xi32>) causal
      : tensor<2x8x1x16xf32>, tensor<12x2x8x16xf32>, tensor<12x2x8x16xf32>
      -> tensor<2x8x1x16xf32>
  return %o, %kc2, %vc2
      : tensor<2x8x1x16xf32>, tensor<12x2x8x16xf32>, tensor<12x2x8x16xf32>
}
