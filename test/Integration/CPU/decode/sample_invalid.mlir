// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/finite.npy --print | FileCheck %s --check-prefix=OK
// RUN: not seqrun %t.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/nan.npy 2>&1 | FileCheck %s --check-prefixes=NAN,NAN-GREEDY
// RUN: not seqrun %t.seqpkg --entry sampled --input 0=%S/../Inputs/sample_invalid/nan.npy --input 1=7 2>&1 | FileCheck %s --check-prefixes=NAN,NAN-SAMPLED
// RUN: not seqrun %t.seqpkg --entry greedy --input 0=%S/../Inputs/sample_invalid/empty.npy 2>&1 | FileCheck %s --check-prefixes=NAN,EMPTY
// RUN: seqc %s --target=cpu -emit=tiled | FileCheck %s --check-prefix=IR

// Sampling has no answer over NaN logits (from NaN weights, say) or an
// empty vocabulary: the call fails with a message instead of returning
// token 0. Row 1 of nan.npy has a NaN at index 1 and its largest finite
// logit at index 3.
// OK: output 0: i32[1] = [1]
// The message names the op, its location, the row and the vocabulary.
// NAN: entry '{{greedy|sampled}}' failed while running: sampling from invalid logits (a NaN, e.g. from non-finite weights, or an empty vocabulary) (__seq_status 3):
// NAN-GREEDY-SAME: seq.sample at {{.*}}sample_invalid.mlir:[[#@LINE+20]]:8: no token to sample in row 1: NaN among its 5 logits
// NAN-SAMPLED-SAME: seq.sample at {{.*}}sample_invalid.mlir:[[#@LINE+25]]:8: no token to sample in row 1: NaN among its 5 logits
// EMPTY-SAME: seq.sample at {{.*}}sample_invalid.mlir:[[#@LINE+18]]:8: no token to sample in row 0: empty vocabulary

// The check rides the argmax loop and is raised once after it (a report
// call per condition, outside the loop).
// IR-LABEL: func.func @greedy
// IR: scf.for {{.*}} iter_args({{.*}}) -> (f32, index, i32)
// IR: arith.cmpf uno
// IR-NOT: call
// IR: scf.yield
// IR: scf.if
// IR: func.call @[[REPORT_EMPTY:__seq_check_report_[0-9a-f]+]](
// IR: scf.if
// IR: func.call @[[REPORT_NAN:__seq_check_report_[0-9a-f]+]](
// IR: func.func private @[[REPORT_EMPTY]](i64) attributes {seq.check_code = 3 : i32, seq.check_message = "seq.sample at {{.*}}sample_invalid.mlir:{{[0-9]+}}:8: no token to sample in row %ld: empty vocabulary"}
// IR: func.func private @[[REPORT_NAN]](i64, i64) attributes {seq.check_code = 3 : i32, seq.check_message = "seq.sample at {{.*}}sample_invalid.mlir:{{[0-9]+}}:8: no token to sample in row %ld: NaN among its %ld logits"}

func.func @greedy(%logits: tensor<?x?xf32>) -> tensor<?xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>} : tensor<?x?xf32> -> tensor<?xi32>
  return %t : tensor<?xi32>
}

func.func @sampled(%logits: tensor<?x?xf32>, %seed: i64) -> tensor<?xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%seed) counter(%c0) {sampling = #seq.sampling<temperature = 0.7, top_k = 2>} : tensor<?x?xf32> -> tensor<?xi32>
  return %t : tensor<?xi32>
}
