// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default, for the runs that
// compare valid inputs with the goldens they share with other tests.
//
// Run-time checks of seq.scan's dynamic extents (issue #11): inputs with
// different T, a state or batch extent an input does not have, or fewer
// groups than a grouped map (`h floordiv 2`) reads fail the call with
// __seq_status 4 (shape mismatch) and exit 1 instead of reading past the
// shorter input (garbage with exit 0, or a segfault). Good inputs still
// match the PyTorch goldens of scan_mingru and scan_mamba2.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg

// RUN: seqrun %t.seqpkg --entry mingru \
// RUN:   --input 0=%S/../Inputs/scan_mingru/k.npy \
// RUN:   --input 1=%S/../Inputs/scan_mingru/htilde.npy \
// RUN:   --input 2=%S/../Inputs/scan_mingru/h0.npy \
// RUN:   --expect 0=%S/../Inputs/scan_mingru/out.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mingru/final_state.npy --rtol 1e-4 --atol 1e-5
// T 32 and 4096, 4096 and 32, 32 and 31; batch 1 for 2; 15 channels for 16.
// RUN: not seqrun %t.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=2x4096x16 --zeros 2=2x16 2>&1 | FileCheck %s --check-prefixes=CHECK,T4096
// RUN: not seqrun %t.seqpkg --entry mingru --zeros 0=2x4096x16 --zeros 1=2x32x16 --zeros 2=2x16 2>&1 | FileCheck %s --check-prefixes=CHECK,T32
// RUN: not seqrun %t.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=2x31x16 --zeros 2=2x16 2>&1 | FileCheck %s --check-prefixes=CHECK,T31
// RUN: not seqrun %t.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=1x32x16 --zeros 2=2x16 2>&1 | FileCheck %s --check-prefixes=CHECK,BATCH
// RUN: not seqrun %t.seqpkg --entry mingru --zeros 0=2x32x16 --zeros 1=2x32x15 --zeros 2=2x16 2>&1 | FileCheck %s --check-prefixes=CHECK,WIDTH
// CHECK: entry '{{.*}}' failed while running: operand extents that do not agree{{.*}}(__seq_status 4):
// The message names the input and extent against the iteration space
// (taken from the first input), or the index a compound map reads at the
// last point (h floordiv 2 at h = 3).
// T4096-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 1 extent 1 is 4096, the iteration space's d1 32
// T32-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 1 extent 1 is 32, the iteration space's d1 4096
// T31-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 1 extent 1 is 31, the iteration space's d1 32
// BATCH-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 1 extent 0 is 1, the iteration space's d0 2
// WIDTH-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 1 extent 2 is 15, the iteration space's d2 16
// B19-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 3 extent 1 is 19, the iteration space's d1 20
// B21-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 3 extent 1 is 21, the iteration space's d1 20
// GROUPS-SAME: seq.scan at {{.*}}hostile_scan.mlir:{{[0-9]+}}:{{[0-9]+}}: input 4 extent 2 is 1, too short for index 1

// RUN: seqrun %t.seqpkg --entry mamba2 \
// RUN:   --input 0=%S/../Inputs/scan_mamba2/x.npy \
// RUN:   --input 1=%S/../Inputs/scan_mamba2/dt.npy \
// RUN:   --input 2=%S/../Inputs/scan_mamba2/A.npy \
// RUN:   --input 3=%S/../Inputs/scan_mamba2/B.npy \
// RUN:   --input 4=%S/../Inputs/scan_mamba2/C.npy \
// RUN:   --input 5=%S/../Inputs/scan_mamba2/h0.npy \
// RUN:   --expect 1=%S/../Inputs/scan_mamba2/final_state.npy --rtol 1e-4 --atol 1e-5
// B of T 19 and 21 for 20, C of one group for heads 0..3 (h floordiv 2).
// RUN: not seqrun %t.seqpkg --entry mamba2 --zeros 0=1x20x4x8 --zeros 1=1x20x4 --zeros 2 --zeros 3=1x19x2x16 --zeros 4=1x20x2x16 --zeros 5 2>&1 | FileCheck %s --check-prefixes=CHECK,B19
// RUN: not seqrun %t.seqpkg --entry mamba2 --zeros 0=1x20x4x8 --zeros 1=1x20x4 --zeros 2 --zeros 3=1x21x2x16 --zeros 4=1x20x2x16 --zeros 5 2>&1 | FileCheck %s --check-prefixes=CHECK,B21
// RUN: not seqrun %t.seqpkg --entry mamba2 --zeros 0=1x20x4x8 --zeros 1=1x20x4 --zeros 2 --zeros 3=1x20x2x16 --zeros 4=1x20x1x16 --zeros 5 2>&1 | FileCheck %s --check-prefixes=CHECK,GROUPS

func.func @mingru(%k: tensor<?x?x?xf32>, %htilde: tensor<?x?x?xf32>, %h0: tensor<2x16xf32>)
    -> (tensor<2x?x16xf32>, tensor<2x16xf32>) {
  %y, %h = seq.scan ins(%k, %htilde : tensor<?x?x?xf32>, tensor<?x?x?xf32>)
      init(%h0 : tensor<2x16xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
      step {
      ^bb0(%kv: f32, %hv: f32):
        %one = arith.constant 1.0 : f32
        %nk = arith.negf %kv : f32
        %e = math.exp %nk : f32
        %den = arith.addf %one, %e : f32
        %z = arith.divf %one, %den : f32
        %decay = arith.subf %one, %z : f32
        %in = arith.mulf %z, %hv : f32
        seq.yield %decay, %in : f32, f32
      } -> tensor<2x?x16xf32>, tensor<2x16xf32>
  return %y, %h : tensor<2x?x16xf32>, tensor<2x16xf32>
}

func.func @mamba2(%x: tensor<1x20x4x8xf32>, %dt: tensor<1x20x4xf32>, %A: tensor<4xf32>,
                  %B: tensor<1x?x?x16xf32>, %C: tensor<1x20x?x16xf32>,
                  %h0: tensor<1x4x8x16xf32>)
    -> (tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %hT = seq.scan ins(%dt, %A, %x, %B, %C
        : tensor<1x20x4xf32>, tensor<4xf32>, tensor<1x20x4x8xf32>,
          tensor<1x?x?x16xf32>, tensor<1x20x?x16xf32>)
      init(%h0 : tensor<1x4x8x16xf32>)
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>,
              affine_map<(b, t, h, p, n) -> (b, t, h, p)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>,
              affine_map<(b, t, h, p, n) -> (b, t, h floordiv 2, n)>]
      reduce = [4]
      step {
      ^bb0(%dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %av: f32, %xv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>
  return %y, %hT : tensor<1x20x4x8xf32>, tensor<1x4x8x16xf32>
}
