//===- TokenizerApiImpl.h - The C API's tokenizer handle --------*- C++ -*-===//
//
// This file defines struct seqrt_tokenizer, shared by the functions that
// load tokenizers (tokenizer.json, GGUF) and those that use them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_TOKENIZERAPIIMPL_H
#define SEQRT_LIB_TOKENIZERAPIIMPL_H

#include "Tokenizer.h"
#include "seqrt/seqrt.h"

#include <memory>

struct seqrt_tokenizer {
  std::unique_ptr<seqrt::Tokenizer> impl;
};

#endif // SEQRT_LIB_TOKENIZERAPIIMPL_H
