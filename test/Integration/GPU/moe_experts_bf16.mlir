// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default, as the CPU
// test of these goldens.
//
// The bf16 expert FFN (SwiGLU) on tensor cores, emulated through the CUDA
// mapping (nvgpu.mma.sync m16n8k16) and the HIP mapping (MFMA 16x16x16):
// the gate/up grouped GEMM (rows gathered from the slots' tokens, SiLU(gate)
// * up fused, H in bf16), the down grouped GEMM (scaled by the routing
// weight, written to the slot's row of an f32 workspace) and the combine
// (the K rows of each token summed in order). Two data sets through the
// same kernels: the CPU test's (Integration/CPU/Inputs/moe_experts_swiglu_bf16,
// gen/gen_moe.py: 8 tokens, top-2 of 4 experts, Dm = 16, F = 32) and a
// larger one (Inputs/moe_gpu_bf16, gen/gen_moe_gpu.py: 48 tokens, expert 0
// holding 41 slots, two row tiles, Dm = 48 and F = 80: several K steps and
// partial column tiles).

// DEFINE: %{small} = %S/../CPU/Inputs/moe_experts_swiglu_bf16
// DEFINE: %{large} = %S/Inputs/moe_gpu_bf16
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{small}/permutation.npy --arg 1=%{small}/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles1.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_swiglu_bf16 --arg 0=%{small}/x.npy \
// RUN:   --arg 1=%{small}/permutation.npy --arg 2=%{small}/expert_offsets.npy \
// RUN:   --arg 3=%{small}/w_gate.npy --arg 4=%{small}/w_up.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=16x32 \
// RUN:   --save 6=%t.cs.h.npy | FileCheck %s --check-prefix=SMALL-CUDA-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_bf16 --arg 0=%t.cs.h.npy \
// RUN:   --arg 1=%{small}/permutation.npy --arg 2=%{small}/expert_offsets.npy \
// RUN:   --arg 3=%{small}/w_down.npy --arg 4=%{small}/weights.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.cs.ys.npy | FileCheck %s --check-prefix=SMALL-CUDA-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_bf16 --arg 0=%t.cs.ys.npy \
// RUN:   --expect 1=%{small}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=SMALL-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{small}/permutation.npy --arg 1=%{small}/expert_offsets.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles2.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_swiglu_bf16 --arg 0=%{small}/x.npy \
// RUN:   --arg 1=%{small}/permutation.npy --arg 2=%{small}/expert_offsets.npy \
// RUN:   --arg 3=%{small}/w_gate.npy --arg 4=%{small}/w_up.npy --arg 5=%t.hip.tiles2.npy --scratch 6=16x32 \
// RUN:   --save 6=%t.hs.h.npy | FileCheck %s --check-prefix=SMALL-HIP-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_bf16 --arg 0=%t.hs.h.npy \
// RUN:   --arg 1=%{small}/permutation.npy --arg 2=%{small}/expert_offsets.npy \
// RUN:   --arg 3=%{small}/w_down.npy --arg 4=%{small}/weights.npy --arg 5=%t.hip.tiles2.npy --scratch 6=16x16 \
// RUN:   --save 6=%t.hs.ys.npy | FileCheck %s --check-prefix=SMALL-HIP-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_bf16 --arg 0=%t.hs.ys.npy \
// RUN:   --expect 1=%{small}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=SMALL-HIP
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%{large}/permutation.npy --arg 1=%{large}/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles3.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_swiglu_bf16 --arg 0=%{large}/x.npy \
// RUN:   --arg 1=%{large}/permutation.npy --arg 2=%{large}/expert_offsets.npy \
// RUN:   --arg 3=%{large}/w_gate.npy --arg 4=%{large}/w_up.npy --arg 5=%t.cuda.tiles3.npy --scratch 6=96x80 \
// RUN:   --save 6=%t.cl.h.npy | FileCheck %s --check-prefix=LARGE-CUDA-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_bf16 --arg 0=%t.cl.h.npy \
// RUN:   --arg 1=%{large}/permutation.npy --arg 2=%{large}/expert_offsets.npy \
// RUN:   --arg 3=%{large}/w_down.npy --arg 4=%{large}/weights.npy --arg 5=%t.cuda.tiles3.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.cl.ys.npy | FileCheck %s --check-prefix=LARGE-CUDA-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_bf16 --arg 0=%t.cl.ys.npy \
// RUN:   --expect 1=%{large}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=LARGE-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%{large}/permutation.npy --arg 1=%{large}/expert_offsets.npy \
// RUN:   --scratch 2=7x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles4.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_swiglu_bf16 --arg 0=%{large}/x.npy \
// RUN:   --arg 1=%{large}/permutation.npy --arg 2=%{large}/expert_offsets.npy \
// RUN:   --arg 3=%{large}/w_gate.npy --arg 4=%{large}/w_up.npy --arg 5=%t.hip.tiles4.npy --scratch 6=96x80 \
// RUN:   --save 6=%t.hl.h.npy | FileCheck %s --check-prefix=LARGE-HIP-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_bf16 --arg 0=%t.hl.h.npy \
// RUN:   --arg 1=%{large}/permutation.npy --arg 2=%{large}/expert_offsets.npy \
// RUN:   --arg 3=%{large}/w_down.npy --arg 4=%{large}/weights.npy --arg 5=%t.hip.tiles4.npy --scratch 6=96x48 \
// RUN:   --save 6=%t.hl.ys.npy | FileCheck %s --check-prefix=LARGE-HIP-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_bf16 --arg 0=%t.hl.ys.npy \
// RUN:   --expect 1=%{large}/out.npy --rtol 2e-2 --atol 2e-2 | FileCheck %s --check-prefix=LARGE-HIP

// Grid (column tiles, tile-list entries): the list holds ceil(S / 32) + E
// entries, 1 + 4 = 5 for the small set (S = 16: four groups of one tile
// each, one entry of no tile), so gate/up and down (Dm = 16) 1 x 5.
// SMALL-CUDA-GU: emulated moe_gate_up_swiglu_bf16 on cuda:sm_80: 5 blocks x 128 threads
// SMALL-CUDA-DOWN: emulated moe_down_bf16 on cuda:sm_80: 5 blocks x 128 threads
// SMALL-CUDA: output 1: 128 values, max abs error {{.*}}, 0 outside
// SMALL-HIP-GU: emulated moe_gate_up_swiglu_bf16 on hip:gfx942: 5 blocks x 256 threads
// SMALL-HIP-DOWN: emulated moe_down_bf16 on hip:gfx942: 5 blocks x 256 threads
// SMALL-HIP: output 1: 128 values, max abs error {{.*}}, 0 outside
// Large: S = 96, E = 4: 3 + 4 = 7 entries (expert 0's 41 slots in 2 tiles,
// the other three in 1 each, 2 of no tile): gate/up 3 x 7 blocks (F = 80:
// 3 column tiles), down 2 x 7; the grid over every expert's worst case
// was 3 x 3 x 4 = 36 and 2 x 3 x 5 = 30.
// LARGE-CUDA-GU: emulated moe_gate_up_swiglu_bf16 on cuda:sm_80: 21 blocks x 128 threads
// LARGE-CUDA-DOWN: emulated moe_down_bf16 on cuda:sm_80: 14 blocks x 128 threads
// LARGE-CUDA: output 1: 2304 values, max abs error {{.*}}, 0 outside
// LARGE-HIP-GU: emulated moe_gate_up_swiglu_bf16 on hip:gfx942: 21 blocks x 256 threads
// LARGE-HIP-DOWN: emulated moe_down_bf16 on hip:gfx942: 14 blocks x 256 threads
// LARGE-HIP: output 1: 2304 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<48x48xbf16>, %w: tensor<48x2xf32>, %perm: tensor<96xi32>,
                %off: tensor<5xi32>, %wg: tensor<4x80x48xbf16>, %wu: tensor<4x80x48xbf16>,
                %wd: tensor<4x48x80xbf16>) -> tensor<48x48xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x80x48xbf16>)
      up(%wu : tensor<4x80x48xbf16>) down(%wd : tensor<4x48x80xbf16>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<48x48xbf16>, tensor<48x2xf32>, tensor<96xi32>, tensor<5xi32> -> tensor<48x48xbf16>
  return %y : tensor<48x48xbf16>
}
// TILES: output 3: 1 values, max abs error 0{{.*}}, 0 outside
