// The hostile-input tests under seqc --bounds-checks (issue #11): every
// memref and vector access of the generated code is bounds-checked, and
// each hostile call must still end with its own run-time check's status
// (1 index out of range, 3 invalid logits, 4 shape mismatch, 5 out of
// memory) and message, never status 6: a 6 would mean that the code
// touched memory out of bounds before or after its own check fired (as
// attention with 0 KV heads once did, bounds_checks.mlir). A good input
// still matches its PyTorch golden under the checks (f32: rtol 1e-4 /
// atol 1e-5, the goldens' default). One hostile case per check family;
// `SEQC_OPTIONS=--bounds-checks lit build/test/Integration/CPU` runs them
// all.

// REQUIRES: cpu-lowering-kvcache, cpu-lowering-attention, cpu-lowering-model, cpu-lowering-scan, cpu-lowering-moe, cpu-lowering-decode
// RUN: rm -rf %t && mkdir -p %t
// RUN: seqc %S/../kvcache/hostile_extents.mlir --target=cpu --bounds-checks -o %t/extents.seqpkg
// RUN: seqc %S/../model/hostile_linear.mlir --target=cpu --bounds-checks -o %t/linear.seqpkg
// RUN: seqc %S/../scan/hostile_scan.mlir --target=cpu --bounds-checks -o %t/scan.seqpkg
// RUN: seqc %S/../moe/hostile_moe.mlir --target=cpu --bounds-checks -o %t/moe.seqpkg
// RUN: seqc %S/../decode/sample_invalid.mlir --target=cpu --bounds-checks -o %t/sample.seqpkg
// RUN: seqc %S/../memory/alloc_failure.mlir --target=cpu --bounds-checks -o %t/alloc.seqpkg

// Paged attention: block ids past the cache, negative and huge; the
// cache write's block id past the cache; good ids match the golden.
// RUN: for bt in bt_past_end bt_negative bt_huge; do \
// RUN:   not seqrun %t/extents.seqpkg --entry paged \
// RUN:     --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:     --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:     --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:     --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:     --input 4=%S/../Inputs/hostile_extents/$bt.npy 2>&1; \
// RUN: done | FileCheck %s --check-prefix=PAGED
// PAGED-COUNT-3: entry 'paged' failed while running: an index out of range{{.*}}(__seq_status 1): seq.attention at {{.*}}hostile_extents.mlir:{{[0-9]+}}:8: paged KV block id
// PAGED-NOT: status 6
// RUN: seqrun %t/extents.seqpkg --entry paged \
// RUN:   --input 0=%S/../Inputs/attn_paged_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_paged_chunk/k_cache.npy \
// RUN:   --input 2=%S/../Inputs/attn_paged_chunk/v_cache.npy \
// RUN:   --input 3=%S/../Inputs/attn_paged_chunk/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/attn_paged_chunk/block_table.npy \
// RUN:   --expect 0=%S/../Inputs/attn_paged_chunk/out.npy --rtol 1e-4 --atol 1e-5
// RUN: for bt in write_table_bad write_table_huge; do \
// RUN:   not seqrun %t/extents.seqpkg --entry paged_write --zeros 0 --zeros 1 \
// RUN:     --input 2=%S/../Inputs/hostile_extents/write_pos.npy \
// RUN:     --input 3=%S/../Inputs/hostile_extents/$bt.npy 2>&1; \
// RUN: done | FileCheck %s --check-prefix=WRITE
// WRITE-COUNT-2: entry 'paged_write' failed while running: an index out of range{{.*}}(__seq_status 1): seq.cache_write at
// WRITE-NOT: status 6

// Dynamic heads 0 and 3 for 4 query heads, K and V heads and lengths
// that differ.
// RUN: not seqrun %t/extents.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x3x4x8 --zeros 2=1x3x4x8 > %t/out 2>&1
// RUN: not seqrun %t/extents.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x0x4x8 --zeros 2=1x0x4x8 >> %t/out 2>&1
// RUN: not seqrun %t/extents.seqpkg --entry heads --zeros 0=1x4x2x8 --zeros 1=1x2x4x8 --zeros 2=1x1x4x8 >> %t/out 2>&1
// RUN: not seqrun %t/extents.seqpkg --entry lengths --zeros 0 --zeros 1=1x2x4x8 --zeros 2=1x2x3x8 >> %t/out 2>&1
// RUN: FileCheck %s --check-prefix=HEADS < %t/out
// HEADS: (__seq_status 4): seq.attention at {{.*}}: 4 query heads not divisible by 3 KV heads
// HEADS: (__seq_status 4): seq.attention at {{.*}}: 4 query heads not divisible by 0 KV heads
// HEADS: (__seq_status 4): seq.attention at {{.*}}: 2 key heads != 1 value heads
// HEADS: (__seq_status 4): seq.attention at {{.*}}: key length 4 != value length 3
// HEADS-NOT: status 6

// Linear and MLP: activation K against the weight's, a short bias, a
// short norm weight; the good MLP matches its golden.
// RUN: not seqrun %t/linear.seqpkg --entry linear --zeros 0=2x5x48 --zeros 1=40x4096 --zeros 2=40 > %t/out 2>&1
// RUN: not seqrun %t/linear.seqpkg --entry linear --zeros 0=2x5x4096 --zeros 1=40x48 --zeros 2=40 >> %t/out 2>&1
// RUN: not seqrun %t/linear.seqpkg --entry linear --zeros 0=2x5x48 --zeros 1=40x48 --zeros 2=39 >> %t/out 2>&1
// RUN: not seqrun %t/linear.seqpkg --entry mlp --zeros 0 --zeros 1=31 --zeros 2=64x32 --zeros 3=64x32 --zeros 4=32x64 >> %t/out 2>&1
// RUN: not seqrun %t/linear.seqpkg --entry mlp --zeros 0 --zeros 1=32 --zeros 2=64x32 --zeros 3=64x32 --zeros 4=32x65 >> %t/out 2>&1
// RUN: FileCheck %s --check-prefix=LINEAR < %t/out
// LINEAR: (__seq_status 4): seq.linear at {{.*}}: input K (48) != weight K (4096)
// LINEAR: (__seq_status 4): seq.linear at {{.*}}: input K (4096) != weight K (48)
// LINEAR: (__seq_status 4): seq.linear at {{.*}}: bias (39) != weight N (40)
// LINEAR: (__seq_status 4): seq.rms_norm at {{.*}}: weight (31) != input width (32)
// LINEAR: (__seq_status 4): seq.linear at {{.*}}: input K (64) != weight K (65)
// LINEAR-NOT: status 6
// RUN: seqrun %t/linear.seqpkg --entry mlp \
// RUN:   --input 0=%S/../Inputs/llama_mlp/x.npy \
// RUN:   --input 1=%S/../Inputs/llama_mlp/norm_weight.npy \
// RUN:   --input 2=%S/../Inputs/llama_mlp/w_gate.npy \
// RUN:   --input 3=%S/../Inputs/llama_mlp/w_up.npy \
// RUN:   --input 4=%S/../Inputs/llama_mlp/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/llama_mlp/out.npy --rtol 1e-4 --atol 1e-5

// Scans: T, batch and width that disagree, too few groups.
// RUN: not seqrun %t/scan.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=2x4096x16 --zeros 2=2x16 > %t/out 2>&1
// RUN: not seqrun %t/scan.seqpkg --entry mingru --zeros 0=2x4096x16 --zeros 1=2x32x16 --zeros 2=2x16 >> %t/out 2>&1
// RUN: not seqrun %t/scan.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=1x32x16 --zeros 2=2x16 >> %t/out 2>&1
// RUN: not seqrun %t/scan.seqpkg --entry mamba2 --zeros 0=1x20x4x8 --zeros 1=1x20x4 --zeros 2 --zeros 3=1x21x2x16 --zeros 4=1x20x2x16 --zeros 5 >> %t/out 2>&1
// RUN: not seqrun %t/scan.seqpkg --entry mamba2 --zeros 0=1x20x4x8 --zeros 1=1x20x4 --zeros 2 --zeros 3=1x20x2x16 --zeros 4=1x20x1x16 --zeros 5 >> %t/out 2>&1
// RUN: FileCheck %s --check-prefix=SCAN < %t/out
// SCAN: (__seq_status 4): seq.scan at {{.*}}: input 1 extent 1 is 4096, the iteration space's d1 32
// SCAN: (__seq_status 4): seq.scan at {{.*}}: input 1 extent 1 is 32, the iteration space's d1 4096
// SCAN: (__seq_status 4): seq.scan at {{.*}}: input 1 extent 0 is 1, the iteration space's d0 2
// SCAN: (__seq_status 4): seq.scan at {{.*}}: input 3 extent 1 is 21, the iteration space's d1 20
// SCAN: (__seq_status 4): seq.scan at {{.*}}: input 4 extent 2 is 1, too short for index 1
// SCAN-NOT: status 6

// MoE: permutation entries past the slots, negative and duplicated;
// offsets decreasing, past the end and negative; dynamic extents that
// disagree; grouped-matmul offsets past the rows.
// RUN: for bad in perm_past_end perm_negative perm_duplicate; do \
// RUN:   not seqrun %t/moe.seqpkg --entry experts \
// RUN:     --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:     --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:     --input 2=%S/../Inputs/hostile_moe/$bad.npy \
// RUN:     --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:     --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:     --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy 2>&1; \
// RUN: done > %t/out
// RUN: for bad in offsets_decreasing offsets_past_end offsets_negative; do \
// RUN:   not seqrun %t/moe.seqpkg --entry experts \
// RUN:     --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:     --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:     --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:     --input 3=%S/../Inputs/hostile_moe/$bad.npy \
// RUN:     --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:     --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy 2>&1; \
// RUN: done >> %t/out
// RUN: not seqrun %t/moe.seqpkg --entry experts_dynamic --zeros 0=8x16 --zeros 1=8x2 --zeros 2=15 --zeros 3=5 --zeros 4=4x32x16 --zeros 5=4x16x32 >> %t/out 2>&1
// RUN: not seqrun %t/moe.seqpkg --entry grouped \
// RUN:   --input 0=%S/../Inputs/grouped_matmul/input.npy \
// RUN:   --input 1=%S/../Inputs/grouped_matmul/weight.npy \
// RUN:   --input 2=%S/../Inputs/hostile_moe/gm_offsets_past_rows.npy >> %t/out 2>&1
// RUN: FileCheck %s --check-prefix=MOE < %t/out
// MOE: (__seq_status 1): seq.moe_experts at {{.*}}: permutation[3]=16 outside the 16 slots (tokens x top_k)
// MOE: (__seq_status 1): seq.moe_experts at {{.*}}: permutation[9]=-5 outside the 16 slots (tokens x top_k)
// MOE: (__seq_status 4): seq.moe_experts at {{.*}}: permutation[3] lists slot 3, which expert 1 listed already
// MOE: (__seq_status 1): seq.moe_experts at {{.*}}: expert_offsets[2]=1 < expert_offsets[1]=7
// MOE: (__seq_status 1): seq.moe_experts at {{.*}}: expert_offsets[4]=1048576 > 16 permutation entries
// MOE: (__seq_status 1): seq.moe_experts at {{.*}}: expert_offsets[0]=-3 is negative
// MOE: (__seq_status 4): seq.moe_experts at {{.*}}: permutation length (15) != tokens x top_k (16)
// MOE: (__seq_status 1): seq.grouped_matmul at {{.*}}: offsets[4]=21 > 20 rows
// MOE-NOT: status 6
// RUN: seqrun %t/moe.seqpkg --entry experts \
// RUN:   --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_gelu/out.npy --rtol 1e-4 --atol 1e-5

// Sampling from NaN logits and from an empty vocabulary; an allocation
// of 4 TiB.
// RUN: not seqrun %t/sample.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/nan.npy > %t/out 2>&1
// RUN: not seqrun %t/sample.seqpkg --entry sampled --input 0=%S/../Inputs/sample_invalid/nan.npy --input 1=7 >> %t/out 2>&1
// RUN: not seqrun %t/sample.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/empty.npy >> %t/out 2>&1
// RUN: not seqrun %t/alloc.seqpkg --entry fill --input 0=1099511627776 >> %t/out 2>&1
// RUN: FileCheck %s --check-prefix=OTHER < %t/out
// OTHER: (__seq_status 3): seq.sample at {{.*}}: no token to sample in row 1: NaN among its 5 logits
// OTHER: (__seq_status 3): seq.sample at {{.*}}: no token to sample in row 1: NaN among its 5 logits
// OTHER: (__seq_status 3): seq.sample at {{.*}}: no token to sample in row 0: empty vocabulary
// OTHER: (__seq_status 5): allocation of 4398046511168 bytes failed (malloc)
// OTHER-NOT: status 6
// RUN: seqrun %t/sample.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/finite.npy --print | FileCheck %s --check-prefix=SAMPLE-OK
// SAMPLE-OK: output 0: i32[1] = [1]
