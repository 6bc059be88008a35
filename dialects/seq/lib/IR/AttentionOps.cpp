//===- AttentionOps.cpp - attention and KV cache operations ---------------===//
//
// This file implements verification and canonicalization of
// seq.attention, seq.cache_write and seq.yield.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include <cmath>

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqAttentionOps.cpp.inc"

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

namespace {
/// Named extents of an attention op, dynamic where unknown.
struct AttentionDims {
  int64_t batch, queryHeads, querySeq, headDim;
  int64_t kvHeads, kvSeq, valueDim;
};
} // namespace

static AttentionDims getAttentionDims(AttentionOp op) {
  ArrayRef<int64_t> q = op.getQuery().getType().getShape();
  ArrayRef<int64_t> k = op.getKey().getType().getShape();
  ArrayRef<int64_t> v = op.getValue().getType().getShape();
  AttentionDims dims{q[0], q[1], q[2], q[3], k[1], k[2], v[3]};
  if (auto table = op.getBlockTable()) {
    // Paged: [NumBlocks, Hkv, BlockSize, D]; logical KV = MaxBlocks * BS.
    int64_t maxBlocks = table.getType().getDimSize(1);
    dims.kvSeq = ShapedType::isDynamic(maxBlocks) || ShapedType::isDynamic(k[2])
                     ? ShapedType::kDynamic
                     : maxBlocks * k[2];
  }
  return dims;
}

float AttentionOp::getEffectiveScale() {
  if (auto scale = getScaleAttr())
    return scale.getValueAsDouble();
  int64_t headDim = getQuery().getType().getDimSize(3);
  assert(!ShapedType::isDynamic(headDim) && "default scale needs static D");
  return 1.0f / std::sqrt(static_cast<float>(headDim));
}

int64_t AttentionOp::getGroupSize() {
  AttentionDims dims = getAttentionDims(*this);
  if (ShapedType::isDynamic(dims.queryHeads) ||
      ShapedType::isDynamic(dims.kvHeads))
    return ShapedType::kDynamic;
  return dims.queryHeads / dims.kvHeads;
}

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  RankedTensorType qType = getQuery().getType();
  RankedTensorType kType = getKey().getType();
  RankedTensorType vType = getValue().getType();
  RankedTensorType oType = getOutput().getType();
  if (failed(verifyRank(op, qType, 4, "query", "[B, Hq, Sq, D]")))
    return failure();
  StringRef kvLayout =
      isPaged() ? "[NumBlocks, Hkv, BlockSize, D]" : "[B, Hkv, Skv, D]";
  if (failed(verifyRank(op, kType, 4, "key", kvLayout)) ||
      failed(verifyRank(op, vType, 4, "value", kvLayout)) ||
      failed(verifyRank(op, oType, 4, "output", "[B, Hq, Sq, Dv]")))
    return failure();
  if (auto table = getBlockTable())
    if (failed(verifyRank(op, table.getType(), 2, "block_table",
                          "[B, MaxBlocks]")))
      return failure();
  // Query and output share a type, key and value share one; a cache may
  // be narrower than the query (f32 activations on a bf16/f16 KV cache).
  Type elementType = qType.getElementType();
  Type kvElementType = kType.getElementType();
  if (oType.getElementType() != elementType)
    return emitOpError("expects query and output to share an element type");
  if (vType.getElementType() != kvElementType)
    return emitOpError("expects key and value to share an element type");
  if (kvElementType != elementType && kvElementType.getIntOrFloatBitWidth() >
                                          elementType.getIntOrFloatBitWidth())
    return emitOpError() << "expects key and value (" << kvElementType
                         << ") to be the query's element type or narrower ("
                         << elementType << ")";

  AttentionDims dims = getAttentionDims(*this);
  ArrayRef<int64_t> k = kType.getShape();
  ArrayRef<int64_t> v = vType.getShape();
  if (!isPaged() && !extentsCompatible(k[0], dims.batch))
    return emitOpError() << "expects key batch (" << formatExtent(k[0])
                         << ") to match query batch ("
                         << formatExtent(dims.batch) << ")";
  if (!extentsCompatible(k[3], dims.headDim))
    return emitOpError() << "expects key head_dim (" << formatExtent(k[3])
                         << ") to match query head_dim ("
                         << formatExtent(dims.headDim) << ")";
  if (!shapesCompatible(v.drop_back(), k.drop_back()))
    return emitOpError() << "expects value " << formatShape(v)
                         << " to match key " << formatShape(k)
                         << " in all but the last dimension";
  if (dims.kvHeads == 0)
    return emitOpError("expects at least one key head");
  if (!ShapedType::isDynamic(dims.queryHeads) &&
      !ShapedType::isDynamic(dims.kvHeads) &&
      dims.queryHeads % dims.kvHeads != 0)
    return emitOpError() << "expects key heads (" << dims.kvHeads
                         << ") to divide query heads (" << dims.queryHeads
                         << ")";
  if (failed(verifyShape(
          op, oType,
          {dims.batch, dims.queryHeads, dims.querySeq, dims.valueDim},
          "output [B, Hq, Sq, Dv]")))
    return failure();
  if (auto lengths = getKvLengths())
    if (failed(
            verifyShape(op, lengths.getType(), {dims.batch}, "kv_lengths [B]")))
      return failure();
  if (auto table = getBlockTable())
    if (failed(verifyShape(op, table.getType(),
                           {dims.batch, table.getType().getDimSize(1)},
                           "block_table [B, MaxBlocks]")))
      return failure();
  if (auto lse = getLse())
    if (failed(verifyShape(op, lse.getType(),
                           {dims.batch, dims.queryHeads, dims.querySeq},
                           "lse [B, Hq, Sq]")))
      return failure();
  if (auto window = getWindowAttr(); window && window.getInt() <= 0)
    return emitOpError() << "expects a positive window, got "
                         << window.getInt();
  if (auto softcap = getSoftcap(); softcap && !isFinitePositive(*softcap))
    return emitOpError("expects a finite, positive softcap");
  if (auto scale = getScale(); scale && !isFinitePositive(*scale))
    return emitOpError("expects a finite, positive scale");
  if (!getScale() && ShapedType::isDynamic(dims.headDim))
    return emitOpError("expects an explicit scale when head_dim is dynamic");
  return success();
}

/// Verifies that `region`, if non-empty, takes `argTypes` and yields one
/// value of `resultType`.
static LogicalResult verifyModRegion(AttentionOp op, Region &region,
                                     StringRef name, TypeRange argTypes,
                                     Type resultType) {
  if (region.empty())
    return success();
  Block &block = region.front();
  if (block.getArgumentTypes() != argTypes)
    return op.emitOpError()
           << "expects " << name << " to take " << formatTypes(argTypes)
           << ", got " << formatTypes(block.getArgumentTypes());
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != 1 ||
      yield.getValues()[0].getType() != resultType)
    return op.emitOpError()
           << "expects " << name << " to yield one " << resultType;
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  Builder b(getContext());
  Type index = b.getIndexType();
  SmallVector<Type> maskArgs(4, index);
  SmallVector<Type> scoreArgs(maskArgs);
  scoreArgs.push_back(b.getF32Type());
  if (failed(verifyModRegion(*this, getScoreMod(), "score_mod", scoreArgs,
                             b.getF32Type())))
    return failure();
  return verifyModRegion(*this, getMaskMod(), "mask_mod", maskArgs,
                         b.getI1Type());
}

namespace {
/// With one query row, `causal` keeps keys j <= L - 1: exactly the keys the
/// KV length keeps anyway.
struct DropRedundantCausal : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getCausal() || op.getQuery().getType().getDimSize(2) != 1)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.setCausal(false); });
    return success();
  }
};

/// A window of at least the KV length never masks a key.
struct DropRedundantWindow : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    IntegerAttr window = op.getWindowAttr();
    int64_t kvSeq = getAttentionDims(op).kvSeq;
    if (!window || ShapedType::isDynamic(kvSeq) || window.getInt() < kvSeq)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeWindowAttr(); });
    return success();
  }
};

/// An explicit scale equal to the default 1/sqrt(D) is spelled implicitly.
struct DropDefaultScale : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t headDim = op.getQuery().getType().getDimSize(3);
    auto scale = op.getScaleAttr();
    if (!scale || ShapedType::isDynamic(headDim))
      return failure();
    float defaultScale = 1.0f / std::sqrt(static_cast<float>(headDim));
    if (static_cast<float>(scale.getValueAsDouble()) != defaultScale)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeScaleAttr(); });
    return success();
  }
};

/// Removes a score_mod that yields the score unchanged and a mask_mod that
/// yields a constant true.
struct EraseTrivialModRegions : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    bool changed = false;
    Region &score = op.getScoreMod();
    if (!score.empty()) {
      auto yield = cast<YieldOp>(score.front().getTerminator());
      if (yield.getValues()[0] == score.front().getArguments().back()) {
        rewriter.eraseBlock(&score.front());
        changed = true;
      }
    }
    Region &mask = op.getMaskMod();
    if (!mask.empty()) {
      auto yield = cast<YieldOp>(mask.front().getTerminator());
      if (matchPattern(yield.getValues()[0], m_One())) {
        rewriter.eraseBlock(&mask.front());
        changed = true;
      }
    }
    return success(changed);
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<DropRedundantCausal, DropRedundantWindow, DropDefaultScale,
               EraseTrivialModRegions>(context);
}

//===----------------------------------------------------------------------===//
// CacheWriteOp
//===----------------------------------------------------------------------===//

LogicalResult CacheWriteOp::verify() {
  Operation *op = getOperation();
  RankedTensorType cacheType = getCache().getType();
  RankedTensorType updateType = getUpdate().getType();
  bool paged = static_cast<bool>(getBlockTable());
  if (failed(verifyRank(op, cacheType, 4, "cache",
                        paged ? "[NumBlocks, H, BlockSize, D]"
                              : "[B, H, Capacity, D]")) ||
      failed(verifyRank(op, updateType, 4, "update", "[B, H, S, D]")))
    return failure();
  if (cacheType.getElementType() != updateType.getElementType())
    return emitOpError("expects cache and update to share an element type");
  ArrayRef<int64_t> c = cacheType.getShape();
  ArrayRef<int64_t> u = updateType.getShape();
  if (!extentsCompatible(c[1], u[1]) || !extentsCompatible(c[3], u[3]))
    return emitOpError() << "expects update " << formatShape(u)
                         << " to match the heads and head_dim of cache "
                         << formatShape(c);
  int64_t batch = u[0];
  if (failed(
          verifyShape(op, getPositions().getType(), {batch}, "positions [B]")))
    return failure();
  if (!paged) {
    if (!extentsCompatible(c[0], batch))
      return emitOpError() << "expects update batch (" << formatExtent(batch)
                           << ") to match cache batch (" << formatExtent(c[0])
                           << ")";
    if (!ShapedType::isDynamic(c[2]) && !ShapedType::isDynamic(u[2]) &&
        u[2] > c[2])
      return emitOpError() << "expects update length (" << u[2]
                           << ") to fit the cache capacity (" << c[2] << ")";
    return success();
  }
  RankedTensorType tableType = getBlockTable().getType();
  if (failed(verifyRank(op, tableType, 2, "block_table", "[B, MaxBlocks]")))
    return failure();
  return verifyShape(op, tableType, {batch, tableType.getDimSize(1)},
                     "block_table [B, MaxBlocks]");
}
