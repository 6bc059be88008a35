// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s

// A parameter becomes an external global the runtime points at the weights.
// Tiles of (16 weight rows, 3 input rows: the target's linearRowTile);
// register blocks of 3 rows x 4 columns over whole vectors of K, the K
// remainder (20 = 2 x 8 + 4) scalar.
// CHECK: memref.global @__seq_param_w : memref<8x20xf32> {alignment = 64 : i64}
// CHECK-NOT: seq.parameter
// CHECK-LABEL: func @linear
// CHECK: %[[W:.*]] = memref.get_global @__seq_param_w : memref<8x20xf32>
// CHECK: scf.forall (%[[NB:.*]], %[[RB:.*]]) in (%c1, %c2)
// CHECK: scf.for %{{.*}} step %c3
// CHECK: scf.for %{{.*}} step %c4
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: vector.load %[[W]]
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: scf.for %{{.*}} = %c16 to %c20 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// The fourth row is a one-row block (decode's case): each vector step also
// prefetches the weight rows 16 ahead, clamped to the last row (7).
// CHECK: arith.minsi %{{.*}}, %c7
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: memref.prefetch %[[W]][{{.*}}], read, locality<3>, data : memref<8x20xf32>
module {
  seq.parameter @w "w" : tensor<8x20xf32>
  func.func @linear(%x: tensor<4x20xf32>) -> tensor<4x8xf32> {
    %w = seq.get_parameter @w : tensor<8x20xf32>
    %y = seq.linear %x, %w : tensor<4x20xf32>, tensor<8x20xf32> -> tensor<4x8xf32>
    return %y : tensor<4x8xf32>
  }
}

// -----

// Out-of-range ids and cache overflows report a status the runtime
// returns (1, 2) instead of reading or writing out of bounds, with a
// message naming the op, its location and the values: a call of a report
// declaration that seq-lower-checks lowers.
// CHECK-LABEL: func @checked
// CHECK: arith.cmpi slt
// CHECK: } else {
// CHECK: func.call @[[ID:__seq_check_report_[0-9a-f]+]](%{{.*}}, %{{.*}}, %c10_i64) : (i64, i64, i64) -> ()
// CHECK: } else {
// CHECK: func.call @[[OVERFLOW:__seq_check_report_[0-9a-f]+]](%{{.*}}, %c3_i64, %{{.*}}, %c8_i64) : (i64, i64, i64, i64) -> ()
// CHECK: func.func private @[[ID]](i64, i64, i64) attributes {seq.check_code = 1 : i32, seq.check_message = "seq.embedding at {{.*}}model.mlir:[[#@LINE+3]]:8: id %ld (element %ld) outside the vocabulary of %ld"}
// CHECK: func.func private @[[OVERFLOW]](i64, i64, i64, i64) attributes {seq.check_code = 2 : i32, seq.check_message = "seq.cache_write at {{.*}}model.mlir:[[#@LINE+3]]:8: batch %ld writes %ld positions from %ld past the cache capacity %ld"}
func.func @checked(%table: tensor<10x4xf32>, %ids: tensor<2x3xi32>, %cache: tensor<2x1x8x4xf32>, %upd: tensor<2x1x3x4xf32>, %pos: tensor<2xi32>) -> (tensor<2x3x4xf32>, tensor<2x1x8x4xf32>) {
  %e = seq.embedding %table, %ids : tensor<10x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %c = seq.cache_write %cache, %upd at %pos : tensor<2x1x8x4xf32>, tensor<2x1x3x4xf32>, tensor<2xi32>
  return %e, %c : tensor<2x3x4xf32>, tensor<2x1x8x4xf32>
}
