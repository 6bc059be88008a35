// A scan over state lent in place whose old value is read again after the
// scan (gpu-session-ssm.test): on a GPU the final state is written over it
// in place, so seqc refuses the entry.
module {
  func.func @reread(%a: tensor<1x3x4xf32>, %b: tensor<1x3x4xf32>,
                    %h: tensor<1x4xf32> {seq.inplace = 1 : i64, seq.recurrent})
      -> (tensor<1x4xf32>, tensor<1x4xf32>) {
    %y, %hT = seq.scan ins(%a, %b : tensor<1x3x4xf32>, tensor<1x3x4xf32>)
        init(%h : tensor<1x4xf32>)
        maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>]
        step {
        ^bb0(%av: f32, %bv: f32):
          seq.yield %av, %bv : f32, f32
        } -> tensor<1x3x4xf32>, tensor<1x4xf32>
    %d = arith.addf %hT, %h : tensor<1x4xf32>
    return %d, %hT : tensor<1x4xf32>, tensor<1x4xf32>
  }
}
