//===- ModelToLoops.cpp - model ops as parallel loop nests ----------------===//
//
// This file lowers the ops around attention and scans: seq.linear, the
// norms, rope, embedding, the activations, seq.cache_write and
// seq.get_parameter. Each becomes an scf.forall over independent rows with
// contiguous inner loops (vectorised by LLVM on the CPU).
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "VectorKernels.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Conversion/ActivationMath.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>

using namespace mlir;
using namespace mlir::seq;

/// Allocates the result of `op` shaped like `like` (a buffer of the same
/// shape) and returns it.
static Value allocLike(LoopBuilder &b, RankedTensorType type, Value like) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(b.dim(like, i));
  return b.allocResult(type, dynamic);
}

namespace {
struct LinearLowering : TiledPattern<LinearOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value weight = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, weight);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), k = b.dim(x, 1), n = b.dim(weight, 0);
    // With dynamic extents, the activation's K must be the weight's and the
    // bias as long as the weight's N; otherwise kShapeMismatch and no tile
    // runs.
    SmallVector<LoopBuilder::Check> ok{
        b.sameExtent(x, 1, "input K", weight, 1, "weight K")};
    if (bias)
      ok.push_back(b.sameExtent(bias, 0, "bias", weight, 0, "weight N"));
    // Weight blocks outermost: consecutive tiles (one thread's share under
    // a static schedule) reuse the same weight rows from cache across
    // all input rows instead of streaming the weights once per row.
    b.guarded(op, ok, kShapeMismatch, [&] {
      projectAllRows(b, options, x, rows, k, n, weight, bias, y);
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};

/// RMSNorm and LayerNorm over the last dimension.
template <typename NormOp> struct NormLowering : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NormOp op,
                                PatternRewriter &rewriter) const override {
    constexpr bool isLayerNorm = std::is_same_v<NormOp, LayerNormOp>;
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value weight = b.buffer(op.getWeight());
    Value bias;
    if constexpr (isLayerNorm)
      if (op.getBias())
        bias = b.buffer(op.getBias());
    RankedTensorType type = op.getOutput().getType();
    Value output = allocLike(b, type, input);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), width = b.dim(x, 1);
    Value widthF = arith::UIToFPOp::create(
        b, b.getF32Type(),
        arith::IndexCastOp::create(b, b.getI64Type(), width));
    float epsilon = op.getEpsilon().convertToFloat();
    // A dynamic weight (and bias) as wide as the rows, or kShapeMismatch.
    SmallVector<LoopBuilder::Check> ok{
        b.sameExtent(weight, 0, "weight", x, 1, "input width")};
    if (bias)
      ok.push_back(b.sameExtent(bias, 0, "bias", x, 1, "input width"));
    b.guarded(op, ok, kShapeMismatch, [&] {
      b.parallel({rows}, [&](ValueRange ivs) {
        Value row = ivs[0];
        Value zero = b.f32(0.0f);
        Value mean = zero;
        if (isLayerNorm) {
          Value sum =
              b.forLoop(b.index(0), width, ValueRange{zero},
                        [&](Value c, ValueRange s) -> SmallVector<Value> {
                          return {b.addf(s[0], b.loadF32(x, {row, c}))};
                        })[0];
          mean = b.divf(sum, widthF);
        }
        Value sq = b.forLoop(b.index(0), width, ValueRange{zero},
                             [&](Value c, ValueRange s) -> SmallVector<Value> {
                               Value v = b.subf(b.loadF32(x, {row, c}), mean);
                               return {b.addf(s[0], b.mulf(v, v))};
                             })[0];
        Value inv = math::RsqrtOp::create(
            b, b.addf(b.divf(sq, widthF), b.f32(epsilon)));
        b.forLoop(b.index(0), width, [&](Value c) {
          Value v = b.mulf(b.subf(b.loadF32(x, {row, c}), mean), inv);
          v = b.mulf(v, b.loadF32(weight, {c}));
          if (bias)
            v = b.addf(v, b.loadF32(bias, {c}));
          b.storeF32(v, y, {row, c});
        });
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, type));
    return success();
  }
};

struct RopeLowering : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getOutput().getType();
    if (type.isDynamicDim(3))
      return rewriter.notifyMatchFailure(op, "needs a static head dim");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value positions = b.buffer(op.getPositions());
    Value output = allocLike(b, type, input);
    int64_t headDim = type.getDimSize(3);
    int64_t rotary =
        op.getRotaryDimAttr() ? op.getRotaryDimAttr().getInt() : headDim;
    int64_t half = rotary / 2;
    bool neox = op.getStyle() == RopeStyle::NeoX;
    float theta = op.getTheta().convertToFloat();
    // Given inverse frequencies are a constant table read per pair.
    Value invFreqTable;
    if (std::optional<ArrayRef<float>> invFreq = op.getInvFreq()) {
      auto tableType = RankedTensorType::get(
          {static_cast<int64_t>(invFreq->size())}, b.getF32Type());
      invFreqTable = b.buffer(arith::ConstantOp::create(
          b, DenseElementsAttr::get(tableType, *invFreq)));
    }
    // Dynamic NTK scaling: one base per call, from L = max(positions) + 1
    // over every row, computed in f32 as transformers'
    // _compute_dynamic_ntk_parameters computes it on the tensor seq_len:
    // theta * (factor * max(L, M) / M - (factor - 1)) ^ (R / (R - 2)) when
    // L > M, else theta (transformers' original_inv_freq).
    Value base;
    if (FloatAttr ntkFactor = op.getNtkFactorAttr()) {
      base = b.f32(theta);
      int64_t maxPositions = op.getNtkMaxPositionsAttr().getInt();
      double factor = ntkFactor.getValue().convertToDouble();
      Type i64 = b.getI64Type();
      // Plain f32 arithmetic (no fast-math flags): the base is one value
      // that every frequency depends on.
      Value minusOne = arith::ConstantOp::create(b, b.getI64IntegerAttr(-1));
      Value zero = b.index(0);
      Value rows = b.dim(positions, 0);
      Value columns = b.dim(positions, 1);
      Value largest =
          b.forLoop(zero, rows, ValueRange{minusOne},
                    [&](Value bi, ValueRange acc) -> SmallVector<Value> {
                      return b.forLoop(
                          zero, columns, acc,
                          [&](Value si, ValueRange inner)
                              -> SmallVector<Value> {
                            Value p = memref::LoadOp::create(
                                b, positions, ValueRange{bi, si});
                            Value p64 = arith::ExtSIOp::create(b, i64, p);
                            Value m = arith::MaxSIOp::create(b, inner[0], p64);
                            return {m};
                          });
                    })[0];
      Value one = arith::ConstantOp::create(b, b.getI64IntegerAttr(1));
      Value length = arith::AddIOp::create(b, largest, one);
      Value maxValue =
          arith::ConstantOp::create(b, b.getI64IntegerAttr(maxPositions));
      Value clamped = arith::MaxSIOp::create(b, length, maxValue);
      Value lengthF = arith::SIToFPOp::create(b, b.getF32Type(), clamped);
      Value factorF = b.f32(static_cast<float>(factor));
      Value scaled = arith::MulFOp::create(b, factorF, lengthF);
      Value maxF = b.f32(static_cast<float>(maxPositions));
      Value ratio = arith::DivFOp::create(b, scaled, maxF);
      Value excess = b.f32(static_cast<float>(factor - 1.0));
      Value shifted = arith::SubFOp::create(b, ratio, excess);
      double exponent = static_cast<double>(rotary) / (rotary - 2);
      Value exponentF = b.f32(static_cast<float>(exponent));
      Value power = math::PowFOp::create(b, shifted, exponentF);
      Value grown = arith::MulFOp::create(b, base, power);
      Value longer =
          arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, length, maxValue);
      base = b.select(longer, grown, base);
    }
    // One iteration per (batch, position): each pair's angle, cos and sin
    // are computed once and applied to every head (the heads share the
    // positions), instead of once per head.
    Value heads = b.dim(input, 1);
    b.parallel({b.dim(input, 0), b.dim(input, 2)}, [&](ValueRange ivs) {
      Value bi = ivs[0], si = ivs[1];
      Value pos = arith::SIToFPOp::create(
          b, b.getF32Type(),
          memref::LoadOp::create(b, positions, ValueRange{bi, si}));
      b.forLoop(b.index(0), b.index(half), [&](Value i) {
        // inv_freq = 1 / base^(2i / R), as Hugging Face computes it
        // (base: theta, or the dynamic NTK base), unless the op gives them.
        Value invFreq;
        if (invFreqTable) {
          invFreq = b.loadF32(invFreqTable, {i});
        } else {
          Value twoI = arith::UIToFPOp::create(
              b, b.getF32Type(),
              arith::IndexCastOp::create(b, b.getI64Type(),
                                         b.mul(i, b.index(2))));
          Value exponent = b.divf(twoI, b.f32(float(rotary)));
          Value from = base ? base : b.f32(theta);
          Value power = math::PowFOp::create(b, from, exponent);
          invFreq = b.divf(b.f32(1.0f), power);
        }
        Value angle = arith::MulFOp::create(b, pos, invFreq);
        Value cos = math::CosOp::create(b, angle);
        Value sin = math::SinOp::create(b, angle);
        Value c1 = neox ? i : b.mul(i, b.index(2));
        Value c2 = neox ? b.add(i, b.index(half)) : b.add(c1, b.index(1));
        b.forLoop(b.index(0), heads, [&](Value hi) {
          Value x1 = b.loadF32(input, {bi, hi, si, c1});
          Value x2 = b.loadF32(input, {bi, hi, si, c2});
          b.storeF32(b.subf(b.mulf(x1, cos), b.mulf(x2, sin)), output,
                     {bi, hi, si, c1});
          b.storeF32(b.addf(b.mulf(x2, cos), b.mulf(x1, sin)), output,
                     {bi, hi, si, c2});
        });
      });
      b.forLoop(b.index(0), heads, [&](Value hi) {
        b.forLoop(b.index(rotary), b.index(headDim), [&](Value c) {
          b.storeF32(b.loadF32(input, {bi, hi, si, c}), output,
                     {bi, hi, si, c});
        });
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, type));
    return success();
  }
};

struct EmbeddingLowering : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value table = b.buffer(op.getTable());
    Value ids = b.buffer(op.getIds());
    RankedTensorType type = op.getOutput().getType();
    Value width = b.dim(table, 1);
    Value output = b.gatherRows(
        op, type, ids, b.dim(table, 0), width,
        [&](Value id, Value rows, Value n) {
          b.forLoop(b.index(0), width, [&](Value c) {
            memref::StoreOp::create(
                b, memref::LoadOp::create(b, table, ValueRange{id, c}), rows,
                ValueRange{n, c});
          });
        });
    rewriter.replaceOp(op, b.toTensor(output, type));
    return success();
  }
};

/// SwiGLU and GELU: elementwise over the flattened tensor.
template <typename ActOp> struct ActivationLowering : TiledPattern<ActOp> {
  using TiledPattern<ActOp>::TiledPattern;
  LogicalResult matchAndRewrite(ActOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    RankedTensorType type = op.getOutput().getType();
    SmallVector<Value> inputs;
    for (Value operand : op->getOperands())
      inputs.push_back(b.flatten(b.buffer(operand)));
    Value output = allocLike(b, type, b.buffer(op->getOperand(0)));
    Value out = b.flatten(output);
    const int64_t block = this->options.elementwiseTile;
    Value total = b.dim(out, 0);
    b.parallel({b.divUp(total, block)}, [&](ValueRange ivs) {
      Value begin, end;
      std::tie(begin, end) = b.blockBounds(ivs[0], block, total);
      b.forLoop(begin, end, [&](Value i) {
        Value x = b.loadF32(inputs[0], {i});
        Value result;
        if constexpr (std::is_same_v<ActOp, SwiGLUOp>) {
          Value one = b.f32(1.0f);
          Value sig =
              b.divf(one, b.addf(one, b.exp(arith::NegFOp::create(b, x))));
          result = b.mulf(b.mulf(x, sig), b.loadF32(inputs[1], {i}));
        } else {
          result = buildGelu(b, x, op.getApproximate());
        }
        b.storeF32(result, out, {i});
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, type));
    return success();
  }
};

/// Writes with tensor.insert_slice per batch row (per position when paged)
/// carried through an scf.for, so that bufferization updates the cache in
/// place when the old cache is dead and copies it otherwise.
struct CacheWriteLowering : OpRewritePattern<CacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CacheWriteOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value update = op.getUpdate();
    Value positions = b.buffer(op.getPositions());
    Value table = op.getBlockTable() ? b.buffer(op.getBlockTable()) : Value();
    Value batch = b.dim(update, 0), heads = b.dim(update, 1);
    Value steps = b.dim(update, 2), width = b.dim(update, 3);
    Value blockSize = table ? b.dim(op.getCache(), 2) : Value();
    Value capacity =
        table ? b.mul(b.dim(table, 1), blockSize) : b.dim(op.getCache(), 2);
    Operation *anchor = op;
    Value one = b.index(1), zero = b.index(0);
    auto ofr = [](Value v) { return OpFoldResult(v); };
    Value result = b.forLoop(
        zero, batch, ValueRange{op.getCache()},
        [&](Value bi, ValueRange carried) -> SmallVector<Value> {
          Value cache = carried[0];
          Value start = b.loadIndex(positions, {bi});
          Value fits = arith::AndIOp::create(
              b, b.cmp(arith::CmpIPredicate::sge, start, zero),
              b.cmp(arith::CmpIPredicate::sle, b.add(start, steps), capacity));
          auto branch = scf::IfOp::create(b, TypeRange{cache.getType()}, fits,
                                          /*withElseRegion=*/true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&branch.getThenRegion().front());
          Value written;
          if (!table) {
            SmallVector<OpFoldResult> sizes{ofr(one), ofr(heads), ofr(steps),
                                            ofr(width)};
            SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
            Value rows = tensor::ExtractSliceOp::create(
                b, update,
                ArrayRef<OpFoldResult>{ofr(bi), b.getIndexAttr(0),
                                       b.getIndexAttr(0), b.getIndexAttr(0)},
                sizes, unit);
            written = tensor::InsertSliceOp::create(
                b, rows, cache,
                ArrayRef<OpFoldResult>{ofr(bi), b.getIndexAttr(0), ofr(start),
                                       b.getIndexAttr(0)},
                sizes, unit);
          } else {
            written = b.forLoop(
                zero, steps, ValueRange{cache},
                [&](Value s, ValueRange inner) -> SmallVector<Value> {
                  Value p = b.add(start, s);
                  Value block = b.loadIndex(
                      table, {bi, arith::DivUIOp::create(b, p, blockSize)});
                  Value slot = arith::RemUIOp::create(b, p, blockSize);
                  // A block id outside the cache raises kIndexOutOfRange
                  // and the row is not written.
                  Value inCache = arith::AndIOp::create(
                      b, b.cmp(arith::CmpIPredicate::sge, block, zero),
                      b.cmp(arith::CmpIPredicate::slt, block,
                            b.dim(op.getCache(), 0)));
                  auto guarded = scf::IfOp::create(
                      b, TypeRange{inner[0].getType()}, inCache,
                      /*withElseRegion=*/true);
                  OpBuilder::InsertionGuard rowGuard(b);
                  b.setInsertionPointToStart(&guarded.getElseRegion().front());
                  b.raiseStatus(anchor, kIndexOutOfRange,
                                "paged KV block id %ld (batch %ld, position "
                                "%ld) outside the %ld cache blocks",
                                {block, bi, p, b.dim(op.getCache(), 0)});
                  scf::YieldOp::create(b, inner[0]);
                  b.setInsertionPointToStart(&guarded.getThenRegion().front());
                  SmallVector<OpFoldResult> sizes{ofr(one), ofr(heads),
                                                  ofr(one), ofr(width)};
                  SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
                  Value row = tensor::ExtractSliceOp::create(
                      b, update,
                      ArrayRef<OpFoldResult>{ofr(bi), b.getIndexAttr(0), ofr(s),
                                             b.getIndexAttr(0)},
                      sizes, unit);
                  Value written = tensor::InsertSliceOp::create(
                      b, row, inner[0],
                      ArrayRef<OpFoldResult>{ofr(block), b.getIndexAttr(0),
                                             ofr(slot), b.getIndexAttr(0)},
                      sizes, unit);
                  scf::YieldOp::create(b, written);
                  return {guarded.getResult(0)};
                })[0];
          }
          scf::YieldOp::create(b, written);
          b.setInsertionPointToStart(&branch.getElseRegion().front());
          b.raiseStatus(anchor, kCacheOverflow,
                        "batch %ld writes %ld positions from %ld past the "
                        "cache capacity %ld",
                        {bi, steps, start, capacity});
          scf::YieldOp::create(b, cache);
          return {branch.getResult(0)};
        })[0];
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A parameter is an external global the runtime points at the weights.
struct GetParameterLowering : OpRewritePattern<GetParameterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GetParameterOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    RankedTensorType type = op.getResult().getType();
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    std::string global = (seqrt::abi::kParamPrefix + op.getName()).str();
    Value buffer = memref::GetGlobalOp::create(b, memrefType, global);
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, type, buffer, /*restrict=*/true, /*writable=*/false);
    return success();
  }
};
} // namespace

void seq::populateModelToLoopsPatterns(RewritePatternSet &patterns,
                                       const TilingOptions &options) {
  patterns.add<LinearLowering>(patterns.getContext(), options);
  patterns.add<ActivationLowering<SwiGLUOp>, ActivationLowering<GeLUOp>>(
      patterns.getContext(), options);
  patterns.add<NormLowering<RMSNormOp>, NormLowering<LayerNormOp>, RopeLowering,
               EmbeddingLowering, CacheWriteLowering, GetParameterLowering>(
      patterns.getContext());
}
