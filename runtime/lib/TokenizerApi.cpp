//===- TokenizerApi.cpp - The tokenizer C API -----------------------------===//
//
// This file implements the seqrt_tokenizer_* and seqrt_detokenizer_*
// functions over Tokenizer and Detokenizer.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Tokenizer.h"
#include "TokenizerApiImpl.h"

#include <cstring>
#include <new>

using namespace seqrt;

struct seqrt_detokenizer {
  explicit seqrt_detokenizer(const Tokenizer &tokenizer, bool skipSpecial)
      : impl(tokenizer, skipSpecial) {}
  Detokenizer impl;
  std::string chunk;
};

extern "C" seqrt_status seqrt_tokenizer_load_json(const char *path,
                                                  seqrt_tokenizer **out) {
  if (!path || !out)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_tokenizer_load_json: null argument");
  *out = nullptr;
  std::string error;
  try {
    bool ioError;
    std::unique_ptr<Tokenizer> tok =
        Tokenizer::fromJsonFile(path, error, ioError);
    if (!tok)
      return fail(ioError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);
    *out = new seqrt_tokenizer{std::move(tok)};
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory loading a tokenizer");
  }
  return SEQRT_OK;
}

extern "C" void seqrt_tokenizer_free(seqrt_tokenizer *tokenizer) {
  delete tokenizer;
}

extern "C" seqrt_status seqrt_tokenizer_encode(const seqrt_tokenizer *tokenizer,
                                               const char *text, size_t len,
                                               int add_special, int32_t *ids,
                                               size_t capacity,
                                               size_t *num_ids) {
  if (!tokenizer || (!text && len) || !num_ids || (!ids && capacity))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tokenizer_encode: null argument");
  std::vector<int32_t> result;
  std::string error;
  try {
    if (!tokenizer->impl->encode(std::string_view(text ? text : "", len),
                                 add_special != 0, result, error))
      return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tokenizer_encode: " + error);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory encoding text");
  }
  *num_ids = result.size();
  if (!ids && capacity == 0)
    return SEQRT_OK;
  if (result.size() > capacity)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_tokenizer_encode: " + std::to_string(result.size()) +
                    " ids do not fit a buffer of " + std::to_string(capacity));
  std::copy(result.begin(), result.end(), ids);
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_tokenizer_decode(const seqrt_tokenizer *tokenizer,
                                               const int32_t *ids,
                                               size_t num_ids, int skip_special,
                                               char *text, size_t capacity,
                                               size_t *text_len) {
  if (!tokenizer || (!ids && num_ids) || !text_len || (!text && capacity))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tokenizer_decode: null argument");
  std::string result, error;
  try {
    if (!tokenizer->impl->decode(ids, num_ids, skip_special != 0, result,
                                 error))
      return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tokenizer_decode: " + error);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of memory decoding tokens");
  }
  *text_len = result.size();
  if (!text && capacity == 0)
    return SEQRT_OK;
  if (result.size() >= capacity)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_tokenizer_decode: " + std::to_string(result.size()) +
                    " bytes and a NUL do not fit a buffer of " +
                    std::to_string(capacity));
  std::memcpy(text, result.data(), result.size());
  text[result.size()] = '\0';
  return SEQRT_OK;
}

extern "C" size_t seqrt_tokenizer_vocab_size(const seqrt_tokenizer *tok) {
  return tok ? tok->impl->vocabSize() : 0;
}

extern "C" const char *seqrt_tokenizer_token_text(const seqrt_tokenizer *tok,
                                                  int32_t id) {
  if (!tok || !tok->impl->isValidId(id))
    return nullptr;
  return tok->impl->tokenText(id).c_str();
}

extern "C" int32_t seqrt_tokenizer_token_id(const seqrt_tokenizer *tok,
                                            const char *text) {
  if (!tok || !text)
    return -1;
  return tok->impl->tokenId(text);
}

extern "C" int seqrt_tokenizer_is_special(const seqrt_tokenizer *tok,
                                          int32_t id) {
  return tok && tok->impl->isSpecial(id) ? 1 : 0;
}

extern "C" int32_t seqrt_tokenizer_bos_id(const seqrt_tokenizer *tok) {
  return tok ? tok->impl->bosId() : -1;
}

extern "C" int32_t seqrt_tokenizer_eos_id(const seqrt_tokenizer *tok) {
  return tok ? tok->impl->eosId() : -1;
}

extern "C" seqrt_status seqrt_detokenizer_create(const seqrt_tokenizer *tok,
                                                 int skip_special,
                                                 seqrt_detokenizer **out) {
  if (!tok || !out)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_detokenizer_create: null argument");
  *out = new (std::nothrow) seqrt_detokenizer(*tok->impl, skip_special != 0);
  if (!*out)
    return fail(SEQRT_ERROR_MEMORY, "out of memory creating a detokenizer");
  return SEQRT_OK;
}

extern "C" void seqrt_detokenizer_free(seqrt_detokenizer *detokenizer) {
  delete detokenizer;
}

extern "C" seqrt_status seqrt_detokenizer_push(seqrt_detokenizer *detok,
                                               int32_t id, const char **text,
                                               size_t *text_len) {
  if (!detok || !text || !text_len)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_detokenizer_push: null argument");
  detok->chunk.clear();
  std::string error;
  if (!detok->impl.push(id, detok->chunk, error))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_detokenizer_push: " + error);
  *text = detok->chunk.c_str();
  *text_len = detok->chunk.size();
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_detokenizer_flush(seqrt_detokenizer *detok,
                                                const char **text,
                                                size_t *text_len) {
  if (!detok || !text || !text_len)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_detokenizer_flush: null argument");
  detok->chunk.clear();
  detok->impl.finish(detok->chunk);
  *text = detok->chunk.c_str();
  *text_len = detok->chunk.size();
  return SEQRT_OK;
}
