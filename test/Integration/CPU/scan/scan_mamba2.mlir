// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mamba-2 / SSD recurrence: one scalar decay per head, a [P=8, N=16] state
// per head, B and C shared by groups of 2 heads (head h reads group h / 2, as
// mamba_ssm's repeat "b l g n -> b l (g h) n"), D skip per head, non-zero
// initial state, final state.
// Inputs and golden outputs: Inputs/scan_mamba2/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_mamba2/x.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2/dt.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2/A.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2/B.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2/C.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2/D.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba2/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba2/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<1x20x4x8xf32>, %dt: tensor<1x20x4xf32>, %A: tensor<4xf32>,
                %B: tensor<1x20x2x16xf32>, %C: tensor<1x20x2x16xf32>, %D: tensor<4xf32>,
                %h0: tensor<1x4x8x16xf32>)
    -> (tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>) {
  // h[t, h] = exp(softplus(dt[t, h]) * A[h]) * h[t-1, h]
  //           + softplus(dt[t, h]) * x[t, h, :] (outer) B[t, h / 2, :]
  // y[t, h, p] = sum_n h[t, h, p, n] * C[t, h / 2, n] + D[h] * x[t, h, p]
  %y, %hT = seq.scan ins(%dt, %A, %x, %B, %C
        : tensor<1x20x4xf32>, tensor<4xf32>, tensor<1x20x4x8xf32>,
          tensor<1x20x2x16xf32>, tensor<1x20x2x16xf32>)
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
      } -> tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>
  %init = tensor.empty() : tensor<1x20x4x8xf32>
  %out = linalg.generic {
      indexing_maps = [affine_map<(b, t, h, p) -> (b, t, h, p)>,
                       affine_map<(b, t, h, p) -> (b, t, h, p)>,
                       affine_map<(b, t, h, p) -> (h)>,
                       affine_map<(b, t, h, p) -> (b, t, h, p)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %x, %D : tensor<1x20x4x8xf32>, tensor<1x20x4x8xf32>, tensor<4xf32>)
      outs(%init : tensor<1x20x4x8xf32>) {
  ^bb0(%yv: f32, %xv: f32, %dv: f32, %o: f32):
    %dx = arith.mulf %dv, %xv : f32
    %s = arith.addf %yv, %dx : f32
    linalg.yield %s : f32
  } -> tensor<1x20x4x8xf32>
  return %out, %hT : tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>
}
