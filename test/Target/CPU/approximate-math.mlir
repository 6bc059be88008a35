// RUN: seqc-opt %s -seq-approximate-math | FileCheck %s

// f32 exp, scalar or vector, becomes an inline polynomial (no libm call
// remains for LLVM's vectoriser to stop at); other types and functions are
// left to libm.

// CHECK-LABEL: func @exp_f32
// CHECK-NOT: math.exp
// CHECK: math.floor
// CHECK: math.fma
// CHECK-NOT: math.exp
func.func @exp_f32(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

// CHECK-LABEL: func @exp_vector
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK-NOT: math.exp
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %y = math.exp %x : vector<8xf32>
  return %y : vector<8xf32>
}

// CHECK-LABEL: func @left_alone
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.tanh %{{.*}} : f32
// CHECK: math.log %{{.*}} : f32
func.func @left_alone(%x: f64, %y: f32) -> (f64, f32, f32) {
  %a = math.exp %x : f64
  %b = math.tanh %y : f32
  %c = math.log %y : f32
  return %a, %b, %c : f64, f32, f32
}
