// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// MQA (one KV head), explicit scale 0.2, value dim 24 != head dim 16, no
// mask; second result is the natural-log LSE of the scaled scores.
// Inputs and golden outputs: Inputs/attn_mqa_scale_dv_lse/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_mqa_scale_dv_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_mqa_scale_dv_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_mqa_scale_dv_lse/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_mqa_scale_dv_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_mqa_scale_dv_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

// The same goldens through the scalar kernels (-vector-width=0) and through
// 16-lane kernels, where the value dim 24 is not whole vectors and P.V takes
// the scalar path while Q.K^T stays vectorised.
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.scalar.seqpkg
// RUN: seqrun %t.scalar.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_mqa_scale_dv_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_mqa_scale_dv_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_mqa_scale_dv_lse/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_mqa_scale_dv_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_mqa_scale_dv_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.v16.seqpkg
// RUN: seqrun %t.v16.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_mqa_scale_dv_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_mqa_scale_dv_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_mqa_scale_dv_lse/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_mqa_scale_dv_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_mqa_scale_dv_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x7x16xf32>, %k: tensor<1x1x11x16xf32>,
                %v: tensor<1x1x11x24xf32>)
    -> (tensor<1x4x7x24xf32>, tensor<1x4x7xf32>) {
  %o, %lse = seq.attention %q, %k, %v scale(0.2)
      : tensor<1x4x7x16xf32>, tensor<1x1x11x16xf32>, tensor<1x1x11x24xf32>
      -> tensor<1x4x7x24xf32>, tensor<1x4x7xf32>
  return %o, %lse : tensor<1x4x7x24xf32>, tensor<1x4x7xf32>
}
