// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16" | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=8" | FileCheck %s --check-prefix=AVX2

// Decode attention's target decisions (TilingOptions, selectTiling): the
// score loop's software prefetch reads the K row one vector of keys on at
// 16 lanes (LLVM schedules a body's hints after its FMAs, so a shorter
// distance hints rows already loaded) and 4 keys on at 8 lanes. bf16
// queries and keys are read as 32-bit pairs split into their even and odd
// elements (a shift and a mask, no widening shuffle), and so are the V rows
// of P.V, whose accumulator rows are kept in that order and written back
// in column order.

// CHECK-LABEL: func.func @decode_bf16
// CHECK: %[[AHEAD:.*]] = arith.addi %{{.*}}, %c16 : index
// CHECK-NEXT: %[[ROW:.*]] = arith.minsi %[[AHEAD]], %{{.*}} : index
// CHECK-NEXT: memref.prefetch %{{.*}}[%{{.*}}, %{{.*}}, %[[ROW]], %c0], read
// Scores: the K pairs split into even and odd f32 vectors, both FMAs into
// one accumulator.
// CHECK: %[[K:.*]] = vector.load %{{.*}} : memref<1x2x300x128xbf16>, vector<32xbf16>
// CHECK-NEXT: %[[KP:.*]] = vector.bitcast %[[K]] : vector<32xbf16> to vector<16xi32>
// CHECK-NEXT: %[[KE:.*]] = arith.shli %[[KP]], %{{.*}} : vector<16xi32>
// CHECK-NEXT: %[[KO:.*]] = arith.andi %[[KP]], %{{.*}} : vector<16xi32>
// CHECK-NEXT: arith.bitcast %[[KE]] : vector<16xi32> to vector<16xf32>
// CHECK-NEXT: arith.bitcast %[[KO]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[S:.*]] = vector.fma
// CHECK-NEXT: vector.fma %{{.*}}, %{{.*}}, %[[S]] : vector<16xf32>
// P.V: V rows read as pairs too.
// CHECK: vector.load %{{.*}} : memref<1x2x300x128xbf16>, vector<32xbf16>
// CHECK-NEXT: vector.bitcast %{{.*}} : vector<32xbf16> to vector<16xi32>
// The accumulator read back in column order: column d at
// d - d % 32 + (d % 2) * 16 + (d % 32) / 2.
// CHECK: arith.remui %{{.*}}, %c32 : index
// CHECK-NEXT: arith.remui %{{.*}}, %c2 : index
// CHECK-NEXT: arith.divui %{{.*}}, %c2 : index
// CHECK-NEXT: arith.muli %{{.*}}, %c16 : index

// AVX2-LABEL: func.func @decode_bf16
// AVX2: %[[AHEAD:.*]] = arith.addi %{{.*}}, %c4 : index
// AVX2-NEXT: %[[ROW:.*]] = arith.minsi %[[AHEAD]], %{{.*}} : index
// AVX2-NEXT: memref.prefetch %{{.*}}[%{{.*}}, %{{.*}}, %[[ROW]], %c0], read
// AVX2: vector.bitcast %{{.*}} : vector<16xbf16> to vector<8xi32>
func.func @decode_bf16(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>,
                       %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>
      -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}

// f32 keeps the widening-free loads of whole vectors.
// CHECK-LABEL: func.func @decode_f32
// CHECK-NOT: vector.bitcast
// CHECK: return
func.func @decode_f32(%q: tensor<1x8x1x128xf32>, %k: tensor<1x2x300x128xf32>,
                      %v: tensor<1x2x300x128xf32>) -> tensor<1x8x1x128xf32> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xf32>, tensor<1x2x300x128xf32>, tensor<1x2x300x128xf32>
      -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}
