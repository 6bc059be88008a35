// Tolerance (exact): rtol 0 / atol 0, pure data movement: every value is a copy.
//
// Paged cache (10 blocks of 4 slots) with scrambled block tables
// [[7, 2, 9, 0], [3, 5, 1, 8]]: 5-token updates at positions [2, 6] cross
// block boundaries (row 0 -> blocks 7, 2; row 1 -> blocks 5, 1).
// Inputs and golden outputs: Inputs/cache_write_paged/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/cache_write_paged/cache.npy \
// RUN:   --input 1=%S/../Inputs/cache_write_paged/update.npy \
// RUN:   --input 2=%S/../Inputs/cache_write_paged/positions.npy \
// RUN:   --input 3=%S/../Inputs/cache_write_paged/block_table.npy \
// RUN:   --expect 0=%S/../Inputs/cache_write_paged/out.npy \
// RUN:   --rtol 0 --atol 0

func.func @main(%cache: tensor<10x2x4x8xf32>, %update: tensor<2x2x5x8xf32>,
                %pos: tensor<2xi32>, %bt: tensor<2x4xi32>)
    -> tensor<10x2x4x8xf32> {
  %c = seq.cache_write %cache, %update at %pos block_table(%bt : tensor<2x4xi32>)
      : tensor<10x2x4x8xf32>, tensor<2x2x5x8xf32>, tensor<2xi32>
  return %c : tensor<10x2x4x8xf32>
}
