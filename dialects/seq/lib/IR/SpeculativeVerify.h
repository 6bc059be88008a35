//===- SpeculativeVerify.h - checks shared by speculative loops -*- C++ -*-===//
//
// The verifier parts that seq.speculative_decode_loop (a chain of drafts)
// and seq.tree_speculative_decode_loop (a tree) have in common: the loop
// operands and counters, the final state types, EOS and padding ids, and a
// region's yield of float logits first.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_LIB_IR_SPECULATIVEVERIFY_H
#define SEQ_LIB_IR_SPECULATIVEVERIFY_H

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

namespace mlir {
namespace seq {

/// What the two loops' verifiers check alike.
struct SpeculativeLoopParts {
  int64_t maxNewTokens;
  RankedTensorType firstTokens, startPositions;
  RankedTensorType tokens, numGenerated, numVerifySteps, numAccepted;
  TypeRange draftInit, draftFinal, verifyInit, verifyFinal;
  llvm::ArrayRef<int64_t> eosTokenIds;
  int64_t padTokenId;
};

/// Checks max_new_tokens, first_tokens [B], start_positions [B], tokens
/// [B, max_new_tokens], the three counters [B], the final state types,
/// the EOS ids and the padding id.
LogicalResult verifySpeculativeLoop(Operation *op,
                                    const SpeculativeLoopParts &parts);

/// The parts of a speculative loop op (either kind).
template <typename LoopOp>
SpeculativeLoopParts speculativeLoopParts(LoopOp op) {
  return {static_cast<int64_t>(op.getMaxNewTokens()),
          op.getFirstTokens().getType(),
          op.getStartPositions().getType(),
          op.getTokens().getType(),
          op.getNumGenerated().getType(),
          op.getNumVerifySteps().getType(),
          op.getNumAccepted().getType(),
          op.getDraftInit().getTypes(),
          op.getDraftFinal().getTypes(),
          op.getVerifyInit().getTypes(),
          op.getVerifyFinal().getTypes(),
          op.getEosTokenIds(),
          op.getPadTokenIdAttr().getInt()};
}

/// Checks that `block` ends in seq.yield whose first value is float logits
/// [batch, steps, V] (`name`: the region in diagnostics); returns their
/// type.
FailureOr<RankedTensorType> verifyLogitsYield(Operation *op, Block &block,
                                              llvm::StringRef name,
                                              int64_t batch, int64_t steps);

} // namespace seq
} // namespace mlir

#endif // SEQ_LIB_IR_SPECULATIVEVERIFY_H
