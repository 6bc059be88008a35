// The elementwise and sampling kernels of every form, for the
// code-generation tests: SwiGLU bf16, the residual add f16, RoPE bf16 NeoX
// D = 128 and f32 GPT-J partial with given frequencies, greedy sampling
// over bf16 logits.
func.func @mlp(%g: tensor<2x8x256xbf16>, %u: tensor<2x8x256xbf16>,
               %r: tensor<2x8x256xf16>, %s: tensor<2x8x256xf16>)
    -> (tensor<2x8x256xbf16>, tensor<2x8x256xf16>) {
  %h = seq.swiglu %g, %u : tensor<2x8x256xbf16>
  %y = arith.addf %r, %s : tensor<2x8x256xf16>
  return %h, %y : tensor<2x8x256xbf16>, tensor<2x8x256xf16>
}

func.func @rope(%q: tensor<1x32x16x128xbf16>, %k: tensor<1x8x16x24xf32>,
                %pos: tensor<1x16xi32>) -> (tensor<1x32x16x128xbf16>, tensor<1x8x16x24xf32>) {
  %qr = seq.rope %q, %pos {theta = 500000.0 : f32, style = #seq.rope_style<neox>}
      : tensor<1x32x16x128xbf16>, tensor<1x16xi32>
  %kr = seq.rope %k, %pos {style = #seq.rope_style<gptj>, rotary_dim = 8 : i64,
                           inv_freq = array<f32: 1.0, 0.1, 0.01, 0.001>}
      : tensor<1x8x16x24xf32>, tensor<1x16xi32>
  return %qr, %kr : tensor<1x32x16x128xbf16>, tensor<1x8x16x24xf32>
}

func.func @greedy(%logits: tensor<2x32000xbf16>) -> tensor<2xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>}
      : tensor<2x32000xbf16> -> tensor<2xi32>
  return %t : tensor<2xi32>
}
