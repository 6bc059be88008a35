// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16 query-tile=16 x86-avx512bf16=true" | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16 query-tile=16" | FileCheck %s --check-prefix=NODOT
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16 x86-avx512bf16=true" | FileCheck %s --check-prefix=NODOT
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=8 query-tile=8 x86-avx512bf16=true" | FileCheck %s --check-prefix=W8

// bf16 attention on a target with AVX512_BF16 (TilingOptions::x86Avx512Bf16,
// set from the target CPU): the scores Q.K^T of the prefill (rows-in-lanes)
// kernel at head dims from 128 on, in tiles of one row vector, are
// vdpbf16ps dot products of the raw bf16 pairs (x86vector.avx512.dot, f32
// accumulation); at head dim 64, in tiles of more row vectors (the
// target's 64-row tiles on 16 lanes: TilingOptions::
// attentionBF16DotMaxRowVectors) and without the feature they stay f32
// FMAs of widened elements.

// CHECK-LABEL: func.func @prefill_bf16(
// Q^T in bf16 pairs, the K pair broadcast as one 32-bit lane.
// CHECK: vector.load %{{.*}} : memref<64x32xbf16>, vector<32xbf16>
// CHECK: %[[PAIR:.*]] = vector.load %{{.*}} : memref<1x2x64x128xbf16>, vector<2xbf16>
// CHECK-NEXT: %[[BITS:.*]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// CHECK-NEXT: %[[LANE:.*]] = vector.extract %[[BITS]][0] : i32 from vector<1xi32>
// CHECK-NEXT: %[[SPLAT:.*]] = vector.broadcast %[[LANE]] : i32 to vector<16xi32>
// CHECK-NEXT: %[[K:.*]] = vector.bitcast %[[SPLAT]] : vector<16xi32> to vector<32xbf16>
// CHECK-NEXT: x86vector.avx512.dot %{{.*}}, %{{.*}}, %[[K]] : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT: vector.fma {{.*}}vector<16xf32>
// CHECK: math.round

// NODOT-LABEL: func.func @prefill_bf16(
// NODOT-NOT: x86vector.avx512.dot
// NODOT: vector.fma
// NODOT-LABEL: func.func @decode_bf16
// NODOT-NOT: x86vector.avx512.dot
// NODOT: return

// W8-LABEL: func.func @prefill_bf16(
// W8: x86vector.avx512.dot %{{.*}} : vector<16xbf16> -> vector<8xf32>
func.func @prefill_bf16(%q: tensor<1x2x64x128xbf16>, %k: tensor<1x2x64x128xbf16>,
                        %v: tensor<1x2x64x128xbf16>) -> tensor<1x2x64x128xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>
      -> tensor<1x2x64x128xbf16>
  return %o : tensor<1x2x64x128xbf16>
}

// Head dim 64: f32 FMAs (vdpbf16ps measured slower there).
// CHECK-LABEL: func.func @prefill_bf16_d64
// CHECK-NOT: x86vector.avx512.dot
// CHECK: vector.fma
// CHECK: return
func.func @prefill_bf16_d64(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>,
                            %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>
      -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// Decode (the GQA group kernel) keeps the even/odd pair split with the
// feature (vdpbf16ps measured level there).
// CHECK-LABEL: func.func @decode_bf16
// CHECK-NOT: x86vector.avx512.dot
// CHECK: arith.shli %{{.*}} : vector<16xi32>
// CHECK-NOT: x86vector.avx512.dot
// CHECK: return
func.func @decode_bf16(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>,
                       %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>
      -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}
