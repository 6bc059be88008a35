// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU
// tests).
//
// Mamba-2 with d_state above the warp size: each lane of a warp holds
// several state elements (n = lane + e * warp, `_e<count>` in the kernel's
// name), sums its readout terms h C and then the warp's partial sums with
// the xor butterfly. Emulated through the CUDA mapping (warp of 32: N =
// 128 is 4 elements a lane, 64 is 2, 80 is 3 with the last one past N in
// half the lanes) and the HIP mapping (wavefront of 64: 128 is 2 a lane,
// 64 one, 80 two with most lanes' second past N), against PyTorch float64
// goldens (gen/gen_scan_gpu.py: the sequential recurrence for the scans,
// one step for seq.scan_step).
//  * @mamba2_n128: B = 2, T = 70 (3 chunks of 32 on CUDA, 2 of 64 on HIP,
//    the last partial), H = 4 in 2 groups of B/C, P = 6 (2 blocks of 4
//    channels, the last partial), N = 128.
//  * @mamba2_n64: B = 1, T = 45, H = 3, one group, P = 10, N = 64.
//  * @mamba2_step_n128 / _n64 / _n80: decode steps (B 3, 2, 2; H 4, 2, 2;
//    P 8, 5, 6; N 128, 64, 80).

// Substitutions expand in the reverse order of their DEFINEs: %{args}
// first, then the case's folder.
// DEFINE: %{case} = n128
// DEFINE: %{in} = %S/Inputs/scan_gpu_mamba2_%{case}
// DEFINE: %{args} = --arg 0=%{in}/dt.npy --arg 1=%{in}/dt_bias.npy --arg 2=%{in}/x.npy --arg 3=%{in}/A_log.npy --arg 4=%{in}/B.npy --arg 5=%{in}/C.npy --arg 6=%{in}/h0.npy --expect 7=%{in}/y.npy --expect 8=%{in}/final_state.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir

// REDEFINE: %{case} = n128
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=scan_heads_f32_g32_e4 %{args} | FileCheck %s --check-prefixes=N128,N128-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=scan_heads_f32_g64_e2 %{args} | FileCheck %s --check-prefixes=N128,N128-HIP
// N128-CUDA: emulated scan_heads_f32_g32_e4 on cuda:sm_80: 16 blocks x 128 threads, 0 barriers
// N128-HIP: emulated scan_heads_f32_g64_e2 on hip:gfx942: 16 blocks x 256 threads, 0 barriers
// N128: output 7: 3360 values, max abs error {{.*}}, 0 outside
// N128: output 8: 6144 values, max abs error {{.*}}, 0 outside

// REDEFINE: %{case} = n64
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=scan_heads_f32_g32_e2 %{args} | FileCheck %s --check-prefixes=N64,N64-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=scan_heads_f32_g64 %{args} | FileCheck %s --check-prefixes=N64,N64-HIP
// N64-CUDA: emulated scan_heads_f32_g32_e2 on cuda:sm_80: 9 blocks x 128 threads, 0 barriers
// N64-HIP: emulated scan_heads_f32_g64 on hip:gfx942: 9 blocks x 256 threads, 0 barriers
// N64: output 7: 1350 values, max abs error {{.*}}, 0 outside
// N64: output 8: 1920 values, max abs error {{.*}}, 0 outside

// REDEFINE: %{case} = step_n128
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=scan_step_heads_f32_g32_e4 %{args} | FileCheck %s --check-prefixes=S128,S128-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=scan_step_heads_f32_g64_e2 %{args} | FileCheck %s --check-prefixes=S128,S128-HIP
// S128-CUDA: emulated scan_step_heads_f32_g32_e4 on cuda:sm_80: 24 blocks x 128 threads, 0 barriers
// S128-HIP: emulated scan_step_heads_f32_g64_e2 on hip:gfx942: 24 blocks x 256 threads, 0 barriers
// S128: output 7: 96 values, max abs error {{.*}}, 0 outside
// S128: output 8: 12288 values, max abs error {{.*}}, 0 outside

// REDEFINE: %{case} = step_n64
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=scan_step_heads_f32_g32_e2 %{args} | FileCheck %s --check-prefixes=S64,S64-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=scan_step_heads_f32_g64 %{args} | FileCheck %s --check-prefixes=S64,S64-HIP
// S64-CUDA: emulated scan_step_heads_f32_g32_e2 on cuda:sm_80: 8 blocks x 128 threads, 0 barriers
// S64-HIP: emulated scan_step_heads_f32_g64 on hip:gfx942: 8 blocks x 256 threads, 0 barriers
// S64: output 7: 20 values, max abs error {{.*}}, 0 outside
// S64: output 8: 1280 values, max abs error {{.*}}, 0 outside

// REDEFINE: %{case} = step_n80
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=scan_step_heads_f32_g32_e3 %{args} | FileCheck %s --check-prefixes=S80,S80-CUDA
// RUN: seq-gpu-emu %t.hip.mlir --kernel=scan_step_heads_f32_g64_e2_1 %{args} | FileCheck %s --check-prefixes=S80,S80-HIP
// S80-CUDA: emulated scan_step_heads_f32_g32_e3 on cuda:sm_80: 8 blocks x 128 threads, 0 barriers
// S80-HIP: emulated scan_step_heads_f32_g64_e2_1 on hip:gfx942: 8 blocks x 256 threads, 0 barriers
// S80: output 7: 24 values, max abs error {{.*}}, 0 outside
// S80: output 8: 1920 values, max abs error {{.*}}, 0 outside

func.func @mamba2_n128(%dt: tensor<2x70x4xf32>, %db: tensor<4xf32>, %x: tensor<2x70x4x6xf32>,
    %alog: tensor<4xf32>, %Bm: tensor<2x70x2x128xf32>, %Cm: tensor<2x70x2x128xf32>, %h0: tensor<2x4x6x128xf32>)
    -> (tensor<2x70x4x6xf32>, tensor<2x4x6x128xf32>) {
  %y, %hT = seq.scan ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<2x70x4xf32>, tensor<4xf32>, tensor<2x70x4x6xf32>, tensor<4xf32>, tensor<2x70x2x128xf32>, tensor<2x70x2x128xf32>)
      init(%h0 : tensor<2x4x6x128xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x70x4x6xf32>, tensor<2x4x6x128xf32>
  return %y, %hT : tensor<2x70x4x6xf32>, tensor<2x4x6x128xf32>
}

func.func @mamba2_n64(%dt: tensor<1x45x3xf32>, %db: tensor<3xf32>, %x: tensor<1x45x3x10xf32>,
    %alog: tensor<3xf32>, %Bm: tensor<1x45x1x64xf32>, %Cm: tensor<1x45x1x64xf32>, %h0: tensor<1x3x10x64xf32>)
    -> (tensor<1x45x3x10xf32>, tensor<1x3x10x64xf32>) {
  %y, %hT = seq.scan ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<1x45x3xf32>, tensor<3xf32>, tensor<1x45x3x10xf32>, tensor<3xf32>, tensor<1x45x1x64xf32>, tensor<1x45x1x64xf32>)
      init(%h0 : tensor<1x3x10x64xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 3, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 3, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x45x3x10xf32>, tensor<1x3x10x64xf32>
  return %y, %hT : tensor<1x45x3x10xf32>, tensor<1x3x10x64xf32>
}

func.func @mamba2_step_n128(%dt: tensor<3x4xf32>, %db: tensor<4xf32>, %x: tensor<3x4x8xf32>,
    %alog: tensor<4xf32>, %Bm: tensor<3x2x128xf32>, %Cm: tensor<3x2x128xf32>, %h0: tensor<3x4x8x128xf32>)
    -> (tensor<3x4x8xf32>, tensor<3x4x8x128xf32>) {
  %y, %hT = seq.scan_step ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<3x4xf32>, tensor<4xf32>, tensor<3x4x8xf32>, tensor<4xf32>, tensor<3x2x128xf32>, tensor<3x2x128xf32>)
      init(%h0 : tensor<3x4x8x128xf32>)
      maps = [affine_map<(b, h, p, n) -> (b, h)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h, p)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 2, n)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 2, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<3x4x8xf32>, tensor<3x4x8x128xf32>
  return %y, %hT : tensor<3x4x8xf32>, tensor<3x4x8x128xf32>
}

func.func @mamba2_step_n64(%dt: tensor<2x2xf32>, %db: tensor<2xf32>, %x: tensor<2x2x5xf32>,
    %alog: tensor<2xf32>, %Bm: tensor<2x1x64xf32>, %Cm: tensor<2x1x64xf32>, %h0: tensor<2x2x5x64xf32>)
    -> (tensor<2x2x5xf32>, tensor<2x2x5x64xf32>) {
  %y, %hT = seq.scan_step ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<2x2xf32>, tensor<2xf32>, tensor<2x2x5xf32>, tensor<2xf32>, tensor<2x1x64xf32>, tensor<2x1x64xf32>)
      init(%h0 : tensor<2x2x5x64xf32>)
      maps = [affine_map<(b, h, p, n) -> (b, h)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h, p)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 2, n)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 2, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x2x5xf32>, tensor<2x2x5x64xf32>
  return %y, %hT : tensor<2x2x5xf32>, tensor<2x2x5x64xf32>
}

func.func @mamba2_step_n80(%dt: tensor<2x2xf32>, %db: tensor<2xf32>, %x: tensor<2x2x6xf32>,
    %alog: tensor<2xf32>, %Bm: tensor<2x2x80xf32>, %Cm: tensor<2x2x80xf32>, %h0: tensor<2x2x6x80xf32>)
    -> (tensor<2x2x6xf32>, tensor<2x2x6x80xf32>) {
  %y, %hT = seq.scan_step ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<2x2xf32>, tensor<2xf32>, tensor<2x2x6xf32>, tensor<2xf32>, tensor<2x2x80xf32>, tensor<2x2x80xf32>)
      init(%h0 : tensor<2x2x6x80xf32>)
      maps = [affine_map<(b, h, p, n) -> (b, h)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h, p)>, affine_map<(b, h, p, n) -> (h)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 1, n)>,
              affine_map<(b, h, p, n) -> (b, h floordiv 1, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x2x6xf32>, tensor<2x2x6x80xf32>
  return %y, %hT : tensor<2x2x6xf32>, tensor<2x2x6x80xf32>
}
