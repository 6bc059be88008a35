//===- ConvToLoops.cpp - short causal convolution as parallel loops -------===//
//
// This file lowers seq.causal_conv1d. Independent tiles are the (batch,
// time) rows of the output and the (batch, slot) rows of the final state;
// within a row the taps are unrolled (K is static) and the innermost loop
// runs over the contiguous channels, so LLVM vectorises it. Rows whose
// window reaches before the input (t < K-1, every decode step) read the
// state (or zeros) tap by tap, with the branch outside the channel loop.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
struct CausalConv1dLowering : OpRewritePattern<CausalConv1dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CausalConv1dOp op,
                                PatternRewriter &rewriter) const override {
    int64_t K = op.getWeight().getType().getDimSize(1);
    if (ShapedType::isDynamic(K) || K < 1)
      return rewriter.notifyMatchFailure(op, "needs a static kernel size");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value weight = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    Value state = op.getState() ? b.buffer(op.getState()) : Value();
    bool silu = op.getSilu();
    RankedTensorType outType = op.getOutput().getType();
    RankedTensorType stateType = op.getFinalState().getType();
    Value batch = b.dim(input, 0), steps = b.dim(input, 1);
    Value channels = b.dim(input, 2);
    SmallVector<Value> outDynamic, stateDynamic;
    for (int64_t d = 0; d < 3; ++d)
      if (outType.isDynamicDim(d))
        outDynamic.push_back(b.dim(input, d));
    Value output = b.allocResult(outType, outDynamic);
    if (stateType.isDynamicDim(0))
      stateDynamic.push_back(batch);
    if (stateType.isDynamicDim(2))
      stateDynamic.push_back(channels);
    Value finalState = b.allocResult(stateType, stateDynamic);
    Value zero = b.index(0), history = b.index(K - 1);

    auto activate = [&](Value y) -> Value {
      if (!silu)
        return y;
      Value f1 = b.f32(1.0f);
      return b.mulf(y,
                    b.divf(f1, b.addf(f1, b.exp(arith::NegFOp::create(b, y)))));
    };
    auto initial = [&](Value c) -> Value {
      return bias ? b.loadF32(bias, {c}) : b.f32(0.0f);
    };

    // Output rows.
    b.parallel({batch, steps}, [&](ValueRange ivs) {
      Value bi = ivs[0], t = ivs[1];
      Value full = b.cmp(arith::CmpIPredicate::sge, t, history);
      auto branch = scf::IfOp::create(b, full, /*withElseRegion=*/true);
      {
        // The whole window lies in the input: one pass over the channels.
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&branch.getThenRegion().front());
        Value first = b.sub(t, history);
        b.forLoop(zero, channels, [&](Value c) {
          Value acc = initial(c);
          for (int64_t k = 0; k < K; ++k) {
            Value x = b.loadF32(input, {bi, b.add(first, b.index(k)), c});
            acc = b.addf(acc, b.mulf(b.loadF32(weight, {c, b.index(k)}), x));
          }
          b.storeF32(activate(acc), output, {bi, t, c});
        });
      }
      {
        // The window starts in the state: accumulate tap by tap in the
        // output row, each tap reading the input or the state.
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&branch.getElseRegion().front());
        b.forLoop(zero, channels,
                  [&](Value c) { b.storeF32(initial(c), output, {bi, t, c}); });
        for (int64_t k = 0; k < K; ++k) {
          Value kIdx = b.index(k);
          Value j = b.add(t, kIdx); // position in concat(state, input)
          Value fromInput = b.cmp(arith::CmpIPredicate::sge, j, history);
          auto tap = scf::IfOp::create(b, fromInput, /*withElseRegion=*/true);
          auto accumulate = [&](Value source, Value row) {
            b.forLoop(zero, channels, [&](Value c) {
              Value x = b.loadF32(source, {bi, row, c});
              // One op per statement, in the order gcc created them
              // (README.md, "Same output from every host compiler").
              Value w = b.loadF32(weight, {c, kIdx});
              Value product = b.mulf(w, x);
              Value partial = b.loadF32(output, {bi, t, c});
              Value acc = b.addf(partial, product);
              b.storeF32(acc, output, {bi, t, c});
            });
          };
          OpBuilder::InsertionGuard tapGuard(b);
          b.setInsertionPointToStart(&tap.getThenRegion().front());
          accumulate(input, b.sub(j, history));
          if (state) {
            b.setInsertionPointToStart(&tap.getElseRegion().front());
            accumulate(state, j);
          }
        }
        if (silu)
          b.forLoop(zero, channels, [&](Value c) {
            b.storeF32(activate(b.loadF32(output, {bi, t, c})), output,
                       {bi, t, c});
          });
      }
    });

    // Final state: slot r holds concat(state, input)[S + r].
    if (K > 1)
      b.parallel({batch, history}, [&](ValueRange ivs) {
        Value bi = ivs[0], r = ivs[1];
        Value j = b.add(steps, r);
        Value fromInput = b.cmp(arith::CmpIPredicate::sge, j, history);
        auto branch = scf::IfOp::create(b, fromInput, /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&branch.getThenRegion().front());
        Value row = b.sub(j, history);
        b.forLoop(zero, channels, [&](Value c) {
          b.storeF32(b.loadF32(input, {bi, row, c}), finalState, {bi, r, c});
        });
        b.setInsertionPointToStart(&branch.getElseRegion().front());
        b.forLoop(zero, channels, [&](Value c) {
          Value v = state ? b.loadF32(state, {bi, j, c}) : b.f32(0.0f);
          b.storeF32(v, finalState, {bi, r, c});
        });
      });
    rewriter.replaceOp(
        op, {b.toTensor(output, outType), b.toTensor(finalState, stateType)});
    return success();
  }
};
} // namespace

void mlir::seq::populateConvToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<CausalConv1dLowering>(patterns.getContext());
}
