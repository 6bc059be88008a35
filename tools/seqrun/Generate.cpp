//===- Generate.cpp - seqrun's generation mode ----------------------------===//
//
// This file implements `seqrun --prompt-ids/--prompt/--chat`: the prompt
// (ids, text through the model's tokenizer, or one user message rendered
// with the model's chat template) is prefilled into a seqrt session, then
// tokens are drawn with seqrt_sample and fed back through decode steps
// until an EOS id, --max-new-tokens or a full cache. Token t (from 0) is
// drawn with counter t, as the compiled `generate` entry numbers its draws,
// so both give the same tokens for a seed.
//
// The tokenizer, chat template and EOS ids come from the weights: a GGUF
// file's metadata, or a model directory's tokenizer.json,
// tokenizer_config.json, generation_config.json and config.json.
//
//===----------------------------------------------------------------------===//

#include "Generate.h"

#include "Gguf.h"
#include "Json.h"
#include "MappedFile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

using namespace seqrun;

namespace {
using Clock = std::chrono::steady_clock;

double millisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

struct TokenizerDeleter {
  void operator()(seqrt_tokenizer *t) const { seqrt_tokenizer_free(t); }
};
struct DetokenizerDeleter {
  void operator()(seqrt_detokenizer *d) const { seqrt_detokenizer_free(d); }
};
struct SessionDeleter {
  void operator()(seqrt_session *s) const { seqrt_session_free(s); }
};
using TokenizerPtr = std::unique_ptr<seqrt_tokenizer, TokenizerDeleter>;

/// A text file of the model (a chat template, generation_config.json):
/// false if it is absent, unreadable or not a regular file (a FIFO must not
/// block seqrun waiting for a writer).
bool readText(const std::string &path, std::string &out) {
  std::string error;
  std::unique_ptr<seqrt::MappedFile> file =
      seqrt::MappedFile::open(path, error);
  if (!file)
    return false;
  out = std::string(file->bytes());
  return true;
}

bool isGgufFile(const std::string &path) {
  std::string error;
  std::unique_ptr<seqrt::MappedFile> file =
      seqrt::MappedFile::open(path, error);
  return file && seqrt::GgufFile::hasMagic(file->bytes());
}

/// Where the model's tokenizer, chat template and EOS ids come from.
struct ModelSource {
  std::string gguf; ///< a GGUF file, or
  std::string dir;  ///< a Hugging Face model directory
};

ModelSource modelSource(const Options &options) {
  ModelSource source;
  std::vector<std::string> candidates;
  if (!options.tokenizer.empty())
    candidates.push_back(options.tokenizer);
  candidates.insert(candidates.end(), options.weights.begin(),
                    options.weights.end());
  std::error_code ec;
  for (const std::string &path : candidates) {
    if (std::filesystem::is_directory(path, ec)) {
      source.dir = path;
      return source;
    }
    if (isGgufFile(path)) {
      source.gguf = path;
      return source;
    }
    // A tokenizer.json or a safetensors shard: its directory.
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (std::filesystem::exists(parent / "tokenizer.json", ec) ||
        std::filesystem::exists(parent / "config.json", ec)) {
      source.dir = parent.empty() ? "." : parent.string();
      return source;
    }
  }
  return source;
}

/// A JSON file of the model directory (false if absent or malformed).
bool readJson(const std::string &dir, const char *name, seqrt::JsonValue &out) {
  std::string text, error;
  return readText((std::filesystem::path(dir) / name).string(), text) &&
         seqrt::parseJson(text, out, error) && out.isObject();
}

/// eos_token_id: an int or a list of ints.
void appendIds(const seqrt::JsonValue *value, std::vector<int32_t> &out) {
  if (!value)
    return;
  if (value->isInt())
    out.push_back(static_cast<int32_t>(value->getInt()));
  if (value->isArray())
    for (const seqrt::JsonValue &id : value->getArray())
      if (id.isInt())
        out.push_back(static_cast<int32_t>(id.getInt()));
}

/// --eos, else the model's EOS ids.
bool eosIds(const Options &options, const ModelSource &source,
            std::vector<int32_t> &out, std::string &error) {
  if (!options.eos.empty()) {
    out = options.eos;
    return true;
  }
  if (!source.gguf.empty()) {
    bool ioError = false;
    std::unique_ptr<seqrt::GgufFile> file =
        seqrt::GgufFile::open(source.gguf, error, ioError);
    if (!file)
      return false;
    if (file->find("tokenizer.ggml.eos_token_id")) {
      std::optional<int64_t> id =
          file->getInteger("tokenizer.ggml.eos_token_id", error);
      if (!id)
        return false;
      out.push_back(static_cast<int32_t>(*id));
    }
    return true;
  }
  if (!source.dir.empty()) {
    seqrt::JsonValue json;
    if (readJson(source.dir, "generation_config.json", json))
      appendIds(json.get("eos_token_id"), out);
    if (out.empty() && readJson(source.dir, "config.json", json))
      appendIds(json.get("eos_token_id"), out);
  }
  return true;
}

bool loadTokenizer(const ModelSource &source, TokenizerPtr &out,
                   std::string &error) {
  seqrt_tokenizer *raw = nullptr;
  seqrt_status status;
  if (!source.gguf.empty()) {
    status = seqrt_tokenizer_load_gguf(source.gguf.c_str(), &raw);
  } else if (!source.dir.empty()) {
    std::string path =
        (std::filesystem::path(source.dir) / "tokenizer.json").string();
    status = seqrt_tokenizer_load_json(path.c_str(), &raw);
  } else {
    error = "no tokenizer: --prompt and --chat need GGUF weights, a model "
            "directory or --tokenizer";
    return false;
  }
  if (status != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  out.reset(raw);
  return true;
}

/// The model's chat template: GGUF tokenizer.chat_template or
/// tokenizer_config.json's chat_template (a string, or the "default" one
/// of a list of named templates).
bool chatTemplate(const ModelSource &source, std::string &out,
                  std::string &error) {
  if (!source.gguf.empty()) {
    bool ioError = false;
    std::unique_ptr<seqrt::GgufFile> file =
        seqrt::GgufFile::open(source.gguf, error, ioError);
    if (!file)
      return false;
    if (!file->find("tokenizer.chat_template")) {
      error = "'" + source.gguf + "' has no tokenizer.chat_template";
      return false;
    }
    std::optional<std::string_view> text =
        file->getString("tokenizer.chat_template", error);
    if (!text)
      return false;
    out = std::string(*text);
    return true;
  }
  seqrt::JsonValue config;
  if (source.dir.empty() ||
      !readJson(source.dir, "tokenizer_config.json", config)) {
    error = "no chat template: " +
            (source.dir.empty()
                 ? std::string("no model directory")
                 : "no readable tokenizer_config.json in '" + source.dir + "'");
    return false;
  }
  const seqrt::JsonValue *value = config.get("chat_template");
  if (value && value->isString()) {
    out = value->getString();
    return true;
  }
  if (value && value->isArray())
    for (const seqrt::JsonValue &named : value->getArray()) {
      const seqrt::JsonValue *name = named.get("name");
      const seqrt::JsonValue *text = named.get("template");
      if (name && name->isString() && name->getString() == "default" && text &&
          text->isString()) {
        out = text->getString();
        return true;
      }
    }
  error = "'" + source.dir + "/tokenizer_config.json' has no chat_template";
  return false;
}

bool encode(const seqrt_tokenizer *tokenizer, const std::string &text,
            bool addSpecial, std::vector<int32_t> &ids, std::string &error) {
  size_t count = 0;
  if (seqrt_tokenizer_encode(tokenizer, text.data(), text.size(), addSpecial,
                             nullptr, 0, &count) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  ids.resize(count);
  if (seqrt_tokenizer_encode(tokenizer, text.data(), text.size(), addSpecial,
                             ids.data(), ids.size(), &count) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  return true;
}

/// --chat: the rendered conversation.
bool renderChat(const Options &options, const ModelSource &source,
                const seqrt_tokenizer *tokenizer, std::string &out,
                std::string &error) {
  std::string templ;
  if (!chatTemplate(source, templ, error))
    return false;
  std::vector<seqrt_chat_message> messages;
  if (options.hasSystem)
    messages.push_back({"system", options.system.c_str()});
  messages.push_back({"user", options.chat.c_str()});
  const char *bos =
      seqrt_tokenizer_token_text(tokenizer, seqrt_tokenizer_bos_id(tokenizer));
  const char *eos =
      seqrt_tokenizer_token_text(tokenizer, seqrt_tokenizer_eos_id(tokenizer));
  char *text = nullptr;
  if (seqrt_chat_render(templ.c_str(), messages.data(), messages.size(),
                        /*add_generation_prompt=*/1, bos, eos,
                        &text) != SEQRT_OK) {
    error = std::string("chat template: ") + seqrt_last_error();
    return false;
  }
  out = text;
  seqrt_chat_free(text);
  return true;
}

/// Prints generated tokens as they come: ids, or text through a
/// detokenizer (whole UTF-8 characters only, special tokens skipped).
class Printer {
public:
  Printer(seqrt_detokenizer *detokenizer) : detokenizer(detokenizer) {}

  bool print(int32_t id, std::string &error) {
    if (!detokenizer) {
      std::printf("%s%d", first ? "" : " ", id);
    } else {
      const char *text = nullptr;
      size_t len = 0;
      if (seqrt_detokenizer_push(detokenizer, id, &text, &len) != SEQRT_OK) {
        error = seqrt_last_error();
        return false;
      }
      std::fwrite(text, 1, len, stdout);
    }
    first = false;
    std::fflush(stdout);
    return true;
  }

  void finish() {
    if (detokenizer) {
      const char *text = nullptr;
      size_t len = 0;
      if (seqrt_detokenizer_flush(detokenizer, &text, &len) == SEQRT_OK)
        std::fwrite(text, 1, len, stdout);
    }
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

private:
  seqrt_detokenizer *detokenizer;
  bool first = true;
};
} // namespace

bool seqrun::generate(seqrt_artifact *artifact, const Options &options,
                      std::string &error) {
  seqrt_session *rawSession = nullptr;
  if (seqrt_status status = seqrt_session_create(artifact, &rawSession)) {
    error = seqrt_last_error();
    // Entries that are not a model's prefill/decode; not a device error.
    if (status == SEQRT_ERROR_ARGUMENT)
      error += " (--prompt-ids, --prompt and --chat need an artifact built "
               "by seqc from a model)";
    return false;
  }
  std::unique_ptr<seqrt_session, SessionDeleter> session(rawSession);
  size_t vocab = seqrt_session_vocab_size(session.get());
  size_t capacity = seqrt_session_capacity(session.get());

  ModelSource source = modelSource(options);
  TokenizerPtr tokenizer;
  std::vector<int32_t> prompt = options.promptIds;
  bool text = options.hasPrompt || options.hasChat;
  if (text) {
    if (!loadTokenizer(source, tokenizer, error))
      return false;
    if (options.hasPrompt) {
      if (!encode(tokenizer.get(), options.prompt, /*addSpecial=*/true, prompt,
                  error))
        return false;
    } else {
      std::string rendered;
      if (!renderChat(options, source, tokenizer.get(), rendered, error) ||
          !encode(tokenizer.get(), rendered, /*addSpecial=*/false, prompt,
                  error))
        return false;
    }
  }
  if (prompt.empty()) {
    error = "the prompt is empty";
    return false;
  }
  if (prompt.size() > capacity) {
    error = "the prompt has " + std::to_string(prompt.size()) +
            " tokens but the cache holds " + std::to_string(capacity) +
            " (compile with a larger --max-seq-len)";
    return false;
  }
  std::vector<int32_t> eos;
  if (!eosIds(options, source, eos, error))
    return false;

  std::unique_ptr<seqrt_detokenizer, DetokenizerDeleter> detokenizer;
  if (text) {
    seqrt_detokenizer *raw = nullptr;
    if (seqrt_detokenizer_create(tokenizer.get(), /*skip_special=*/1, &raw) !=
        SEQRT_OK) {
      error = seqrt_last_error();
      return false;
    }
    detokenizer.reset(raw);
  }
  Printer printer(detokenizer.get());

  seqrt_sampling sampling = {static_cast<float>(options.temperature),
                             options.topK, static_cast<float>(options.topP)};
  std::vector<float> logits(vocab);
  auto start = Clock::now();
  size_t chunk = options.prefillChunk > 0
                     ? static_cast<size_t>(options.prefillChunk)
                     : prompt.size();
  for (size_t done = 0; done < prompt.size(); done += chunk) {
    size_t n = std::min(chunk, prompt.size() - done);
    if (seqrt_session_prefill(session.get(), prompt.data() + done, n,
                              logits.data()) != SEQRT_OK) {
      error = seqrt_last_error();
      return false;
    }
  }
  double prefillMs = millisSince(start);
  double firstTokenMs = 0;
  auto decodeStart = Clock::now();
  size_t generated = 0, decodeSteps = 0;
  const char *stop = "--max-new-tokens";
  while (generated < static_cast<size_t>(options.maxNewTokens)) {
    if (generated > 0) {
      if (seqrt_session_position(session.get()) >= capacity) {
        stop = "a full cache";
        break;
      }
      if (seqrt_session_decode(session.get(), prompt.back(), logits.data()) !=
          SEQRT_OK) {
        error = seqrt_last_error();
        return false;
      }
      ++decodeSteps;
    }
    int32_t token = 0;
    uint64_t counter = generated;
    if (seqrt_sample(logits.data(), vocab, &sampling, options.seed, counter,
                     &token) != SEQRT_OK) {
      error = seqrt_last_error();
      return false;
    }
    if (generated == 0) {
      firstTokenMs = millisSince(start);
      decodeStart = Clock::now();
    }
    ++generated;
    prompt.push_back(token); // the last element is what decode feeds next
    if (!printer.print(token, error))
      return false;
    if (std::find(eos.begin(), eos.end(), token) != eos.end()) {
      stop = "EOS";
      break;
    }
  }
  double decodeMs = millisSince(decodeStart);
  printer.finish();
  size_t promptTokens = prompt.size() - generated;
  std::fprintf(stderr,
               "seqrun: prompt %zu tokens, prefill %.2f ms (%.1f tokens/s), "
               "first token after %.2f ms\n",
               promptTokens, prefillMs,
               prefillMs > 0 ? promptTokens / (prefillMs / 1e3) : 0.0,
               firstTokenMs);
  std::fprintf(stderr,
               "seqrun: %zu tokens generated (stopped by %s), %zu decode "
               "steps in %.2f ms: %.1f tokens/s\n",
               generated, stop, decodeSteps, decodeMs,
               decodeSteps && decodeMs > 0 ? decodeSteps / (decodeMs / 1e3)
                                           : 0.0);
  return true;
}
