// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// minGRU over 32 steps with a non-zero initial state; the output is the
// state sequence.
// Inputs and golden outputs: Inputs/scan_mingru/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_mingru/k.npy \
// RUN:   --input 1=%S/../Inputs/scan_mingru/htilde.npy \
// RUN:   --input 2=%S/../Inputs/scan_mingru/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mingru/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mingru/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%k: tensor<2x32x16xf32>, %htilde: tensor<2x32x16xf32>, %h0: tensor<2x16xf32>)
    -> (tensor<2x32x16xf32>, tensor<2x16xf32>) {
  // h[t] = (1 - z[t]) * h[t-1] + z[t] * htilde[t],  z = sigmoid(k)
  %y, %h = seq.scan ins(%k, %htilde : tensor<2x32x16xf32>, tensor<2x32x16xf32>)
      init(%h0 : tensor<2x16xf32>)
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
      } -> tensor<2x32x16xf32>, tensor<2x16xf32>
  return %y, %h : tensor<2x32x16xf32>, tensor<2x16xf32>
}
