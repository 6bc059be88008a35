//===- LoopBuilder.cpp - terse loop-nest construction for lowerings -------===//
//
// This file implements the LoopBuilder helpers.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"

#include "seqc/Transforms/CheckReport.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::seq;

/// Fast-math flags for reductions and updates: reassociation lets LLVM
/// vectorise dot products; no NaN/Inf assumptions (masked scores are -inf).
static arith::FastMathFlags fastFlags() {
  return arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
}

Value LoopBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(*this, value);
}
Value LoopBuilder::f32(float value) {
  return arith::ConstantOp::create(*this, getF32FloatAttr(value));
}
Value LoopBuilder::i32(int32_t value) {
  return arith::ConstantOp::create(*this, getI32IntegerAttr(value));
}
Value LoopBuilder::add(Value a, Value b) {
  return arith::AddIOp::create(*this, a, b);
}
Value LoopBuilder::sub(Value a, Value b) {
  return arith::SubIOp::create(*this, a, b);
}
Value LoopBuilder::mul(Value a, Value b) {
  return arith::MulIOp::create(*this, a, b);
}
std::pair<Value, Value> LoopBuilder::blockBounds(Value tile, int64_t block,
                                                 Value extent) {
  Value begin = mul(tile, index(block));
  return {begin, min(extent, add(begin, index(block)))};
}

Value LoopBuilder::divUp(Value a, int64_t b) {
  return arith::CeilDivUIOp::create(*this, a, index(b));
}
Value LoopBuilder::min(Value a, Value b) {
  return arith::MinSIOp::create(*this, a, b);
}
Value LoopBuilder::max(Value a, Value b) {
  return arith::MaxSIOp::create(*this, a, b);
}
Value LoopBuilder::indexCast(Value integer) {
  return arith::IndexCastOp::create(*this, getIndexType(), integer);
}
Value LoopBuilder::cmp(arith::CmpIPredicate predicate, Value a, Value b) {
  return arith::CmpIOp::create(*this, predicate, a, b);
}
Value LoopBuilder::select(Value cond, Value a, Value b) {
  return arith::SelectOp::create(*this, cond, a, b);
}
Value LoopBuilder::addf(Value a, Value b) {
  return arith::AddFOp::create(*this, a, b, fastFlags());
}
Value LoopBuilder::subf(Value a, Value b) {
  return arith::SubFOp::create(*this, a, b, fastFlags());
}
Value LoopBuilder::mulf(Value a, Value b) {
  return arith::MulFOp::create(*this, a, b, fastFlags());
}
Value LoopBuilder::divf(Value a, Value b) {
  return arith::DivFOp::create(*this, a, b);
}
Value LoopBuilder::maxf(Value a, Value b) {
  return arith::MaximumFOp::create(*this, a, b);
}
Value LoopBuilder::exp(Value a) { return math::ExpOp::create(*this, a); }

Value LoopBuilder::buffer(Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(*this, memrefType, tensor,
                                           /*read_only=*/true);
}

Value LoopBuilder::allocResult(RankedTensorType type, ValueRange dynamicSizes) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::AllocOp::create(*this, memrefType, dynamicSizes,
                                 getI64IntegerAttr(64));
}

Value LoopBuilder::scratch(ArrayRef<int64_t> shape, Type elementType) {
  return memref::AllocaOp::create(*this, MemRefType::get(shape, elementType));
}

Value LoopBuilder::toTensor(Value buffer, RankedTensorType type) {
  return bufferization::ToTensorOp::create(*this, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value LoopBuilder::dim(Value shaped, int64_t dim) {
  if (isa<MemRefType>(shaped.getType()))
    return memref::DimOp::create(*this, shaped, dim);
  return tensor::DimOp::create(*this, shaped, dim);
}

Value LoopBuilder::loadF32(Value memref, ValueRange indices) {
  Value value = memref::LoadOp::create(*this, memref, indices);
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(*this, getF32Type(), value);
}

void LoopBuilder::storeF32(Value value, Value memref, ValueRange indices) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  if (elementType != value.getType())
    value = arith::TruncFOp::create(*this, elementType, value);
  memref::StoreOp::create(*this, value, memref, indices);
}

Value LoopBuilder::loadIndex(Value memref, ValueRange indices) {
  return indexCast(memref::LoadOp::create(*this, memref, indices));
}

void LoopBuilder::forLoop(Value lb, Value ub,
                          llvm::function_ref<void(Value)> body) {
  scf::ForOp::create(*this, lb, ub, index(1), ValueRange{},
                     [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                       // `b` is this builder, positioned in the body.
                       body(iv);
                       scf::YieldOp::create(b, loc);
                     });
}

SmallVector<Value> LoopBuilder::forLoop(
    Value lb, Value ub, ValueRange inits,
    llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(
      *this, lb, ub, index(1), inits,
      [&](OpBuilder &b, Location loc, Value iv, ValueRange args) {
        SmallVector<Value> next = body(iv, args);
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void LoopBuilder::parallel(ValueRange ubs,
                           llvm::function_ref<void(ValueRange)> body) {
  SmallVector<OpFoldResult> bounds(ubs.begin(), ubs.end());
  scf::ForallOp::create(
      *this, bounds, ValueRange{}, std::nullopt,
      [&](OpBuilder &b, Location loc, ValueRange ivs) {
        Block *block = b.getInsertionBlock();
        body(ivs);
        // Tile-local scratch (allocas) is released at the end of each
        // tile, serial or parallel: a memref.alloca_scope around a body
        // with allocas. Only then: a scope left where a one-iteration
        // forall folds away blocks canonicalization from inlining it when
        // the body holds a call (a check's report), and its lowering
        // cannot split a single-block region (scf.for, scf.if).
        bool allocates = false;
        block->walk([&](memref::AllocaOp) { allocates = true; });
        if (allocates) {
          auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
          Block *scopeBlock = new Block();
          scope.getBodyRegion().push_back(scopeBlock);
          scopeBlock->getOperations().splice(scopeBlock->end(),
                                             block->getOperations(),
                                             block->begin(),
                                             scope->getIterator());
          OpBuilder scopeEnd = OpBuilder::atBlockEnd(scopeBlock);
          memref::AllocaScopeReturnOp::create(scopeEnd, loc);
          b.setInsertionPointAfter(scope);
        }
        if (block->empty() || !block->back().hasTrait<OpTrait::IsTerminator>())
          scf::InParallelOp::create(b, loc);
      });
}

void LoopBuilder::ifThen(Value cond, llvm::function_ref<void()> body) {
  scf::IfOp::create(*this, cond, [&](OpBuilder &b, Location loc) {
    body();
    scf::YieldOp::create(b, loc);
  });
}

bool LoopBuilder::runtimeChecksEnabled(Operation *anchor) {
  auto module = anchor->getParentOfType<ModuleOp>();
  return !module || !module->hasAttr(kNoRuntimeChecksAttr);
}

void LoopBuilder::raiseStatus(Operation *anchor, int32_t code, StringRef format,
                              ValueRange values) {
  if (!runtimeChecksEnabled(anchor))
    return;
  emitCheckReport(*this, getLoc(), anchor, code, format, values);
}

void LoopBuilder::raiseUnless(Operation *anchor, Value ok, int32_t code,
                              StringRef format, ValueRange values) {
  if (!runtimeChecksEnabled(anchor))
    return;
  Value failed = arith::XOrIOp::create(
      *this, ok, arith::ConstantOp::create(*this, getBoolAttr(true)));
  ifThen(failed, [&] { raiseStatus(anchor, code, format, values); });
}

LoopBuilder::Check LoopBuilder::sameExtent(Value a, int64_t da, StringRef nameA,
                                           Value b, int64_t db,
                                           StringRef nameB) {
  auto typeA = cast<ShapedType>(a.getType());
  auto typeB = cast<ShapedType>(b.getType());
  if (!typeA.isDynamicDim(da) && !typeB.isDynamicDim(db))
    return Check();
  Value extentA = dim(a, da), extentB = dim(b, db);
  return {cmp(arith::CmpIPredicate::eq, extentA, extentB),
          (escapeFormat(nameA) + " (%ld) != " + escapeFormat(nameB) + " (%ld)"),
          {extentA, extentB}};
}

LoopBuilder::Check LoopBuilder::extentIs(Value shaped, int64_t d,
                                         StringRef name, Value extent,
                                         StringRef nameExtent) {
  if (!cast<ShapedType>(shaped.getType()).isDynamicDim(d) &&
      getConstantIntValue(extent))
    return Check();
  Value actual = dim(shaped, d);
  return {
      cmp(arith::CmpIPredicate::eq, actual, extent),
      (escapeFormat(name) + " (%ld) != " + escapeFormat(nameExtent) + " (%ld)"),
      {actual, extent}};
}

Value LoopBuilder::allOf(ArrayRef<Value> conditions) {
  Value all;
  for (Value condition : conditions) {
    if (!condition)
      continue;
    all = all ? arith::AndIOp::create(*this, all, condition).getResult()
              : condition;
  }
  return all;
}

Value LoopBuilder::allOf(ArrayRef<Check> checks) {
  SmallVector<Value> conditions;
  for (const Check &check : checks)
    conditions.push_back(check.ok);
  return allOf(conditions);
}

void LoopBuilder::guarded(Operation *anchor, ArrayRef<Check> checks,
                          int32_t code, llvm::function_ref<void()> body) {
  Value ok = allOf(checks);
  if (!ok || !runtimeChecksEnabled(anchor)) {
    body();
    return;
  }
  scf::IfOp::create(
      *this, ok,
      [&](OpBuilder &, Location loc) {
        body();
        scf::YieldOp::create(*this, loc);
      },
      [&](OpBuilder &, Location loc) {
        // The first check that failed names the values (the report of a
        // later one does not replace it).
        for (const Check &check : checks)
          if (check.ok)
            raiseUnless(anchor, check.ok, code, check.format, check.values);
        scf::YieldOp::create(*this, loc);
      });
}

Value LoopBuilder::collapseRows(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return buffer;
  if (rank == 1)
    return memref::ExpandShapeOp::create(
        *this, MemRefType::get({1, type.getDimSize(0)}, type.getElementType()),
        buffer, ArrayRef<ReassociationIndices>{{0, 1}},
        ArrayRef<OpFoldResult>{getIndexAttr(1), dim(buffer, 0)});
  ReassociationIndices leading;
  for (int64_t i = 0; i < rank - 1; ++i)
    leading.push_back(i);
  return memref::CollapseShapeOp::create(
      *this, buffer, ArrayRef<ReassociationIndices>{leading, {rank - 1}});
}

Value LoopBuilder::flatten(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return memref::CollapseShapeOp::create(*this, buffer,
                                         ArrayRef<ReassociationIndices>{all});
}

Value LoopBuilder::allocProjection(RankedTensorType type, Value input,
                                   Value weight) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(i + 1 == type.getRank() ? dim(weight, 0)
                                                : dim(input, i));
  return allocResult(type, dynamic);
}

SmallVector<Value> LoopBuilder::inlineRegion(Region &region,
                                             ValueRange arguments) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), arguments);
  for (Operation &op : block.without_terminator())
    clone(op, mapping);
  SmallVector<Value> results;
  for (Value v : block.getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

Value LoopBuilder::gatherRows(
    Operation *anchor, RankedTensorType type, Value ids, Value vocab,
    Value width, llvm::function_ref<void(Value, Value, Value)> copyRow) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(i + 1 == type.getRank() ? width : dim(ids, i));
  Value output = allocResult(type, dynamic);
  Value flatIds = flatten(ids), rows = collapseRows(output);
  parallel({dim(flatIds, 0)}, [&](ValueRange ivs) {
    Value n = ivs[0];
    Value id = loadIndex(flatIds, {n});
    if (!runtimeChecksEnabled(anchor)) {
      copyRow(id, rows, n);
      return;
    }
    // One op per statement, in the order gcc created them (README.md,
    // "Same output from every host compiler").
    Value belowVocab = cmp(arith::CmpIPredicate::slt, id, vocab);
    Value zero = index(0);
    Value nonNegative = cmp(arith::CmpIPredicate::sge, id, zero);
    Value inRange = arith::AndIOp::create(*this, nonNegative, belowVocab);
    scf::IfOp::create(
        *this, inRange,
        [&](OpBuilder &, Location loc) {
          copyRow(id, rows, n);
          scf::YieldOp::create(*this, loc);
        },
        [&](OpBuilder &, Location loc) {
          raiseStatus(anchor, kIndexOutOfRange,
                      "id %ld (element %ld) outside the vocabulary of %ld",
                      {id, n, vocab});
          scf::YieldOp::create(*this, loc);
        });
  });
  return output;
}
