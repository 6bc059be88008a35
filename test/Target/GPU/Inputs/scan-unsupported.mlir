// Scan forms seq-gpu-scan-kernels has no kernel for: each is an error
// naming the op and why (scan-kernels.mlir).

func.func @tanh(%a: tensor<1x4x8xf32>, %h0: tensor<1x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x8xf32>) {
  %y, %h = seq.scan ins(%a : tensor<1x4x8xf32>) init(%h0 : tensor<1x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: f32):
        %t = math.tanh %av : f32
        seq.yield %t, %av : f32, f32
      } -> tensor<1x4x8xf32>, tensor<1x8xf32>
  return %y, %h : tensor<1x4x8xf32>, tensor<1x8xf32>
}

// -----

func.func @wide_state(%a: tensor<1x4x2x160xf32>, %h0: tensor<1x2x160xf32>)
    -> (tensor<1x4x2x160xf32>, tensor<1x2x160xf32>) {
  %y, %h = seq.scan ins(%a : tensor<1x4x2x160xf32>) init(%h0 : tensor<1x2x160xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d, n)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<1x4x2x160xf32>, tensor<1x2x160xf32>
  return %y, %h : tensor<1x4x2x160xf32>, tensor<1x2x160xf32>
}

// -----

func.func @rank5(%a: tensor<1x4x2x3x2x4xf32>, %h0: tensor<1x2x3x2x4xf32>)
    -> (tensor<1x4x2x3x2x4xf32>, tensor<1x2x3x2x4xf32>) {
  %y, %h = seq.scan ins(%a : tensor<1x4x2x3x2x4xf32>) init(%h0 : tensor<1x2x3x2x4xf32>)
      maps = [affine_map<(b, t, h, p, q, n) -> (b, t, h, p, q, n)>]
      step {
      ^bb0(%av: f32):
        seq.yield %av, %av : f32, f32
      } -> tensor<1x4x2x3x2x4xf32>, tensor<1x2x3x2x4xf32>
  return %y, %h : tensor<1x4x2x3x2x4xf32>, tensor<1x2x3x2x4xf32>
}
