// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// A state longer than the input (K = 5, S = 2): the outputs read the given
// state, and the final state keeps its last two slots followed by the two
// inputs. No bias, no activation; dynamic sequence length.
// Inputs and golden outputs: Inputs/conv_short_input_state/, written by
// gen/gen_conv.py.

// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/conv_short_input_state/x.npy \
// RUN:   --input 1=%S/../Inputs/conv_short_input_state/w.npy \
// RUN:   --input 2=%S/../Inputs/conv_short_input_state/state.npy \
// RUN:   --expect 0=%S/../Inputs/conv_short_input_state/y.npy \
// RUN:   --expect 1=%S/../Inputs/conv_short_input_state/final_state.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%x: tensor<3x?x7xf32>, %w: tensor<7x5xf32>,
                %s: tensor<3x4x7xf32>) -> (tensor<3x?x7xf32>, tensor<3x4x7xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w state(%s : tensor<3x4x7xf32>)
      : tensor<3x?x7xf32>, tensor<7x5xf32> -> tensor<3x?x7xf32>, tensor<3x4x7xf32>
  return %y, %s1 : tensor<3x?x7xf32>, tensor<3x4x7xf32>
}
