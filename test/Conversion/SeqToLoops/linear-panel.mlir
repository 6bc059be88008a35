// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16" | FileCheck %s --check-prefix=AVX512
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=8" | FileCheck %s --check-prefix=AVX2

// The prefill projections' panel kernel (TilingOptions::linearPanel*): 64
// static rows (>= 32) take it at compile time. The rows are packed
// transposed into panels of 2 vectors of rows (32 rows with 16 lanes, 16
// with 8); a tile is 48 features x 256 rows (here all 64: one row chunk),
// the reduction in depth blocks of 256; a register block is 12 (AVX-512)
// or 6 (AVX2) weight rows x 2 row vectors, run over every panel of the
// tile: per step 2 vector loads of the panel and one broadcast weight
// element per row, each feeding 2 FMAs (24 or 12 accumulators, no
// horizontal sums). The packing loads rows of x and stores whole
// vectors of xT (a 16 x 16 or 8 x 8 in-register transpose: 4 or 3 stages
// of shuffles); the accumulators live in acc[panel][feature][lane] between
// depth blocks, and the epilogue transposes 16 x 16 (8 x 8) blocks of them
// back so the stores to y are whole vectors along its rows.

// AVX512-LABEL: func @prefill
// AVX512: %[[XT:.*]] = memref.alloc(%c2, %c512) {alignment = 64 : i64} : memref<?x?x32xf32>
// AVX512: scf.forall (%[[P:.*]]) in (%c2)
// AVX512: scf.for %[[I:.*]] = %c0 to %c512 step %c16
// AVX512-COUNT-16: vector.load {{.*}} : memref<64x512xf32>, vector<16xf32>
// AVX512-COUNT-64: vector.shuffle
// AVX512: vector.store %{{.*}}, %[[XT]][%[[P]], %[[I]], %c0] : memref<?x?x32xf32>, vector<16xf32>
// AVX512: scf.forall (%[[TILE:.*]], %[[CHUNK:.*]]) in (%c2, %c1)
// AVX512: memref.alloca() : memref<8x48x32xf32>
// AVX512: scf.for %[[D0:.*]] = %c0 to %c512 step %c256
// AVX512: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %c12
// AVX512: scf.for %[[PANEL:.*]] = %{{.*}} to %{{.*}} step %c1
// AVX512: scf.for %[[D:.*]] = %[[D0]] to %{{.*}} step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// AVX512-NEXT: %[[X0:.*]] = vector.load %{{.*}}[%[[PANEL]], %[[D]], %c0] : memref<?x?x32xf32>, vector<16xf32>
// AVX512-NEXT: %[[X1:.*]] = vector.load %{{.*}}[%[[PANEL]], %[[D]], %c16] : memref<?x?x32xf32>, vector<16xf32>
// AVX512-NEXT: %[[W0:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B0:.*]] = vector.broadcast %[[W0]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B0]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B0]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W1:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B1:.*]] = vector.broadcast %[[W1]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B1]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B1]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W2:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B2:.*]] = vector.broadcast %[[W2]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B2]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B2]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W3:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B3:.*]] = vector.broadcast %[[W3]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B3]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B3]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W4:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B4:.*]] = vector.broadcast %[[W4]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B4]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B4]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W5:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B5:.*]] = vector.broadcast %[[W5]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B5]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B5]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W6:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B6:.*]] = vector.broadcast %[[W6]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B6]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B6]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W7:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B7:.*]] = vector.broadcast %[[W7]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B7]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B7]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W8:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B8:.*]] = vector.broadcast %[[W8]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B8]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B8]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W9:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B9:.*]] = vector.broadcast %[[W9]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B9]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B9]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W10:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B10:.*]] = vector.broadcast %[[W10]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B10]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B10]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: %[[W11:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX512-NEXT: %[[B11:.*]] = vector.broadcast %[[W11]] : f32 to vector<16xf32>
// AVX512-NEXT: vector.fma %[[B11]], %[[X0]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: vector.fma %[[B11]], %[[X1]], %{{.*}} : vector<16xf32>
// AVX512-NEXT: scf.yield
// AVX512-NOT: vector.reduction
// The epilogue: 16 accumulator vectors, 64 shuffles, 16 row stores.
// AVX512-COUNT-16: vector.load %alloca{{.*}} : memref<8x48x32xf32>, vector<16xf32>
// AVX512-COUNT-64: vector.shuffle
// AVX512-COUNT-16: vector.store {{.*}} : memref<64x80xf32>, vector<16xf32>
// AVX512: return

// AVX2-LABEL: func @prefill
// AVX2: memref.alloc(%c4, %c512) {alignment = 64 : i64} : memref<?x?x16xf32>
// AVX2: scf.forall (%[[P:.*]]) in (%c4)
// AVX2-COUNT-8: vector.load {{.*}} : memref<64x512xf32>, vector<8xf32>
// AVX2-COUNT-24: vector.shuffle
// AVX2: scf.forall (%[[TILE:.*]], %[[CHUNK:.*]]) in (%c2, %c1)
// AVX2: memref.alloca() : memref<16x48x16xf32>
// AVX2: scf.for %[[D0:.*]] = %c0 to %c512 step %c256
// AVX2: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %c6
// AVX2: scf.for %[[PANEL:.*]] = %{{.*}} to %{{.*}} step %c1
// AVX2: scf.for %[[D:.*]] = %[[D0]] to %{{.*}} step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2-NEXT: %[[X0:.*]] = vector.load %{{.*}}[%[[PANEL]], %[[D]], %c0] : memref<?x?x16xf32>, vector<8xf32>
// AVX2-NEXT: %[[X1:.*]] = vector.load %{{.*}}[%[[PANEL]], %[[D]], %c8] : memref<?x?x16xf32>, vector<8xf32>
// AVX2-NEXT: %[[W0:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B0:.*]] = vector.broadcast %[[W0]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B0]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B0]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: %[[W1:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B1:.*]] = vector.broadcast %[[W1]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B1]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B1]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: %[[W2:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B2:.*]] = vector.broadcast %[[W2]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B2]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B2]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: %[[W3:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B3:.*]] = vector.broadcast %[[W3]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B3]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B3]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: %[[W4:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B4:.*]] = vector.broadcast %[[W4]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B4]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B4]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: %[[W5:.*]] = memref.load %{{.*}}[%{{.*}}, %[[D]]] : memref<80x512xf32>
// AVX2-NEXT: %[[B5:.*]] = vector.broadcast %[[W5]] : f32 to vector<8xf32>
// AVX2-NEXT: vector.fma %[[B5]], %[[X0]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: vector.fma %[[B5]], %[[X1]], %{{.*}} : vector<8xf32>
// AVX2-NEXT: scf.yield
// AVX2-NOT: vector.reduction
// AVX2-COUNT-8: vector.load %alloca{{.*}} : memref<16x48x16xf32>, vector<8xf32>
// AVX2-COUNT-24: vector.shuffle
// AVX2-COUNT-8: vector.store {{.*}} : memref<64x80xf32>, vector<8xf32>
// AVX2: return

module {
  seq.parameter @w "w" : tensor<80x512xf32>
  func.func @prefill(%x: tensor<64x512xf32>) -> tensor<64x80xf32> {
    %w = seq.get_parameter @w : tensor<80x512xf32>
    %y = seq.linear %x, %w : tensor<64x512xf32>, tensor<80x512xf32> -> tensor<64x80xf32>
    return %y : tensor<64x80xf32>
  }
}
