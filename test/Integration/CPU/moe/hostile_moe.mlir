// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default, for the runs that
// compare valid inputs with the goldens they share with other tests.
//
// Run-time checks of MoE routing data (issue #11): permutation entries
// outside [0, T * K), expert offsets that are negative, decreasing or past
// the permutation, and dynamic extents that do not agree fail the call
// with __seq_status 1 (index out of range) or 4 (shape mismatch) and exit
// 1; they used to return garbage with exit 0. The good inputs still match
// the PyTorch goldens of moe_experts_gelu / grouped_matmul.
// Hostile inputs: Inputs/hostile_moe/, written by gen/gen_hostile.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg

// RUN: seqrun %t.seqpkg --entry experts \
// RUN:   --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_gelu/out.npy --rtol 1e-4 --atol 1e-5
// RUN: for bad in perm_past_end perm_negative; do \
// RUN:   not seqrun %t.seqpkg --entry experts \
// RUN:     --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:     --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:     --input 2=%S/../Inputs/hostile_moe/$bad.npy \
// RUN:     --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:     --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:     --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy 2>&1; \
// RUN: done | FileCheck %s --check-prefix=INDEX2
// RUN: for bad in offsets_decreasing offsets_past_end offsets_negative; do \
// RUN:   not seqrun %t.seqpkg --entry experts \
// RUN:     --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:     --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:     --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:     --input 3=%S/../Inputs/hostile_moe/$bad.npy \
// RUN:     --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:     --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy 2>&1; \
// RUN: done | FileCheck %s --check-prefix=INDEX3
// A permutation that lists slot 3 twice (and slot 6 never) is in range
// but not a permutation: the pass that maps slots to groups sees the slot
// again and fails the call with __seq_status 4 (it returned a wrong answer).
// RUN: not seqrun %t.seqpkg --entry experts \
// RUN:   --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/hostile_moe/perm_duplicate.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy 2>&1 \
// RUN: | FileCheck %s --check-prefix=DUPLICATE
// DUPLICATE: entry 'experts' failed while running: operand extents that do not agree{{.*}}a MoE permutation that lists a slot twice{{.*}}(__seq_status 4): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: permutation[3] lists slot 3, which expert 1 listed already
// The check sits in the pass over the permutation, before the tiles.
// RUN: seqc %s --target=cpu -emit=tiled -o - | FileCheck %s --check-prefix=TILED
// TILED-LABEL: func.func @experts(
// TILED: scf.for
// TILED: scf.for
// TILED: %[[SEEN:.*]] = memref.load %{{.*}} : memref<16xindex>
// TILED: arith.cmpi eq, %[[SEEN]], %c-1
// TILED: } else {
// TILED: func.call @__seq_check_report_
// TILED: scf.forall

// Each message names the op, its location and the first bad entry.
// INDEX2: entry 'experts' failed while running: an index out of range{{.*}}(__seq_status 1): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: permutation[3]=16 outside the 16 slots (tokens x top_k)
// INDEX2: entry 'experts' failed while running: an index out of range{{.*}}(__seq_status 1): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: permutation[9]=-5 outside the 16 slots (tokens x top_k)
// INDEX3: entry 'experts' failed while running: an index out of range{{.*}}(__seq_status 1): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: expert_offsets[2]=1 < expert_offsets[1]=7
// INDEX3: entry 'experts' failed while running: an index out of range{{.*}}(__seq_status 1): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: expert_offsets[4]=1048576 > 16 permutation entries
// INDEX3: entry 'experts' failed while running: an index out of range{{.*}}(__seq_status 1): seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: expert_offsets[0]=-3 is negative

// Dynamic extents: weights of 7 tokens for 8, a permutation of 15 slots,
// 4 offsets for 4 experts, experts' Dm 15 for 16.
// RUN: not seqrun %t.seqpkg --entry experts_dynamic --zeros 0=8x16 --zeros 1=7x2 --zeros 2=16 --zeros 3=5 --zeros 4=4x32x16 --zeros 5=4x16x32 2>&1 | FileCheck %s --check-prefixes=SHAPE,WEIGHTS
// RUN: not seqrun %t.seqpkg --entry experts_dynamic --zeros 0=8x16 --zeros 1=8x2 --zeros 2=15 --zeros 3=5 --zeros 4=4x32x16 --zeros 5=4x16x32 2>&1 | FileCheck %s --check-prefixes=SHAPE,PERMLEN
// RUN: not seqrun %t.seqpkg --entry experts_dynamic --zeros 0=8x16 --zeros 1=8x2 --zeros 2=16 --zeros 3=4 --zeros 4=4x32x16 --zeros 5=4x16x32 2>&1 | FileCheck %s --check-prefixes=SHAPE,OFFLEN
// RUN: not seqrun %t.seqpkg --entry experts_dynamic --zeros 0=8x16 --zeros 1=8x2 --zeros 2=16 --zeros 3=5 --zeros 4=4x32x15 --zeros 5=4x16x32 2>&1 | FileCheck %s --check-prefixes=SHAPE,UPDM
// RUN: seqrun %t.seqpkg --entry experts_dynamic \
// RUN:   --input 0=%S/../Inputs/moe_experts_gelu/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_gelu/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_gelu/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_gelu/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_gelu/w_up.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_gelu/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_gelu/out.npy --rtol 1e-4 --atol 1e-5
// SHAPE: failed while running: operand extents that do not agree{{.*}}(__seq_status 4):
// WEIGHTS-SAME: seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: weights extent 0 (7) != tokens (8)
// PERMLEN-SAME: seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: permutation length (15) != tokens x top_k (16)
// OFFLEN-SAME: seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: expert_offsets length (4) != experts + 1 (5)
// UPDM-SAME: seq.moe_experts at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: up extent 2 (15) != model width (16)
// GOFFLEN-SAME: seq.grouped_matmul at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: 4 offsets for 4 groups (want groups + 1)
// GK-SAME: seq.grouped_matmul at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: input K (15) != weight K (16)

// Grouped matmul: offsets past the 20 rows or decreasing; 4 offsets for
// 4 groups; K 15 for 16.
// RUN: seqrun %t.seqpkg --entry grouped \
// RUN:   --input 0=%S/../Inputs/grouped_matmul/input.npy \
// RUN:   --input 1=%S/../Inputs/grouped_matmul/weight.npy \
// RUN:   --input 2=%S/../Inputs/grouped_matmul/offsets.npy \
// RUN:   --expect 0=%S/../Inputs/grouped_matmul/out.npy --rtol 1e-4 --atol 1e-5
// RUN: for bad in gm_offsets_past_rows gm_offsets_decreasing; do \
// RUN:   not seqrun %t.seqpkg --entry grouped \
// RUN:     --input 0=%S/../Inputs/grouped_matmul/input.npy \
// RUN:     --input 1=%S/../Inputs/grouped_matmul/weight.npy \
// RUN:     --input 2=%S/../Inputs/hostile_moe/$bad.npy 2>&1; \
// RUN: done | FileCheck %s --check-prefix=GINDEX
// GINDEX: entry 'grouped' failed while running: an index out of range{{.*}}(__seq_status 1): seq.grouped_matmul at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: offsets[4]=21 > 20 rows
// GINDEX: entry 'grouped' failed while running: an index out of range{{.*}}(__seq_status 1): seq.grouped_matmul at {{.*}}hostile_moe.mlir:{{[0-9]+}}:8: offsets[2]=5 < offsets[1]=12
// RUN: not seqrun %t.seqpkg --entry grouped --zeros 0=20x16 --zeros 1=4x24x16 --zeros 2=4 2>&1 | FileCheck %s --check-prefixes=SHAPE,GOFFLEN
// RUN: not seqrun %t.seqpkg --entry grouped --zeros 0=20x15 --zeros 1=4x24x16 --zeros 2=5 2>&1 | FileCheck %s --check-prefixes=SHAPE,GK

func.func @experts(%x: tensor<8x16xf32>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
                   %off: tensor<5xi32>, %wu: tensor<4x32x16xf32>,
                   %wd: tensor<4x16x32xf32>) -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<8x16xf32>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

func.func @experts_dynamic(%x: tensor<8x16xf32>, %w: tensor<?x2xf32>, %perm: tensor<?xi32>,
                           %off: tensor<?xi32>, %wu: tensor<4x32x?xf32>,
                           %wd: tensor<4x16x32xf32>) -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x?xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<8x16xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<?xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

func.func @grouped(%in: tensor<20x?xf32>, %w: tensor<4x24x16xf32>, %off: tensor<?xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x?xf32>, tensor<4x24x16xf32>, tensor<?xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}
