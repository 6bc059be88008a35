// The function of sample_cpu_match.test, compiled for the CPU and the GPUs.
func.func @f32(%logits: tensor<16x300xf32>, %seed: i64, %counter: i64) -> tensor<16xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>}
      : tensor<16x300xf32> -> tensor<16xi32>
  return %t : tensor<16xi32>
}

func.func @bf16(%logits: tensor<16x300xbf16>, %seed: i64, %counter: i64) -> tensor<16xi32> {
  %t = seq.sample %logits seed(%seed) counter(%counter)
      {sampling = #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>}
      : tensor<16x300xbf16> -> tensor<16xi32>
  return %t : tensor<16xi32>
}
