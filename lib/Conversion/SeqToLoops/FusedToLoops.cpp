//===- FusedToLoops.cpp - lowerings that fuse producer chains -------------===//
//
// This file lowers op chains as one loop nest where that saves memory
// traffic. They run before the per-op lowerings so that they see the chain.
//
// * swiglu(linear(x, Wg), linear(x, Wu)) (the gated MLP of Llama, Mistral,
//   Qwen, and every SwiGLU expert): both projections and the activation in
//   one pass over the output features; the gate and up activations
//   ([rows, F] each) are never written.
// * linear(rms_norm(x, g), W) (every projection after a norm): the row's
//   1/rms is computed in the tile and applied while reading x, so the
//   normalised activations are never written (when every user of the norm
//   is such a linear, the norm itself disappears).
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
struct FuseGatedMLP : OpRewritePattern<SwiGLUOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SwiGLUOp op,
                                PatternRewriter &rewriter) const override {
    auto gate = op.getGate().getDefiningOp<LinearOp>();
    auto up = op.getUp().getDefiningOp<LinearOp>();
    if (!gate || !up || gate == up || !gate->hasOneUse() || !up->hasOneUse() ||
        gate.getInput() != up.getInput() ||
        op.getOutput().getType().getRank() < 2)
      return rewriter.notifyMatchFailure(op, "not a gated MLP");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(gate.getInput());
    Value wg = b.buffer(gate.getWeight()), wu = b.buffer(up.getWeight());
    Value bg = gate.getBias() ? b.buffer(gate.getBias()) : Value();
    Value bu = up.getBias() ? b.buffer(up.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, wg);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), k = b.dim(x, 1), features = b.dim(wg, 0);
    const int64_t block = 16;
    // Weight blocks outermost, as for seq.linear.
    b.parallel({b.divUp(features, block), rows}, [&](ValueRange ivs) {
      Value row = ivs[1], f0 = b.mul(ivs[0], b.index(block));
      Value f1 = b.min(features, b.add(f0, b.index(block)));
      b.forLoop(f0, f1, [&](Value f) {
        Value g0 = bg ? b.loadF32(bg, {f}) : b.f32(0.0f);
        Value u0 = bu ? b.loadF32(bu, {f}) : b.f32(0.0f);
        SmallVector<Value> dots = b.forLoop(
            b.index(0), k, ValueRange{g0, u0},
            [&](Value kk, ValueRange sums) -> SmallVector<Value> {
              Value xv = b.loadF32(x, {row, kk});
              return {b.addf(sums[0], b.mulf(xv, b.loadF32(wg, {f, kk}))),
                      b.addf(sums[1], b.mulf(xv, b.loadF32(wu, {f, kk})))};
            });
        Value one = b.f32(1.0f);
        Value sigmoid =
            b.divf(one, b.addf(one, b.exp(arith::NegFOp::create(b, dots[0]))));
        b.storeF32(b.mulf(b.mulf(dots[0], sigmoid), dots[1]), y, {row, f});
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    rewriter.eraseOp(gate);
    rewriter.eraseOp(up);
    return success();
  }
};
struct FuseRMSNormIntoLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    auto norm = op.getInput().getDefiningOp<RMSNormOp>();
    if (!norm || norm.getInput().getType().getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input is not an rms_norm");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(norm.getInput());
    Value gamma = b.buffer(norm.getWeight());
    Value weight = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, weight);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), k = b.dim(x, 1), n = b.dim(weight, 0);
    Value widthF = arith::UIToFPOp::create(
        b, b.getF32Type(), arith::IndexCastOp::create(b, b.getI64Type(), k));
    float epsilon = norm.getEpsilon().convertToFloat();
    // The norm rounds to its storage type before the projection reads it.
    Type normElement = norm.getOutput().getType().getElementType();
    const int64_t block = 16;
    b.parallel({b.divUp(n, block), rows}, [&](ValueRange ivs) {
      Value row = ivs[1], n0 = b.mul(ivs[0], b.index(block));
      Value n1 = b.min(n, b.add(n0, b.index(block)));
      Value sq = b.forLoop(b.index(0), k, ValueRange{b.f32(0.0f)},
                           [&](Value c, ValueRange s) -> SmallVector<Value> {
                             Value v = b.loadF32(x, {row, c});
                             return {b.addf(s[0], b.mulf(v, v))};
                           })[0];
      Value inv =
          math::RsqrtOp::create(b, b.addf(b.divf(sq, widthF), b.f32(epsilon)));
      b.forLoop(n0, n1, [&](Value col) {
        Value init = bias ? b.loadF32(bias, {col}) : b.f32(0.0f);
        Value dot = b.forLoop(
            b.index(0), k, ValueRange{init},
            [&](Value kk, ValueRange sum) -> SmallVector<Value> {
              Value v = b.mulf(b.mulf(b.loadF32(x, {row, kk}), inv),
                               b.loadF32(gamma, {kk}));
              if (!normElement.isF32())
                v = arith::ExtFOp::create(
                    b, b.getF32Type(),
                    arith::TruncFOp::create(b, normElement, v).getResult());
              return {b.addf(sum[0], b.mulf(v, b.loadF32(weight, {col, kk})))};
            })[0];
        b.storeF32(dot, y, {row, col});
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};
} // namespace

void seq::populateFusedToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseGatedMLP>(patterns.getContext());
}

void seq::populateFusedNormToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseRMSNormIntoLinear>(patterns.getContext());
}
