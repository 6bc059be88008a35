//===- CheckNumerics.cpp - run-time NaN/Inf checks after seq ops ----------===//
//
// This file implements seq-check-numerics (seqc --check-numerics): a scan
// of every floating-point tensor result of a seq op up to its first NaN or
// Inf, reported with the op's name and location.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/Passes.h"

#include "seqc/Transforms/CheckReport.h"

#include "seq/IR/SeqOps.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQCHECKNUMERICS
#include "seqc/Transforms/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace mlir {
namespace seq {
namespace {
struct SeqCheckNumericsPass
    : public impl::SeqCheckNumericsBase<SeqCheckNumericsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<SeqDialect>(op->getDialect()) &&
          !isa<ParameterOp, CacheWriteOp>(op))
        ops.push_back(op);
    });
    unsigned next = 0;
    for (Operation *op : ops)
      for (OpResult result : op->getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type || !isa<FloatType>(type.getElementType()))
          continue;
        func::FuncOp report = declareReport(module, op, result, next++);
        ImplicitLocOpBuilder b(op->getLoc(), op->getContext());
        b.setInsertionPointAfter(op);
        emitCheck(b, result, report);
      }
  }

  /// `void @__seq_check_nonfinite_<n>(i64 index, f32|f64 value)`: the
  /// report of one result, its message format in `seq.check_message`.
  func::FuncOp declareReport(ModuleOp module, Operation *op, OpResult result,
                             unsigned number) {
    auto type = cast<RankedTensorType>(result.getType());
    Type valueType = type.getElementType().isF64()
                         ? Type(Float64Type::get(&getContext()))
                         : Type(Float32Type::get(&getContext()));
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    auto func = func::FuncOp::create(
        builder, op->getLoc(), ("__seq_check_nonfinite_" + Twine(number)).str(),
        builder.getFunctionType({builder.getI64Type(), valueType}, {}));
    func.setPrivate();
    std::string format =
        escapeFormat((op->getName().getStringRef() + " at " +
                      describeLocation(op->getLoc()) + ": result " +
                      Twine(result.getResultNumber()))
                         .str()) +
        " element %ld is %g";
    func->setAttr(kCheckMessageAttr, builder.getStringAttr(format));
    func->setAttr(kCheckCodeAttr,
                  builder.getI32IntegerAttr(seqrt::abi::kCodeNonFinite));
    return func;
  }

  /// The scan of `result` up to its first non-finite element, and the
  /// report of that element.
  void emitCheck(ImplicitLocOpBuilder &b, Value result, func::FuncOp report) {
    auto type = cast<RankedTensorType>(result.getType());
    Type valueType = report.getFunctionType().getInput(1);
    Value flat = result;
    if (type.getRank() == 0) {
      flat = tensor::ExpandShapeOp::create(
          b, RankedTensorType::get({1}, type.getElementType()), result,
          ArrayRef<ReassociationIndices>{});
    } else if (type.getRank() > 1) {
      ReassociationIndices all;
      for (int64_t i = 0; i < type.getRank(); ++i)
        all.push_back(i);
      flat = tensor::CollapseShapeOp::create(
          b, result, ArrayRef<ReassociationIndices>{all});
    }
    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value one = arith::ConstantIndexOp::create(b, 1);
    Value count = tensor::DimOp::create(b, flat, 0);
    auto element = [&](OpBuilder &builder, Location loc, Value index) {
      Value x = tensor::ExtractOp::create(builder, loc, flat, index);
      if (x.getType() != valueType)
        x = arith::ExtFOp::create(builder, loc, valueType, x);
      return x;
    };
    auto whileOp = scf::WhileOp::create(
        b, TypeRange{b.getIndexType()}, ValueRange{zero},
        [&](OpBuilder &builder, Location loc, ValueRange args) {
          Value index = args[0];
          Value inside = arith::CmpIOp::create(
              builder, loc, arith::CmpIPredicate::slt, index, count);
          auto finite = scf::IfOp::create(
              builder, loc, inside,
              [&](OpBuilder &then, Location loc) {
                Value x = element(then, loc, index);
                Value magnitude = math::AbsFOp::create(then, loc, x);
                Value inf = arith::ConstantOp::create(
                    then, loc,
                    then.getFloatAttr(
                        valueType,
                        APFloat::getInf(
                            cast<FloatType>(valueType).getFloatSemantics())));
                // False for NaN (unordered) and for +-Inf.
                Value ok = arith::CmpFOp::create(
                    then, loc, arith::CmpFPredicate::OLT, magnitude, inf);
                scf::YieldOp::create(then, loc, ok);
              },
              [&](OpBuilder &otherwise, Location loc) {
                Value no = arith::ConstantIntOp::create(otherwise, loc, 0, 1);
                scf::YieldOp::create(otherwise, loc, no);
              });
          scf::ConditionOp::create(builder, loc, finite.getResult(0), index);
        },
        [&](OpBuilder &builder, Location loc, ValueRange args) {
          Value nextIndex = arith::AddIOp::create(builder, loc, args[0], one);
          scf::YieldOp::create(builder, loc, nextIndex);
        });
    Value index = whileOp.getResult(0);
    Value found =
        arith::CmpIOp::create(b, arith::CmpIPredicate::slt, index, count);
    scf::IfOp::create(b, found, [&](OpBuilder &then, Location loc) {
      Value x = element(then, loc, index);
      Value wide =
          arith::IndexCastOp::create(then, loc, then.getI64Type(), index);
      func::CallOp::create(then, loc, report, ValueRange{wide, x});
      scf::YieldOp::create(then, loc);
    });
  }
};
} // namespace
} // namespace seq
} // namespace mlir
