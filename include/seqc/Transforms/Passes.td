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

#endif // SEQC_TRANSFORMS_PASSES_TD
