//===- Patterns.h - seq-to-loops pattern entry points -----------*- C++ -*-===//
//
// The populate functions of each op family's lowering.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_PATTERNS_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_PATTERNS_H

#include "LoopBuilder.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace seq {

/// Flash attention (seq.attention).
void populateAttentionToLoopsPatterns(RewritePatternSet &patterns,
                                      const TilingOptions &options);

/// seq.linear, norms, rope, embedding, activations, seq.cache_write.
void populateModelToLoopsPatterns(RewritePatternSet &patterns);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_PATTERNS_H
