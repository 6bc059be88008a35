// The K-quant linear kernels of quant-k-codegen.test: q4_k and q6_k in the
// decode form (one row, with and without bias) and the prefill form.
func.func @q4_k_decode(%x: tensor<1x512xf32>, %w: tensor<16x288xi8>,
                       %b: tensor<16xf32>) -> tensor<1x16xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<16xf32>)
      {format = #seq.quant_format<q4_k>}
      : tensor<1x512xf32>, tensor<16x288xi8> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

func.func @q4_k_prefill(%x: tensor<64x512xf32>, %w: tensor<16x288xi8>)
    -> tensor<64x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_k>}
      : tensor<64x512xf32>, tensor<16x288xi8> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}

func.func @q6_k_decode(%x: tensor<1x512xf32>, %w: tensor<16x420xi8>)
    -> tensor<1x16xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q6_k>}
      : tensor<1x512xf32>, tensor<16x420xi8> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

func.func @q6_k_prefill(%x: tensor<64x512xf32>, %w: tensor<16x420xi8>,
                        %b: tensor<16xf32>) -> tensor<64x16xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<16xf32>)
      {format = #seq.quant_format<q6_k>}
      : tensor<64x512xf32>, tensor<16x420xi8> -> tensor<64x16xf32>
  return %y : tensor<64x16xf32>
}
