// The MoE kernels of the codegen test (moe-codegen.test): routing (softmax
// top-2, and DeepSeek's grouped sigmoid with bias), dispatch (plain and
// with capacity), the bf16 experts on the matrix instruction with shared
// experts, and the f32 experts (FMA path) with bf16 weights.
func.func @route(%logits: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}

func.func @grouped(%logits: tensor<12x16xbf16>, %bias: tensor<16xf32>)
    -> (tensor<12x4xf32>, tensor<12x4xi32>) {
  %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>)
      {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
       num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
      : tensor<12x16xbf16> -> tensor<12x4xf32>, tensor<12x4xi32>
  return %w, %e : tensor<12x4xf32>, tensor<12x4xi32>
}

func.func @dispatch(%experts: tensor<16x2xi32>) -> (tensor<32xi32>, tensor<9xi32>, tensor<32xi32>, tensor<9xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 8 : i64}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  %perm2, %off2 = seq.moe_dispatch %experts {num_experts = 8 : i64, capacity_factor = 1.25 : f32}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  return %perm, %off, %perm2, %off2 : tensor<32xi32>, tensor<9xi32>, tensor<32xi32>, tensor<9xi32>
}

func.func @experts_bf16(%x: tensor<16x64xbf16>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>,
                        %off: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xbf16>,
                        %wd: tensor<8x64x128xbf16>, %sg: tensor<96x64xbf16>,
                        %su: tensor<96x64xbf16>, %sd: tensor<64x96xbf16>) -> tensor<16x64xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xbf16>)
      up(%wu : tensor<8x128x64xbf16>) down(%wd : tensor<8x64x128xbf16>)
      shared_gate(%sg : tensor<96x64xbf16>) shared_up(%su : tensor<96x64xbf16>)
      shared_down(%sd : tensor<64x96xbf16>) {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x64xbf16>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xbf16>
  return %y : tensor<16x64xbf16>
}

func.func @experts_f32(%x: tensor<16x64xf32>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>,
                       %off: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xbf16>,
                       %wd: tensor<8x64x128xbf16>) -> tensor<16x64xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xbf16>)
      up(%wu : tensor<8x128x64xbf16>) down(%wd : tensor<8x64x128xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
