// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// Decode through the group kernel on bf16 storage (queries, keys and values
// read as 32-bit pairs split into even and odd f32 elements, the
// accumulator rows kept in that order; scores and softmax in f32): GQA
// 8:2, D=128, 300 keys. The .npy files hold bf16-exact values as float32 (see
// gen/README.md); the golden is the float64 reference rounded to bf16.
// Inputs and golden outputs: Inputs/attn_decode_group_bf16/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_decode_group_bf16/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_decode_group_bf16/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_decode_group_bf16/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_decode_group_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>,
                %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>
      -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}
