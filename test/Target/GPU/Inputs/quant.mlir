// Quantized linear layers for the GPU code-generation tests: each 32-element
// GGUF format in the decode form (2 rows) and the prefill form (64 rows).

func.func @q8_0_decode(%x: tensor<2x256xf32>, %w: tensor<16x272xi8>,
                       %b: tensor<16xf32>) -> tensor<2x16xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<16xf32>)
      {format = #seq.quant_format<q8_0>}
      : tensor<2x256xf32>, tensor<16x272xi8> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

func.func @q8_0_prefill(%x: tensor<64x256xf32>, %w: tensor<16x272xi8>)
    -> tensor<64x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q8_0>}
      : tensor<64x256xf32>, tensor<16x272xi8> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}

func.func @q4_0_decode(%x: tensor<2x256xf32>, %w: tensor<16x144xi8>)
    -> tensor<2x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>}
      : tensor<2x256xf32>, tensor<16x144xi8> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

func.func @q4_0_prefill(%x: tensor<64x256xf32>, %w: tensor<16x144xi8>)
    -> tensor<64x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>}
      : tensor<64x256xf32>, tensor<16x144xi8> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}

func.func @q4_1_decode(%x: tensor<2x256xf32>, %w: tensor<16x160xi8>)
    -> tensor<2x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>}
      : tensor<2x256xf32>, tensor<16x160xi8> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

func.func @q4_1_prefill(%x: tensor<64x256xf32>, %w: tensor<16x160xi8>,
                        %b: tensor<16xf32>) -> tensor<64x16xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<16xf32>)
      {format = #seq.quant_format<q4_1>}
      : tensor<64x256xf32>, tensor<16x160xi8> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}
