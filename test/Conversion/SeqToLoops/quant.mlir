// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="vector-width=0" | FileCheck %s --check-prefix=SCALAR
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s --check-prefix=PACKED
// PACKED-NOT: 49x64xf32
// PACKED-NOT: 3x96xf32
// PACKED-NOT: 10x64xf32

// A q4_1 projection over packed bytes: tiles of 16 features x 16 rows; the
// weights stay an i8 buffer (no f32 copy of them is ever allocated). Per
// block the f16 scale and min are assembled from bytes and widened; each
// byte group is one vector<8xi8> load whose low nibbles (andi) and high
// nibbles (shrui) become two f32 chunks (uitofp, * d + m) used by every
// row of the register block: 8 rows x 1 feature (8 accumulators), then
// 1 row x 4 features for the last rows (here all 7), which prefetch the
// weight rows 16 ahead (clamped to the last row, 48).

// CHECK-LABEL: func @linear_q4_1
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only : tensor<49x40xi8> to memref<49x40xi8>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<7x49xf32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (%c4, %c1)
// CHECK: scf.for %{{.*}} step %c8
// CHECK: scf.for %{{.*}} step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: arith.bitcast %{{.*}} : i16 to f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args
// CHECK: vector.load %[[W]][{{.*}}] : memref<49x40xi8>, vector<8xi8>
// CHECK-COUNT-8: vector.load %{{.*}} : memref<7x64xf32>, vector<8xf32>
// CHECK: arith.andi %{{.*}}, %{{.*}} : vector<8xi8>
// CHECK: arith.uitofp %{{.*}} : vector<8xi8> to vector<8xf32>
// CHECK-COUNT-8: vector.fma
// CHECK: arith.uitofp %{{.*}} : vector<8xi8> to vector<8xf32>
// CHECK-COUNT-8: vector.fma
// CHECK-COUNT-8: vector.reduction <add>
// CHECK: scf.for %{{.*}} step %c4
// CHECK-COUNT-4: arith.minsi %{{.*}}, %c48 : index
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: memref.prefetch %[[W]][{{.*}}], read, locality<3>, data : memref<49x40xi8>

// SCALAR-LABEL: func @linear_q4_1
// SCALAR-NOT: vector.load
// SCALAR: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32)
// SCALAR: arith.andi %{{.*}}, %{{.*}} : i8
// SCALAR: arith.uitofp %{{.*}} : i8 to f32
// SCALAR: arith.shrui %{{.*}}, %{{.*}} : i8
func.func @linear_q4_1(%x: tensor<7x64xf32>, %w: tensor<49x40xi8>) -> tensor<7x49xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>} : tensor<7x64xf32>, tensor<49x40xi8> -> tensor<7x49xf32>
  return %y : tensor<7x49xf32>
}

// -----

// q8_0 bytes are elements (sitofp, * d); q4_0 nibbles are offset by 8 before
// the signed conversion.
// CHECK-LABEL: func @linear_q8_0
// CHECK: vector.load %{{.*}} : memref<3x102xi8>, vector<8xi8>
// CHECK: arith.sitofp %{{.*}} : vector<8xi8> to vector<8xf32>
// CHECK-LABEL: func @linear_q4_0
// CHECK: arith.andi
// CHECK: arith.subi %{{.*}}, %{{.*}} : vector<8xi8>
// CHECK: arith.sitofp %{{.*}} : vector<8xi8> to vector<8xf32>
func.func @linear_q8_0(%x: tensor<1x96xf32>, %w: tensor<3x102xi8>) -> tensor<1x3xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q8_0>} : tensor<1x96xf32>, tensor<3x102xi8> -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
func.func @linear_q4_0(%x: tensor<1x96xf32>, %w: tensor<3x54xi8>) -> tensor<1x3xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>} : tensor<1x96xf32>, tensor<3x54xi8> -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// An embedding row is unpacked block by block into the result; an id
// outside [0, V) reports status 1 with the id instead.
// CHECK-LABEL: func @embedding_q8_0
// CHECK: scf.forall (%[[N:.*]]) in (%c6)
// CHECK: scf.if
// CHECK: vector.load %{{.*}} : memref<10x68xi8>, vector<8xi8>
// CHECK: vector.store %{{.*}}, %{{.*}}[%[[N]], %{{.*}}] : memref<6x64xf32>, vector<8xf32>
// CHECK: } else {
// CHECK: func.call @[[REPORT:__seq_check_report_[0-9a-f]+]](
// CHECK: func.func private @[[REPORT]](i64, i64, i64) attributes {seq.check_code = 1 : i32, seq.check_message = "seq.quantized_embedding at {{.*}}: id %ld (element %ld) outside the vocabulary of %ld"}
func.func @embedding_q8_0(%t: tensor<10x68xi8>, %ids: tensor<2x3xi32>) -> tensor<2x3x64xf32> {
  %y = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q8_0>} : tensor<10x68xi8>, tensor<2x3xi32> -> tensor<2x3x64xf32>
  return %y : tensor<2x3x64xf32>
}
