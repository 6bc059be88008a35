// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU test of this golden.
//
// A capacity-limited MoE layer as its GPU kernels in sequence, each
// emulated through the CUDA and the HIP mapping: softmax top-2 routing on
// logits skewed towards expert 0, dispatch with capacity_factor 1.0 (C = 8
// of 32 slots per expert; the overflow after offsets[4]), the grouped GEMMs
// (the down kernel's tiles of the list's group E write zeros to the
// dropped slots' rows of the workspace, which the emulator starts as NaN)
// and the
// combine, against the PyTorch golden of the CPU test
// (Integration/CPU/Inputs/moe_capacity_block, gen/gen_moe.py).

// DEFINE: %{in} = %S/../CPU/Inputs/moe_capacity_block
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_route_f32_topk_softmax_k2 \
// RUN:   --arg 0=%{in}/logits.npy --scratch 1=16x2 --scratch 2=16x2 \
// RUN:   --save 1=%t.cuda.w.npy --save 2=%t.cuda.e.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-ROUTE
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_dispatch_e4_cap3f800000 \
// RUN:   --arg 0=%t.cuda.e.npy --scratch 1=32 --scratch 2=5 \
// RUN:   --save 1=%t.cuda.perm.npy --save 2=%t.cuda.off.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-DISPATCH
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_tiles_m32 --arg 0=%t.cuda.perm.npy --arg 1=%t.cuda.off.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.cuda.tiles1.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_gate_up_swiglu_f32 \
// RUN:   --arg 0=%{in}/x.npy --arg 1=%t.cuda.perm.npy --arg 2=%t.cuda.off.npy \
// RUN:   --arg 3=%{in}/w_gate.npy --arg 4=%{in}/w_up.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=32x32 --save 6=%t.cuda.h.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-GU
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_down_f32 \
// RUN:   --arg 0=%t.cuda.h.npy --arg 1=%t.cuda.perm.npy --arg 2=%t.cuda.off.npy \
// RUN:   --arg 3=%{in}/w_down.npy --arg 4=%t.cuda.w.npy --arg 5=%t.cuda.tiles1.npy --scratch 6=32x16 --save 6=%t.cuda.ys.npy \
// RUN:   | FileCheck %s --check-prefix=CUDA-DOWN
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=moe_combine_f32 \
// RUN:   --arg 0=%t.cuda.ys.npy --expect 1=%{in}/out.npy --rtol 1e-4 --atol 1e-5 \
// RUN:   | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_route_f32_topk_softmax_k2 \
// RUN:   --arg 0=%{in}/logits.npy --scratch 1=16x2 --scratch 2=16x2 \
// RUN:   --save 1=%t.hip.w.npy --save 2=%t.hip.e.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-ROUTE
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_dispatch_e4_cap3f800000 \
// RUN:   --arg 0=%t.hip.e.npy --scratch 1=32 --scratch 2=5 \
// RUN:   --save 1=%t.hip.perm.npy --save 2=%t.hip.off.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-DISPATCH
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_tiles_m32 --arg 0=%t.hip.perm.npy --arg 1=%t.hip.off.npy \
// RUN:   --scratch 2=5x2 --arg 3=%S/Inputs/moe_tiles/status0.npy --save 2=%t.hip.tiles2.npy --expect 3=%S/Inputs/moe_tiles/status0.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=TILES
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_gate_up_swiglu_f32 \
// RUN:   --arg 0=%{in}/x.npy --arg 1=%t.hip.perm.npy --arg 2=%t.hip.off.npy \
// RUN:   --arg 3=%{in}/w_gate.npy --arg 4=%{in}/w_up.npy --arg 5=%t.hip.tiles2.npy --scratch 6=32x32 --save 6=%t.hip.h.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-GU
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_down_f32 \
// RUN:   --arg 0=%t.hip.h.npy --arg 1=%t.hip.perm.npy --arg 2=%t.hip.off.npy \
// RUN:   --arg 3=%{in}/w_down.npy --arg 4=%t.hip.w.npy --arg 5=%t.hip.tiles2.npy --scratch 6=32x16 --save 6=%t.hip.ys.npy \
// RUN:   | FileCheck %s --check-prefix=HIP-DOWN
// RUN: seq-gpu-emu %t.hip.mlir --kernel=moe_combine_f32 \
// RUN:   --arg 0=%t.hip.ys.npy --expect 1=%{in}/out.npy --rtol 1e-4 --atol 1e-5 \
// RUN:   | FileCheck %s --check-prefix=HIP

// CUDA-ROUTE: emulated moe_route_f32_topk_softmax_k2 on cuda:sm_80
// CUDA-DISPATCH: emulated moe_dispatch_e4_cap3f800000 on cuda:sm_80
// CUDA-GU: emulated moe_gate_up_swiglu_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA-DOWN: emulated moe_down_f32 on cuda:sm_80: 5 blocks x 128 threads
// CUDA: output 1: 256 values, max abs error {{.*}}, 0 outside
// HIP-ROUTE: emulated moe_route_f32_topk_softmax_k2 on hip:gfx942
// HIP-DISPATCH: emulated moe_dispatch_e4_cap3f800000 on hip:gfx942
// HIP-GU: emulated moe_gate_up_swiglu_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP-DOWN: emulated moe_down_f32 on hip:gfx942: 5 blocks x 256 threads
// HIP: output 1: 256 values, max abs error {{.*}}, 0 outside

func.func @main(%x: tensor<16x16xf32>, %logits: tensor<16x4xf32>, %wg: tensor<4x32x16xf32>,
                %wu: tensor<4x32x16xf32>, %wd: tensor<4x16x32xf32>) -> tensor<16x16xf32> {
  %w, %e = seq.moe_route %logits {top_k = 2 : i64, scoring = #seq.router_scoring<softmax>, normalize}
      : tensor<16x4xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
  %perm, %off = seq.moe_dispatch %e {num_experts = 4 : i64, capacity_factor = 1.0 : f32}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<5xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xf32>)
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<16x16xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<5xi32> -> tensor<16x16xf32>
  return %y : tensor<16x16xf32>
}
// TILES: output 3: 1 values, max abs error 0{{.*}}, 0 outside
