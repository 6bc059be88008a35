// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// One decode step on a contiguous cache: write the new K/V at positions
// [5, 20], then attend over kv_lengths = positions + 1 (GQA 4:2). Also
// returns the updated caches (compared with the same tolerance; they are
// exact copies).
// Inputs and golden outputs: Inputs/kv_write_decode/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/kv_write_decode/q.npy \
// RUN:   --input 1=%S/../Inputs/kv_write_decode/k_new.npy \
// RUN:   --input 2=%S/../Inputs/kv_write_decode/v_new.npy \
// RUN:   --input 3=%S/../Inputs/kv_write_decode/k_cache.npy \
// RUN:   --input 4=%S/../Inputs/kv_write_decode/v_cache.npy \
// RUN:   --input 5=%S/../Inputs/kv_write_decode/positions.npy \
// RUN:   --input 6=%S/../Inputs/kv_write_decode/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/kv_write_decode/out.npy \
// RUN:   --expect 1=%S/../Inputs/kv_write_decode/k_cache_out.npy \
// RUN:   --expect 2=%S/../Inputs/kv_write_decode/v_cache_out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x1x16xf32>, %k_new: tensor<2x2x1x16xf32>,
                %v_new: tensor<2x2x1x16xf32>, %kc: tensor<2x2x32x16xf32>,
                %vc: tensor<2x2x32x16xf32>, %pos: tensor<2xi32>,
                %len: tensor<2xi32>)
    -> (tensor<2x4x1x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) {
  %kc2 = seq.cache_write %kc, %k_new at %pos
      : tensor<2x2x32x16xf32>, tensor<2x2x1x16xf32>, tensor<2xi32>
  %vc2 = seq.cache_write %vc, %v_new at %pos
      : tensor<2x2x32x16xf32>, tensor<2x2x1x16xf32>, tensor<2xi32>
  %o = seq.attention %q, %kc2, %vc2 kv_lengths(%len : tensor<2xi32>) causal
      : tensor<2x4x1x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>
      -> tensor<2x4x1x16xf32>
  return %o, %kc2, %vc2
      : tensor<2x4x1x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>
}
