// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// A Mamba-style scan: tiles over (batch, channel, sequence chunk); the
// d_state vector lives in a tile-local buffer; nothing of size [B, T, D, N]
// is allocated. When tiles are too few, chunks after the first run from a
// zero state recording end state and decay product ([tiles, chunks,
// d_state] carries), states are passed across chunks, and chunks 1.. re-run
// from their true start states.

// CHECK-LABEL: func @mamba
// CHECK-NOT: memref<2x128x16x4xf32>
// CHECK: %[[END:.*]] = memref.alloc(%{{.*}}, %{{.*}}, %{{.*}}) : memref<?x?x?xf32>
// CHECK: %[[DECAY:.*]] = memref.alloc(%{{.*}}, %{{.*}}, %{{.*}}) : memref<?x?x?xf32>
// CHECK: %[[START:.*]] = memref.alloc(%{{.*}}, %{{.*}}, %{{.*}}) : memref<?x?x?xf32>
// CHECK: scf.forall (%[[B:.*]], %[[D:.*]], %[[CHUNK:.*]]) in (%c2, %c16, %{{.*}})
// CHECK: memref.alloca(%{{.*}}) : memref<?xf32>
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[DECAY]]
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[START]]
// CHECK-NOT: seq.scan
func.func @mamba(%dt: tensor<2x128x16xf32>, %A: tensor<16x4xf32>, %Bm: tensor<2x128x4xf32>, %Cm: tensor<2x128x4xf32>, %h0: tensor<2x16x4xf32>) -> (tensor<2x128x16xf32>, tensor<2x16x4xf32>) {
  %y, %h = seq.scan ins(%dt, %A, %Bm, %Cm : tensor<2x128x16xf32>, tensor<16x4xf32>, tensor<2x128x4xf32>, tensor<2x128x4xf32>)
      init(%h0 : tensor<2x16x4xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %da = arith.mulf %dtv, %av : f32
        %decay = math.exp %da : f32
        %in = arith.mulf %dtv, %bv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x128x16xf32>, tensor<2x16x4xf32>
  return %y, %h : tensor<2x128x16xf32>, tensor<2x16x4xf32>
}

// Step work that does not read the reduced dimension n (softplus(dt), from
// the (b, t, d) input only) is computed once per (tile, step), before the
// loop over the d_state points; exp(dt * A) stays per point.

// CHECK-LABEL: func @mamba_softplus_hoisted
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK: %[[DT:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x64x8xf32>
// CHECK: %[[E:.*]] = math.exp %[[DT]]
// CHECK: %[[SP:.*]] = math.log1p %[[E]]
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: math.log1p
// CHECK: arith.mulf %[[SP]]
// CHECK: math.exp
// CHECK: scf.yield
func.func @mamba_softplus_hoisted(%dt: tensor<1x64x8xf32>, %A: tensor<8x16xf32>, %Bm: tensor<1x64x16xf32>, %Cm: tensor<1x64x16xf32>, %h0: tensor<1x8x16xf32>) -> tensor<1x64x8xf32> {
  %y, %h = seq.scan ins(%dt, %A, %Bm, %Cm : tensor<1x64x8xf32>, tensor<8x16xf32>, tensor<1x64x16xf32>, tensor<1x64x16xf32>)
      init(%h0 : tensor<1x8x16xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %in = arith.mulf %sp, %bv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x64x8xf32>, tensor<1x8x16xf32>
  return %y : tensor<1x64x8xf32>
}
