//===- TokenizerGguf.cpp - Tokenizers from GGUF metadata ------------------===//
//
// This file implements seqrt_tokenizer_load_gguf: the `tokenizer.ggml.*`
// metadata of a GGUF file (llama.cpp's names) to a byte-level BPE ("gpt2")
// or SentencePiece BPE ("llama") Tokenizer.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Gguf.h"
#include "Tokenizer.h"
#include "TokenizerApiImpl.h"

#include <new>

using namespace seqrt;

namespace {
/// The strings of a string-array key; false with `error` if absent or not
/// strings.
bool strings(const GgufFile &file, const char *key,
             std::vector<std::string> &out, std::string &error) {
  const GgufValue *value = file.getArray(key, GgufValueType::String, error);
  if (!value)
    return false;
  auto views = value->elements<std::string_view>();
  if (!views) {
    error = "gguf: '" + file.path() + "': " + key + " is not strings";
    return false;
  }
  out.assign(views->begin(), views->end());
  return true;
}

/// An optional integer key as an id: -1 when absent; false if present but
/// not an integer in i32 range.
bool optionalId(const GgufFile &file, const char *key, int32_t &out,
                std::string &error) {
  out = -1;
  if (!file.find(key))
    return true;
  std::optional<int64_t> id = file.getInteger(key, error);
  if (!id || *id < 0 || *id > INT32_MAX) {
    if (id)
      error = "gguf: '" + file.path() + "': " + key + " " +
              std::to_string(*id) + " is not a token id";
    return false;
  }
  out = static_cast<int32_t>(*id);
  return true;
}

/// An optional bool key, `fallback` when absent.
bool optionalBool(const GgufFile &file, const char *key, bool fallback,
                  bool &out, std::string &error) {
  out = fallback;
  if (!file.find(key))
    return true;
  std::optional<bool> value = file.getBool(key, error);
  if (!value)
    return false;
  out = *value;
  return true;
}
} // namespace

std::unique_ptr<Tokenizer> seqrt::tokenizerFromGguf(const GgufFile &file,
                                                    std::string &error) {
  std::optional<std::string_view> model =
      file.getString("tokenizer.ggml.model", error);
  if (!model)
    return nullptr;
  std::vector<std::string> tokens;
  if (!strings(file, "tokenizer.ggml.tokens", tokens, error))
    return nullptr;
  std::vector<int32_t> types(tokens.size(), kSpNormal);
  if (file.find("tokenizer.ggml.token_type")) {
    const GgufValue *value =
        file.getArray("tokenizer.ggml.token_type", GgufValueType::I32, error);
    if (!value)
      return nullptr;
    types = *value->elements<int32_t>();
  }
  int32_t bos, eos;
  bool addBos, addEos;
  if (!optionalId(file, "tokenizer.ggml.bos_token_id", bos, error) ||
      !optionalId(file, "tokenizer.ggml.eos_token_id", eos, error) ||
      !optionalBool(file, "tokenizer.ggml.add_bos_token", false, addBos,
                    error) ||
      !optionalBool(file, "tokenizer.ggml.add_eos_token", false, addEos, error))
    return nullptr;
  std::unique_ptr<Tokenizer> tokenizer;
  if (*model == "gpt2") {
    std::vector<std::string> merges;
    if (!strings(file, "tokenizer.ggml.merges", merges, error))
      return nullptr;
    std::string pre = "default";
    if (file.find("tokenizer.ggml.pre")) {
      std::optional<std::string_view> name =
          file.getString("tokenizer.ggml.pre", error);
      if (!name)
        return nullptr;
      pre = std::string(*name);
    }
    tokenizer = Tokenizer::fromVocab(std::move(tokens), types, merges, pre, bos,
                                     eos, addBos, addEos, error);
  } else if (*model == "llama") {
    const GgufValue *value =
        file.getArray("tokenizer.ggml.scores", GgufValueType::F32, error);
    if (!value)
      return nullptr;
    bool addSpacePrefix;
    if (!optionalBool(file, "tokenizer.ggml.add_space_prefix", true,
                      addSpacePrefix, error))
      return nullptr;
    tokenizer = Tokenizer::fromSentencePiece(
        std::move(tokens), *value->elements<float>(), std::move(types),
        addSpacePrefix, bos, eos, addBos, addEos, error);
  } else {
    error = "gguf: '" + file.path() + "': tokenizer.ggml.model '" +
            std::string(*model) +
            "' is not supported (only \"gpt2\" and \"llama\")";
    return nullptr;
  }
  if (!tokenizer)
    error = "gguf: '" + file.path() + "': tokenizer: " + error;
  return tokenizer;
}

extern "C" seqrt_status seqrt_tokenizer_load_gguf(const char *path,
                                                  seqrt_tokenizer **out) {
  if (!path || !out)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_tokenizer_load_gguf: null argument");
  *out = nullptr;
  std::string error;
  try {
    bool ioError = false;
    std::unique_ptr<GgufFile> file = GgufFile::open(path, error, ioError);
    if (!file)
      return fail(ioError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);
    std::unique_ptr<Tokenizer> tok = tokenizerFromGguf(*file, error);
    if (!tok)
      return fail(SEQRT_ERROR_FORMAT, error);
    *out = new seqrt_tokenizer{std::move(tok)};
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory loading a tokenizer");
  }
  return SEQRT_OK;
}
