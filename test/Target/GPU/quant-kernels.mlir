// seq-gpu-quant-kernels maps seq.quantized_linear over q8_0/q4_0/q4_1
// (and the K-quants q4_k/q6_k: quant_linear_q{4,6}_k.mlir, quant-codegen.test)
// onto the GPU with the weights kept packed. Decode shapes (up to 8 rows):
// a warp per output feature, 16-byte vector loads of the quants, the f16
// scale (and min) bitcast from two bytes, nibbles unpacked with and/shift,
// f32 dot products reduced across the warp by xor shuffles. Prefill: f16
// workgroup tiles dequantized between barriers and the chip's matrix
// instruction (mma.sync m16n8k16 on CUDA, 16x16x16 MFMA on HIP).

// RUN: seqc-opt %s --seq-gpu-quant-kernels=target=cuda:sm_80 | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: seqc-opt %s --seq-gpu-quant-kernels=target=hip:gfx942 | FileCheck %s --check-prefixes=CHECK,HIP
// RUN: not seqc-opt %s --seq-gpu-quant-kernels=target=cpu 2>&1 | FileCheck %s --check-prefix=NOTGPU
// RUN: not seqc-opt %s "--seq-gpu-quant-kernels=target=cuda:sm_80 mutation=typo" 2>&1 | FileCheck %s --check-prefix=MUTATION
// RUN: not seqc-opt %S/Inputs/quant-unsupported.mlir --seq-gpu-quant-kernels=target=cuda:sm_80 2>&1 | FileCheck %s --check-prefix=FORMAT

// CHECK: module attributes {gpu.container_module}
// CHECK: seq.quantized_linear {{.*}}seq.gpu_kernel = @seq_kernels::@qlinear_q4_1_decode_bias
// CHECK: seq.quantized_linear {{.*}}seq.gpu_kernel = @seq_kernels::@qlinear_q8_0_prefill
// CUDA: gpu.module @seq_kernels attributes {seq.target = "cuda:sm_80"}
// HIP: gpu.module @seq_kernels attributes {seq.target = "hip:gfx942"}

// CHECK: gpu.func @qlinear_q4_1_decode_bias(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x?xi8>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?x?xf32>) kernel
// CUDA-SAME: known_block_size = array<i32: 128, 1, 1>
// HIP-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME: seq.launch_grid = array<i64: 3, 1, 4>
// CHECK: arith.bitcast %{{.*}} : i16 to f16
// CHECK: vector.load %{{.*}} {alignment = 4 : i64} : memref<?x?xi8>, vector<16xi8>
// CHECK: arith.shrsi {{.*}} : vector<16xi8>
// CHECK: arith.uitofp {{.*}} : vector<16xi8> to vector<16xf32>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x?xf32>, vector<16xf32>
// CHECK: vector.reduction <add>
// CUDA: gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// HIP: gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return

// CHECK: gpu.func @qlinear_q8_0_prefill(
// CHECK-SAME: workgroup(%{{.*}} : memref<32x32xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<32x32xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: seq.launch_grid = array<i64: 2, 1, 32, 2, 0, 32>
// CHECK: arith.sitofp {{.*}} to vector<{{[48]}}xf32>
// CHECK: gpu.barrier
// CUDA-COUNT-4: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// HIP-COUNT-2: amdgpu.mfma 16x16x16 {{.*}} : vector<4xf16>, vector<4xf16>, vector<4xf32>
// CHECK: gpu.barrier
// CHECK: gpu.return

// NOTGPU: seq-gpu-quant-kernels: 'cpu' is not a GPU target
// MUTATION: seq-gpu-quant-kernels: unknown mutation 'typo'
// FORMAT: error: seq-gpu-quant-kernels: cuda:sm_80 runs q8_0, q4_0, q4_1, q4_k and q6_k quantized linear layers, not f16

func.func @decode(%x: tensor<1x2x64xf32>, %w: tensor<12x40xi8>,
                  %b: tensor<12xf32>) -> tensor<1x2x12xf32> {
  %y = seq.quantized_linear %x, %w bias(%b : tensor<12xf32>)
      {format = #seq.quant_format<q4_1>}
      : tensor<1x2x64xf32>, tensor<12x40xi8> -> tensor<1x2x12xf32>
  return %y : tensor<1x2x12xf32>
}

func.func @prefill(%x: tensor<48x64xf32>, %w: tensor<12x68xi8>)
    -> tensor<48x12xf32> {
  %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q8_0>}
      : tensor<48x64xf32>, tensor<12x68xi8> -> tensor<48x12xf32>
  return %y : tensor<48x12xf32>
}
