// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops | FileCheck %s
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops="runtime-checks=false" | FileCheck %s --check-prefix=OFF
// RUN: seqc-opt %s -split-input-file -convert-seq-to-loops -canonicalize | FileCheck %s --check-prefix=FOLDED

// The run-time checks of dynamic extents (issue #11) sit outside the tile
// loops: one scf.if around the computation, and the report (a call of a
// declaration whose message names the op, its location and the values,
// lowered by seq-lower-checks) only in its else branch, never inside a
// loop.

// CHECK-LABEL: func.func @linear
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[K:.*]], %[[WK:.*]] : index
// CHECK: scf.if %[[OK]] {
// CHECK-NOT: call
// CHECK: scf.forall
// CHECK-NOT: call
// CHECK: } else {
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: %[[WKI:.*]] = arith.index_cast %[[WK]] : index to i64
// CHECK: func.call @[[REPORT:__seq_check_report_[0-9a-f]+]](%[[KI]], %[[WKI]]) : (i64, i64) -> ()
// CHECK: func.func private @[[REPORT]](i64, i64) attributes {seq.check_code = 4 : i32, seq.check_message = "seq.linear at {{.*}}checks.mlir:[[#@LINE+3]]:8: input K (%ld) != weight K (%ld)"}
// OFF-NOT: __seq_check_report
func.func @linear(%x: tensor<4x?xf32>, %w: tensor<8x?xf32>) -> tensor<4x8xf32> {
  %y = seq.linear %x, %w : tensor<4x?xf32>, tensor<8x?xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Dynamic heads: the head checks (one report each: the ratio, K against V)
// come before the tiles, which run over no batch row after a failure.
// CHECK-LABEL: func.func @heads
// CHECK: scf.if
// CHECK: func.call @[[RATIO:__seq_check_report_[0-9a-f]+]](
// CHECK: scf.if
// CHECK: func.call @[[KV:__seq_check_report_[0-9a-f]+]](
// CHECK-NOT: call
// CHECK: scf.forall
// CHECK-NOT: call @__seq_check_report
// CHECK: return
// CHECK-DAG: func.func private @[[RATIO]](i64, i64) attributes {seq.check_code = 4 : i32, seq.check_message = "seq.attention at {{.*}}checks.mlir:[[#@LINE+5]]:8: %ld query heads not divisible by %ld KV heads"}
// CHECK-DAG: func.func private @[[KV]](i64, i64) attributes {seq.check_code = 4 : i32, seq.check_message = "seq.attention at {{.*}}checks.mlir:[[#@LINE+4]]:8: %ld key heads != %ld value heads"}
// OFF-NOT: __seq_check_report
func.func @heads(%q: tensor<1x?x2x8xf32>, %k: tensor<1x?x4x8xf32>,
                 %v: tensor<1x?x4x8xf32>) -> tensor<1x?x2x8xf32> {
  %o = seq.attention %q, %k, %v
      : tensor<1x?x2x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>
      -> tensor<1x?x2x8xf32>
  return %o : tensor<1x?x2x8xf32>
}

// -----

// A one-row greedy sample: its one-iteration forall folds away, and
// without allocas in its body no memref.alloca_scope is left behind (one
// holding the report calls could not be inlined, and its lowering cannot
// split the single-block region of an enclosing scf.for: SmolLM2's decode
// loop failed to compile).
// FOLDED-LABEL: func.func @sample_one_row
// FOLDED-NOT: memref.alloca_scope
// FOLDED: func.call @__seq_check_report_
// FOLDED-NOT: memref.alloca_scope
// FOLDED: return
func.func @sample_one_row(%logits: tensor<1x?xf32>) -> tensor<1xi32> {
  %c0 = arith.constant 0 : i64
  %t = seq.sample %logits seed(%c0) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x?xf32> -> tensor<1xi32>
  return %t : tensor<1xi32>
}
