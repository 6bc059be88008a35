// The GPU session test model (test/Tools/seqrun/gpu-session.test): the
// prefill and decode entries a seqrt session runs, made only of ops with
// GPU kernels, on two bf16 KV caches the session lends in place
// (`seq.inplace`). One attention head (D = 64) so that [1, S, 64] -> [1, 1,
// S, 64] is a reshape (a GPU transpose kernel does not exist yet): the
// embedding, the Q/K/V projections, NeoX RoPE at positions pos + i (a
// position buffer the runtime fills from the position input), the cache
// writes at pos, causal attention over the cache's pos + S valid keys (a
// position buffer again), then the LM head over the last row (a view of
// the attention output at an offset in prefill). Goldens:
// ../../gen/gen_gpu_session.py (PyTorch, bf16 rounding where the kernels
// round).
module {
  seq.parameter @embed "embed.weight" : tensor<96x64xbf16>
  seq.parameter @wq "q_proj.weight" : tensor<64x64xbf16>
  seq.parameter @wk "k_proj.weight" : tensor<64x64xbf16>
  seq.parameter @wv "v_proj.weight" : tensor<64x64xbf16>
  seq.parameter @head "lm_head.weight" : tensor<96x64xbf16>
  func.func @prefill(%tokens: tensor<1x5xi32>, %pos: tensor<1xi32>,
                     %kc: tensor<1x1x32x64xbf16> {seq.inplace = 1 : i64},
                     %vc: tensor<1x1x32x64xbf16> {seq.inplace = 2 : i64})
      -> (tensor<1x96xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>) {
    %t = seq.get_parameter @embed : tensor<96x64xbf16>
    %wq = seq.get_parameter @wq : tensor<64x64xbf16>
    %wk = seq.get_parameter @wk : tensor<64x64xbf16>
    %wv = seq.get_parameter @wv : tensor<64x64xbf16>
    %wh = seq.get_parameter @head : tensor<96x64xbf16>
    %h = seq.embedding %t, %tokens : tensor<96x64xbf16>, tensor<1x5xi32> -> tensor<1x5x64xbf16>
    %q = seq.linear %h, %wq : tensor<1x5x64xbf16>, tensor<64x64xbf16> -> tensor<1x5x64xbf16>
    %k = seq.linear %h, %wk : tensor<1x5x64xbf16>, tensor<64x64xbf16> -> tensor<1x5x64xbf16>
    %v = seq.linear %h, %wv : tensor<1x5x64xbf16>, tensor<64x64xbf16> -> tensor<1x5x64xbf16>
    %q4 = tensor.expand_shape %q [[0, 1], [2], [3]] output_shape [1, 1, 5, 64]
        : tensor<1x5x64xbf16> into tensor<1x1x5x64xbf16>
    %k4 = tensor.expand_shape %k [[0, 1], [2], [3]] output_shape [1, 1, 5, 64]
        : tensor<1x5x64xbf16> into tensor<1x1x5x64xbf16>
    %v4 = tensor.expand_shape %v [[0, 1], [2], [3]] output_shape [1, 1, 5, 64]
        : tensor<1x5x64xbf16> into tensor<1x1x5x64xbf16>
    %c0 = arith.constant 0 : index
    %p0 = tensor.extract %pos[%c0] : tensor<1xi32>
    %ps = tensor.splat %p0 : tensor<1x5xi32>
    %iota = arith.constant dense<[[0, 1, 2, 3, 4]]> : tensor<1x5xi32>
    %positions = arith.addi %ps, %iota : tensor<1x5xi32>
    %qr = seq.rope %q4, %positions {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
        : tensor<1x1x5x64xbf16>, tensor<1x5xi32>
    %kr = seq.rope %k4, %positions {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
        : tensor<1x1x5x64xbf16>, tensor<1x5xi32>
    %kc2 = seq.cache_write %kc, %kr at %pos
        : tensor<1x1x32x64xbf16>, tensor<1x1x5x64xbf16>, tensor<1xi32>
    %vc2 = seq.cache_write %vc, %v4 at %pos
        : tensor<1x1x32x64xbf16>, tensor<1x1x5x64xbf16>, tensor<1xi32>
    %cs = arith.constant dense<5> : tensor<1xi32>
    %len = arith.addi %pos, %cs : tensor<1xi32>
    %o = seq.attention %qr, %kc2, %vc2 kv_lengths(%len : tensor<1xi32>) causal
        : tensor<1x1x5x64xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>
        -> tensor<1x1x5x64xbf16>
    %rows = tensor.collapse_shape %o [[0, 1, 2], [3]] : tensor<1x1x5x64xbf16> into tensor<5x64xbf16>
    %last = tensor.extract_slice %rows[4, 0] [1, 64] [1, 1] : tensor<5x64xbf16> to tensor<1x64xbf16>
    %logits = seq.linear %last, %wh : tensor<1x64xbf16>, tensor<96x64xbf16> -> tensor<1x96xbf16>
    return %logits, %kc2, %vc2 : tensor<1x96xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>
  }
  func.func @decode(%tokens: tensor<1x1xi32>, %pos: tensor<1xi32>,
                    %kc: tensor<1x1x32x64xbf16> {seq.inplace = 1 : i64},
                    %vc: tensor<1x1x32x64xbf16> {seq.inplace = 2 : i64})
      -> (tensor<1x96xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>) {
    %t = seq.get_parameter @embed : tensor<96x64xbf16>
    %wq = seq.get_parameter @wq : tensor<64x64xbf16>
    %wk = seq.get_parameter @wk : tensor<64x64xbf16>
    %wv = seq.get_parameter @wv : tensor<64x64xbf16>
    %wh = seq.get_parameter @head : tensor<96x64xbf16>
    %h = seq.embedding %t, %tokens : tensor<96x64xbf16>, tensor<1x1xi32> -> tensor<1x1x64xbf16>
    %q = seq.linear %h, %wq : tensor<1x1x64xbf16>, tensor<64x64xbf16> -> tensor<1x1x64xbf16>
    %k = seq.linear %h, %wk : tensor<1x1x64xbf16>, tensor<64x64xbf16> -> tensor<1x1x64xbf16>
    %v = seq.linear %h, %wv : tensor<1x1x64xbf16>, tensor<64x64xbf16> -> tensor<1x1x64xbf16>
    %q4 = tensor.expand_shape %q [[0, 1], [2], [3]] output_shape [1, 1, 1, 64]
        : tensor<1x1x64xbf16> into tensor<1x1x1x64xbf16>
    %k4 = tensor.expand_shape %k [[0, 1], [2], [3]] output_shape [1, 1, 1, 64]
        : tensor<1x1x64xbf16> into tensor<1x1x1x64xbf16>
    %v4 = tensor.expand_shape %v [[0, 1], [2], [3]] output_shape [1, 1, 1, 64]
        : tensor<1x1x64xbf16> into tensor<1x1x1x64xbf16>
    %c0 = arith.constant 0 : index
    %p0 = tensor.extract %pos[%c0] : tensor<1xi32>
    %ps = tensor.splat %p0 : tensor<1x1xi32>
    %zero = arith.constant dense<0> : tensor<1x1xi32>
    %positions = arith.addi %ps, %zero : tensor<1x1xi32>
    %qr = seq.rope %q4, %positions {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
        : tensor<1x1x1x64xbf16>, tensor<1x1xi32>
    %kr = seq.rope %k4, %positions {theta = 10000.0 : f32, style = #seq.rope_style<neox>}
        : tensor<1x1x1x64xbf16>, tensor<1x1xi32>
    %kc2 = seq.cache_write %kc, %kr at %pos
        : tensor<1x1x32x64xbf16>, tensor<1x1x1x64xbf16>, tensor<1xi32>
    %vc2 = seq.cache_write %vc, %v4 at %pos
        : tensor<1x1x32x64xbf16>, tensor<1x1x1x64xbf16>, tensor<1xi32>
    %cs = arith.constant dense<1> : tensor<1xi32>
    %len = arith.addi %pos, %cs : tensor<1xi32>
    %o = seq.attention %qr, %kc2, %vc2 kv_lengths(%len : tensor<1xi32>) causal
        : tensor<1x1x1x64xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>
        -> tensor<1x1x1x64xbf16>
    %row = tensor.collapse_shape %o [[0, 1, 2], [3]] : tensor<1x1x1x64xbf16> into tensor<1x64xbf16>
    %logits = seq.linear %row, %wh : tensor<1x64xbf16>, tensor<96x64xbf16> -> tensor<1x96xbf16>
    return %logits, %kc2, %vc2 : tensor<1x96xbf16>, tensor<1x1x32x64xbf16>, tensor<1x1x32x64xbf16>
  }
}
