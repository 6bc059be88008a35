// The attention kernels code generation is checked on: bf16 and f16
// prefill at head dims 64 and 128 (causal and not; batches large enough
// to fill an sm_80 or gfx942 without splitting the keys), and a split-KV
// decode (its split and merge kernels; causal is dropped for one query).
func.func @main(%q: tensor<8x8x256x64xbf16>, %k: tensor<8x2x256x64xbf16>,
                %v: tensor<8x2x256x64xbf16>, %qh: tensor<8x8x512x128xf16>,
                %kh: tensor<8x8x512x128xf16>, %vh: tensor<8x8x512x128xf16>,
                %qd: tensor<1x8x1x128xbf16>, %kd: tensor<1x2x4096x128xbf16>,
                %vd: tensor<1x2x4096x128xbf16>)
    -> (tensor<8x8x256x64xbf16>, tensor<8x8x512x128xf16>,
        tensor<1x8x1x128xbf16>) {
  %o = seq.attention %q, %k, %v causal
      : tensor<8x8x256x64xbf16>, tensor<8x2x256x64xbf16>,
        tensor<8x2x256x64xbf16> -> tensor<8x8x256x64xbf16>
  %oh = seq.attention %qh, %kh, %vh
      : tensor<8x8x512x128xf16>, tensor<8x8x512x128xf16>,
        tensor<8x8x512x128xf16> -> tensor<8x8x512x128xf16>
  %od = seq.attention %qd, %kd, %vd causal
      : tensor<1x8x1x128xbf16>, tensor<1x2x4096x128xbf16>,
        tensor<1x2x4096x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o, %oh, %od : tensor<8x8x256x64xbf16>, tensor<8x8x512x128xf16>,
                        tensor<1x8x1x128xbf16>
}
