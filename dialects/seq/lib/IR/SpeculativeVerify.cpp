//===- SpeculativeVerify.cpp - checks shared by speculative loops ---------===//
//
// This file implements the verifier parts shared by
// seq.speculative_decode_loop and seq.tree_speculative_decode_loop.
//
//===----------------------------------------------------------------------===//

#include "SpeculativeVerify.h"

using namespace mlir;
using namespace mlir::seq;

/// Generated tokens: the loops index them with i32 counters.
static constexpr int64_t kMaxNewTokens = int64_t(1) << 24;

LogicalResult seq::verifySpeculativeLoop(Operation *op,
                                         const SpeculativeLoopParts &parts) {
  auto emitOpError = [&] { return op->emitOpError(); };
  if (parts.maxNewTokens > kMaxNewTokens)
    return emitOpError() << "expects max_new_tokens at most " << kMaxNewTokens
                         << ", got " << parts.maxNewTokens;
  if (failed(verifyRank(op, parts.firstTokens, 1, "first_tokens", "[B]")))
    return failure();
  int64_t batch = parts.firstTokens.getDimSize(0);
  if (failed(verifyShape(op, parts.startPositions, {batch},
                         "start_positions [B]")) ||
      failed(verifyShape(op, parts.tokens, {batch, parts.maxNewTokens},
                         "tokens [B, max_new_tokens]")) ||
      failed(
          verifyShape(op, parts.numGenerated, {batch}, "num_generated [B]")) ||
      failed(verifyShape(op, parts.numVerifySteps, {batch},
                         "num_verify_steps [B]")) ||
      failed(verifyShape(op, parts.numAccepted, {batch}, "num_accepted [B]")))
    return failure();
  if (parts.draftFinal != parts.draftInit)
    return emitOpError() << "expects draft_final types "
                         << formatTypes(parts.draftFinal)
                         << " to match draft_init types "
                         << formatTypes(parts.draftInit);
  if (parts.verifyFinal != parts.verifyInit)
    return emitOpError() << "expects verify_final types "
                         << formatTypes(parts.verifyFinal)
                         << " to match verify_init types "
                         << formatTypes(parts.verifyInit);
  for (int64_t id : parts.eosTokenIds)
    if (id < 0)
      return emitOpError() << "expects non-negative eos_token_ids, got " << id;
  if (parts.padTokenId < 0)
    return emitOpError() << "expects a non-negative pad_token_id, got "
                         << parts.padTokenId;
  return success();
}

FailureOr<RankedTensorType> seq::verifyLogitsYield(Operation *op, Block &block,
                                                   StringRef name,
                                                   int64_t batch,
                                                   int64_t steps) {
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield) {
    op->emitOpError() << "expects " << name << " to end in seq.yield";
    return failure();
  }
  ValueRange yielded = yield.getValues();
  auto logitsType = yielded.empty()
                        ? RankedTensorType()
                        : dyn_cast<RankedTensorType>(yielded[0].getType());
  if (!logitsType || logitsType.getRank() != 3 ||
      !isa<FloatType>(logitsType.getElementType()) ||
      !shapesCompatible(logitsType.getShape().drop_back(), {batch, steps})) {
    InFlightDiagnostic diag =
        op->emitOpError() << "expects " << name << " to yield float logits "
                          << formatShape({batch, steps, ShapedType::kDynamic})
                          << " first, got ";
    if (yielded.empty())
      diag << "nothing";
    else
      diag << yielded[0].getType();
    return failure();
  }
  if (logitsType.getDimSize(2) == 0) {
    op->emitOpError() << "expects " << name
                      << " to yield logits over a non-empty vocabulary (V > 0)";
    return failure();
  }
  return logitsType;
}
