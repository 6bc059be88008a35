// The GPU host-side test model (test/Tools/seqrun/gpu-host.test,
// scripts/gpu-check-prepare.sh): entries made only of ops with GPU kernels.
// @main is a bf16 Llama MLP block (RMSNorm -> gate and up linear ->
// SwiGLU -> down linear), its weights bound parameters; @residual an f32
// projection and the residual add (a bf16 tensor add does not load on the
// CPU yet: __truncsfbf2 is undefined); @layer_norm and @rope take the
// inputs and goldens of the CPU tests layer_norm_bias and rope_neox;
// @greedy is greedy sampling over f32 logits; @prefill and @decode are
// bf16 causal GQA attention (the prefill kernel; split-KV and its merge,
// the split count chosen at the call from the device's SM count) over the
// inputs and PyTorch goldens of Integration/CPU/Inputs/attn_bf16_gqa_causal
// and Integration/GPU/Inputs/attn_gpu_decode_bf16. Goldens of @main,
// @residual and @greedy: ../../gen/gen_gpu_host.py.
module {
  seq.parameter @norm "norm.weight" : tensor<64xbf16>
  seq.parameter @gate "mlp.gate_proj.weight" : tensor<128x64xbf16>
  seq.parameter @up "mlp.up_proj.weight" : tensor<128x64xbf16>
  seq.parameter @down "mlp.down_proj.weight" : tensor<64x128xbf16>
  func.func @main(%x: tensor<2x8x64xbf16>) -> tensor<2x8x64xbf16> {
    %wn = seq.get_parameter @norm : tensor<64xbf16>
    %wg = seq.get_parameter @gate : tensor<128x64xbf16>
    %wu = seq.get_parameter @up : tensor<128x64xbf16>
    %wd = seq.get_parameter @down : tensor<64x128xbf16>
    %h = seq.rms_norm %x, %wn {epsilon = 1.0e-05 : f32}
        : tensor<2x8x64xbf16>, tensor<64xbf16>
    %g = seq.linear %h, %wg : tensor<2x8x64xbf16>, tensor<128x64xbf16> -> tensor<2x8x128xbf16>
    %u = seq.linear %h, %wu : tensor<2x8x64xbf16>, tensor<128x64xbf16> -> tensor<2x8x128xbf16>
    %s = seq.swiglu %g, %u : tensor<2x8x128xbf16>
    %d = seq.linear %s, %wd : tensor<2x8x128xbf16>, tensor<64x128xbf16> -> tensor<2x8x64xbf16>
    return %d : tensor<2x8x64xbf16>
  }
  func.func @residual(%x: tensor<4x48xf32>, %w: tensor<48x48xf32>) -> tensor<4x48xf32> {
    %p = seq.linear %x, %w : tensor<4x48xf32>, tensor<48x48xf32> -> tensor<4x48xf32>
    %y = arith.addf %x, %p : tensor<4x48xf32>
    return %y : tensor<4x48xf32>
  }
  func.func @layer_norm(%x: tensor<3x7x48xf32>, %w: tensor<48xf32>, %b: tensor<48xf32>)
      -> tensor<3x7x48xf32> {
    %y = seq.layer_norm %x, %w bias(%b : tensor<48xf32>) {epsilon = 1.0e-05 : f32}
        : tensor<3x7x48xf32>, tensor<48xf32>
    return %y : tensor<3x7x48xf32>
  }
  func.func @rope(%x: tensor<2x4x6x32xf32>, %pos: tensor<2x6xi32>) -> tensor<2x4x6x32xf32> {
    %y = seq.rope %x, %pos {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
        : tensor<2x4x6x32xf32>, tensor<2x6xi32>
    return %y : tensor<2x4x6x32xf32>
  }
  func.func @greedy(%logits: tensor<3x1000xf32>) -> tensor<3xi32> {
    %c0 = arith.constant 0 : i64
    %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>}
        : tensor<3x1000xf32> -> tensor<3xi32>
    return %t : tensor<3xi32>
  }
  func.func @prefill(%q: tensor<1x4x32x64xbf16>, %k: tensor<1x2x32x64xbf16>,
                     %v: tensor<1x2x32x64xbf16>) -> tensor<1x4x32x64xbf16> {
    %o = seq.attention %q, %k, %v causal
        : tensor<1x4x32x64xbf16>, tensor<1x2x32x64xbf16>, tensor<1x2x32x64xbf16>
        -> tensor<1x4x32x64xbf16>
    return %o : tensor<1x4x32x64xbf16>
  }
  func.func @decode(%q: tensor<1x8x2x32xbf16>, %k: tensor<1x2x520x32xbf16>,
                    %v: tensor<1x2x520x32xbf16>) -> tensor<1x8x2x32xbf16> {
    %o = seq.attention %q, %k, %v causal
        : tensor<1x8x2x32xbf16>, tensor<1x2x520x32xbf16>,
          tensor<1x2x520x32xbf16> -> tensor<1x8x2x32xbf16>
    return %o : tensor<1x8x2x32xbf16>
  }
}
