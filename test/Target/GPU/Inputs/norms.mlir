// The norm kernels of every form, for the code-generation tests: RMSNorm
// bf16 H = 128 (a warp per row), RMSNorm f16 H = 4096 (a block per row,
// workgroup reduction) and LayerNorm f32 with bias H = 48.
func.func @rms_bf16(%x: tensor<3x4x128xbf16>, %w: tensor<128xbf16>) -> tensor<3x4x128xbf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-06 : f32}
      : tensor<3x4x128xbf16>, tensor<128xbf16>
  return %y : tensor<3x4x128xbf16>
}

func.func @rms_f16_wide(%x: tensor<2x4096xf16>, %w: tensor<4096xf16>) -> tensor<2x4096xf16> {
  %y = seq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
      : tensor<2x4096xf16>, tensor<4096xf16>
  return %y : tensor<2x4096xf16>
}

func.func @layer_f32(%x: tensor<3x7x48xf32>, %w: tensor<48xf32>, %b: tensor<48xf32>)
    -> tensor<3x7x48xf32> {
  %y = seq.layer_norm %x, %w bias(%b : tensor<48xf32>) {epsilon = 1.0e-05 : f32}
      : tensor<3x7x48xf32>, tensor<48xf32>
  return %y : tensor<3x7x48xf32>
}
