// RUN: seqc-opt %s -convert-seq-to-loops=vector-width=0 | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops=vector-width=8 | FileCheck %s --check-prefix=LANES
// RUN: seqc-opt %s -convert-seq-to-loops=scan-chunk=64 | FileCheck %s --check-prefix=SSD

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

// With channel lanes (vector-width=8): a tile is 8 channels. A [D, N]
// (time-free, read per n) is gathered once per tile into a table of 8
// lanes per n (A transposed); per step, softplus runs once on a vector of
// 8 channels' dt; per (step, n) one vector exp, the state update as an
// FMA and the readout accumulated per lane, with no horizontal sum; the
// 8 outputs of a step are one vector store.

// LANES-LABEL: func @mamba_softplus_hoisted
// LANES: scf.forall (%{{.*}}, %[[G:.*]], %{{.*}}) in (%c1, %c1, %c1)
// LANES: %[[TABLE:.*]] = memref.alloca(%c128) : memref<?xf32>
// LANES: scf.for %[[N0:.*]] = %c0 to %c16 step %c1
// LANES: vector.from_elements {{.*}} : vector<8xf32>
// LANES: vector.store %{{.*}}, %[[TABLE]]
// LANES: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %c1
// LANES: %[[DT:.*]] = vector.load %{{.*}}[%{{.*}}, %[[T]], %{{.*}}] : memref<1x64x8xf32>, vector<8xf32>
// LANES: %[[E:.*]] = math.exp %[[DT]] : vector<8xf32>
// LANES: %[[SP:.*]] = math.log1p %[[E]] : vector<8xf32>
// LANES: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<8xf32>)
// LANES-NOT: math.log1p
// LANES: %[[A:.*]] = vector.load %[[TABLE]]
// LANES: %[[DA:.*]] = arith.mulf %[[SP]], %[[A]] : vector<8xf32>
// LANES: math.exp %[[DA]] : vector<8xf32>
// LANES: vector.fma
// LANES-NOT: vector.reduction
// LANES: arith.addf %[[ACC]], %{{.*}} : vector<8xf32>
// LANES: scf.yield
// LANES: vector.store %{{.*}}, %{{.*}}[%{{.*}}, %[[T]], %{{.*}}] : memref<1x64x8xf32>, vector<8xf32>

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

// The importer's form (A = -exp(A_log) inside the step, 12 channels: a
// full block of 8 and a partial one of 4): -exp(A_log) is computed once
// per tile into the table, not per step; the partial block's loads and
// stores of the channel vectors are masked.

// LANES-LABEL: func @mamba_alog_partial
// LANES: vector.create_mask
// LANES: scf.for %{{.*}} = %c0 to %c4 step %c1
// LANES: math.exp %{{.*}} : vector<8xf32>
// LANES: arith.negf %{{.*}} : vector<8xf32>
// LANES: vector.store
// LANES: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %c1
// LANES: vector.maskedload %{{.*}}[%{{.*}}, %[[T]], %{{.*}}]
// LANES: scf.for
// LANES-NOT: arith.negf
// LANES: math.exp
// LANES-NOT: math.exp
// LANES: scf.yield
// LANES: vector.maskedstore %{{.*}}[%{{.*}}, %[[T]], %{{.*}}]
func.func @mamba_alog_partial(%dt: tensor<1x64x12xf32>, %Alog: tensor<12x4xf32>, %Bm: tensor<1x64x4xf32>, %Cm: tensor<1x64x4xf32>, %h0: tensor<1x12x4xf32>) -> tensor<1x64x12xf32> {
  %y, %h = seq.scan ins(%dt, %Alog, %Bm, %Cm : tensor<1x64x12xf32>, tensor<12x4xf32>, tensor<1x64x4xf32>, tensor<1x64x4xf32>)
      init(%h0 : tensor<1x12x4xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %alog: f32, %bv: f32, %cv: f32):
        %ea = math.exp %alog : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %dtv, %a : f32
        %decay = math.exp %da : f32
        %in = arith.mulf %dtv, %bv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x64x12xf32>, tensor<1x12x4xf32>
  return %y : tensor<1x64x12xf32>
}

// Mamba-2's form (one scalar decay exp(dt * A) per head, input term
// dt * x[p] * B[n], readout h * C): with scan-chunk=64 the chunked matmul
// (SSD) form, tiles (batch, head), the 64 x 64 decay-masked weights of a
// chunk in scratch and broadcast-FMA blocks; by default (the target's
// scanChunk is 0) the recurrence on channel lanes.

// SSD-LABEL: func @mamba2_ssd
// SSD: scf.forall (%{{.*}}, %{{.*}}) in (%c1, %c2)
// SSD: memref.alloca() : memref<64x64xf32>
// SSD: vector.fma
// SSD-NOT: seq.scan ins
// LANES-LABEL: func @mamba2_ssd
// LANES-NOT: memref<64x64xf32>
// LANES: math.exp %{{.*}} : vector<8xf32>
func.func @mamba2_ssd(%dt: tensor<1x100x2xf32>, %A: tensor<2xf32>, %x: tensor<1x100x2x16xf32>, %Bm: tensor<1x100x1x8xf32>, %Cm: tensor<1x100x1x8xf32>, %h0: tensor<1x2x16x8xf32>) -> tensor<1x100x2x16xf32> {
  %y, %h = seq.scan ins(%dt, %A, %x, %Bm, %Cm : tensor<1x100x2xf32>, tensor<2xf32>, tensor<1x100x2x16xf32>, tensor<1x100x1x8xf32>, tensor<1x100x1x8xf32>)
      init(%h0 : tensor<1x2x16x8xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %da = arith.mulf %dtv, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %dtv, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x100x2x16xf32>, tensor<1x2x16x8xf32>
  return %y : tensor<1x100x2x16xf32>
}
