// Tolerance: exact (rtol 0 / atol 0): the result copies a bound parameter.
//
// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --weights %S/../Inputs/parameters/weights.safetensors --input 0=%S/../Inputs/parameters/x.npy --expect 0=%S/../Inputs/parameters/out.npy --rtol 0 --atol 0
// RUN: not seqrun %t.seqpkg --input 0=%S/../Inputs/parameters/x.npy 2>&1 | FileCheck %s --check-prefix=UNBOUND

// A parameter is bound by key from a safetensors file at load time and read
// through the pointer the runtime sets (W = arange(32) as 4x8, x = ones:
// exact small integers, so the tolerance is 0).
// UNBOUND: seqrun: {{.*}}w
module {
  seq.parameter @w "w" : tensor<4x8xf32>
  func.func @main(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
    %w = seq.get_parameter @w : tensor<4x8xf32>
    %y = seq.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
}
