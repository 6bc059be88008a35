//===- ScopeTileAllocas.cpp - per-tile release of stack scratch -----------===//
//
// seq-scope-tile-allocas: stacksave/stackrestore around the body of every
// scf.forall that allocates on the stack in its own allocation scope.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQSCOPETILEALLOCAS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

/// The op whose exit releases `alloca`: the nearest automatic allocation
/// scope or memref.alloca_scope around it.
static Operation *releasingScope(memref::AllocaOp alloca) {
  for (Operation *op = alloca->getParentOp(); op; op = op->getParentOp())
    if (isa<memref::AllocaScopeOp>(op) ||
        op->hasTrait<OpTrait::AutomaticAllocationScope>())
      return op;
  return nullptr;
}

namespace {
struct SeqScopeTileAllocasPass
    : seq::impl::SeqScopeTileAllocasBase<SeqScopeTileAllocasPass> {
  void runOnOperation() override {
    llvm::SetVector<scf::ForallOp> loops;
    getOperation()->walk([&](memref::AllocaOp alloca) {
      if (auto forall = dyn_cast_or_null<scf::ForallOp>(releasingScope(alloca)))
        loops.insert(forall);
    });
    auto ptrType = LLVM::LLVMPointerType::get(&getContext());
    for (scf::ForallOp forall : loops) {
      Block *body = forall.getBody();
      OpBuilder builder = OpBuilder::atBlockBegin(body);
      Value saved =
          LLVM::StackSaveOp::create(builder, forall.getLoc(), ptrType);
      builder.setInsertionPoint(body->getTerminator());
      LLVM::StackRestoreOp::create(builder, forall.getLoc(), saved);
    }
  }
};
} // namespace
