// Tolerance (exact): rtol 0 / atol 0, pure data movement: every value is a copy.
//
// Contiguous cache [B=2, H=2, 16, 8]: a 3-token update written at per-row
// positions [0, 9]; every other slot keeps its (random) old value.
// Inputs and golden outputs: Inputs/cache_write_contiguous/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/cache_write_contiguous/cache.npy \
// RUN:   --input 1=%S/../Inputs/cache_write_contiguous/update.npy \
// RUN:   --input 2=%S/../Inputs/cache_write_contiguous/positions.npy \
// RUN:   --expect 0=%S/../Inputs/cache_write_contiguous/out.npy \
// RUN:   --rtol 0 --atol 0

func.func @main(%cache: tensor<2x2x16x8xf32>, %update: tensor<2x2x3x8xf32>,
                %pos: tensor<2xi32>) -> tensor<2x2x16x8xf32> {
  %c = seq.cache_write %cache, %update at %pos
      : tensor<2x2x16x8xf32>, tensor<2x2x3x8xf32>, tensor<2xi32>
  return %c : tensor<2x2x16x8xf32>
}
