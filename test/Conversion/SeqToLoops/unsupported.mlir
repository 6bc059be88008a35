// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops -verify-diagnostics

// Forms the tiled lowering cannot size get a located error, not a crash.
func.func @dynamic_head_dim(%q: tensor<1x2x4x?xf32>, %k: tensor<1x2x4x?xf32>) -> tensor<1x2x4x?xf32> {
  // expected-error @+1 {{convert-seq-to-loops: cannot lower 'seq.attention': the head dims (and a paged cache's block size) must be static}}
  %o = seq.attention %q, %k, %k scale(0.5) : tensor<1x2x4x?xf32>, tensor<1x2x4x?xf32>, tensor<1x2x4x?xf32> -> tensor<1x2x4x?xf32>
  return %o : tensor<1x2x4x?xf32>
}

// -----

func.func @rope_dynamic_head_dim(%x: tensor<1x2x4x?xf32>, %p: tensor<1x4xi32>) -> tensor<1x2x4x?xf32> {
  // expected-error @+1 {{convert-seq-to-loops: cannot lower 'seq.rope': the head dim must be static}}
  %r = seq.rope %x, %p : tensor<1x2x4x?xf32>, tensor<1x4xi32>
  return %r : tensor<1x2x4x?xf32>
}
