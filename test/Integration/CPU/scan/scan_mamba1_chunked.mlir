// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/scan_mamba1_chunked/dt.npy --input 1=%S/../Inputs/scan_mamba1_chunked/x.npy --input 2=%S/../Inputs/scan_mamba1_chunked/A.npy --input 3=%S/../Inputs/scan_mamba1_chunked/B.npy --input 4=%S/../Inputs/scan_mamba1_chunked/C.npy --input 5=%S/../Inputs/scan_mamba1_chunked/h0.npy --expect 0=%S/../Inputs/scan_mamba1_chunked/y.npy --expect 1=%S/../Inputs/scan_mamba1_chunked/h.npy --rtol 1e-4 --atol 1e-5

// Tolerance (f32): rtol 1e-4 / atol 1e-5.
// Mamba-1 selective scan, 256 steps, 2 channels: 4 chunks of 64 steps with
// a non-zero initial state; equals the sequential PyTorch reference.
func.func @main(%dt: tensor<1x256x2xf32>, %x: tensor<1x256x2xf32>, %A: tensor<2x4xf32>, %Bm: tensor<1x256x4xf32>, %Cm: tensor<1x256x4xf32>, %h0: tensor<1x2x4xf32>) -> (tensor<1x256x2xf32>, tensor<1x2x4xf32>) {
  %y, %h = seq.scan ins(%dt, %x, %A, %Bm, %Cm : tensor<1x256x2xf32>, tensor<1x256x2xf32>, tensor<2x4xf32>, tensor<1x256x4xf32>, tensor<1x256x4xf32>)
      init(%h0 : tensor<1x2x4xf32>)
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
      } -> tensor<1x256x2xf32>, tensor<1x2x4xf32>
  return %y, %h : tensor<1x256x2xf32>, tensor<1x2x4xf32>
}
