// seq-gpu-moe-kernels maps the MoE ops onto the GPU: routing a warp per
// token (shuffle reductions, no workgroup memory, no barrier), dispatch one
// block (a stable counting sort: warp scans by gpu.shuffle up, warp totals
// in workgroup memory between two barriers, no atomics), the experts as
// grouped GEMMs on the linear kernel's tiles (a block per column tile, row
// tile and expert; the down kernel's grid has one more layer, E + 1, for
// the dropped slots) on mma.sync / MFMA, and a combine. GeGLU / GELU
// experts: GELU's erf as a polynomial in the gate/up kernel (no math op
// or call left). seq.grouped_matmul: the down kernel's GEMM with
// rows in place, grid (N / 32, R / 32, E + 1).

// RUN: seqc-opt %s --seq-gpu-moe-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %s --seq-gpu-moe-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %s --seq-gpu-moe-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %s "--seq-gpu-moe-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION
// RUN: not seqc-opt %S/Inputs/moe-unsupported.mlir --seq-gpu-moe-kernels=target=cuda:sm_80 2>&1 | FileCheck %s --check-prefix=NOKERNEL

// NOTGPU: seq-gpu-moe-kernels: 'cpu' is not a GPU target
// MUTATION: seq-gpu-moe-kernels: unknown mutation 'typo'
// NOKERNEL: error: seq-gpu-moe-kernels: cuda:sm_80 dispatches at most 4096 experts, not 5000

// CHECK: seq.moe_route {{.*}}seq.gpu_kernel = @seq_kernels::@moe_route_f32_softmax_k2
// CHECK: seq.moe_dispatch {{.*}}seq.gpu_kernel = @seq_kernels::@moe_dispatch_e8_cap3fa00000
// CHECK: seq.moe_experts {{.*}}seq.gpu_kernels = [@seq_kernels::@moe_tiles_m32, @seq_kernels::@moe_gate_up_swiglu_bf16, @seq_kernels::@moe_down_bf16, @seq_kernels::@moe_combine_bf16]
// CHECK: seq.moe_experts {{.*}}seq.gpu_kernels = [@seq_kernels::@moe_tiles_m32, @seq_kernels::@moe_gate_up_geglu_bf16, @seq_kernels::@moe_down_bf16, @seq_kernels::@moe_combine_bf16]
// CHECK: seq.moe_experts {{.*}}seq.gpu_kernels = [@seq_kernels::@moe_tiles_m32, @seq_kernels::@moe_up_gelu_f32, @seq_kernels::@moe_down_f32, @seq_kernels::@moe_shared_up_gelu_f32, @seq_kernels::@moe_shared_down_f32, @seq_kernels::@moe_combine_f32_shared]
// CHECK: seq.grouped_matmul {{.*}}seq.gpu_kernel = @seq_kernels::@grouped_matmul_bf16
// CHECK: seq.grouped_matmul {{.*}}seq.gpu_kernel = @seq_kernels::@grouped_matmul_f32
// CUDA: gpu.module @seq_kernels attributes {seq.target = "cuda:sm_80"}
// HIP: gpu.module @seq_kernels attributes {seq.target = "hip:gfx942"}

// Routing: 4 tokens per block (grid over T / 4), the softmax max and sum
// by butterflies, K = 2 argmax rounds (value, index) by butterflies too.
// CHECK: gpu.func @moe_route_f32_softmax_k2(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x2xf32>, %{{.*}}: memref<?x2xi32>) kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 0, 0, 4>
// CHECK-NOT: gpu.barrier
// CUDA: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// HIP: gpu.shuffle  xor %{{.*}}, %c32_i32, %c64_i32 : f32
// CHECK: llvm.intr.exp2
// CHECK: gpu.shuffle  xor %{{.*}} : i32
// CHECK: gpu.return

// Dispatch: one block (grid (E + 1) / (E + 1)), counts, offsets and warp
// totals in workgroup memory.
// CHECK: gpu.func @moe_dispatch_e8_cap3fa00000(%{{.*}}: memref<?x?xi32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<9xi32>) workgroup(%{{.*}} : memref<8xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<9xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 2, 0, 9>
// CHECK: arith.mulf {{.*}} : f64
// CHECK: gpu.barrier
// CUDA: gpu.shuffle  up %{{.*}}, %c16_i32{{[_0-9]*}}, %c32_i32{{[_0-9]*}} : i32
// HIP: gpu.shuffle  up %{{.*}}, %c32_i32{{[_0-9]*}}, %c64_i32{{[_0-9]*}} : i32
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NOT: atomic
// CHECK: gpu.return

// The tile list: perm (its length), offsets -> tiles [L, 2], status [1];
// one warp, one block (grid over the status word's 1 element); a warp
// scan of the tile counts (shuffle up), the chunk total by shuffle idx;
// no barrier, no atomic; entries past the count are (-1, 0).
// CHECK: gpu.func @moe_tiles_m32(%{{.*}}: memref<?xi32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x2xi32>, %{{.*}}: memref<1xi32>) kernel
// CUDA-SAME: known_block_size = array<i32: 32, 1, 1>
// HIP-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 3, 0, 1>
// CHECK-NOT: gpu.barrier
// CHECK: arith.divui {{.*}} : index
// CUDA: gpu.shuffle  up %{{.*}}, %c16_i32{{[_0-9]*}}, %c32_i32{{[_0-9]*}} : i32
// HIP: gpu.shuffle  up %{{.*}}, %c32_i32{{[_0-9]*}}, %c64_i32{{[_0-9]*}} : i32
// CUDA: gpu.shuffle  idx %{{.*}}, %c31_i32{{[_0-9]*}}, %c32_i32{{[_0-9]*}} : i32
// HIP: gpu.shuffle  idx %{{.*}}, %c63_i32{{[_0-9]*}}, %c64_i32{{[_0-9]*}} : i32
// CHECK: %c-1_i32
// CHECK-NOT: atomic
// CHECK: gpu.return

// gate/up: X, perm, offsets, Wg, Wu, tiles -> H; three 32 x 16 tiles (X,
// gate, up); grid (F / 32, L): a block per column tile and list entry.
// CHECK: gpu.func @moe_gate_up_swiglu_bf16(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x?x?xbf16>, %{{.*}}: memref<?x?x?xbf16>, %{{.*}}: memref<?x2xi32>, %{{.*}}: memref<?x?xbf16>) workgroup(%{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 6, 1, 32, 5, 0, 1>
// CHECK-NOT: gpu.block_id  z
// CHECK: gpu.block_id  y
// CHECK: memref.load %{{.*}} : memref<?x2xi32>
// CHECK: gpu.barrier
// CUDA-COUNT-4: nvgpu.mma.sync
// HIP-COUNT-2: amdgpu.mfma
// CHECK: gpu.barrier
// CHECK: llvm.intr.exp2
// CHECK: gpu.return

// down: H, perm, offsets, Wd, routing weights, tiles -> Ys (f32); grid
// (Dm / 32, L).
// CHECK: gpu.func @moe_down_bf16(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x?x?xbf16>, %{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x2xi32>, %{{.*}}: memref<?x?xf32>) workgroup(%{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 6, 1, 32, 5, 0, 1>
// CUDA-COUNT-2: nvgpu.mma.sync
// HIP: amdgpu.mfma
// CHECK: arith.mulf
// CHECK: gpu.return

// combine: Ys -> out, a thread per element, k in order.
// CHECK: gpu.func @moe_combine_bf16(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x?xbf16>) kernel
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 1, 1, 256, 1, 0, 1>
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: arith.truncf {{.*}} : f32 to bf16

// GeGLU (bf16, on the matrix instruction): GELU(gate) * up, erf's
// rational approximation on [0, 0.8), [0.8, 2), [2, 3.75) from fmas.
// CHECK-LABEL: gpu.func @moe_gate_up_geglu_bf16(
// CHECK-SAME: memref<?x?x?xbf16>, %{{.*}}: memref<?x?x?xbf16>, %{{.*}}: memref<?x?xbf16>)
// CHECK-NOT: math.
// CHECK-NOT: func.call
// CUDA-COUNT-4: nvgpu.mma.sync
// HIP-COUNT-2: amdgpu.mfma
// CHECK: 3.750000e+00
// CHECK: llvm.intr.fma
// CHECK: arith.divf
// CHECK-NOT: math.
// CHECK: gpu.return

// GELU (erf), f32, ungated: X, perm, offsets, Wu, tiles -> H (one B
// tile); erf piecewise rational on [0, 0.8), [0.8, 2), [2, 3.75), 1 beyond.
// CHECK-LABEL: gpu.func @moe_up_gelu_f32(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x?x?xf32>, %{{.*}}: memref<?x2xi32>, %{{.*}}: memref<?x?xf32>) workgroup(%{{.*}} : memref<32x16xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x16xf32, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 5, 1, 32, 4, 0, 1>
// CHECK-NOT: math.
// CHECK: 3.750000e+00
// CHECK: llvm.intr.fma
// CHECK-NOT: math.
// CHECK: gpu.return
// CHECK-LABEL: gpu.func @moe_shared_up_gelu_f32(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x?xf32>) workgroup(
// CHECK-NOT: math.
// CHECK: llvm.intr.fma
// CHECK: gpu.return

// grouped_matmul: X, W, offsets -> Y (bf16), status; grid (N / 32, R / 32,
// E + 1); the last layer zeroes the rows of no group, its first thread
// checks the offsets (a walk over E + 1) and stores 1 (kIndexOutOfRange).
// CHECK-LABEL: gpu.func @grouped_matmul_bf16(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?x?x?xbf16>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<1xi32>) workgroup(%{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x16xbf16, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 3, 1, 32, 3, 0, 32, 2, 0, 1>
// CHECK: gpu.block_id  z
// CHECK: gpu.barrier
// CUDA-COUNT-2: nvgpu.mma.sync
// HIP: amdgpu.mfma
// CHECK: gpu.barrier
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: scf.for {{.*}} -> (index, i1)
// CHECK: memref.store %c1_i32{{.*}} : memref<1xi32>
// CHECK: scf.for
// CHECK: arith.cmpi uge
// CHECK: gpu.return
// CHECK-LABEL: gpu.func @grouped_matmul_f32(
// CHECK-NOT: nvgpu.mma.sync
// CHECK-NOT: amdgpu.mfma
// CHECK: gpu.return

func.func @route(%logits: tensor<16x8xf32>) -> (tensor<16x2xf32>, tensor<16x2xi32>) {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>}
      : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  return %w, %e : tensor<16x2xf32>, tensor<16x2xi32>
}

func.func @dispatch(%experts: tensor<16x2xi32>) -> (tensor<32xi32>, tensor<9xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 8 : i64, capacity_factor = 1.25 : f32}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
  return %perm, %off : tensor<32xi32>, tensor<9xi32>
}

func.func @experts(%x: tensor<16x64xbf16>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>,
                   %off: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xbf16>,
                   %wd: tensor<8x64x128xbf16>) -> tensor<16x64xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xbf16>)
      up(%wu : tensor<8x128x64xbf16>) down(%wd : tensor<8x64x128xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x64xbf16>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xbf16>
  return %y : tensor<16x64xbf16>
}

func.func @experts_geglu(%x: tensor<16x64xbf16>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>,
                   %off: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xbf16>,
                   %wd: tensor<8x64x128xbf16>) -> tensor<16x64xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xbf16>)
      up(%wu : tensor<8x128x64xbf16>) down(%wd : tensor<8x64x128xbf16>)
      {activation = #seq.ffn_activation<geglu>}
      : tensor<16x64xbf16>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xbf16>
  return %y : tensor<16x64xbf16>
}

func.func @experts_gelu_shared(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %perm: tensor<10xi32>,
    %off: tensor<4xi32>, %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>, %su: tensor<10x8xf32>,
    %sd: tensor<8x10xf32>) -> tensor<5x8xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<3x6x8xf32>)
      down(%wd : tensor<3x8x6xf32>) shared_up(%su : tensor<10x8xf32>)
      shared_down(%sd : tensor<8x10xf32>) {activation = #seq.ffn_activation<gelu>}
      : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}

func.func @grouped(%in: tensor<100x72xbf16>, %w: tensor<5x80x72xbf16>, %off: tensor<6xi32>)
    -> tensor<100x80xbf16> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<100x72xbf16>, tensor<5x80x72xbf16>, tensor<6xi32> -> tensor<100x80xbf16>
  return %y : tensor<100x80xbf16>
}

func.func @grouped_f32(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}
