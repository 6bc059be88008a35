//===- ScanToLoops.cpp - linear recurrences as tiled loops ----------------===//
//
// This file lowers seq.scan and seq.scan_step. Independent tiles are the
// batch rows and the state elements that the readout does not reduce (the
// channels, e.g. Mamba's d); each tile keeps its slice of the state (e.g.
// the d_state vector) in a scratch buffer and walks the sequence, so the
// state never leaves the tile between steps. The step and readout regions
// are inlined at each point: no decay tensor over the sequence is built.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallBitVector.h"
#include <functional>

using namespace mlir;
using namespace mlir::seq;

/// Clones a single-block region at the builder's insertion point and returns
/// the values its seq.yield yields.
static SmallVector<Value> inlineRegion(LoopBuilder &b, Region &region,
                                       ValueRange arguments) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), arguments);
  for (Operation &op : block.without_terminator())
    b.clone(op, mapping);
  SmallVector<Value> results;
  for (Value v : cast<YieldOp>(block.getTerminator()).getValues())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

/// Loads every input's scalar at iteration point `point`.
static SmallVector<Value> loadInputs(LoopBuilder &b, ArrayRef<Value> inputs,
                                     ArrayAttr maps, ValueRange point) {
  SmallVector<Value> scalars;
  for (auto [input, mapAttr] : llvm::zip_equal(inputs, maps)) {
    AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
    SmallVector<Value> indices;
    for (AffineExpr expr : map.getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
        indices.push_back(point[dim.getPosition()]);
        continue;
      }
      indices.push_back(affine::AffineApplyOp::create(
          b, AffineMap::get(map.getNumDims(), 0, expr), point));
    }
    scalars.push_back(memref::LoadOp::create(b, input, indices));
  }
  return scalars;
}

/// Nested scf.for loops over [0, ubs[i]) calling `body` with the indices.
static void nestedLoops(LoopBuilder &b, ArrayRef<Value> ubs,
                        SmallVector<Value> &ivs,
                        llvm::function_ref<void(ValueRange)> body) {
  if (ivs.size() == ubs.size()) {
    body(ivs);
    return;
  }
  b.forLoop(b.index(0), ubs[ivs.size()], [&](Value iv) {
    ivs.push_back(iv);
    nestedLoops(b, ubs, ivs, body);
    ivs.pop_back();
  });
}

namespace {
template <typename ScanLikeOp>
struct ScanLowering : OpRewritePattern<ScanLikeOp> {
  using OpRewritePattern<ScanLikeOp>::OpRewritePattern;
  static constexpr bool hasTime = ScanLikeOp::kNumSequenceDims == 2;

  LogicalResult matchAndRewrite(ScanLikeOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    SmallVector<Value> inputs;
    for (Value input : op.getInputs())
      inputs.push_back(b.buffer(input));
    Value init = b.buffer(op.getInit());
    RankedTensorType stateType = op.getInit().getType();
    RankedTensorType outType = op.getOutput().getType();
    Type stateElement = stateType.getElementType();
    Type outElement = outType.getElementType();
    int64_t stateRank = stateType.getRank() - 1;
    const unsigned seqDims = ScanLikeOp::kNumSequenceDims;

    Value batch = b.dim(init, 0);
    Value steps = hasTime ? Value() : b.index(1);
    if constexpr (hasTime) {
      // T from the first input that reads the time dimension, else the
      // output type.
      steps = outType.isDynamicDim(1) ? Value() : b.index(outType.getDimSize(1));
      for (auto [input, mapAttr] :
           llvm::zip_equal(inputs, op.getIndexingMaps().getValue())) {
        if (steps)
          break;
        AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
        for (auto [i, expr] : llvm::enumerate(map.getResults()))
          if (auto dim = dyn_cast<AffineDimExpr>(expr);
              dim && dim.getPosition() == 1) {
            steps = b.dim(input, i);
            break;
          }
      }
      if (!steps)
        return rewriter.notifyMatchFailure(op, "cannot size the time dim");
    }
    SmallVector<Value> stateExtents;
    for (int64_t i = 0; i < stateRank; ++i)
      stateExtents.push_back(b.dim(init, i + 1));

    llvm::SmallBitVector reduced(stateRank);
    for (int64_t dim : op.getReductionDims())
      reduced.set(dim - seqDims);
    SmallVector<int64_t> keptDims, reducedDims;
    for (int64_t i = 0; i < stateRank; ++i)
      (reduced.test(i) ? reducedDims : keptDims).push_back(i);

    // Results.
    bool hasReadout = !op.getReadout().empty();
    SmallVector<Value> outSizes{batch};
    if (hasTime)
      outSizes.push_back(steps);
    if (hasReadout) {
      for (int64_t i : keptDims)
        outSizes.push_back(stateExtents[i]);
    } else {
      llvm::append_range(outSizes, stateExtents);
    }
    SmallVector<Value> outDynamic, stateDynamic;
    for (auto [i, size] : llvm::enumerate(outSizes))
      if (outType.isDynamicDim(i))
        outDynamic.push_back(size);
    for (int64_t i = 0; i < stateType.getRank(); ++i)
      if (stateType.isDynamicDim(i))
        stateDynamic.push_back(i == 0 ? batch : stateExtents[i - 1]);
    Value output = b.allocResult(outType, outDynamic);
    Value finalState = b.allocResult(stateType, stateDynamic);

    SmallVector<Value> tileBounds{batch};
    // Without a readout every state element is its own tile.
    SmallVector<int64_t> tileDims = hasReadout ? keptDims : SmallVector<int64_t>();
    SmallVector<int64_t> innerDims = hasReadout ? reducedDims : SmallVector<int64_t>();
    if (!hasReadout)
      for (int64_t i = 0; i < stateRank; ++i)
        tileDims.push_back(i);
    for (int64_t i : tileDims)
      tileBounds.push_back(stateExtents[i]);
    SmallVector<Value> innerBounds;
    for (int64_t i : innerDims)
      innerBounds.push_back(stateExtents[i]);
    Value innerSize = b.index(1);
    for (Value v : innerBounds)
      innerSize = b.mul(innerSize, v);
    ArrayAttr maps = op.getIndexingMaps();
    bool reverse = false;
    if constexpr (hasTime)
      reverse = op.getReverse();

    b.parallel(tileBounds, [&](ValueRange tile) {
      Value bi = tile[0];
      // State point s[0..rank) from tile and inner indices.
      auto statePoint = [&](ValueRange inner) {
        SmallVector<Value> s(stateRank);
        for (auto [k, dim] : llvm::enumerate(tileDims))
          s[dim] = tile[k + 1];
        for (auto [k, dim] : llvm::enumerate(innerDims))
          s[dim] = inner[k];
        return s;
      };
      // Flat offset of an inner point in the scratch state.
      auto flatInner = [&](ValueRange inner) {
        Value flat = b.index(0);
        for (auto [k, v] : llvm::enumerate(inner))
          flat = b.add(b.mul(flat, innerBounds[k]), v);
        return flat;
      };
      Value state = memref::AllocaOp::create(
          b, MemRefType::get({ShapedType::kDynamic}, stateElement),
          ValueRange{innerSize});
      SmallVector<Value> ivs;
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        SmallVector<Value> index{bi};
        llvm::append_range(index, statePoint(inner));
        memref::StoreOp::create(b, memref::LoadOp::create(b, init, index),
                                state, ValueRange{flatInner(inner)});
      });
      b.forLoop(b.index(0), steps, [&](Value step) {
        Value t = reverse ? b.sub(b.sub(steps, b.index(1)), step) : step;
        Value zero = arith::ConstantOp::create(
            b, b.getFloatAttr(b.getF32Type(), 0.0));
        auto body = [&](ValueRange inner, Value acc) -> Value {
          SmallVector<Value> s = statePoint(inner);
          SmallVector<Value> point{bi};
          if (hasTime)
            point.push_back(t);
          llvm::append_range(point, s);
          SmallVector<Value> scalars = loadInputs(b, inputs, maps, point);
          SmallVector<Value> ab = inlineRegion(b, op.getStep(), scalars);
          Value flat = flatInner(inner);
          Value h = memref::LoadOp::create(b, state, ValueRange{flat});
          Value next = arith::AddFOp::create(
              b, arith::MulFOp::create(b, ab[0], h), ab[1]);
          memref::StoreOp::create(b, next, state, ValueRange{flat});
          if (!hasReadout) {
            memref::StoreOp::create(b, next, output, point);
            return acc;
          }
          SmallVector<Value> readoutArgs{next};
          llvm::append_range(readoutArgs, scalars);
          Value value = inlineRegion(b, op.getReadout(), readoutArgs)[0];
          if (!value.getType().isF32())
            value = arith::ExtFOp::create(b, b.getF32Type(), value);
          return b.addf(acc, value);
        };
        // Walk the inner (reduced) state points, accumulating the readout.
        std::function<Value(SmallVector<Value> &, Value)> walk =
            [&](SmallVector<Value> &inner, Value acc) -> Value {
          if (inner.size() == innerBounds.size())
            return body(inner, acc);
          return b.forLoop(
              b.index(0), innerBounds[inner.size()], ValueRange{acc},
              [&](Value iv, ValueRange carried) -> SmallVector<Value> {
                inner.push_back(iv);
                Value r = walk(inner, carried[0]);
                inner.pop_back();
                return {r};
              })[0];
        };
        SmallVector<Value> inner;
        Value sum = walk(inner, zero);
        if (hasReadout) {
          SmallVector<Value> outIndex{bi};
          if (hasTime)
            outIndex.push_back(t);
          llvm::append_range(outIndex, tile.drop_front());
          if (outElement != sum.getType())
            sum = arith::TruncFOp::create(b, outElement, sum);
          memref::StoreOp::create(b, sum, output, outIndex);
        }
      });
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        SmallVector<Value> index{bi};
        llvm::append_range(index, statePoint(inner));
        memref::StoreOp::create(
            b, memref::LoadOp::create(b, state, ValueRange{flatInner(inner)}),
            finalState, index);
      });
    });
    rewriter.replaceOp(op, {b.toTensor(output, outType),
                            b.toTensor(finalState, stateType)});
    return success();
  }
};
} // namespace

void seq::populateScanToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<ScanLowering<ScanOp>, ScanLowering<ScanStepOp>>(
      patterns.getContext());
}
