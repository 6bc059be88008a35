//===- Passes.td - seq transformation passes ---------------*- tablegen -*-===//
//
// Passes that transform or check seq IR, independent of any target.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TRANSFORMS_PASSES_TD
#define SEQC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SeqVerifyModel : Pass<"seq-verify-model", "::mlir::ModuleOp"> {
  let summary = "Checks the contract of a deployable seq model module";
  let description = [{
    A backend-contract check run at the start of every seqc pipeline. On
    top of the op verifiers it checks what only the whole module can tell:

    * every `seq.parameter` has a unique weights-file key, so the runtime
      can bind each tensor of a safetensors file to exactly one parameter;
    * a `seq.quantized_linear` or `seq.quantized_embedding` reading a
      parameter reads it in the `quant` format the parameter declares;
    * every public function is a deployable entry point: it takes and
      returns only ranked tensors and integer/float scalars (what the
      runtime can bind);
    * the module has at least one public entry point.
  }];
}

def SeqCheckNumerics : Pass<"seq-check-numerics", "::mlir::ModuleOp"> {
  let summary = "Checks every floating-point result of a seq op for NaN/Inf";
  let description = [{
    `seqc --check-numerics` (a debug mode). After every `seq` op, each of
    its floating-point tensor results is scanned at run time up to its
    first NaN or Inf (one pass over the result, outside the op's loops);
    on one, the call's status gets SEQRT_CODE_NON_FINITE (7) and a message
    naming the op, its source location, the result, the flat index of the
    element and its value, e.g.

        seq.linear at model.mlir:7:10: result 0 element 5 is nan

    Only the first failure of a call is reported, so the message names the
    op that produced the first non-finite value (later ops see it through
    their inputs). The report is a call of a private declaration carrying
    `seq.check_message` (a printf format) and `seq.check_code`, which
    seq-lower-checks turns into the status report on the CPU target. In-place
    state results (KV caches, which hold only what was written) are not
    scanned.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // SEQC_TRANSFORMS_PASSES_TD
