// An entry that reads its KV cache again after writing it
// (gpu-host-state.test): a GPU plan updates the cache in place, so this is
// a compile-time error for GPU targets.
func.func @reread(%u: tensor<1x2x1x16xf32>, %pos: tensor<1xi32>,
                  %kc: tensor<1x2x8x16xf32> {seq.inplace = 1 : i64})
    -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %kc2 = seq.cache_write %kc, %u at %pos
      : tensor<1x2x8x16xf32>, tensor<1x2x1x16xf32>, tensor<1xi32>
  %old = arith.addf %kc, %kc : tensor<1x2x8x16xf32>
  return %old, %kc2 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
