//===- LowerBF16MmaSync.cpp - bf16 nvgpu.mma.sync to nvvm.mma.sync --------===//
//
// This file implements seq-gpu-lower-bf16-mma-sync: convert-nvgpu-to-nvvm
// lowers f16 mma.sync but not bf16, whose PTX operands are b32 registers
// each holding two bf16 values.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPULOWERBF16MMASYNC
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
struct LowerBF16MmaSync : OpRewritePattern<nvgpu::MmaSyncOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nvgpu::MmaSyncOp op,
                                PatternRewriter &rewriter) const override {
    auto aType = cast<VectorType>(op.getMatrixA().getType());
    auto cType = cast<VectorType>(op.getMatrixC().getType());
    SmallVector<int64_t> shape;
    for (Attribute a : op.getMmaShape())
      shape.push_back(cast<IntegerAttr>(a).getInt());
    if (!aType.getElementType().isBF16() || !cType.getElementType().isF32() ||
        shape != SmallVector<int64_t>{16, 8, 16})
      return rewriter.notifyMatchFailure(op, "not bf16 m16n8k16 into f32");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    // Register r of a vector<Rx2xbf16> fragment as one b32.
    auto registers = [&](Value fragment, int64_t count) {
      SmallVector<Value> regs;
      for (int64_t r = 0; r < count; ++r) {
        Value pair =
            vector::ExtractOp::create(b, fragment, ArrayRef<int64_t>{r});
        Value packed =
            vector::BitCastOp::create(b, VectorType::get({1}, i32), pair);
        regs.push_back(
            vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0}));
      }
      return regs;
    };
    SmallVector<Value> a = registers(op.getMatrixA(), 4);
    SmallVector<Value> bRegs = registers(op.getMatrixB(), 2);
    SmallVector<Value> c;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < 2; ++j)
        c.push_back(vector::ExtractOp::create(b, op.getMatrixC(),
                                              ArrayRef<int64_t>{r, j}));
    auto resultType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    Value d = NVVM::MmaOp::create(
        b, resultType, a, bRegs, c, ArrayRef<int64_t>{16, 8, 16},
        /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                      NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    Value result = arith::ConstantOp::create(b, cType, b.getZeroAttr(cType));
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < 2; ++j)
        result = vector::InsertOp::create(
            b, LLVM::ExtractValueOp::create(b, d, r * 2 + j), result,
            ArrayRef<int64_t>{r, j});
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerBF16MmaSyncPass
    : public seq::impl::SeqGPULowerBF16MmaSyncBase<LowerBF16MmaSyncPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerBF16MmaSync>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
