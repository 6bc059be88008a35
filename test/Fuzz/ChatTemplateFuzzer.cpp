//===- ChatTemplateFuzzer.cpp - libFuzzer target for chat templates -------===//
//
// The Jinja parser and renderer on a template from the input, with a fixed
// conversation.
//
//===----------------------------------------------------------------------===//

#include "ChatTemplate.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  std::vector<seqrt::ChatMessage> messages = {
      {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}};
  std::string out, error;
  seqrt::renderChatTemplate(text, messages, true,
                            {{"bos_token", "<s>"}, {"eos_token", "</s>"}}, out,
                            error);
  return 0;
}
