// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s

// A gated MLP: gate and up projections and SwiGLU in one loop nest; only the
// [2, 8, 64] result is allocated, never the gate or up activations.
// CHECK-LABEL: func @gated_mlp
// CHECK-COUNT-1: memref.alloc(
// CHECK-NOT: memref.alloc(
// CHECK: scf.forall
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32)
// CHECK: math.exp
// CHECK-NOT: seq.
func.func @gated_mlp(%x: tensor<2x8x32xf32>, %wg: tensor<64x32xf32>, %wu: tensor<64x32xf32>) -> tensor<2x8x64xf32> {
  %g = seq.linear %x, %wg : tensor<2x8x32xf32>, tensor<64x32xf32> -> tensor<2x8x64xf32>
  %u = seq.linear %x, %wu : tensor<2x8x32xf32>, tensor<64x32xf32> -> tensor<2x8x64xf32>
  %a = seq.swiglu %g, %u : tensor<2x8x64xf32>
  return %a : tensor<2x8x64xf32>
}

// -----

// The gate projection has another use: no fusion, three loop nests.
// CHECK-LABEL: func @gate_reused
// CHECK-COUNT-3: memref.alloc(
func.func @gate_reused(%x: tensor<8x32xf32>, %wg: tensor<64x32xf32>, %wu: tensor<64x32xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>) {
  %g = seq.linear %x, %wg : tensor<8x32xf32>, tensor<64x32xf32> -> tensor<8x64xf32>
  %u = seq.linear %x, %wu : tensor<8x32xf32>, tensor<64x32xf32> -> tensor<8x64xf32>
  %a = seq.swiglu %g, %u : tensor<8x64xf32>
  return %a, %g : tensor<8x64xf32>, tensor<8x64xf32>
}
