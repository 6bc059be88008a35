//===- ChatTemplate.h - Chat templates of model files -----------*- C++ -*-===//
//
// This file declares how the runtime formats a conversation with the chat
// template a model ships (`tokenizer.chat_template` in GGUF metadata,
// `chat_template` in a Hugging Face tokenizer_config.json). The result is
// what transformers' tokenizer.apply_chat_template(messages, tokenize=False,
// add_generation_prompt=...) returns for the same template, messages and
// special tokens. The C API is seqrt_chat_render in seqrt.h.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_CHATTEMPLATE_H
#define SEQRT_LIB_CHATTEMPLATE_H

#include "Json.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqrt {

struct ChatMessage {
  std::string role;
  std::string content;
};

/// Renders `templateText` for `messages`. `extraVars` are further string
/// variables, as transformers passes the tokenizer's special tokens
/// ("bos_token", "eos_token", ...). `tools` and `documents` are none.
/// Returns false and sets `error` ("chat template: line L, column C: ...")
/// on a malformed template or a render error such as raise_exception().
bool renderChatTemplate(
    std::string_view templateText, const std::vector<ChatMessage> &messages,
    bool addGenerationPrompt,
    const std::vector<std::pair<std::string, std::string>> &extraVars,
    std::string &out, std::string &error);

/// The general form: `context` is a JSON object whose members are the
/// template's variables ("messages" with any fields, "tools",
/// "add_generation_prompt", "bos_token", ...). As in transformers, message
/// members that are null are dropped, reasoning fields are aliased,
/// `tools` and `documents` default to none and `add_generation_prompt` to
/// false. `isSyntaxError` tells a malformed template from a render error.
bool renderChatTemplateJson(std::string_view templateText,
                            const JsonValue &context, std::string &out,
                            std::string &error, bool *isSyntaxError = nullptr);

} // namespace seqrt

#endif // SEQRT_LIB_CHATTEMPLATE_H
