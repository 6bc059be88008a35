// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// bf16 decode through the group kernel's even/odd pair loads (queries,
// keys and values split into even and odd f32 elements; the accumulator
// rows kept in pair order) with the KV range split across tiles and merged
// by log-sum-exp, so the partial rows are written back in column order:
// GQA 8:2, D=64, 1100 keys, kv_lengths [1100, 530], with the LSE result.
// Inputs and golden outputs: Inputs/attn_decode_split_bf16/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -emit=tiled -o - | FileCheck %s
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_decode_split_bf16/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_decode_split_bf16/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_decode_split_bf16/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_decode_split_bf16/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_decode_split_bf16/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_decode_split_bf16/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

// The pair loads.
// CHECK: vector.bitcast {{.*}}bf16> to vector<{{[0-9]+}}xi32>

func.func @main(%q: tensor<2x8x1x64xbf16>, %k: tensor<2x2x1100x64xbf16>,
                %v: tensor<2x2x1100x64xbf16>, %len: tensor<2xi32>)
    -> (tensor<2x8x1x64xbf16>, tensor<2x8x1xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>)
      : tensor<2x8x1x64xbf16>, tensor<2x2x1100x64xbf16>, tensor<2x2x1100x64xbf16>
      -> tensor<2x8x1x64xbf16>, tensor<2x8x1xf32>
  return %o, %lse : tensor<2x8x1x64xbf16>, tensor<2x8x1xf32>
}
