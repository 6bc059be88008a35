// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Prefill then decode equals full prefill: seq.scan over steps 0..7, then
// seq.scan_step on step 8 from the scan's final state (Mamba-1 regions). The
// golden files are the FULL 9-step scan: its outputs 0..7, output 8 and final
// state.
// Inputs and golden outputs: Inputs/scan_prefill_then_decode/, written by gen/gen_scan.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_prefill_then_decode/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_prefill_then_decode/x.npy \
// RUN:   --input 2=%S/../Inputs/scan_prefill_then_decode/A.npy \
// RUN:   --input 3=%S/../Inputs/scan_prefill_then_decode/B.npy \
// RUN:   --input 4=%S/../Inputs/scan_prefill_then_decode/C.npy \
// RUN:   --input 5=%S/../Inputs/scan_prefill_then_decode/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_prefill_then_decode/y_prefix.npy \
// RUN:   --expect 1=%S/../Inputs/scan_prefill_then_decode/y_last.npy \
// RUN:   --expect 2=%S/../Inputs/scan_prefill_then_decode/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%dt: tensor<2x9x8xf32>, %x: tensor<2x9x8xf32>, %A: tensor<8x4xf32>,
                %B: tensor<2x9x4xf32>, %C: tensor<2x9x4xf32>, %h0: tensor<2x8x4xf32>)
    -> (tensor<2x8x8xf32>, tensor<2x8xf32>, tensor<2x8x4xf32>) {
  // Prefill: steps 0..7.
  %dt_p = tensor.extract_slice %dt[0, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<2x9x8xf32> to tensor<2x8x8xf32>
  %x_p = tensor.extract_slice %x[0, 0, 0] [2, 8, 8] [1, 1, 1] : tensor<2x9x8xf32> to tensor<2x8x8xf32>
  %B_p = tensor.extract_slice %B[0, 0, 0] [2, 8, 4] [1, 1, 1] : tensor<2x9x4xf32> to tensor<2x8x4xf32>
  %C_p = tensor.extract_slice %C[0, 0, 0] [2, 8, 4] [1, 1, 1] : tensor<2x9x4xf32> to tensor<2x8x4xf32>
  %y_p, %h_p = seq.scan ins(%dt_p, %x_p, %A, %B_p, %C_p
        : tensor<2x8x8xf32>, tensor<2x8x8xf32>, tensor<8x4xf32>, tensor<2x8x4xf32>,
          tensor<2x8x4xf32>)
      init(%h0 : tensor<2x8x4xf32>)
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
      } -> tensor<2x8x8xf32>, tensor<2x8x4xf32>
  // Decode: step 8 from the prefill's final state, same regions.
  %dt_l = tensor.extract_slice %dt[0, 8, 0] [2, 1, 8] [1, 1, 1] : tensor<2x9x8xf32> to tensor<2x8xf32>
  %x_l = tensor.extract_slice %x[0, 8, 0] [2, 1, 8] [1, 1, 1] : tensor<2x9x8xf32> to tensor<2x8xf32>
  %B_l = tensor.extract_slice %B[0, 8, 0] [2, 1, 4] [1, 1, 1] : tensor<2x9x4xf32> to tensor<2x4xf32>
  %C_l = tensor.extract_slice %C[0, 8, 0] [2, 1, 4] [1, 1, 1] : tensor<2x9x4xf32> to tensor<2x4xf32>
  %y_l, %h_l = seq.scan_step ins(%dt_l, %x_l, %A, %B_l, %C_l
        : tensor<2x8xf32>, tensor<2x8xf32>, tensor<8x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
      init(%h_p : tensor<2x8x4xf32>)
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
      } -> tensor<2x8xf32>, tensor<2x8x4xf32>
  return %y_p, %y_l, %h_l : tensor<2x8x8xf32>, tensor<2x8xf32>, tensor<2x8x4xf32>
}
