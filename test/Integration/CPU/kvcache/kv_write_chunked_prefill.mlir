// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Chunked prefill: write a 4-token chunk at position 8 of a 16-slot cache,
// then attend causally over the 12 valid keys (query i at key 8 + i).
// Inputs and golden outputs: Inputs/kv_write_chunked_prefill/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/kv_write_chunked_prefill/q.npy \
// RUN:   --input 1=%S/../Inputs/kv_write_chunked_prefill/k_new.npy \
// RUN:   --input 2=%S/../Inputs/kv_write_chunked_prefill/v_new.npy \
// RUN:   --input 3=%S/../Inputs/kv_write_chunked_prefill/k_cache.npy \
// RUN:   --input 4=%S/../Inputs/kv_write_chunked_prefill/v_cache.npy \
// RUN:   --input 5=%S/../Inputs/kv_write_chunked_prefill/positions.npy \
// RUN:   --input 6=%S/../Inputs/kv_write_chunked_prefill/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/kv_write_chunked_prefill/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x4x16xf32>, %k_new: tensor<1x2x4x16xf32>,
                %v_new: tensor<1x2x4x16xf32>, %kc: tensor<1x2x16x16xf32>,
                %vc: tensor<1x2x16x16xf32>, %pos: tensor<1xi32>,
                %len: tensor<1xi32>) -> tensor<1x4x4x16xf32> {
  %kc2 = seq.cache_write %kc, %k_new at %pos
      : tensor<1x2x16x16xf32>, tensor<1x2x4x16xf32>, tensor<1xi32>
  %vc2 = seq.cache_write %vc, %v_new at %pos
      : tensor<1x2x16x16xf32>, tensor<1x2x4x16xf32>, tensor<1xi32>
  %o = seq.attention %q, %kc2, %vc2 kv_lengths(%len : tensor<1xi32>) causal
      : tensor<1x4x4x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>
      -> tensor<1x4x4x16xf32>
  return %o : tensor<1x4x4x16xf32>
}
