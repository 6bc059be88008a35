// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Griffin RG-LRU (c = 8), recurrentgemma's formulation without segment
// resets; the output is the state sequence.
// Inputs and golden outputs: Inputs/scan_rglru/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_rglru/x.npy \
// RUN:   --input 1=%S/../Inputs/scan_rglru/r.npy \
// RUN:   --input 2=%S/../Inputs/scan_rglru/i.npy \
// RUN:   --input 3=%S/../Inputs/scan_rglru/lambda.npy \
// RUN:   --input 4=%S/../Inputs/scan_rglru/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_rglru/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_rglru/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<2x16x32xf32>, %r: tensor<2x16x32xf32>, %i: tensor<2x16x32xf32>,
                %lambda: tensor<32xf32>, %h0: tensor<2x32xf32>)
    -> (tensor<2x16x32xf32>, tensor<2x32xf32>) {
  // a = exp(-8 * softplus(lambda) * sigmoid(r))
  // h = a * h + sqrt(1 - a^2) * (sigmoid(i) * x)
  %y, %h = seq.scan ins(%x, %r, %i, %lambda
        : tensor<2x16x32xf32>, tensor<2x16x32xf32>, tensor<2x16x32xf32>, tensor<32xf32>)
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
      } -> tensor<2x16x32xf32>, tensor<2x32xf32>
  return %y, %h : tensor<2x16x32xf32>, tensor<2x32xf32>
}
