// The sm_90a (wgmma) attention prefill kernels' code generation is checked
// on: bf16 at head dim 64, causal, GQA 4:1; bf16 at head dim 128, not
// causal; f16 at head dim 128, causal (batches large enough that no split
// of the keys is chosen, so the prefill form is the kernel).
func.func @main(%q: tensor<8x8x512x64xbf16>, %k: tensor<8x2x512x64xbf16>,
                %v: tensor<8x2x512x64xbf16>, %qb: tensor<8x8x512x128xbf16>,
                %kb: tensor<8x8x512x128xbf16>, %vb: tensor<8x8x512x128xbf16>,
                %qh: tensor<8x8x512x128xf16>, %kh: tensor<8x8x512x128xf16>,
                %vh: tensor<8x8x512x128xf16>)
    -> (tensor<8x8x512x64xbf16>, tensor<8x8x512x128xbf16>,
        tensor<8x8x512x128xf16>) {
  %o = seq.attention %q, %k, %v causal
      : tensor<8x8x512x64xbf16>, tensor<8x2x512x64xbf16>,
        tensor<8x2x512x64xbf16> -> tensor<8x8x512x64xbf16>
  %ob = seq.attention %qb, %kb, %vb
      : tensor<8x8x512x128xbf16>, tensor<8x8x512x128xbf16>,
        tensor<8x8x512x128xbf16> -> tensor<8x8x512x128xbf16>
  %oh = seq.attention %qh, %kh, %vh causal
      : tensor<8x8x512x128xf16>, tensor<8x8x512x128xf16>,
        tensor<8x8x512x128xf16> -> tensor<8x8x512x128xf16>
  return %o, %ob, %oh : tensor<8x8x512x64xbf16>, tensor<8x8x512x128xbf16>,
                        tensor<8x8x512x128xf16>
}
