// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="vector-width=8" -canonicalize | FileCheck %s

// The head transposes of an imported layer (HeadLayoutFolds.cpp and the
// attention's output): rope reads the projection's rows through a
// memref.transpose view, V is transposed into its cache slice, the
// attention stores its output in rows.

// CHECK-LABEL: func.func @layer(
// CHECK-SAME: %[[QROWS:[^:]*]]: tensor<1x?x4x8xf32>, %[[KROWS:[^:]*]]: tensor<1x?x2x8xf32>, %[[VROWS:[^:]*]]: tensor<1x?x2x8xf32>, %[[POS:[^:]*]]: tensor<1x?xi32>, %[[KC:[^:]*]]: tensor<1x2x32x8xf32>, %[[VC:[^:]*]]: tensor<1x2x32x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[QB:.*]] = bufferization.to_buffer %[[QROWS]] read_only
// CHECK: %[[QV:.*]] = memref.transpose %[[QB]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x?x4x8xf32> to memref<1x4x?x8xf32, strided<[?, 8, 32, 1]>>
// CHECK: memref.load %[[QV]]
// CHECK-NOT: linalg.transpose
// CHECK: %[[KB:.*]] = bufferization.to_buffer %[[KROWS]] read_only
// CHECK: memref.transpose %[[KB]]
// CHECK-NOT: linalg.transpose
// CHECK: %[[VSRC:.*]] = tensor.extract_slice %[[VROWS]][0, 0, 0, 0] [1, %{{.*}}, 2, 8] [1, 1, 1, 1]
// CHECK: %[[VSLOT:.*]] = tensor.extract_slice %[[VC]][0, 0, %{{.*}}, 0] [1, 2, %{{.*}}, 8] [1, 1, 1, 1]
// CHECK: %[[VT:.*]] = linalg.transpose ins(%[[VSRC]] : tensor<1x?x2x8xf32>) outs(%[[VSLOT]] : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
// CHECK: tensor.insert_slice %[[VT]] into %[[VC]]
// CHECK-NOT: linalg.transpose
// CHECK: %[[O:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<1x?x4x8xf32>
// CHECK: %[[OV:.*]] = memref.transpose %[[O]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x?x4x8xf32> to memref<1x4x?x8xf32, strided<[?, 8, 32, 1]>>
// CHECK: memref.store %{{.*}}, %[[OV]]
// CHECK-NOT: linalg.transpose
// CHECK: %[[OT:.*]] = bufferization.to_tensor %[[O]] restrict writable : memref<1x?x4x8xf32> to tensor<1x?x4x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return %[[OT]]
func.func @layer(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>,
                 %v: tensor<1x?x2x8xf32>, %pos: tensor<1x?xi32>,
                 %kc: tensor<1x2x32x8xf32>, %vc: tensor<1x2x32x8xf32>)
    -> (tensor<1x?x4x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) {
  %c1 = arith.constant 1 : index
  %s = tensor.dim %q, %c1 : tensor<1x?x4x8xf32>
  %e4 = tensor.empty(%s) : tensor<1x4x?x8xf32>
  %qh = linalg.transpose ins(%q : tensor<1x?x4x8xf32>) outs(%e4 : tensor<1x4x?x8xf32>) permutation = [0, 2, 1, 3]
  %e2 = tensor.empty(%s) : tensor<1x2x?x8xf32>
  %kh = linalg.transpose ins(%k : tensor<1x?x2x8xf32>) outs(%e2 : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
  %vh = linalg.transpose ins(%v : tensor<1x?x2x8xf32>) outs(%e2 : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
  %qr = seq.rope %qh, %pos : tensor<1x4x?x8xf32>, tensor<1x?xi32>
  %kr = seq.rope %kh, %pos : tensor<1x2x?x8xf32>, tensor<1x?xi32>
  %start = tensor.extract_slice %pos[0, 0] [1, 1] [1, 1] : tensor<1x?xi32> to tensor<1xi32>
  %k2 = seq.cache_write %kc, %kr at %start : tensor<1x2x32x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
  %v2 = seq.cache_write %vc, %vh at %start : tensor<1x2x32x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
  %si = arith.index_cast %s : index to i32
  %st = tensor.from_elements %si : tensor<1xi32>
  %len = arith.addi %start, %st : tensor<1xi32>
  %att = seq.attention %qr, %k2, %v2 kv_lengths(%len : tensor<1xi32>) causal : tensor<1x4x?x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32> -> tensor<1x4x?x8xf32>
  %er = tensor.empty(%s) : tensor<1x?x4x8xf32>
  %o = linalg.transpose ins(%att : tensor<1x4x?x8xf32>) outs(%er : tensor<1x?x4x8xf32>) permutation = [0, 2, 1, 3]
  return %o, %k2, %v2 : tensor<1x?x4x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>
}

// -----

// A transposed query read by the attention itself (no rope: its tiles
// load rows, not scalars) and an output read by more than the transpose
// keep their copies.
// CHECK-LABEL: func.func @kept(
// CHECK: %[[QH:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x?x4x8xf32>) outs(%{{.*}} : tensor<1x4x?x8xf32>)
// CHECK: bufferization.to_buffer %[[QH]] read_only
// CHECK: %[[O:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<1x4x?x8xf32>
// CHECK-NOT: memref.transpose
// CHECK: %[[OT:.*]] = bufferization.to_tensor %[[O]]
// CHECK: %[[ROWS:.*]] = linalg.transpose ins(%[[OT]] : tensor<1x4x?x8xf32>)
// CHECK: return %[[ROWS]], %[[OT]]
func.func @kept(%q: tensor<1x?x4x8xf32>, %kc: tensor<1x2x32x8xf32>,
                %vc: tensor<1x2x32x8xf32>, %len: tensor<1xi32>)
    -> (tensor<1x?x4x8xf32>, tensor<1x4x?x8xf32>) {
  %c1 = arith.constant 1 : index
  %s = tensor.dim %q, %c1 : tensor<1x?x4x8xf32>
  %e4 = tensor.empty(%s) : tensor<1x4x?x8xf32>
  %qh = linalg.transpose ins(%q : tensor<1x?x4x8xf32>) outs(%e4 : tensor<1x4x?x8xf32>) permutation = [0, 2, 1, 3]
  %att = seq.attention %qh, %kc, %vc kv_lengths(%len : tensor<1xi32>) causal : tensor<1x4x?x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32> -> tensor<1x4x?x8xf32>
  %er = tensor.empty(%s) : tensor<1x?x4x8xf32>
  %o = linalg.transpose ins(%att : tensor<1x4x?x8xf32>) outs(%er : tensor<1x?x4x8xf32>) permutation = [0, 2, 1, 3]
  return %o, %att : tensor<1x?x4x8xf32>, tensor<1x4x?x8xf32>
}
