// Tolerance (f32): rtol 1e-4 / atol 1e-5 for the weights, as the CPU tests
// of these goldens; the expert ids are compared exactly (the CPU goldens'
// inputs give every choice a margin of at least 1e-3).
//
// The MoE routing kernel (a warp per token: softmax statistics by shuffles,
// the top-k as K warp argmax rounds over the experts after the previous
// choice), emulated through the CUDA and HIP mappings against the PyTorch
// goldens of the CPU routing tests (Integration/CPU/Inputs/moe_route_*,
// gen/gen_moe.py): Mixtral's softmax top-2 renormalised and not, top-k
// softmax (K = 3), and DeepSeek-V3's sigmoid scores with a selection bias,
// 4 groups of which the 2 best stay eligible, top-4, normalised and scaled.

// DEFINE: %{in} = %S/../CPU/Inputs
// DEFINE: %{norm} = --kernel=moe_route_f32_topk_softmax_k2 \
// DEFINE:   --arg 0=%{in}/moe_route_softmax_norm/logits.npy \
// DEFINE:   --expect 1=%{in}/moe_route_softmax_norm/weights.npy \
// DEFINE:   --expect 2=%{in}/moe_route_softmax_norm/experts.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{unnorm} = --kernel=moe_route_f32_softmax_k2 \
// DEFINE:   --arg 0=%{in}/moe_route_softmax_unnorm/logits.npy \
// DEFINE:   --expect 1=%{in}/moe_route_softmax_unnorm/weights.npy \
// DEFINE:   --expect 2=%{in}/moe_route_softmax_unnorm/experts.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{topk} = --kernel=moe_route_f32_topk_softmax_k3 \
// DEFINE:   --arg 0=%{in}/moe_route_topk_softmax/logits.npy \
// DEFINE:   --expect 1=%{in}/moe_route_topk_softmax/weights.npy \
// DEFINE:   --expect 2=%{in}/moe_route_topk_softmax/experts.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{grouped} = --kernel=moe_route_f32_sigmoid_k4_norm_bias_f32_s40200000_g4_2 \
// DEFINE:   --arg 0=%{in}/moe_route_sigmoid_grouped/logits.npy \
// DEFINE:   --arg 1=%{in}/moe_route_sigmoid_grouped/bias.npy \
// DEFINE:   --expect 2=%{in}/moe_route_sigmoid_grouped/weights.npy \
// DEFINE:   --expect 3=%{in}/moe_route_sigmoid_grouped/experts.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{norm} | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{unnorm} | FileCheck %s --check-prefix=OK2
// RUN: seq-gpu-emu %t.cuda.mlir %{topk} | FileCheck %s --check-prefix=OK3
// RUN: seq-gpu-emu %t.cuda.mlir %{grouped} | FileCheck %s --check-prefix=GROUPED
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{norm} | FileCheck %s --check-prefix=HIP
// RUN: seq-gpu-emu %t.hip.mlir %{unnorm} | FileCheck %s --check-prefix=OK2
// RUN: seq-gpu-emu %t.hip.mlir %{topk} | FileCheck %s --check-prefix=OK3
// RUN: seq-gpu-emu %t.hip.mlir %{grouped} | FileCheck %s --check-prefix=GROUPED

// Softmax top-k renormalised is top-k softmax (the op's canonicalization,
// which seqc applies): the same kernel. 16 tokens, 4 per block (a warp
// each).
// CUDA: emulated moe_route_f32_topk_softmax_k2 on cuda:sm_80: 4 blocks x 128 threads, 0 barriers
// CUDA: output 1: 32 values, max abs error {{.*}}, 0 outside
// CUDA: output 2: 32 values, max abs error 0{{.*}}, 0 outside
// HIP: emulated moe_route_f32_topk_softmax_k2 on hip:gfx942: 4 blocks x 256 threads, 0 barriers
// HIP: output 1: 32 values, max abs error {{.*}}, 0 outside
// HIP: output 2: 32 values, max abs error 0{{.*}}, 0 outside
// OK2: output 1: 32 values, max abs error {{.*}}, 0 outside
// OK2: output 2: 32 values, max abs error 0{{.*}}, 0 outside
// OK3: output 1: 48 values, max abs error {{.*}}, 0 outside
// OK3: output 2: 48 values, max abs error 0{{.*}}, 0 outside
// GROUPED: output 2: 48 values, max abs error {{.*}}, 0 outside
// GROUPED: output 3: 48 values, max abs error 0{{.*}}, 0 outside

func.func @norm(%logits: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}

func.func @unnorm(%logits: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}

func.func @topk(%logits: tensor<16x8xf32>) -> (tensor<16x3xf32>, tensor<16x3xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 3 : i64, scoring = #seq.router_scoring<topk_softmax>}
      : tensor<16x8xf32> -> tensor<16x3xf32>, tensor<16x3xi32>
  return %w, %e : tensor<16x3xf32>, tensor<16x3xi32>
}

func.func @grouped(%logits: tensor<12x16xf32>, %bias: tensor<16xf32>)
    -> (tensor<12x4xf32>, tensor<12x4xi32>) {
  %w, %e = seq.moe_route %logits bias(%bias : tensor<16xf32>)
      {top_k = 4 : i64, scoring = #seq.router_scoring<sigmoid>, normalize,
       num_groups = 4 : i64, topk_groups = 2 : i64, routed_scaling = 2.5 : f32}
      : tensor<12x16xf32> -> tensor<12x4xf32>, tensor<12x4xi32>
  return %w, %e : tensor<12x4xf32>, tensor<12x4xi32>
}
