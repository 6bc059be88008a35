// A quantized linear layer over packed f16 weights: no GPU kernel yet
// (quant-kernels.mlir).
func.func @f16(%x: tensor<1x256xf32>, %w: tensor<8x512xi8>)
    -> tensor<1x8xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<f16>}
      : tensor<1x256xf32>, tensor<8x512xi8> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
