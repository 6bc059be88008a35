// An entry with an op that has no GPU kernel (arith.mulf on tensors): a
// compile-time error for a GPU target (test/Tools/seqrun/gpu-host.test).
func.func @scale(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %y = seq.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %z = arith.mulf %y, %y : tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}
