// Tolerance: exact (rtol 0, atol 0): both kernels copy rows in their own
// type.
//
// seq.embedding and seq.cache_write emulated through the CUDA and HIP
// mappings against PyTorch (F.embedding, and slicing into the cache;
// Inputs/state_gpu, gen/gen_state_gpu.py): f32 rows of 300 (wider than a
// block's 256 threads), bf16 and f16 tables; a bf16 cache [2, 3, 16, 64]
// written with 4 steps at positions (5, 12) (the second ends at the
// capacity), an f32 decode step (S = 1) and an f16 cache. Out-of-range
// ids and positions store the CPU's status codes (1: index out of range,
// 2: cache overflow) in the status word; a row whose write does not fit
// is left unchanged, as on the CPU.

// DEFINE: %{S} = %S/Inputs/state_gpu
// DEFINE: %{ok} = --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_zero.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: for t in cuda hip; do \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=embedding_f32 --arg 0=%{S}/table_f32.npy --arg 1=%{S}/ids_f32.npy --expect 2=%{S}/emb_f32.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=embedding_bf16 --arg 0=%{S}/table_bf16.npy --arg 1=%{S}/ids_bf16.npy --expect 2=%{S}/emb_bf16.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=embedding_f16 --arg 0=%{S}/table_f16.npy --arg 1=%{S}/ids_f16.npy --expect 2=%{S}/emb_f16.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=embedding_bf16 --arg 0=%{S}/table_bf16.npy --arg 1=%{S}/ids_bad.npy --expect 2=%{S}/emb_bad.npy \
// RUN:     --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_index.npy --rtol 0 --atol 0 && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=cache_write_bf16 --arg 0=%{S}/update_bf16.npy --arg 1=%{S}/pos_bf16.npy --arg 2=%{S}/cache_bf16.npy --expect 2=%{S}/written_bf16.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=cache_write_f32 --arg 0=%{S}/update_f32.npy --arg 1=%{S}/pos_f32.npy --arg 2=%{S}/cache_f32.npy --expect 2=%{S}/written_f32.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=cache_write_f16 --arg 0=%{S}/update_f16.npy --arg 1=%{S}/pos_f16.npy --arg 2=%{S}/cache_f16.npy --expect 2=%{S}/written_f16.npy %{ok} && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=cache_write_bf16 --arg 0=%{S}/update_bf16.npy --arg 1=%{S}/pos_over.npy --arg 2=%{S}/cache_bf16.npy --expect 2=%{S}/written_over.npy \
// RUN:     --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_overflow.npy --rtol 0 --atol 0 && \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=cache_write_bf16 --arg 0=%{S}/update_bf16.npy --arg 1=%{S}/pos_neg.npy --arg 2=%{S}/cache_bf16.npy --expect 2=%{S}/written_neg.npy \
// RUN:     --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_overflow.npy --rtol 0 --atol 0 \
// RUN:   || exit 1; done | FileCheck %s

// The wrong-status cases fail: a valid write does not report an overflow.
// RUN: not seq-gpu-emu %t.cuda.mlir --kernel=cache_write_bf16 --arg 0=%{S}/update_bf16.npy --arg 1=%{S}/pos_bf16.npy --arg 2=%{S}/cache_bf16.npy \
// RUN:   --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_overflow.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=WRONG
// WRONG: output 3: 1 values, max abs error 2{{.*}}, 1 outside

// A paged cache has no GPU kernel yet.
// RUN: not seqc %S/Inputs/cache_write_paged.mlir --target=cuda:sm_80 -emit=gpu-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=PAGED
// PAGED: a paged KV cache (block_table) has no GPU kernel yet

// CHECK: emulated embedding_f32 on {{.*}}: 10 blocks x 256 threads
// CHECK: output 2: 3000 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated embedding_bf16 on {{.*}}: 10 blocks x 256 threads
// CHECK: output 2: 3000 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated embedding_f16 on {{.*}}: 10 blocks x 256 threads
// CHECK: output 2: 640 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated embedding_bf16
// CHECK: output 2: 3000 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated cache_write_bf16 on {{.*}}: 24 blocks x 256 threads
// CHECK: output 2: 6144 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated cache_write_f32 on {{.*}}: 4 blocks x 256 threads
// CHECK: output 2: 1280 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated cache_write_f16
// CHECK: output 2: 1024 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated cache_write_bf16
// CHECK: output 2: 6144 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated cache_write_bf16
// CHECK: output 2: 6144 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated embedding_f32 on {{.*}}hip

func.func @embed_f32(%t: tensor<50x300xf32>, %ids: tensor<2x5xi32>) -> tensor<2x5x300xf32> {
  %h = seq.embedding %t, %ids : tensor<50x300xf32>, tensor<2x5xi32> -> tensor<2x5x300xf32>
  return %h : tensor<2x5x300xf32>
}

func.func @embed_bf16(%t: tensor<37x300xbf16>, %ids: tensor<2x5xi32>) -> tensor<2x5x300xbf16> {
  %h = seq.embedding %t, %ids : tensor<37x300xbf16>, tensor<2x5xi32> -> tensor<2x5x300xbf16>
  return %h : tensor<2x5x300xbf16>
}

func.func @embed_f16(%t: tensor<19x64xf16>, %ids: tensor<2x5xi32>) -> tensor<2x5x64xf16> {
  %h = seq.embedding %t, %ids : tensor<19x64xf16>, tensor<2x5xi32> -> tensor<2x5x64xf16>
  return %h : tensor<2x5x64xf16>
}

func.func @write_bf16(%c: tensor<2x3x16x64xbf16>, %u: tensor<2x3x4x64xbf16>, %p: tensor<2xi32>) -> tensor<2x3x16x64xbf16> {
  %r = seq.cache_write %c, %u at %p : tensor<2x3x16x64xbf16>, tensor<2x3x4x64xbf16>, tensor<2xi32>
  return %r : tensor<2x3x16x64xbf16>
}

func.func @write_f32(%c: tensor<2x2x8x40xf32>, %u: tensor<2x2x1x40xf32>, %p: tensor<2xi32>) -> tensor<2x2x8x40xf32> {
  %r = seq.cache_write %c, %u at %p : tensor<2x2x8x40xf32>, tensor<2x2x1x40xf32>, tensor<2xi32>
  return %r : tensor<2x2x8x40xf32>
}

func.func @write_f16(%c: tensor<2x2x8x32xf16>, %u: tensor<2x2x2x32xf16>, %p: tensor<2xi32>) -> tensor<2x2x8x32xf16> {
  %r = seq.cache_write %c, %u at %p : tensor<2x2x8x32xf16>, tensor<2x2x2x32xf16>, tensor<2xi32>
  return %r : tensor<2x2x8x32xf16>
}
