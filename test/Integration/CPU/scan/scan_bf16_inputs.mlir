// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mixed precision: bf16 inputs (files hold bf16-exact values as float32, see
// gen/README.md), f32 state. Every result is f32 and computed exactly from the
// bf16 values, so the f32 tolerance applies.
// Inputs and golden outputs: Inputs/scan_bf16_inputs/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_bf16_inputs/a.npy \
// RUN:   --input 1=%S/../Inputs/scan_bf16_inputs/b.npy \
// RUN:   --input 2=%S/../Inputs/scan_bf16_inputs/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_bf16_inputs/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_bf16_inputs/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%a: tensor<1x16x8xbf16>, %b: tensor<1x16x8xbf16>, %h0: tensor<1x8xf32>)
    -> (tensor<1x16x8xf32>, tensor<1x8xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<1x16x8xbf16>, tensor<1x16x8xbf16>)
      init(%h0 : tensor<1x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: bf16, %bv: bf16):
        %a32 = arith.extf %av : bf16 to f32
        %b32 = arith.extf %bv : bf16 to f32
        seq.yield %a32, %b32 : f32, f32
      } -> tensor<1x16x8xf32>, tensor<1x8xf32>
  return %y, %h : tensor<1x16x8xf32>, tensor<1x8xf32>
}
