// A slice whose elements are not contiguous in its buffer and that is not
// a window of the last dimension of every row (a column of rows 1 to 3;
// the slice kernel takes whole leading dimensions): a compile-time error
// for a GPU target (gpu-session.test).
func.func @column(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %v: tensor<8x1xf32>)
    -> tensor<3x8xf32> {
  %y = seq.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %c = tensor.extract_slice %y[1, 2] [3, 1] [1, 1] : tensor<4x8xf32> to tensor<3x1xf32>
  %z = seq.linear %c, %v : tensor<3x1xf32>, tensor<8x1xf32> -> tensor<3x8xf32>
  return %z : tensor<3x8xf32>
}
