// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Reverse scan: h[t] = a[t] * h[t+1] + b[t] for t = 11 .. 0 starting from
// init; output[t] is h[t] and final_state is h[0].
// Inputs and golden outputs: Inputs/scan_reverse/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_reverse/a.npy \
// RUN:   --input 1=%S/../Inputs/scan_reverse/b.npy \
// RUN:   --input 2=%S/../Inputs/scan_reverse/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_reverse/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_reverse/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%a: tensor<2x12x8xf32>, %b: tensor<2x12x8xf32>, %h0: tensor<2x8xf32>)
    -> (tensor<2x12x8xf32>, tensor<2x8xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<2x12x8xf32>, tensor<2x12x8xf32>)
      init(%h0 : tensor<2x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      reverse
      step {
      ^bb0(%av: f32, %bv: f32):
        seq.yield %av, %bv : f32, f32
      } -> tensor<2x12x8xf32>, tensor<2x8xf32>
  return %y, %h : tensor<2x12x8xf32>, tensor<2x8xf32>
}
