// seq-constant-globals creates the globals of tensor constants in the
// order of a walk of the module (each new one goes first, as upstream's
// getGlobalFor puts it), same-shaped constants numbered in that order, so
// one-shot-bufferize finds them and creates none of its own: their order
// no longer follows upstream's pointer-keyed order of bufferizing
// functions (test/Tools/seqc/deterministic.test).
// RUN: seqc-opt %s --seq-constant-globals | FileCheck %s
// RUN: seqc-opt %s "--seq-constant-globals" "--one-shot-bufferize=bufferize-function-boundaries" | FileCheck %s --check-prefix=BUF

// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32_0 : memref<2xi32> = dense<[3, 4]> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<2.000000e+00> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32 : memref<2xi32> = dense<[1, 2]> {alignment = 64 : i64}
// CHECK-NOT: memref.global
// BUF-COUNT-3: memref.global "private" constant
// BUF-NOT: memref.global
// BUF-LABEL: func.func @callee
// BUF: memref.get_global @__constant_2xi32 :
// BUF: memref.get_global @__constant_3xf32 :
// BUF-LABEL: func.func @caller
// BUF: memref.get_global @__constant_2xi32_0 :
// BUF: memref.get_global @__constant_3xf32 :
module {
  func.func @callee() -> (tensor<2xi32>, tensor<3xf32>) {
    %a = arith.constant dense<[1, 2]> : tensor<2xi32>
    %b = arith.constant dense<2.0> : tensor<3xf32>
    return %a, %b : tensor<2xi32>, tensor<3xf32>
  }
  func.func @caller() -> (tensor<2xi32>, tensor<3xf32>, tensor<2xi32>, tensor<3xf32>) {
    %a, %b = call @callee() : () -> (tensor<2xi32>, tensor<3xf32>)
    %c = arith.constant dense<[3, 4]> : tensor<2xi32>
    %d = arith.constant dense<2.0> : tensor<3xf32>
    return %a, %b, %c, %d : tensor<2xi32>, tensor<3xf32>, tensor<2xi32>, tensor<3xf32>
  }
}
