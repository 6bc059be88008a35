// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mamba-2 scan through the chunked matmul (SSD) form and the recurrence: B=2, T=150 (chunks
// of 64: 64 + 64 + 22), H=3 heads of P=12 channels, N=20 (neither a whole
// number of 8-lane vectors), B/C of one group, the importer's step
// (softplus(dt + dt_bias) with PyTorch's threshold 20, A = -exp(A_log)),
// non-zero initial state, final state. Reference: the sequential
// recurrence in float64 (gen/gen_scan.py, Inputs/scan_mamba2_chunked/).
// The same goldens through: the SSD form with 8-lane kernels
// (-scan-chunk=64), with scalar kernels (-vector-width=0), with chunks of
// 16 steps (10 chunks), and the default recurrence on channel lanes (the
// target's scan chunk is 0: the SSD form measured no faster).

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -scan-chunk=64 -o %t.ssd.seqpkg
// RUN: seqrun %t.ssd.seqpkg \
// RUN:   --input 0=%S/../Inputs/scan_mamba2_chunked/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2_chunked/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2_chunked/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2_chunked/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2_chunked/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2_chunked/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba2_chunked/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba2_chunked/y.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2_chunked/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -scan-chunk=64 -vector-width=0 -o %t.scalar.seqpkg
// RUN: seqrun %t.scalar.seqpkg \
// RUN:   --input 0=%S/../Inputs/scan_mamba2_chunked/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2_chunked/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2_chunked/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2_chunked/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2_chunked/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2_chunked/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba2_chunked/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba2_chunked/y.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2_chunked/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -scan-chunk=16 -o %t.c16.seqpkg
// RUN: seqrun %t.c16.seqpkg \
// RUN:   --input 0=%S/../Inputs/scan_mamba2_chunked/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2_chunked/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2_chunked/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2_chunked/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2_chunked/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2_chunked/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba2_chunked/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba2_chunked/y.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2_chunked/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -o %t.rec.seqpkg
// RUN: seqrun %t.rec.seqpkg \
// RUN:   --input 0=%S/../Inputs/scan_mamba2_chunked/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2_chunked/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2_chunked/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2_chunked/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2_chunked/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2_chunked/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba2_chunked/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba2_chunked/y.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2_chunked/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%dt: tensor<2x150x3xf32>, %db: tensor<3xf32>, %x: tensor<2x150x3x12xf32>,
                %alog: tensor<3xf32>, %Bm: tensor<2x150x1x20xf32>, %Cm: tensor<2x150x1x20xf32>,
                %h0: tensor<2x3x12x20xf32>)
    -> (tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>) {
  %y, %hT = seq.scan ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<2x150x3xf32>, tensor<3xf32>, tensor<2x150x3x12xf32>, tensor<3xf32>,
          tensor<2x150x1x20xf32>, tensor<2x150x1x20xf32>)
      init(%h0 : tensor<2x3x12x20xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 3, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 3, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>
  return %y, %hT : tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>
}
