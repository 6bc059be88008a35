// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Llama MLP block: x + down(silu(gate(n)) * up(n)), n = rms_norm(x); checks
// that the model ops compose (and fuse) correctly.
// Inputs and golden outputs: Inputs/llama_mlp/, written by gen/gen_model.py.

// REQUIRES: cpu-lowering-model
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/llama_mlp/x.npy \
// RUN:   --input 1=%S/../Inputs/llama_mlp/norm_weight.npy \
// RUN:   --input 2=%S/../Inputs/llama_mlp/w_gate.npy \
// RUN:   --input 3=%S/../Inputs/llama_mlp/w_up.npy \
// RUN:   --input 4=%S/../Inputs/llama_mlp/w_down.npy \
// RUN:   --expect 0=%S/../Inputs/llama_mlp/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<1x6x32xf32>, %nw: tensor<32xf32>, %wg: tensor<64x32xf32>,
                %wu: tensor<64x32xf32>, %wd: tensor<32x64xf32>) -> tensor<1x6x32xf32> {
  %n = seq.rms_norm %x, %nw {epsilon = 1.0e-05 : f32} : tensor<1x6x32xf32>, tensor<32xf32>
  %g = seq.linear %n, %wg : tensor<1x6x32xf32>, tensor<64x32xf32> -> tensor<1x6x64xf32>
  %u = seq.linear %n, %wu : tensor<1x6x32xf32>, tensor<64x32xf32> -> tensor<1x6x64xf32>
  %a = seq.swiglu %g, %u : tensor<1x6x64xf32>
  %d = seq.linear %a, %wd : tensor<1x6x64xf32>, tensor<32x64xf32> -> tensor<1x6x32xf32>
  %y = arith.addf %x, %d : tensor<1x6x32xf32>
  return %y : tensor<1x6x32xf32>
}
