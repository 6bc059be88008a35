// Tolerances: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU tests
// of these goldens); bf16 rtol 2e-2 / atol 2e-2 (the bf16 default: H and
// the output are rounded to bf16); the GELU sweep rtol 0 / atol 1e-6 (f32
// pre-activations in [-8, 8]; the measured error is in docs/design/GPU.md).
//
// GeGLU and GELU experts (exact GELU) on the GPU, emulated through the
// CUDA mapping (sm_80) and the HIP mapping (gfx942). GELU's erf is MLIR's
// polynomial approximation inside the gate/up kernel (llvm.intr.fma, no
// device library) in the CPU's formula (seqc/Conversion/ActivationMath.h):
// * bf16 on the matrix instruction (48 tokens, expert 0 over two row tiles,
//   Dm = 48, F = 80): GeGLU and ungated GELU
//   (Inputs/moe_gpu_{geglu,gelu}_bf16, gen/gen_moe_gpu.py);
// * f32 FMAs: the CPU tests' ungated GELU and capacity-limited GeGLU
//   (token 7's slots both dropped: a zero row), and GeGLU with a shared
//   GeGLU expert after the dispatch kernel
//   (../CPU/Inputs/moe_experts_{gelu,geglu_capacity,shared_geglu},
//   gen/gen_moe.py, gen/gen_moe_shared.py);
// * the up kernel's H alone over pre-activations sweeping [-8, 8]
//   (Inputs/moe_gpu_gelu_range) against F.gelu in float64.
// Every reference is PyTorch's F.gelu (exact).

// DEFINE: %{cpu} = %S/../CPU/Inputs
// DEFINE: %{gpu} = %S/Inputs
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 1=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles1.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_geglu_bf16 --arg 0=%{gpu}/moe_gpu_geglu_bf16/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_geglu_bf16/w_gate.npy --arg 4=%{gpu}/moe_gpu_geglu_bf16/w_up.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=96x80 --save 6=%t.cuda.gg16.h.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-GG16-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_bf16 --arg 0=%t.cuda.gg16.h.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_geglu_bf16/w_down.npy --arg 4=%{gpu}/moe_gpu_geglu_bf16/weights.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.cuda.gg16.ys.npy | FileCheck %s --check-prefix=CUDA-GG16-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_bf16 --arg 0=%t.cuda.gg16.ys.npy \
// RUN:   --expect 1=%{gpu}/moe_gpu_geglu_bf16/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=CUDA-GG16
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 1=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles2.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_up_gelu_bf16 --arg 0=%{gpu}/moe_gpu_gelu_bf16/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_gelu_bf16/w_up.npy --arg 4=%t.cuda.tiles2.npy --scratch 5=96x80 --save 5=%t.cuda.ge16.h.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-GE16-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_bf16 --arg 0=%t.cuda.ge16.h.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_gelu_bf16/w_down.npy --arg 4=%{gpu}/moe_gpu_gelu_bf16/weights.npy --arg 5=%t.cuda.tiles2.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.cuda.ge16.ys.npy | FileCheck %s --check-prefix=CUDA-GE16-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_bf16 --arg 0=%t.cuda.ge16.ys.npy \
// RUN:   --expect 1=%{gpu}/moe_gpu_gelu_bf16/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=CUDA-GE16
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{cpu}/moe_experts_gelu/permutation.npy --arg 1=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles3.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_up_gelu_f32 --arg 0=%{cpu}/moe_experts_gelu/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_gelu/permutation.npy --arg 2=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_gelu/w_up.npy --arg 4=%t.cuda.tiles3.npy --scratch 5=16x32 --save 5=%t.cuda.ge32.h.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-GE32-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_f32 --arg 0=%t.cuda.ge32.h.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_gelu/permutation.npy --arg 2=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_gelu/w_down.npy --arg 4=%{cpu}/moe_experts_gelu/weights.npy --arg 5=%t.cuda.tiles3.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.cuda.ge32.ys.npy | FileCheck %s --check-prefix=CUDA-GE32-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_f32 --arg 0=%t.cuda.ge32.ys.npy \
// RUN:   --expect 1=%{cpu}/moe_experts_gelu/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=CUDA-GE32
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 1=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles4.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_geglu_capacity/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 2=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_geglu_capacity/w_gate.npy --arg 4=%{cpu}/moe_experts_geglu_capacity/w_up.npy --arg 5=%t.cuda.tiles4.npy --scratch 6=16x32 --save 6=%t.cuda.gg32.h.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-GG32-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_f32 --arg 0=%t.cuda.gg32.h.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 2=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_geglu_capacity/w_down.npy --arg 4=%{cpu}/moe_experts_geglu_capacity/weights.npy --arg 5=%t.cuda.tiles4.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.cuda.gg32.ys.npy | FileCheck %s --check-prefix=CUDA-GG32-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_f32 --arg 0=%t.cuda.gg32.ys.npy \
// RUN:   --expect 1=%{cpu}/moe_experts_geglu_capacity/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=CUDA-GG32
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_dispatch_e3 --arg 0=%{cpu}/moe_experts_shared_geglu/experts.npy \
// RUN:   --scratch 1=10 --scratch 2=4 --save 1=%t.cuda.sh.perm.npy --save 2=%t.cuda.sh.off.npy
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%t.cuda.sh.perm.npy --arg 1=%t.cuda.sh.off.npy \
// RUN:   --scratch 2=4x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles5.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_shared_geglu/x.npy \
// RUN:   --arg 1=%t.cuda.sh.perm.npy --arg 2=%t.cuda.sh.off.npy --arg 3=%{cpu}/moe_experts_shared_geglu/wg.npy --arg 4=%{cpu}/moe_experts_shared_geglu/wu.npy --arg 5=%t.cuda.tiles5.npy \
// RUN:   --scratch 6=10x6 --save 6=%t.cuda.sh.h.npy
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_f32 --arg 0=%t.cuda.sh.h.npy \
// RUN:   --arg 1=%t.cuda.sh.perm.npy --arg 2=%t.cuda.sh.off.npy --arg 3=%{cpu}/moe_experts_shared_geglu/wd.npy --arg 4=%{cpu}/moe_experts_shared_geglu/w.npy --arg 5=%t.cuda.tiles5.npy \
// RUN:   --scratch 6=10x8 --save 6=%t.cuda.sh.ys.npy
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_shared_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_shared_geglu/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_shared_geglu/sg.npy --arg 2=%{cpu}/moe_experts_shared_geglu/su.npy --scratch 3=5x10 --save 3=%t.cuda.sh.hs.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-SHARED-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_shared_down_f32 --arg 0=%t.cuda.sh.hs.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_shared_geglu/sd.npy --scratch 2=5x8 --save 2=%t.cuda.sh.ysh.npy
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_f32_shared --arg 0=%t.cuda.sh.ys.npy \
// RUN:   --arg 1=%t.cuda.sh.ysh.npy --expect 2=%{cpu}/moe_experts_shared_geglu/out.npy --rtol 1e-4 --atol 1e-5 \
// RUN:   | FileCheck %s --check-prefix=CUDA-SHARED
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_gelu_range/permutation.npy --arg 1=%{gpu}/moe_gpu_gelu_range/expert_offsets.npy \
// RUN:   --scratch 2=4x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles6.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_up_gelu_f32 --arg 0=%{gpu}/moe_gpu_gelu_range/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_range/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_range/expert_offsets.npy --arg 3=%{gpu}/moe_gpu_gelu_range/w_up.npy --arg 4=%t.cuda.tiles6.npy \
// RUN:   --expect 5=%{gpu}/moe_gpu_gelu_range/h_erf.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=CUDA-RANGE
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 1=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles7.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_geglu_bf16 --arg 0=%{gpu}/moe_gpu_geglu_bf16/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_geglu_bf16/w_gate.npy --arg 4=%{gpu}/moe_gpu_geglu_bf16/w_up.npy --arg 5=%t.hip.tiles7.npy --scratch 6=96x80 --save 6=%t.hip.gg16.h.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-GG16-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_bf16 --arg 0=%t.hip.gg16.h.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_geglu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_geglu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_geglu_bf16/w_down.npy --arg 4=%{gpu}/moe_gpu_geglu_bf16/weights.npy --arg 5=%t.hip.tiles7.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.hip.gg16.ys.npy | FileCheck %s --check-prefix=HIP-GG16-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_bf16 --arg 0=%t.hip.gg16.ys.npy \
// RUN:   --expect 1=%{gpu}/moe_gpu_geglu_bf16/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=HIP-GG16
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 1=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles8.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_up_gelu_bf16 --arg 0=%{gpu}/moe_gpu_gelu_bf16/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_gelu_bf16/w_up.npy --arg 4=%t.hip.tiles8.npy --scratch 5=96x80 --save 5=%t.hip.ge16.h.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-GE16-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_bf16 --arg 0=%t.hip.ge16.h.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_bf16/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_bf16/expert_offsets.npy \
// RUN:   --arg 3=%{gpu}/moe_gpu_gelu_bf16/w_down.npy --arg 4=%{gpu}/moe_gpu_gelu_bf16/weights.npy --arg 5=%t.hip.tiles8.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.hip.ge16.ys.npy | FileCheck %s --check-prefix=HIP-GE16-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_bf16 --arg 0=%t.hip.ge16.ys.npy \
// RUN:   --expect 1=%{gpu}/moe_gpu_gelu_bf16/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=HIP-GE16
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{cpu}/moe_experts_gelu/permutation.npy --arg 1=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles9.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_up_gelu_f32 --arg 0=%{cpu}/moe_experts_gelu/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_gelu/permutation.npy --arg 2=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_gelu/w_up.npy --arg 4=%t.hip.tiles9.npy --scratch 5=16x32 --save 5=%t.hip.ge32.h.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-GE32-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_f32 --arg 0=%t.hip.ge32.h.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_gelu/permutation.npy --arg 2=%{cpu}/moe_experts_gelu/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_gelu/w_down.npy --arg 4=%{cpu}/moe_experts_gelu/weights.npy --arg 5=%t.hip.tiles9.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.hip.ge32.ys.npy | FileCheck %s --check-prefix=HIP-GE32-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_f32 --arg 0=%t.hip.ge32.ys.npy \
// RUN:   --expect 1=%{cpu}/moe_experts_gelu/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=HIP-GE32
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 1=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles10.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_geglu_capacity/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 2=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_geglu_capacity/w_gate.npy --arg 4=%{cpu}/moe_experts_geglu_capacity/w_up.npy --arg 5=%t.hip.tiles10.npy --scratch 6=16x32 --save 6=%t.hip.gg32.h.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-GG32-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_f32 --arg 0=%t.hip.gg32.h.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_geglu_capacity/permutation.npy --arg 2=%{cpu}/moe_experts_geglu_capacity/expert_offsets.npy \
// RUN:   --arg 3=%{cpu}/moe_experts_geglu_capacity/w_down.npy --arg 4=%{cpu}/moe_experts_geglu_capacity/weights.npy --arg 5=%t.hip.tiles10.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.hip.gg32.ys.npy | FileCheck %s --check-prefix=HIP-GG32-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_f32 --arg 0=%t.hip.gg32.ys.npy \
// RUN:   --expect 1=%{cpu}/moe_experts_geglu_capacity/out.npy --rtol 1e-4 --atol 1e-5 | FileCheck %s --check-prefix=HIP-GG32
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_dispatch_e3 --arg 0=%{cpu}/moe_experts_shared_geglu/experts.npy \
// RUN:   --scratch 1=10 --scratch 2=4 --save 1=%t.hip.sh.perm.npy --save 2=%t.hip.sh.off.npy
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%t.hip.sh.perm.npy --arg 1=%t.hip.sh.off.npy \
// RUN:   --scratch 2=4x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles11.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_shared_geglu/x.npy \
// RUN:   --arg 1=%t.hip.sh.perm.npy --arg 2=%t.hip.sh.off.npy --arg 3=%{cpu}/moe_experts_shared_geglu/wg.npy --arg 4=%{cpu}/moe_experts_shared_geglu/wu.npy --arg 5=%t.hip.tiles11.npy \
// RUN:   --scratch 6=10x6 --save 6=%t.hip.sh.h.npy
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_f32 --arg 0=%t.hip.sh.h.npy \
// RUN:   --arg 1=%t.hip.sh.perm.npy --arg 2=%t.hip.sh.off.npy --arg 3=%{cpu}/moe_experts_shared_geglu/wd.npy --arg 4=%{cpu}/moe_experts_shared_geglu/w.npy --arg 5=%t.hip.tiles11.npy \
// RUN:   --scratch 6=10x8 --save 6=%t.hip.sh.ys.npy
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_shared_gate_up_geglu_f32 --arg 0=%{cpu}/moe_experts_shared_geglu/x.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_shared_geglu/sg.npy --arg 2=%{cpu}/moe_experts_shared_geglu/su.npy --scratch 3=5x10 --save 3=%t.hip.sh.hs.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-SHARED-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_shared_down_f32 --arg 0=%t.hip.sh.hs.npy \
// RUN:   --arg 1=%{cpu}/moe_experts_shared_geglu/sd.npy --scratch 2=5x8 --save 2=%t.hip.sh.ysh.npy
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_f32_shared --arg 0=%t.hip.sh.ys.npy \
// RUN:   --arg 1=%t.hip.sh.ysh.npy --expect 2=%{cpu}/moe_experts_shared_geglu/out.npy --rtol 1e-4 --atol 1e-5 \
// RUN:   | FileCheck %s --check-prefix=HIP-SHARED
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{gpu}/moe_gpu_gelu_range/permutation.npy --arg 1=%{gpu}/moe_gpu_gelu_range/expert_offsets.npy \
// RUN:   --scratch 2=4x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles12.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_up_gelu_f32 --arg 0=%{gpu}/moe_gpu_gelu_range/x.npy \
// RUN:   --arg 1=%{gpu}/moe_gpu_gelu_range/permutation.npy --arg 2=%{gpu}/moe_gpu_gelu_range/expert_offsets.npy --arg 3=%{gpu}/moe_gpu_gelu_range/w_up.npy --arg 4=%t.hip.tiles12.npy \
// RUN:   --expect 5=%{gpu}/moe_gpu_gelu_range/h_erf.npy --rtol 0 --atol 1e-6 | FileCheck %s --check-prefix=HIP-RANGE

// Grid (column tiles, tile-list entries: ceil(S / 32) + E): bf16 gate/up
// 3 x 7, down 2 x 7; f32 (S = 16) 1 x 5 and 1 x 5.
// CUDA-GG16-GU: emulated moe_gate_up_geglu_bf16 on cuda:sm_80: 21 blocks x 128 threads
// CUDA-GG16-DOWN: emulated moe_down_bf16 on cuda:sm_80: 14 blocks x 128 threads
// CUDA-GG16: output 1: 2304 values, max abs error {{.*}}, 0 outside
// CUDA-GE16-GU: emulated moe_up_gelu_bf16 on cuda:sm_80: 21 blocks x 128 threads
// CUDA-GE16-DOWN: emulated moe_down_bf16 on cuda:sm_80: 14 blocks x 128 threads
// CUDA-GE16: output 1: 2304 values, max abs error {{.*}}, 0 outside
// CUDA-GE32-GU: emulated moe_up_gelu_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-GE32-DOWN: emulated moe_down_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-GE32: output 1: 128 values, max abs error {{.*}}, 0 outside
// CUDA-GG32-GU: emulated moe_gate_up_geglu_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-GG32-DOWN: emulated moe_down_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-GG32: output 1: 128 values, max abs error {{.*}}, 0 outside
// CUDA-SHARED-GU: emulated moe_shared_gate_up_geglu_f32 on cuda:sm_80: 1 blocks x 128 threads
// CUDA-SHARED: output 2: 40 values, max abs error {{.*}}, 0 outside
// CUDA-RANGE: output 5: 5120 values, max abs error {{.*}}, 0 outside
// HIP-GG16-GU: emulated moe_gate_up_geglu_bf16 on hip:gfx942: 21 blocks x 256 threads
// HIP-GG16-DOWN: emulated moe_down_bf16 on hip:gfx942: 14 blocks x 256 threads
// HIP-GG16: output 1: 2304 values, max abs error {{.*}}, 0 outside
// HIP-GE16-GU: emulated moe_up_gelu_bf16 on hip:gfx942: 21 blocks x 256 threads
// HIP-GE16-DOWN: emulated moe_down_bf16 on hip:gfx942: 14 blocks x 256 threads
// HIP-GE16: output 1: 2304 values, max abs error {{.*}}, 0 outside
// HIP-GE32-GU: emulated moe_up_gelu_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-GE32-DOWN: emulated moe_down_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-GE32: output 1: 128 values, max abs error {{.*}}, 0 outside
// HIP-GG32-GU: emulated moe_gate_up_geglu_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-GG32-DOWN: emulated moe_down_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-GG32: output 1: 128 values, max abs error {{.*}}, 0 outside
// HIP-SHARED-GU: emulated moe_shared_gate_up_geglu_f32 on hip:gfx942: 1 blocks x 256 threads
// HIP-SHARED: output 2: 40 values, max abs error {{.*}}, 0 outside
// HIP-RANGE: output 5: 5120 values, max abs error {{.*}}, 0 outside

func.func @geglu_bf16(%x: tensor<48x48xbf16>, %w: tensor<48x2xf32>, %perm: tensor<96xi32>,
    %off: tensor<5xi32>, %wg: tensor<4x80x48xbf16>, %wu: tensor<4x80x48xbf16>,
    %wd: tensor<4x48x80xbf16>) -> tensor<48x48xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x80x48xbf16>)
      up(%wu : tensor<4x80x48xbf16>) down(%wd : tensor<4x48x80xbf16>)
      {activation = #seq.ffn_activation<geglu>}
      : tensor<48x48xbf16>, tensor<48x2xf32>, tensor<96xi32>, tensor<5xi32> -> tensor<48x48xbf16>
  return %y : tensor<48x48xbf16>
}

func.func @gelu_bf16(%x: tensor<48x48xbf16>, %w: tensor<48x2xf32>, %perm: tensor<96xi32>,
    %off: tensor<5xi32>, %wu: tensor<4x80x48xbf16>, %wd: tensor<4x48x80xbf16>)
    -> tensor<48x48xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x80x48xbf16>) down(%wd : tensor<4x48x80xbf16>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<48x48xbf16>, tensor<48x2xf32>, tensor<96xi32>, tensor<5xi32> -> tensor<48x48xbf16>
  return %y : tensor<48x48xbf16>
}

func.func @gelu_f32(%x: tensor<8x16xf32>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
    %off: tensor<5xi32>, %wu: tensor<4x32x16xf32>, %wd: tensor<4x16x32xf32>)
    -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<gelu>}
      : tensor<8x16xf32>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

func.func @geglu_f32(%x: tensor<8x16xf32>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
    %off: tensor<5xi32>, %wg: tensor<4x32x16xf32>, %wu: tensor<4x32x16xf32>,
    %wd: tensor<4x16x32xf32>) -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xf32>)
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<geglu>}
      : tensor<8x16xf32>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

func.func @shared_geglu(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %e: tensor<5x2xi32>,
    %wg: tensor<3x6x8xf32>, %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>,
    %sg: tensor<10x8xf32>, %su: tensor<10x8xf32>, %sd: tensor<8x10xf32>) -> tensor<5x8xf32> {
  %perm, %off = seq.moe_dispatch %e {num_experts = 3 : i64}
      : tensor<5x2xi32> -> tensor<10xi32>, tensor<4xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<3x6x8xf32>)
      up(%wu : tensor<3x6x8xf32>) down(%wd : tensor<3x8x6xf32>)
      shared_gate(%sg : tensor<10x8xf32>) shared_up(%su : tensor<10x8xf32>)
      shared_down(%sd : tensor<8x10xf32>) {activation = #seq.ffn_activation<geglu>}
      : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}
// TILES: output 3: 1 values, max abs error 0{{.*}}, 0 outside
