// A paged seq.cache_write (block table), which has no GPU kernel yet
// (embedding_cache_write.mlir).
func.func @paged(%c: tensor<8x2x4x32xbf16>, %u: tensor<1x2x1x32xbf16>, %p: tensor<1xi32>, %bt: tensor<1x2xi32>) -> tensor<8x2x4x32xbf16> {
  %r = seq.cache_write %c, %u at %p block_table(%bt : tensor<1x2xi32>) : tensor<8x2x4x32xbf16>, tensor<1x2x1x32xbf16>, tensor<1xi32>
  return %r : tensor<8x2x4x32xbf16>
}
