// Temperature + top-k + top-p sampling (f32 and bf16 logits) and top-p
// alone, for the code-generation tests (sample-codegen.test).
func.func @topk_topp(%logits: tensor<4x49152xf32>, %seed: i64, %counter: i64) -> tensor<4xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>}
      : tensor<4x49152xf32> -> tensor<4xi32>
  return %t : tensor<4xi32>
}

func.func @topk_topp_bf16(%logits: tensor<4x49152xbf16>, %seed: i64, %counter: i64) -> tensor<4xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>}
      : tensor<4x49152xbf16> -> tensor<4xi32>
  return %t : tensor<4xi32>
}

func.func @topp(%logits: tensor<4x1000xf32>, %seed: i64, %counter: i64) -> tensor<4xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 1.0, top_p = 0.95>}
      : tensor<4x1000xf32> -> tensor<4xi32>
  return %t : tensor<4xi32>
}
