//===- CheckAllocSizes.cpp - overflow checks of heap allocation sizes -----===//
//
// This file implements seq-check-alloc-sizes: the byte count of every
// dynamically sized memref.alloc is computed with overflow checks before
// the allocation, so extents whose product wraps (2^62 + 1 floats, 2^32 x
// 2^32 + 1) end the call with SEQRT_CODE_OUT_OF_MEMORY and a message
// instead of a small malloc the code then writes past (issue #11).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"
#include "seqc/Transforms/CheckReport.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQCHECKALLOCSIZES
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

namespace {
struct SeqCheckAllocSizesPass
    : public seq::impl::SeqCheckAllocSizesBase<SeqCheckAllocSizesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::AllocOp> allocs;
    module.walk([&](memref::AllocOp alloc) {
      if (!alloc.getDynamicSizes().empty())
        allocs.push_back(alloc);
    });
    DataLayout layout(module);
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      int64_t bytes = static_cast<int64_t>(
          layout.getTypeSize(type.getElementType()).getFixedValue());
      std::string format = "allocation of [";
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (i)
          format += " x ";
        if (type.isDynamicDim(i)) {
          format += "%ld";
          continue;
        }
        format += std::to_string(type.getDimSize(i));
        if (llvm::MulOverflow(bytes, type.getDimSize(i), bytes)) {
          alloc.emitError() << "seqc: the allocation of " << type
                            << " has more than 2^63 bytes";
          return signalPassFailure();
        }
      }
      format += "] x " +
                std::to_string(
                    layout.getTypeSize(type.getElementType()).getFixedValue()) +
                " bytes: an extent is negative or the byte count overflows "
                "64 bits";
      OpBuilder b(alloc);
      Location loc = alloc.getLoc();
      Type i64 = b.getI64Type();
      Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
      Value count = arith::ConstantIntOp::create(b, loc, i64, bytes);
      Value ok = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
      for (Value extent : alloc.getDynamicSizes()) {
        Value e = arith::IndexCastOp::create(b, loc, i64, extent);
        auto product = arith::MulUIExtendedOp::create(b, loc, count, e);
        Value fits = arith::AndIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                  product.getHigh(), zero),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                  product.getLow(), zero));
        Value positive =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, e, zero);
        ok = arith::AndIOp::create(
            b, loc, ok, arith::AndIOp::create(b, loc, fits, positive));
        count = product.getLow();
      }
      Value failed = arith::XOrIOp::create(
          b, loc, ok, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
      auto report = scf::IfOp::create(b, loc, failed, /*withElse=*/false);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(report.thenBlock());
        seq::emitCheckReport(b, loc, alloc, seqrt::abi::kCodeOutOfMemory,
                             format, alloc.getDynamicSizes());
      }
      // Leaves (the report above wrote the code and the message).
      auto leave = cf::AssertOp::create(b, loc, ok, "allocation size overflow");
      leave->setAttr(seq::kCheckLeaveAttr, b.getUnitAttr());
    }
  }
};
} // namespace
