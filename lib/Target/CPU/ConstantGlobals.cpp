//===- ConstantGlobals.cpp - tensor constants' globals in program order ---===//
//
// seq-constant-globals: the memref.global of every ranked-tensor
// arith.constant, created before one-shot-bufferize in the order of a walk
// of the module, so that their order and names do not depend on the order
// in which upstream bufferizes functions (a DenseMap keyed by pointers).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/Transforms/BufferUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQCONSTANTGLOBALS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

namespace {
struct SeqConstantGlobalsPass
    : seq::impl::SeqConstantGlobalsBase<SeqConstantGlobalsPass> {
  void runOnOperation() override {
    // The alignment and memory space one-shot-bufferize gives a constant
    // when the pipeline sets neither (CPUPipeline.cpp).
    bufferization::BufferizationOptions options;
    SymbolTableCollection symbolTables;
    WalkResult result = getOperation()->walk([&](arith::ConstantOp constant) {
      auto type = dyn_cast<RankedTensorType>(constant.getType());
      if (!type || !constant->getParentOfType<ModuleOp>())
        return WalkResult::advance();
      std::optional<Attribute> memorySpace =
          options.defaultMemorySpaceFn(type);
      if (!memorySpace)
        return WalkResult::advance(); // Bufferization reports it.
      if (failed(bufferization::getGlobalFor(constant, symbolTables,
                                             options.bufferAlignment,
                                             *memorySpace))) {
        constant.emitError("cannot create the global of this constant");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
