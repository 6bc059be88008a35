// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="quant-activations=int8 x86-avx2=true" | FileCheck %s --check-prefix=AVX2
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="quant-activations=int8" | FileCheck %s --check-prefix=PORT
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s --check-prefix=F32
// RUN: not seqc-opt %s -split-input-file -convert-seq-to-loops="quant-activations=int4" 2>&1 | FileCheck %s --check-prefix=BAD

// Int8 activations (quant-activations=int8): the activation rows are
// quantized once, before the projection tiles, into heap buffers (i8 rows,
// f32 scale and scale * sum per 32-element block): max|x| by a maxnumf
// reduction, x * (1 / d) rounded half away from zero to i8. The tiles read
// 32 i8 activations per block and row, unpack the weight block to 32 i8
// levels in registers (q4: low and high nibbles shuffled together) and take
// integer dot products: with AVX2 vpmaddubsw + vpmaddwd (called through
// declarations named as the LLVM intrinsics), elsewhere i32 products summed
// in groups of 4 lanes (strided shuffles). Each block's 8 partial sums become f32 and are
// accumulated with one fma by d_w * d_x; q4_1 adds m_w * (d_x * sum q_x).
// The default keeps f32 activations (no i8 activation buffer).

// AVX2-LABEL: func.func private @llvm.x86.avx2.pmadd.ub.sw(vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: func.func private @llvm.x86.avx2.pmadd.wd(vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-LABEL: func @linear_q4_1
// AVX2: %[[Q:.*]] = memref.alloc({{.*}}) {{.*}} : memref<?x64xi8>
// AVX2: memref.alloc({{.*}}) {{.*}} : memref<?x2xf32>
// AVX2: %[[S:.*]] = memref.alloc({{.*}}) {{.*}} : memref<2x?xf32>
// AVX2: scf.forall
// AVX2: vector.reduction <maxnumf>
// AVX2: math.round {{.*}} : vector<32xf32>
// AVX2: arith.fptosi {{.*}} : vector<32xf32> to vector<32xi8>
// AVX2: vector.store {{.*}}, %[[Q]]
// AVX2: scf.forall
// AVX2: vector.load %[[Q]]{{.*}} : memref<?x64xi8>, vector<32xi8>
// AVX2: vector.load {{.*}} : memref<49x40xi8>, vector<16xi8>
// AVX2: arith.andi
// AVX2: arith.shrui
// AVX2: vector.shuffle {{.*}} : vector<16xi8>, vector<16xi8>
// AVX2: vector.load {{.*}} : memref<49x40xi8>, vector<4xi8>
// AVX2: vector.bitcast {{.*}} : vector<4xi8> to vector<2xf16>
// AVX2: call @llvm.x86.avx2.pmadd.ub.sw
// AVX2: call @llvm.x86.avx2.pmadd.wd
// AVX2: arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// AVX2: vector.fma {{.*}} : vector<8xf32>
// AVX2: vector.load %[[S]]{{.*}} : memref<2x?xf32>, vector<4xf32>
// AVX2: vector.fma {{.*}} : vector<4xf32>
// AVX2-NOT: psign
// AVX2-LABEL: func @linear_q8_0
// AVX2: vector.load {{.*}} : memref<3x102xi8>, vector<32xi8>
// AVX2: math.absi {{.*}} : vector<32xi8>
// AVX2: call @llvm.x86.avx2.psign.b
// AVX2: call @llvm.x86.avx2.pmadd.ub.sw
// AVX2-LABEL: func @linear_q4_0
// AVX2: vector.shuffle
// AVX2: arith.subi {{.*}} : vector<32xi8>
// AVX2: call @llvm.x86.avx2.psign.b

// PORT-NOT: @llvm.x86
// PORT-LABEL: func @linear_q4_1
// PORT: arith.extui {{.*}} : vector<32xi8> to vector<32xi32>
// PORT: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>
// PORT: arith.muli {{.*}} : vector<32xi32>
// PORT: vector.shuffle {{.*}} [0, 4, 8, 12, 16, 20, 24, 28] : vector<32xi32>, vector<32xi32>
// PORT: vector.shuffle {{.*}} [3, 7, 11, 15, 19, 23, 27, 31] : vector<32xi32>, vector<32xi32>
// PORT: arith.addi {{.*}} : vector<8xi32>
// PORT-LABEL: func @linear_q8_0
// PORT: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>
// PORT: arith.extsi {{.*}} : vector<32xi8> to vector<32xi32>

// F32-NOT: xi8>, vector<32xi8>
// F32-NOT: memref<?x64xi8>

// BAD: quant-activations must be f32 or int8, not 'int4'

module {
  seq.parameter @w "w" {quant = #seq.quant_format<q4_1>} : tensor<49x40xi8>
  func.func @linear_q4_1(%x: tensor<7x64xf32>) -> tensor<7x49xf32> {
    %w = seq.get_parameter @w : tensor<49x40xi8>
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_1>}
        : tensor<7x64xf32>, tensor<49x40xi8> -> tensor<7x49xf32>
    return %y : tensor<7x49xf32>
  }
  func.func @linear_q8_0(%x: tensor<1x96xf32>, %w: tensor<3x102xi8>) -> tensor<1x3xf32> {
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q8_0>}
        : tensor<1x96xf32>, tensor<3x102xi8> -> tensor<1x3xf32>
    return %y : tensor<1x3xf32>
  }
  func.func @linear_q4_0(%x: tensor<1x96xf32>, %w: tensor<3x54xi8>) -> tensor<1x3xf32> {
    %y = seq.quantized_linear %x, %w {format = #seq.quant_format<q4_0>}
        : tensor<1x96xf32>, tensor<3x54xi8> -> tensor<1x3xf32>
    return %y : tensor<1x3xf32>
  }
}
