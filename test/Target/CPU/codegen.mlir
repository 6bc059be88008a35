// RUN: seqc %s -emit=llvm -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -o - | FileCheck %s --check-prefix=AVX2
// RUN: seqc %s -emit=obj -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -o %t.x86.o
// RUN: llvm-objdump -d %t.x86.o | FileCheck %s --check-prefix=FMA
// RUN: seqc %s -emit=llvm -parallel=false -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -o - | FileCheck %s --check-prefix=SERIAL
// RUN: seqc %s -emit=obj -mtriple=aarch64-unknown-linux-gnu -cpu=generic -o %t.o
// RUN: llvm-readobj --file-headers %t.o | FileCheck %s --check-prefix=ARM
// RUN: seqc %s -mtriple=aarch64-unknown-linux-gnu -cpu=generic -o %t.seqpkg
// RUN: seqc %s -o %t.host.seqpkg

// Vectorised inner loops for the chosen CPU (8-wide FMAs on AVX2), OpenMP
// for independent tiles, and AArch64 as a cross target.

// AVX2: fmul {{.*}}<8 x float>
// AVX2: call void {{.*}}@__kmpc_fork_call
// FMA: vfmadd{{[0-9]+}}ps {{.*}}%ymm
// SERIAL-NOT: __kmpc_fork_call
// ARM: Machine: EM_AARCH64
func.func @main(%q: tensor<1x4x64x64xf32>, %k: tensor<1x4x64x64xf32>, %v: tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32> {
  %o = seq.attention %q, %k, %v causal : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32> -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}
