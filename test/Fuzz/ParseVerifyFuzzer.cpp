//===- ParseVerifyFuzzer.cpp - libFuzzer target for seqc's .mlir input ----===//
//
// What seqc does with a .mlir file before its pipeline: the scan for the
// constructs that crash the MLIR 22 parser, then parsing (the seq dialect's
// parsers and verifiers) into the dialects seqc registers for its input.
// A module that parses and verifies is printed (the seq dialect's printers)
// and must parse again: the printed form of a valid module is valid.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seqc/Tools/ParserWorkarounds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace mlir;

namespace {
/// A context shared by this many inputs (loading the dialects is the slow
/// part), then a fresh one: what a context uniques is never freed, and a
/// long run would grow past libFuzzer's memory limit.
constexpr unsigned kInputsPerContext = 4096;
std::unique_ptr<MLIRContext> sharedContext;
unsigned contextInputs = 0;

/// The context for the next input: single-threaded, the dialects seqc
/// registers for its input (tools/seqc/seqc.cpp), diagnostics not printed.
MLIRContext &nextContext() {
  if (!sharedContext || ++contextInputs == kInputsPerContext) {
    contextInputs = 0;
    DialectRegistry registry;
    registry.insert<seq::SeqDialect, func::FuncDialect, arith::ArithDialect,
                    math::MathDialect, tensor::TensorDialect,
                    linalg::LinalgDialect, scf::SCFDialect>();
    sharedContext = std::make_unique<MLIRContext>(
        registry, MLIRContext::Threading::DISABLED);
    sharedContext->loadAllAvailableDialects();
    sharedContext->printOpOnDiagnostic(false);
  }
  return *sharedContext;
}

/// Whether `text` passes the scan and parses into a module that verifies
/// (parsing verifies), with the module in `module`.
bool parse(MLIRContext &ctx, llvm::StringRef text,
           OwningOpRef<ModuleOp> &module) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "input.mlir"), llvm::SMLoc());
  sourceMgr.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  if (failed(seq::rejectParserCrashers(sourceMgr)))
    return false;
  ScopedDiagnosticHandler drop(&ctx, [](Diagnostic &) { return success(); });
  module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  return module && succeeded(verify(*module));
}
} // namespace

/// LLVM's BumpPtrAllocator poisons the unused rest of its slabs when the code
/// that inlines it is built with ASan (the seq dialect's attribute storage,
/// here) and not in Debian's uninstrumented libMLIR, whose own allocations
/// from the same slab then look poisoned: manual poisoning off.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  MLIRContext &ctx = nextContext();
  OwningOpRef<ModuleOp> module;
  if (!parse(ctx, text, module))
    return 0;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  OwningOpRef<ModuleOp> again;
  if (!parse(ctx, printed, again)) {
    llvm::errs() << "a valid module does not parse after printing:\n"
                 << printed << "\n";
    abort();
  }
  return 0;
}
