// RUN: seqc-opt %s -split-input-file | seqc-opt -split-input-file | FileCheck %s

// seq.scan expresses the linear recurrences of the common SSM / linear-RNN
// families. Each function is one family; its step region holds the
// discretisation, so no [B, T, state] decay tensor is ever built.

// Mamba-1 selective scan with D skip and z gate.
//   h[t] = exp(softplus(dt) * A) * h[t-1] + softplus(dt) * B[t] * x[t]
//   y[t] = (sum_n h[t] * C[t] + D * x[t]) * silu(z[t])
// CHECK-LABEL: func @mamba1
// CHECK: seq.scan ins({{.*}}) init({{.*}} : tensor<2x16x4xf32>) maps = {{.*}} reduce = [3] step
// CHECK: linalg.generic
func.func @mamba1(%x: tensor<2x8x16xf32>, %dt: tensor<2x8x16xf32>, %A: tensor<16x4xf32>, %B: tensor<2x8x4xf32>, %C: tensor<2x8x4xf32>, %D: tensor<16xf32>, %z: tensor<2x8x16xf32>, %h0: tensor<2x16x4xf32>) -> (tensor<2x8x16xf32>, tensor<2x16x4xf32>) {
  %y, %h = seq.scan ins(%dt, %x, %A, %B, %C : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>)
      init(%h0 : tensor<2x16x4xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (b, t, d)>,
              affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x8x16xf32>, tensor<2x16x4xf32>
  %init = tensor.empty() : tensor<2x8x16xf32>
  %out = linalg.generic {indexing_maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>,
                                          affine_map<(b, t, d) -> (d)>, affine_map<(b, t, d) -> (b, t, d)>,
                                          affine_map<(b, t, d) -> (b, t, d)>],
                         iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y, %x, %D, %z : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16xf32>, tensor<2x8x16xf32>)
      outs(%init : tensor<2x8x16xf32>) {
  ^bb0(%yv: f32, %xv: f32, %dv: f32, %zv: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %dx = arith.mulf %dv, %xv : f32
    %s = arith.addf %yv, %dx : f32
    %nz = arith.negf %zv : f32
    %ez = math.exp %nz : f32
    %den = arith.addf %one, %ez : f32
    %silu = arith.divf %zv, %den : f32
    %g = arith.mulf %s, %silu : f32
    linalg.yield %g : f32
  } -> tensor<2x8x16xf32>
  return %out, %h : tensor<2x8x16xf32>, tensor<2x16x4xf32>
}

// -----

// Mamba-2 (SSD): one scalar decay per head, a [P, N] state per head, and B/C
// shared by groups of heads (4 heads, 2 groups: h floordiv 2).
//   h[t, h] = exp(softplus(dt[t, h]) * A[h]) * h[t-1, h]
//             + softplus(dt[t, h]) * x[t, h, :] (outer) B[t, g(h), :]
//   y[t, h, p] = sum_n h[t, h, p, n] * C[t, g(h), n]
// CHECK-LABEL: func @mamba2
// CHECK: seq.scan {{.*}} init({{.*}} : tensor<1x4x8x16xf32>)
// CHECK-SAME: reduce = [4]
func.func @mamba2(%x: tensor<1x32x4x8xf32>, %dt: tensor<1x32x4xf32>, %A: tensor<4xf32>, %B: tensor<1x32x2x16xf32>, %C: tensor<1x32x2x16xf32>, %h0: tensor<1x4x8x16xf32>) -> (tensor<1x32x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %h = seq.scan ins(%dt, %A, %x, %B, %C : tensor<1x32x4xf32>, tensor<4xf32>, tensor<1x32x4x8xf32>, tensor<1x32x2x16xf32>, tensor<1x32x2x16xf32>)
      init(%h0 : tensor<1x4x8x16xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x32x4x8xf32>, tensor<1x4x8x16xf32>
  return %y, %h : tensor<1x32x4x8xf32>, tensor<1x4x8x16xf32>
}

// -----

// Griffin RG-LRU (c = 8):
//   a[t] = exp(-c * softplus(L) * sigmoid(r[t]))
//   h[t] = a[t] * h[t-1] + sqrt(1 - a[t]^2) * (sigmoid(i[t]) * x[t])
// CHECK-LABEL: func @rg_lru
// CHECK: seq.scan {{.*}} init({{.*}} : tensor<2x32xf32>)
// CHECK: math.sqrt
func.func @rg_lru(%x: tensor<2x8x32xf32>, %r: tensor<2x8x32xf32>, %i: tensor<2x8x32xf32>, %lambda: tensor<32xf32>, %h0: tensor<2x32xf32>) -> (tensor<2x8x32xf32>, tensor<2x32xf32>) {
  %y, %h = seq.scan ins(%x, %r, %i, %lambda : tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<32xf32>)
      init(%h0 : tensor<2x32xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>,
              affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (d)>]
      step {
      ^bb0(%xv: f32, %rv: f32, %iv: f32, %lv: f32):
        %one = arith.constant 1.0 : f32
        %negc = arith.constant -8.0 : f32
        %el = math.exp %lv : f32
        %spl = math.log1p %el : f32
        %nr = arith.negf %rv : f32
        %enr = math.exp %nr : f32
        %dr = arith.addf %one, %enr : f32
        %sr = arith.divf %one, %dr : f32
        %t0 = arith.mulf %negc, %spl : f32
        %loga = arith.mulf %t0, %sr : f32
        %a = math.exp %loga : f32
        %a2 = arith.mulf %a, %a : f32
        %om = arith.subf %one, %a2 : f32
        %mult = math.sqrt %om : f32
        %ni = arith.negf %iv : f32
        %eni = math.exp %ni : f32
        %di = arith.addf %one, %eni : f32
        %si = arith.divf %one, %di : f32
        %gx = arith.mulf %si, %xv : f32
        %b = arith.mulf %mult, %gx : f32
        seq.yield %a, %b : f32, f32
      } -> tensor<2x8x32xf32>, tensor<2x32xf32>
  return %y, %h : tensor<2x8x32xf32>, tensor<2x32xf32>
}

// -----

// minGRU: h[t] = (1 - z[t]) * h[t-1] + z[t] * htilde[t], z = sigmoid(k).
// CHECK-LABEL: func @min_gru
// CHECK: seq.scan {{.*}} init({{.*}} : tensor<4x64xf32>)
func.func @min_gru(%k: tensor<4x128x64xf32>, %htilde: tensor<4x128x64xf32>, %h0: tensor<4x64xf32>) -> (tensor<4x128x64xf32>, tensor<4x64xf32>) {
  %y, %h = seq.scan ins(%k, %htilde : tensor<4x128x64xf32>, tensor<4x128x64xf32>)
      init(%h0 : tensor<4x64xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%kv: f32, %hv: f32):
        %one = arith.constant 1.0 : f32
        %nk = arith.negf %kv : f32
        %e = math.exp %nk : f32
        %den = arith.addf %one, %e : f32
        %z = arith.divf %one, %den : f32
        %decay = arith.subf %one, %z : f32
        %in = arith.mulf %z, %hv : f32
        seq.yield %decay, %in : f32, f32
      } -> tensor<4x128x64xf32>, tensor<4x64xf32>
  return %y, %h : tensor<4x128x64xf32>, tensor<4x64xf32>
}

// -----

// S4D (real diagonal, time-invariant): every parameter is indexed by state
// dims only, so the decay does not depend on t.
//   h[t] = exp(dt * A) * h[t-1] + dt * B * x[t];  y[t] = sum_n C * h[t]
// CHECK-LABEL: func @s4d
// CHECK: seq.scan {{.*}} maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}] reduce = [3]
func.func @s4d(%x: tensor<1x64x8xf32>, %dt: tensor<8xf32>, %A: tensor<8x4xf32>, %B: tensor<8x4xf32>, %C: tensor<8x4xf32>, %h0: tensor<1x8x4xf32>) -> (tensor<1x64x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = seq.scan ins(%x, %dt, %A, %B, %C : tensor<1x64x8xf32>, tensor<8xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>)
      init(%h0 : tensor<1x8x4xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (d, n)>]
      reduce = [3]
      step {
      ^bb0(%xv: f32, %dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %da = arith.mulf %dtv, %av : f32
        %decay = math.exp %da : f32
        %db = arith.mulf %dtv, %bv : f32
        %in = arith.mulf %db, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %xv: f32, %dtv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %cv, %hv : f32
        seq.yield %r : f32
      } -> tensor<1x64x8xf32>, tensor<1x8x4xf32>
  return %y, %h : tensor<1x64x8xf32>, tensor<1x8x4xf32>
}

// -----

// RWKV-6 / GLA style data-dependent decay with a matrix state per head:
//   S[t] = diag(w[t]) S[t-1] + k[t] v[t]^T,  w = exp(-exp(w_raw))
//   y[t, h, j] = sum_i r[t, h, i] * S[t, h, i, j]
// CHECK-LABEL: func @rwkv_decay
// CHECK: seq.scan {{.*}} init({{.*}} : tensor<1x2x8x8xf32>)
// CHECK-SAME: reduce = [3]
func.func @rwkv_decay(%w: tensor<1x16x2x8xf32>, %k: tensor<1x16x2x8xf32>, %v: tensor<1x16x2x8xf32>, %r: tensor<1x16x2x8xf32>, %s0: tensor<1x2x8x8xf32>) -> (tensor<1x16x2x8xf32>, tensor<1x2x8x8xf32>) {
  %y, %s = seq.scan ins(%w, %k, %v, %r : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>)
      init(%s0 : tensor<1x2x8x8xf32>)
      maps = [affine_map<(b, t, h, i, j) -> (b, t, h, i)>, affine_map<(b, t, h, i, j) -> (b, t, h, i)>,
              affine_map<(b, t, h, i, j) -> (b, t, h, j)>, affine_map<(b, t, h, i, j) -> (b, t, h, i)>]
      reduce = [3]
      step {
      ^bb0(%wv: f32, %kv: f32, %vv: f32, %rv: f32):
        %ew = math.exp %wv : f32
        %nw = arith.negf %ew : f32
        %decay = math.exp %nw : f32
        %kvp = arith.mulf %kv, %vv : f32
        seq.yield %decay, %kvp : f32, f32
      } readout {
      ^bb0(%sv: f32, %wv: f32, %kv: f32, %vv: f32, %rv: f32):
        %o = arith.mulf %rv, %sv : f32
        seq.yield %o : f32
      } -> tensor<1x16x2x8xf32>, tensor<1x2x8x8xf32>
  return %y, %s : tensor<1x16x2x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// Decode: one Mamba-1 step with the same regions as the prefill scan.
// CHECK-LABEL: func @mamba1_decode_step
// CHECK: seq.scan_step {{.*}} init({{.*}} : tensor<2x16x4xf32>) {{.*}} reduce = [2] step
func.func @mamba1_decode_step(%x: tensor<2x16xf32>, %dt: tensor<2x16xf32>, %A: tensor<16x4xf32>, %B: tensor<2x4xf32>, %C: tensor<2x4xf32>, %h0: tensor<2x16x4xf32>) -> (tensor<2x16xf32>, tensor<2x16x4xf32>) {
  %y, %h = seq.scan_step ins(%dt, %x, %A, %B, %C : tensor<2x16xf32>, tensor<2x16xf32>, tensor<16x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
      init(%h0 : tensor<2x16x4xf32>)
      maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (b, d)>,
              affine_map<(b, d, n) -> (d, n)>, affine_map<(b, d, n) -> (b, n)>,
              affine_map<(b, d, n) -> (b, n)>]
      reduce = [2]
      step {
      ^bb0(%dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x16xf32>, tensor<2x16x4xf32>
  return %y, %h : tensor<2x16xf32>, tensor<2x16x4xf32>
}

// -----

// Bidirectional models scan backwards; bf16 inputs with an f32 state.
// CHECK-LABEL: func @reverse_mixed_precision
// CHECK: seq.scan ins({{.*}} : tensor<1x8x4xbf16>, tensor<1x8x4xbf16>) init({{.*}} : tensor<1x4xf32>) maps = {{.*}} reverse step
func.func @reverse_mixed_precision(%a: tensor<1x8x4xbf16>, %b: tensor<1x8x4xbf16>, %h0: tensor<1x4xf32>) -> (tensor<1x8x4xf32>, tensor<1x4xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<1x8x4xbf16>, tensor<1x8x4xbf16>) init(%h0 : tensor<1x4xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>] reverse
      step {
      ^bb0(%av: bf16, %bv: bf16):
        %a32 = arith.extf %av : bf16 to f32
        %b32 = arith.extf %bv : bf16 to f32
        seq.yield %a32, %b32 : f32, f32
      } -> tensor<1x8x4xf32>, tensor<1x4xf32>
  return %y, %h : tensor<1x8x4xf32>, tensor<1x4xf32>
}
