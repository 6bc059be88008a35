// Tolerance (i32): integer results only, compared exactly (rtol 0 / atol 0).
//
// Capacity dropping: capacity_factor 1.25 gives C = ceil(1.25 * 12 * 2 / 4)
// = 8 slots per expert (7.5 rounds up). Expert 0 is chosen by 10 slots and
// expert 1 by 9: the first 8 of each in slot order are kept, 3 slots drop,
// offsets are [0, 8, 16, 19, 21].
// Inputs and golden outputs: Inputs/moe_dispatch_capacity/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_dispatch_capacity/experts.npy \
// RUN:   --expect 0=%S/../Inputs/moe_dispatch_capacity/permutation_masked.npy \
// RUN:   --expect 1=%S/../Inputs/moe_dispatch_capacity/expert_offsets.npy \
// RUN:   --rtol 0 --atol 0

func.func @main(%experts: tensor<12x2xi32>) -> (tensor<24xi32>, tensor<5xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 4 : i64, capacity_factor = 1.25 : f32}
      : tensor<12x2xi32> -> tensor<24xi32>, tensor<5xi32>
  // The order of the dropped slots (after expert_offsets[4]) is not
  // specified: replace them by -1 before comparing.
  %c4 = arith.constant 4 : index
  %end = tensor.extract %off[%c4] : tensor<5xi32>
  %init = tensor.empty() : tensor<24xi32>
  %masked = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                            iterator_types = ["parallel"]}
      ins(%perm : tensor<24xi32>) outs(%init : tensor<24xi32>) {
  ^bb0(%p: i32, %o: i32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %kept = arith.cmpi slt, %ii, %end : i32
    %neg = arith.constant -1 : i32
    %r = arith.select %kept, %p, %neg : i32
    linalg.yield %r : i32
  } -> tensor<24xi32>
  return %masked, %off : tensor<24xi32>, tensor<5xi32>
}
