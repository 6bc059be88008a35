//===- MoEKernelOps.h - builder helpers of the MoE kernels ------*- C++ -*-===//
//
// This file holds the small op-building helpers (index and f32 arithmetic,
// exp2-based exp and sigmoid, loops, shuffles) that the MoE kernel builders
// (MoERouteKernel.cpp, MoEExpertKernel.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_GPU_MOEKERNELOPS_H
#define SEQC_LIB_TARGET_GPU_MOEKERNELOPS_H

#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace seq {

/// Small builder helpers of the MoE kernels (the index arithmetic is
/// IndexMath's).
class MoEKernelOps : public IndexMath {
public:
  explicit MoEKernelOps(ImplicitLocOpBuilder &b) : IndexMath(b) {}

  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value i32(int32_t value) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(value));
  }
  Value i64(int64_t value) {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(value));
  }
  Value divU(Value x, Value y) { return arith::DivUIOp::create(b, x, y); }
  Value remU(Value x, Value y) { return arith::RemUIOp::create(b, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, x, y); }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value addf(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value subf(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value mulf(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value divf(Value x, Value y) { return arith::DivFOp::create(b, x, y); }
  /// max without arith.maxnumf (a libdevice call on NVVM).
  Value maxf(Value x, Value y) {
    return select(cmpf(arith::CmpFPredicate::OGT, y, x), y, x);
  }
  /// e^x as exp2(x log2 e): ex2.approx.f32 / v_exp_f32, no device library.
  Value exp(Value x) {
    return LLVM::Exp2Op::create(b, b.getF32Type(),
                                mulf(x, f32(1.4426950408889634f)));
  }
  Value sigmoid(Value x) {
    Value one = f32(1.0f);
    return divf(one, addf(one, exp(arith::NegFOp::create(b, x))));
  }
  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v);
  }
  Value toI32(Value v) {
    return arith::IndexCastOp::create(b, b.getI32Type(), v);
  }
  Value loadF32(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, memref, indices);
    if (!v.getType().isF32())
      v = arith::ExtFOp::create(b, b.getF32Type(), v);
    return v;
  }
  void store(Value value, Value memref, ValueRange indices) {
    memref::StoreOp::create(b, value, memref, indices);
  }
  /// Runs `body` when `cond` holds.
  void ifThen(Value cond, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }
  /// An scf.for from `lb` to `ub` by `step` carrying `inits`; `body`
  /// returns the next values.
  SmallVector<Value>
  forLoop(Value lb, Value ub, Value step, ValueRange inits,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, lb, ub, step, inits);
    OpBuilder::InsertionGuard guard(b);
    // Without iter_args the builder adds the terminator: replace it.
    if (!loop.getBody()->empty())
      loop.getBody()->getTerminator()->erase();
    b.setInsertionPointToEnd(loop.getBody());
    SmallVector<Value> next =
        body(loop.getInductionVar(), loop.getRegionIterArgs());
    scf::YieldOp::create(b, next);
    return SmallVector<Value>(loop.getResults());
  }
  /// A warp shuffle; index values travel as i32.
  Value shuffle(Value v, int64_t offset, int64_t width, gpu::ShuffleMode mode) {
    if (v.getType().isIndex())
      return toIndex(shuffle(toI32(v), offset, width, mode));
    return gpu::ShuffleOp::create(b, v, offset, width, mode).getShuffleResult();
  }
};

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_TARGET_GPU_MOEKERNELOPS_H
