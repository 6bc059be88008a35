// A decode step of attention over a ragged bf16 cache (gpu-host-ragged.test):
// kv_lengths is an entry input, the counts read by the kernels on the device.

func.func @decode(%q: tensor<4x4x1x64xbf16>, %k: tensor<4x1x512x64xbf16>,
                  %v: tensor<4x1x512x64xbf16>, %len: tensor<4xi32>)
    -> tensor<4x4x1x64xbf16> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<4xi32>)
      : tensor<4x4x1x64xbf16>, tensor<4x1x512x64xbf16>,
        tensor<4x1x512x64xbf16> -> tensor<4x4x1x64xbf16>
  return %o : tensor<4x4x1x64xbf16>
}
