// RUN: not seqc %s --target=cpu -o %t.seqpkg 2>&1 | FileCheck %s

// `seq.recurrent` marks in-place state without a sequence capacity (conv
// and SSM states, the metadata's "recurrent" inputs); on an argument that
// is not in place it means nothing and is an error.

// CHECK: error: entry @step: argument 0 is 'seq.recurrent' but not in place
func.func @step(%s: tensor<1x4xf32> {seq.recurrent}) -> tensor<1x4xf32> {
  return %s : tensor<1x4xf32>
}
