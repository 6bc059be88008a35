// seq-gpu-scan-kernels maps a seq.scan onto groups of lanes, one lane per
// state element: what depends on neither the time nor N (A = -exp(A_log))
// before the sequence loop; what depends on the time only (softplus(dt),
// x) once per step by lane (t mod group), handed out by gpu.shuffle idx;
// the rest per lane; y summed over N by gpu.shuffle xor, lane k keeping
// step k's sum. seq.scan_step is the same without the loop.
// seq-gpu-conv-kernels maps seq.causal_conv1d onto a block per (tile of
// time steps, batch row), threads over (time, channel), K taps unrolled.

// RUN: seqc-opt %S/Inputs/scans.mlir --seq-gpu-scan-kernels=target=cuda:sm_80 --seq-gpu-conv-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %S/Inputs/scans.mlir --seq-gpu-scan-kernels=target=hip:gfx942 --seq-gpu-conv-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %S/Inputs/scans.mlir --seq-gpu-scan-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %S/Inputs/scans.mlir --seq-gpu-conv-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %S/Inputs/scans.mlir "--seq-gpu-scan-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION
// RUN: not seqc-opt %S/Inputs/scan-unsupported.mlir --split-input-file --seq-gpu-scan-kernels=target=cuda:sm_80 2>&1 | FileCheck %s --check-prefix=NOKERNEL
// RUN: not seqc %S/Inputs/scan-unsupported.mlir --target=cuda:sm_80 -emit=gpu-kernels -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SEQC
// RUN: seqc-opt %S/../../Integration/GPU/scan_mamba2.mlir --canonicalize --seq-gpu-scan-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=MAMBA2
// RUN: seqc-opt %S/../../Integration/GPU/scan_mamba2_wide.mlir --canonicalize --seq-gpu-scan-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=WIDE

// CHECK: func.func @mamba1
// CHECK: {seq.gpu_kernel = @seq_kernels::@scan_f32_g16}
// CHECK: func.func @mamba1_bf16
// CHECK: {seq.gpu_kernel = @seq_kernels::@scan_f32_g16_1}
// CHECK: func.func @step(
// CHECK: {seq.gpu_kernel = @seq_kernels::@scan_step_f32_g16}
// CHECK: func.func @decode
// CHECK: seq.causal_conv1d {{.*}}seq.gpu_kernel = @seq_kernels::@causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r3

// Mamba-1: 8 (CUDA) or 16 (HIP) channels of 16 lanes a block, grid over
// the state's channels (argument 6, dimension 1) and batch rows.
// CHECK: gpu.func @scan_f32_g16(
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>, seq.launch_grid = array<i64: 6, 1, 8, 6, 0, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>, seq.launch_grid = array<i64: 6, 1, 16, 6, 0, 1>
// CHECK-NOT: gpu.barrier
// The initial state, dt_bias and A = -exp(A_log): once, before the loop.
// CHECK: %[[H0:.*]] = memref.load %arg6
// CHECK: memref.load %arg1
// CHECK: %[[ALOG:.*]] = memref.load %arg3
// CHECK: arith.mulf %[[ALOG]]
// CHECK: llvm.intr.exp2
// CHECK: %[[A:.*]] = arith.negf
// Chunks of 16 steps, the state carried in a register.
// CHECK: scf.for %[[START:.*]] = %{{.*}} to %{{.*}} step %c16{{.*}} iter_args(%{{.*}} = %[[H0]]) -> (f32)
// Lane j's step: dt and x loaded and softplus computed once per step.
// CHECK: memref.load %arg0
// CHECK: %[[X:.*]] = memref.load %arg2
// CHECK: llvm.intr.exp2
// CHECK: llvm.intr.log2
// CHECK: arith.select
// CHECK: %[[SP:.*]] = arith.select
// CHECK: scf.for {{.*}} -> (f32, f32)
// CHECK: gpu.shuffle  idx %[[X]]
// CHECK: gpu.shuffle  idx %[[SP]]
// CHECK: memref.load %arg4
// CHECK: memref.load %arg5
// CHECK: arith.mulf %{{.*}}, %[[A]]
// CHECK: llvm.intr.exp2
// y over the group's 16 lanes.
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK-NOT: gpu.shuffle
// CHECK: scf.yield
// One y store per lane per chunk, the final state after the loop.
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %arg7
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %arg8
// CHECK: gpu.return

// bf16 inputs: widened in the kernel, the state f32.
// CHECK: gpu.func @scan_f32_g16_1(%{{.*}}: memref<?x?x?xbf16>
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: gpu.return

// The decode step: no loop, no shuffle idx, y reduced the same way.
// CHECK: gpu.func @scan_step_f32_g16(
// CHECK-NOT: scf.for
// CHECK-NOT: gpu.shuffle  idx
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: memref.store {{.*}}, %arg7
// CHECK: memref.store {{.*}}, %arg8
// CHECK: gpu.return

// The convolution's decode step: 256 threads, grid over time tiles of 3
// rows (output argument 4, dimension 1) and batch rows; 4 taps from the
// state or the input, SiLU; the first tile's blocks write the final state.
// CHECK: gpu.func @causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r3(
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>, seq.launch_grid = array<i64: 4, 1, 3, 4, 0, 1>
// CHECK: scf.for
// CHECK: memref.load %arg2
// CHECK-COUNT-4: memref.load %arg1
// CHECK: llvm.intr.exp2
// CHECK: memref.store {{.*}}, %arg4
// CHECK: scf.if
// CHECK: scf.for
// CHECK: memref.store {{.*}}, %arg5
// CHECK: gpu.return

// NOTGPU: 'cpu' is not a GPU target
// MUTATION: seq-gpu-scan-kernels: unknown mutation 'typo'
// NOKERNEL: error: seq-gpu-scan-kernels: no GPU kernel for the region op 'math.tanh'
// NOKERNEL: error: seq-gpu-scan-kernels: a scan state whose last dimension has 160 elements (a warp of 32 lanes holds 1 to 128, 4 a lane)
// NOKERNEL: error: seq-gpu-scan-kernels: no GPU kernel for a state of rank 5 (the kernel takes [B, D], [B, D, N] and [B, H, P, N])
// SEQC: error: seq-gpu-scan-kernels: no GPU kernel for the region op 'math.tanh'

// Mamba-2 ([B, H, P, N], after the canonicalizer hoisted the softplus
// threshold out of the regions): grid.z walks the heads and grid.x the P
// channels; the threshold is cloned into the kernel; x is per step
// (shared by shuffle idx), B and C per lane through the group map
// (h floordiv 3); y summed over the 32-lane group.
// MAMBA2: {seq.gpu_kernel = @seq_kernels::@scan_heads_f32_g32}
// MAMBA2: {seq.gpu_kernel = @seq_kernels::@scan_step_heads_f32_g16}
// MAMBA2: gpu.func @scan_heads_f32_g32({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>, seq.launch_grid = array<i64: 6, 2, 4, 6, 0, 1, 6, 1, 1>, seq.param_extents = array<i64: {{.*}}>}
// MAMBA2: %[[HEAD:.*]] = gpu.block_id  z
// MAMBA2: memref.load %arg6[%{{.*}}, %[[HEAD]], %{{.*}}, %{{.*}}]
// MAMBA2: arith.constant 2.000000e+01 : f32
// MAMBA2: scf.for
// MAMBA2: memref.load %arg2[%{{.*}}, %{{.*}}, %[[HEAD]], %{{.*}}]
// MAMBA2: gpu.shuffle  idx
// MAMBA2: arith.divui %[[HEAD]], %c3
// MAMBA2: memref.load %arg4
// MAMBA2: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32
// MAMBA2: gpu.shuffle  xor %{{.*}}, %c1_i32
// MAMBA2: memref.store {{.*}}, %arg7[%{{.*}}, %{{.*}}, %[[HEAD]], %{{.*}}]
// MAMBA2: memref.store {{.*}}, %arg8[%{{.*}}, %[[HEAD]], %{{.*}}, %{{.*}}]
// MAMBA2: gpu.func @scan_step_heads_f32_g16({{.*}}seq.launch_grid = array<i64: 6, 2, 8, 6, 0, 1, 6, 1, 1>, seq.param_extents
// MAMBA2-NOT: scf.for
// MAMBA2: gpu.block_id  z
// MAMBA2: gpu.return

// d_state 128 on a warp of 32: 4 state elements a lane (n = lane + 32 e),
// carried through both loops; the per-step values shared once for all
// four; B and C loaded per element (the group h floordiv 2); the lane's
// four readout terms summed, then the butterfly over the warp. The
// manifest's extent rules: input 4 (B [b, t, h floordiv 2, n]) from the
// init (b, h times 2, n) and the output (t).
// WIDE: gpu.func @scan_heads_f32_g32_e4({{.*}}seq.param_extents = array<i64: {{.*}}4, 0, 6, 0, 1, 4, 1, 7, 1, 1, 4, 2, 6, 1, 2, 4, 3, 6, 3, 1,
// WIDE: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32) {
// WIDE: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32) {
// WIDE-COUNT-3: gpu.shuffle  idx
// WIDE-NOT: gpu.shuffle
// WIDE-COUNT-4: memref.load %arg5
// WIDE-NOT: gpu.shuffle
// WIDE-COUNT-3: arith.addf
// WIDE: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32
// WIDE-COUNT-4: memref.store {{.*}}, %arg8
// WIDE: gpu.return
