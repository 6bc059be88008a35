//===- DecodeOps.cpp - sampling and decode-loop operations ----------------===//
//
// This file implements verification and canonicalization of seq.sample and
// seq.decode_loop.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqDecodeOps.cpp.inc"

//===----------------------------------------------------------------------===//
// SampleOp
//===----------------------------------------------------------------------===//

LogicalResult SampleOp::verify() {
  Operation *op = getOperation();
  RankedTensorType logitsType = getLogits().getType();
  if (failed(verifyRank(op, logitsType, 2, "logits", "[B, V]")))
    return failure();
  if (failed(verifyShape(op, getTokens().getType(), {logitsType.getDimSize(0)},
                         "tokens [B]")))
    return failure();
  int64_t vocab = logitsType.getDimSize(1);
  if (vocab == 0)
    return emitOpError() << "expects a non-empty vocabulary (V > 0)";
  int64_t topK = getSampling().getTopK();
  if (!ShapedType::isDynamic(vocab) && topK > vocab)
    return emitOpError() << "expects top_k (" << topK
                         << ") to be at most the vocabulary size (" << vocab
                         << ")";
  return success();
}

namespace {
/// Sampling from the single most likely token is greedy decoding.
struct TopOneIsGreedy : OpRewritePattern<SampleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SampleOp op,
                                PatternRewriter &rewriter) const override {
    SamplingAttr sampling = op.getSampling();
    if (sampling.getTopK() != 1 || sampling.isGreedy())
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.setSamplingAttr(SamplingAttr::get(op.getContext(), APFloat(0.0f),
                                           /*top_k=*/0, APFloat(1.0f)));
    });
    return success();
  }
};
} // namespace

void SampleOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<TopOneIsGreedy>(context);
}

//===----------------------------------------------------------------------===//
// DecodeLoopOp
//===----------------------------------------------------------------------===//

YieldOp DecodeLoopOp::getBodyYield() {
  return cast<YieldOp>(getBody().front().getTerminator());
}

static constexpr int64_t kMaxNewTokens = int64_t(1) << 24;

LogicalResult DecodeLoopOp::verify() {
  Operation *op = getOperation();
  // The tokens buffer is [B, max_new_tokens] i32: bounded so that its size
  // cannot overflow (2^24 tokens, far beyond any context).
  if (getMaxNewTokens() > kMaxNewTokens)
    return emitOpError() << "expects max_new_tokens at most " << kMaxNewTokens
                         << ", got " << getMaxNewTokens();
  RankedTensorType firstType = getFirstTokens().getType();
  if (failed(verifyRank(op, firstType, 1, "first_tokens", "[B]")))
    return failure();
  int64_t batch = firstType.getDimSize(0);
  if (failed(verifyShape(op, getStartPositions().getType(), {batch},
                         "start_positions [B]")) ||
      failed(verifyShape(op, getTokens().getType(),
                         {batch, static_cast<int64_t>(getMaxNewTokens())},
                         "tokens [B, max_new_tokens]")) ||
      failed(verifyShape(op, getNumGenerated().getType(), {batch},
                         "num_generated [B]")))
    return failure();
  if (getFinalState().getTypes() != getInitState().getTypes())
    return emitOpError() << "expects final_state types "
                         << formatTypes(getFinalState().getTypes())
                         << " to match init_state types "
                         << formatTypes(getInitState().getTypes());
  for (int64_t id : getEosTokenIds())
    if (id < 0)
      return emitOpError() << "expects non-negative eos_token_ids, got " << id;
  if (int64_t pad = getPadTokenIdAttr().getInt(); pad < 0)
    return emitOpError() << "expects a non-negative pad_token_id, got " << pad;
  return success();
}

LogicalResult DecodeLoopOp::verifyRegions() {
  Block &body = getBody().front();
  auto stepTokens =
      RankedTensorType::get({getFirstTokens().getType().getDimSize(0), 1},
                            getFirstTokens().getType().getElementType());
  SmallVector<Type> expectedArgs{stepTokens, stepTokens};
  llvm::append_range(expectedArgs, getInitState().getTypes());
  if (body.getArgumentTypes() != TypeRange(expectedArgs))
    return emitOpError() << "expects body to take (tokens, positions, "
                            "state...) of types "
                         << formatTypes(expectedArgs) << ", got "
                         << formatTypes(body.getArgumentTypes());
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("expects the body to end in seq.yield");
  ValueRange yielded = yield.getValues();
  if (yielded.empty())
    return emitOpError("expects body to yield logits [B, 1, V] first");
  auto logitsType = dyn_cast<RankedTensorType>(yielded[0].getType());
  if (!logitsType || logitsType.getRank() != 3 ||
      !isa<FloatType>(logitsType.getElementType()) ||
      !shapesCompatible(logitsType.getShape().drop_back(),
                        stepTokens.getShape()))
    return emitOpError() << "expects body to yield float logits [B, 1, V] "
                            "first, got "
                         << yielded[0].getType();
  int64_t vocab = logitsType.getDimSize(2);
  int64_t topK = getSampling().getTopK();
  if (!ShapedType::isDynamic(vocab) && topK > vocab)
    return emitOpError() << "expects sampling top_k (" << topK
                         << ") to be at most the vocabulary size (" << vocab
                         << ")";
  if (yielded.drop_front().getTypes() != getInitState().getTypes())
    return emitOpError() << "expects body to yield the carried state of types "
                         << formatTypes(getInitState().getTypes())
                         << " after the logits, got "
                         << formatTypes(yielded.drop_front().getTypes());
  return success();
}
