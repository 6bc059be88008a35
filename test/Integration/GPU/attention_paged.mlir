// Tolerance: bf16 rtol 2e-2 / atol 2e-2, f16 4e-3 (f16/bf16 output and P
// for P.V; the golden is the float64 reference). Status words: exact.
//
// Attention over paged KV (block_table: K and V are caches [NumBlocks,
// Hkv, BlockSize, D], logical key j of row b is slot j % BS of block
// block_table[b, j / BS]), emulated against gen/gen_attention_gpu.py's
// goldens (the float64 definition on the K/V gathered through the table).
// Every cache block holds random values and unused table entries name
// random valid blocks, so a kernel that reads a wrong block or slot fails.
// @decode: bf16, GQA 4:1, D = 64, one query per row, blocks of 16, 32
//   entries (512 logical keys), lengths 1, 0, 512, 203
//   (Inputs/attn_gpu_paged_decode_bf16): the decode form + merge (CUDA),
//   the tiled split kernel + merge (HIP), the prefill form (splits=1).
//   block_table_bad has id 64 (one past the 64 blocks) in a used entry of
//   row 2 and -7 in an unused entry of row 1: the status word is 1
//   (SEQRT_CODE_INDEX_OUT_OF_RANGE), the bad ids read block 0 (the CPU
//   lowering's rule, out_bad) and the emulator, which bounds-checks every
//   access, reports none out of bounds.
// @prefill: f16 chunked prefill, GQA 4:2, D = 64, 5 causal queries, blocks
//   of 16, 10 entries, lengths 5, 130 (3 K/V tiles over 9 blocks) and 3
//   (Inputs/attn_gpu_paged_prefill_f16): sm_80 (cp.async tiles), sm_90a
//   (wgmma) and gfx942.
// @dense: bf16, GQA 2:1, D = 128, 40 queries, no kv_lengths (every entry
//   used: 80 keys), blocks of 8 (each K/V tile of 32 spans 4 blocks)
//   (Inputs/attn_gpu_paged_d128_bf16): sm_80, sm_90a, gfx942.
// @decode128: a paged decode step at D = 128 (blocks of 16, 1024 logical
//   keys) for test/Target/GPU/attention-paged-codegen.test (assembled
//   only, not emulated here).

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-OP
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=HIP-OP
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_kvlen_paged16_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 2 : i64
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_f16_g2_d64_dv64_q5_causal_kvlen_paged16], seq.split_kv = 1 : i64
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g2_d128_dv128_q32_paged8], seq.split_kv = 1 : i64
// HIP-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_kvlen_paged16_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 4 : i64

// The kernels read the table after kv_lengths; the block (0, 0, b) checks
// row b, every (unsigned) id against the cache's blocks; a K/V index is
// [id or 0, head, key % 16, col].
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=MAP
// MAP-LABEL: gpu.func @attention_bf16_g4_d64_dv64_q1_kvlen_paged16_decode(
// MAP-SAME: %{{.*}}: memref<?xi32>, %[[TABLE:.*]]: memref<?x?xi32>, %{{.*}}: memref<?x?x?x?x?xf32>, %{{.*}}: memref<?x?x?x?xf32>, %[[STATUS:.*]]: memref<1xi32>)
// MAP: scf.for
// MAP: memref.load %[[TABLE]]
// MAP: arith.cmpi uge
// MAP: memref.store %{{.*}}, %[[STATUS]]
// MAP: scf.for
// MAP: %[[C16:.*]] = arith.constant 16 : index
// MAP: arith.divui %{{.*}}, %[[C16]]
// MAP: %[[ID:.*]] = memref.load %[[TABLE]]
// MAP: arith.cmpi ult
// MAP: arith.remui %{{.*}}, %[[C16]]
// MAP: vector.load

// No launch plan takes a block table yet: an artifact for a GPU is an error
// naming the entry (the kernels are emulated only).
// RUN: not seqc %s --target=cuda:sm_80 -o %t.seqpkg 2>&1 | FileCheck %s --check-prefix=PLAN
// PLAN: error: seqc: entry @decode cannot run on cuda:sm_80: paged 'seq.attention' (block_table) has GPU kernels but no launch plan yet

// DEFINE: %{D} = %S/Inputs/attn_gpu_paged_decode_bf16
// DEFINE: %{qkv} = --arg 0=%{D}/q.npy --arg 1=%{D}/k_cache.npy --arg 2=%{D}/v_cache.npy --arg 3=%{D}/lengths.npy
// DEFINE: %{zero} = --arg 7=%{D}/status.npy
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90.mlir

// The decode form (CUDA) and the tiled split kernel (HIP), then the merge,
// with the good and the hostile table.
// RUN: for c in "" _bad; do \
// RUN:   seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen_paged16_decode %{qkv} \
// RUN:     --arg 4=%{D}/block_table$c.npy --scratch 5=4x4x2x1x64 --scratch 6=4x4x2x1 %{zero} \
// RUN:     --expect 7=%{D}/status$c.npy --rtol 0 --atol 0 --save 5=%t.cuda.part$c.npy --save 6=%t.cuda.lse$c.npy && \
// RUN:   seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 --arg 0=%t.cuda.part$c.npy \
// RUN:     --arg 1=%t.cuda.lse$c.npy --expect 2=%{D}/out$c.npy --rtol 2e-2 --atol 2e-2 && \
// RUN:   seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen_paged16_split %{qkv} \
// RUN:     --arg 4=%{D}/block_table$c.npy --scratch 5=4x4x4x1x64 --scratch 6=4x4x4x1 %{zero} \
// RUN:     --expect 7=%{D}/status$c.npy --rtol 0 --atol 0 --save 5=%t.hip.part$c.npy --save 6=%t.hip.lse$c.npy && \
// RUN:   seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 --arg 0=%t.hip.part$c.npy \
// RUN:     --arg 1=%t.hip.lse$c.npy --expect 2=%{D}/out$c.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   || exit 1; done | FileCheck %s --check-prefix=SPLIT

// The prefill form of the decode op (CUDA, cp.async tiles), both tables.
// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 splits=1" -o %t.one.mlir
// RUN: for c in "" _bad; do \
// RUN:   seq-gpu-emu %t.one.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen_paged16 %{qkv} --arg 4=%{D}/block_table$c.npy \
// RUN:     --arg 6=%{D}/status.npy --expect 6=%{D}/status$c.npy --expect 5=%{D}/out$c.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   || exit 1; done | FileCheck %s --check-prefix=ONE

// The f16 chunked prefill and the D = 128 prefill: sm_80, sm_90a, gfx942.
// DEFINE: %{P} = %S/Inputs/attn_gpu_paged_prefill_f16
// DEFINE: %{E} = %S/Inputs/attn_gpu_paged_d128_bf16
// RUN: for t in cuda sm90 hip; do \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=attention_f16_g2_d64_dv64_q5_causal_kvlen_paged16 --arg 0=%{P}/q.npy \
// RUN:     --arg 1=%{P}/k_cache.npy --arg 2=%{P}/v_cache.npy --arg 3=%{P}/lengths.npy --arg 4=%{P}/block_table.npy \
// RUN:     --arg 6=%{P}/status.npy --expect 6=%{P}/status.npy --expect 5=%{P}/out.npy --rtol 4e-3 --atol 4e-3 && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=attention_bf16_g2_d128_dv128_q32_paged8 --arg 0=%{E}/q.npy \
// RUN:     --arg 1=%{E}/k_cache.npy --arg 2=%{E}/v_cache.npy --arg 3=%{E}/block_table.npy \
// RUN:     --arg 5=%{E}/status.npy --expect 5=%{E}/status.npy --expect 4=%{E}/out.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   || exit 1; done | FileCheck %s --check-prefix=PREFILL

// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_paged16_decode on cuda:sm_80
// SPLIT: output 7: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_paged16_split on hip:gfx942
// SPLIT: output 7: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_paged16_decode on cuda:sm_80
// SPLIT: output 7: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_paged16_split on hip:gfx942
// SPLIT: output 7: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// ONE-COUNT-2: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// ONE: output 5: 1024 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g2_d64_dv64_q5_causal_kvlen_paged16 on cuda:sm_80
// PREFILL: output 5: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g2_d128_dv128_q32_paged8 on cuda:sm_80
// PREFILL: output 4: 40960 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g2_d64_dv64_q5_causal_kvlen_paged16 on cuda:sm_90a
// PREFILL: output 5: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g2_d128_dv128_q32_paged8 on cuda:sm_90a
// PREFILL: output 4: 40960 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g2_d64_dv64_q5_causal_kvlen_paged16 on hip:gfx942
// PREFILL: output 5: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_bf16_g2_d128_dv128_q32_paged8 on hip:gfx942
// PREFILL: output 4: 40960 values, max abs error {{.*}}, 0 outside

func.func @decode(%q: tensor<4x4x1x64xbf16>, %kc: tensor<64x1x16x64xbf16>,
                  %vc: tensor<64x1x16x64xbf16>, %len: tensor<4xi32>,
                  %bt: tensor<4x32xi32>) -> tensor<4x4x1x64xbf16> {
  %o = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<4xi32>)
      block_table(%bt : tensor<4x32xi32>)
      : tensor<4x4x1x64xbf16>, tensor<64x1x16x64xbf16>,
        tensor<64x1x16x64xbf16> -> tensor<4x4x1x64xbf16>
  return %o : tensor<4x4x1x64xbf16>
}

func.func @prefill(%q: tensor<3x4x5x64xf16>, %kc: tensor<24x2x16x64xf16>,
                   %vc: tensor<24x2x16x64xf16>, %len: tensor<3xi32>,
                   %bt: tensor<3x10xi32>) -> tensor<3x4x5x64xf16> {
  %o = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<3xi32>)
      block_table(%bt : tensor<3x10xi32>) causal
      : tensor<3x4x5x64xf16>, tensor<24x2x16x64xf16>,
        tensor<24x2x16x64xf16> -> tensor<3x4x5x64xf16>
  return %o : tensor<3x4x5x64xf16>
}

func.func @dense(%q: tensor<2x4x40x128xbf16>, %kc: tensor<24x2x8x128xbf16>,
                 %vc: tensor<24x2x8x128xbf16>, %bt: tensor<2x10xi32>)
    -> tensor<2x4x40x128xbf16> {
  %o = seq.attention %q, %kc, %vc block_table(%bt : tensor<2x10xi32>)
      : tensor<2x4x40x128xbf16>, tensor<24x2x8x128xbf16>,
        tensor<24x2x8x128xbf16> -> tensor<2x4x40x128xbf16>
  return %o : tensor<2x4x40x128xbf16>
}

func.func @decode128(%q: tensor<1x8x1x128xbf16>, %kc: tensor<96x2x16x128xbf16>,
                     %vc: tensor<96x2x16x128xbf16>, %len: tensor<1xi32>,
                     %bt: tensor<1x64xi32>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %kc, %vc kv_lengths(%len : tensor<1xi32>)
      block_table(%bt : tensor<1x64xi32>)
      : tensor<1x8x1x128xbf16>, tensor<96x2x16x128xbf16>,
        tensor<96x2x16x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}
