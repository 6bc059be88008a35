// Tile scratch on the stack is released per tile when the tiles run as
// serial loops (-parallel=false): seq-scope-tile-allocas. Without it the
// fused RMSNorm projection below keeps 32 x 64 row blocks of 8 KiB (16 MiB)
// and the attention 2048 tiles of ~5 KiB (10 MiB) live at once, and both
// crash under an 8 MiB stack.

// RUN: seqc %s --target=cpu -parallel=false -o %t.seqpkg
// RUN: %python %S/max_rss.py 256 --stack 8 -- seqrun %t.seqpkg --entry norm_projection --zeros 0 --zeros 1 --zeros 2
// RUN: %python %S/max_rss.py 256 --stack 8 -- seqrun %t.seqpkg --entry attention --zeros 0 --zeros 1 --zeros 2

func.func @norm_projection(%x: tensor<64x1024xf32>, %g: tensor<1024xf32>,
                           %w: tensor<1024x1024xf32>) -> tensor<64x1024xf32> {
  %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32}
      : tensor<64x1024xf32>, tensor<1024xf32>
  %y = seq.linear %n, %w : tensor<64x1024xf32>, tensor<1024x1024xf32>
      -> tensor<64x1024xf32>
  return %y : tensor<64x1024xf32>
}

func.func @attention(%q: tensor<1x32x1024x16xf32>, %k: tensor<1x32x1024x16xf32>,
                     %v: tensor<1x32x1024x16xf32>) -> tensor<1x32x1024x16xf32> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x32x1024x16xf32>, tensor<1x32x1024x16xf32>,
        tensor<1x32x1024x16xf32> -> tensor<1x32x1024x16xf32>
  return %o : tensor<1x32x1024x16xf32>
}
