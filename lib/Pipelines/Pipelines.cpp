//===- Pipelines.cpp - seqc pass pipelines --------------------------------===//
//
// This file implements the seqc pass pipelines and their registration.
//
//===----------------------------------------------------------------------===//

#include "seqc/Pipelines/Pipelines.h"

#include "seqc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void seq::buildFrontendPipeline(OpPassManager &pm,
                                const FrontendPipelineOptions &options) {
  if (options.verifyModel)
    pm.addPass(createSeqVerifyModel());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void seq::registerPipelines() {
  PassPipelineRegistration<FrontendPipelineOptions>(
      "seq-frontend",
      "Target-independent seqc front end: contract check, canonicalize, CSE",
      buildFrontendPipeline);
}
