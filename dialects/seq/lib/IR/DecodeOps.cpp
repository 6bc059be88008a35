//===- DecodeOps.cpp - sampling and decode-loop operations ----------------===//
//
// This file implements verification and canonicalization of seq.sample and
// seq.decode_loop.
//
//===----------------------------------------------------------------------===//

#include "SpeculativeVerify.h"
#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

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
  if (vocab == 0)
    return emitOpError() << "expects body to yield logits over a non-empty "
                            "vocabulary (V > 0)";
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

//===----------------------------------------------------------------------===//
// SpeculativeDecodeLoopOp
//===----------------------------------------------------------------------===//

YieldOp SpeculativeDecodeLoopOp::getDraftYield() {
  return cast<YieldOp>(getDraft().front().getTerminator());
}

YieldOp SpeculativeDecodeLoopOp::getVerifyYield() {
  return cast<YieldOp>(getVerify().front().getTerminator());
}

RankedTensorType
SpeculativeDecodeLoopOp::getPerStepType(RankedTensorType stateType) {
  SmallVector<int64_t> shape(stateType.getShape());
  shape.insert(shape.begin() + 1,
               static_cast<int64_t>(getNumSpeculativeTokens()) + 1);
  return RankedTensorType::get(shape, stateType.getElementType());
}

// The draft region is inlined K + 1 times per verify step.
static constexpr int64_t kMaxSpeculativeTokens = 64;

LogicalResult SpeculativeDecodeLoopOp::verify() {
  if (failed(
          verifySpeculativeLoop(getOperation(), speculativeLoopParts(*this))))
    return failure();
  if (getNumSpeculativeTokens() > kMaxSpeculativeTokens)
    return emitOpError() << "expects num_speculative_tokens at most "
                         << kMaxSpeculativeTokens << ", got "
                         << getNumSpeculativeTokens();
  int64_t batch = getFirstTokens().getType().getDimSize(0);
  // Adaptive K was a discardable hint before it became an attribute with a
  // result: old IR is refused rather than run with a fixed K unnoticed.
  if ((*this)->hasAttr("seq.adaptive_k"))
    return emitOpError() << "expects the adaptive_k attribute and a "
                            "num_drafted result (`drafted(...)`) instead of "
                            "the former seq.adaptive_k hint";
  if (static_cast<bool>(getNumDrafted()) != getAdaptiveK())
    return emitOpError() << "expects the num_drafted result exactly with "
                            "adaptive_k";
  if (Value drafted = getNumDrafted();
      drafted && failed(verifyShape(getOperation(),
                                    cast<RankedTensorType>(drafted.getType()),
                                    {batch}, "num_drafted [B]")))
    return failure();
  // The draft state is selected per row at the accepted length.
  for (auto [i, type] : llvm::enumerate(getDraftInit().getTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    if (tensor.getRank() < 1 || !extentsCompatible(tensor.getDimSize(0), batch))
      return emitOpError() << "expects draft state #" << i
                           << " to have the batch (" << formatExtent(batch)
                           << ") as dim 0, got " << type;
  }
  return success();
}

/// Checks `block`'s arguments (tokens [B, S], positions [B, S], state...)
/// and that its yield starts with float logits [B, S, V]; returns V's type.
static FailureOr<RankedTensorType>
verifyStepRegion(SpeculativeDecodeLoopOp op, Block &block, StringRef name,
                 int64_t steps, TypeRange stateTypes) {
  RankedTensorType firstType = op.getFirstTokens().getType();
  auto stepTokens = RankedTensorType::get({firstType.getDimSize(0), steps},
                                          firstType.getElementType());
  SmallVector<Type> expectedArgs{stepTokens, stepTokens};
  llvm::append_range(expectedArgs, stateTypes);
  if (block.getArgumentTypes() != TypeRange(expectedArgs)) {
    op.emitOpError() << "expects " << name
                     << " to take (tokens, positions, state...) of types "
                     << formatTypes(expectedArgs) << ", got "
                     << formatTypes(block.getArgumentTypes());
    return failure();
  }
  FailureOr<RankedTensorType> logitsType =
      verifyLogitsYield(op, block, name, firstType.getDimSize(0), steps);
  if (failed(logitsType))
    return failure();
  ValueRange yielded = cast<YieldOp>(block.getTerminator()).getValues();
  if (yielded.size() != stateTypes.size() + 1) {
    op.emitOpError() << "expects " << name << " to yield " << stateTypes.size()
                     << " state values after the logits, got "
                     << yielded.size() - 1;
    return failure();
  }
  return logitsType;
}

LogicalResult SpeculativeDecodeLoopOp::verifyRegions() {
  int64_t k = getNumSpeculativeTokens();
  FailureOr<RankedTensorType> draftLogits = verifyStepRegion(
      *this, getDraft().front(), "draft", 1, getDraftInit().getTypes());
  if (failed(draftLogits))
    return failure();
  if (getDraftYield().getValues().drop_front().getTypes() !=
      getDraftInit().getTypes())
    return emitOpError()
           << "expects draft to yield the draft state of types "
           << formatTypes(getDraftInit().getTypes())
           << " after the logits, got "
           << formatTypes(getDraftYield().getValues().drop_front().getTypes());
  FailureOr<RankedTensorType> verifyLogits = verifyStepRegion(
      *this, getVerify().front(), "verify", k + 1, getVerifyInit().getTypes());
  if (failed(verifyLogits))
    return failure();
  if (!extentsCompatible(draftLogits->getDimSize(2),
                         verifyLogits->getDimSize(2)))
    return emitOpError() << "expects draft and verify logits over the same "
                            "vocabulary, got "
                         << formatExtent(draftLogits->getDimSize(2)) << " and "
                         << formatExtent(verifyLogits->getDimSize(2));
  for (auto [i, pair] : llvm::enumerate(
           llvm::zip(getVerifyInit().getTypes(),
                     getVerifyYield().getValues().drop_front().getTypes()))) {
    auto [stateType, resultType] = pair;
    if (stateType == resultType)
      continue;
    auto state = cast<RankedTensorType>(stateType);
    if (state.getRank() >= 1 && resultType == getPerStepType(state))
      continue;
    return emitOpError() << "expects verify state result #" << i
                         << " to be the new state " << stateType
                         << " or the state after each of the K + 1 tokens "
                         << (state.getRank() >= 1
                                 ? formatShape(getPerStepType(state).getShape())
                                 : std::string("[B, K + 1, ...]"))
                         << ", got " << resultType;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// NgramDraftOp
//===----------------------------------------------------------------------===//

LogicalResult NgramDraftOp::verify() {
  Operation *op = getOperation();
  RankedTensorType historyType = getHistory().getType();
  if (failed(verifyRank(op, historyType, 2, "history", "[B, L]")))
    return failure();
  int64_t batch = historyType.getDimSize(0);
  if (failed(verifyShape(op, getLengths().getType(), {batch}, "lengths [B]")) ||
      failed(verifyShape(op, getTokens().getType(), {batch}, "tokens [B]")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// BeamSearchLoopOp
//===----------------------------------------------------------------------===//

YieldOp BeamSearchLoopOp::getBodyYield() {
  return cast<YieldOp>(getBody().front().getTerminator());
}

/// Beams per item: bounded so that B * beams * V and the candidate
/// buffers stay far from overflow.
static constexpr int64_t kMaxBeams = 1024;

/// `a * b`, or dynamic when either is.
static int64_t mulExtents(int64_t a, int64_t b) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b))
    return ShapedType::kDynamic;
  return a * b;
}

/// The paged form: `block_table` names a state `[rows, MaxBlocks]` i32,
/// `paged_caches` distinct other states `[NumBlocks, H, BlockSize, D]` with
/// one NumBlocks and BlockSize, the table wide enough for max_new_tokens
/// and the pool large enough for every beam's own generated blocks.
LogicalResult BeamSearchLoopOp::verifyPagedState(int64_t rows) {
  ArrayRef<int64_t> paged = getPagedCaches();
  std::optional<uint64_t> tableIndex = getBlockTable();
  if (!tableIndex) {
    if (!paged.empty())
      return emitOpError("expects a block_table (the state operand holding "
                         "the block table) with paged_caches");
    return success();
  }
  int64_t numState = getInitState().size();
  if (static_cast<int64_t>(*tableIndex) >= numState)
    return emitOpError() << "expects block_table to name a state operand (0 .. "
                         << numState - 1 << "), got " << *tableIndex;
  if (paged.empty())
    return emitOpError("expects paged_caches (the state operands read "
                       "through the block table) with a block_table");
  auto table = cast<RankedTensorType>(getInitState()[*tableIndex].getType());
  if (table.getRank() != 2 || !table.getElementType().isInteger(32) ||
      !extentsCompatible(table.getDimSize(0), rows))
    return emitOpError() << "expects the block table (state #" << *tableIndex
                         << ") to be [B * num_beams, MaxBlocks] = ["
                         << formatExtent(rows) << ", MaxBlocks] i32, got "
                         << table;
  int64_t numBlocks = ShapedType::kDynamic, blockSize = ShapedType::kDynamic;
  for (auto [n, index] : llvm::enumerate(paged)) {
    if (index < 0 || index >= numState ||
        index == static_cast<int64_t>(*tableIndex) ||
        llvm::is_contained(paged.take_front(n), index))
      return emitOpError() << "expects paged_caches to name distinct state "
                              "operands other than the block table (0 .. "
                           << numState - 1 << "), got " << index;
    auto type = cast<RankedTensorType>(getInitState()[index].getType());
    if (type.getRank() != 4)
      return emitOpError() << "expects paged cache (state #" << index
                           << ") of rank 4 ([NumBlocks, H, BlockSize, D]), "
                              "got "
                           << type;
    if (n == 0) {
      numBlocks = type.getDimSize(0);
      blockSize = type.getDimSize(2);
    } else if (!extentsCompatible(type.getDimSize(0), numBlocks) ||
               !extentsCompatible(type.getDimSize(2), blockSize)) {
      return emitOpError() << "expects every paged cache to have the "
                              "NumBlocks and BlockSize of state #"
                           << paged[0] << " (" << formatExtent(numBlocks)
                           << ", " << formatExtent(blockSize) << "), got "
                           << type << " for state #" << index;
    }
  }
  if (blockSize == 0)
    return emitOpError("expects paged caches with BlockSize > 0");
  int64_t maxNew = getMaxNewTokens();
  int64_t maxBlocks = table.getDimSize(1);
  if (!ShapedType::isDynamic(maxBlocks) && !ShapedType::isDynamic(blockSize) &&
      maxBlocks * blockSize < maxNew)
    return emitOpError() << "expects the block table to address at least "
                            "max_new_tokens ("
                         << maxNew << ") positions, got MaxBlocks * BlockSize"
                         << " = " << maxBlocks << " * " << blockSize;
  // With constant start positions the prompts are known: the longest
  // must fit the table, and its full blocks stay held on top of the
  // beams' own (items may share their prefix blocks, so only the longest
  // prompt's count for sure).
  int64_t longest = -1;
  DenseIntElementsAttr starts;
  if (matchPattern(getStartPositions(), m_Constant(&starts)))
    for (const APInt &start : starts.getValues<APInt>())
      longest = std::max(longest, start.getSExtValue());
  if (longest > 0 && !ShapedType::isDynamic(maxBlocks) &&
      !ShapedType::isDynamic(blockSize) &&
      (longest + blockSize - 1) / blockSize > maxBlocks)
    return emitOpError() << "expects the block table to hold the prompt: "
                            "start_positions (a constant) has a prompt of "
                         << longest << " positions, "
                         << (longest + blockSize - 1) / blockSize
                         << " blocks of " << blockSize
                         << " slots, more than MaxBlocks = " << maxBlocks;
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(blockSize) ||
      ShapedType::isDynamic(numBlocks))
    return success();
  int64_t perBeam = (blockSize - 1 + maxNew + blockSize - 1) / blockSize;
  if (numBlocks < rows * perBeam)
    return emitOpError()
           << "expects a block pool of at least B * num_beams * "
              "ceil((BlockSize - 1 + max_new_tokens) / BlockSize) = "
           << rows << " * " << perBeam << " = " << rows * perBeam
           << " blocks (every beam's own blocks for its generated tokens; "
              "the prompt's full blocks are shared), got NumBlocks = "
           << numBlocks;
  if (longest > 0 && numBlocks < rows * perBeam + longest / blockSize)
    return emitOpError()
           << "expects a block pool of at least B * num_beams * "
              "ceil((BlockSize - 1 + max_new_tokens) / BlockSize) + "
              "floor(prompt / BlockSize) = "
           << rows << " * " << perBeam << " + " << longest / blockSize << " = "
           << rows * perBeam + longest / blockSize
           << " blocks with the constant start_positions (the longest "
              "prompt, "
           << longest << " positions, holds its full blocks), got NumBlocks = "
           << numBlocks;
  return success();
}

LogicalResult BeamSearchLoopOp::verify() {
  Operation *op = getOperation();
  if (getMaxNewTokens() > kMaxNewTokens)
    return emitOpError() << "expects max_new_tokens at most " << kMaxNewTokens
                         << ", got " << getMaxNewTokens();
  int64_t beams = getNumBeams();
  if (beams > kMaxBeams)
    return emitOpError() << "expects num_beams at most " << kMaxBeams
                         << ", got " << beams;
  RankedTensorType logitsType = getFirstLogits().getType();
  if (failed(verifyRank(op, logitsType, 2, "first_logits", "[B, V]")))
    return failure();
  int64_t batch = logitsType.getDimSize(0), vocab = logitsType.getDimSize(1);
  if (vocab == 0)
    return emitOpError() << "expects a non-empty vocabulary (V > 0)";
  int64_t candidates = getNumCandidates();
  if (!ShapedType::isDynamic(vocab) && candidates > beams * vocab)
    return emitOpError() << "expects num_beams * V (" << beams * vocab
                         << ") to be at least the candidates kept per step, "
                            "max(2, 1 + #eos) * num_beams = "
                         << candidates;
  int64_t maxNew = getMaxNewTokens();
  if (failed(verifyShape(op, getStartPositions().getType(), {batch},
                         "start_positions [B]")) ||
      failed(verifyShape(op, getSequences().getType(), {batch, beams, maxNew},
                         "sequences [B, num_beams, max_new_tokens]")) ||
      failed(verifyShape(op, getScores().getType(), {batch, beams},
                         "scores [B, num_beams]")) ||
      failed(verifyShape(op, getLengths().getType(), {batch, beams},
                         "lengths [B, num_beams]")))
    return failure();
  int64_t rows = mulExtents(batch, beams);
  if (failed(verifyPagedState(rows)))
    return failure();
  for (auto [i, state] : llvm::enumerate(getInitState())) {
    if (llvm::is_contained(getPagedCaches(), static_cast<int64_t>(i)))
      continue;
    auto type = cast<RankedTensorType>(state.getType());
    if (type.getRank() == 0 || !extentsCompatible(type.getDimSize(0), rows))
      return emitOpError()
             << "expects every state tensor to have B * num_beams = "
             << formatExtent(rows) << " rows in dim 0 (the beam reorder "
             << "gathers dim 0; a paged cache, whose dim 0 counts blocks, "
             << "is named in paged_caches), got " << type << " for state #"
             << i;
  }
  for (int64_t id : getEosTokenIds()) {
    if (id < 0)
      return emitOpError() << "expects non-negative eos_token_ids, got " << id;
    if (!ShapedType::isDynamic(vocab) && id >= vocab)
      return emitOpError() << "expects eos_token_ids inside the vocabulary ("
                           << vocab << "), got " << id;
  }
  if (int64_t pad = getPadTokenIdAttr().getInt(); pad < 0 || pad > INT32_MAX)
    return emitOpError() << "expects a pad_token_id in [0, 2^31), got " << pad;
  double penalty = getLengthPenalty().convertToDouble();
  if (!std::isfinite(penalty))
    return emitOpError() << "expects a finite length_penalty, got " << penalty;
  StringRef early = getEarlyStopping();
  if (early != "false" && early != "true" && early != "never")
    return emitOpError()
           << "expects early_stopping to be \"false\", \"true\" "
              "or \"never\" (transformers' early_stopping), got \""
           << early << "\"";
  return success();
}

LogicalResult BeamSearchLoopOp::verifyRegions() {
  Block &body = getBody().front();
  RankedTensorType logitsType = getFirstLogits().getType();
  int64_t rows = mulExtents(logitsType.getDimSize(0), getNumBeams());
  auto stepTokens = RankedTensorType::get(
      {rows, 1}, getStartPositions().getType().getElementType());
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
    return emitOpError("expects body to yield logits [B * num_beams, 1, V] "
                       "first");
  auto stepLogits = dyn_cast<RankedTensorType>(yielded[0].getType());
  if (!stepLogits || stepLogits.getRank() != 3 ||
      !isa<FloatType>(stepLogits.getElementType()) ||
      !shapesCompatible(stepLogits.getShape(),
                        {rows, 1, logitsType.getDimSize(1)}))
    return emitOpError() << "expects body to yield float logits [B * "
                            "num_beams, 1, V] = "
                         << formatShape({rows, 1, logitsType.getDimSize(1)})
                         << " first, got " << yielded[0].getType();
  if (yielded.drop_front().getTypes() != getInitState().getTypes())
    return emitOpError() << "expects body to yield the carried state of types "
                         << formatTypes(getInitState().getTypes())
                         << " after the logits, got "
                         << formatTypes(yielded.drop_front().getTypes());
  if (std::optional<uint64_t> table = getBlockTable();
      table && yielded[1 + *table] != body.getArgument(2 + *table))
    return emitOpError() << "expects the body to yield its block table "
                            "argument unchanged (state #"
                         << *table << ": the loop owns the table)";
  return success();
}
