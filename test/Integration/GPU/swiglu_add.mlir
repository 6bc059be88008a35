// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU test);
// bf16 rtol 2e-2 / atol 2e-2 (the bf16 default).
//
// SiLU(gate) * up and the residual add, emulated through the CUDA and HIP
// mappings (grid-stride loops, 256 threads a block, 1024 elements a block
// per grid step): f32 against the CPU test's PyTorch golden
// (Integration/CPU/Inputs/swiglu) and bf16 over 4400 elements (5 blocks,
// the last partial) against Inputs/swiglu_add_gpu_bf16
// (gen/gen_elementwise_gpu.py).

// DEFINE: %{f32} = --kernel=swiglu_f32 --arg 0=%S/../CPU/Inputs/swiglu/gate.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/swiglu/up.npy \
// DEFINE:   --expect 2=%S/../CPU/Inputs/swiglu/out.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{bf16} = --kernel=swiglu_bf16 --arg 0=%S/Inputs/swiglu_add_gpu_bf16/gate.npy \
// DEFINE:   --arg 1=%S/Inputs/swiglu_add_gpu_bf16/up.npy \
// DEFINE:   --expect 2=%S/Inputs/swiglu_add_gpu_bf16/swiglu.npy --rtol 2e-2 --atol 2e-2
// DEFINE: %{add} = --kernel=add_bf16 --arg 0=%S/Inputs/swiglu_add_gpu_bf16/residual.npy \
// DEFINE:   --arg 1=%S/Inputs/swiglu_add_gpu_bf16/gate.npy \
// DEFINE:   --expect 2=%S/Inputs/swiglu_add_gpu_bf16/sum.npy --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{f32} | FileCheck %s --check-prefix=F32
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.cuda.mlir %{add} | FileCheck %s --check-prefix=ADD
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{f32} | FileCheck %s --check-prefix=F32
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.hip.mlir %{add} | FileCheck %s --check-prefix=ADD

// F32: emulated swiglu_f32 on {{.*}}: 1 blocks x 256 threads
// F32: output 2: 640 values, max abs error {{.*}}, 0 outside
// BF16: emulated swiglu_bf16 on {{.*}}: 5 blocks x 256 threads
// BF16: output 2: 4400 values, max abs error {{.*}}, 0 outside
// ADD: emulated add_bf16 on {{.*}}: 5 blocks x 256 threads
// ADD: output 2: 4400 values, max abs error {{.*}}, 0 outside

func.func @swiglu_f32(%g: tensor<2x5x64xf32>, %u: tensor<2x5x64xf32>) -> tensor<2x5x64xf32> {
  %y = seq.swiglu %g, %u : tensor<2x5x64xf32>
  return %y : tensor<2x5x64xf32>
}

func.func @mlp_tail_bf16(%g: tensor<4x1100xbf16>, %u: tensor<4x1100xbf16>,
                         %r: tensor<4x1100xbf16>) -> (tensor<4x1100xbf16>, tensor<4x1100xbf16>) {
  %h = seq.swiglu %g, %u : tensor<4x1100xbf16>
  %s = arith.addf %r, %g : tensor<4x1100xbf16>
  return %h, %s : tensor<4x1100xbf16>, tensor<4x1100xbf16>
}
