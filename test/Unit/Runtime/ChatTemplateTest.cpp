//===- ChatTemplateTest.cpp - Tests of the chat-template renderer ---------===//
//
// Tests of runtime/lib/ChatTemplate.h, the Jinja interpreter under it and
// seqrt_chat_render. Inputs/chat_golden.json (made by
// Inputs/gen_chat_golden.py) holds chat templates of several model
// families, conversations, and what transformers' apply_chat_template
// renders for them, plus evaluator snippets rendered by the Jinja
// environment transformers uses. Hostile templates must fail cleanly.
//
//===----------------------------------------------------------------------===//

#include "ChatTemplate.h"
#include "Jinja.h"
#include "RuntimeTestUtils.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <ctime>
#include <set>

using namespace seqrt;
using ::testing::HasSubstr;

namespace {

const JsonValue &golden() {
  static JsonValue data = [] {
    JsonValue value;
    std::string error;
    std::string text = test::readFile(SEQRT_CHAT_GOLDEN_PATH);
    if (!parseJson(text, value, error))
      ADD_FAILURE() << SEQRT_CHAT_GOLDEN_PATH << ": " << error;
    return value;
  }();
  return data;
}

const JsonValue &member(const JsonValue &object, const char *key) {
  static const JsonValue null;
  const JsonValue *value = object.get(key);
  EXPECT_NE(value, nullptr) << "missing '" << key << "'";
  return value ? *value : null;
}

std::string str(const JsonValue &object, const char *key) {
  const JsonValue &value = member(object, key);
  return value.isString() ? value.getString() : std::string();
}

/// The golden context of a chat case: the conversation's variables,
/// add_generation_prompt and the special tokens.
JsonValue chatContext(const JsonValue &conversation, bool addGenerationPrompt) {
  std::vector<JsonValue::Member> members =
      member(conversation, "context").getObject();
  members.emplace_back("add_generation_prompt",
                       JsonValue::makeBool(addGenerationPrompt));
  members.emplace_back("bos_token",
                       JsonValue::makeString(str(golden(), "bos_token")));
  members.emplace_back("eos_token",
                       JsonValue::makeString(str(golden(), "eos_token")));
  return JsonValue::makeObject(std::move(members));
}

/// Renders with seqrt_chat_render (role/content messages only).
seqrt_status renderC(const std::string &tmpl, const JsonValue &messages,
                     bool addGenerationPrompt, std::string &out) {
  std::vector<seqrt_chat_message> list;
  for (const JsonValue &message : messages.getArray())
    list.push_back({member(message, "role").getString().c_str(),
                    member(message, "content").getString().c_str()});
  char *text = nullptr;
  std::string bos = str(golden(), "bos_token"),
              eos = str(golden(), "eos_token");
  seqrt_status status =
      seqrt_chat_render(tmpl.c_str(), list.data(), list.size(),
                        addGenerationPrompt, bos.c_str(), eos.c_str(), &text);
  out = text ? text : "";
  seqrt_chat_free(text);
  return status;
}

TEST(ChatTemplateGolden, ModelFamilies) {
  const JsonValue &templates = member(golden(), "templates");
  const JsonValue &conversations = member(golden(), "conversations");
  const JsonValue &cases = member(golden(), "cases");
  ASSERT_GE(cases.getArray().size(), 300u);
  std::set<std::string> families;
  size_t rendered = 0, rejected = 0;
  for (const JsonValue &c : cases.getArray()) {
    std::string name = str(c, "template"), conv = str(c, "conversation");
    bool addGenerationPrompt = member(c, "add_generation_prompt").getBool();
    SCOPED_TRACE(name + " / " + conv +
                 (addGenerationPrompt ? " / add_generation_prompt" : ""));
    std::string tmpl = str(member(templates, name.c_str()), "text");
    const JsonValue &conversation = member(conversations, conv.c_str());
    std::string out, error;
    bool syntaxError = true;
    bool ok = renderChatTemplateJson(
        tmpl, chatContext(conversation, addGenerationPrompt), out, error,
        &syntaxError);
    if (const JsonValue *expected = c.get("expected")) {
      ASSERT_TRUE(ok) << error;
      EXPECT_EQ(out, expected->getString());
      families.insert(name);
      ++rendered;
    } else {
      EXPECT_FALSE(ok) << "rendered: " << out;
      EXPECT_FALSE(syntaxError) << error;
      if (member(c, "raised").getBool()) {
        EXPECT_THAT(error, HasSubstr(str(c, "error")));
      }
      ++rejected;
    }

    // The C API renders role/content conversations the same way.
    if (!member(conversation, "plain").getBool())
      continue;
    const JsonValue &messages =
        member(member(conversation, "context"), "messages");
    std::string viaC;
    seqrt_status status = renderC(tmpl, messages, addGenerationPrompt, viaC);
    if (const JsonValue *expected = c.get("expected")) {
      ASSERT_EQ(status, SEQRT_OK) << seqrt_last_error();
      EXPECT_EQ(viaC, expected->getString());
    } else {
      EXPECT_EQ(status, SEQRT_ERROR_ARGUMENT);
      if (member(c, "raised").getBool()) {
        EXPECT_THAT(seqrt_last_error(), HasSubstr(str(c, "error")));
      }
    }
  }
  // Every family renders at least one conversation; some reject others.
  EXPECT_EQ(families.size(), templates.getObject().size());
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(rendered, 250u);
}

TEST(ChatTemplateGolden, SmolLM2FromGguf) {
  // The template read from the SmolLM2-135M-Instruct GGUF: ChatML with a
  // default system prompt.
  std::string tmpl =
      str(member(member(golden(), "templates"), "smollm2"), "text");
  std::string out, error;
  ASSERT_TRUE(renderChatTemplate(
      tmpl, {{"user", "What is the capital of France?"}}, true,
      {{"bos_token", "<|im_start|>"}, {"eos_token", "<|im_end|>"}}, out, error))
      << error;
  EXPECT_EQ(out, "<|im_start|>system\nYou are a helpful AI assistant named "
                 "SmolLM, trained by Hugging Face<|im_end|>\n"
                 "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                 "<|im_start|>assistant\n");
}

TEST(ChatTemplateEval, JinjaGolden) {
  const JsonValue &unit = member(golden(), "unit");
  ASSERT_GE(unit.getArray().size(), 80u);
  for (const JsonValue &u : unit.getArray()) {
    std::string tmpl = str(u, "template");
    SCOPED_TRACE(tmpl);
    std::string out, error;
    bool syntaxError = false;
    bool ok = renderChatTemplateJson(tmpl, member(u, "context"), out, error,
                                     &syntaxError);
    if (const JsonValue *expected = u.get("expected")) {
      ASSERT_TRUE(ok) << error;
      EXPECT_EQ(out, expected->getString());
      continue;
    }
    EXPECT_FALSE(ok) << "rendered: " << out;
    const JsonValue *syntax = u.get("syntax");
    bool jinjaSyntax = syntax && syntax->getBool();
    // jinja2 compiles `break` outside a loop to a Python SyntaxError when
    // rendering; this parser rejects it up front.
    if (str(u, "error_type") != "SyntaxError") {
      EXPECT_EQ(syntaxError, jinjaSyntax) << error;
    }
    EXPECT_THAT(error, HasSubstr("line ")) << error;
    std::string type = str(u, "error_type");
    if (member(u, "raised").getBool() || type == "UndefinedError" ||
        type == "SecurityError" || type == "TemplateAssertionError" ||
        type == "OverflowError" || type == "ZeroDivisionError") {
      EXPECT_THAT(error, HasSubstr(str(u, "error")));
    }
  }
}

//===-- Hand-written checks -----------------------------------------------===//

std::string render(const std::string &tmpl, const std::string &context = "{}") {
  JsonValue ctx;
  std::string error, out;
  EXPECT_TRUE(parseJson(context, ctx, error)) << error;
  EXPECT_TRUE(renderChatTemplateJson(tmpl, ctx, out, error)) << error;
  return out;
}

std::string renderError(const std::string &tmpl,
                        const std::string &context = "{}") {
  JsonValue ctx;
  std::string error, out;
  EXPECT_TRUE(parseJson(context, ctx, error)) << error;
  EXPECT_FALSE(renderChatTemplateJson(tmpl, ctx, out, error)) << tmpl;
  return error;
}

TEST(ChatTemplateEval, ErrorsCarryLineAndColumn) {
  EXPECT_THAT(renderError("ok\n  {{ raise_exception('bad role') }}"),
              HasSubstr("line 2, column 6: bad role"));
  EXPECT_THAT(renderError("{% for m in messages %}\n{{ m.content.nope() }}"
                          "{% endfor %}",
                          "{\"messages\": [{\"content\": \"x\"}]}"),
              HasSubstr("line 2, column 13: 'str object' has no attribute "
                        "'nope'"));
  EXPECT_THAT(renderError("a\nb {% if x %}"), HasSubstr("line 2"));
  EXPECT_THAT(renderError("{{ x|nosuch }}"),
              HasSubstr("line 1, column 6: No filter named 'nosuch'."));
  EXPECT_THAT(renderError("{{ x|truncate }}"),
              HasSubstr("filter 'truncate' is not supported"));
  EXPECT_THAT(renderError("{% include 'x' %}"),
              HasSubstr("tag 'include' is not supported"));
  EXPECT_THAT(renderError("\n\n   {{ 1 + }}"), HasSubstr("line 3"));
}

TEST(ChatTemplateEval, HostileTemplatesFailCleanly) {
  // Unterminated tags, comments, strings and raw blocks.
  for (const char *tmpl : {"{{",
                           "{%",
                           "{#",
                           "{{ x",
                           "{% if",
                           "{% if x %}",
                           "{% for %}",
                           "{% for x in %}",
                           "{% raw %}never closed",
                           "{{ 'abc }}",
                           "{{ (1 }}",
                           "{{ [1, 2 }}",
                           "{{ {'a': }}",
                           "{{ x[ }}",
                           "{{ ) }}",
                           "{% endfor %}",
                           "{% set %}",
                           "{% macro %}",
                           "{{ x | }}",
                           "{{ x is }}",
                           "{% elif %}",
                           "{{ 1 2 }}",
                           "{{ \"\\x4\" }}",
                           "{{ 99999999999999999999 }}"})
    EXPECT_THAT(renderError(tmpl), HasSubstr("chat template: ")) << tmpl;

  // Deep nesting of expressions and blocks is refused, not a stack overflow.
  std::string parens(100000, '(');
  EXPECT_THAT(
      renderError("{{ " + parens + "1" + std::string(100000, ')') + " }}"),
      HasSubstr("nesting"));
  std::string chain = "{{ 1";
  for (int i = 0; i < 100000; ++i)
    chain += " + 1";
  EXPECT_THAT(renderError(chain + " }}"), HasSubstr("nesting"));
  std::string filters = "{{ 'x'";
  for (int i = 0; i < 100000; ++i)
    filters += "|upper";
  EXPECT_THAT(renderError(filters + " }}"), HasSubstr("nesting"));
  std::string blocks;
  for (int i = 0; i < 10000; ++i)
    blocks += "{% if true %}";
  EXPECT_THAT(renderError(blocks), HasSubstr("nesting"));
  std::string nots = "{{ ";
  for (int i = 0; i < 100000; ++i)
    nots += "not ";
  EXPECT_THAT(renderError(nots + "1 }}"), HasSubstr("nesting"));
  std::string negs = "{{ ";
  for (int i = 0; i < 100000; ++i)
    negs += "- ";
  EXPECT_THAT(renderError(negs + "1 }}"), HasSubstr("nesting"));
  std::string elifs = "{% if false %}";
  for (int i = 0; i < 20000; ++i)
    elifs += "{% elif false %}";
  EXPECT_EQ(render(elifs + "{% else %}e{% endif %}"), "e");

  // Sizes: range() is capped like jinja2's sandbox, loops in total, and
  // strings and the output.
  EXPECT_THAT(renderError("{% for i in range(100001) %}{% endfor %}"),
              HasSubstr("MAX_RANGE (100000)"));
  EXPECT_THAT(renderError("{{ range(-9223372036854775807, "
                          "9223372036854775807)|length }}"),
              HasSubstr("Range too big"));
  EXPECT_EQ(render("{{ range(100000)|length }}"), "100000");
  EXPECT_THAT(renderError("{% for i in range(10000) %}{% for j in "
                          "range(10000) %}{% endfor %}{% endfor %}"),
              HasSubstr("exceeded 1000000 loop iterations"));
  EXPECT_THAT(renderError("{% for i in range(10000) %}{% for j in "
                          "range(10000) if j > 1 %}{% endfor %}{% endfor %}"),
              HasSubstr("loop iterations"));
  EXPECT_THAT(renderError("{{ 'abc' * 100000000 }}"),
              HasSubstr("string too long"));
  EXPECT_THAT(renderError("{{ [1] * 100000000 }}"), HasSubstr("too long"));
  EXPECT_THAT(renderError("{% set ns = namespace(s='x') %}{% for i in "
                          "range(100) %}{% set ns.s = ns.s ~ ns.s %}"
                          "{% endfor %}"),
              HasSubstr("string too long"));
  EXPECT_THAT(renderError("{% set s = 'x' * 1000000 %}{% for i in "
                          "range(100) %}{{ s }}{% endfor %}"),
              HasSubstr("output exceeds"));

  // Runaway recursion.
  EXPECT_THAT(renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}"
                          "{{ f(0) }}"),
              HasSubstr("macro calls nested deeper"));

  // Integer overflow is an error, not undefined behaviour.
  EXPECT_THAT(renderError("{{ 9223372036854775807 + 1 }}"),
              HasSubstr("integer overflow"));
  EXPECT_THAT(renderError("{{ 2 ** 64 }}"), HasSubstr("integer overflow"));
  EXPECT_THAT(renderError("{{ -9223372036854775807 - 2 }}"),
              HasSubstr("integer overflow"));

  // Misuse of values.
  EXPECT_THAT(renderError("{{ 5() }}"), HasSubstr("not callable"));
  EXPECT_THAT(renderError("{% for x in 5 %}{% endfor %}"),
              HasSubstr("not iterable"));
  EXPECT_THAT(renderError("{% for a, b in [1] %}{% endfor %}"),
              HasSubstr("not iterable"));
  EXPECT_THAT(renderError("{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
              HasSubstr("too many values to unpack"));
  EXPECT_THAT(renderError("{{ {[1]: 2} }}"), HasSubstr("unhashable"));
  EXPECT_THAT(renderError("{{ [1][::0] }}"), HasSubstr("step cannot be zero"));
  EXPECT_THAT(renderError("{{ 'a'|tojson(indent=[]) }}"),
              HasSubstr("indent must be an integer"));
  EXPECT_THAT(renderError("{{ namespace|tojson }}"),
              HasSubstr("not JSON serializable"));

  // Invalid UTF-8 in a template or a message is rendered, not a crash.
  EXPECT_EQ(render("\xff{{ 'a\xc3' }}"), "\xff"
                                         "a\xc3");
  EXPECT_EQ(render("{{ '\xe2\x82'|length }}|{{ '\xf0\x9f\x98\x80'|length }}"),
            "2|1");
}

TEST(ChatTemplateEval, StrftimeNow) {
  // transformers' strftime_now: datetime.now().strftime(format).
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string year = std::to_string(local.tm_year + 1900);
  std::string out = render("{{ strftime_now('%Y') }}|{{ strftime_now is "
                           "defined }}|{{ strftime_now('%d %b %Y')|length }}");
  EXPECT_EQ(out.substr(out.find('|')), "|True|11");
  // Rendering may straddle New Year's midnight.
  EXPECT_TRUE(out.substr(0, 4) == year ||
              out.substr(0, 4) == std::to_string(local.tm_year + 1901))
      << out;
}

TEST(ChatTemplateEval, CApiArguments) {
  char *out = reinterpret_cast<char *>(1);
  EXPECT_EQ(seqrt_chat_render(nullptr, nullptr, 0, 0, nullptr, nullptr, &out),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(seqrt_chat_render("x", nullptr, 1, 0, nullptr, nullptr, &out),
            SEQRT_ERROR_ARGUMENT);
  seqrt_chat_message bad = {"user", nullptr};
  EXPECT_EQ(seqrt_chat_render("x", &bad, 1, 0, nullptr, nullptr, &out),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("null role or content"));
  EXPECT_EQ(
      seqrt_chat_render("{% if %}", nullptr, 0, 0, nullptr, nullptr, &out),
      SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("line 1"));
  EXPECT_EQ(seqrt_chat_render_json("x", "{not json", &out),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_chat_render_json("x", "[1]", &out), SEQRT_ERROR_ARGUMENT);

  // bos/eos: NULL leaves the variable undefined.
  seqrt_chat_message hi = {"user", "hi"};
  ASSERT_EQ(seqrt_chat_render("{{ bos_token is defined }}{{ eos_token }}|"
                              "{{ messages[0].content }}"
                              "{{ add_generation_prompt }}",
                              &hi, 1, 1, nullptr, "</s>", &out),
            SEQRT_OK)
      << seqrt_last_error();
  EXPECT_STREQ(out, "False</s>|hiTrue");
  seqrt_chat_free(out);
  seqrt_chat_free(nullptr);

  ASSERT_EQ(seqrt_chat_render_json(
                "{{ tools is none }}{{ documents is none }}"
                "{{ add_generation_prompt }}{{ messages[0]|tojson }}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\", "
                "\"tool_calls\": null}]}",
                &out),
            SEQRT_OK)
      << seqrt_last_error();
  EXPECT_STREQ(out, "TrueTrueFalse{\"role\": \"user\", \"content\": \"x\"}");
  seqrt_chat_free(out);
}

} // namespace
