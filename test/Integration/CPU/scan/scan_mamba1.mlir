// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mamba-1 selective scan (B=2, T=24, d_inner=16, d_state=8): softplus(dt +
// dt_bias) and A = -exp(A_log) in the step region, D skip and z gate after
// it, a non-zero initial state and the final state. Reference: mamba_ssm's
// selective_scan_ref (delta_softplus, delta_bias, D, z) with an initial state.
// Inputs and golden outputs: Inputs/scan_mamba1/, written by gen/gen_scan.py.
// The same goldens through channel lanes of 8 (the default on AVX2: two
// blocks of 8 channels), of 16 (one block), and the scalar loops
// (-vector-width=0).

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_mamba1/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba1/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba1/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba1/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba1/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba1/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba1/D.npy \
// RUN:   --input 7=%S/../Inputs/scan_mamba1/z.npy \
// RUN:   --input 8=%S/../Inputs/scan_mamba1/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba1/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba1/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.scalar.seqpkg
// RUN: seqrun %t.scalar.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_mamba1/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba1/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba1/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba1/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba1/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba1/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba1/D.npy \
// RUN:   --input 7=%S/../Inputs/scan_mamba1/z.npy \
// RUN:   --input 8=%S/../Inputs/scan_mamba1/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba1/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba1/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.v16.seqpkg
// RUN: seqrun %t.v16.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/scan_mamba1/dt.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba1/dt_bias.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba1/x.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba1/A_log.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba1/B.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba1/C.npy \
// RUN:   --input 6=%S/../Inputs/scan_mamba1/D.npy \
// RUN:   --input 7=%S/../Inputs/scan_mamba1/z.npy \
// RUN:   --input 8=%S/../Inputs/scan_mamba1/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mamba1/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba1/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%dt: tensor<2x24x16xf32>, %dt_bias: tensor<16xf32>,
                %x: tensor<2x24x16xf32>, %A_log: tensor<16x8xf32>,
                %B: tensor<2x24x8xf32>, %C: tensor<2x24x8xf32>,
                %D: tensor<16xf32>, %z: tensor<2x24x16xf32>,
                %h0: tensor<2x16x8xf32>)
    -> (tensor<2x24x16xf32>, tensor<2x16x8xf32>) {
  // h[t] = exp(softplus(dt + dt_bias) * A) * h[t-1]
  //        + softplus(dt + dt_bias) * B[t] * x[t],  A = -exp(A_log)
  // y[t] = sum_n h[t] * C[t]
  %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<2x24x16xf32>, tensor<16xf32>, tensor<2x24x16xf32>,
          tensor<16x8xf32>, tensor<2x24x8xf32>, tensor<2x24x8xf32>)
      init(%h0 : tensor<2x16x8xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x24x16xf32>, tensor<2x16x8xf32>
  // out = (y + D * x) * silu(z)
  %init = tensor.empty() : tensor<2x24x16xf32>
  %out = linalg.generic {
      indexing_maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>,
                       affine_map<(b, t, d) -> (d)>, affine_map<(b, t, d) -> (b, t, d)>,
                       affine_map<(b, t, d) -> (b, t, d)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y, %x, %D, %z : tensor<2x24x16xf32>, tensor<2x24x16xf32>, tensor<16xf32>,
                           tensor<2x24x16xf32>)
      outs(%init : tensor<2x24x16xf32>) {
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
  } -> tensor<2x24x16xf32>
  return %out, %hT : tensor<2x24x16xf32>, tensor<2x16x8xf32>
}
