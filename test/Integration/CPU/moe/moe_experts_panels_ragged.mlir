// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// SwiGLU experts (f32) over ragged expert runs (issue #10): experts with
// 1, 15, 16, 17, 31, 33, 49, 2 and 150 slots. With 16 lanes (AVX-512, row
// tile 32) they make one- and two-vector panel blocks, 32 + 1 and 32 + 17
// (a one-slot block on the dot-product path), and 150 slots make 32 x 4 +
// 22: groups of 4 + 1 row blocks in the gate/up phase; with 8 lanes (AVX2,
// row tile 16) 15 + 1, 16 + 1, 16 + 15 and so on. 70 hidden features are
// a whole and a partial feature tile, 20 model features not a multiple of
// the vector width. The golden output is the float64 reference of
// gen/gen_moe.py.
// Inputs and golden outputs: Inputs/moe_experts_panels_ragged/, written by gen/gen_moe.py.

// REQUIRES: cpu-lowering-moe
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_panels_ragged/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_panels_ragged/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_panels_ragged/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_panels_ragged/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_panels_ragged/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_panels_ragged/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_panels_ragged/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_panels_ragged/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5
// The same on AVX2 code (8 lanes, row tile 16).
// RUN: seqc %s --target=cpu --cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/moe_experts_panels_ragged/x.npy \
// RUN:   --input 1=%S/../Inputs/moe_experts_panels_ragged/weights.npy \
// RUN:   --input 2=%S/../Inputs/moe_experts_panels_ragged/permutation.npy \
// RUN:   --input 3=%S/../Inputs/moe_experts_panels_ragged/expert_offsets.npy \
// RUN:   --input 4=%S/../Inputs/moe_experts_panels_ragged/w_gate.npy \
// RUN:   --input 5=%S/../Inputs/moe_experts_panels_ragged/w_up.npy \
// RUN:   --input 6=%S/../Inputs/moe_experts_panels_ragged/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/moe_experts_panels_ragged/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<157x20xf32>, %w: tensor<157x2xf32>, %perm: tensor<314xi32>, %off: tensor<10xi32>, %wg: tensor<9x70x20xf32>, %wu: tensor<9x70x20xf32>, %wd: tensor<9x20x70xf32>) -> tensor<157x20xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<9x70x20xf32>)
      up(%wu : tensor<9x70x20xf32>) down(%wd : tensor<9x20x70xf32>)
      {activation = #seq.ffn_activation<swiglu>}
      : tensor<157x20xf32>, tensor<157x2xf32>, tensor<314xi32>, tensor<10xi32> -> tensor<157x20xf32>
  return %y : tensor<157x20xf32>
}
