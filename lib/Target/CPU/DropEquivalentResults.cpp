//===- DropEquivalentResults.cpp - private results that are arguments -----===//
//
// seq-drop-equivalent-results: after bufferization, a private function
// result that is one of the function's arguments is removed and every call
// uses the operand it passed instead, so buffer deallocation never clones
// state (KV caches) that a callee updated in place.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQDROPEQUIVALENTRESULTS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

/// The only func.return of `func`, or null.
static func::ReturnOp uniqueReturn(func::FuncOp func) {
  func::ReturnOp result;
  for (Block &block : func.getBody()) {
    auto ret = dyn_cast<func::ReturnOp>(block.getTerminator());
    if (!ret)
      continue;
    if (result)
      return nullptr;
    result = ret;
  }
  return result;
}

/// The calls of `func` in `module`, or nullopt when its symbol has another
/// kind of use (or uses that cannot be enumerated).
static std::optional<SmallVector<func::CallOp>> callsOf(func::FuncOp func,
                                                        ModuleOp module) {
  std::optional<SymbolTable::UseRange> uses = func.getSymbolUses(module);
  if (!uses)
    return std::nullopt;
  SmallVector<func::CallOp> calls;
  for (const SymbolTable::SymbolUse &use : *uses) {
    auto call = dyn_cast<func::CallOp>(use.getUser());
    if (!call || call.getCallee() != func.getSymName())
      return std::nullopt;
    calls.push_back(call);
  }
  return calls;
}

/// Drops the results of `func` that are its arguments; true if it did.
static bool dropEquivalentResults(func::FuncOp func, ModuleOp module,
                                  RewriterBase &rewriter) {
  if (func.isPublic() || func.isExternal())
    return false;
  func::ReturnOp ret = uniqueReturn(func);
  if (!ret)
    return false;
  // Result index -> argument number.
  DenseMap<unsigned, unsigned> toArgument;
  for (auto [index, value] : llvm::enumerate(ret.getOperands())) {
    Value source = value;
    while (auto cast = source.getDefiningOp<memref::CastOp>())
      source = cast.getSource();
    auto arg = dyn_cast<BlockArgument>(source);
    if (arg && arg.getOwner() == &func.getBody().front() &&
        isa<BaseMemRefType>(arg.getType()))
      toArgument[index] = arg.getArgNumber();
  }
  if (toArgument.empty())
    return false;
  std::optional<SmallVector<func::CallOp>> calls = callsOf(func, module);
  if (!calls)
    return false;

  BitVector erased(func.getNumResults());
  SmallVector<Value> kept;
  for (auto [index, value] : llvm::enumerate(ret.getOperands())) {
    if (toArgument.count(index))
      erased.set(index);
    else
      kept.push_back(value);
  }
  if (failed(func.eraseResults(erased)))
    return false;
  ret.getOperandsMutable().assign(kept);

  for (func::CallOp call : *calls) {
    rewriter.setInsertionPoint(call);
    auto newCall =
        func::CallOp::create(rewriter, call.getLoc(), func, call.getOperands());
    newCall->setDiscardableAttrs(call->getDiscardableAttrDictionary());
    SmallVector<Value> replacements;
    unsigned next = 0;
    for (unsigned i = 0, e = call.getNumResults(); i < e; ++i) {
      auto it = toArgument.find(i);
      if (it == toArgument.end()) {
        replacements.push_back(newCall.getResult(next++));
        continue;
      }
      Value operand = call.getOperand(it->second);
      Type type = call.getResult(i).getType();
      if (operand.getType() != type)
        operand =
            memref::CastOp::create(rewriter, call.getLoc(), type, operand);
      replacements.push_back(operand);
    }
    rewriter.replaceOp(call, replacements);
  }
  return true;
}

namespace mlir {
namespace seq {
namespace {
struct SeqDropEquivalentResultsPass
    : public impl::SeqDropEquivalentResultsBase<SeqDropEquivalentResultsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    // A caller's results become its arguments only once its callees' did;
    // every round settles at least one more level of the call graph.
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
        changed |= dropEquivalentResults(func, module, rewriter);
    }
  }
};
} // namespace
} // namespace seq
} // namespace mlir
