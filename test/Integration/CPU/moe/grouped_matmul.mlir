// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Grouped matmul with offsets [0, 5, 5, 12, 18]: group 1 is empty and rows
// 18, 19 lie past offsets[E], so their output rows are zero.
// Inputs and golden outputs: Inputs/grouped_matmul/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/grouped_matmul/input.npy \
// RUN:   --input 1=%S/../Inputs/grouped_matmul/weight.npy \
// RUN:   --input 2=%S/../Inputs/grouped_matmul/offsets.npy \
// RUN:   --expect 0=%S/../Inputs/grouped_matmul/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}
