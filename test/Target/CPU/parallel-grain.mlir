// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s --check-prefix=GRAIN
// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-runtime=omp --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s --check-prefix=COARSE
// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=4194304 --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s --check-prefix=COARSE
// RUN: seqc %s -emit=llvm-mlir -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=262144 --mlir-print-ir-after=seq-serialize-small-foralls -o /dev/null 2>&1 | FileCheck %s --check-prefix=GRAIN

// The default grain is the target description's: parallelMinWork (2^18
// estimated operations) for seqrt's pool, parallelMinWorkOmp (2^22, the
// same as -parallel-min-work=4194304) with -parallel-runtime=omp. The
// estimates count a memref.prefetch as 16 operations (the decode kernels
// hint the weight lines they stream from memory). At 2^22 a decode row (one
// tile of rows) through a 576 x 576 q4_1 weight runs serially, in parallel
// only from 7 tiles of rows. At 2^18 that projection (36 tiles of 16
// features, ~3 * 10^5 estimated operations per tile row) always runs on
// the threads, while a 64 x 64 projection runs in parallel only from 33
// tiles of rows. (The estimates follow the static size of the tile body,
// so the register blocks of KernelDispatch move these thresholds: the
// q4_1 tile's leftover rows in blocks of 4, 2 and 1 after the blocks of 8
// doubled its static size, not its work per row, and halved these
// thresholds from 15, 70 and 1117; the estimate counts alternatives as
// if all ran.)

// GRAIN-LABEL: func.func @__seq_fn_main
// GRAIN: cf.assert %{{.*}}, "allocation size overflow" {seq.check_leave}
// GRAIN-NOT: scf.if
// GRAIN: scf.forall ({{.*}}) in (36, %{{.*}})
// GRAIN: arith.cmpi sge, %{{.*}}, %c33
// GRAIN-NEXT: scf.if
// GRAIN-NEXT: scf.forall ({{.*}}) in (4, %{{.*}})
// GRAIN: } else {
// COARSE-LABEL: func.func @__seq_fn_main
// COARSE: arith.cmpi sge, %{{.*}}, %c7
// COARSE-NEXT: scf.if
// COARSE-NEXT: scf.forall ({{.*}}) in (36, %{{.*}})
// COARSE: arith.cmpi sge, %{{.*}}, %c514
// COARSE-NEXT: scf.if
// COARSE-NEXT: scf.forall ({{.*}}) in (4, %{{.*}})

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_1>} : tensor<576x360xi8>
  seq.parameter @v "v" {quant = #seq.quant_format<q4_1>} : tensor<64x40xi8>
  func.func @main(%x: tensor<1x?x576xf32>, %s: tensor<1x?x64xf32>)
      -> (tensor<1x?x576xf32>, tensor<1x?x64xf32>) {
    %w = seq.get_parameter @w : tensor<576x360xi8>
    %v = seq.get_parameter @v : tensor<64x40xi8>
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>}
        : tensor<1x?x576xf32>, tensor<576x360xi8> -> tensor<1x?x576xf32>
    %z = seq.quantized_linear %s, %v {format = #seq.quant_format<q4_1>}
        : tensor<1x?x64xf32>, tensor<64x40xi8> -> tensor<1x?x64xf32>
    return %y, %z : tensor<1x?x576xf32>, tensor<1x?x64xf32>
  }
}
