// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU
// tests), also for bf16 inputs: the state and every result are f32,
// computed from bf16-exact values.
//
// The Mamba-1 selective scan (seq.scan with softplus(dt + dt_bias) and
// A = -exp(A_log) in the step region, y = sum_n h C), emulated through the
// CUDA (128 threads: 8 channels of 16 lanes a block) and HIP (256: 16
// channels) mappings. d_state 16, 40 channels (the last block partial), 37
// steps (3 chunks of 16, the last partial), f32 and bf16 inputs with an
// f32 state, against Inputs/scan_gpu_mamba1{,_bf16} (mamba_ssm's
// selective_scan_ref in float64, gen/gen_scan_gpu.py); and the CPU test's
// 256-step scan with d_state 4 (Integration/CPU/Inputs/scan_mamba1_chunked,
// a group of 4 lanes, 64 chunks).

// DEFINE: %{f32} = --kernel=scan_f32_g16 \
// DEFINE:   --arg 0=%S/Inputs/scan_gpu_mamba1/dt.npy --arg 1=%S/Inputs/scan_gpu_mamba1/dt_bias.npy \
// DEFINE:   --arg 2=%S/Inputs/scan_gpu_mamba1/x.npy --arg 3=%S/Inputs/scan_gpu_mamba1/A_log.npy \
// DEFINE:   --arg 4=%S/Inputs/scan_gpu_mamba1/B.npy --arg 5=%S/Inputs/scan_gpu_mamba1/C.npy \
// DEFINE:   --arg 6=%S/Inputs/scan_gpu_mamba1/h0.npy \
// DEFINE:   --expect 7=%S/Inputs/scan_gpu_mamba1/y.npy \
// DEFINE:   --expect 8=%S/Inputs/scan_gpu_mamba1/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{bf16} = --kernel=scan_f32_g16_1 \
// DEFINE:   --arg 0=%S/Inputs/scan_gpu_mamba1_bf16/dt.npy --arg 1=%S/Inputs/scan_gpu_mamba1_bf16/dt_bias.npy \
// DEFINE:   --arg 2=%S/Inputs/scan_gpu_mamba1_bf16/x.npy --arg 3=%S/Inputs/scan_gpu_mamba1_bf16/A_log.npy \
// DEFINE:   --arg 4=%S/Inputs/scan_gpu_mamba1_bf16/B.npy --arg 5=%S/Inputs/scan_gpu_mamba1_bf16/C.npy \
// DEFINE:   --arg 6=%S/Inputs/scan_gpu_mamba1_bf16/h0.npy \
// DEFINE:   --expect 7=%S/Inputs/scan_gpu_mamba1_bf16/y.npy \
// DEFINE:   --expect 8=%S/Inputs/scan_gpu_mamba1_bf16/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{chunked} = --kernel=scan_f32_g4 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/scan_mamba1_chunked/dt.npy --arg 1=%S/../CPU/Inputs/scan_mamba1_chunked/x.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/scan_mamba1_chunked/A.npy --arg 3=%S/../CPU/Inputs/scan_mamba1_chunked/B.npy \
// DEFINE:   --arg 4=%S/../CPU/Inputs/scan_mamba1_chunked/C.npy --arg 5=%S/../CPU/Inputs/scan_mamba1_chunked/h0.npy \
// DEFINE:   --expect 6=%S/../CPU/Inputs/scan_mamba1_chunked/y.npy \
// DEFINE:   --expect 7=%S/../CPU/Inputs/scan_mamba1_chunked/h.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{f32} | FileCheck %s --check-prefixes=F32,CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.cuda.mlir %{chunked} | FileCheck %s --check-prefix=CHUNKED
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{f32} | FileCheck %s --check-prefixes=F32,HIP
// RUN: seq-gpu-emu %t.hip.mlir %{bf16} | FileCheck %s --check-prefix=BF16
// RUN: seq-gpu-emu %t.hip.mlir %{chunked} | FileCheck %s --check-prefix=CHUNKED

// CUDA: emulated scan_f32_g16 on cuda:sm_80: 10 blocks x 128 threads, 0 barriers
// HIP: emulated scan_f32_g16 on hip:gfx942: 6 blocks x 256 threads, 0 barriers
// F32: output 7: 2960 values, max abs error {{.*}}, 0 outside
// F32: output 8: 1280 values, max abs error {{.*}}, 0 outside
// BF16: output 7: 2960 values, max abs error {{.*}}, 0 outside
// BF16: output 8: 1280 values, max abs error {{.*}}, 0 outside
// CHUNKED: output 6: 512 values, max abs error {{.*}}, 0 outside
// CHUNKED: output 7: 8 values, max abs error {{.*}}, 0 outside

func.func @mamba1(%dt: tensor<2x37x40xf32>, %dt_bias: tensor<40xf32>,
    %x: tensor<2x37x40xf32>, %A_log: tensor<40x16xf32>, %B: tensor<2x37x16xf32>,
    %C: tensor<2x37x16xf32>, %h0: tensor<2x40x16xf32>)
    -> (tensor<2x37x40xf32>, tensor<2x40x16xf32>) {
  %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<2x37x40xf32>, tensor<40xf32>, tensor<2x37x40xf32>,
          tensor<40x16xf32>, tensor<2x37x16xf32>, tensor<2x37x16xf32>)
      init(%h0 : tensor<2x40x16xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
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
      } -> tensor<2x37x40xf32>, tensor<2x40x16xf32>
  return %y, %hT : tensor<2x37x40xf32>, tensor<2x40x16xf32>
}

func.func @mamba1_bf16(%dt: tensor<2x37x40xbf16>, %dt_bias: tensor<40xbf16>,
    %x: tensor<2x37x40xbf16>, %A_log: tensor<40x16xbf16>, %B: tensor<2x37x16xbf16>,
    %C: tensor<2x37x16xbf16>, %h0: tensor<2x40x16xf32>)
    -> (tensor<2x37x40xf32>, tensor<2x40x16xf32>) {
  %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<2x37x40xbf16>, tensor<40xbf16>, tensor<2x37x40xbf16>,
          tensor<40x16xbf16>, tensor<2x37x16xbf16>, tensor<2x37x16xbf16>)
      init(%h0 : tensor<2x40x16xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
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
      } -> tensor<2x37x40xf32>, tensor<2x40x16xf32>
  return %y, %hT : tensor<2x37x40xf32>, tensor<2x40x16xf32>
}

func.func @chunked(%dt: tensor<1x256x2xf32>, %x: tensor<1x256x2xf32>, %A: tensor<2x4xf32>,
                   %Bm: tensor<1x256x4xf32>, %Cm: tensor<1x256x4xf32>, %h0: tensor<1x2x4xf32>)
    -> (tensor<1x256x2xf32>, tensor<1x2x4xf32>) {
  %y, %h = seq.scan ins(%dt, %x, %A, %Bm, %Cm : tensor<1x256x2xf32>, tensor<1x256x2xf32>,
                        tensor<2x4xf32>, tensor<1x256x4xf32>, tensor<1x256x4xf32>)
      init(%h0 : tensor<1x2x4xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (b, t, d)>,
              affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x256x2xf32>, tensor<1x2x4xf32>
  return %y, %h : tensor<1x256x2xf32>, tensor<1x2x4xf32>
}
