//===- DecodeHints.h - discardable hints on decode-loop ops -----*- C++ -*-===//
//
// Attributes that the importer may set on decode-loop ops and their
// lowering reads. They change how the loop runs, never what it computes:
// dropping one gives the same greedy tokens and the same sampled
// distribution (docs/design/DecodeLoop.md).
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_DECODEHINTS_H
#define SEQ_IR_DECODEHINTS_H

#include "llvm/ADT/StringRef.h"

namespace mlir::seq {

/// Unit attribute on seq.speculative_decode_loop: adaptive draft length.
/// Each row drafts k tokens per step, 1 <= k <= K (K =
/// num_speculative_tokens, the first step's k); k grows by one after a
/// step that accepted all k drafts and becomes max(1, n) after one that
/// accepted n < k. The verify call still scores K + 1 tokens (static
/// shapes); draft calls past the largest k + 1 of the batch are skipped.
inline constexpr llvm::StringLiteral kAdaptiveKAttr = "seq.adaptive_k";

} // namespace mlir::seq

#endif // SEQ_IR_DECODEHINTS_H
