// Tolerance (bf16): rtol 2e-2 / atol 2e-2 (bf16 output and bf16 P for P.V;
// the partial outputs and their lse are f32; the golden is the float64
// reference).
//
// Split-KV decode attention (Flash-Decoding), emulated for cuda:sm_80 and
// hip:gfx942 against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_decode_bf16): 2 query rows x 4 group heads against 520
// keys, GQA 8:2, causal, D = 32.
// The tiled split kernel (decode=0; seqc's choice on gfx942, where the
// decode form's 4 wavefronts of 16 lane groups would read 128 keys a step,
// too many for two splits of 520 keys): KernelDispatch sees 2 (batch, KV
// head) blocks for 108 SMs (304 CUs) and splits the keys 4 ways (at most
// 520 / (2 x 64) splits of two 64-key tiles): splits of 192 keys, the last
// one empty (lse -inf, weight 0 in the merge).
// The decode form (seqc's choice on sm_80): 4 warps of 8 lane groups (4
// lanes of 8 elements per 32-element row), 8 rows, 2 keys per lane group:
// 64 keys a block step, 2 splits of 320 and 200 keys.
// The split kernels write f32 partial outputs and lse (--scratch/--save
// carry them to the merge kernel). The prefill form of the same op
// (splits=1) gives the same answer.

// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 decode=0" | FileCheck %s --check-prefix=SPLITS
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=SPLITS
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=DECODE-FORM
// SPLITS: seq.attention {{.*}}seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d32_dv32_q2_causal_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 4 : i64
// DECODE-FORM: seq.attention {{.*}}seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d32_dv32_q2_causal_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 2 : i64

// DEFINE: %{in} = --arg 0=%S/Inputs/attn_gpu_decode_bf16/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_decode_bf16/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_decode_bf16/v.npy
// DEFINE: %{tol} = --rtol 2e-2 --atol 2e-2

// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 decode=0" -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d32_dv32_q2_causal_split %{in} \
// RUN:   --scratch 3=1x8x4x2x32 --scratch 4=1x8x4x2 \
// RUN:   --save 3=%t.cuda.part.npy --save 4=%t.cuda.lse.npy | FileCheck %s --check-prefix=CUDA-SPLIT
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.cuda.part.npy --arg 1=%t.cuda.lse.npy \
// RUN:   --expect 2=%S/Inputs/attn_gpu_decode_bf16/out.npy %{tol} | FileCheck %s --check-prefix=CUDA-MERGE
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d32_dv32_q2_causal_split %{in} \
// RUN:   --scratch 3=1x8x4x2x32 --scratch 4=1x8x4x2 \
// RUN:   --save 3=%t.hip.part.npy --save 4=%t.hip.lse.npy | FileCheck %s --check-prefix=HIP-SPLIT
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.hip.part.npy --arg 1=%t.hip.lse.npy \
// RUN:   --expect 2=%S/Inputs/attn_gpu_decode_bf16/out.npy %{tol} | FileCheck %s --check-prefix=HIP-MERGE

// The decode form (seqc's choice on sm_80).
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.decode.mlir
// RUN: seq-gpu-emu %t.decode.mlir --kernel=attention_bf16_g4_d32_dv32_q2_causal_decode %{in} \
// RUN:   --scratch 3=1x8x2x2x32 --scratch 4=1x8x2x2 \
// RUN:   --save 3=%t.decode.part.npy --save 4=%t.decode.lse.npy | FileCheck %s --check-prefix=DECODE
// RUN: seq-gpu-emu %t.decode.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.decode.part.npy --arg 1=%t.decode.lse.npy \
// RUN:   --expect 2=%S/Inputs/attn_gpu_decode_bf16/out.npy %{tol} | FileCheck %s --check-prefix=DECODE-MERGE

// The prefill form (one block per KV head reads all 520 keys).
// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 splits=1" -o %t.prefill.mlir
// RUN: seq-gpu-emu %t.prefill.mlir %{in} \
// RUN:   --expect 3=%S/Inputs/attn_gpu_decode_bf16/out.npy %{tol} | FileCheck %s --check-prefix=PREFILL

// 4 splits x 2 KV heads; 3 + 3 + 3 + 0 key tiles per KV head, 2 barriers each
// (HIP); CUDA (cp.async): one per tile and one per block after its loop.
// CUDA-SPLIT: emulated attention_bf16_g4_d32_dv32_q2_causal_split on cuda:sm_80: 8 blocks x 32 threads, 26 barriers
// CUDA-MERGE: emulated attention_merge_bf16 on cuda:sm_80: 8 blocks x 128 threads
// CUDA-MERGE: output 2: 512 values, max abs error {{.*}}, 0 outside
// HIP-SPLIT: emulated attention_bf16_g4_d32_dv32_q2_causal_split on hip:gfx942: 8 blocks x 64 threads, 36 barriers
// HIP-MERGE: emulated attention_merge_bf16 on hip:gfx942: 8 blocks x 128 threads
// HIP-MERGE: output 2: 512 values, max abs error {{.*}}, 0 outside
// 2 splits x 2 KV heads; one block of 8 rows each, 2 barriers.
// DECODE: emulated attention_bf16_g4_d32_dv32_q2_causal_decode on cuda:sm_80: 4 blocks x 128 threads, 8 barriers
// DECODE-MERGE: emulated attention_merge_bf16 on cuda:sm_80: 8 blocks x 128 threads
// DECODE-MERGE: output 2: 512 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g4_d32_dv32_q2_causal on cuda:sm_80: 2 blocks x 32 threads, 20 barriers
// PREFILL: output 3: 512 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x8x2x32xbf16>, %k: tensor<1x2x520x32xbf16>,
                %v: tensor<1x2x520x32xbf16>) -> tensor<1x8x2x32xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x8x2x32xbf16>, tensor<1x2x520x32xbf16>,
        tensor<1x2x520x32xbf16> -> tensor<1x8x2x32xbf16>
  return %o : tensor<1x8x2x32xbf16>
}
