//===- VerifyModel.cpp - check the contract of a model module -------------===//
//
// This file implements seq-verify-model, the module-level contract check
// that every seqc pipeline starts with.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQVERIFYMODEL
#include "seqc/Transforms/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

/// Types an entry point may take or return: ranked tensors and scalars.
static bool isEntryType(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return isa<FloatType, IntegerType>(tensor.getElementType());
  return isa<FloatType, IntegerType>(type);
}

namespace mlir {
namespace seq {
namespace {
struct SeqVerifyModelPass
    : public impl::SeqVerifyModelBase<SeqVerifyModelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;
    llvm::StringMap<ParameterOp> byKey;
    for (auto parameter : module.getOps<ParameterOp>()) {
      auto [it, inserted] = byKey.try_emplace(parameter.getKey(), parameter);
      if (inserted)
        continue;
      parameter.emitError()
          << "parameter key '" << parameter.getKey() << "' is already bound by "
          << it->second.getSymNameAttr();
      failed = true;
    }
    // A packed weight must be read in the format it is stored in.
    module.walk([&](Operation *op) {
      Value packed;
      QuantFormat format;
      if (auto linear = dyn_cast<QuantizedLinearOp>(op)) {
        packed = linear.getWeight();
        format = linear.getFormat();
      } else if (auto embedding = dyn_cast<QuantizedEmbeddingOp>(op)) {
        packed = embedding.getTable();
        format = embedding.getFormat();
      } else {
        return;
      }
      auto get = packed.getDefiningOp<GetParameterOp>();
      if (!get)
        return;
      auto parameter = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
          get, get.getNameAttr());
      if (!parameter || parameter.getQuant() == format)
        return;
      op->emitError() << "reads parameter " << parameter.getSymNameAttr()
                      << " as " << stringifyQuantFormat(format)
                      << " but it is stored as "
                      << (parameter.getQuant()
                              ? stringifyQuantFormat(*parameter.getQuant())
                              : StringRef("unquantized values"));
      failed = true;
    });
    unsigned entries = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic())
        continue;
      ++entries;
      FunctionType type = func.getFunctionType();
      for (Type t :
           llvm::concat<const Type>(type.getInputs(), type.getResults())) {
        if (isEntryType(t))
          continue;
        func.emitError() << "entry point @" << func.getSymName()
                         << " has a non-tensor, non-scalar type " << t;
        failed = true;
        break;
      }
    }
    if (entries == 0) {
      InFlightDiagnostic diag = module.emitError(
          "a model module needs at least one public func.func entry point");
      for (auto func : module.getOps<func::FuncOp>())
        diag.attachNote(func.getLoc())
            << "@" << func.getSymName()
            << " is private; make it public to export it";
      failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
} // namespace seq
} // namespace mlir
