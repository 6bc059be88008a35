// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s

// The op order of the MoE panel code is a function of the input only, not of
// the host compiler that built seqc-opt: C++ leaves the order of a call's
// arguments unspecified (gcc evaluates them right to left, clang left to
// right), so the lowering creates each op into a named local before the call
// that uses it. This pins the order a gcc build always produced; a clang build
// used to load the block bounds in the opposite order and emit the subview of
// xT elsewhere (scripts/compare-builds.py diffs two builds on every test).

// CHECK-LABEL: func.func @experts_gelu
// CHECK:         memref.alloc(%{{.*}}) {{.*}} : memref<?x32xf32>
// CHECK-NEXT:    scf.forall (%[[G:.*]], %[[FB:.*]], %[[GI:.*]]) in (%{{.*}}, %c1, %c4) {
// CHECK-NEXT:      memref.alloca_scope {
// CHECK-NEXT:        %[[GN:.*]] = memref.load %{{.*}}[%[[G]]] : memref<?xindex>
// CHECK-NEXT:        %[[IN:.*]] = arith.cmpi ult, %[[GI]], %[[GN]] : index
// CHECK-NEXT:        scf.if %[[IN]] {
// CHECK-NEXT:        %[[G0:.*]] = memref.load %{{.*}}[%[[G]]] : memref<?xindex>
// CHECK-NEXT:        %[[RB:.*]] = arith.addi %[[G0]], %[[GI]] : index
// CHECK-NEXT:        %[[E:.*]] = memref.load %{{.*}}[%[[RB]]] : memref<?xindex>
// CHECK-NEXT:        %[[P1:.*]] = memref.load %{{.*}}[%[[RB]]] : memref<?xindex>
// CHECK-NEXT:        %[[P0:.*]] = memref.load %{{.*}}[%[[RB]]] : memref<?xindex>
// CHECK-NEXT:        %[[F0:.*]] = arith.muli %[[FB]], %c64 : index
// CHECK-NEXT:        %[[F:.*]] = arith.addi %[[F0]], %c64 : index
// CHECK-NEXT:        arith.minsi %[[F]], %c32 : index
// CHECK-NEXT:        %[[N:.*]] = arith.subi %[[P1]], %[[P0]] : index
// CHECK-NEXT:        %[[PANEL:.*]] = arith.cmpi sge, %[[N]], %c4 : index
// CHECK-NEXT:        scf.if %[[PANEL]] {
// CHECK-NEXT:          %[[N2:.*]] = arith.subi %[[P1]], %[[P0]] : index
// CHECK-NEXT:          %[[ONE:.*]] = arith.cmpi sle, %[[N2]], %c8 : index
// CHECK-NEXT:          scf.if %[[ONE]] {
// CHECK-NEXT:            memref.subview %{{.*}}[%[[RB]], 0, 0] [1, %c16, 16] [1, 1, 1]
func.func @experts_gelu(%x: tensor<?x16xf32>, %w: tensor<?x2xf32>, %perm: tensor<?xi32>,
                        %off: tensor<5xi32>, %wu: tensor<4x32x16xf32>,
                        %wd: tensor<4x16x32xf32>) -> tensor<?x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<?x16xf32>, tensor<?x2xf32>, tensor<?xi32>, tensor<5xi32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
