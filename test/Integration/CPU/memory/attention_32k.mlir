// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: %python %S/max_rss.py 512 -- seqrun %t.seqpkg --zeros 0 --zeros 1 --zeros 2 --output 0=%t.out.npy | FileCheck %s

// Causal attention at S = 32768, D = 128 runs in bounded memory: an S x S
// f32 score matrix alone would be 4 GiB; inputs and output are 16 MiB each.
// Flash tiling keeps the peak far below 512 MiB.
// CHECK: peak RSS: {{[0-9.]+}} MiB (limit 512 MiB)
func.func @main(%q: tensor<1x1x32768x128xf32>, %k: tensor<1x1x32768x128xf32>, %v: tensor<1x1x32768x128xf32>) -> tensor<1x1x32768x128xf32> {
  %o = seq.attention %q, %k, %v causal : tensor<1x1x32768x128xf32>, tensor<1x1x32768x128xf32>, tensor<1x1x32768x128xf32> -> tensor<1x1x32768x128xf32>
  return %o : tensor<1x1x32768x128xf32>
}
