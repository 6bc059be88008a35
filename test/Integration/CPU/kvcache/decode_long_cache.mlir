// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Decode against a long cache: 4096 slots, 3999 valid keys (not a multiple
// of any tile), GQA 8:2, with LSE. This exercises the split-KV / long
// reduction path.
// Inputs and golden outputs: Inputs/decode_long_cache/, written by gen/gen_kvcache.py.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/decode_long_cache/q.npy \
// RUN:   --input 1=%S/../Inputs/decode_long_cache/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/decode_long_cache/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/decode_long_cache/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/decode_long_cache/out.npy \
// RUN:   --expect 1=%S/../Inputs/decode_long_cache/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x8x1x32xf32>, %kc: tensor<1x2x4096x32xf32>,
                %vc: tensor<1x2x4096x32xf32>, %len: tensor<1xi32>)
    -> (tensor<1x8x1x32xf32>, tensor<1x8x1xf32>) {
  %o, %lse = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<1xi32>)
      : tensor<1x8x1x32xf32>, tensor<1x2x4096x32xf32>, tensor<1x2x4096x32xf32>
      -> tensor<1x8x1x32xf32>, tensor<1x8x1xf32>
  return %o, %lse : tensor<1x8x1x32xf32>, tensor<1x8x1xf32>
}
