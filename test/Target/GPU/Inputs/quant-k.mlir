// A K-quant linear layer: no GPU kernel yet (quant-kernels.mlir).
func.func @q4_k(%x: tensor<1x256xf32>, %w: tensor<8x144xi8>)
    -> tensor<1x8xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_k>}
      : tensor<1x256xf32>, tensor<8x144xi8> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
