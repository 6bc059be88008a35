//===- SpeculativeCommon.h - shared speculative decoding lowering -*- C++
//-*-===//
//
// The parts of the seq.speculative_decode_loop and
// seq.tree_speculative_decode_loop lowerings that do not depend on the
// draft's shape: a chain of K draft tokens is a tree with one path (node i
// the parent of node i + 1), so both share the loop over verify steps, the
// per-row bookkeeping, greedy acceptance along the tree and the emission
// of the accepted tokens. The chain adds its draft calls, sampled
// acceptance and the per-step state rollback; the tree adds its mask and
// the compaction of the accepted path's KV entries.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_CONVERSION_SEQTOLOOPS_SPECULATIVECOMMON_H
#define SEQC_CONVERSION_SEQTOLOOPS_SPECULATIVECOMMON_H

#include "LoopBuilder.h"
#include "seq/IR/SeqOps.h"

namespace mlir::seq::speculative {

/// The buffers of one lowered loop (per row unless noted).
struct StepBuffers {
  Value tokens, counts, steps, accepted; // results
  Value last, pos, done;                 // [B] i32 loop state
  Value numAccepted, bonus;              // [B] i32 this step's outcome
};

/// What the two ops have in common.
struct LoopInfo {
  Value first, start; // [B] i32 operands (as buffers)
  RankedTensorType tokensType, countsType, stepsType, acceptedType;
  int64_t maxNewTokens;
  int32_t padTokenId;
  ArrayRef<int64_t> eosTokenIds;
};

/// Allocates the result and loop-state buffers and sets them to the
/// first tokens, the start positions, zero counts and padding.
StepBuffers allocateBuffers(LoopBuilder &b, const LoopInfo &info);

/// An scf.for over max_new_tokens verify steps carrying `init`; a step
/// (`body(step, state)`, returning the new state) runs while some row is
/// still generating.
SmallVector<Value>
buildStepLoop(LoopBuilder &b, const LoopInfo &info, StepBuffers &buf,
              ValueRange init,
              llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body);

/// The op's results: the four counters as tensors, then `finalState`.
SmallVector<Value> results(LoopBuilder &b, const LoopInfo &info,
                           StepBuffers &buf, ValueRange finalState);

/// A [B, S] i32 tensor whose element (r, j) is `element(r, j)`.
Value generate(LoopBuilder &b, RankedTensorType type, Value batch,
               llvm::function_ref<Value(Value, Value)> element);

/// Logits [B, S, V] viewed as [B * S, V].
Value collapseLogits(LoopBuilder &b, Value logits);

/// Greedy acceptance along the static tree `parents` (a chain: 0, 1, ..,
/// K - 1): per row, walks from the root to the child (lowest index first)
/// whose token `tree[r, node - 1]` equals the target's choice `choice[r *
/// (N + 1) + v]` at the current node v, at most `cap[r]` nodes deep (no
/// cap when null). Sets numAccepted (the path length n) and bonus (the
/// choice at the path's end), and path[r, 1..n] (the path's nodes) when
/// `path` is given.
void acceptGreedyPath(LoopBuilder &b, StepBuffers &buf, Value batch,
                      ArrayRef<int64_t> parents, Value tree, Value choice,
                      Value path, Value cap);

/// Per row: when the row was still generating, calls `onActive(r, n,
/// bonus)` and advances it (one more verify step, n accepted, position +=
/// n + 1, last = bonus); then writes its tokens `tokenAt(r, j, n, bonus)`
/// for j = 0 .. n (up to an EOS id or max_new_tokens).
void emitAccepted(
    LoopBuilder &b, const LoopInfo &info, StepBuffers &buf, Value batch,
    llvm::function_ref<Value(Value, Value, Value, Value)> tokenAt,
    llvm::function_ref<void(Value, Value, Value)> onActive = nullptr);

/// Stores into dst[dstRow, :] the distribution seq.sample draws from
/// src[prefix..., :]: softmax(logits / temperature) restricted to the
/// tokens its top-k / top-p filter keeps, renormalized.
void filteredSoftmaxRow(LoopBuilder &b, Value src, ValueRange prefix, Value dst,
                        Value dstRow, Value vocab, SamplingAttr sampling);

} // namespace mlir::seq::speculative

#endif // SEQC_CONVERSION_SEQTOLOOPS_SPECULATIVECOMMON_H
