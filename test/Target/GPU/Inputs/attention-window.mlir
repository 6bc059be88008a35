// Sliding-window and softcap attention for the code generators
// (attention-window-codegen.test): bf16 GQA 4:1 prefill at D = 64 (causal,
// window 32, softcap 50: Gemma-2's cap), bf16 MHA prefill at D = 128
// (window 100, softcap 30; 120 keys, too few to split), and a bf16 decode step at D = 128 against 4096
// keys (causal, window 1024: the decode form and its merge). Windows
// shorter than the keys (a window of at least Skv is canonicalized away).
func.func @main(%q: tensor<1x8x128x64xbf16>, %k: tensor<1x2x128x64xbf16>,
                %v: tensor<1x2x128x64xbf16>, %q2: tensor<1x4x120x128xbf16>,
                %k2: tensor<1x4x120x128xbf16>, %v2: tensor<1x4x120x128xbf16>,
                %q3: tensor<1x8x1x128xbf16>, %k3: tensor<1x2x4096x128xbf16>,
                %v3: tensor<1x2x4096x128xbf16>)
    -> (tensor<1x8x128x64xbf16>, tensor<1x4x120x128xbf16>,
        tensor<1x8x1x128xbf16>) {
  %o = seq.attention %q, %k, %v causal window(32) softcap(50.0)
      : tensor<1x8x128x64xbf16>, tensor<1x2x128x64xbf16>,
        tensor<1x2x128x64xbf16> -> tensor<1x8x128x64xbf16>
  %o2 = seq.attention %q2, %k2, %v2 window(100) softcap(30.0)
      : tensor<1x4x120x128xbf16>, tensor<1x4x120x128xbf16>,
        tensor<1x4x120x128xbf16> -> tensor<1x4x120x128xbf16>
  %o3 = seq.attention %q3, %k3, %v3 causal window(1024)
      : tensor<1x8x1x128xbf16>, tensor<1x2x4096x128xbf16>,
        tensor<1x2x4096x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o, %o2, %o3 : tensor<1x8x128x64xbf16>, tensor<1x4x120x128xbf16>,
                        tensor<1x8x1x128xbf16>
}
