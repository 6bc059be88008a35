//===- seqc-opt.cpp - seqc optimizer driver -------------------------------===//
//
// mlir-opt for seqc: every upstream dialect and pass, plus the seq dialect,
// the seqc passes and the seqc pipelines. This is the tool lit tests use.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seqc/Conversion/Passes.h"
#include "seqc/Pipelines/Pipelines.h"
#include "seqc/Target/CPU/CPUTarget.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::seq::registerSeqTransformsPasses();
  mlir::seq::registerSeqConversionPasses();
  mlir::seq::registerSeqCPUPasses();
  mlir::seq::registerSeqGPUPasses();
  mlir::seq::registerPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::seq::SeqDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "seqc optimizer driver\n", registry));
}
