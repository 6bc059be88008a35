// RUN: seqc %s -emit=llvm -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=0 -o - | FileCheck %s --check-prefix=AVX2
// RUN: seqc %s -emit=obj -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=0 -o %t.x86.o
// RUN: llvm-objdump -d %t.x86.o | FileCheck %s --check-prefix=FMA
// RUN: seqc %s -emit=llvm -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=0 -parallel-runtime=omp -o - | FileCheck %s --check-prefix=OMP
// RUN: seqc %s -emit=llvm -parallel=false -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -o - | FileCheck %s --check-prefix=SERIAL
// RUN: seqc %s -emit=llvm -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -parallel-min-work=1073741824 -o - | FileCheck %s --check-prefix=SERIAL
// RUN: seqc %s -emit=obj -mtriple=aarch64-unknown-linux-gnu -cpu=generic -o %t.o
// RUN: llvm-readobj --file-headers %t.o | FileCheck %s --check-prefix=ARM
// RUN: seqc %s -mtriple=aarch64-unknown-linux-gnu -cpu=generic -o %t.seqpkg
// RUN: seqc %s -o %t.host.seqpkg
// RUN: llvm-nm %t.x86.o | FileCheck %s --check-prefix=SYMS
// RUN: seqc %s -emit=obj -cpu=skylake-avx512 -mtriple=x86_64-unknown-linux-gnu -o %t.avx512.o
// RUN: llvm-objdump -d %t.avx512.o | FileCheck %s --check-prefix=AVX512
// The vector kernels take their width from the target CPU, or -vector-width.
// RUN: seqc %s -emit=tiled -cpu=haswell -mtriple=x86_64-unknown-linux-gnu | FileCheck %s --check-prefix=W8
// RUN: seqc %s -emit=tiled -cpu=skylake-avx512 -mtriple=x86_64-unknown-linux-gnu | FileCheck %s --check-prefix=W16
// RUN: seqc %s -emit=tiled -cpu=generic -mtriple=aarch64-unknown-linux-gnu | FileCheck %s --check-prefix=W4
// RUN: seqc %s -emit=tiled -cpu=haswell -mtriple=x86_64-unknown-linux-gnu -vector-width=0 | FileCheck %s --check-prefix=W0

// Vectorised inner loops for the chosen CPU (8-wide FMAs on AVX2), seqrt's
// thread pool (or OpenMP) for independent tiles, and AArch64 as a cross
// target.

// Below the grain given by -parallel-min-work its loops are serial too
// (seq-serialize-small-foralls; the causal key loop counts by its bound, so
// at the default grain this 4-head problem runs on the threads).
// AVX2: @__seq_parallel_for = {{.*}}global ptr null
// AVX2: fmul {{.*}}<8 x float>
// AVX2: define internal void @__seq_parallel_body_0_run(ptr {{.*}}, i64 {{.*}}, i64 {{.*}}, ptr {{.*}})
// AVX2: %[[POOL:.*]] = load ptr, ptr @__seq_parallel_for
// A runtime that did not set the pointer gets the loop on the calling thread.
// AVX2: icmp {{eq|ne}} ptr %[[POOL]], null
// AVX2: call void %[[POOL]](ptr nonnull @__seq_parallel_body_0_run, ptr {{.*}}, i64 0, i64 16, i64 1, ptr
// AVX2-NOT: __kmpc
// OMP: call void {{.*}}@__kmpc_fork_call
// OMP-NOT: __seq_parallel
// FMA: vfmadd{{[0-9]+}}ps {{.*}}%ymm
// SERIAL-NOT: __kmpc_fork_call
// SERIAL-NOT: __seq_parallel
// The softmax's exp is inline (seq-approximate-math), not a libm call.
// SYMS-NOT: expf
// SYMS-NOT: __kmpc
// SYMS: B __seq_parallel_for
// SYMS-NOT: __kmpc
// SYMS-NOT: expf
// AVX512: vfmadd{{[0-9]+}}ps {{.*}}%zmm
// W8: vector.fma {{.*}} : vector<8xf32>
// W16: vector.fma {{.*}} : vector<16xf32>
// W4: vector.fma {{.*}} : vector<4xf32>
// W0-NOT: vector.
// ARM: Machine: EM_AARCH64
func.func @main(%q: tensor<1x4x64x64xf32>, %k: tensor<1x4x64x64xf32>, %v: tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32> {
  %o = seq.attention %q, %k, %v causal : tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32> -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}
