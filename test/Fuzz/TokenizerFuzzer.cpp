//===- TokenizerFuzzer.cpp - libFuzzer target for tokenizer.json ----------===//
//
// The first input byte splits the rest into tokenizer.json text and a text
// to encode and decode again.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view bytes(reinterpret_cast<const char *>(data + 1), size - 1);
  size_t split = bytes.size() * data[0] / 256;
  std::string error;
  auto tokenizer = seqrt::Tokenizer::fromJson(
      bytes.substr(0, bytes.size() - split), "", error);
  if (!tokenizer)
    return 0;
  std::vector<int32_t> ids;
  if (tokenizer->encode(bytes.substr(bytes.size() - split), true, ids, error)) {
    std::string text;
    tokenizer->decode(ids.data(), ids.size(), false, text, error);
  }
  return 0;
}
