// Tolerances: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU test
// of that golden); bf16 rtol 2e-2 / atol 2e-2 and f16 rtol 5e-3 / atol
// 5e-3 (the output is rounded to bf16 / f16; the products accumulate in
// f32).
//
// seq.grouped_matmul on the GPU (the down kernel's grouped GEMM with rows
// in place), emulated through the CUDA mapping (sm_80: nvgpu.mma.sync
// m16n8k16) and the HIP mapping (gfx942: MFMA 16x16x16):
// * f32 (f32 FMAs): the CPU test's golden (../CPU/Inputs/grouped_matmul,
//   gen/gen_moe.py): offsets [0, 5, 5, 12, 18] over 20 rows (group 1
//   empty, rows 18 and 19 zero);
// * bf16 and f16 on the matrix instruction (Inputs/grouped_matmul_gpu_*,
//   gen/gen_moe_gpu.py): 100 rows over offsets [3, 40, 40, 77, 90, 96]
//   (rows 0-2 and 96-99 zero, groups over two row tiles), K = 72, N = 80.
// The status word (argument 4) stays 0 for these offsets. Invalid offsets
// (Inputs/grouped_matmul_hostile: decreasing [3, 40, 20, ...], past R
// [..., 101], negative [-4, ...]) store 1 (kIndexOutOfRange, as the CPU
// raises it) and the kernel still finishes without an out-of-bounds access
// (the emulator bounds-checks every access; the result is unspecified).

// DEFINE: %{cpu} = %S/../CPU/Inputs/grouped_matmul
// DEFINE: %{bf16} = %S/Inputs/grouped_matmul_gpu_bf16
// DEFINE: %{f16} = %S/Inputs/grouped_matmul_gpu_f16
// DEFINE: %{zero} = %S/Inputs/moe_tiles/status0.npy
// DEFINE: %{bad} = %S/Inputs/grouped_matmul_hostile
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=grouped_matmul_f32 --arg 0=%{cpu}/input.npy \
// RUN:   --arg 1=%{cpu}/weight.npy --arg 2=%{cpu}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{cpu}/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=CUDA-F32
// RUN: seq-gpu-emu %t.hip.mlir --kernel=grouped_matmul_f32 --arg 0=%{cpu}/input.npy \
// RUN:   --arg 1=%{cpu}/weight.npy --arg 2=%{cpu}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{cpu}/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=HIP-F32
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=grouped_matmul_bf16 --arg 0=%{bf16}/input.npy \
// RUN:   --arg 1=%{bf16}/weight.npy --arg 2=%{bf16}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{bf16}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=CUDA-BF16
// RUN: seq-gpu-emu %t.hip.mlir --kernel=grouped_matmul_bf16 --arg 0=%{bf16}/input.npy \
// RUN:   --arg 1=%{bf16}/weight.npy --arg 2=%{bf16}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{bf16}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=HIP-BF16
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=grouped_matmul_f16 --arg 0=%{f16}/input.npy \
// RUN:   --arg 1=%{f16}/weight.npy --arg 2=%{f16}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{f16}/out.npy --rtol 5e-3 --atol 5e-3 | FileCheck %s --check-prefix=CUDA-F16
// RUN: seq-gpu-emu %t.hip.mlir --kernel=grouped_matmul_f16 --arg 0=%{f16}/input.npy \
// RUN:   --arg 1=%{f16}/weight.npy --arg 2=%{f16}/offsets.npy \
// RUN:   --arg 4=%{zero} --expect 4=%{zero} --expect 3=%{f16}/out.npy --rtol 5e-3 --atol 5e-3 | FileCheck %s --check-prefix=HIP-F16
// RUN: for o in decreasing past negative; do \
// RUN:   seq-gpu-emu %t.cuda.mlir --kernel=grouped_matmul_bf16 --arg 0=%{bf16}/input.npy \
// RUN:     --arg 1=%{bf16}/weight.npy --arg 2=%{bad}/offsets_$o.npy --scratch 3=100x80 \
// RUN:     --arg 4=%{zero} --expect 4=%S/Inputs/moe_tiles/status1.npy --rtol 0 --atol 0; \
// RUN:   seq-gpu-emu %t.hip.mlir --kernel=grouped_matmul_f16 --arg 0=%{f16}/input.npy \
// RUN:     --arg 1=%{f16}/weight.npy --arg 2=%{bad}/offsets_$o.npy --scratch 3=100x80 \
// RUN:     --arg 4=%{zero} --expect 4=%S/Inputs/moe_tiles/status1.npy --rtol 0 --atol 0; \
// RUN: done | FileCheck %s --check-prefix=HOSTILE
// HOSTILE-COUNT-6: output 4: 1 values, max abs error 0{{.*}}, 0 outside

// Grid (N / 32, R / 32, E + 1): f32 1 x 1 x 5; bf16/f16 3 x 4 x 6.
// CUDA-F32: emulated grouped_matmul_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-F32: output 3: 480 values, max abs error {{.*}}, 0 outside
// HIP-F32: emulated grouped_matmul_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-F32: output 3: 480 values, max abs error {{.*}}, 0 outside
// CUDA-BF16: emulated grouped_matmul_bf16 on cuda:sm_80: 72 blocks x 128 threads
// CUDA-BF16: output 3: 8000 values, max abs error {{.*}}, 0 outside
// HIP-BF16: emulated grouped_matmul_bf16 on hip:gfx942: 72 blocks x 256 threads
// HIP-BF16: output 3: 8000 values, max abs error {{.*}}, 0 outside
// CUDA-F16: emulated grouped_matmul_f16 on cuda:sm_80: 72 blocks x 128 threads
// CUDA-F16: output 3: 8000 values, max abs error {{.*}}, 0 outside
// HIP-F16: emulated grouped_matmul_f16 on hip:gfx942: 72 blocks x 256 threads
// HIP-F16: output 3: 8000 values, max abs error {{.*}}, 0 outside

func.func @f32(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}

func.func @bf16(%in: tensor<100x72xbf16>, %w: tensor<5x80x72xbf16>, %off: tensor<6xi32>)
    -> tensor<100x80xbf16> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<100x72xbf16>, tensor<5x80x72xbf16>, tensor<6xi32> -> tensor<100x80xbf16>
  return %y : tensor<100x80xbf16>
}

func.func @f16(%in: tensor<100x72xf16>, %w: tensor<5x80x72xf16>, %off: tensor<6xi32>)
    -> tensor<100x80xf16> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<100x72xf16>, tensor<5x80x72xf16>, tensor<6xi32> -> tensor<100x80xf16>
  return %y : tensor<100x80xf16>
}
