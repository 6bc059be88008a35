// Forms of seq.attention the GPU kernels do not take yet: each is an error
// naming what is missing (attention-kernels.mlir).
func.func @f32(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>,
               %v: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %o = seq.attention %q, %k, %v
      : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
      -> tensor<1x2x8x64xf32>
  return %o : tensor<1x2x8x64xf32>
}
// -----
func.func @paged_dynamic(%q: tensor<1x2x1x64xbf16>, %k: tensor<8x2x?x64xbf16>,
                         %v: tensor<8x2x?x64xbf16>, %len: tensor<1xi32>,
                         %bt: tensor<1x4xi32>) -> tensor<1x2x1x64xbf16> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>)
      block_table(%bt : tensor<1x4xi32>) causal window(4)
      : tensor<1x2x1x64xbf16>, tensor<8x2x?x64xbf16>, tensor<8x2x?x64xbf16>
      -> tensor<1x2x1x64xbf16>
  return %o : tensor<1x2x1x64xbf16>
}
// -----
func.func @odd_head_dim(%q: tensor<1x2x8x36xbf16>, %k: tensor<1x2x8x36xbf16>,
                        %v: tensor<1x2x8x36xbf16>) -> tensor<1x2x8x36xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<1x2x8x36xbf16>, tensor<1x2x8x36xbf16>, tensor<1x2x8x36xbf16>
      -> tensor<1x2x8x36xbf16>
  return %o : tensor<1x2x8x36xbf16>
}
