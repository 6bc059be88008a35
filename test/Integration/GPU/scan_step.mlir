// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default), also for bf16
// inputs (f32 state and results computed from bf16-exact values).
//
// The decode step of the Mamba-1 selective scan (seq.scan_step, the
// regions of scan_mamba1.mlir): one token, the state in and out, a group
// of 16 lanes per (batch row, channel), y = sum_n h C by shuffles.
// Emulated through the CUDA and HIP mappings against Inputs/scan_gpu_step
// {,_bf16} (mamba_ssm's selective_scan_ref over one step, float64,
// gen/gen_scan_gpu.py): 3 batch rows, 40 channels, d_state 16.

// DEFINE: %{f32} = --kernel=scan_step_f32_g16 \
// DEFINE:   --arg 0=%S/Inputs/scan_gpu_step/dt.npy --arg 1=%S/Inputs/scan_gpu_step/dt_bias.npy \
// DEFINE:   --arg 2=%S/Inputs/scan_gpu_step/x.npy --arg 3=%S/Inputs/scan_gpu_step/A_log.npy \
// DEFINE:   --arg 4=%S/Inputs/scan_gpu_step/B.npy --arg 5=%S/Inputs/scan_gpu_step/C.npy \
// DEFINE:   --arg 6=%S/Inputs/scan_gpu_step/h0.npy \
// DEFINE:   --expect 7=%S/Inputs/scan_gpu_step/y.npy \
// DEFINE:   --expect 8=%S/Inputs/scan_gpu_step/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{bf16} = --kernel=scan_step_f32_g16_1 \
// DEFINE:   --arg 0=%S/Inputs/scan_gpu_step_bf16/dt.npy --arg 1=%S/Inputs/scan_gpu_step_bf16/dt_bias.npy \
// DEFINE:   --arg 2=%S/Inputs/scan_gpu_step_bf16/x.npy --arg 3=%S/Inputs/scan_gpu_step_bf16/A_log.npy \
// DEFINE:   --arg 4=%S/Inputs/scan_gpu_step_bf16/B.npy --arg 5=%S/Inputs/scan_gpu_step_bf16/C.npy \
// DEFINE:   --arg 6=%S/Inputs/scan_gpu_step_bf16/h0.npy \
// DEFINE:   --expect 7=%S/Inputs/scan_gpu_step_bf16/y.npy \
// DEFINE:   --expect 8=%S/Inputs/scan_gpu_step_bf16/final_state.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{f32} | FileCheck %s --check-prefixes=F32,CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{f32} | FileCheck %s --check-prefixes=F32,HIP
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=BF16

// CUDA: emulated scan_step_f32_g16 on cuda:sm_80: 15 blocks x 128 threads, 0 barriers
// HIP: emulated scan_step_f32_g16 on hip:gfx942: 9 blocks x 256 threads, 0 barriers
// F32: output 7: 120 values, max abs error {{.*}}, 0 outside
// F32: output 8: 1920 values, max abs error {{.*}}, 0 outside
// BF16: output 7: 120 values, max abs error {{.*}}, 0 outside
// BF16: output 8: 1920 values, max abs error {{.*}}, 0 outside

func.func @step(%dt: tensor<3x40xf32>, %dt_bias: tensor<40xf32>,
    %x: tensor<3x40xf32>, %A_log: tensor<40x16xf32>, %B: tensor<3x16xf32>,
    %C: tensor<3x16xf32>, %h0: tensor<3x40x16xf32>)
    -> (tensor<3x40xf32>, tensor<3x40x16xf32>) {
  %y, %h1 = seq.scan_step ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<3x40xf32>, tensor<40xf32>, tensor<3x40xf32>,
          tensor<40x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>)
      init(%h0 : tensor<3x40x16xf32>)
      maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d)>,
              affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d, n)>,
              affine_map<(b, d, n) -> (b, n)>, affine_map<(b, d, n) -> (b, n)>]
      reduce = [2]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<3x40xf32>, tensor<3x40x16xf32>
  return %y, %h1 : tensor<3x40xf32>, tensor<3x40x16xf32>
}

func.func @step_bf16(%dt: tensor<3x40xbf16>, %dt_bias: tensor<40xbf16>,
    %x: tensor<3x40xbf16>, %A_log: tensor<40x16xbf16>, %B: tensor<3x16xbf16>,
    %C: tensor<3x16xbf16>, %h0: tensor<3x40x16xf32>)
    -> (tensor<3x40xf32>, tensor<3x40x16xf32>) {
  %y, %h1 = seq.scan_step ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<3x40xbf16>, tensor<40xbf16>, tensor<3x40xbf16>,
          tensor<40x16xbf16>, tensor<3x16xbf16>, tensor<3x16xbf16>)
      init(%h0 : tensor<3x40x16xf32>)
      maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d)>,
              affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d, n)>,
              affine_map<(b, d, n) -> (b, n)>, affine_map<(b, d, n) -> (b, n)>]
      reduce = [2]
      step {
      ^bb0(%dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %dtv = arith.extf %dt16 : bf16 to f32
        %dbv = arith.extf %db16 : bf16 to f32
        %xv = arith.extf %x16 : bf16 to f32
        %alv = arith.extf %al16 : bf16 to f32
        %bv = arith.extf %b16 : bf16 to f32
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %cv = arith.extf %c16 : bf16 to f32
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<3x40xf32>, tensor<3x40x16xf32>
  return %y, %h1 : tensor<3x40xf32>, tensor<3x40x16xf32>
}
