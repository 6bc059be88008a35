//===- TokenizerJson.cpp - Tokenizers from HF tokenizer.json --------------===//
//
// This file builds a Tokenizer from a Hugging Face tokenizer.json: a BPE
// model with byte-level pre-tokenizer and decoder, no normalizer, added
// tokens without lstrip/rstrip/single_word, and an optional ByteLevel or
// TemplateProcessing post-processor. Anything else is rejected with a
// message rather than encoded differently from HF.
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "MappedFile.h"
#include "Tokenizer.h"

#include <limits>

using namespace seqrt;

namespace {
// The Split regexes of the Llama-3 and Qwen2 tokenizer.json files.
constexpr std::string_view kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kQwen2Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

class Loader {
public:
  explicit Loader(std::string &error) : error(error) {}

  bool load(const JsonValue &root, const JsonValue *config,
            TokenizerData &data) {
    if (!root.isObject())
      return fail("tokenizer.json is not a JSON object");
    return loadModel(root.get("model"), data) &&
           loadAddedTokens(root.get("added_tokens"), data) &&
           checkNormalizer(root.get("normalizer")) &&
           loadPreTokenizer(root.get("pre_tokenizer"), data) &&
           loadPostProcessor(root.get("post_processor"), data) &&
           checkDecoder(root.get("decoder")) && buildTokens(data) &&
           loadConfig(config, data);
  }

private:
  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  static bool isNullOr(const JsonValue *v, bool (JsonValue::*kind)() const) {
    return !v || v->isNull() || (v->*kind)();
  }
  static bool isFalse(const JsonValue *v) {
    return !v || v->isNull() || (v->isBool() && !v->getBool());
  }
  static bool isEmptyString(const JsonValue *v) {
    return !v || v->isNull() || (v->isString() && v->getString().empty());
  }
  static bool typeIs(const JsonValue *v, std::string_view type) {
    const JsonValue *t = v ? v->get("type") : nullptr;
    return t && t->isString() && t->getString() == type;
  }
  static std::string typeOf(const JsonValue *v) {
    const JsonValue *t = v ? v->get("type") : nullptr;
    return t && t->isString() ? t->getString() : std::string("?");
  }

  bool getId(const JsonValue &v, const std::string &what, int32_t &id) {
    if (!v.isInt() || v.getInt() < 0 ||
        v.getInt() > std::numeric_limits<int32_t>::max())
      return fail(what + " has an invalid id");
    id = static_cast<int32_t>(v.getInt());
    return true;
  }

  bool loadModel(const JsonValue *model, TokenizerData &data) {
    if (!model || !model->isObject())
      return fail("tokenizer.json has no \"model\" object");
    if (model->get("type") && !typeIs(model, "BPE"))
      return fail("unsupported model type '" + typeOf(model) +
                  "' (only BPE is supported)");
    const JsonValue *dropout = model->get("dropout");
    if (!isNullOr(dropout, &JsonValue::isNumber) ||
        (dropout && dropout->isNumber() && dropout->getNumber() != 0.0))
      return fail("BPE dropout is not supported");
    if (!isEmptyString(model->get("unk_token")))
      return fail("a BPE unk_token is not supported (byte-level BPE needs "
                  "none)");
    if (!isEmptyString(model->get("continuing_subword_prefix")) ||
        !isEmptyString(model->get("end_of_word_suffix")))
      return fail("BPE continuing_subword_prefix/end_of_word_suffix are not "
                  "supported");
    if (!isFalse(model->get("byte_fallback")))
      return fail("BPE byte_fallback is not supported");
    const JsonValue *ignore = model->get("ignore_merges");
    if (ignore && !ignore->isNull()) {
      if (!ignore->isBool())
        return fail("model.ignore_merges is not a boolean");
      data.ignoreMerges = ignore->getBool();
    }

    const JsonValue *vocab = model->get("vocab");
    if (!vocab || !vocab->isObject())
      return fail("model.vocab is not an object");
    for (const JsonValue::Member &member : vocab->getObject()) {
      int32_t id;
      if (!getId(member.second, "vocab entry '" + member.first + "'", id))
        return false;
      entries.emplace_back(member.first, id);
    }

    const JsonValue *merges = model->get("merges");
    if (!merges || !merges->isArray())
      return fail("model.merges is not an array");
    data.merges.reserve(merges->getArray().size());
    for (const JsonValue &merge : merges->getArray()) {
      size_t rank = data.merges.size();
      if (merge.isString()) {
        // "left right"; byte-level tokens hold no plain space.
        const std::string &s = merge.getString();
        size_t space = s.find(' ');
        if (space == std::string::npos ||
            s.find(' ', space + 1) != std::string::npos)
          return fail("merge " + std::to_string(rank) + " ('" + s +
                      "') is not two tokens separated by a space");
        data.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      } else if (merge.isArray() && merge.getArray().size() == 2 &&
                 merge.getArray()[0].isString() &&
                 merge.getArray()[1].isString()) {
        data.merges.emplace_back(merge.getArray()[0].getString(),
                                 merge.getArray()[1].getString());
      } else {
        return fail("merge " + std::to_string(rank) +
                    " is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
    return true;
  }

  bool loadAddedTokens(const JsonValue *added, TokenizerData &data) {
    if (!added || added->isNull())
      return true;
    if (!added->isArray())
      return fail("added_tokens is not an array");
    for (const JsonValue &token : added->getArray()) {
      const JsonValue *content = token.get("content");
      const JsonValue *id = token.get("id");
      if (!token.isObject() || !content || !content->isString() || !id)
        return fail("an added token lacks a string \"content\" or an id");
      AddedToken result;
      result.content = content->getString();
      if (!getId(*id, "added token '" + result.content + "'", result.id))
        return false;
      for (const char *flag : {"single_word", "lstrip", "rstrip"})
        if (!isFalse(token.get(flag)))
          return fail("added token '" + result.content + "': " + flag +
                      " is not supported");
      const JsonValue *special = token.get("special");
      result.special = special && special->isBool() && special->getBool();
      entries.emplace_back(result.content, result.id);
      data.addedTokens.push_back(std::move(result));
    }
    return true;
  }

  bool checkNormalizer(const JsonValue *normalizer) {
    if (!normalizer || normalizer->isNull())
      return true;
    if (typeIs(normalizer, "Sequence")) {
      const JsonValue *list = normalizer->get("normalizers");
      if (list && list->isArray() && list->getArray().empty())
        return true;
    }
    return fail("unsupported normalizer '" + typeOf(normalizer) +
                "' (only none is supported)");
  }

  /// ByteLevel with add_prefix_space=false and the given use_regex.
  bool isByteLevel(const JsonValue *v, bool useRegex) {
    if (!typeIs(v, "ByteLevel") || !isFalse(v->get("add_prefix_space")))
      return false;
    const JsonValue *regex = v->get("use_regex");
    bool uses =
        !regex || regex->isNull() || (regex->isBool() && regex->getBool());
    return uses == useRegex;
  }

  bool loadPreTokenizer(const JsonValue *pre, TokenizerData &data) {
    if (isByteLevel(pre, /*useRegex=*/true)) {
      data.preTokenizer = PreTokenizerKind::Gpt2;
      return true;
    }
    const JsonValue *list =
        typeIs(pre, "Sequence") ? pre->get("pretokenizers") : nullptr;
    if (list && list->isArray() && list->getArray().size() == 2) {
      const JsonValue &first = list->getArray()[0];
      const JsonValue &second = list->getArray()[1];
      const JsonValue *individual = first.get("individual_digits");
      if (typeIs(&first, "Digits") && individual && individual->isBool() &&
          individual->getBool() && isByteLevel(&second, true)) {
        data.preTokenizer = PreTokenizerKind::SmolLM;
        return true;
      }
      const JsonValue *pattern = first.get("pattern");
      const JsonValue *regex = pattern ? pattern->get("Regex") : nullptr;
      const JsonValue *behavior = first.get("behavior");
      if (typeIs(&first, "Split") && regex && regex->isString() && behavior &&
          behavior->isString() && behavior->getString() == "Isolated" &&
          isFalse(first.get("invert")) && isByteLevel(&second, false)) {
        if (regex->getString() == kLlama3Regex) {
          data.preTokenizer = PreTokenizerKind::Llama3;
          return true;
        }
        if (regex->getString() == kQwen2Regex) {
          data.preTokenizer = PreTokenizerKind::Qwen2;
          return true;
        }
      }
    }
    return fail("unsupported pre_tokenizer '" + typeOf(pre) +
                "' (supported: ByteLevel with the GPT-2 regex, "
                "Digits+ByteLevel, Split with the Llama-3 or Qwen2 regex + "
                "ByteLevel, all without add_prefix_space)");
  }

  bool loadPostProcessor(const JsonValue *post, TokenizerData &data) {
    if (!post || post->isNull() || typeIs(post, "ByteLevel"))
      return true;
    if (typeIs(post, "Sequence")) {
      const JsonValue *list = post->get("processors");
      if (!list || !list->isArray())
        return fail("post_processor Sequence has no processors array");
      for (const JsonValue &item : list->getArray())
        if (!loadPostProcessor(&item, data))
          return false;
      return true;
    }
    if (!typeIs(post, "TemplateProcessing"))
      return fail("unsupported post_processor '" + typeOf(post) + "'");
    const JsonValue *single = post->get("single");
    const JsonValue *specials = post->get("special_tokens");
    if (!single || !single->isArray())
      return fail("TemplateProcessing has no \"single\" template");
    bool seenSequence = false;
    for (const JsonValue &item : single->getArray()) {
      if (item.get("Sequence")) {
        if (seenSequence)
          return fail("TemplateProcessing names the sequence twice");
        seenSequence = true;
        continue;
      }
      const JsonValue *special = item.get("SpecialToken");
      const JsonValue *name = special ? special->get("id") : nullptr;
      if (!name || !name->isString())
        return fail("TemplateProcessing item is neither Sequence nor "
                    "SpecialToken");
      const JsonValue *entry =
          specials ? specials->get(name->getString()) : nullptr;
      const JsonValue *ids = entry ? entry->get("ids") : nullptr;
      if (!ids || !ids->isArray())
        return fail("TemplateProcessing special token '" + name->getString() +
                    "' has no ids");
      for (const JsonValue &idValue : ids->getArray()) {
        int32_t id;
        if (!getId(idValue, "TemplateProcessing token", id))
          return false;
        (seenSequence ? data.suffixIds : data.prefixIds).push_back(id);
      }
    }
    if (!seenSequence)
      return fail("TemplateProcessing \"single\" lacks the sequence");
    return true;
  }

  bool checkDecoder(const JsonValue *decoder) {
    if (typeIs(decoder, "ByteLevel"))
      return true;
    return fail("unsupported decoder '" + typeOf(decoder) +
                "' (only ByteLevel is supported)");
  }

  /// Token strings by id from the vocab and the added tokens: ids must be
  /// dense, and an id given twice must name the same string.
  bool buildTokens(TokenizerData &data) {
    size_t n = 0;
    for (const auto &[text, id] : entries)
      n = std::max(n, static_cast<size_t>(id) + 1);
    if (n > entries.size())
      return fail("token ids are not dense: the largest is " +
                  std::to_string(n - 1) + " but there are only " +
                  std::to_string(entries.size()) + " tokens");
    data.tokens.assign(n, std::string());
    std::vector<bool> set(n, false);
    for (auto &[text, id] : entries) {
      if (set[id] && data.tokens[id] != text)
        return fail("token id " + std::to_string(id) + " is both '" +
                    data.tokens[id] + "' and '" + text + "'");
      set[id] = true;
      data.tokens[id] = text;
    }
    for (size_t id = 0; id < n; ++id)
      if (!set[id])
        return fail("no token has id " + std::to_string(id));
    return true;
  }

  /// bos_token/eos_token of tokenizer_config.json: a string or an object
  /// with "content".
  bool loadConfig(const JsonValue *config, TokenizerData &data) {
    if (!config)
      return true;
    if (!config->isObject())
      return fail("tokenizer_config.json is not a JSON object");
    for (auto [key, out] :
         {std::pair<const char *, int32_t *>{"bos_token", &data.bosId},
          {"eos_token", &data.eosId}}) {
      const JsonValue *v = config->get(key);
      if (v && v->isObject())
        v = v->get("content");
      if (!v || v->isNull())
        continue;
      if (!v->isString())
        return fail(std::string("tokenizer_config.json: ") + key +
                    " is not a string");
      for (size_t id = 0; id < data.tokens.size(); ++id)
        if (data.tokens[id] == v->getString()) {
          *out = static_cast<int32_t>(id);
          break;
        }
      if (*out < 0)
        return fail(std::string("tokenizer_config.json: ") + key + " '" +
                    v->getString() + "' is not a token");
    }
    return true;
  }

  std::string &error;
  std::vector<std::pair<std::string, int32_t>> entries;
};
} // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromJson(std::string_view json,
                                               std::string_view configJson,
                                               std::string &error) {
  JsonValue root, config;
  std::string parseError;
  if (!parseJson(json, root, parseError)) {
    error = "tokenizer.json: " + parseError;
    return nullptr;
  }
  if (!configJson.empty() && !parseJson(configJson, config, parseError)) {
    error = "tokenizer_config.json: " + parseError;
    return nullptr;
  }
  TokenizerData data;
  if (!Loader(error).load(root, configJson.empty() ? nullptr : &config, data))
    return nullptr;
  return create(std::move(data), error);
}

std::unique_ptr<Tokenizer> Tokenizer::fromJsonFile(const std::string &path,
                                                   std::string &error,
                                                   bool &ioError) {
  std::unique_ptr<MappedFile> file = MappedFile::open(path, error);
  ioError = !file;
  if (!file)
    return nullptr;
  std::unique_ptr<MappedFile> config;
  size_t slash = path.find_last_of('/');
  std::string configPath =
      (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) +
      "tokenizer_config.json";
  std::string ignored;
  config = MappedFile::open(configPath, ignored);
  std::unique_ptr<Tokenizer> tok = fromJson(
      file->bytes(), config ? config->bytes() : std::string_view(), error);
  if (!tok)
    error = path + ": " + error;
  return tok;
}
