// seq-gpu-elementwise-kernels maps seq.swiglu and the residual add
// (arith.addf on tensors) to grid-stride loops over the flattened
// elements (256 threads, 1024 elements a block), seq.rope to a block per
// (tile of positions, head, batch row) with a thread per rotation pair, its
// inverse frequencies a constant global and sin/cos computed in the kernel
// (a quadrant from k mod 4); seq-gpu-sample-kernels maps greedy seq.sample
// to an argmax block per row (shuffles, then workgroup memory after a
// barrier). Temperature sampling has no kernel yet.

// RUN: seqc-opt %S/Inputs/elementwise.mlir --seq-gpu-elementwise-kernels=target=cuda:sm_80 --seq-gpu-sample-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %S/Inputs/elementwise.mlir --seq-gpu-elementwise-kernels=target=hip:gfx942 --seq-gpu-sample-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: seqc-opt %s --seq-gpu-sample-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=SAMPLED
// RUN: not seqc-opt %s --seq-gpu-elementwise-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU

// CHECK: seq.swiglu {{.*}}seq.gpu_kernel = @seq_kernels::@swiglu_bf16
// CHECK: arith.addf {{.*}}seq.gpu_kernel = @seq_kernels::@add_f16
// CHECK: seq.rope {{.*}}seq.gpu_kernel = @seq_kernels::@rope_bf16_neox_d128_r128_[[HASH:[0-9a-f]+]]
// CHECK: seq.rope {{.*}}seq.gpu_kernel = @seq_kernels::@rope_f32_gptj_d24_r8_
// CHECK: seq.sample {{.*}}seq.gpu_kernel = @seq_kernels::@argmax_bf16

// CHECK: gpu.func @swiglu_bf16(%{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xbf16>) kernel attributes {known_block_size = array<i32: 256, 1, 1>, seq.launch_grid = array<i64: 2, 0, 1024>}
// CHECK: scf.for
// CHECK: llvm.intr.exp2
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: gpu.func @add_f16(

// 64 pair slots a row at D = 128: 16 positions a block.
// CHECK: memref.global "private" constant @rope_bf16_neox_d128_r128_[[HASH]]_inv_freq : memref<64xf32, #gpu.address_space<global>> = dense<[1.000000e+00,
// CHECK: gpu.func @rope_bf16_neox_d128_r128_[[HASH]](%{{.*}}: memref<?x?x?x?xbf16>, %{{.*}}: memref<?x?xi32>, %{{.*}}: memref<?x?x?x?xbf16>) kernel
// CHECK-SAME: seq.launch_grid = array<i64: 2, 2, 16, 2, 1, 1, 2, 0, 1>
// CHECK: memref.get_global @rope_bf16_neox_d128_r128_[[HASH]]_inv_freq
// CHECK: scf.for
// CHECK: arith.fptosi {{.*}} : f32 to i32
// CHECK: arith.andi {{.*}}, %c3_i32 : i32
// CHECK: gpu.return
// A partial rotary: the slots past R/2 copy the tail.
// CHECK: memref.global "private" constant @rope_f32_gptj_d24_r8_{{[0-9a-f]+}}_inv_freq : memref<4xf32, #gpu.address_space<global>> = dense<[1.000000e+00, 1.000000e-01, 0.00999999977, 1.000000e-03]>
// CHECK: gpu.func @rope_f32_gptj_d24_r8_

// CHECK: gpu.func @argmax_bf16(%{{.*}}: memref<?x?xbf16>, %{{.*}}: memref<?xi32>) workgroup(%{{.*}} : memref<4xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>) kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 1, 0, 1>
// CHECK: scf.for {{.*}} -> (f32, i32, i32)
// CHECK: arith.cmpf uno
// HIP: gpu.shuffle  xor %{{.*}}, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32
// CHECK: gpu.barrier
// CHECK: arith.select {{.*}}, %c-1_i32, {{.*}} : i32

// Temperature sampling (SampleKernel.cpp): the parameters' f32 bits in the
// name, the Philox words as an i32 [4] argument, grid.x over the tokens.
// SAMPLED: seq.sample {{.*}}seq.gpu_kernel = @seq_kernels::@sample_f32_t3f333333_k0_p3f800000
// SAMPLED: gpu.func @sample_f32_t3f333333_k0_p3f800000(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<4xi32>, %{{.*}}: memref<?xi32>)
// SAMPLED-SAME: seq.launch_grid = array<i64: 2, 0, 1>
// SAMPLED: llvm.intr.fma
// SAMPLED: arith.mului_extended
// NOTGPU: seq-gpu-elementwise-kernels: 'cpu' is not a GPU target

func.func @sampled(%logits: tensor<2x100xf32>, %seed: i64) -> tensor<2xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%seed) counter(%c0) {sampling = #seq.sampling<temperature = 0.7>}
      : tensor<2x100xf32> -> tensor<2xi32>
  return %t : tensor<2xi32>
}
