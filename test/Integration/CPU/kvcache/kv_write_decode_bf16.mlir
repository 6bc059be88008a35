// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// kv_write_decode in bf16: the caches are copied exactly, the attention
// output is rounded to bf16. The .npy files hold bf16-exact values as
// float32 (see gen/README.md).
// Inputs and golden outputs: Inputs/kv_write_decode_bf16/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/kv_write_decode_bf16/q.npy \
// RUN:   --input 1=%S/../Inputs/kv_write_decode_bf16/k_new.npy \
// RUN:   --input 2=%S/../Inputs/kv_write_decode_bf16/v_new.npy \
// RUN:   --input 3=%S/../Inputs/kv_write_decode_bf16/k_cache.npy \
// RUN:   --input 4=%S/../Inputs/kv_write_decode_bf16/v_cache.npy \
// RUN:   --input 5=%S/../Inputs/kv_write_decode_bf16/positions.npy \
// RUN:   --input 6=%S/../Inputs/kv_write_decode_bf16/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/kv_write_decode_bf16/out.npy \
// RUN:   --expect 1=%S/../Inputs/kv_write_decode_bf16/k_cache_out.npy \
// RUN:   --expect 2=%S/../Inputs/kv_write_decode_bf16/v_cache_out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%q: tensor<2x4x1x16xbf16>, %k_new: tensor<2x2x1x16xbf16>,
                %v_new: tensor<2x2x1x16xbf16>, %kc: tensor<2x2x32x16xbf16>,
                %vc: tensor<2x2x32x16xbf16>, %pos: tensor<2xi32>,
                %len: tensor<2xi32>)
    -> (tensor<2x4x1x16xbf16>, tensor<2x2x32x16xbf16>, tensor<2x2x32x16xbf16>) {
  %kc2 = seq.cache_write %kc, %k_new at %pos
      : tensor<2x2x32x16xbf16>, tensor<2x2x1x16xbf16>, tensor<2xi32>
  %vc2 = seq.cache_write %vc, %v_new at %pos
      : tensor<2x2x32x16xbf16>, tensor<2x2x1x16xbf16>, tensor<2xi32>
  %o = seq.attention %q, %kc2, %vc2 kv_lengths(%len : tensor<2xi32>) causal
      : tensor<2x4x1x16xbf16>, tensor<2x2x32x16xbf16>, tensor<2x2x32x16xbf16>
      -> tensor<2x4x1x16xbf16>
  return %o, %kc2, %vc2
      : tensor<2x4x1x16xbf16>, tensor<2x2x32x16xbf16>, tensor<2x2x32x16xbf16>
}
