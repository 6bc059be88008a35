// Tolerance (i32): integer results only, compared exactly (rtol 0 / atol 0).
//
// Dispatch of 10 tokens x top-2 over 4 experts: the 20 slots t*2+k grouped by
// expert, stable in slot order, and the 5 offsets.
// Inputs and golden outputs: Inputs/moe_dispatch/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_dispatch/experts.npy \
// RUN:   --expect 0=%S/../Inputs/moe_dispatch/permutation.npy \
// RUN:   --expect 1=%S/../Inputs/moe_dispatch/expert_offsets.npy \
// RUN:   --rtol 0 --atol 0

func.func @main(%experts: tensor<10x2xi32>) -> (tensor<20xi32>, tensor<5xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 4 : i64}
      : tensor<10x2xi32> -> tensor<20xi32>, tensor<5xi32>
  return %perm, %off : tensor<20xi32>, tensor<5xi32>
}
