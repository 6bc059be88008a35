// Tolerance (f32): rtol 1e-4 / atol 1e-5, as the CPU tests of these
// goldens.
//
// Scans with a [B, D] state (a lane per channel, no reduction), emulated
// through the CUDA and HIP mappings against the CPU tests' PyTorch goldens:
// bf16 inputs with an f32 state (Integration/CPU/Inputs/scan_bf16_inputs)
// and a reversed scan, t from T-1 down to 0 (scan_reverse).

// DEFINE: %{bf16} = --kernel=scan_f32_g1 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/scan_bf16_inputs/a.npy --arg 1=%S/../CPU/Inputs/scan_bf16_inputs/b.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/scan_bf16_inputs/h0.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/scan_bf16_inputs/out.npy \
// DEFINE:   --expect 4=%S/../CPU/Inputs/scan_bf16_inputs/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{reverse} = --kernel=scan_f32_g1_reverse \
// DEFINE:   --arg 0=%S/../CPU/Inputs/scan_reverse/a.npy --arg 1=%S/../CPU/Inputs/scan_reverse/b.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/scan_reverse/h0.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/scan_reverse/out.npy \
// DEFINE:   --expect 4=%S/../CPU/Inputs/scan_reverse/final_state.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.cuda.mlir %{reverse} | FileCheck %s --check-prefix=REVERSE
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.hip.mlir %{reverse} | FileCheck %s --check-prefix=REVERSE

// BF16: output 3: 128 values, max abs error {{.*}}, 0 outside
// BF16: output 4: 8 values, max abs error {{.*}}, 0 outside
// REVERSE: output 3: 192 values, max abs error {{.*}}, 0 outside
// REVERSE: output 4: 16 values, max abs error {{.*}}, 0 outside

func.func @bf16_inputs(%a: tensor<1x16x8xbf16>, %b: tensor<1x16x8xbf16>, %h0: tensor<1x8xf32>)
    -> (tensor<1x16x8xf32>, tensor<1x8xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<1x16x8xbf16>, tensor<1x16x8xbf16>)
      init(%h0 : tensor<1x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%av: bf16, %bv: bf16):
        %a32 = arith.extf %av : bf16 to f32
        %b32 = arith.extf %bv : bf16 to f32
        seq.yield %a32, %b32 : f32, f32
      } -> tensor<1x16x8xf32>, tensor<1x8xf32>
  return %y, %h : tensor<1x16x8xf32>, tensor<1x8xf32>
}

func.func @reverse(%a: tensor<2x12x8xf32>, %b: tensor<2x12x8xf32>, %h0: tensor<2x8xf32>)
    -> (tensor<2x12x8xf32>, tensor<2x8xf32>) {
  %y, %h = seq.scan ins(%a, %b : tensor<2x12x8xf32>, tensor<2x12x8xf32>)
      init(%h0 : tensor<2x8xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      reverse
      step {
      ^bb0(%av: f32, %bv: f32):
        seq.yield %av, %bv : f32, f32
      } -> tensor<2x12x8xf32>, tensor<2x8xf32>
  return %y, %h : tensor<2x12x8xf32>, tensor<2x8xf32>
}
