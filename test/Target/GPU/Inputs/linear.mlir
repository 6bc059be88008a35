// One seq.linear of each element type the GPU linear kernels take.
func.func @main(%xb: tensor<2x8x64xbf16>, %wb: tensor<48x64xbf16>,
                %bb: tensor<48xbf16>, %xh: tensor<16x64xf16>,
                %wh: tensor<48x64xf16>, %x: tensor<7x33xf32>,
                %w: tensor<17x33xf32>)
    -> (tensor<2x8x48xbf16>, tensor<16x48xf16>, tensor<7x17xf32>) {
  %yb = seq.linear %xb, %wb bias(%bb : tensor<48xbf16>)
      : tensor<2x8x64xbf16>, tensor<48x64xbf16> -> tensor<2x8x48xbf16>
  %yh = seq.linear %xh, %wh : tensor<16x64xf16>, tensor<48x64xf16> -> tensor<16x48xf16>
  %y = seq.linear %x, %w : tensor<7x33xf32>, tensor<17x33xf32> -> tensor<7x17xf32>
  return %yb, %yh, %y : tensor<2x8x48xbf16>, tensor<16x48xf16>, tensor<7x17xf32>
}
