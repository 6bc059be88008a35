// Tolerance (f32): rtol 1e-4 / atol 1e-4 (97-term dot products of O(1)
// values through SiLU).
//
// The gated MLP with gate and up biases on the panel kernel at 65 rows
// (two full 32-row panels and one row): the epilogue's whole 16 x 16 (AVX2:
// 8 x 8) blocks add bias vectors and apply SiLU to vectors, the remainder
// rows and features (83 = 48 + 35) the same one element at a time. Inputs
// and golden outputs (NumPy float64): Inputs/linear_panel_mlp_bias/,
// written by gen/gen_linear_panel.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main --input 0=%S/../Inputs/linear_panel_mlp_bias/x.npy --input 1=%S/../Inputs/linear_panel_mlp_bias/wg.npy --input 2=%S/../Inputs/linear_panel_mlp_bias/bg.npy --input 3=%S/../Inputs/linear_panel_mlp_bias/wu.npy --input 4=%S/../Inputs/linear_panel_mlp_bias/bu.npy --expect 0=%S/../Inputs/linear_panel_mlp_bias/out.npy --rtol 1e-4 --atol 1e-4
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main --input 0=%S/../Inputs/linear_panel_mlp_bias/x.npy --input 1=%S/../Inputs/linear_panel_mlp_bias/wg.npy --input 2=%S/../Inputs/linear_panel_mlp_bias/bg.npy --input 3=%S/../Inputs/linear_panel_mlp_bias/wu.npy --input 4=%S/../Inputs/linear_panel_mlp_bias/bu.npy --expect 0=%S/../Inputs/linear_panel_mlp_bias/out.npy --rtol 1e-4 --atol 1e-4
// The fusion is the gated MLP (one kernel for gate, up and SiLU).
// RUN: seqc %s --target=cpu -emit=tiled -o - | FileCheck %s
// CHECK-COUNT-2: math.exp {{.*}} : vector<16xf32>

func.func @main(%x: tensor<65x97xf32>, %wg: tensor<83x97xf32>, %bg: tensor<83xf32>,
                %wu: tensor<83x97xf32>, %bu: tensor<83xf32>) -> tensor<65x83xf32> {
  %gate = seq.linear %x, %wg bias(%bg : tensor<83xf32>) : tensor<65x97xf32>, tensor<83x97xf32> -> tensor<65x83xf32>
  %up = seq.linear %x, %wu bias(%bu : tensor<83xf32>) : tensor<65x97xf32>, tensor<83x97xf32> -> tensor<65x83xf32>
  %h = seq.swiglu %gate, %up : tensor<65x83xf32>
  return %h : tensor<65x83xf32>
}
