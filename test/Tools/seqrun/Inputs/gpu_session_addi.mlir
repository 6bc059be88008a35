// arith.addi of two inputs (not the position plus an iota): a compile-time
// error for a GPU target (gpu-session.test).
func.func @add(%a: tensor<1xi32>, %b: tensor<1xi32>) -> tensor<1xi32> {
  %c = arith.addi %a, %b : tensor<1xi32>
  return %c : tensor<1xi32>
}
