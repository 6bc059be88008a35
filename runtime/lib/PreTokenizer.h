//===- PreTokenizer.h - Regex word splitting for BPE ------------*- C++ -*-===//
//
// This file declares the pre-tokenizers of byte-level BPE: the GPT-2,
// SmolLM, Llama-3 and Qwen2 splitting regexes, implemented as hand-written
// matchers with the regexes' leftmost-alternative, backtracking semantics.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_PRETOKENIZER_H
#define SEQRT_LIB_PRETOKENIZER_H

#include "Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace seqrt {

/// Splits the code points `cps[0, count)` into words, appending the end
/// index of each word to `ends` (words are contiguous and cover the input).
void splitWords(PreTokenizerKind kind, const char32_t *cps, size_t count,
                std::vector<uint32_t> &ends);

} // namespace seqrt

#endif // SEQRT_LIB_PRETOKENIZER_H
