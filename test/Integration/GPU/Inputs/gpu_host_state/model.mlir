// The GPU state test model (test/Tools/seqrun/gpu-host-state.test,
// scripts/gpu-check-prepare.sh): @step is a decode step's front half on
// state the caller lends in place. The token ids go through the embedding
// table (a bound parameter), a K projection makes one K row per head, and
// seq.cache_write stores it in the KV cache at each batch row's position
// (input 2, `seq.inplace = 1`: the entry's output 1 is that buffer,
// updated in place). Goldens: ../../gen/gen_gpu_host_state.py (PyTorch).
module {
  seq.parameter @embed "embed.weight" : tensor<40x32xf32>
  seq.parameter @wk "k_proj.weight" : tensor<32x32xf32>
  func.func @step(%ids: tensor<2x1xi32>, %pos: tensor<2xi32>,
                  %kc: tensor<2x2x8x16xf32> {seq.inplace = 1 : i64})
      -> (tensor<2x1x32xf32>, tensor<2x2x8x16xf32>) {
    %t = seq.get_parameter @embed : tensor<40x32xf32>
    %w = seq.get_parameter @wk : tensor<32x32xf32>
    %h = seq.embedding %t, %ids : tensor<40x32xf32>, tensor<2x1xi32> -> tensor<2x1x32xf32>
    %k = seq.linear %h, %w : tensor<2x1x32xf32>, tensor<32x32xf32> -> tensor<2x1x32xf32>
    %k2 = tensor.collapse_shape %k [[0, 1], [2]] : tensor<2x1x32xf32> into tensor<2x32xf32>
    %k4 = tensor.expand_shape %k2 [[0], [1, 2, 3]] output_shape [2, 2, 1, 16]
        : tensor<2x32xf32> into tensor<2x2x1x16xf32>
    %kc2 = seq.cache_write %kc, %k4 at %pos
        : tensor<2x2x8x16xf32>, tensor<2x2x1x16xf32>, tensor<2xi32>
    return %h, %kc2 : tensor<2x1x32xf32>, tensor<2x2x8x16xf32>
  }
}
