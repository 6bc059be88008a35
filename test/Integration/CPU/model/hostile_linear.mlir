// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default, for the runs that
// compare valid inputs with the goldens they share with other tests.
//
// Run-time checks of a linear layer's dynamic extents (issue #11): an
// activation K that differs from the weight's K, or a bias that is not as
// long as the weight's N, fails the call with __seq_status 4 (shape
// mismatch) and exit 1 instead of reading past the weight (garbage with
// exit 0, or a segfault). The same holds for the fused forms (gated MLP,
// rms_norm into linear). Good inputs still match the PyTorch goldens of
// linear_bias and llama_mlp.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg

// RUN: seqrun %t.seqpkg --entry linear \
// RUN:   --input 0=%S/../Inputs/linear_bias/x.npy \
// RUN:   --input 1=%S/../Inputs/linear_bias/weight.npy \
// RUN:   --input 2=%S/../Inputs/linear_bias/bias.npy \
// RUN:   --expect 0=%S/../Inputs/linear_bias/out.npy --rtol 1e-4 --atol 1e-5
// K 48 against a weight's 4096 (and 47), a bias of 39 for 40 features.
// RUN: not seqrun %t.seqpkg --entry linear --zeros 0=2x5x48 --zeros 1=40x4096 --zeros 2=40 2>&1 | FileCheck %s --check-prefixes=CHECK,K4096
// RUN: not seqrun %t.seqpkg --entry linear --zeros 0=2x5x48 --zeros 1=40x47 --zeros 2=40 2>&1 | FileCheck %s --check-prefixes=CHECK,K47
// RUN: not seqrun %t.seqpkg --entry linear --zeros 0=2x5x4096 --zeros 1=40x48 --zeros 2=40 2>&1 | FileCheck %s --check-prefixes=CHECK,XK4096
// RUN: not seqrun %t.seqpkg --entry linear --zeros 0=2x5x48 --zeros 1=40x48 --zeros 2=39 2>&1 | FileCheck %s --check-prefixes=CHECK,BIAS
// CHECK: entry '{{.*}}' failed while running: operand extents that do not agree{{.*}}(__seq_status 4):
// The message names the op (the fused gate/up pair reports as its
// seq.swiglu), its location and the two extents.
// K4096-SAME: seq.linear at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (48) != weight K (4096)
// K47-SAME: seq.linear at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (48) != weight K (47)
// XK4096-SAME: seq.linear at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (4096) != weight K (48)
// BIAS-SAME: seq.linear at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: bias (39) != weight N (40)
// NORM-SAME: seq.rms_norm at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: weight (31) != input width (32)
// GATE-SAME: seq.swiglu at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (32) != gate weight K (33)
// UPK-SAME: seq.swiglu at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (32) != up weight K (31)
// UPN-SAME: seq.swiglu at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: up weight N (63) != gate weight N (64)
// DOWN-SAME: seq.linear at {{.*}}hostile_linear.mlir:{{[0-9]+}}:8: input K (64) != weight K (65)

// RUN: seqrun %t.seqpkg --entry mlp \
// RUN:   --input 0=%S/../Inputs/llama_mlp/x.npy \
// RUN:   --input 1=%S/../Inputs/llama_mlp/norm_weight.npy \
// RUN:   --input 2=%S/../Inputs/llama_mlp/w_gate.npy \
// RUN:   --input 3=%S/../Inputs/llama_mlp/w_up.npy \
// RUN:   --input 4=%S/../Inputs/llama_mlp/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/llama_mlp/out.npy --rtol 1e-4 --atol 1e-5
// Norm weight 31 wide for 32, gate K 33, up K 31, up N 63, down K 65.
// RUN: not seqrun %t.seqpkg --entry mlp --zeros 0 --zeros 1=31 --zeros 2=64x32 --zeros 3=64x32 --zeros 4=32x64 2>&1 | FileCheck %s --check-prefixes=CHECK,NORM
// RUN: not seqrun %t.seqpkg --entry mlp --zeros 0 --zeros 1=32 --zeros 2=64x33 --zeros 3=64x32 --zeros 4=32x64 2>&1 | FileCheck %s --check-prefixes=CHECK,GATE
// RUN: not seqrun %t.seqpkg --entry mlp --zeros 0 --zeros 1=32 --zeros 2=64x32 --zeros 3=64x31 --zeros 4=32x64 2>&1 | FileCheck %s --check-prefixes=CHECK,UPK
// RUN: not seqrun %t.seqpkg --entry mlp --zeros 0 --zeros 1=32 --zeros 2=64x32 --zeros 3=63x32 --zeros 4=32x64 2>&1 | FileCheck %s --check-prefixes=CHECK,UPN
// RUN: not seqrun %t.seqpkg --entry mlp --zeros 0 --zeros 1=32 --zeros 2=64x32 --zeros 3=64x32 --zeros 4=32x65 2>&1 | FileCheck %s --check-prefixes=CHECK,DOWN

func.func @linear(%x: tensor<2x5x?xf32>, %w: tensor<40x?xf32>, %b: tensor<?xf32>)
    -> tensor<2x5x40xf32> {
  %y = seq.linear %x, %w bias(%b : tensor<?xf32>)
      : tensor<2x5x?xf32>, tensor<40x?xf32> -> tensor<2x5x40xf32>
  return %y : tensor<2x5x40xf32>
}

func.func @mlp(%x: tensor<1x6x32xf32>, %nw: tensor<?xf32>, %wg: tensor<64x?xf32>,
               %wu: tensor<?x?xf32>, %wd: tensor<32x?xf32>) -> tensor<1x6x32xf32> {
  %n = seq.rms_norm %x, %nw {epsilon = 1.0e-05 : f32} : tensor<1x6x32xf32>, tensor<?xf32>
  %g = seq.linear %n, %wg : tensor<1x6x32xf32>, tensor<64x?xf32> -> tensor<1x6x64xf32>
  %u = seq.linear %n, %wu : tensor<1x6x32xf32>, tensor<?x?xf32> -> tensor<1x6x64xf32>
  %a = seq.swiglu %g, %u : tensor<1x6x64xf32>
  %d = seq.linear %a, %wd : tensor<1x6x64xf32>, tensor<32x?xf32> -> tensor<1x6x32xf32>
  %y = arith.addf %x, %d : tensor<1x6x32xf32>
  return %y : tensor<1x6x32xf32>
}
