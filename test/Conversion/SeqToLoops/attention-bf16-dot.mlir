// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16 x86-avx512bf16=true" | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16" | FileCheck %s --check-prefix=NODOT
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=8 x86-avx512bf16=true" | FileCheck %s --check-prefix=W8

// bf16 attention on a target with AVX512_BF16 (TilingOptions::x86Avx512Bf16,
// set from the target CPU): the scores Q.K^T of the prefill (rows-in-lanes)
// and decode (GQA group) kernels are vdpbf16ps dot products of the raw bf16
// pairs (x86vector.avx512.dot, f32 accumulation); without the feature they
// stay f32 FMAs of widened elements.

// CHECK-LABEL: func.func @prefill_bf16
// Q^T in bf16 pairs, the K pair broadcast as one 32-bit lane.
// CHECK: vector.load %{{.*}} : memref<32x32xbf16>, vector<32xbf16>
// CHECK: %[[PAIR:.*]] = vector.load %{{.*}} : memref<1x2x64x64xbf16>, vector<2xbf16>
// CHECK-NEXT: %[[BITS:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// CHECK-NEXT: %[[LANE:.*]] = vector.extract %[[BITS]][0] : i32 from vector<1xi32>
// CHECK-NEXT: %[[SPLAT:.*]] = vector.broadcast %[[LANE]] : i32 to vector<16xi32>
// CHECK-NEXT: %[[K:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<32xbf16>
// CHECK-NEXT: x86vector.avx512.dot %{{.*}}, %{{.*}}, %[[K]] : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT: vector.fma {{.*}}vector<16xf32>
// CHECK: math.round

// NODOT-LABEL: func.func @prefill_bf16
// NODOT-NOT: x86vector.avx512.dot
// NODOT: vector.fma
// NODOT-LABEL: func.func @decode_bf16
// NODOT-NOT: x86vector.avx512.dot
// NODOT: return

// W8-LABEL: func.func @prefill_bf16
// W8: x86vector.avx512.dot %{{.*}} : vector<16xbf16> -> vector<8xf32>
func.func @prefill_bf16(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>,
                        %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>
      -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// CHECK-LABEL: func.func @decode_bf16
// Scores: the raw K and Q vectors of 32 bf16, one dot per (head, key).
// CHECK: %[[K0:.*]] = vector.load %{{.*}} : memref<1x2x300x128xbf16>, vector<32xbf16>
// CHECK-NEXT: %[[K1:.*]] = vector.load %{{.*}} : memref<1x2x300x128xbf16>, vector<32xbf16>
// CHECK-NEXT: %[[Q:.*]] = vector.load %{{.*}} : memref<1x8x1x128xbf16>, vector<32xbf16>
// CHECK-NEXT: x86vector.avx512.dot %{{.*}}, %[[Q]], %[[K0]] : vector<32xbf16> -> vector<16xf32>
// CHECK-NEXT: x86vector.avx512.dot %{{.*}}, %[[Q]], %[[K1]] : vector<32xbf16> -> vector<16xf32>
func.func @decode_bf16(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>,
                       %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>
      -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}
