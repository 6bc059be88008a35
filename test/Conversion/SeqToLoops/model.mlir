// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s

// A parameter becomes an external global the runtime points at the weights.
// CHECK: memref.global @__seq_param_w : memref<8x4xf32> {alignment = 64 : i64}
// CHECK-NOT: seq.parameter
// CHECK-LABEL: func @linear
// CHECK: memref.get_global @__seq_param_w : memref<8x4xf32>
// CHECK: scf.forall (%[[NB:.*]], %[[ROW:.*]]) in
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
module {
  seq.parameter @w "w" : tensor<8x4xf32>
  func.func @linear(%x: tensor<3x4xf32>) -> tensor<3x8xf32> {
    %w = seq.get_parameter @w : tensor<8x4xf32>
    %y = seq.linear %x, %w : tensor<3x4xf32>, tensor<8x4xf32> -> tensor<3x8xf32>
    return %y : tensor<3x8xf32>
  }
}

// -----

// Out-of-range ids and cache overflows set the __seq_status global the
// runtime reports instead of reading or writing out of bounds.
// CHECK: memref.global @__seq_status : memref<i32> = dense<0>
// CHECK-LABEL: func @checked
// CHECK: arith.cmpi slt
// CHECK: memref.store %c1_i32, %{{.*}}[] : memref<i32>
// CHECK: memref.store %c2_i32, %{{.*}}[] : memref<i32>
func.func @checked(%table: tensor<10x4xf32>, %ids: tensor<2x3xi32>, %cache: tensor<2x1x8x4xf32>, %upd: tensor<2x1x3x4xf32>, %pos: tensor<2xi32>) -> (tensor<2x3x4xf32>, tensor<2x1x8x4xf32>) {
  %e = seq.embedding %table, %ids : tensor<10x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %c = seq.cache_write %cache, %upd at %pos : tensor<2x1x8x4xf32>, tensor<2x1x3x4xf32>, tensor<2xi32>
  return %e, %c : tensor<2x3x4xf32>, tensor<2x1x8x4xf32>
}
