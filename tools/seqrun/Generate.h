//===- Generate.h - seqrun's generation mode --------------------*- C++ -*-===//
//
// This file declares seqrun's text generation: a seqrt session over the
// artifact's prefill and decode entries, sampled with seqrt_sample,
// streamed to stdout as ids or text, with timings on stderr.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_GENERATE_H
#define SEQRUN_GENERATE_H

#include "Options.h"

#include "seqrt/seqrt.h"

#include <string>

namespace seqrun {

/// Runs the generation --prompt-ids, --prompt or --chat asks for on a
/// loaded artifact with bound weights. Returns false with `error` set.
bool generate(seqrt_artifact *artifact, const Options &options,
              std::string &error);

} // namespace seqrun

#endif // SEQRUN_GENERATE_H
