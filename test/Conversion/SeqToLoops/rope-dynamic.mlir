// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// Dynamic NTK seq.rope: before the rotation loops, one sequential pass over
// the positions finds the largest (as i64, from -1), L = that + 1; the base
// theta * (factor * max(L, M) / M - (factor - 1)) ^ (R / (R - 2)) is
// computed once in plain f32 (no fast-math flags), and selected only when
// L > M (theta otherwise). Here factor 2, M 32, R = 16 (exponent 16 / 14),
// theta 10000 (the canonicalizer puts constant operands second). Each
// pair's inverse frequency is then 1 / base^(2i / R).
// CHECK-LABEL: func @rope_dynamic
// CHECK: %[[MAX:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %c-1_i64) -> (i64)
// CHECK: scf.for {{.*}} -> (i64)
// CHECK: memref.load {{.*}} : memref<2x5xi32>
// CHECK: arith.extsi {{.*}} : i32 to i64
// CHECK: arith.maxsi {{.*}} : i64
// CHECK: %[[L:.*]] = arith.addi %[[MAX]], %c1_i64 : i64
// CHECK: %[[C:.*]] = arith.maxsi %[[L]], %c32_i64 : i64
// CHECK: %[[LF:.*]] = arith.sitofp %[[C]] : i64 to f32
// CHECK: %[[S:.*]] = arith.mulf %[[LF]], %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.divf %[[S]], %{{.*}} : f32
// CHECK: %[[D:.*]] = arith.subf %[[R]], %{{.*}} : f32
// CHECK: %[[P:.*]] = math.powf %[[D]], %{{.*}} : f32
// CHECK: %[[G:.*]] = arith.mulf %[[P]], %{{.*}} : f32
// CHECK: %[[LONG:.*]] = arith.cmpi sgt, %[[L]], %c32_i64 : i64
// CHECK: %[[BASE:.*]] = arith.select %[[LONG]], %[[G]], %{{.*}} : f32
// CHECK: scf.forall
// CHECK: math.powf %[[BASE]], %{{.*}} : f32
// CHECK: math.cos
// CHECK: math.sin
func.func @rope_dynamic(%x: tensor<2x3x5x16xf32>, %pos: tensor<2x5xi32>) -> tensor<2x3x5x16xf32> {
  %y = seq.rope %x, %pos {ntk_factor = 2.0 : f32, ntk_max_positions = 32 : i64}
      : tensor<2x3x5x16xf32>, tensor<2x5xi32>
  return %y : tensor<2x3x5x16xf32>
}
