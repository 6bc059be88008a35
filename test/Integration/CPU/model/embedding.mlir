// Tolerance (exact): rtol 0 / atol 0, pure data movement: every value is a copy.
//
// Embedding lookup of [2, 7] ids (first and last rows of the table, repeats).
// Inputs and golden outputs: Inputs/embedding/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/embedding/table.npy \
// RUN:   --input 1=%S/../Inputs/embedding/ids.npy \
// RUN:   --expect 0=%S/../Inputs/embedding/out.npy \
// RUN:   --rtol 0 --atol 0

func.func @main(%table: tensor<50x24xf32>, %ids: tensor<2x7xi32>) -> tensor<2x7x24xf32> {
  %y = seq.embedding %table, %ids : tensor<50x24xf32>, tensor<2x7xi32> -> tensor<2x7x24xf32>
  return %y : tensor<2x7x24xf32>
}
