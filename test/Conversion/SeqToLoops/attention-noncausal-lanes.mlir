// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// A non-causal attention without a window whose query rows fill the
// vector lanes (Sq = 16, static): the rows-in-lanes kernel has no key
// block to mask, so it emits no masking branch (it used to build a select
// without a condition and crash). Tree verification's prefix attention
// (lib/Import/TreeSpeculative.cpp) has this form.
// CHECK-LABEL: func @noncausal
// CHECK: vector.load
// CHECK-NOT: seq.attention
func.func @noncausal(%q: tensor<1x4x16x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>, %len: tensor<1xi32>) -> (tensor<1x4x16x64xf32>, tensor<1x4x16xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<1xi32>) : tensor<1x4x16x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32> -> tensor<1x4x16x64xf32>, tensor<1x4x16xf32>
  return %o, %lse : tensor<1x4x16x64xf32>, tensor<1x4x16xf32>
}
