// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=16" | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops="vector-width=8" | FileCheck %s --check-prefix=AVX2

// The MoE panel kernel's target decisions (TilingOptions::moePanelFeatures,
// selectTiling): with 16 lanes (AVX-512, 32 vector registers) a register
// block is 12 weight rows (features) x the block's 1 or 2 vectors of slots,
// 24 accumulators for two vectors: per depth step 2 slot-vector loads and
// 12 broadcast weight elements feed 24 FMAs. With 8 lanes (AVX2, 16
// registers) it stays 6 features x 2 vectors (12 accumulators). Neither
// issues software prefetches (moePanelPrefetchRows 0: measured slower) nor
// splits the depth (moePanelDepthTile 0).

// CHECK-LABEL: func.func @experts_panel
// CHECK-NOT: memref.prefetch
// Gate/up tile, blocks of up to 16 slots (one vector): 12 features x 1
// vector.
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c12 {
// CHECK: scf.for %[[D:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> ({{(vector<16xf32>, ){11}vector<16xf32>}}) {
// CHECK-NEXT: vector.load %{{.*}}[%[[D]], %{{.*}}] : memref<?x32xf32, strided<[32, 1], offset: ?>>, vector<16xf32>
// CHECK-NEXT: memref.load %{{.*}}[%{{.*}}, %{{.*}}, %[[D]]] : memref<4x70x64xf32>
// CHECK-NEXT: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK-NEXT: vector.fma
// Two vectors (17..32 slots): 12 features x 2 vectors = 24 accumulators.
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c12 {
// CHECK: scf.for %[[D2:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> ({{(vector<16xf32>, ){23}vector<16xf32>}}) {
// CHECK-NEXT: vector.load %{{.*}}[%[[D2]], %{{.*}}] : memref<?x32xf32, strided<[32, 1], offset: ?>>, vector<16xf32>
// CHECK-NEXT: vector.load %{{.*}}[%[[D2]], %{{.*}}] : memref<?x32xf32, strided<[32, 1], offset: ?>>, vector<16xf32>
// CHECK-COUNT-12: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK: scf.yield
// CHECK-NOT: memref.prefetch
// Down projection: the same blocks over hT (depth 70).
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c12 {
// CHECK: scf.for %{{.*}} = %c0 to %c70 step %c1 iter_args({{.*}}) -> ({{(vector<16xf32>, ){11}vector<16xf32>}}) {
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c12 {
// CHECK: scf.for %{{.*}} = %c0 to %c70 step %c1 iter_args({{.*}}) -> ({{(vector<16xf32>, ){23}vector<16xf32>}}) {

// AVX2-LABEL: func.func @experts_panel
// AVX2-NOT: memref.prefetch
// AVX2: scf.for %{{.*}} = %c0 to %{{.*}} step %c6 {
// AVX2: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> ({{(vector<8xf32>, ){5}vector<8xf32>}}) {
// AVX2: scf.for %{{.*}} = %c0 to %{{.*}} step %c6 {
// AVX2: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> ({{(vector<8xf32>, ){11}vector<8xf32>}}) {
// AVX2-NOT: step %c12 {
// AVX2-NOT: memref.prefetch

func.func @experts_panel(%x: tensor<40x64xf32>, %w: tensor<40x2xf32>, %perm: tensor<80xi32>,
                         %off: tensor<5xi32>, %wg: tensor<4x70x64xf32>, %wu: tensor<4x70x64xf32>,
                         %wd: tensor<4x64x70xf32>) -> tensor<40x64xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x70x64xf32>)
      up(%wu : tensor<4x70x64xf32>) down(%wd : tensor<4x64x70xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<40x64xf32>, tensor<40x2xf32>, tensor<80xi32>, tensor<5xi32> -> tensor<40x64xf32>
  return %y : tensor<40x64xf32>
}
