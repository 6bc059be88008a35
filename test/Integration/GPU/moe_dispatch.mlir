// Tolerance: exact (integer results; --rtol 0 --atol 0).
//
// The MoE dispatch kernel (one block: a stable counting sort of the slots
// by expert, block scans through workgroup memory, no atomics), emulated
// through the CUDA and HIP mappings: the CPU dispatch test's experts and
// PyTorch golden (Integration/CPU/Inputs/moe_dispatch, gen/gen_moe.py); the
// CPU capacity test's experts with capacity 1.25, against the full
// permutation, dropped slots after offsets[E] in slot order as on the CPU
// (Inputs/moe_dispatch_gpu_capacity); and 5000 slots over 8 experts with
// capacity 1.0 (expert 3 overflows) and four invalid ids (-1, -7, 8), which
// are dropped too: two segments of 4096 slots on CUDA, one on HIP
// (Inputs/moe_dispatch_gpu_long, torch's stable sort; gen/gen_moe_gpu.py).

// DEFINE: %{plain} = --kernel=moe_dispatch_e4 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/moe_dispatch/experts.npy \
// DEFINE:   --expect 1=%S/../CPU/Inputs/moe_dispatch/permutation.npy \
// DEFINE:   --expect 2=%S/../CPU/Inputs/moe_dispatch/expert_offsets.npy --rtol 0 --atol 0
// DEFINE: %{capacity} = --kernel=moe_dispatch_e4_cap3fa00000 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/moe_dispatch_capacity/experts.npy \
// DEFINE:   --expect 1=%S/Inputs/moe_dispatch_gpu_capacity/permutation.npy \
// DEFINE:   --expect 2=%S/Inputs/moe_dispatch_gpu_capacity/expert_offsets.npy --rtol 0 --atol 0
// DEFINE: %{long} = --kernel=moe_dispatch_e8_cap3f800000 \
// DEFINE:   --arg 0=%S/Inputs/moe_dispatch_gpu_long/experts.npy \
// DEFINE:   --expect 1=%S/Inputs/moe_dispatch_gpu_long/permutation.npy \
// DEFINE:   --expect 2=%S/Inputs/moe_dispatch_gpu_long/expert_offsets.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{plain} | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{capacity} | FileCheck %s --check-prefix=CAP
// RUN: seq-gpu-emu %t.cuda.mlir %{long} | FileCheck %s --check-prefix=LONG-CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{plain} | FileCheck %s --check-prefix=HIP
// RUN: seq-gpu-emu %t.hip.mlir %{capacity} | FileCheck %s --check-prefix=CAP
// RUN: seq-gpu-emu %t.hip.mlir %{long} | FileCheck %s --check-prefix=LONG-HIP

// CUDA: emulated moe_dispatch_e4 on cuda:sm_80: 1 blocks x 128 threads
// CUDA: output 1: 20 values, max abs error 0{{.*}}, 0 outside
// CUDA: output 2: 5 values, max abs error 0{{.*}}, 0 outside
// HIP: emulated moe_dispatch_e4 on hip:gfx942: 1 blocks x 256 threads
// HIP: output 1: 20 values, max abs error 0{{.*}}, 0 outside
// HIP: output 2: 5 values, max abs error 0{{.*}}, 0 outside
// CAP: output 1: 24 values, max abs error 0{{.*}}, 0 outside
// CAP: output 2: 5 values, max abs error 0{{.*}}, 0 outside
// LONG-CUDA: emulated moe_dispatch_e8_cap3f800000 on cuda:sm_80: 1 blocks x 128 threads
// LONG-CUDA: output 1: 5000 values, max abs error 0{{.*}}, 0 outside
// LONG-CUDA: output 2: 9 values, max abs error 0{{.*}}, 0 outside
// LONG-HIP: output 1: 5000 values, max abs error 0{{.*}}, 0 outside
// LONG-HIP: output 2: 9 values, max abs error 0{{.*}}, 0 outside

func.func @plain(%experts: tensor<10x2xi32>) -> (tensor<20xi32>, tensor<5xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 4 : i64}
      : tensor<10x2xi32> -> tensor<20xi32>, tensor<5xi32>
  return %perm, %off : tensor<20xi32>, tensor<5xi32>
}

func.func @capacity(%experts: tensor<12x2xi32>) -> (tensor<24xi32>, tensor<5xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 4 : i64, capacity_factor = 1.25 : f32}
      : tensor<12x2xi32> -> tensor<24xi32>, tensor<5xi32>
  return %perm, %off : tensor<24xi32>, tensor<5xi32>
}

func.func @long(%experts: tensor<2500x2xi32>) -> (tensor<5000xi32>, tensor<9xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 8 : i64, capacity_factor = 1.0 : f32}
      : tensor<2500x2xi32> -> tensor<5000xi32>, tensor<9xi32>
  return %perm, %off : tensor<5000xi32>, tensor<9xi32>
}
