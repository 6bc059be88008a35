// Tolerance (f32): rtol 1e-4 / atol 1e-4 (83- and 97-term dot products of
// O(1) values).
//
// The fused forms on the panel kernel at 67 rows: q (with bias) and k of
// one rms_norm (the sibling fusion, one packing of the normalised rows for
// both), the gated MLP of the same norm (gate and up rows of a feature in
// one register block) and its down projection (K 83, with bias), and a
// second norm's lone projection (the norm fused into it). Inputs and
// golden outputs (NumPy float64): Inputs/linear_panel_fused/, written by
// gen/gen_linear_panel.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main --input 0=%S/../Inputs/linear_panel_fused/x.npy --input 1=%S/../Inputs/linear_panel_fused/gamma.npy --input 2=%S/../Inputs/linear_panel_fused/wq.npy --input 3=%S/../Inputs/linear_panel_fused/bq.npy --input 4=%S/../Inputs/linear_panel_fused/wk.npy --input 5=%S/../Inputs/linear_panel_fused/wg.npy --input 6=%S/../Inputs/linear_panel_fused/wu.npy --input 7=%S/../Inputs/linear_panel_fused/wd.npy --input 8=%S/../Inputs/linear_panel_fused/bd.npy --input 9=%S/../Inputs/linear_panel_fused/wo.npy --expect 0=%S/../Inputs/linear_panel_fused/q.npy --expect 1=%S/../Inputs/linear_panel_fused/k.npy --expect 2=%S/../Inputs/linear_panel_fused/mlp.npy --expect 3=%S/../Inputs/linear_panel_fused/o.npy --rtol 1e-4 --atol 1e-4
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main --input 0=%S/../Inputs/linear_panel_fused/x.npy --input 1=%S/../Inputs/linear_panel_fused/gamma.npy --input 2=%S/../Inputs/linear_panel_fused/wq.npy --input 3=%S/../Inputs/linear_panel_fused/bq.npy --input 4=%S/../Inputs/linear_panel_fused/wk.npy --input 5=%S/../Inputs/linear_panel_fused/wg.npy --input 6=%S/../Inputs/linear_panel_fused/wu.npy --input 7=%S/../Inputs/linear_panel_fused/wd.npy --input 8=%S/../Inputs/linear_panel_fused/bd.npy --input 9=%S/../Inputs/linear_panel_fused/wo.npy --expect 0=%S/../Inputs/linear_panel_fused/q.npy --expect 1=%S/../Inputs/linear_panel_fused/k.npy --expect 2=%S/../Inputs/linear_panel_fused/mlp.npy --expect 3=%S/../Inputs/linear_panel_fused/o.npy --rtol 1e-4 --atol 1e-4

func.func @main(%x: tensor<67x97xf32>, %g: tensor<97xf32>, %wq: tensor<83x97xf32>,
                %bq: tensor<83xf32>, %wk: tensor<29x97xf32>, %wg: tensor<83x97xf32>,
                %wu: tensor<83x97xf32>, %wd: tensor<97x83xf32>, %bd: tensor<97xf32>,
                %wo: tensor<40x97xf32>)
    -> (tensor<67x83xf32>, tensor<67x29xf32>, tensor<67x97xf32>, tensor<67x40xf32>) {
  %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : tensor<67x97xf32>, tensor<97xf32>
  %q = seq.linear %n, %wq bias(%bq : tensor<83xf32>) : tensor<67x97xf32>, tensor<83x97xf32> -> tensor<67x83xf32>
  %k = seq.linear %n, %wk : tensor<67x97xf32>, tensor<29x97xf32> -> tensor<67x29xf32>
  %gate = seq.linear %n, %wg : tensor<67x97xf32>, tensor<83x97xf32> -> tensor<67x83xf32>
  %up = seq.linear %n, %wu : tensor<67x97xf32>, tensor<83x97xf32> -> tensor<67x83xf32>
  %h = seq.swiglu %gate, %up : tensor<67x83xf32>
  %mlp = seq.linear %h, %wd bias(%bd : tensor<97xf32>) : tensor<67x83xf32>, tensor<97x83xf32> -> tensor<67x97xf32>
  %n2 = seq.rms_norm %x, %g {epsilon = 1.0e-6 : f32} : tensor<67x97xf32>, tensor<97xf32>
  %o = seq.linear %n2, %wo : tensor<67x97xf32>, tensor<40x97xf32> -> tensor<67x40xf32>
  return %q, %k, %mlp, %o : tensor<67x83xf32>, tensor<67x29xf32>, tensor<67x97xf32>, tensor<67x40xf32>
}
