// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Gated linear attention / RWKV-6-style data-dependent decay with a [K, V]
// matrix state per head; the readout reduces over the key dim (a reduction
// dim that is not the last one).
// Inputs and golden outputs: Inputs/scan_gla_matrix_state/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_gla_matrix_state/w.npy \
// RUN:   --input 1=%S/../Inputs/scan_gla_matrix_state/k.npy \
// RUN:   --input 2=%S/../Inputs/scan_gla_matrix_state/v.npy \
// RUN:   --input 3=%S/../Inputs/scan_gla_matrix_state/r.npy \
// RUN:   --input 4=%S/../Inputs/scan_gla_matrix_state/s0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_gla_matrix_state/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_gla_matrix_state/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%w: tensor<1x16x2x8xf32>, %k: tensor<1x16x2x8xf32>, %v: tensor<1x16x2x8xf32>,
                %r: tensor<1x16x2x8xf32>, %s0: tensor<1x2x8x8xf32>)
    -> (tensor<1x16x2x8xf32>, tensor<1x2x8x8xf32>) {
  // S[t] = diag(exp(-exp(w[t]))) S[t-1] + k[t] v[t]^T;  y[t, h, j] = sum_i r[t, h, i] S[t, h, i, j]
  %y, %s = seq.scan ins(%w, %k, %v, %r
        : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>)
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
