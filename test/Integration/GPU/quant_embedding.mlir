// Tolerance: exact (rtol 0, atol 0) for q8_0, q4_0, q4_1 and the
// K-quants: the kernel's f32 products round as gguf-py's do
// (gen/gen_quant_embedding_gpu.py explains why).
//
// seq.quantized_embedding on the GPU, emulated: the gather kernel seqc maps
// for cuda:sm_80 and hip:gfx942 (a block per id, each thread runs of 8
// elements dequantized in registers from one vector load) against gguf-py's
// dequantize of the packed rows (Inputs/quant_embedding_gpu, written by
// gen/gen_quant_embedding_gpu.py). The q4_0, q4_1, q4_k and q6_k cases take
// the CPU embedding tests' tables and ids (CPU/quant/embedding_*.mlir), and
// the generator asserts gguf-py's rows equal the CPU test's golden; q8_0
// (the SmolLM2 token embedding's format) has 2112-element rows, more runs
// than a block has threads. Ids -1 and V write rows of zeros and store 1
// (SEQRT_CODE_INDEX_OUT_OF_RANGE) in the status word. The swap-nibbles and
// scale-order mutations of seq-gpu-quant-kernels make the q4 and K-quant
// cases fail.

// DEFINE: %{S} = %S/Inputs/quant_embedding_gpu
// DEFINE: %{ok} = --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_zero.npy --rtol 0 --atol 0
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: for t in cuda hip; do \
// RUN:   for f in q8_0 q4_0 q4_1 q4_k q6_k; do \
// RUN:     seq-gpu-emu %t.$t.mlir --kernel=qembedding_$f --arg 0=%{S}/${f}_table.npy --arg 1=%{S}/${f}_ids.npy \
// RUN:       --expect 2=%{S}/${f}_out.npy %{ok} || exit 1; \
// RUN:   done; \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=qembedding_q8_0 --arg 0=%{S}/q8_0_table.npy --arg 1=%{S}/q8_0_ids_bad.npy \
// RUN:     --expect 2=%{S}/q8_0_out_bad.npy --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_index.npy --rtol 0 --atol 0 \
// RUN:   || exit 1; done | FileCheck %s

// CHECK: emulated qembedding_q8_0 on cuda:sm_80: 7 blocks x 128 threads, 0 barriers
// CHECK: output 2: 14784 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q4_0 on cuda:sm_80: 10 blocks x 128 threads
// CHECK: output 2: 960 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q4_1 on cuda:sm_80: 3 blocks x 128 threads
// CHECK: output 2: 1728 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q4_k on cuda:sm_80: 6 blocks x 128 threads
// CHECK: output 2: 3072 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q6_k on cuda:sm_80: 5 blocks x 128 threads
// CHECK: output 2: 2560 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q8_0 on cuda:sm_80: 4 blocks x 128 threads
// CHECK: output 2: 8448 values, max abs error 0{{.*}}, 0 outside
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q8_0 on hip:gfx942: 7 blocks x 256 threads
// CHECK: emulated qembedding_q6_k on hip:gfx942: 5 blocks x 256 threads
// CHECK: output 2: 2560 values, max abs error 0{{.*}}, 0 outside
// CHECK: emulated qembedding_q8_0 on hip:gfx942: 4 blocks x 256 threads
// CHECK: output 3: 1 values, max abs error 0{{.*}}, 0 outside

// A status word that should stay 0 is checked: a valid gather does not
// report an out-of-range id.
// RUN: not seq-gpu-emu %t.cuda.mlir --kernel=qembedding_q8_0 --arg 0=%{S}/q8_0_table.npy --arg 1=%{S}/q8_0_ids.npy \
// RUN:   --expect 2=%{S}/q8_0_out.npy --arg 3=%{S}/status_zero.npy --expect 3=%{S}/status_index.npy --rtol 0 --atol 0 \
// RUN:   | FileCheck %s --check-prefix=STATUS
// STATUS: output 3: 1 values, max abs error 1{{.*}}, 1 outside

// Mutations: q4's nibble halves swapped, the K-quants' scales misread.
// RUN: seqc-opt %s "--seq-gpu-quant-kernels=target=cuda:sm_80 mutation=swap-nibbles" -o %t.nibbles.mlir
// RUN: not seq-gpu-emu %t.nibbles.mlir --kernel=qembedding_q4_1 --arg 0=%{S}/q4_1_table.npy --arg 1=%{S}/q4_1_ids.npy \
// RUN:   --expect 2=%{S}/q4_1_out.npy %{ok} | FileCheck %s --check-prefix=WRONG
// RUN: seqc-opt %s "--seq-gpu-quant-kernels=target=hip:gfx942 mutation=scale-order" -o %t.scales.mlir
// RUN: not seq-gpu-emu %t.scales.mlir --kernel=qembedding_q4_k --arg 0=%{S}/q4_k_table.npy --arg 1=%{S}/q4_k_ids.npy \
// RUN:   --expect 2=%{S}/q4_k_out.npy %{ok} | FileCheck %s --check-prefix=WRONG
// RUN: not seq-gpu-emu %t.scales.mlir --kernel=qembedding_q6_k --arg 0=%{S}/q6_k_table.npy --arg 1=%{S}/q6_k_ids.npy \
// RUN:   --expect 2=%{S}/q6_k_out.npy %{ok} | FileCheck %s --check-prefix=WRONG
// WRONG: output 2: {{[0-9]+}} values, max abs error {{.*}}, {{[1-9][0-9]*}} outside

func.func @q8_0(%t: tensor<40x2244xi8>, %ids: tensor<7xi32>) -> tensor<7x2112xf32> {
  %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q8_0>}
      : tensor<40x2244xi8>, tensor<7xi32> -> tensor<7x2112xf32>
  return %h : tensor<7x2112xf32>
}

func.func @q4_0(%t: tensor<49x54xi8>, %ids: tensor<2x5xi32>) -> tensor<2x5x96xf32> {
  %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_0>}
      : tensor<49x54xi8>, tensor<2x5xi32> -> tensor<2x5x96xf32>
  return %h : tensor<2x5x96xf32>
}

func.func @q4_1(%t: tensor<49x360xi8>, %ids: tensor<3xi32>) -> tensor<3x576xf32> {
  %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_1>}
      : tensor<49x360xi8>, tensor<3xi32> -> tensor<3x576xf32>
  return %h : tensor<3x576xf32>
}

func.func @q4_k(%t: tensor<49x288xi8>, %ids: tensor<2x3xi32>) -> tensor<2x3x512xf32> {
  %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q4_k>}
      : tensor<49x288xi8>, tensor<2x3xi32> -> tensor<2x3x512xf32>
  return %h : tensor<2x3x512xf32>
}

func.func @q6_k(%t: tensor<49x420xi8>, %ids: tensor<5xi32>) -> tensor<5x512xf32> {
  %h = seq.quantized_embedding %t, %ids {format = #seq.quant_format<q6_k>}
      : tensor<49x420xi8>, tensor<5xi32> -> tensor<5x512xf32>
  return %h : tensor<5x512xf32>
}
