// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the other bf16 linear tests.
//
// The cp.async staging of the bf16 linear kernel on cuda:sm_80, emulated
// against PyTorch (gen/gen_linear_gpu.py): with K = 40 every row of X and
// W is a whole number of 16-byte chunks, so the tiles arrive by cp.async
// (two buffers, the next K step's copies in flight) with the last K
// step's second chunk zero-filled and the rows past M = 37 and N = 45
// zero-filled by the copies' source size; with K = 36 (72-byte rows) the
// same kernel takes the synchronous copy at run time. The HIP mapping
// (no cp.async on gfx942) runs the same data.

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/Inputs/linear_gpu_bf16_k40/x.npy \
// RUN:   --arg 1=%S/Inputs/linear_gpu_bf16_k40/weight.npy \
// RUN:   --arg 2=%S/Inputs/linear_gpu_bf16_k40/bias.npy \
// RUN:   --expect 3=%S/Inputs/linear_gpu_bf16_k40/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=K40
// RUN: seq-gpu-emu %t.cuda.mlir --arg 0=%S/Inputs/linear_gpu_bf16_k36/x.npy \
// RUN:   --arg 1=%S/Inputs/linear_gpu_bf16_k36/weight.npy \
// RUN:   --arg 2=%S/Inputs/linear_gpu_bf16_k36/bias.npy \
// RUN:   --expect 3=%S/Inputs/linear_gpu_bf16_k36/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=K36
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --arg 0=%S/Inputs/linear_gpu_bf16_k40/x.npy \
// RUN:   --arg 1=%S/Inputs/linear_gpu_bf16_k40/weight.npy \
// RUN:   --arg 2=%S/Inputs/linear_gpu_bf16_k40/bias.npy \
// RUN:   --expect 3=%S/Inputs/linear_gpu_bf16_k40/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=HIP

// IR: gpu.func @linear_bf16_bias({{.*}}) workgroup(%{{.*}} : memref<2x32x16xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2x32x16xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// IR: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1}
// IR: nvvm.cp.async.commit.group
// IR: nvvm.cp.async.wait.group 0
// IR-NEXT: gpu.barrier

// A 2 x 2 grid, 3 K steps of one barrier each.
// K40: emulated linear_bf16_bias on cuda:sm_80: 4 blocks x 128 threads, 12 barriers, 96 warp collectives
// K40: output 3: 1665 values, max abs error {{.*}}, 0 outside
// K36: emulated linear_bf16_bias on cuda:sm_80: 4 blocks x 128 threads, 12 barriers, 96 warp collectives
// K36: output 3: 1665 values, max abs error {{.*}}, 0 outside
// HIP: output 3: 1665 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<37x40xbf16>, %w: tensor<45x40xbf16>, %b: tensor<45xbf16>)
    -> tensor<37x45xbf16> {
  %y = seq.linear %x, %w bias(%b : tensor<45xbf16>)
      : tensor<37x40xbf16>, tensor<45x40xbf16> -> tensor<37x45xbf16>
  return %y : tensor<37x45xbf16>
}
