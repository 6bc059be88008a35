//===- Passes.h - seq transformation passes ---------------------*- C++ -*-===//
//
// This file declares the target-independent seq passes.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TRANSFORMS_PASSES_H
#define SEQC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class ModuleOp;
namespace seq {

#define GEN_PASS_DECL
#include "seqc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqc/Transforms/Passes.h.inc"

} // namespace seq
} // namespace mlir

#endif // SEQC_TRANSFORMS_PASSES_H
