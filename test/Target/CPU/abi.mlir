// RUN: seqc %s -emit=llvm-mlir -o - | FileCheck %s

// The artifact ABI (docs/design/Artifact.md) on the LLVM dialect: a packed
// entry per public function, parameters as runtime-set pointers, a free
// function for result buffers and the ABI record.

// CHECK: llvm.mlir.global external @__seq_param_w() {{.*}}alignment = 8 : i64} : !llvm.ptr
// Every function takes the call's status slot last (seqabi2); the packed
// wrapper passes a call context (status, jmp_buf for a failed allocation)
// and copies its status to the caller's.
// CHECK: llvm.func internal @_mlir_ciface___seq_fn_main(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: !llvm.ptr)
// CHECK: llvm.func @__seq_packed_main(%[[ARGS:.*]]: !llvm.ptr, %[[STATUS:.*]]: !llvm.ptr)
// CHECK: %[[CTX:.*]] = llvm.alloca
// CHECK: llvm.call @_setjmp(
// CHECK: llvm.getelementptr %[[ARGS]][0]
// CHECK: llvm.getelementptr %[[ARGS]][2]
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: llvm.call @_mlir_ciface___seq_fn_main(%{{.*}}, %{{.*}}, %{{.*}}, %[[CTX]])
// CHECK: %[[CODE:.*]] = llvm.load %[[CTX]] : !llvm.ptr -> i32
// CHECK: llvm.store %[[CODE]], %[[STATUS]] : i32, !llvm.ptr
// CHECK: llvm.func @__seq_free(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @free
// The ABI record the runtime compares with the metadata (seqrt/Abi.h);
// `m:256`: the code writes status messages (a failed allocation of the
// result reports its size).
// CHECK: llvm.mlir.global external constant @__seq_abi("seqabi2;e:__seq_packed_main:f32[2x8],i64[]:f32[2x4]:;p:__seq_param_w:f32[4x8]:;m:256\00")
module {
  seq.parameter @w "w" : tensor<4x8xf32>
  func.func @main(%x: tensor<2x8xf32>, %n: i64) -> tensor<2x4xf32> {
    %w = seq.get_parameter @w : tensor<4x8xf32>
    %y = seq.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
}
