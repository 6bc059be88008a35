//===- seqc-opt.cpp - seqc optimizer driver -------------------------------===//
//
// mlir-opt for seqc: every upstream dialect and pass, plus the seq dialect,
// the seqc passes and the seqc pipelines. This is the tool lit tests use.
// Like seqc, it rejects the inputs that crash the MLIR 22 parser with a
// located error, and reports a crash as an internal error (exit status 3).
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seqc/Conversion/Passes.h"
#include "seqc/Pipelines/Pipelines.h"
#include "seqc/Target/CPU/CPUTarget.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/QuantKernels.h"
#include "seqc/Tools/CrashDiagnostic.h"
#include "seqc/Tools/ParserWorkarounds.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::registerAllPasses();
  mlir::seq::registerSeqTransformsPasses();
  mlir::seq::registerSeqConversionPasses();
  mlir::seq::registerSeqCPUPasses();
  mlir::seq::registerSeqGPUPasses();
  mlir::seq::registerSeqGPUQuantKernels();
  mlir::seq::registerPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::seq::registerVectorRuntimeVerification(registry);
  registry.insert<mlir::seq::SeqDialect>();

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "seqc optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  mlir::seq::installCrashDiagnostic("seqc-opt", inputFilename);
  mlir::MlirOptMainConfig base = config;
  config.setPassPipelineSetupFn([base](mlir::PassManager &pm) {
    mlir::seq::addCrashPhaseInstrumentation(pm);
    return base.setupPassPipeline(pm);
  });

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  {
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBuffer(input->getMemBufferRef(),
                                         /*RequiresNullTerminator=*/false),
        llvm::SMLoc());
    if (mlir::failed(mlir::seq::rejectParserCrashers(sourceMgr)))
      return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  mlir::seq::setCrashPhase("parsing");
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
