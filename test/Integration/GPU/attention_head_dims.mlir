// Tolerance: bf16 rtol 2e-2 / atol 2e-2, f16 4e-3 (f16/bf16 output and P
// for P.V; the golden is the float64 reference).
//
// Head dims that are not multiples of 16 (D = 16 k + 8): the last k step of
// Q.K^T has 8 real columns and the fragments' other 8 are zeros (mma.sync:
// the A and B fragment registers past D are left zero, no load; MFMA: the
// lanes whose columns pass D load nothing (Q) or select zero (the K tile,
// read at a clamped column)), and on MFMA the last output tile of P.V
// (O^T's 16 value columns) has 8 real columns: V's columns past Dv are
// zeros and those lanes store nothing. K/V rows stay whole 16-byte chunks
// (D % 8 == 0), so the cp.async and 128-bit fills are unchanged; the sm_90a
// wgmma form needs multiples of 16, so sm_90a takes the mma.sync form here.
// D = 80 (a multiple of 16 no other test has) on all three. Goldens:
// gen/gen_attention_gpu.py (PyTorch float64).
// @d72: bf16, GQA 2:1, causal, 40 queries against 100 keys
//   (Inputs/attn_gpu_bf16_d72_causal): sm_80, sm_90a, gfx942.
// @d80: f16, MHA, not causal, 24 x 72 (Inputs/attn_gpu_f16_d80): sm_80,
//   sm_90a (wgmma), gfx942.
// @decode72: bf16, GQA 4:1, one query against 600 keys
//   (Inputs/attn_gpu_decode_bf16_d72): 9 lanes per key rules out the decode
//   form; the tiled split kernel + merge (sm_80, gfx942).

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-OP
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=HIP-OP
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g2_d72_dv72_q32_causal], seq.split_kv = 1 : i64
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_f16_g1_d80_dv80_q24], seq.split_kv = 1 : i64
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d72_dv72_q1_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 9 : i64
// HIP-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d72_dv72_q1_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 9 : i64

// The mma.sync form at D = 72 (key tiles of 32): S = Q K^T takes 5 k steps
// per 8-key tile (4 x 5 = 20), P V 2 x 9 (Dv / 8 = 9 output tiles): 38 per
// key tile.
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=MAP
// MAP-LABEL: gpu.func @attention_bf16_g2_d72_dv72_q32_causal(
// MAP-COUNT-38: nvgpu.mma.sync
// MAP-NOT: nvgpu.mma.sync
// MAP: gpu.return

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// DEFINE: %{A} = %S/Inputs/attn_gpu_bf16_d72_causal
// DEFINE: %{B} = %S/Inputs/attn_gpu_f16_d80
// RUN: for t in cuda sm90 hip; do \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=attention_bf16_g2_d72_dv72_q32_causal --arg 0=%{A}/q.npy --arg 1=%{A}/k.npy \
// RUN:     --arg 2=%{A}/v.npy --expect 3=%{A}/out.npy --rtol 2e-2 --atol 2e-2 && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=attention_f16_g1_d80_dv80_q24 --arg 0=%{B}/q.npy --arg 1=%{B}/k.npy \
// RUN:     --arg 2=%{B}/v.npy --expect 3=%{B}/out.npy --rtol 4e-3 --atol 4e-3 \
// RUN:   || exit 1; done | FileCheck %s --check-prefix=PREFILL
// PREFILL: emulated attention_bf16_g2_d72_dv72_q32_causal on cuda:sm_80
// PREFILL: output 3: 11520 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g1_d80_dv80_q24 on cuda:sm_80
// PREFILL: output 3: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g2_d72_dv72_q32_causal on cuda:sm_90a
// PREFILL: output 3: 11520 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g1_d80_dv80_q24 on cuda:sm_90a
// PREFILL: output 3: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g2_d72_dv72_q32_causal on hip:gfx942
// PREFILL: output 3: 11520 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g1_d80_dv80_q24 on hip:gfx942
// PREFILL: output 3: 3840 values, max abs error {{.*}}, 0 outside

// DEFINE: %{C} = %S/Inputs/attn_gpu_decode_bf16_d72
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d72_dv72_q1_split --arg 0=%{C}/q.npy --arg 1=%{C}/k.npy \
// RUN:   --arg 2=%{C}/v.npy --scratch 3=1x8x9x1x72 --scratch 4=1x8x9x1 --save 3=%t.cp.npy --save 4=%t.cl.npy
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 --arg 0=%t.cp.npy --arg 1=%t.cl.npy \
// RUN:   --expect 2=%{C}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=MERGE
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d72_dv72_q1_split --arg 0=%{C}/q.npy --arg 1=%{C}/k.npy \
// RUN:   --arg 2=%{C}/v.npy --scratch 3=1x8x9x1x72 --scratch 4=1x8x9x1 --save 3=%t.hp.npy --save 4=%t.hl.npy
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 --arg 0=%t.hp.npy --arg 1=%t.hl.npy \
// RUN:   --expect 2=%{C}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=MERGE
// MERGE: output 2: 576 values, max abs error {{.*}}, 0 outside

func.func @d72(%q: tensor<1x4x40x72xbf16>, %k: tensor<1x2x100x72xbf16>,
               %v: tensor<1x2x100x72xbf16>) -> tensor<1x4x40x72xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x4x40x72xbf16>, tensor<1x2x100x72xbf16>,
        tensor<1x2x100x72xbf16> -> tensor<1x4x40x72xbf16>
  return %o : tensor<1x4x40x72xbf16>
}

func.func @d80(%q: tensor<1x2x24x80xf16>, %k: tensor<1x2x72x80xf16>,
               %v: tensor<1x2x72x80xf16>) -> tensor<1x2x24x80xf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x2x24x80xf16>, tensor<1x2x72x80xf16>,
        tensor<1x2x72x80xf16> -> tensor<1x2x24x80xf16>
  return %o : tensor<1x2x24x80xf16>
}

func.func @decode72(%q: tensor<1x8x1x72xbf16>, %k: tensor<1x2x600x72xbf16>,
                    %v: tensor<1x2x600x72xbf16>) -> tensor<1x8x1x72xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x72xbf16>, tensor<1x2x600x72xbf16>,
        tensor<1x2x600x72xbf16> -> tensor<1x8x1x72xbf16>
  return %o : tensor<1x8x1x72xbf16>
}
