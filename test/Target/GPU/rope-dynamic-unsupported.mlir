// Dynamic NTK seq.rope (ntk_factor) has no GPU kernel: its frequencies
// depend on the call's positions, which the constant inv_freq table of the
// rope kernel cannot hold. The pass refuses it by name instead of
// launching plain RoPE.
// RUN: not seqc-opt %s --seq-gpu-elementwise-kernels=target=cuda:sm_80 2>&1 | FileCheck %s
// CHECK: error: seq-gpu-elementwise-kernels: dynamic NTK rope (ntk_factor) has no GPU kernel yet (its frequencies depend on the call's positions); use the CPU target

func.func @rope_dynamic(%x: tensor<1x4x6x16xf32>, %pos: tensor<1x6xi32>) -> tensor<1x4x6x16xf32> {
  %y = seq.rope %x, %pos {ntk_factor = 2.0 : f32, ntk_max_positions = 8 : i64}
      : tensor<1x4x6x16xf32>, tensor<1x6xi32>
  return %y : tensor<1x4x6x16xf32>
}
