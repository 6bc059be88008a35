// A tiny hybrid decoder in seq IR: what the seq dialect composes into.
//
//   layer 0: RMSNorm -> GQA attention (4 query / 2 KV heads, RoPE, KV cache)
//            -> residual -> RMSNorm -> MoE (4 experts, softmax top-2, SwiGLU)
//            -> residual
//   layer 1: RMSNorm -> Mamba-style selective SSM block (in_proj, SiLU,
//            x_proj/dt_proj, selective scan with D skip and z gate,
//            out_proj) -> residual
//   final RMSNorm -> lm_head
//
// @forward runs the model over S new tokens (S dynamic) given the carried
// state (layer-0 K/V caches, layer-1 SSM state). @generate prefills the
// prompt with it, samples the first token, then runs seq.decode_loop whose
// body is the same @forward with S = 1.
//
// Sizes: vocab 64, d_model 32, head_dim 8, KV capacity 64, d_inner 32,
// d_state 4, dt_rank 4. The short causal conv of Mamba is left out.

module {
  seq.parameter @embed "model.embed_tokens.weight" : tensor<64x32xf32>
  seq.parameter @l0_attn_norm "model.layers.0.input_layernorm.weight" : tensor<32xf32>
  seq.parameter @l0_wq "model.layers.0.self_attn.q_proj.weight" : tensor<32x32xf32>
  seq.parameter @l0_wk "model.layers.0.self_attn.k_proj.weight" : tensor<16x32xf32>
  seq.parameter @l0_wv "model.layers.0.self_attn.v_proj.weight" : tensor<16x32xf32>
  seq.parameter @l0_wo "model.layers.0.self_attn.o_proj.weight" : tensor<32x32xf32>
  seq.parameter @l0_moe_norm "model.layers.0.post_attention_layernorm.weight" : tensor<32xf32>
  seq.parameter @l0_router "model.layers.0.block_sparse_moe.gate.weight" : tensor<4x32xf32>
  seq.parameter @l0_w_gate "model.layers.0.block_sparse_moe.experts.w1" : tensor<4x32x32xf32>
  seq.parameter @l0_w_up "model.layers.0.block_sparse_moe.experts.w3" : tensor<4x32x32xf32>
  seq.parameter @l0_w_down "model.layers.0.block_sparse_moe.experts.w2" : tensor<4x32x32xf32>
  seq.parameter @l1_norm "model.layers.1.norm.weight" : tensor<32xf32>
  seq.parameter @l1_in_proj "model.layers.1.mixer.in_proj.weight" : tensor<64x32xf32>
  seq.parameter @l1_x_proj "model.layers.1.mixer.x_proj.weight" : tensor<12x32xf32>
  seq.parameter @l1_dt_proj "model.layers.1.mixer.dt_proj.weight" : tensor<32x4xf32>
  seq.parameter @l1_dt_bias "model.layers.1.mixer.dt_proj.bias" : tensor<32xf32>
  seq.parameter @l1_A_log "model.layers.1.mixer.A_log" : tensor<32x4xf32>
  seq.parameter @l1_D "model.layers.1.mixer.D" : tensor<32xf32>
  seq.parameter @l1_out_proj "model.layers.1.mixer.out_proj.weight" : tensor<32x32xf32>
  seq.parameter @final_norm "model.norm.weight" : tensor<32xf32>
  seq.parameter @lm_head "lm_head.weight" : tensor<64x32xf32>

  // The model over S new tokens at `positions`, reading and updating state.
  func.func private @forward(%tokens: tensor<1x?xi32>, %positions: tensor<1x?xi32>,
                             %k_cache: tensor<1x2x64x8xf32>, %v_cache: tensor<1x2x64x8xf32>,
                             %ssm: tensor<1x32x4xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>) {
    %c1 = arith.constant 1 : index
    %S = tensor.dim %tokens, %c1 : tensor<1x?xi32>
    %embed = seq.get_parameter @embed : tensor<64x32xf32>
    %x0 = seq.embedding %embed, %tokens : tensor<64x32xf32>, tensor<1x?xi32> -> tensor<1x?x32xf32>

    // ---- layer 0: grouped-query attention over the KV cache ----
    %an = seq.get_parameter @l0_attn_norm : tensor<32xf32>
    %xa = seq.rms_norm %x0, %an {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wq = seq.get_parameter @l0_wq : tensor<32x32xf32>
    %wk = seq.get_parameter @l0_wk : tensor<16x32xf32>
    %wv = seq.get_parameter @l0_wv : tensor<16x32xf32>
    %q = seq.linear %xa, %wq : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %k = seq.linear %xa, %wk : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %v = seq.linear %xa, %wv : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, %S, 4, 8] : tensor<1x?x32xf32> into tensor<1x?x4x8xf32>
    %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %qe = tensor.empty(%S) : tensor<1x4x?x8xf32>
    %ke = tensor.empty(%S) : tensor<1x2x?x8xf32>
    %qt = linalg.transpose ins(%q4 : tensor<1x?x4x8xf32>) outs(%qe : tensor<1x4x?x8xf32>) permutation = [0, 2, 1, 3]
    %kt = linalg.transpose ins(%k4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %vt = linalg.transpose ins(%v4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %qr = seq.rope %qt, %positions {theta = 10000.0 : f32} : tensor<1x4x?x8xf32>, tensor<1x?xi32>
    %kr = seq.rope %kt, %positions {theta = 10000.0 : f32} : tensor<1x2x?x8xf32>, tensor<1x?xi32>
    %start = tensor.extract_slice %positions[0, 0] [1, 1] [1, 1] : tensor<1x?xi32> to tensor<1xi32>
    %k_cache2 = seq.cache_write %k_cache, %kr at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %v_cache2 = seq.cache_write %v_cache, %vt at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %S_i32 = arith.index_cast %S : index to i32
    %S_t = tensor.from_elements %S_i32 : tensor<1xi32>
    %kv_len = arith.addi %start, %S_t : tensor<1xi32>
    %att = seq.attention %qr, %k_cache2, %v_cache2 kv_lengths(%kv_len : tensor<1xi32>) causal
        : tensor<1x4x?x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> -> tensor<1x4x?x8xf32>
    %ae = tensor.empty(%S) : tensor<1x?x4x8xf32>
    %att_t = linalg.transpose ins(%att : tensor<1x4x?x8xf32>) outs(%ae : tensor<1x?x4x8xf32>) permutation = [0, 2, 1, 3]
    %att_m = tensor.collapse_shape %att_t [[0], [1], [2, 3]] : tensor<1x?x4x8xf32> into tensor<1x?x32xf32>
    %wo = seq.get_parameter @l0_wo : tensor<32x32xf32>
    %attn_out = seq.linear %att_m, %wo : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %x1 = arith.addf %x0, %attn_out : tensor<1x?x32xf32>

    // ---- layer 0: mixture of experts, each expert only on its tokens ----
    %mn = seq.get_parameter @l0_moe_norm : tensor<32xf32>
    %xm = seq.rms_norm %x1, %mn {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %flat = tensor.collapse_shape %xm [[0, 1], [2]] : tensor<1x?x32xf32> into tensor<?x32xf32>
    %wr = seq.get_parameter @l0_router : tensor<4x32xf32>
    %router_logits = seq.linear %flat, %wr : tensor<?x32xf32>, tensor<4x32xf32> -> tensor<?x4xf32>
    %route_w, %route_e = seq.moe_route %router_logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
        : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
    %perm, %offsets = seq.moe_dispatch %route_e {num_experts = 4 : i64} : tensor<?x2xi32> -> tensor<?xi32>, tensor<5xi32>
    %wg = seq.get_parameter @l0_w_gate : tensor<4x32x32xf32>
    %wu = seq.get_parameter @l0_w_up : tensor<4x32x32xf32>
    %wd = seq.get_parameter @l0_w_down : tensor<4x32x32xf32>
    %moe = seq.moe_experts %flat, %route_w, %perm, %offsets gate(%wg : tensor<4x32x32xf32>)
        up(%wu : tensor<4x32x32xf32>) down(%wd : tensor<4x32x32xf32>) {activation = #seq.ffn_activation<swiglu>}
        : tensor<?x32xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<5xi32> -> tensor<?x32xf32>
    %moe3 = tensor.expand_shape %moe [[0, 1], [2]] output_shape [1, %S, 32] : tensor<?x32xf32> into tensor<1x?x32xf32>
    %x2 = arith.addf %x1, %moe3 : tensor<1x?x32xf32>

    // ---- layer 1: Mamba-style selective SSM ----
    %ln = seq.get_parameter @l1_norm : tensor<32xf32>
    %xs0 = seq.rms_norm %x2, %ln {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %w_in = seq.get_parameter @l1_in_proj : tensor<64x32xf32>
    %xz = seq.linear %xs0, %w_in : tensor<1x?x32xf32>, tensor<64x32xf32> -> tensor<1x?x64xf32>
    %xin = tensor.extract_slice %xz[0, 0, 0] [1, %S, 32] [1, 1, 1] : tensor<1x?x64xf32> to tensor<1x?x32xf32>
    %z = tensor.extract_slice %xz[0, 0, 32] [1, %S, 32] [1, 1, 1] : tensor<1x?x64xf32> to tensor<1x?x32xf32>
    %se = tensor.empty(%S) : tensor<1x?x32xf32>
    %u = linalg.generic {indexing_maps = [affine_map<(b, s, d) -> (b, s, d)>, affine_map<(b, s, d) -> (b, s, d)>],
                         iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%xin : tensor<1x?x32xf32>) outs(%se : tensor<1x?x32xf32>) {
    ^bb0(%a: f32, %out: f32):
      %one = arith.constant 1.0 : f32
      %na = arith.negf %a : f32
      %e = math.exp %na : f32
      %den = arith.addf %one, %e : f32
      %silu = arith.divf %a, %den : f32
      linalg.yield %silu : f32
    } -> tensor<1x?x32xf32>
    %w_x = seq.get_parameter @l1_x_proj : tensor<12x32xf32>
    %dbc = seq.linear %u, %w_x : tensor<1x?x32xf32>, tensor<12x32xf32> -> tensor<1x?x12xf32>
    %dt_low = tensor.extract_slice %dbc[0, 0, 0] [1, %S, 4] [1, 1, 1] : tensor<1x?x12xf32> to tensor<1x?x4xf32>
    %Bm = tensor.extract_slice %dbc[0, 0, 4] [1, %S, 4] [1, 1, 1] : tensor<1x?x12xf32> to tensor<1x?x4xf32>
    %Cm = tensor.extract_slice %dbc[0, 0, 8] [1, %S, 4] [1, 1, 1] : tensor<1x?x12xf32> to tensor<1x?x4xf32>
    %w_dt = seq.get_parameter @l1_dt_proj : tensor<32x4xf32>
    %b_dt = seq.get_parameter @l1_dt_bias : tensor<32xf32>
    %dt = seq.linear %dt_low, %w_dt bias(%b_dt : tensor<32xf32>) : tensor<1x?x4xf32>, tensor<32x4xf32> -> tensor<1x?x32xf32>
    %A_log = seq.get_parameter @l1_A_log : tensor<32x4xf32>
    %A_exp = math.exp %A_log : tensor<32x4xf32>
    %A = arith.negf %A_exp : tensor<32x4xf32>
    // h[t] = exp(softplus(dt) * A) * h[t-1] + softplus(dt) * B[t] * u[t];
    // y[t] = sum_n h[t] * C[t]
    %y, %ssm2 = seq.scan ins(%dt, %u, %A, %Bm, %Cm
          : tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>)
        init(%ssm : tensor<1x32x4xf32>)
        maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (b, t, d)>,
                affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t, n)>,
                affine_map<(b, t, d, n) -> (b, t, n)>]
        reduce = [3]
        step {
        ^bb0(%dtv: f32, %uv: f32, %av: f32, %bv: f32, %cv: f32):
          %e = math.exp %dtv : f32
          %sp = math.log1p %e : f32
          %da = arith.mulf %sp, %av : f32
          %decay = math.exp %da : f32
          %bu = arith.mulf %bv, %uv : f32
          %in = arith.mulf %sp, %bu : f32
          seq.yield %decay, %in : f32, f32
        } readout {
        ^bb0(%h: f32, %dtv: f32, %uv: f32, %av: f32, %bv: f32, %cv: f32):
          %r = arith.mulf %h, %cv : f32
          seq.yield %r : f32
        } -> tensor<1x?x32xf32>, tensor<1x32x4xf32>
    // D skip connection and z gate: (y + D * u) * silu(z)
    %Dp = seq.get_parameter @l1_D : tensor<32xf32>
    %gated = linalg.generic {indexing_maps = [affine_map<(b, s, d) -> (b, s, d)>, affine_map<(b, s, d) -> (b, s, d)>,
                                              affine_map<(b, s, d) -> (b, s, d)>, affine_map<(b, s, d) -> (d)>,
                                              affine_map<(b, s, d) -> (b, s, d)>],
                             iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%y, %u, %z, %Dp : tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32xf32>)
        outs(%se : tensor<1x?x32xf32>) {
    ^bb0(%yv: f32, %uv: f32, %zv: f32, %dv: f32, %out: f32):
      %one = arith.constant 1.0 : f32
      %du = arith.mulf %dv, %uv : f32
      %yd = arith.addf %yv, %du : f32
      %nz = arith.negf %zv : f32
      %ez = math.exp %nz : f32
      %den = arith.addf %one, %ez : f32
      %sz = arith.divf %zv, %den : f32
      %g = arith.mulf %yd, %sz : f32
      linalg.yield %g : f32
    } -> tensor<1x?x32xf32>
    %w_out = seq.get_parameter @l1_out_proj : tensor<32x32xf32>
    %mamba_out = seq.linear %gated, %w_out : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %x3 = arith.addf %x2, %mamba_out : tensor<1x?x32xf32>

    // ---- head ----
    %fn = seq.get_parameter @final_norm : tensor<32xf32>
    %xf = seq.rms_norm %x3, %fn {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wh = seq.get_parameter @lm_head : tensor<64x32xf32>
    %logits = seq.linear %xf, %wh : tensor<1x?x32xf32>, tensor<64x32xf32> -> tensor<1x?x64xf32>
    return %logits, %k_cache2, %v_cache2, %ssm2
        : tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>
  }

  // Prefill an 8-token prompt, then greedily generate up to 16 tokens
  // (stopping at EOS id 1). Returns the first token followed by the loop's
  // tokens, and how many the loop generated.
  func.func @generate(%prompt: tensor<1x8xi32>, %seed: i64) -> (tensor<1x17xi32>, tensor<1xi32>) {
    %k0 = arith.constant dense<0.0> : tensor<1x2x64x8xf32>
    %h0 = arith.constant dense<0.0> : tensor<1x32x4xf32>
    %pos = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi32>
    %prompt_d = tensor.cast %prompt : tensor<1x8xi32> to tensor<1x?xi32>
    %pos_d = tensor.cast %pos : tensor<1x8xi32> to tensor<1x?xi32>
    %logits, %kc, %vc, %h = func.call @forward(%prompt_d, %pos_d, %k0, %k0, %h0)
        : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>)
        -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>)
    %last = tensor.extract_slice %logits[0, 7, 0] [1, 1, 64] [1, 1, 1] : tensor<1x?x64xf32> to tensor<1x64xf32>
    %c0 = arith.constant 0 : i64
    %first = seq.sample %last seed(%seed) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x64xf32> -> tensor<1xi32>
    %start = arith.constant dense<8> : tensor<1xi32>
    %tokens, %count, %kf, %vf, %hf = seq.decode_loop first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>)
        seed(%seed) init(%kc, %vc, %h : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>)
        {max_new_tokens = 16 : i64, eos_token_ids = array<i64: 1>, sampling = #seq.sampling<>}
        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32> {
    ^bb0(%tok: tensor<1x1xi32>, %p: tensor<1x1xi32>, %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>, %s: tensor<1x32x4xf32>):
      %tok_d = tensor.cast %tok : tensor<1x1xi32> to tensor<1x?xi32>
      %p_d = tensor.cast %p : tensor<1x1xi32> to tensor<1x?xi32>
      %l, %k2, %v2, %s2 = func.call @forward(%tok_d, %p_d, %k, %v, %s)
          : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>)
          -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>)
      %l1 = tensor.cast %l : tensor<1x?x64xf32> to tensor<1x1x64xf32>
      seq.yield %l1, %k2, %v2, %s2 : tensor<1x1x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x32x4xf32>
    }
    %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
    %all = tensor.concat dim(1) %first2, %tokens : (tensor<1x1xi32>, tensor<1x16xi32>) -> tensor<1x17xi32>
    return %all, %count : tensor<1x17xi32>, tensor<1xi32>
  }
}
