# Makes every seq.speculative_decode_loop of speculative_greedy.mlir
# adaptive (the adaptive_k attribute) and returns its num_drafted result
# as the entry's output 4 (speculative_greedy_adaptive.test).
s/num_speculative_tokens = \([0-9]\) : i64,/num_speculative_tokens = \1 : i64, adaptive_k,/
s/%accepted, %/%accepted, %drafted, %/
s/^\(        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>\)$/\1 drafted(tensor<1xi32>)/
s/-> (tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {/-> (tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {/
s/return %all, %count, %steps, %accepted : \(.*\)$/return %all, %count, %steps, %accepted, %drafted : \1, tensor<1xi32>/
