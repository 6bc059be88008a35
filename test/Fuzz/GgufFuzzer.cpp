//===- GgufFuzzer.cpp - libFuzzer target for GGUF files and tokenizers ----===//
//
// The GGUF reader and the tokenizer built from its tokenizer.ggml.* keys.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "Gguf.h"
#include "Tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seqrt::fuzz::MemoryFile file(data, size);
  if (!file.ok())
    return 0;
  std::string error;
  bool isIOError = false;
  auto gguf = seqrt::GgufFile::open(file.path(), error, isIOError);
  if (!gguf)
    return 0;
  auto tokenizer = seqrt::tokenizerFromGguf(*gguf, error);
  if (tokenizer) {
    std::vector<int32_t> ids;
    tokenizer->encode("Hello, world! 123 <|im_start|>", true, ids, error);
  }
  return 0;
}
