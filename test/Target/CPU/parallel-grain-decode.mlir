// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s
// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=4194304 --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s --check-prefix=COARSE

// A decode row's f32 q, k and v projections of rms_norm(x) (SmolLM2's
// 576 -> 576, 192, 192): one tile loop over their 36 + 12 + 12 feature
// blocks (FuseSiblingLinears; the row normalised once before it), and
// with the one-row GEMVs' weight prefetches counted as memory time (16
// operations each) it reaches the default grain of 2^18 and runs on the
// threads, with no run-time check.
// (Separately, each projection was a serial loop: ~1.1e5 estimated
// operations for the 1.3 MB of q.) At 2^22 it stays serial.

// CHECK-LABEL: func.func @__seq_fn_main
// CHECK-NOT: scf.if
// CHECK: math.rsqrt
// CHECK-NOT: scf.if
// CHECK: scf.forall (%{{.*}}) in (60)
// CHECK-NOT: math.rsqrt
// CHECK: scf.if
// CHECK: prefetch
// CHECK-NOT: scf.forall
// CHECK: return

// COARSE-LABEL: func.func @__seq_fn_main
// COARSE-NOT: scf.forall
// COARSE: scf.for %{{.*}} = %{{.*}} to %c60
// COARSE-NOT: scf.forall
// COARSE: return

func.func @main(%x: tensor<1x1x576xf32>, %g: tensor<576xf32>,
                %wq: tensor<576x576xf32>, %wk: tensor<192x576xf32>,
                %wv: tensor<192x576xf32>)
    -> (tensor<1x1x576xf32>, tensor<1x1x192xf32>, tensor<1x1x192xf32>) {
  %n = seq.rms_norm %x, %g {epsilon = 1.0e-5 : f32}
      : tensor<1x1x576xf32>, tensor<576xf32>
  %q = seq.linear %n, %wq
      : tensor<1x1x576xf32>, tensor<576x576xf32> -> tensor<1x1x576xf32>
  %k = seq.linear %n, %wk
      : tensor<1x1x576xf32>, tensor<192x576xf32> -> tensor<1x1x192xf32>
  %v = seq.linear %n, %wv
      : tensor<1x1x576xf32>, tensor<192x576xf32> -> tensor<1x1x192xf32>
  return %q, %k, %v
      : tensor<1x1x576xf32>, tensor<1x1x192xf32>, tensor<1x1x192xf32>
}
