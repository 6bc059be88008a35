//===- SamplingFilter.h - seq.sample's top-k / top-p filter -----*- C++ -*-===//
//
// The token filter of seq.sample (DecodeToLoops.cpp), shared with the
// speculative loops that need the filtered distribution itself (the
// rejection rule compares the target's and the draft's probabilities of
// the distributions seq.sample draws from).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_SAMPLINGFILTER_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_SAMPLINGFILTER_H

#include "LoopBuilder.h"

namespace mlir::seq {

/// Sum of probs[row, v] over v with probs[row, v] >= threshold (and
/// >= floor).
Value keptMass(LoopBuilder &b, Value probs, Value row, Value vocab,
               Value threshold, Value floor);

/// seq.sample's filter of row `row` of `probs` [R, V], whose entries are
/// p = exp((logit - max logit) / temperature): the threshold t (an f32)
/// such that token v is kept when probs[row, v] >= t. top-k keeps the p at
/// least the k-th largest (ties kept), top-p then the highest p whose mass
/// reaches top_p of the kept mass; t = 0 when neither limits.
Value samplingThreshold(LoopBuilder &b, Value probs, Value row, Value vocab,
                        int64_t topK, float topP);

} // namespace mlir::seq

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_SAMPLINGFILTER_H
