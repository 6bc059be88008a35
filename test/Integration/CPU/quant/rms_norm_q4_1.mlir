// Tolerance (f32): rtol 1e-5 / atol 1e-4 (f32 norm statistics and
// accumulation over K = 576 against the float64 reference).
//
// The attention input of a Llama/SmolLM2 layer: rms_norm(x) * g read by a
// q4_1 and a q8_0 projection, each lowered as a pass that normalises the
// rows once into a buffer and a loop nest over the projection's tiles (the
// norm op itself disappears; seqc-opt check below). Packed by gguf-py; reference = float64 RMSNorm and
// gguf dequantize + float64 matmul: Inputs/quant_rms_norm_q4_1/, written by
// gen/gen_quant.py.

// REQUIRES: cpu-lowering-quant
// RUN: seqc %s --target=cpu -vector-width=0 -o %t.w0.seqpkg
// RUN: seqrun %t.w0.seqpkg --entry main --weights %S/../Inputs/quant_rms_norm_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_rms_norm_q4_1/x.npy --expect 0=%S/../Inputs/quant_rms_norm_q4_1/q.npy --expect 1=%S/../Inputs/quant_rms_norm_q4_1/k.npy \
// RUN:   --rtol 1e-5 --atol 1e-4
// RUN: seqc %s --target=cpu -vector-width=8 -o %t.w8.seqpkg
// RUN: seqrun %t.w8.seqpkg --entry main --weights %S/../Inputs/quant_rms_norm_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_rms_norm_q4_1/x.npy --expect 0=%S/../Inputs/quant_rms_norm_q4_1/q.npy --expect 1=%S/../Inputs/quant_rms_norm_q4_1/k.npy \
// RUN:   --rtol 1e-5 --atol 1e-4
// RUN: seqc %s --target=cpu -vector-width=16 -o %t.w16.seqpkg
// RUN: seqrun %t.w16.seqpkg --entry main --weights %S/../Inputs/quant_rms_norm_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_rms_norm_q4_1/x.npy --expect 0=%S/../Inputs/quant_rms_norm_q4_1/q.npy --expect 1=%S/../Inputs/quant_rms_norm_q4_1/k.npy \
// RUN:   --rtol 1e-5 --atol 1e-4
// Int8 activations (seqc --quant-activations=int8) against q_int8.npy /
// k_int8.npy: atol 1.6e-2, the f32 tolerance plus two level steps of the
// largest block times max|w| (gen_quant.py; the kernel normalises in f32, so
// a value at a rounding boundary may take the neighbouring level). AVX2 and
// portable kernels.
// RUN: seqc %s --target=cpu --quant-activations=int8 -o %t.i8.seqpkg
// RUN: seqrun %t.i8.seqpkg --entry main --weights %S/../Inputs/quant_rms_norm_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_rms_norm_q4_1/x.npy --expect 0=%S/../Inputs/quant_rms_norm_q4_1/q_int8.npy --expect 1=%S/../Inputs/quant_rms_norm_q4_1/k_int8.npy \
// RUN:   --rtol 1e-5 --atol 1.6e-2
// RUN: seqc %s --target=cpu --quant-activations=int8 -mattr=-avx2 -o %t.i8p.seqpkg
// RUN: seqrun %t.i8p.seqpkg --entry main --weights %S/../Inputs/quant_rms_norm_q4_1/weights.gguf \
// RUN:   --input 0=%S/../Inputs/quant_rms_norm_q4_1/x.npy --expect 0=%S/../Inputs/quant_rms_norm_q4_1/q_int8.npy --expect 1=%S/../Inputs/quant_rms_norm_q4_1/k_int8.npy \
// RUN:   --rtol 1e-5 --atol 1.6e-2
// RUN: seqc-opt %s -convert-seq-to-loops=quant-activations=int8 | FileCheck %s --check-prefix=INT8
// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s
// RUN: seqc-opt %s -convert-seq-to-loops | FileCheck %s --check-prefix=NONORM
// CHECK-COUNT-2: memref.alloc(%c7, %c576) {{.*}} : memref<?x?xf32>
// CHECK-NOT: memref.alloca(
// With int8 activations the norm's rows are normalised into a heap buffer
// and quantized (i8 rows, f32 block scales, block sums transposed) once for
// both projections (q4_1 and q8_0 share the int8 rows), whose feature tiles
// (4 + 4 of 16 features) then share one parallel loop, a branch each.
// INT8: memref.alloc({{.*}}) {{.*}} : memref<?x576xi8>
// INT8: memref.alloc({{.*}}) {{.*}} : memref<18x?xf32>
// INT8: memref.alloc({{.*}}) {{.*}} : memref<?x576xf32>
// INT8-NOT: memref.alloc({{.*}}) {{.*}} : memref<?x576xf32>
// INT8: scf.forall (%{{.*}}, %{{.*}}) in (%c8, %c1)
// INT8: scf.if
// INT8: scf.if
// INT8-NOT: memref.alloc({{.*}}) {{.*}} : memref<?x576xi8>
// INT8-NOT: memref.alloca(
// NONORM-NOT: seq.rms_norm
// NONORM-NOT: memref.alloc() {{.*}} : memref<1x7x576xf32>

module {
  seq.parameter @wq "wq" {quant = #seq.quant_format<q4_1>} : tensor<49x360xi8>
  seq.parameter @wk "wk" {quant = #seq.quant_format<q8_0>} : tensor<49x612xi8>
  seq.parameter @g "g" : tensor<576xf32>
  func.func @main(%x: tensor<1x7x576xf32>) -> (tensor<1x7x49xf32>, tensor<1x7x49xf32>) {
    %wq = seq.get_parameter @wq : tensor<49x360xi8>
    %wk = seq.get_parameter @wk : tensor<49x612xi8>
    %g = seq.get_parameter @g : tensor<576xf32>
    %h = seq.rms_norm %x, %g {epsilon = 1.0e-05 : f32} : tensor<1x7x576xf32>, tensor<576xf32>
    %q = seq.quantized_linear %h, %wq {format = #seq.quant_format<q4_1>}
        : tensor<1x7x576xf32>, tensor<49x360xi8> -> tensor<1x7x49xf32>
    %k = seq.quantized_linear %h, %wk {format = #seq.quant_format<q8_0>}
        : tensor<1x7x576xf32>, tensor<49x612xi8> -> tensor<1x7x49xf32>
    return %q, %k : tensor<1x7x49xf32>, tensor<1x7x49xf32>
  }
}
