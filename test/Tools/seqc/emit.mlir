// RUN: seqc %s -emit=seq | FileCheck %s --check-prefix=SEQ
// RUN: seqc %s -emit=seq-opt | FileCheck %s --check-prefix=OPT
// RUN: seqc %s -emit=seq-opt -mlir-timing 2>&1 >/dev/null | FileCheck %s --check-prefix=TIMING
// RUN: seqc %s -emit=seq-opt -mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER
// RUN: seqc %s -emit=seq-opt -o %t.mlir && seqc-opt %t.mlir | FileCheck %s --check-prefix=OPT

// SEQ: seq.attention {{.*}} causal :
// OPT: seq.attention {{.*}} kv_lengths({{.*}}) :
// TIMING: Execution time report
// TIMING: Parse
// TIMING: Canonicalizer
// AFTER: IR Dump After SeqVerifyModel
// AFTER: IR Dump After Canonicalizer

func.func @decode(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x16x8xf32>, %len: tensor<1xi32>) -> tensor<1x2x1x8xf32> {
  %o = seq.attention %q, %k, %k kv_lengths(%len : tensor<1xi32>) causal : tensor<1x2x1x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}
