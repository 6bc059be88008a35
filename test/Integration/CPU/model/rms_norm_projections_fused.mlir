// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/rms_norm_projections_fused/x.npy --input 1=%S/../Inputs/rms_norm_projections_fused/gamma.npy --input 2=%S/../Inputs/rms_norm_projections_fused/wq.npy --input 3=%S/../Inputs/rms_norm_projections_fused/wk.npy --input 4=%S/../Inputs/rms_norm_projections_fused/bk.npy --expect 0=%S/../Inputs/rms_norm_projections_fused/q.npy --expect 1=%S/../Inputs/rms_norm_projections_fused/k.npy --rtol 1e-4 --atol 1e-4

// Tolerance (f32): rtol 1e-4 / atol 1e-4 (48-term dot products of O(1)
// values). Two projections of one RMSNorm, both lowered with the norm fused
// into the projection (gen/gen_fusion.py has the PyTorch reference).
func.func @main(%x: tensor<2x5x48xf32>, %g: tensor<48xf32>, %wq: tensor<24x48xf32>, %wk: tensor<16x48xf32>, %bk: tensor<16xf32>) -> (tensor<2x5x24xf32>, tensor<2x5x16xf32>) {
  %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : tensor<2x5x48xf32>, tensor<48xf32>
  %q = seq.linear %n, %wq : tensor<2x5x48xf32>, tensor<24x48xf32> -> tensor<2x5x24xf32>
  %k = seq.linear %n, %wk bias(%bk : tensor<16xf32>) : tensor<2x5x48xf32>, tensor<16x48xf32> -> tensor<2x5x16xf32>
  return %q, %k : tensor<2x5x24xf32>, tensor<2x5x16xf32>
}
