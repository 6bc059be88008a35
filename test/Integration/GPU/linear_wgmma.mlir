// Tolerance (bf16, f16): rtol 2e-2 / atol 2e-2, as the other GPU linear
// tests.
//
// The sm_90a linear kernel on wgmma (a warpgroup per 64 x 64 tile,
// wgmma.mma_async m64n64k16 reading X and W from shared memory through
// descriptors, cp.async into two buffers), emulated against PyTorch
// (gen/gen_linear_wgmma.py): bf16 with bias over 2 x 2 partial tiles and a
// last K step 8 columns deep (70 x 72 by 80 x 72), f16 without bias on one
// partial tile with 72-byte rows (the element-by-element copy). sm_80
// keeps mma.sync. Nothing has run this kernel on a GPU: emulation and
// ptxas (test/Target/GPU/wgmma-codegen.test) only.

// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// RUN: seq-gpu-emu %t.mlir --kernel=linear_bf16_bias \
// RUN:   --arg 0=%S/Inputs/linear_wgmma_bf16/x.npy \
// RUN:   --arg 1=%S/Inputs/linear_wgmma_bf16/weight.npy \
// RUN:   --arg 2=%S/Inputs/linear_wgmma_bf16/bias.npy \
// RUN:   --expect 3=%S/Inputs/linear_wgmma_bf16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.mlir --kernel=linear_f16 \
// RUN:   --arg 0=%S/Inputs/linear_wgmma_f16/x.npy \
// RUN:   --arg 1=%S/Inputs/linear_wgmma_f16/weight.npy \
// RUN:   --expect 2=%S/Inputs/linear_wgmma_f16/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=F16
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o - | FileCheck %s --check-prefix=SM80

// IR: gpu.func @linear_bf16_bias({{.*}}) workgroup(%{{.*}} : memref<2x8x4x8x8xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}, %{{.*}} : memref<2x8x4x8x8xbf16, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}) kernel attributes {known_block_size = array<i32: 128, 1, 1>, seq.launch_grid = array<i64: 3, 1, 64, 3, 0, 64>}
// IR: memref.extract_aligned_pointer_as_index
// IR: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1}
// IR: nvvm.cp.async.wait.group 0
// IR-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// IR-NEXT: gpu.barrier
// IR: nvvm.wgmma.fence.aligned
// IR: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// IR: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>
// IR-NEXT: nvvm.wgmma.commit.group.sync.aligned
// IR-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// IR: gpu.func @linear_f16(
// IR: nvvm.wgmma.mma_async {{.*}} A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]

// 2 x 2 blocks, 3 K steps of one barrier and 4 warpgroup collectives (2
// wgmma, commit, wait).
// BF16: emulated linear_bf16_bias on cuda:sm_90a: 4 blocks x 128 threads, 12 barriers, 48 warp collectives
// BF16: output 3: 5600 values, max abs error {{.*}}, 0 outside
// F16: emulated linear_f16 on cuda:sm_90a: 1 blocks x 128 threads, 2 barriers, 8 warp collectives
// F16: output 2: 1665 values, max abs error {{.*}}, 0 outside

// SM80: gpu.func @linear_bf16_bias
// SM80-NOT: wgmma
// SM80: nvgpu.mma.sync

func.func @main(%x: tensor<70x72xbf16>, %w: tensor<80x72xbf16>,
                %b: tensor<80xbf16>, %xh: tensor<37x36xf16>,
                %wh: tensor<45x36xf16>)
    -> (tensor<70x80xbf16>, tensor<37x45xf16>) {
  %y = seq.linear %x, %w bias(%b : tensor<80xbf16>)
      : tensor<70x72xbf16>, tensor<80x72xbf16> -> tensor<70x80xbf16>
  %yh = seq.linear %xh, %wh
      : tensor<37x36xf16>, tensor<45x36xf16> -> tensor<37x45xf16>
  return %y, %yh : tensor<70x80xbf16>, tensor<37x45xf16>
}
