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

/// A lowering pattern parameterised by the target's tiling options.
template <typename Op> struct TiledPattern : OpRewritePattern<Op> {
  TiledPattern(MLIRContext *context, const TilingOptions &options)
      : OpRewritePattern<Op>(context), options(options) {}
  TilingOptions options;
};

/// Chains lowered as one loop nest (gated MLP: linear, linear, swiglu).
/// Applied before the per-op patterns.
void populateFusedToLoopsPatterns(RewritePatternSet &patterns,
                                  const TilingOptions &options);

/// linear(rms_norm(x)) as one loop nest. Applied after the fusions above.
void populateFusedNormToLoopsPatterns(RewritePatternSet &patterns,
                                      const TilingOptions &options);

/// Flash attention (seq.attention).
void populateAttentionToLoopsPatterns(RewritePatternSet &patterns,
                                      const TilingOptions &options);

/// seq.linear, norms, rope, embedding, activations, seq.cache_write.
void populateModelToLoopsPatterns(RewritePatternSet &patterns,
                                  const TilingOptions &options);

/// seq.quantized_linear and seq.quantized_embedding.
void populateQuantToLoopsPatterns(RewritePatternSet &patterns,
                                  const TilingOptions &options);

/// seq.scan and seq.scan_step.
void populateScanToLoopsPatterns(RewritePatternSet &patterns,
                                 const TilingOptions &tiling);

/// seq.causal_conv1d.
void populateConvToLoopsPatterns(RewritePatternSet &patterns);

/// seq.moe_route, seq.moe_dispatch, seq.grouped_matmul, seq.moe_experts.
void populateMoEToLoopsPatterns(RewritePatternSet &patterns,
                                const TilingOptions &options);

/// seq.sample and seq.decode_loop.
void populateDecodeToLoopsPatterns(RewritePatternSet &patterns);

/// seq.speculative_decode_loop.
void populateSpeculativeToLoopsPatterns(RewritePatternSet &patterns);
/// seq.tree_speculative_decode_loop and seq.ngram_tree_draft.
void populateTreeSpeculativeToLoopsPatterns(RewritePatternSet &patterns);
/// seq.beam_search_loop.
void populateBeamSearchToLoopsPatterns(RewritePatternSet &patterns);

/// The head transposes left around the lowered ops read through views or
/// moved into their destination (HeadLayoutFolds.cpp). Applied last.
void populateHeadLayoutFoldPatterns(RewritePatternSet &patterns);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_PATTERNS_H
