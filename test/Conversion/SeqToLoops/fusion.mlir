// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s

// A gated MLP: gate and up projections and SwiGLU in one loop nest; only the
// [2, 8, 64] result is allocated, never the gate or up activations.
// CHECK-LABEL: func @gated_mlp
// CHECK-COUNT-1: memref.alloc(
// CHECK-NOT: memref.alloc(
// Register blocks of 3 rows x 2 features x (gate, up): 12 accumulators.
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} step %c3
// CHECK: scf.for %{{.*}} step %c2
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-12: vector.fma
// CHECK: vector.reduction <add>
// CHECK: math.exp
// Remainders one row / one feature at a time: (gate, up) accumulators.
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>)
// CHECK-NOT: {{(= |^ *)seq\.}}
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

// -----

// Sibling projections of a normalised input (q and k): the rows are
// normalised once (a loop over row tiles into one [4, 32] buffer, not once
// per feature tile), then one tile loop over the projections' concatenated
// feature blocks (1 block of q, then 1 of k) projects them onto the blocks
// of the projection each tile falls in; the norm op is gone.
// CHECK-LABEL: func @norm_then_projections
// CHECK: memref.alloc() {{.*}} : memref<4x16xf32>
// CHECK: memref.alloc() {{.*}} : memref<4x8xf32>
// CHECK: %[[NORMED:.*]] = memref.alloc(%c4, %c32) {{.*}} : memref<?x?xf32>
// CHECK: scf.forall (%{{.*}}) in (%c2)
// CHECK: math.rsqrt
// CHECK: memref.store %{{.*}}, %[[NORMED]]
// CHECK: scf.forall (%[[TILE:.*]], %{{.*}}) in (%c2, %c2)
// CHECK-NOT: math.rsqrt
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %[[TILE]], %c1
// CHECK: scf.if %[[FIRST]]
// CHECK: vector.load %[[NORMED]]
// CHECK: vector.fma
// CHECK: memref.store %{{.*}} : memref<4x16xf32>
// CHECK: } else {
// CHECK: vector.load %[[NORMED]]
// CHECK: memref.store %{{.*}} : memref<4x8xf32>
// CHECK-NOT: scf.forall
// CHECK-NOT: math.rsqrt
// CHECK-NOT: memref.alloc(
// CHECK-NOT: {{(= |^ *)seq\.}}
func.func @norm_then_projections(%x: tensor<4x32xf32>, %g: tensor<32xf32>, %wq: tensor<16x32xf32>, %wk: tensor<8x32xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>) {
  %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : tensor<4x32xf32>, tensor<32xf32>
  %q = seq.linear %n, %wq : tensor<4x32xf32>, tensor<16x32xf32> -> tensor<4x16xf32>
  %k = seq.linear %n, %wk : tensor<4x32xf32>, tensor<8x32xf32> -> tensor<4x8xf32>
  return %q, %k : tensor<4x16xf32>, tensor<4x8xf32>
}
