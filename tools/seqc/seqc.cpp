//===- seqc.cpp - the seqc compiler driver --------------------------------===//
//
// seqc reads a model graph in seq IR and runs it through the seqc pipelines
// up to the stage named by -emit (Toy-style). Each stage is built from the
// same pipeline functions that seqc-opt registers.
//
// Exit codes: 0 success, 1 invalid input or a failed compilation (with a
// located diagnostic on stderr), 2 a command-line error.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
/// The stages seqc can stop after. Each later backend adds its stages here.
enum class EmitStage {
  Seq,    ///< parsed and verified input, printed back
  SeqOpt, ///< after the target-independent front end (seq-frontend)
};
} // namespace

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<model.mlir>"),
                                          cl::init("-"),
                                          cl::value_desc("filename"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"),
                                           cl::init("-"));
static cl::opt<EmitStage> emitStage(
    "emit", cl::desc("The stage to stop after and print"),
    cl::init(EmitStage::SeqOpt),
    cl::values(
        clEnumValN(EmitStage::Seq, "seq", "parsed and verified seq IR"),
        clEnumValN(EmitStage::SeqOpt, "seq-opt",
                   "seq IR after the target-independent front end")));

static LogicalResult runStages(ModuleOp module, DefaultTimingManager &tm) {
  if (emitStage == EmitStage::Seq)
    return success();
  PassManager pm(module->getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  TimingScope timing = tm.getRootScope();
  pm.enableTiming(timing);
  seq::FrontendPipelineOptions options;
  seq::buildFrontendPipeline(pm, options);
  return pm.run(module);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  if (!cl::ParseCommandLineOptions(argc, argv, "seqc: sequence-model compiler\n",
                                   &llvm::errs()))
    return 2;

  DialectRegistry registry;
  registry.insert<seq::SeqDialect, func::FuncDialect, arith::ArithDialect,
                  math::MathDialect, tensor::TensorDialect,
                  linalg::LinalgDialect, scf::SCFDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << "seqc: " << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  DefaultTimingManager tm;
  applyDefaultTimingManagerCLOptions(tm);
  OwningOpRef<ModuleOp> module;
  {
    TimingScope parseTiming = tm.getRootScope().nest("Parse");
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  if (!module)
    return 1;
  if (failed(runStages(*module, tm)))
    return 1;

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "seqc: " << error << "\n";
    return 1;
  }
  module->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}
