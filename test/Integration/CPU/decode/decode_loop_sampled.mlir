// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/decode_loop_sampled/first.npy --input 1=%S/../Inputs/decode_loop_sampled/positions.npy --input 2=77 --input 3=%S/../Inputs/decode_loop_sampled/table.npy --input 4=%S/../Inputs/decode_loop_sampled/head.npy --expect 0=%S/../Inputs/decode_loop_sampled/tokens.npy --expect 1=%S/../Inputs/decode_loop_sampled/count.npy

// A decode loop with seeded top-k sampling (counter = step, row = batch row)
// reproduces the NumPy reference token for token (exact).
func.func @main(%first: tensor<2xi32>, %pos: tensor<2xi32>, %seed: i64, %table: tensor<40x8xf32>, %head: tensor<40x8xf32>) -> (tensor<2x6xi32>, tensor<2xi32>) {
  %toks, %n = seq.decode_loop first(%first : tensor<2xi32>) positions(%pos : tensor<2xi32>) seed(%seed)
      {max_new_tokens = 6 : i64, eos_token_ids = array<i64: 3>, sampling = #seq.sampling<temperature = 1.0, top_k = 10>}
      -> tensor<2x6xi32>, tensor<2xi32> {
  ^bb0(%t: tensor<2x1xi32>, %p: tensor<2x1xi32>):
    %e = seq.embedding %table, %t : tensor<40x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
    %l = seq.linear %e, %head : tensor<2x1x8xf32>, tensor<40x8xf32> -> tensor<2x1x40xf32>
    seq.yield %l : tensor<2x1x40xf32>
  }
  return %toks, %n : tensor<2x6xi32>, tensor<2xi32>
}
