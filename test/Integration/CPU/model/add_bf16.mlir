// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// A bf16 tensor add (the residual add of a bf16 model) on the CPU. bf16
// arithmetic computes in f32 and rounds once (arith-emulate-unsupported-
// floats + arith-expand); before, LLVM lowered the bf16 fadd through
// compiler-rt's __truncsfbf2 and the artifact failed to load ("undefined
// symbol: __truncsfbf2"). Inputs and golden (torch's bf16 add, rounded
// once like this one, so the result is exact): Inputs/add_bf16/, written
// by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/add_bf16/residual.npy \
// RUN:   --input 1=%S/../Inputs/add_bf16/gate.npy \
// RUN:   --expect 0=%S/../Inputs/add_bf16/sum.npy \
// RUN:   --rtol 2e-2 --atol 2e-2 | FileCheck %s
// CHECK: output 0 bf16[4, 1100]: PASS: max abs error 0,

func.func @main(%r: tensor<4x1100xbf16>, %g: tensor<4x1100xbf16>) -> tensor<4x1100xbf16> {
  %s = arith.addf %r, %g : tensor<4x1100xbf16>
  return %s : tensor<4x1100xbf16>
}
