// Two quantized embeddings whose packed rows have the same byte width:
// D = 320 in q4_0 (10 blocks of 18 bytes) and D = 288 in q4_1 (9 blocks
// of 20 bytes), both i8 [8, 180]. gpu-quant-plan.test swaps their tables
// in the launch plan: only the parameters' encodings tell them apart.
module {
  seq.parameter @a "a" {quant = #seq.quant_format<q4_0>} : tensor<8x180xi8>
  seq.parameter @b "b" {quant = #seq.quant_format<q4_1>} : tensor<8x180xi8>
  func.func @main(%ids: tensor<2xi32>) -> (tensor<2x320xf32>, tensor<2x288xf32>) {
    %a = seq.get_parameter @a : tensor<8x180xi8>
    %b = seq.get_parameter @b : tensor<8x180xi8>
    %ha = seq.quantized_embedding %a, %ids {format = #seq.quant_format<q4_0>}
        : tensor<8x180xi8>, tensor<2xi32> -> tensor<2x320xf32>
    %hb = seq.quantized_embedding %b, %ids {format = #seq.quant_format<q4_1>}
        : tensor<8x180xi8>, tensor<2xi32> -> tensor<2x288xf32>
    return %ha, %hb : tensor<2x320xf32>, tensor<2x288xf32>
  }
}
