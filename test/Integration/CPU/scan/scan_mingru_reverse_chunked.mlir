// REQUIRES: cpu-lowering-scan
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --input 0=%S/../Inputs/scan_mingru_reverse_chunked/k.npy --input 1=%S/../Inputs/scan_mingru_reverse_chunked/htilde.npy --input 2=%S/../Inputs/scan_mingru_reverse_chunked/h0.npy --expect 0=%S/../Inputs/scan_mingru_reverse_chunked/y.npy --expect 1=%S/../Inputs/scan_mingru_reverse_chunked/h.npy --rtol 1e-4 --atol 1e-5
// RUN: seqc %s --target=cpu -parallel=false -o %t.serial.seqpkg
// RUN: seqrun %t.serial.seqpkg --input 0=%S/../Inputs/scan_mingru_reverse_chunked/k.npy --input 1=%S/../Inputs/scan_mingru_reverse_chunked/htilde.npy --input 2=%S/../Inputs/scan_mingru_reverse_chunked/h0.npy --expect 0=%S/../Inputs/scan_mingru_reverse_chunked/y.npy --expect 1=%S/../Inputs/scan_mingru_reverse_chunked/h.npy --rtol 1e-4 --atol 1e-5

// Tolerance (f32): rtol 1e-4 / atol 1e-5.
// A reverse minGRU over 300 steps with 3 channels: the lowering splits the
// sequence into 4 chunks (state passing across chunks, in reverse order);
// outputs and final state equal the sequential PyTorch reference
// (gen/gen_scan_chunked.py).
func.func @main(%k: tensor<1x300x3xf32>, %ht: tensor<1x300x3xf32>, %h0: tensor<1x3xf32>) -> (tensor<1x300x3xf32>, tensor<1x3xf32>) {
  %y, %h = seq.scan ins(%k, %ht : tensor<1x300x3xf32>, tensor<1x300x3xf32>) init(%h0 : tensor<1x3xf32>)
      maps = [affine_map<(b, t, d) -> (b, t, d)>, affine_map<(b, t, d) -> (b, t, d)>] reverse
      step {
      ^bb0(%kv: f32, %hv: f32):
        %one = arith.constant 1.0 : f32
        %nk = arith.negf %kv : f32
        %e = math.exp %nk : f32
        %den = arith.addf %one, %e : f32
        %z = arith.divf %one, %den : f32
        %decay = arith.subf %one, %z : f32
        %in = arith.mulf %z, %hv : f32
        seq.yield %decay, %in : f32, f32
      } -> tensor<1x300x3xf32>, tensor<1x3xf32>
  return %y, %h : tensor<1x300x3xf32>, tensor<1x3xf32>
}
