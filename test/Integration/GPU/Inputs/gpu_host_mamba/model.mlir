// The GPU host-side test model of the scan, convolution and MoE kernels
// (test/Tools/seqrun/gpu-host-ssm-moe.test, scripts/gpu-check-prepare.sh):
// @mamba is a Mamba-1 block's prefill (the short causal convolution with
// bias and SiLU from a zero state, feeding the selective scan with
// softplus(dt + dt_bias) and A = -exp(A_log) from a given state), @step its
// decode step (the convolution's decode form from the prefill's state, the
// scan_step from the prefill's scan state), the convolution and scan
// parameters bound from weights.safetensors; goldens from
// ../../gen/gen_gpu_host_mamba.py (PyTorch). @mixtral is the Mixtral
// sparse MoE block of Integration/CPU/Inputs/moe_mixtral_block (router
// linear, softmax top-2 renormalised, dispatch, SwiGLU experts, combine),
// its weights entry inputs, and @deepseek the DeepSeek-V3 block of
// Integration/CPU/Inputs/moe_deepseek_block (grouped sigmoid routing with
// bias, a shared expert), against those tests' PyTorch goldens.
module {
  seq.parameter @conv_w "conv.weight" : tensor<40x4xf32>
  seq.parameter @conv_b "conv.bias" : tensor<40xf32>
  seq.parameter @dt_bias "dt_bias" : tensor<40xf32>
  seq.parameter @A_log "A_log" : tensor<40x16xf32>
  func.func @mamba(%x: tensor<2x37x40xf32>, %dt: tensor<2x37x40xf32>,
      %B: tensor<2x37x16xf32>, %C: tensor<2x37x16xf32>, %h0: tensor<2x40x16xf32>)
      -> (tensor<2x37x40xf32>, tensor<2x40x16xf32>, tensor<2x3x40xf32>) {
    %w = seq.get_parameter @conv_w : tensor<40x4xf32>
    %b = seq.get_parameter @conv_b : tensor<40xf32>
    %dt_bias = seq.get_parameter @dt_bias : tensor<40xf32>
    %A_log = seq.get_parameter @A_log : tensor<40x16xf32>
    %xc, %cs = seq.causal_conv1d %x, %w bias(%b : tensor<40xf32>) silu
        : tensor<2x37x40xf32>, tensor<40x4xf32> -> tensor<2x37x40xf32>, tensor<2x3x40xf32>
    %y, %hT = seq.scan ins(%dt, %dt_bias, %xc, %A_log, %B, %C
          : tensor<2x37x40xf32>, tensor<40xf32>, tensor<2x37x40xf32>,
            tensor<40x16xf32>, tensor<2x37x16xf32>, tensor<2x37x16xf32>)
        init(%h0 : tensor<2x40x16xf32>)
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
        } -> tensor<2x37x40xf32>, tensor<2x40x16xf32>
    return %y, %hT, %cs : tensor<2x37x40xf32>, tensor<2x40x16xf32>, tensor<2x3x40xf32>
  }
  func.func @step(%x: tensor<2x1x40xf32>, %dt: tensor<2x40xf32>, %B: tensor<2x16xf32>,
      %C: tensor<2x16xf32>, %h: tensor<2x40x16xf32>, %cs: tensor<2x3x40xf32>)
      -> (tensor<2x40xf32>, tensor<2x40x16xf32>, tensor<2x3x40xf32>) {
    %w = seq.get_parameter @conv_w : tensor<40x4xf32>
    %b = seq.get_parameter @conv_b : tensor<40xf32>
    %dt_bias = seq.get_parameter @dt_bias : tensor<40xf32>
    %A_log = seq.get_parameter @A_log : tensor<40x16xf32>
    %xc3, %cs1 = seq.causal_conv1d %x, %w bias(%b : tensor<40xf32>) state(%cs : tensor<2x3x40xf32>) silu
        : tensor<2x1x40xf32>, tensor<40x4xf32> -> tensor<2x1x40xf32>, tensor<2x3x40xf32>
    %xc = tensor.collapse_shape %xc3 [[0], [1, 2]] : tensor<2x1x40xf32> into tensor<2x40xf32>
    %y, %h1 = seq.scan_step ins(%dt, %dt_bias, %xc, %A_log, %B, %C
          : tensor<2x40xf32>, tensor<40xf32>, tensor<2x40xf32>,
            tensor<40x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>)
        init(%h : tensor<2x40x16xf32>)
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
        } -> tensor<2x40xf32>, tensor<2x40x16xf32>
    return %y, %h1, %cs1 : tensor<2x40xf32>, tensor<2x40x16xf32>, tensor<2x3x40xf32>
  }
  func.func @mixtral(%x: tensor<16x32xf32>, %wr: tensor<8x32xf32>, %wg: tensor<8x64x32xf32>,
                     %wu: tensor<8x64x32xf32>, %wd: tensor<8x32x64xf32>) -> tensor<16x32xf32> {
    %logits = seq.linear %x, %wr : tensor<16x32xf32>, tensor<8x32xf32> -> tensor<16x8xf32>
    %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
        : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
    %perm, %off = seq.moe_dispatch %e {num_experts = 8 : i64}
        : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
    %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x64x32xf32>)
        up(%wu : tensor<8x64x32xf32>) down(%wd : tensor<8x32x64xf32>)
        {activation = #seq.ffn_activation<swiglu>}
        : tensor<16x32xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x32xf32>
    return %y : tensor<16x32xf32>
  }
  func.func @deepseek(%x: tensor<12x32xf32>, %wr: tensor<16x32xf32>, %bias: tensor<16xf32>,
                      %wg: tensor<16x16x32xf32>, %wu: tensor<16x16x32xf32>, %wd: tensor<16x32x16xf32>,
                      %sg: tensor<32x32xf32>, %su: tensor<32x32xf32>, %sd: tensor<32x32xf32>)
      -> tensor<12x32xf32> {
    %logits = seq.linear %x, %wr : tensor<12x32xf32>, tensor<16x32xf32> -> tensor<12x16xf32>
    %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>)
        {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
         num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
        : tensor<12x16xf32> -> tensor<12x4xf32>, tensor<12x4xi32>
    %perm, %off = seq.moe_dispatch %e {num_experts = 16 : i64}
        : tensor<12x4xi32> -> tensor<48xi32>, tensor<17xi32>
    %routed = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<16x16x32xf32>)
        up(%wu : tensor<16x16x32xf32>) down(%wd : tensor<16x32x16xf32>)
        {activation = #seq.ffn_activation<swiglu>}
        : tensor<12x32xf32>, tensor<12x4xf32>, tensor<48xi32>, tensor<17xi32> -> tensor<12x32xf32>
    // The dense shared expert, folded into seq.moe_experts by
    // canonicalization (its shared_* operands).
    %g = seq.linear %x, %sg : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
    %u = seq.linear %x, %su : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
    %a = seq.swiglu %g, %u : tensor<12x32xf32>
    %shared = seq.linear %a, %sd : tensor<12x32xf32>, tensor<32x32xf32> -> tensor<12x32xf32>
    %y = arith.addf %routed, %shared : tensor<12x32xf32>
    return %y : tensor<12x32xf32>
  }
}
