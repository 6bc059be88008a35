//===- TreeDecodeOps.cpp - tree speculative decoding operations -----------===//
//
// This file implements verification of seq.tree_speculative_decode_loop and
// seq.ngram_tree_draft, whose static draft tree is a list of parent indices.
//
//===----------------------------------------------------------------------===//

#include "SpeculativeVerify.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;
using namespace mlir::seq;

/// Tree nodes: the verify region and the compaction are unrolled over them.
static constexpr int64_t kMaxTreeNodes = 256;

/// Checks that `parents` is a tree of 1 .. N nodes below a root 0, each
/// parent before its child.
static LogicalResult verifyTreeParents(Operation *op,
                                       ArrayRef<int64_t> parents) {
  if (parents.empty())
    return op->emitOpError() << "expects a non-empty tree_parents";
  if (static_cast<int64_t>(parents.size()) > kMaxTreeNodes)
    return op->emitOpError() << "expects at most " << kMaxTreeNodes
                             << " tree nodes, got " << parents.size();
  for (auto [i, parent] : llvm::enumerate(parents)) {
    auto node = static_cast<int64_t>(i) + 1;
    if (parent < 0 || parent >= node)
      return op->emitOpError()
             << "expects tree_parents[" << i << "] (the parent of node " << node
             << ") in [0, " << node - 1 << "], got " << parent;
  }
  return success();
}

/// depth(0) = 0, depth(i) = depth(parents[i - 1]) + 1.
static SmallVector<int64_t> treeDepths(ArrayRef<int64_t> parents) {
  SmallVector<int64_t> depths{0};
  for (int64_t parent : parents)
    depths.push_back(depths[parent] + 1);
  return depths;
}

//===----------------------------------------------------------------------===//
// TreeSpeculativeDecodeLoopOp
//===----------------------------------------------------------------------===//

YieldOp TreeSpeculativeDecodeLoopOp::getDraftYield() {
  return cast<YieldOp>(getDraft().front().getTerminator());
}

YieldOp TreeSpeculativeDecodeLoopOp::getVerifyYield() {
  return cast<YieldOp>(getVerify().front().getTerminator());
}

SmallVector<int64_t> TreeSpeculativeDecodeLoopOp::getNodeDepths() {
  return treeDepths(getTreeParents());
}

int64_t TreeSpeculativeDecodeLoopOp::getMaxDepth() {
  SmallVector<int64_t> depths = getNodeDepths();
  return *llvm::max_element(depths);
}

int64_t TreeSpeculativeDecodeLoopOp::getCacheDim(unsigned i) {
  if (std::optional<ArrayRef<int64_t>> dims = getCacheDims())
    return (*dims)[i];
  return 2;
}

LogicalResult TreeSpeculativeDecodeLoopOp::verify() {
  Operation *op = getOperation();
  if (failed(verifySpeculativeLoop(op, speculativeLoopParts(*this))) ||
      failed(verifyTreeParents(op, getTreeParents())))
    return failure();
  int64_t batch = getFirstTokens().getType().getDimSize(0);
  if (isSampled() && !getSeed())
    return emitOpError() << "expects a seed operand with sampled "
                            "verification (a non-greedy sampling)";
  size_t numVerify = getVerifyInit().size();
  if (std::optional<ArrayRef<int64_t>> dims = getCacheDims();
      dims && dims->size() != numVerify)
    return emitOpError() << "expects one cache_dims entry per verify state ("
                         << numVerify << "), got " << dims->size();
  // Compaction moves entries along the position dimension of each row.
  for (auto [i, type] : llvm::enumerate(getVerifyInit().getTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    int64_t dim = getCacheDim(i);
    if (tensor.getRank() < 2 || dim < 1 || dim >= tensor.getRank() ||
        !extentsCompatible(tensor.getDimSize(0), batch))
      return emitOpError()
             << "expects verify state #" << i
             << " to be position-addressed, with the batch ("
             << formatExtent(batch) << ") as dim 0 and positions in dim " << dim
             << " (recurrent state needs one state per branch and cannot be "
                "verified as a tree), got "
             << type;
  }
  return success();
}

LogicalResult TreeSpeculativeDecodeLoopOp::verifyRegions() {
  RankedTensorType firstType = getFirstTokens().getType();
  int64_t batch = firstType.getDimSize(0);
  int64_t nodes = getNumNodes();
  Type i32 = firstType.getElementType();
  auto stepType = [&](int64_t steps) {
    return RankedTensorType::get({batch, steps}, i32);
  };

  // draft(tokens [B, D + 1], positions [B, D + 1], state...) -> (tree, state)
  Block &draft = getDraft().front();
  SmallVector<Type> draftArgs{stepType(getMaxDepth() + 1),
                              stepType(getMaxDepth() + 1)};
  llvm::append_range(draftArgs, getDraftInit().getTypes());
  if (draft.getArgumentTypes() != TypeRange(draftArgs))
    return emitOpError() << "expects draft to take (tokens, positions, "
                            "state...) of types "
                         << formatTypes(draftArgs) << ", got "
                         << formatTypes(draft.getArgumentTypes());
  SmallVector<Type> draftResults{stepType(nodes)};
  llvm::append_range(draftResults, getDraftInit().getTypes());
  auto draftYield = dyn_cast<YieldOp>(draft.getTerminator());
  if (!draftYield)
    return emitOpError() << "expects draft to end in seq.yield";
  // Sampled verification: the draft may yield the logits each node was
  // drawn from, [B, N, V], after the tree.
  TypeRange draftYielded = draftYield.getValues().getTypes();
  RankedTensorType draftLogits;
  if (isSampled() && draftYielded.size() == draftResults.size() + 1) {
    draftLogits = dyn_cast<RankedTensorType>(draftYielded[1]);
    if (!draftLogits || draftLogits.getRank() != 3 ||
        !isa<FloatType>(draftLogits.getElementType()) ||
        !shapesCompatible(draftLogits.getShape().drop_back(), {batch, nodes}))
      return emitOpError() << "expects draft to yield float draft logits "
                           << formatShape({batch, nodes, ShapedType::kDynamic})
                           << " after the tree, got " << draftYielded[1];
    SmallVector<Type> withLogits(draftYielded);
    withLogits.erase(withLogits.begin() + 1);
    if (TypeRange(withLogits) != TypeRange(draftResults))
      return emitOpError() << "expects draft to yield (tree tokens, draft "
                              "logits, state...) with the tree and state of "
                              "types "
                           << formatTypes(draftResults) << ", got "
                           << formatTypes(draftYield.getValues().getTypes());
  } else if (draftYielded != TypeRange(draftResults)) {
    return emitOpError() << "expects draft to yield (tree tokens, "
                         << (isSampled() ? "[draft logits,] " : "")
                         << "state...) of types " << formatTypes(draftResults)
                         << ", got " << formatTypes(draftYielded);
  }

  // verify(tokens [B, N + 1], positions, tree_mask, state...)
  Block &verify = getVerify().front();
  SmallVector<Type> verifyArgs{
      stepType(nodes + 1), stepType(nodes + 1),
      RankedTensorType::get({nodes + 1, nodes + 1},
                            IntegerType::get(getContext(), 1))};
  llvm::append_range(verifyArgs, getVerifyInit().getTypes());
  if (verify.getArgumentTypes() != TypeRange(verifyArgs))
    return emitOpError() << "expects verify to take (tokens, positions, "
                            "tree_mask, state...) of types "
                         << formatTypes(verifyArgs) << ", got "
                         << formatTypes(verify.getArgumentTypes());
  FailureOr<RankedTensorType> verifyLogits =
      verifyLogitsYield(*this, verify, "verify", batch, nodes + 1);
  if (failed(verifyLogits))
    return failure();
  if (draftLogits && !extentsCompatible(draftLogits.getDimSize(2),
                                        verifyLogits->getDimSize(2)))
    return emitOpError() << "expects draft and verify logits over the same "
                            "vocabulary, got "
                         << formatExtent(draftLogits.getDimSize(2)) << " and "
                         << formatExtent(verifyLogits->getDimSize(2));
  ValueRange yielded = getVerifyYield().getValues();
  if (yielded.drop_front().getTypes() != getVerifyInit().getTypes())
    return emitOpError() << "expects verify to yield the verify state of "
                            "types "
                         << formatTypes(getVerifyInit().getTypes())
                         << " after the logits, got "
                         << formatTypes(yielded.drop_front().getTypes());
  return success();
}

//===----------------------------------------------------------------------===//
// NgramTreeDraftOp
//===----------------------------------------------------------------------===//

LogicalResult NgramTreeDraftOp::verify() {
  Operation *op = getOperation();
  if (failed(verifyTreeParents(op, getTreeParents())))
    return failure();
  RankedTensorType historyType = getHistory().getType();
  if (failed(verifyRank(op, historyType, 2, "history", "[B, L]")))
    return failure();
  int64_t batch = historyType.getDimSize(0);
  if (failed(verifyShape(op, getLengths().getType(), {batch}, "lengths [B]")) ||
      failed(verifyShape(op, getTokens().getType(),
                         {batch, static_cast<int64_t>(getTreeParents().size())},
                         "tokens [B, N]")))
    return failure();
  return success();
}
