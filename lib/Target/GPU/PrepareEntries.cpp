//===- PrepareEntries.cpp - Entries made ready for the GPU kernel passes --===//
//
// This file implements prepareGPUEntries: what a module made by the
// importers (lib/Import) needs before its entries can be given GPU kernels
// and launch plans. Entries that no launch plan expresses yet (control
// flow: decode loops, scf/cf ops; or state the entry allocates itself: the
// `logits` entry's zeroed caches) are left to the CPU (listed in the plan
// as "cpu_only"); the others' calls of the importers' private functions are
// inlined; and an attention whose query is f32 over bf16 or f16 caches
// (seqc --kv-cache-dtype=bf16 on an f32 model) reads its query rounded to
// the caches' type and returns its output widened back (the GPU kernels
// run 2-byte Q, K, V and O with f32 accumulation).
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUEntries.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Whether `func` or a function it calls has control flow a launch plan
/// cannot express, or allocates state of its own (zeroed caches).
bool hasControlFlow(func::FuncOp func, ModuleOp module,
                    llvm::SmallPtrSetImpl<Operation *> &seen) {
  if (!seen.insert(func).second || func.isExternal())
    return false;
  if (!func.getBody().hasOneBlock())
    return true;
  bool found = false;
  func.walk([&](Operation *op) {
    if (isa<DecodeLoopOp, BeamSearchLoopOp, SpeculativeDecodeLoopOp,
            TreeSpeculativeDecodeLoopOp>(op) ||
        isa<bufferization::AllocTensorOp>(op) ||
        isa<scf::SCFDialect, cf::ControlFlowDialect>(op->getDialect())) {
      found = true;
      return WalkResult::interrupt();
    }
    if (auto call = dyn_cast<func::CallOp>(op))
      if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee()))
        if (hasControlFlow(callee, module, seen)) {
          found = true;
          return WalkResult::interrupt();
        }
    return WalkResult::advance();
  });
  return found;
}
} // namespace

FailureOr<SmallVector<std::string>>
seq::prepareGPUEntries(ModuleOp module, const TargetDescription &target) {
  SmallVector<std::string> cpuOnly;
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
    if (!func.isPublic() || func.isExternal())
      continue;
    llvm::SmallPtrSet<Operation *, 8> seen;
    if (!hasControlFlow(func, module, seen))
      continue;
    cpuOnly.push_back(func.getSymName().str());
    func.erase();
  }
  // Inline the calls (the seq dialect has no inliner interface: the
  // callee's one block is cloned in place of the call), callees first
  // inlined into their callers until no call is left.
  bool calls = false;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    for (int round = 0; round < 64; ++round) {
      SmallVector<func::CallOp> found;
      func.walk([&](func::CallOp call) { found.push_back(call); });
      if (found.empty())
        break;
      calls = true;
      for (func::CallOp call : found) {
        auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
        if (!callee || callee.isExternal() ||
            !callee.getBody().hasOneBlock())
          return call.emitError()
                 << "seqc: entry @" << func.getSymName() << " cannot run on "
                 << target.name() << ": a call of a function with no body "
                 << "or several blocks";
        Block &body = callee.getBody().front();
        IRMapping mapping;
        mapping.map(body.getArguments(), call.getOperands());
        OpBuilder b(call);
        for (Operation &op : body.without_terminator())
          b.clone(op, mapping);
        auto ret = cast<func::ReturnOp>(body.getTerminator());
        for (auto [result, value] :
             llvm::zip(call.getResults(), ret.getOperands()))
          result.replaceAllUsesWith(mapping.lookupOrDefault(value));
        call.erase();
      }
    }
  }
  if (calls) {
    PassManager pm(module.getContext());
    pm.addPass(createSymbolDCEPass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (failed(pm.run(module)))
      return failure();
  }
  // f32 queries over 2-byte caches: Q rounded to the caches' type, O
  // widened back (the same rounding the CPU applies to K and V when it
  // writes them; Q and O gain one rounding each).
  module.walk([&](AttentionOp op) {
    Type q = op.getQuery().getType().getElementType();
    Type kv = op.getKey().getType().getElementType();
    if (!q.isF32() || !(kv.isBF16() || kv.isF16()) ||
        op.getValue().getType().getElementType() != kv ||
        !op.getOutput().getType().getElementType().isF32() || op.getLse())
      return;
    OpBuilder b(op);
    auto narrow = [&](Value v) {
      auto type = cast<RankedTensorType>(v.getType());
      return arith::TruncFOp::create(b, op.getLoc(), type.clone(kv), v)
          .getResult();
    };
    op.getQueryMutable().assign(narrow(op.getQuery()));
    RankedTensorType wide = op.getOutput().getType();
    op.getOutput().setType(wide.clone(kv));
    b.setInsertionPointAfter(op);
    auto widen = arith::ExtFOp::create(b, op.getLoc(), wide, op.getOutput());
    op.getOutput().replaceAllUsesExcept(widen.getResult(), widen);
  });
  return cpuOnly;
}
