//===- ChatTemplate.cpp - Chat templates of model files -------------------===//
//
// This file implements rendering a conversation with a model's chat
// template the way transformers' render_jinja_template does (message
// normalization, the variables it passes) on top of the Jinja interpreter,
// and the seqrt_chat_* C API.
//
//===----------------------------------------------------------------------===//

#include "ChatTemplate.h"

#include "Error.h"
#include "Jinja.h"

#include <cstdlib>
#include <cstring>

using namespace seqrt;
using jinja::Value;

namespace {
Value fromJson(const JsonValue &json) {
  switch (json.getKind()) {
  case JsonValue::Kind::Null:
    return Value::none();
  case JsonValue::Kind::Bool:
    return Value::boolean(json.getBool());
  case JsonValue::Kind::Int:
    return Value::integer(json.getInt());
  case JsonValue::Kind::Double:
    return Value::floating(json.getNumber());
  case JsonValue::Kind::String:
    return Value::string(json.getString());
  case JsonValue::Kind::Array: {
    std::vector<Value> elements;
    for (const JsonValue &element : json.getArray())
      elements.push_back(fromJson(element));
    return Value::list(std::move(elements));
  }
  case JsonValue::Kind::Object: {
    std::vector<std::pair<Value, Value>> items;
    for (const auto &member : json.getObject())
      items.emplace_back(Value::string(member.first), fromJson(member.second));
    return Value::dict(std::move(items));
  }
  }
  return Value::none();
}

/// transformers' _normalize_chat_messages (drop null members) and
/// _alias_reasoning_fields: {"thinking": r, **message, "reasoning_content": r}.
Value normalizeMessage(const JsonValue &message) {
  if (!message.isObject())
    return fromJson(message);
  std::vector<std::pair<Value, Value>> items;
  const JsonValue *reasoning = nullptr;
  for (const char *key : {"reasoning_content", "thinking", "reasoning"}) {
    const JsonValue *value = message.get(key);
    if (value && !value->isNull()) {
      reasoning = value;
      break;
    }
  }
  if (reasoning)
    items.emplace_back(Value::string("thinking"), fromJson(*reasoning));
  for (const auto &member : message.getObject())
    if (!member.second.isNull())
      items.emplace_back(Value::string(member.first), fromJson(member.second));
  if (reasoning)
    items.emplace_back(Value::string("reasoning_content"),
                       fromJson(*reasoning));
  return Value::dict(std::move(items));
}

bool render(std::string_view templateText,
            const std::vector<std::pair<std::string, Value>> &globals,
            std::string &out, std::string &error, bool *isSyntaxError) {
  jinja::Template tmpl;
  std::string message;
  if (!jinja::parseTemplate(templateText, tmpl, message)) {
    error = "chat template: " + message;
    if (isSyntaxError)
      *isSyntaxError = true;
    return false;
  }
  if (!jinja::renderTemplate(tmpl, globals, out, message)) {
    error = "chat template: " + message;
    if (isSyntaxError)
      *isSyntaxError = false;
    return false;
  }
  return true;
}
} // namespace

bool seqrt::renderChatTemplate(
    std::string_view templateText, const std::vector<ChatMessage> &messages,
    bool addGenerationPrompt,
    const std::vector<std::pair<std::string, std::string>> &extraVars,
    std::string &out, std::string &error) {
  std::vector<Value> list;
  for (const ChatMessage &message : messages)
    list.push_back(Value::dict(
        {{Value::string("role"), Value::string(message.role)},
         {Value::string("content"), Value::string(message.content)}}));
  std::vector<std::pair<std::string, Value>> globals;
  for (const auto &var : extraVars)
    globals.emplace_back(var.first, Value::string(var.second));
  globals.emplace_back("messages", Value::list(std::move(list)));
  globals.emplace_back("tools", Value::none());
  globals.emplace_back("documents", Value::none());
  globals.emplace_back("add_generation_prompt",
                       Value::boolean(addGenerationPrompt));
  return render(templateText, globals, out, error, nullptr);
}

bool seqrt::renderChatTemplateJson(std::string_view templateText,
                                   const JsonValue &context, std::string &out,
                                   std::string &error, bool *isSyntaxError) {
  if (isSyntaxError)
    *isSyntaxError = false;
  if (!context.isObject()) {
    error = "chat template context must be a JSON object";
    return false;
  }
  std::vector<std::pair<std::string, Value>> globals = {
      {"tools", Value::none()},
      {"documents", Value::none()},
      {"add_generation_prompt", Value::boolean(false)}};
  for (const auto &member : context.getObject()) {
    Value value;
    if (member.first == "messages" && member.second.isArray()) {
      std::vector<Value> list;
      for (const JsonValue &message : member.second.getArray())
        list.push_back(normalizeMessage(message));
      value = Value::list(std::move(list));
    } else {
      value = fromJson(member.second);
    }
    // Later globals shadow earlier ones (lookups search from the end).
    globals.emplace_back(member.first, std::move(value));
  }
  return render(templateText, globals, out, error, isSyntaxError);
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

namespace {
seqrt_status finish(bool ok, bool syntaxError, const std::string &text,
                    const std::string &error, char **out) {
  if (!ok)
    return fail(syntaxError ? SEQRT_ERROR_FORMAT : SEQRT_ERROR_ARGUMENT, error);
  char *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (!copy)
    return fail(SEQRT_ERROR_MEMORY, "out of memory for the rendered chat");
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  *out = copy;
  return SEQRT_OK;
}
} // namespace

extern "C" seqrt_status
seqrt_chat_render(const char *chatTemplate, const seqrt_chat_message *messages,
                  size_t numMessages, int addGenerationPrompt,
                  const char *bosToken, const char *eosToken, char **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_chat_render: null output");
  *out = nullptr;
  if (!chatTemplate || (numMessages && !messages))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_chat_render: null argument");
  try {
    std::vector<JsonValue::Member> context;
    std::vector<JsonValue> list;
    for (size_t i = 0; i < numMessages; ++i) {
      if (!messages[i].role || !messages[i].content)
        return fail(SEQRT_ERROR_ARGUMENT, "seqrt_chat_render: message " +
                                              std::to_string(i) +
                                              " has a null role or content");
      list.push_back(JsonValue::makeObject(
          {{"role", JsonValue::makeString(messages[i].role)},
           {"content", JsonValue::makeString(messages[i].content)}}));
    }
    if (bosToken)
      context.emplace_back("bos_token", JsonValue::makeString(bosToken));
    if (eosToken)
      context.emplace_back("eos_token", JsonValue::makeString(eosToken));
    context.emplace_back("messages", JsonValue::makeArray(std::move(list)));
    context.emplace_back("add_generation_prompt",
                         JsonValue::makeBool(addGenerationPrompt != 0));
    std::string text, error;
    bool syntaxError = false;
    bool ok = renderChatTemplateJson(chatTemplate,
                                     JsonValue::makeObject(std::move(context)),
                                     text, error, &syntaxError);
    return finish(ok, syntaxError, text, error, out);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory rendering the chat");
  }
}

extern "C" seqrt_status seqrt_chat_render_json(const char *chatTemplate,
                                               const char *contextJson,
                                               char **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_chat_render_json: null output");
  *out = nullptr;
  if (!chatTemplate || !contextJson)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_chat_render_json: null argument");
  try {
    JsonValue context;
    std::string error;
    if (!parseJson(contextJson, context, error))
      return fail(SEQRT_ERROR_ARGUMENT, "chat context: " + error);
    std::string text;
    bool syntaxError = false;
    bool ok = renderChatTemplateJson(chatTemplate, context, text, error,
                                     &syntaxError);
    return finish(ok, syntaxError, text, error, out);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory rendering the chat");
  }
}

extern "C" void seqrt_chat_free(char *text) { std::free(text); }
