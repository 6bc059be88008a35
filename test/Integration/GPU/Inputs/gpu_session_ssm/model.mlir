// The GPU session test model of recurrent state (test/Tools/seqrun/
// gpu-session-ssm.test, gpu-session-ssm-emulated.test): the prefill and
// decode entries of a one-layer Mamba-style selective-SSM language model
// whose only state is the scan's [1, D, N] state, lent in place
// (`seq.inplace`, `seq.recurrent`): the embedding, the x / dt / B / C
// projections, the Mamba-1 selective scan (softplus(dt + dt_bias),
// A = -exp(A_log), d_state 16, y = sum_n h C) from the session's state,
// its final state written over that state, then the LM head over the last
// row. The decode entry runs seq.scan_step on one token. No short
// convolution: its kernel writes its final state into a new buffer (see
// docs/design/GPU.md, "Sessions on a GPU"). f32 throughout. Goldens:
// ../../gen/gen_gpu_session_ssm.py (NumPy float64).
module {
  seq.parameter @embed "embed.weight" : tensor<48x32xf32>
  seq.parameter @wx "x_proj.weight" : tensor<32x32xf32>
  seq.parameter @wdt "dt_proj.weight" : tensor<32x32xf32>
  seq.parameter @wb "B_proj.weight" : tensor<16x32xf32>
  seq.parameter @wc "C_proj.weight" : tensor<16x32xf32>
  seq.parameter @dt_bias "dt_bias" : tensor<32xf32>
  seq.parameter @A_log "A_log" : tensor<32x16xf32>
  seq.parameter @head "lm_head.weight" : tensor<48x32xf32>
  func.func @prefill(%tokens: tensor<1x5xi32>, %pos: tensor<1xi32>,
                     %h: tensor<1x32x16xf32> {seq.inplace = 1 : i64, seq.recurrent})
      -> (tensor<1x48xf32>, tensor<1x32x16xf32>) {
    %t = seq.get_parameter @embed : tensor<48x32xf32>
    %wx = seq.get_parameter @wx : tensor<32x32xf32>
    %wdt = seq.get_parameter @wdt : tensor<32x32xf32>
    %wb = seq.get_parameter @wb : tensor<16x32xf32>
    %wc = seq.get_parameter @wc : tensor<16x32xf32>
    %dt_bias = seq.get_parameter @dt_bias : tensor<32xf32>
    %A_log = seq.get_parameter @A_log : tensor<32x16xf32>
    %wh = seq.get_parameter @head : tensor<48x32xf32>
    %emb = seq.embedding %t, %tokens : tensor<48x32xf32>, tensor<1x5xi32> -> tensor<1x5x32xf32>
    %x = seq.linear %emb, %wx : tensor<1x5x32xf32>, tensor<32x32xf32> -> tensor<1x5x32xf32>
    %dt = seq.linear %emb, %wdt : tensor<1x5x32xf32>, tensor<32x32xf32> -> tensor<1x5x32xf32>
    %B = seq.linear %emb, %wb : tensor<1x5x32xf32>, tensor<16x32xf32> -> tensor<1x5x16xf32>
    %C = seq.linear %emb, %wc : tensor<1x5x32xf32>, tensor<16x32xf32> -> tensor<1x5x16xf32>
    %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
          : tensor<1x5x32xf32>, tensor<32xf32>, tensor<1x5x32xf32>,
            tensor<32x16xf32>, tensor<1x5x16xf32>, tensor<1x5x16xf32>)
        init(%h : tensor<1x32x16xf32>)
        maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
                affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
                affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
        reduce = [3]
        step {
        ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
          %dtb = arith.addf %dtv, %dbv : f32
          %e = math.exp %dtb : f32
          %sp = math.log1p %e : f32
          %ea = math.exp %alv : f32
          %a = arith.negf %ea : f32
          %da = arith.mulf %sp, %a : f32
          %decay = math.exp %da : f32
          %bx = arith.mulf %bv, %xv : f32
          %in = arith.mulf %sp, %bx : f32
          seq.yield %decay, %in : f32, f32
        } readout {
        ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
          %r = arith.mulf %hv, %cv : f32
          seq.yield %r : f32
        } -> tensor<1x5x32xf32>, tensor<1x32x16xf32>
    %rows = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x5x32xf32> into tensor<5x32xf32>
    %last = tensor.extract_slice %rows[4, 0] [1, 32] [1, 1] : tensor<5x32xf32> to tensor<1x32xf32>
    %logits = seq.linear %last, %wh : tensor<1x32xf32>, tensor<48x32xf32> -> tensor<1x48xf32>
    return %logits, %hT : tensor<1x48xf32>, tensor<1x32x16xf32>
  }
  func.func @decode(%tokens: tensor<1x1xi32>, %pos: tensor<1xi32>,
                    %h: tensor<1x32x16xf32> {seq.inplace = 1 : i64, seq.recurrent})
      -> (tensor<1x48xf32>, tensor<1x32x16xf32>) {
    %t = seq.get_parameter @embed : tensor<48x32xf32>
    %wx = seq.get_parameter @wx : tensor<32x32xf32>
    %wdt = seq.get_parameter @wdt : tensor<32x32xf32>
    %wb = seq.get_parameter @wb : tensor<16x32xf32>
    %wc = seq.get_parameter @wc : tensor<16x32xf32>
    %dt_bias = seq.get_parameter @dt_bias : tensor<32xf32>
    %A_log = seq.get_parameter @A_log : tensor<32x16xf32>
    %wh = seq.get_parameter @head : tensor<48x32xf32>
    %emb = seq.embedding %t, %tokens : tensor<48x32xf32>, tensor<1x1xi32> -> tensor<1x1x32xf32>
    %x = seq.linear %emb, %wx : tensor<1x1x32xf32>, tensor<32x32xf32> -> tensor<1x1x32xf32>
    %dt = seq.linear %emb, %wdt : tensor<1x1x32xf32>, tensor<32x32xf32> -> tensor<1x1x32xf32>
    %B = seq.linear %emb, %wb : tensor<1x1x32xf32>, tensor<16x32xf32> -> tensor<1x1x16xf32>
    %C = seq.linear %emb, %wc : tensor<1x1x32xf32>, tensor<16x32xf32> -> tensor<1x1x16xf32>
    %x2 = tensor.collapse_shape %x [[0], [1, 2]] : tensor<1x1x32xf32> into tensor<1x32xf32>
    %dt2 = tensor.collapse_shape %dt [[0], [1, 2]] : tensor<1x1x32xf32> into tensor<1x32xf32>
    %B2 = tensor.collapse_shape %B [[0], [1, 2]] : tensor<1x1x16xf32> into tensor<1x16xf32>
    %C2 = tensor.collapse_shape %C [[0], [1, 2]] : tensor<1x1x16xf32> into tensor<1x16xf32>
    %y, %h1 = seq.scan_step ins(%dt2, %dt_bias, %x2, %A_log, %B2, %C2
          : tensor<1x32xf32>, tensor<32xf32>, tensor<1x32xf32>,
            tensor<32x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>)
        init(%h : tensor<1x32x16xf32>)
        maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d)>,
                affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d, n)>,
                affine_map<(b, d, n) -> (b, n)>, affine_map<(b, d, n) -> (b, n)>]
        reduce = [2]
        step {
        ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
          %dtb = arith.addf %dtv, %dbv : f32
          %e = math.exp %dtb : f32
          %sp = math.log1p %e : f32
          %ea = math.exp %alv : f32
          %a = arith.negf %ea : f32
          %da = arith.mulf %sp, %a : f32
          %decay = math.exp %da : f32
          %bx = arith.mulf %bv, %xv : f32
          %in = arith.mulf %sp, %bx : f32
          seq.yield %decay, %in : f32, f32
        } readout {
        ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
          %r = arith.mulf %hv, %cv : f32
          seq.yield %r : f32
        } -> tensor<1x32xf32>, tensor<1x32x16xf32>
    %logits = seq.linear %y, %wh : tensor<1x32xf32>, tensor<48x32xf32> -> tensor<1x48xf32>
    return %logits, %h1 : tensor<1x48xf32>, tensor<1x32x16xf32>
  }
}
