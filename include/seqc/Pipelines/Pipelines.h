//===- Pipelines.h - seqc pass pipelines ------------------------*- C++ -*-===//
//
// This file declares the pass pipelines shared by seqc-opt (registered by
// name) and the seqc driver (built directly): one source of truth.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PIPELINES_PIPELINES_H
#define SEQC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace seq {

/// Options of the target-independent front end of every seqc compilation.
struct FrontendPipelineOptions
    : public PassPipelineOptions<FrontendPipelineOptions> {
  Option<bool> verifyModel{
      *this, "verify-model",
      llvm::cl::desc("Check the deployable-model contract (seq-verify-model)"),
      llvm::cl::init(true)};
};

/// seq-frontend: contract check, canonicalization and CSE of seq IR.
void buildFrontendPipeline(OpPassManager &pm,
                           const FrontendPipelineOptions &options);

/// Registers every seqc pipeline with the global pipeline registry.
void registerPipelines();

} // namespace seq
} // namespace mlir

#endif // SEQC_PIPELINES_PIPELINES_H
