// Tolerance: f32 rtol 1e-4 / atol 1e-5 (the f32 default, as the CPU
// tests).
//
// The Mamba-2 (SSD) recurrence on the GPU: seq.scan and seq.scan_step with
// a [B, H, P, N] state (a scalar decay per head, B and C read per group of
// heads, y = sum_n h C), a group of lanes per (batch row, head, p) -- one
// lane per (head, p, n), the readout summed over N by shuffles -- emulated
// through the CUDA (128 threads) and HIP (256) mappings.
//  * @mamba2: the CPU test's scan (Integration/CPU/scan/
//    scan_mamba2_chunked.mlir, the importer's step form): B = 2, T = 150
//    (10 chunks of 16, the last partial), H = 3, P = 12, N = 20 (a group of
//    32 lanes, 12 idle), one group of B/C; against its goldens
//    (CPU/Inputs/scan_mamba2_chunked: the sequential recurrence in float64,
//    PyTorch, CPU/gen/gen_scan.py).
//  * @mamba2_step: the decode step, B = 3, H = 4, P = 24 (3 blocks of 8
//    channels on CUDA, 2 of 16 on HIP, the last partial), N = 16, 2 groups
//    of B/C (head h reads group h floordiv 2); against
//    Inputs/scan_gpu_mamba2_step (PyTorch, float64, gen/gen_scan_gpu.py).

// DEFINE: %{scan} = --kernel=scan_heads_f32_g32 \
// DEFINE:   --arg 0=%S/../CPU/Inputs/scan_mamba2_chunked/dt.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/scan_mamba2_chunked/dt_bias.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/scan_mamba2_chunked/x.npy \
// DEFINE:   --arg 3=%S/../CPU/Inputs/scan_mamba2_chunked/A_log.npy \
// DEFINE:   --arg 4=%S/../CPU/Inputs/scan_mamba2_chunked/B.npy \
// DEFINE:   --arg 5=%S/../CPU/Inputs/scan_mamba2_chunked/C.npy \
// DEFINE:   --arg 6=%S/../CPU/Inputs/scan_mamba2_chunked/h0.npy \
// DEFINE:   --expect 7=%S/../CPU/Inputs/scan_mamba2_chunked/y.npy \
// DEFINE:   --expect 8=%S/../CPU/Inputs/scan_mamba2_chunked/final_state.npy --rtol 1e-4 --atol 1e-5
// DEFINE: %{step} = --kernel=scan_step_heads_f32_g16 \
// DEFINE:   --arg 0=%S/Inputs/scan_gpu_mamba2_step/dt.npy --arg 1=%S/Inputs/scan_gpu_mamba2_step/dt_bias.npy \
// DEFINE:   --arg 2=%S/Inputs/scan_gpu_mamba2_step/x.npy --arg 3=%S/Inputs/scan_gpu_mamba2_step/A_log.npy \
// DEFINE:   --arg 4=%S/Inputs/scan_gpu_mamba2_step/B.npy --arg 5=%S/Inputs/scan_gpu_mamba2_step/C.npy \
// DEFINE:   --arg 6=%S/Inputs/scan_gpu_mamba2_step/h0.npy \
// DEFINE:   --expect 7=%S/Inputs/scan_gpu_mamba2_step/y.npy \
// DEFINE:   --expect 8=%S/Inputs/scan_gpu_mamba2_step/final_state.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{scan} | FileCheck %s --check-prefixes=SCAN,SCAN-CUDA
// RUN: seq-gpu-emu %t.cuda.mlir %{step} | FileCheck %s --check-prefixes=STEP,STEP-CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{scan} | FileCheck %s --check-prefixes=SCAN,SCAN-HIP
// RUN: seq-gpu-emu %t.hip.mlir %{step} | FileCheck %s --check-prefixes=STEP,STEP-HIP

// SCAN-CUDA: emulated scan_heads_f32_g32 on cuda:sm_80: 18 blocks x 128 threads, 0 barriers
// SCAN-HIP: emulated scan_heads_f32_g32 on hip:gfx942: 12 blocks x 256 threads, 0 barriers
// SCAN: output 7: 10800 values, max abs error {{.*}}, 0 outside
// SCAN: output 8: 1440 values, max abs error {{.*}}, 0 outside
// STEP-CUDA: emulated scan_step_heads_f32_g16 on cuda:sm_80: 36 blocks x 128 threads, 0 barriers
// STEP-HIP: emulated scan_step_heads_f32_g16 on hip:gfx942: 24 blocks x 256 threads, 0 barriers
// STEP: output 7: 288 values, max abs error {{.*}}, 0 outside
// STEP: output 8: 4608 values, max abs error {{.*}}, 0 outside

func.func @mamba2(%dt: tensor<2x150x3xf32>, %db: tensor<3xf32>, %x: tensor<2x150x3x12xf32>,
                  %alog: tensor<3xf32>, %Bm: tensor<2x150x1x20xf32>, %Cm: tensor<2x150x1x20xf32>,
                  %h0: tensor<2x3x12x20xf32>)
    -> (tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>) {
  %y, %hT = seq.scan ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<2x150x3xf32>, tensor<3xf32>, tensor<2x150x3x12xf32>, tensor<3xf32>,
          tensor<2x150x1x20xf32>, tensor<2x150x1x20xf32>)
      init(%h0 : tensor<2x3x12x20xf32>)
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
      } -> tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>
  return %y, %hT : tensor<2x150x3x12xf32>, tensor<2x3x12x20xf32>
}

func.func @mamba2_step(%dt: tensor<3x4xf32>, %db: tensor<4xf32>, %x: tensor<3x4x24xf32>,
                       %alog: tensor<4xf32>, %Bm: tensor<3x2x16xf32>, %Cm: tensor<3x2x16xf32>,
                       %h0: tensor<3x4x24x16xf32>)
    -> (tensor<3x4x24xf32>, tensor<3x4x24x16xf32>) {
  %y, %h1 = seq.scan_step ins(%dt, %db, %x, %alog, %Bm, %Cm
        : tensor<3x4xf32>, tensor<4xf32>, tensor<3x4x24xf32>, tensor<4xf32>,
          tensor<3x2x16xf32>, tensor<3x2x16xf32>)
      init(%h0 : tensor<3x4x24x16xf32>)
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
      } -> tensor<3x4x24xf32>, tensor<3x4x24x16xf32>
  return %y, %h1 : tensor<3x4x24xf32>, tensor<3x4x24x16xf32>
}
