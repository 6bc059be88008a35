// RUN: seqc-opt %s -seq-frontend | FileCheck %s
// RUN: seqc-opt %s -seq-frontend=verify-model=false | FileCheck %s

// The front end canonicalizes seq ops and CSEs pure ones such as parameter
// reads.

module {
  seq.parameter @w "w" : tensor<4x4xf32>
  // CHECK-LABEL: func @main
  // CHECK-COUNT-1: seq.get_parameter @w
  // CHECK-NOT: seq.get_parameter
  // CHECK: seq.attention %{{.*}}, %{{.*}}, %{{.*}} :
  func.func @main(%x: tensor<1x4xf32>, %q: tensor<1x1x1x8xf32>, %k: tensor<1x1x9x8xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x1x1x8xf32>) {
    %a = seq.get_parameter @w : tensor<4x4xf32>
    %b = seq.get_parameter @w : tensor<4x4xf32>
    %ya = seq.linear %x, %a : tensor<1x4xf32>, tensor<4x4xf32> -> tensor<1x4xf32>
    %yb = seq.linear %x, %b : tensor<1x4xf32>, tensor<4x4xf32> -> tensor<1x4xf32>
    %o = seq.attention %q, %k, %k causal : tensor<1x1x1x8xf32>, tensor<1x1x9x8xf32>, tensor<1x1x9x8xf32> -> tensor<1x1x1x8xf32>
    return %ya, %yb, %o : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x1x1x8xf32>
  }
}
