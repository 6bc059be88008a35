// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="query-tile=8 key-tile=32" | FileCheck %s --check-prefix=TILES
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="vector-width=0" | FileCheck %s --check-prefix=SCALAR

// Flash attention: tiles over (batch, KV head, query block, KV split); a
// tile serves the 4 query heads of its KV head (GQA 8/2), so its scratch is
// 4 x query-tile rows and each K/V block is loaded once per group. The only
// score storage is one (4 * query-tile) x key-tile block. No buffer is ever
// Sq x Skv (here 4096 x 4096).

// Whole query tiles of at least one vector of rows take the rows-in-lanes
// kernels: Q^T of the tile is packed once (pre-scaled by scale * log2(e));
// per 64-key block, S^T = K.Q^T in blocks of 6 keys x 2 row vectors (12
// accumulators, one broadcast key element per 2 FMAs), the online softmax
// 8 rows at a time with the inline exp2 (no math.exp), and P.V in blocks of
// 6 rows x 2 value vectors.
// CHECK-LABEL: func @prefill
// CHECK-NOT: memref<{{.*}}4096x4096
// CHECK-DAG: %[[Q:.*]] = bufferization.to_buffer %arg0
// CHECK-DAG: %[[K:.*]] = bufferization.to_buffer %arg1
// CHECK-DAG: %[[V:.*]] = bufferization.to_buffer %arg2
// CHECK: memref.alloc({{.*}}) {alignment = 64 : i64} : memref<1x8x4096x64xf32>
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[QT:.*]], %[[SPLIT:.*]]) in
// CHECK: memref.alloca() : memref<64xf32>
// CHECK: memref.alloca() : memref<64xf32>
// CHECK: %[[ACC:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK: %[[SCALE:.*]] = memref.alloca() : memref<64xf32>
// CHECK: %[[QTR:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK: memref.load %[[Q]]
// CHECK: memref.store %{{.*}}, %[[QTR]]
// CHECK: %[[ST:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c64
// CHECK:   scf.for %{{.*}} step %c6
// CHECK:     scf.for %{{.*}} = %c0 to %c8 step %c2
// CHECK:       scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: vector.load %[[QTR]]
// CHECK:         memref.load %[[K]]
// CHECK-NEXT:    vector.broadcast
// CHECK-NEXT:    vector.fma
// CHECK-NEXT:    vector.fma
// CHECK:       vector.store %{{.*}}, %[[ST]]
// CHECK-NOT: math.exp
// CHECK:   arith.cmpi sle, %{{.*}} : vector<8xi32>
// CHECK:   math.roundeven %{{.*}} : vector<8xf32>
// CHECK:   arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK:   vector.store %{{.*}}, %[[SCALE]]
// CHECK:   scf.for %{{.*}} step %c6
// CHECK:     scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:       vector.load %[[ACC]]
// CHECK:       scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: vector.load %[[V]]
// CHECK:         memref.load %[[ST]]
// CHECK-NEXT:    vector.broadcast
// CHECK-COUNT-2: vector.fma
// CHECK:       vector.store %{{.*}}, %[[ACC]]
// CHECK-NOT: seq.attention
// SCALAR-LABEL: func @prefill
// SCALAR-NOT: vector.
// SCALAR: math.exp
// SCALAR-NOT: vector.
// SCALAR-LABEL: func @decode_split_kv
// TILES-LABEL: func @prefill
// TILES: memref.alloca() : memref<32x32xf32>
func.func @prefill(%q: tensor<1x8x4096x64xf32>, %k: tensor<1x2x4096x64xf32>, %v: tensor<1x2x4096x64xf32>) -> tensor<1x8x4096x64xf32> {
  %o = seq.attention %q, %k, %v causal : tensor<1x8x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32> -> tensor<1x8x4096x64xf32>
  return %o : tensor<1x8x4096x64xf32>
}

// -----

// Decode: partial (acc, max, sum) per KV split, merged by log-sum-exp in a
// second parallel loop when the KV range is split. One query row per head
// takes the GQA group kernel: the Q.K partial sums of 8 keys are combined
// by a shuffle tree into one vector of scores (no horizontal sum per key).
// CHECK-LABEL: func @decode_split_kv
// CHECK: %[[PACC:.*]] = memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?x?x?x?x64xf32>
// CHECK: scf.forall
// CHECK: vector.shuffle {{.*}} [0, 2, 8, 10, 4, 6, 12, 14]
// CHECK: math.exp
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %[[PACC]]
// CHECK: scf.if
// CHECK-NEXT: scf.forall
// CHECK: math.log
func.func @decode_split_kv(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x8192x64xf32>, %v: tensor<1x8x8192x64xf32>, %len: tensor<1xi32>) -> (tensor<1x8x1x64xf32>, tensor<1x8x1xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>) : tensor<1x8x1x64xf32>, tensor<1x8x8192x64xf32>, tensor<1x8x8192x64xf32> -> tensor<1x8x1x64xf32>, tensor<1x8x1xf32>
  return %o, %lse : tensor<1x8x1x64xf32>, tensor<1x8x1xf32>
}

// -----

// Score and mask regions are inlined at the score, and a paged cache is
// read through its block table: the ids are checked against the 32 blocks
// once, before the tiles, into a copy that the key loops read.
// CHECK-LABEL: func @regions_paged
// CHECK: %[[CHECKED:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xi32>
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<2x8xi32>
// CHECK: arith.cmpi slt, %{{.*}}, %c32
// CHECK: memref.store %{{.*}}, %[[CHECKED]]
// CHECK: scf.forall
// CHECK: arith.divui %{{.*}}, %c16
// CHECK: arith.remui %{{.*}}, %c16
// CHECK: memref.load %[[CHECKED]][%{{.*}}, %{{.*}}] : memref<?x?xi32>
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<4xf32>
// CHECK: arith.cmpi sle
// CHECK-NOT: seq.yield
func.func @regions_paged(%q: tensor<2x4x3x8xf32>, %k: tensor<32x2x16x8xf32>, %v: tensor<32x2x16x8xf32>, %len: tensor<2xi32>, %bt: tensor<2x8xi32>, %slopes: tensor<4xf32>) -> tensor<2x4x3x8xf32> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) block_table(%bt : tensor<2x8xi32>) score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %slope = tensor.extract %slopes[%h] : tensor<4xf32>
    %r = arith.addf %s, %slope : f32
    seq.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c = arith.cmpi sle, %j, %i : index
    seq.yield %c : i1
  } : tensor<2x4x3x8xf32>, tensor<32x2x16x8xf32>, tensor<32x2x16x8xf32> -> tensor<2x4x3x8xf32>
  return %o : tensor<2x4x3x8xf32>
}
