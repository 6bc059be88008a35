//===- HuggingFace.cpp - Hugging Face checkpoints into seq IR -------------===//
//
// This file implements importHuggingFace: it reads config.json, accounts
// for every key (handled, known not to change the math, or rejected by
// name), reads the safetensors headers (one file or an index of shards),
// checks each tensor the architecture needs by name, dtype and shape, and
// hands a DecoderSpec to the shared decoder builder.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"
#include "DeepSeekBuilder.h"
#include "MambaBuilder.h"
#include "seqrt/Abi.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <set>

using namespace mlir;
using namespace mlir::seq;
namespace json = llvm::json;

bool mlir::seq::isHuggingFaceDirectory(StringRef path) {
  llvm::SmallString<256> config(path);
  llvm::sys::path::append(config, "config.json");
  return llvm::sys::fs::is_directory(path) && llvm::sys::fs::exists(config);
}

namespace {
/// A JSON file with diagnostics located at the line of a key.
struct JsonFile {
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  json::Value value = nullptr;

  /// The location of the first `"key"` in the text (line 1 if absent).
  Location loc(MLIRContext *ctx, StringRef key = "") const {
    unsigned line = 1, col = 1;
    if (!key.empty() && buffer) {
      StringRef text = buffer->getBuffer();
      size_t at = text.find(("\"" + key + "\"").str());
      if (at != StringRef::npos) {
        StringRef before = text.take_front(at);
        line = 1 + before.count('\n');
        col = 1 + at - (before.rfind('\n') + 1);
      }
    }
    return FileLineColLoc::get(ctx, path, line, col);
  }
};

FailureOr<JsonFile> readJson(MLIRContext *ctx, StringRef path) {
  JsonFile file;
  file.path = path.str();
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return emitError(UnknownLoc::get(ctx))
           << "cannot read '" << path << "': " << buffer.getError().message();
  file.buffer = std::move(*buffer);
  auto parsed = json::parse(file.buffer->getBuffer());
  if (!parsed)
    return emitError(file.loc(ctx))
           << "malformed JSON: " << llvm::toString(parsed.takeError());
  file.value = std::move(*parsed);
  if (!file.value.getAsObject())
    return emitError(file.loc(ctx)) << "expected a JSON object";
  return file;
}

/// The largest size a config.json or GGUF integer may give (layers,
/// hidden sizes, vocabularies, ...).
constexpr int64_t kMaxConfigInteger = int64_t(1) << 24;
/// Whether `v` is a positive number that stays positive and finite as the
/// f32 the graph holds (epsilons: 1e-50 would be 0, 1e105 infinite).
bool isPositiveF32(double v) {
  float f = static_cast<float>(v);
  return f > 0 && std::isfinite(f);
}

/// The most decoder layers a model may have (the largest public models
/// have a few hundred).
constexpr int64_t kMaxLayers = 4096;

/// Reads config.json keys, remembering which were looked at; whatever is
/// left at the end changes the math in a way the importer does not know,
/// unless it is known not to.
class Config {
public:
  Config(MLIRContext *ctx, const JsonFile &file)
      : ctx(ctx), file(file), obj(*file.value.getAsObject()) {}

  InFlightDiagnostic error(StringRef key) {
    return emitError(file.loc(ctx, key));
  }
  bool has(StringRef key) {
    used.insert(key);
    const json::Value *v = obj.get(key);
    return v && v->kind() != json::Value::Null;
  }
  FailureOr<int64_t> integer(StringRef key, std::optional<int64_t> dflt = {}) {
    used.insert(key);
    const json::Value *v = obj.get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (dflt)
        return *dflt;
      return error(key) << "config.json: missing '" << key << "'";
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i <= 0)
      return error(key) << "config.json: '" << key
                        << "' must be a positive integer";
    // Sizes beyond any real model would only overflow the graph's shapes.
    if (*i > kMaxConfigInteger)
      return error(key) << "config.json: '" << key << "' = " << *i
                        << " is larger than seqc accepts (" << kMaxConfigInteger
                        << ")";
    return *i;
  }
  FailureOr<double> number(StringRef key, std::optional<double> dflt = {}) {
    used.insert(key);
    const json::Value *v = obj.get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (dflt)
        return *dflt;
      return error(key) << "config.json: missing '" << key << "'";
    }
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d))
      return error(key) << "config.json: '" << key << "' must be a number";
    return *d;
  }
  FailureOr<bool> boolean(StringRef key, bool dflt) {
    used.insert(key);
    const json::Value *v = obj.get(key);
    if (!v || v->kind() == json::Value::Null)
      return dflt;
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return error(key) << "config.json: '" << key << "' must be a boolean";
    return *b;
  }
  /// A key whose only supported value is `expected` (or absent / null).
  LogicalResult expectString(StringRef key, ArrayRef<StringRef> allowed) {
    used.insert(key);
    const json::Value *v = obj.get(key);
    if (!v || v->kind() == json::Value::Null)
      return success();
    std::optional<StringRef> s = v->getAsString();
    if (s && llvm::is_contained(allowed, *s))
      return success();
    std::string got;
    llvm::raw_string_ostream os(got);
    os << *v;
    return error(key) << "config.json: '" << key << "' = " << got
                      << " is not supported (supported: "
                      << llvm::join(allowed, ", ") << ")";
  }
  LogicalResult expectBool(StringRef key, bool only) {
    FailureOr<bool> v = boolean(key, only);
    if (failed(v))
      return failure();
    if (*v != only)
      return error(key) << "config.json: '" << key
                        << "' = " << (*v ? "true" : "false")
                        << " is not supported";
    return success();
  }
  /// A key that must be absent or null.
  LogicalResult expectNull(StringRef key) {
    used.insert(key);
    if (!has(key))
      return success();
    std::string got;
    llvm::raw_string_ostream os(got);
    os << *obj.get(key);
    return error(key) << "config.json: '" << key << "' = " << got
                      << " changes the model and is not supported yet";
  }
  /// An int or a list of ints (eos_token_id).
  std::vector<int64_t> integers(StringRef key) {
    used.insert(key);
    std::vector<int64_t> out;
    const json::Value *v = obj.get(key);
    if (!v)
      return out;
    if (auto i = v->getAsInteger())
      out.push_back(*i);
    else if (auto *a = v->getAsArray())
      for (const json::Value &e : *a)
        if (auto i = e.getAsInteger())
          out.push_back(*i);
    return out;
  }
  const json::Value *raw(StringRef key) {
    used.insert(key);
    return obj.get(key);
  }
  void ignore(ArrayRef<StringRef> keys) {
    for (StringRef k : keys)
      used.insert(k);
  }
  /// Fails naming the first key nobody looked at.
  LogicalResult checkAllUsed(StringRef family) {
    std::vector<std::string> left;
    for (auto &kv : obj)
      if (!used.contains(kv.first.str()))
        left.push_back(kv.first.str());
    if (left.empty())
      return success();
    llvm::sort(left);
    return error(left.front())
           << "config.json: key '" << left.front() << "' is not handled by "
           << "the " << family << " importer (it may change the model's "
           << "math; unhandled keys: " << llvm::join(left, ", ") << ")";
  }

private:
  MLIRContext *ctx;
  const JsonFile &file;
  const json::Object &obj;
  llvm::StringSet<> used;
};

/// Keys that never change the computed logits.
const StringRef kNeutralKeys[] = {"architectures",
                                  "model_type",
                                  "transformers_version",
                                  "torch_dtype",
                                  "dtype",
                                  "use_cache",
                                  "initializer_range",
                                  "attention_dropout",
                                  "bos_token_id",
                                  "pad_token_id",
                                  "_name_or_path",
                                  "output_attentions",
                                  "output_hidden_states",
                                  "return_dict",
                                  "pretraining_tp",
                                  "tokenizer_class",
                                  "max_window_layers",
                                  "id2label",
                                  "label2id",
                                  "chunk_size_feed_forward",
                                  "is_encoder_decoder",
                                  "problem_type",
                                  "use_return_dict",
                                  "tie_encoder_decoder",
                                  "add_cross_attention"};

/// The model_types the importer reads.
const StringRef kFamilies[] = {"llama",     "mistral",         "qwen2",
                               "qwen3",     "gemma2",          "mixtral",
                               "qwen2_moe", "mamba",           "mamba2",
                               "jamba",     "recurrent_gemma", "deepseek_v3"};

/// Reads every safetensors header of the checkpoint into `tensors`.
LogicalResult readCheckpoint(MLIRContext *ctx, StringRef dir,
                             llvm::StringMap<TensorInfo> &tensors) {
  std::vector<std::string> files;
  llvm::SmallString<256> index(dir);
  llvm::sys::path::append(index, "model.safetensors.index.json");
  if (llvm::sys::fs::exists(index)) {
    FailureOr<JsonFile> idx = readJson(ctx, index);
    if (failed(idx))
      return failure();
    const json::Object *map = idx->value.getAsObject()->getObject("weight_map");
    if (!map)
      return emitError(idx->loc(ctx, "weight_map"))
             << "expected a 'weight_map' object";
    std::set<std::string> shards;
    for (auto &kv : *map) {
      auto shard = kv.second.getAsString();
      if (!shard || shard->contains('/') || shard->contains('\\'))
        return emitError(idx->loc(ctx, kv.first))
               << "bad shard name for '" << kv.first.str() << "'";
      shards.insert(shard->str());
    }
    files.assign(shards.begin(), shards.end());
  } else {
    files.push_back("model.safetensors");
  }
  for (const std::string &name : files) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    Location loc = FileLineColLoc::get(ctx, path, 1, 1);
    auto buffer = llvm::MemoryBuffer::getFileSlice(path, 8, 0);
    uint64_t size = 0;
    if (!buffer || llvm::sys::fs::file_size(path, size))
      return emitError(loc) << "cannot read '" << path << "'";
    uint64_t headerLen = 0;
    memcpy(&headerLen, (*buffer)->getBufferStart(), 8);
    if (size < 8 || headerLen > size - 8 || headerLen > (100u << 20))
      return emitError(loc) << "safetensors header length " << headerLen
                            << " exceeds the file (" << size << " bytes)";
    auto header = llvm::MemoryBuffer::getFileSlice(path, headerLen, 8);
    if (!header)
      return emitError(loc) << "cannot read the safetensors header";
    auto parsed = json::parse((*header)->getBuffer());
    if (!parsed || !parsed->getAsObject())
      return emitError(loc) << "malformed safetensors header";
    for (auto &kv : *parsed->getAsObject()) {
      if (kv.first == "__metadata__")
        continue;
      const json::Object *t = kv.second.getAsObject();
      auto dtype = t ? t->getString("dtype") : std::nullopt;
      const json::Array *shape = t ? t->getArray("shape") : nullptr;
      if (!dtype || !shape)
        return emitError(loc)
               << "tensor '" << kv.first.str() << "' lacks a dtype or shape";
      TensorInfo info;
      Builder b(ctx);
      if (*dtype == "F32")
        info.elementType = b.getF32Type();
      else if (*dtype == "BF16")
        info.elementType = b.getBF16Type();
      else if (*dtype == "F16")
        info.elementType = b.getF16Type();
      else
        info.elementType = nullptr; // reported if the model uses it
      for (const json::Value &d : *shape) {
        auto e = d.getAsInteger();
        if (!e || *e < 0)
          return emitError(loc)
                 << "tensor '" << kv.first.str() << "' has a bad shape";
        info.shape.push_back(*e);
      }
      tensors[kv.first] = std::move(info);
    }
  }
  return success();
}

/// Checks that `name` is in the checkpoint as f32, bf16 or f16 with
/// `shape`.
LogicalResult checkTensor(MLIRContext *ctx, StringRef dir,
                          const llvm::StringMap<TensorInfo> &tensors,
                          StringRef name, ArrayRef<int64_t> shape) {
  Location loc = FileLineColLoc::get(ctx, dir, 0, 0);
  auto it = tensors.find(name);
  if (it == tensors.end())
    return emitError(loc) << "checkpoint: missing tensor '" << name << "'";
  const TensorInfo &info = it->second;
  if (ArrayRef<int64_t>(info.shape) != shape) {
    InFlightDiagnostic d = emitError(loc);
    d << "checkpoint: tensor '" << name << "' has shape [";
    llvm::interleaveComma(info.shape, d);
    d << "], expected [";
    llvm::interleaveComma(shape, d);
    return d << "]";
  }
  if (!info.elementType ||
      !isa<Float32Type, BFloat16Type, Float16Type>(info.elementType))
    return emitError(loc) << "checkpoint: tensor '" << name
                          << "' is not f32, bf16 or f16";
  return success();
}

/// Half-precision matrices (bf16/f16 linear and embedding weights) stay in
/// their 2-byte rows: parameters of raw bytes i8[N, 2K] with the bf16/f16
/// encoding, computed by seq.quantized_linear / quantized_embedding (f32
/// accumulation), bound to the safetensors data without a copy. Vectors
/// (norm weights, biases) keep their type and are widened to f32 where
/// they are used, as are the 2-D tensors in `typed` that no linear layer
/// reads (Mamba's A_log, the RG-LRU gates' biases, DeepSeek's kv_b_proj
/// and shared experts, which other ops read in their stored type).
void encodeHalfMatrices(llvm::StringMap<TensorInfo> &tensors,
                        const llvm::StringSet<> &needed, MLIRContext *ctx,
                        const llvm::StringSet<> &typed = {}) {
  for (auto &kv : tensors) {
    TensorInfo &info = kv.second;
    if (!needed.contains(kv.first()) || typed.contains(kv.first()) ||
        info.shape.size() != 2 || !info.elementType ||
        !isa<BFloat16Type, Float16Type>(info.elementType))
      continue;
    info.quant = isa<BFloat16Type>(info.elementType) ? QuantFormat::BF16
                                                     : QuantFormat::F16;
    info.elementType = IntegerType::get(ctx, 8);
    info.shape.back() *= 2;
  }
}

/// Adds the stacked parameters of `stacked` to `tensors`: their parts'
/// type with the expert dimension first. Every part must have the first
/// part's element type (the shapes were checked).
LogicalResult
addStacked(MLIRContext *ctx, StringRef dir,
           const std::map<std::string, std::vector<std::string>> &stacked,
           llvm::StringMap<TensorInfo> &tensors) {
  for (auto &[name, parts] : stacked) {
    TensorInfo info = tensors.find(parts.front())->second;
    for (const std::string &part : parts)
      if (tensors.find(part)->second.elementType != info.elementType) {
        emitError(FileLineColLoc::get(ctx, dir, 0, 0))
            << "checkpoint: expert tensor '" << part
            << "' has another dtype than '" << parts.front()
            << "' (a layer's experts are stacked into one parameter)";
        return failure();
      }
    info.shape.insert(info.shape.begin(), static_cast<int64_t>(parts.size()));
    tensors[name] = std::move(info);
  }
  return success();
}

/// A positive number that transformers defaults to `dflt` when the key is
/// absent and turns off when it is null (Gemma-2's softcaps).
FailureOr<std::optional<double>> optionalPositive(Config &c, StringRef key,
                                                  std::optional<double> dflt) {
  const json::Value *v = c.raw(key);
  if (!v)
    return dflt;
  if (v->kind() == json::Value::Null)
    return std::optional<double>();
  std::optional<double> d = v->getAsNumber();
  if (!d || !std::isfinite(*d) || *d <= 0)
    return c.error(key) << "config.json: '" << key
                        << "' must be a positive number or null";
  return std::optional<double>(*d);
}

/// Llama-3's scaled inverse frequencies (transformers'
/// _compute_llama3_parameters, in f32 as it computes them): wavelengths
/// longer than original / low_freq_factor are divided by `factor`, shorter
/// than original / high_freq_factor kept, and those between interpolated.
std::vector<float> llama3InvFreq(double theta, int64_t headDim, double factor,
                                 double lowFreqFactor, double highFreqFactor,
                                 int64_t original) {
  std::vector<float> out;
  float lowWavelen = static_cast<float>(original / lowFreqFactor);
  float highWavelen = static_cast<float>(original / highFreqFactor);
  float f = static_cast<float>(factor), low = static_cast<float>(lowFreqFactor);
  float span = static_cast<float>(highFreqFactor - lowFreqFactor);
  for (int64_t i = 0; i < headDim; i += 2) {
    float exponent = static_cast<float>(i) / static_cast<float>(headDim);
    float inv = 1.0f / std::pow(static_cast<float>(theta), exponent);
    float wavelen = static_cast<float>(2.0 * M_PI) / inv;
    float scaled = wavelen > lowWavelen ? inv / f : inv;
    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
      float smooth = (static_cast<float>(original) / wavelen - low) / span;
      scaled = (1.0f - smooth) * scaled / f + smooth * scaled;
    }
    out.push_back(scaled);
  }
  return out;
}

/// YaRN's inverse frequencies (transformers' _compute_yarn_parameters, in
/// f32 as it computes them): per dimension pair a blend, by a linear ramp
/// between the correction dimensions of beta_fast and beta_slow
/// rotations, of the original (extrapolated) frequency and the one divided
/// by `factor` (interpolated).
std::vector<float> yarnInvFreq(double theta, int64_t headDim, double factor,
                               double betaFast, double betaSlow,
                               int64_t original, bool truncate) {
  double dim = static_cast<double>(headDim);
  auto correctionDim = [&](double rotations) {
    return dim * std::log(original / (rotations * 2 * M_PI)) /
           (2 * std::log(theta));
  };
  double low = correctionDim(betaFast), high = correctionDim(betaSlow);
  if (truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dim - 1);
  if (low == high)
    high += 0.001; // transformers' guard against a zero-width ramp
  std::vector<float> out;
  float f = static_cast<float>(factor);
  for (int64_t i = 0; i < headDim; i += 2) {
    float posFreq =
        std::pow(static_cast<float>(theta),
                 static_cast<float>(i) / static_cast<float>(headDim));
    float extrapolated = 1.0f / posFreq;
    float interpolated = 1.0f / (f * posFreq);
    float ramp = (static_cast<float>(i / 2) - static_cast<float>(low)) /
                 static_cast<float>(high - low);
    float extrapolation = 1.0f - std::clamp(ramp, 0.0f, 1.0f);
    out.push_back(interpolated * (1.0f - extrapolation) +
                  extrapolated * extrapolation);
  }
  return out;
}

/// RoPE: transformers 4.x writes rope_theta + rope_scaling, 5.x a
/// rope_parameters object (rope_theta inside). Plain RoPE (`default`),
/// position interpolation (`linear`), Llama-3's frequency scaling
/// (`llama3`), YaRN (`yarn`: frequencies and an attention factor) and
/// dynamic NTK (`dynamic`: seq.rope recomputes the base from the longest
/// position of each call) are imported; the others (`longrope` switches
/// the frequencies with the length) are rejected.
LogicalResult readRope(Config &c, DecoderSpec &s, int64_t maxPos) {
  s.ropeTheta = 10000.0;
  if (c.has("rope_theta")) {
    FailureOr<double> t = c.number("rope_theta");
    if (failed(t))
      return failure();
    if (*t <= 0)
      return c.error("rope_theta") << "config.json: bad rope_theta";
    s.ropeTheta = *t;
  }
  std::string type = "default";
  std::optional<double> factor, lowFreq, highFreq;
  std::optional<double> attentionFactor, betaFast, betaSlow, mscale,
      mscaleAllDim;
  std::optional<int64_t> original;
  bool truncate = true;
  for (StringRef key : {"rope_scaling", "rope_parameters"}) {
    const json::Value *rp = c.raw(key);
    if (!rp || rp->kind() == json::Value::Null)
      continue;
    const json::Object *o = rp->getAsObject();
    if (!o)
      return c.error(key) << "config.json: '" << key << "' must be an object";
    for (auto &kv : *o) {
      StringRef name = kv.first;
      auto number = [&](std::optional<double> &out) -> LogicalResult {
        auto v = kv.second.getAsNumber();
        if (!v || !std::isfinite(*v) || *v <= 0)
          return c.error(name) << "config.json: " << key << "." << name
                               << " must be a positive number";
        out = *v;
        return success();
      };
      if (name == "rope_theta") {
        std::optional<double> t;
        if (failed(number(t)))
          return failure();
        s.ropeTheta = *t;
      } else if (name == "rope_type" || name == "type") {
        auto t = kv.second.getAsString();
        if (!t ||
            !llvm::is_contained(
                {"default", "linear", "llama3", "yarn", "dynamic"}, *t))
          return c.error(name) << "config.json: " << key << "." << name << " '"
                               << (t ? *t : "?")
                               << "' is not supported yet (supported: "
                                  "default, linear, llama3, yarn, dynamic)";
        type = t->str();
      } else if (name == "factor") {
        if (failed(number(factor)))
          return failure();
      } else if (name == "low_freq_factor") {
        if (failed(number(lowFreq)))
          return failure();
      } else if (name == "high_freq_factor") {
        if (failed(number(highFreq)))
          return failure();
      } else if (name == "attention_factor") {
        if (failed(number(attentionFactor)))
          return failure();
      } else if (name == "beta_fast") {
        if (failed(number(betaFast)))
          return failure();
      } else if (name == "beta_slow") {
        if (failed(number(betaSlow)))
          return failure();
      } else if (name == "mscale") {
        if (failed(number(mscale)))
          return failure();
      } else if (name == "mscale_all_dim") {
        if (failed(number(mscaleAllDim)))
          return failure();
      } else if (name == "truncate") {
        auto v = kv.second.getAsBoolean();
        if (!v)
          return c.error(name) << "config.json: " << key << "." << name
                               << " must be a boolean";
        truncate = *v;
      } else if (name == "original_max_position_embeddings") {
        auto v = kv.second.getAsInteger();
        if (!v || *v <= 0)
          return c.error(name) << "config.json: " << key << "." << name
                               << " must be a positive integer";
        original = *v;
      } else {
        return c.error(name) << "config.json: " << key << "." << name.str()
                             << " is not handled";
      }
    }
  }
  bool yarnKeys = attentionFactor || betaFast || betaSlow || mscale ||
                  mscaleAllDim || !truncate;
  if (type == "default") {
    if (factor || lowFreq || highFreq || original || yarnKeys)
      return c.error("rope_type")
             << "config.json: RoPE scaling parameters without a scaled "
                "rope_type";
    return success();
  }
  if (type == "linear") {
    // Positions divided by `factor`: the frequencies are.
    if (!factor || lowFreq || highFreq || original || yarnKeys)
      return c.error("rope_type") << "config.json: rope_type linear takes "
                                     "exactly one parameter, factor";
    for (int64_t i = 0; i < s.headDim; i += 2)
      s.ropeInvFreq.push_back(
          1.0f /
          std::pow(static_cast<float>(s.ropeTheta),
                   static_cast<float>(i) / static_cast<float>(s.headDim)) /
          static_cast<float>(*factor));
    return success();
  }
  if (type == "dynamic") {
    // transformers' _compute_dynamic_ntk_parameters: factor and
    // max_position_embeddings, nothing else (its validation lists no other
    // key; an original_max_position_embeddings would not be read).
    if (!factor || lowFreq || highFreq || original || yarnKeys)
      return c.error("rope_type") << "config.json: rope_type dynamic takes "
                                     "exactly one parameter, factor (the "
                                     "threshold is max_position_embeddings)";
    if (*factor < 1.0)
      return c.error("factor")
             << "config.json: dynamic RoPE needs factor >= 1";
    if (s.headDim <= 2)
      return c.error("rope_type")
             << "config.json: dynamic RoPE needs a head_dim above 2";
    s.ropeNtkFactor = *factor;
    s.ropeNtkMaxPositions = maxPos;
    return success();
  }
  if (type == "yarn") {
    if (lowFreq || highFreq)
      return c.error("rope_type") << "config.json: low_freq_factor and "
                                     "high_freq_factor are llama3's, not "
                                     "yarn's";
    if (!original)
      return c.error("rope_type") << "config.json: rope_type yarn needs "
                                     "original_max_position_embeddings";
    // transformers: factor defaults to max_position_embeddings / original;
    // the attention factor to 0.1 ln(factor) + 1 (or DeepSeek's mscale
    // ratio when mscale and mscale_all_dim are both given).
    double f = factor ? *factor : static_cast<double>(maxPos) / *original;
    auto getMscale = [&](double scale, double m) {
      return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0;
    };
    double attention = attentionFactor ? *attentionFactor
                       : mscale && mscaleAllDim
                           ? getMscale(f, *mscale) / getMscale(f, *mscaleAllDim)
                           : getMscale(f, 1.0);
    s.ropeInvFreq =
        yarnInvFreq(s.ropeTheta, s.headDim, f, betaFast.value_or(32.0),
                    betaSlow.value_or(1.0), *original, truncate);
    s.ropeAttentionFactor = attention;
    return success();
  }
  if (yarnKeys)
    return c.error("rope_type")
           << "config.json: YaRN parameters with rope_type llama3";
  // llama3; transformers falls back to max_position_embeddings.
  if (!factor || !lowFreq || !highFreq)
    return c.error("rope_type")
           << "config.json: rope_type llama3 needs factor, low_freq_factor "
              "and high_freq_factor";
  if (*factor < 1.0 || *highFreq <= *lowFreq)
    return c.error("factor")
           << "config.json: llama3 RoPE needs factor >= 1 and "
              "high_freq_factor > low_freq_factor";
  s.ropeInvFreq = llama3InvFreq(s.ropeTheta, s.headDim, *factor, *lowFreq,
                                *highFreq, original.value_or(maxPos));
  return success();
}

/// Per-layer attention windows from `layer_types` ("full_attention" or
/// "sliding_attention" with `sliding_window` keys). Qwen2/Qwen3 only slide
/// when `use_sliding_window`; Gemma-2 always does, and without layer_types
/// its layers alternate, sliding first (Gemma2Config.__post_init__).
LogicalResult readLayerTypes(Config &c, StringRef family,
                             std::vector<LayerKind> &kinds) {
  bool gemma = family == "gemma2";
  bool use = true;
  if (!gemma) {
    FailureOr<bool> u = c.boolean("use_sliding_window", false);
    if (failed(u))
      return failure();
    use = *u;
  }
  std::optional<int64_t> window;
  auto slidingWindow = [&]() -> LogicalResult {
    if (window)
      return success();
    const json::Value *raw = c.raw("sliding_window");
    if (gemma && raw && raw->kind() == json::Value::Null)
      return c.error("sliding_window")
             << "config.json: 'sliding_window' is null but layers slide";
    FailureOr<int64_t> w = c.integer(
        "sliding_window", gemma ? std::optional<int64_t>(4096) : std::nullopt);
    if (failed(w))
      return failure();
    window = *w;
    return success();
  };
  c.ignore({"sliding_window"}); // read only where a layer slides
  const json::Value *lt = c.raw("layer_types");
  if (!lt || lt->kind() == json::Value::Null) {
    if (gemma) {
      for (size_t i = 0; i < kinds.size(); i += 2) {
        if (failed(slidingWindow()))
          return failure();
        kinds[i].window = *window;
      }
      return success();
    }
    if (use)
      return c.error("use_sliding_window")
             << "config.json: use_sliding_window without layer_types is "
                "not supported";
    return success();
  }
  const json::Array *a = lt->getAsArray();
  if (!a || a->size() != kinds.size())
    return c.error("layer_types")
           << "config.json: layer_types must list num_hidden_layers entries";
  for (auto [i, v] : llvm::enumerate(*a)) {
    auto t = v.getAsString();
    if (t && *t == "full_attention")
      continue;
    if (t && *t == "sliding_attention" && use) {
      if (failed(slidingWindow()))
        return failure();
      kinds[i].window = *window;
      continue;
    }
    return c.error("layer_types") << "config.json: layer_types[" << i << "] '"
                                  << (t ? *t : "?") << "' is not supported";
  }
  return success();
}

/// The sparse MoE keys of Mixtral (every layer: softmax top-k
/// renormalised, experts of intermediate_size) and Qwen2-MoE (softmax
/// top-k renormalised only with norm_topk_prob, experts of
/// moe_intermediate_size, a sigmoid-gated shared expert, dense layers by
/// decoder_sparse_step and mlp_only_layers). Fills `moeLayers` with the
/// layers that have the MoE block.
LogicalResult readMoe(Config &c, StringRef family, DecoderSpec &s,
                      std::vector<bool> &moeLayers) {
  bool mixtral = family == "mixtral";
  MoeSpec m;
  FailureOr<int64_t> experts = c.integer(
      mixtral ? "num_local_experts" : "num_experts", mixtral ? 8 : 60);
  FailureOr<int64_t> topK = c.integer("num_experts_per_tok", mixtral ? 2 : 4);
  if (failed(experts) || failed(topK))
    return failure();
  // Experts are stacked per layer; more than this is no real model.
  if (*experts > 4096)
    return c.error(mixtral ? "num_local_experts" : "num_experts")
           << "config.json: " << *experts
           << " experts is more than seqc accepts (4096)";
  if (*topK > *experts)
    return c.error("num_experts_per_tok")
           << "config.json: num_experts_per_tok " << *topK
           << " is more than the " << *experts << " experts";
  m.experts = *experts;
  m.topK = *topK;
  // Training-only terms: the auxiliary loss and its logits output, and
  // Mixtral's router jitter (multiplicative noise applied only in
  // training mode).
  if (failed(c.number("router_aux_loss_coef", 0.0)) ||
      failed(c.boolean("output_router_logits", false)))
    return failure();
  moeLayers.assign(s.layers, true);
  if (mixtral) {
    FailureOr<double> jitter = c.number("router_jitter_noise", 0.0);
    if (failed(jitter))
      return failure();
    if (*jitter < 0)
      return c.error("router_jitter_noise")
             << "config.json: 'router_jitter_noise' must not be negative";
    m.intermediate = s.intermediate;
    m.normalize = true;
  } else {
    FailureOr<int64_t> width = c.integer("moe_intermediate_size", 1408);
    FailureOr<int64_t> shared =
        c.integer("shared_expert_intermediate_size", 5632);
    FailureOr<bool> norm = c.boolean("norm_topk_prob", false);
    FailureOr<int64_t> step = c.integer("decoder_sparse_step", 1);
    if (failed(width) || failed(shared) || failed(norm) || failed(step))
      return failure();
    m.intermediate = *width;
    m.sharedIntermediate = *shared;
    m.normalize = *norm;
    for (int64_t l = 0; l < s.layers; ++l)
      moeLayers[l] = (l + 1) % *step == 0;
    if (const json::Value *only = c.raw("mlp_only_layers");
        only && only->kind() != json::Value::Null) {
      const json::Array *a = only->getAsArray();
      if (!a)
        return c.error("mlp_only_layers")
               << "config.json: 'mlp_only_layers' must be a list of layer "
                  "indices";
      for (const json::Value &v : *a) {
        std::optional<int64_t> l = v.getAsInteger();
        if (!l || *l < 0 || *l >= s.layers)
          return c.error("mlp_only_layers")
                 << "config.json: 'mlp_only_layers' must list layer indices "
                    "below num_hidden_layers "
                 << s.layers;
        moeLayers[*l] = false;
      }
    }
  }
  s.moe = m;
  return success();
}

/// The per-expert checkpoint tensors "<prefix><e><suffix>" of `experts`
/// experts, stacked at bind time into the parameter `name`.
std::string stackExperts(DecoderSpec &s, const std::string &name,
                         const std::string &prefix, const std::string &suffix,
                         int64_t experts) {
  std::vector<std::string> &parts = s.stacked[name];
  for (int64_t e = 0; e < experts; ++e)
    parts.push_back(prefix + std::to_string(e) + suffix);
  return name;
}

/// The decoders of Hugging Face's Llama lineage: llama, mistral, qwen2,
/// qwen3 (per-head q/k norms), gemma2 (scaled embedding, (1 + w) norms,
/// sandwich norms, GELU-tanh MLP, softcaps, alternating windows) and the
/// MoE decoders mixtral (Mistral's attention) and qwen2_moe (Qwen2's).
FailureOr<DecoderSpec> readDecoder(MLIRContext *ctx, Config &c,
                                   StringRef family) {
  bool qwen3 = family == "qwen3", gemma2 = family == "gemma2";
  bool mixtral = family == "mixtral", qwen2moe = family == "qwen2_moe";
  DecoderSpec s;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = c.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return v;
  };
  if (failed(get("vocab_size", s.vocab)) ||
      failed(get("hidden_size", s.hidden)) ||
      failed(get("intermediate_size", s.intermediate)) ||
      failed(get("num_hidden_layers", s.layers)) ||
      failed(get("num_attention_heads", s.heads)) ||
      failed(get("num_key_value_heads", s.kvHeads, s.heads)))
    return failure();
  if (s.layers > kMaxLayers)
    return c.error("num_hidden_layers")
           << "config.json: num_hidden_layers " << s.layers
           << " is more than seqc accepts (" << kMaxLayers << ")";
  // Qwen3 and Gemma-2 default head_dim to their configs' values, not
  // hidden / heads.
  std::optional<int64_t> headDim;
  if (qwen3)
    headDim = 128;
  else if (gemma2)
    headDim = 256;
  else if (s.hidden % s.heads == 0)
    headDim = s.hidden / s.heads;
  else if (!c.has("head_dim"))
    return c.error("num_attention_heads")
           << "config.json: hidden_size " << s.hidden
           << " is not a multiple of num_attention_heads " << s.heads;
  if (failed(get("head_dim", s.headDim, headDim)))
    return failure();
  if (s.heads % s.kvHeads != 0)
    return c.error("num_key_value_heads")
           << "config.json: num_key_value_heads " << s.kvHeads
           << " does not divide num_attention_heads " << s.heads;
  FailureOr<double> eps = c.number("rms_norm_eps", 1e-6);
  if (failed(eps))
    return failure();
  if (!isPositiveF32(*eps))
    return c.error("rms_norm_eps")
           << "config.json: 'rms_norm_eps' must be positive (as an f32)";
  s.rmsEps = *eps;
  int64_t maxPos;
  if (failed(get("max_position_embeddings", maxPos, gemma2 ? 8192 : 2048)))
    return failure();
  if (failed(readRope(c, s, maxPos)))
    return failure();

  if (gemma2) {
    // Gemma-2 reads hidden_activation; its checkpoints also carry the
    // older hidden_act, which must agree.
    if (failed(c.expectString("hidden_activation", {"gelu_pytorch_tanh"})) ||
        failed(c.expectString("hidden_act", {"gelu_pytorch_tanh"})))
      return failure();
    s.activation = MlpActivation::GeLUTanh;
  } else if (failed(c.expectString("hidden_act", {"silu"}))) {
    return failure();
  }
  if (failed(c.expectBool("mlp_bias", false)))
    return failure();
  FailureOr<bool> tie = c.boolean("tie_word_embeddings", gemma2);
  if (failed(tie))
    return failure();
  s.eosTokenIds = c.integers("eos_token_id");
  for (int64_t id : s.eosTokenIds)
    if (id < 0 || id >= s.vocab)
      return c.error("eos_token_id")
             << "config.json: eos_token_id " << id << " outside the vocab";

  // Attention biases: Llama's attention_bias puts them on q, k, v and o;
  // Qwen2 always has q/k/v biases and none on o; Qwen3 and Gemma-2
  // checkpoints have none (attention_bias: true is not imported yet).
  bool qkvBias = family == "qwen2", oBias = false;
  if (qwen2moe) {
    // Qwen2MoeConfig.qkv_bias (default true) switches the q/k/v biases.
    FailureOr<bool> qb = c.boolean("qkv_bias", true);
    if (failed(qb))
      return failure();
    qkvBias = *qb;
  } else if (family == "llama") {
    FailureOr<bool> ab = c.boolean("attention_bias", false);
    if (failed(ab))
      return failure();
    qkvBias = oBias = *ab;
  } else if (qwen3 || gemma2) {
    if (failed(c.expectBool("attention_bias", false)))
      return failure();
  }

  if (gemma2) {
    // Embedding times sqrt(hidden), norms by (1 + weight), attention scale
    // query_pre_attn_scalar^-1/2, softcapped scores and logits.
    s.embeddingScale = std::sqrt(static_cast<double>(s.hidden));
    s.normWeightOffset = 1.0;
    FailureOr<double> scalar = c.number("query_pre_attn_scalar", 256.0);
    if (failed(scalar))
      return failure();
    if (*scalar <= 0)
      return c.error("query_pre_attn_scalar")
             << "config.json: 'query_pre_attn_scalar' must be positive";
    s.attentionScale = 1.0 / std::sqrt(*scalar);
    FailureOr<std::optional<double>> attnCap =
        optionalPositive(c, "attn_logit_softcapping", 50.0);
    FailureOr<std::optional<double>> finalCap =
        optionalPositive(c, "final_logit_softcapping", 30.0);
    if (failed(attnCap) || failed(finalCap))
      return failure();
    s.attentionSoftcap = *attnCap;
    s.finalSoftcap = *finalCap;
    if (failed(c.expectBool("use_bidirectional_attention", false)))
      return failure();
    // How transformers sizes its cache for generate(); no effect on logits.
    c.ignore({"cache_implementation"});
  }

  // Sliding windows: Mistral applies sliding_window to every layer; Qwen2
  // and Qwen3 only when use_sliding_window, to the layers layer_types
  // names; Gemma-2 to its sliding_attention layers.
  std::vector<LayerKind> kinds(s.layers);
  if (family == "mistral" || mixtral) {
    if (c.has("sliding_window")) {
      FailureOr<int64_t> w = c.integer("sliding_window");
      if (failed(w))
        return failure();
      for (LayerKind &k : kinds)
        k.window = *w;
    }
  } else if (family != "llama") {
    if (failed(readLayerTypes(c, family, kinds)))
      return failure();
  }
  s.layerKinds = kinds;

  std::vector<bool> moeLayers(s.layers, false);
  if ((mixtral || qwen2moe) && failed(readMoe(c, family, s, moeLayers)))
    return failure();

  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("model.layers.{0}.", l);
    LayerNames n;
    n.inputNorm = p + "input_layernorm.weight";
    n.q = p + "self_attn.q_proj.weight";
    n.k = p + "self_attn.k_proj.weight";
    n.v = p + "self_attn.v_proj.weight";
    n.o = p + "self_attn.o_proj.weight";
    if (qkvBias) {
      n.qBias = p + "self_attn.q_proj.bias";
      n.kBias = p + "self_attn.k_proj.bias";
      n.vBias = p + "self_attn.v_proj.bias";
    }
    if (oBias)
      n.oBias = p + "self_attn.o_proj.bias";
    if (qwen3) {
      n.qNorm = p + "self_attn.q_norm.weight";
      n.kNorm = p + "self_attn.k_norm.weight";
    }
    if (gemma2) {
      // Gemma-2's post_attention_layernorm normalises the attention
      // output; pre_feedforward_layernorm is the norm before the MLP.
      n.attnOutNorm = p + "post_attention_layernorm.weight";
      n.postNorm = p + "pre_feedforward_layernorm.weight";
      n.mlpOutNorm = p + "post_feedforward_layernorm.weight";
    } else {
      n.postNorm = p + "post_attention_layernorm.weight";
    }
    if (!moeLayers[l]) {
      n.gate = p + "mlp.gate_proj.weight";
      n.up = p + "mlp.up_proj.weight";
      n.down = p + "mlp.down_proj.weight";
    } else if (mixtral) {
      // w1 = gate, w3 = up, w2 = down.
      std::string e = p + "block_sparse_moe.experts.";
      int64_t E = s.moe->experts;
      n.router = p + "block_sparse_moe.gate.weight";
      n.expertGate = stackExperts(s, e + "w1.weight", e, ".w1.weight", E);
      n.expertUp = stackExperts(s, e + "w3.weight", e, ".w3.weight", E);
      n.expertDown = stackExperts(s, e + "w2.weight", e, ".w2.weight", E);
    } else {
      std::string e = p + "mlp.experts.";
      int64_t E = s.moe->experts;
      n.router = p + "mlp.gate.weight";
      n.expertGate =
          stackExperts(s, e + "gate_proj.weight", e, ".gate_proj.weight", E);
      n.expertUp =
          stackExperts(s, e + "up_proj.weight", e, ".up_proj.weight", E);
      n.expertDown =
          stackExperts(s, e + "down_proj.weight", e, ".down_proj.weight", E);
      n.sharedGate = p + "mlp.shared_expert.gate_proj.weight";
      n.sharedUp = p + "mlp.shared_expert.up_proj.weight";
      n.sharedDown = p + "mlp.shared_expert.down_proj.weight";
      n.sharedExpertGate = p + "mlp.shared_expert_gate.weight";
    }
    s.layerNames.push_back(std::move(n));
  }
  s.embedding = "model.embed_tokens.weight";
  s.finalNorm = "model.norm.weight";
  s.lmHead = *tie ? s.embedding : "lm_head.weight";
  c.ignore(kNeutralKeys);
  if (failed(c.checkAllUsed(family)))
    return failure();
  return s;
}

/// Mamba's `time_step_rank`: an integer or "auto" (ceil(hidden / 16)).
FailureOr<int64_t> timeStepRank(Config &c, int64_t hidden) {
  const json::Value *v = c.raw("time_step_rank");
  if (!v || v->kind() == json::Value::Null ||
      (v->getAsString() && *v->getAsString() == "auto"))
    return (hidden + 15) / 16;
  if (v->getAsString())
    return c.error("time_step_rank")
           << "config.json: 'time_step_rank' must be \"auto\" or a positive "
              "integer";
  return c.integer("time_step_rank");
}

/// Mamba-2's `time_step_limit`: transformers clamps dt to it in prefill
/// but not in its decode step, so only the no-op (0, inf) is imported.
LogicalResult checkTimeStepLimit(Config &c) {
  const json::Value *v = c.raw("time_step_limit");
  if (!v || v->kind() == json::Value::Null)
    return success();
  auto bound = [](const json::Value &e) -> std::optional<double> {
    if (auto d = e.getAsNumber())
      return *d;
    // transformers writes infinity as {"__float__": "Infinity"}.
    if (const json::Object *o = e.getAsObject())
      if (auto s = o->getString("__float__"); s && o->size() == 1) {
        if (*s == "Infinity" || *s == "inf")
          return HUGE_VAL;
        if (*s == "-Infinity" || *s == "-inf")
          return -HUGE_VAL;
      }
    return std::nullopt;
  };
  const json::Array *a = v->getAsArray();
  if (a && a->size() == 2) {
    std::optional<double> lo = bound((*a)[0]), hi = bound((*a)[1]);
    if (lo && hi && *lo <= 0.0 && std::isinf(*hi) && *hi > 0)
      return success();
  }
  std::string got;
  llvm::raw_string_ostream os(got);
  os << *v;
  return c.error("time_step_limit")
         << "config.json: 'time_step_limit' = " << got
         << " is not supported (only [0, inf]: transformers clamps dt in "
            "prefill but not in decode)";
}

/// Mamba (MambaForCausalLM) and Mamba-2 (Mamba2ForCausalLM).
FailureOr<MambaSpec> readMamba(Config &c, StringRef family) {
  bool v2 = family == "mamba2";
  MambaSpec s;
  s.version = v2 ? 2 : 1;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = c.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return v;
  };
  int64_t expand;
  if (failed(get("vocab_size", s.vocab)) ||
      failed(get("hidden_size", s.hidden)) ||
      failed(get("num_hidden_layers", s.layers)) ||
      failed(get("state_size", s.stateSize, v2 ? 128 : 16)) ||
      failed(get("expand", expand, 2)) ||
      failed(get("conv_kernel", s.convKernel, 4)))
    return failure();
  if (s.layers > kMaxLayers)
    return c.error("num_hidden_layers")
           << "config.json: num_hidden_layers " << s.layers
           << " is more than seqc accepts (" << kMaxLayers << ")";
  // transformers derives the inner width from expand (a saved
  // intermediate_size is overwritten); a different one is a broken config.
  s.intermediate = expand * s.hidden;
  if (s.intermediate > kMaxConfigInteger)
    return c.error("expand") << "config.json: expand * hidden_size is larger "
                                "than seqc accepts";
  if (c.has("intermediate_size")) {
    FailureOr<int64_t> i = c.integer("intermediate_size");
    if (failed(i))
      return failure();
    if (*i != s.intermediate)
      return c.error("intermediate_size")
             << "config.json: intermediate_size " << *i
             << " is not expand * hidden_size = " << s.intermediate;
  }
  FailureOr<double> eps = c.number("layer_norm_epsilon", 1e-5);
  if (failed(eps))
    return failure();
  if (!isPositiveF32(*eps))
    return c.error("layer_norm_epsilon")
           << "config.json: 'layer_norm_epsilon' must be positive (as an f32)";
  s.normEps = *eps;
  // The convolution's and the gate's activation.
  if (failed(c.expectString("hidden_act", {"silu"})))
    return failure();
  FailureOr<bool> bias = c.boolean("use_bias", false);
  FailureOr<bool> convBias = c.boolean("use_conv_bias", true);
  FailureOr<bool> tie = c.boolean("tie_word_embeddings", !v2);
  if (failed(bias) || failed(convBias) || failed(tie))
    return failure();
  // Residuals in f32 or the activation dtype: the same in f32.
  FailureOr<bool> residualInF32 = c.boolean("residual_in_fp32", true);
  if (failed(residualInF32))
    return failure();
  s.residualInF32 = *residualInF32;
  FailureOr<int64_t> rank = timeStepRank(c, s.hidden);
  if (failed(rank))
    return failure();
  if (!v2) {
    s.dtRank = *rank;
  } else {
    if (failed(get("num_heads", s.heads, 128)) ||
        failed(get("head_dim", s.headDim, 64)) ||
        failed(get("n_groups", s.groups, 8)) ||
        failed(c.integer("chunk_size", 256))) // evaluation order only
      return failure();
    if (s.heads * s.headDim != s.intermediate)
      return c.error("num_heads")
             << "config.json: num_heads * head_dim = " << s.heads * s.headDim
             << " is not expand * hidden_size = " << s.intermediate;
    if (s.heads % s.groups != 0)
      return c.error("n_groups") << "config.json: n_groups " << s.groups
                                 << " does not divide num_heads " << s.heads;
    if (failed(checkTimeStepLimit(c)))
      return failure();
    // transformers' gated RMSNorm gates before normalising; the other
    // order (mamba_ssm's norm_before_gate=True) is not what it computes.
    if (failed(c.expectBool("norm_before_gate", false)))
      return failure();
  }
  s.eosTokenIds = c.integers("eos_token_id");
  for (int64_t id : s.eosTokenIds)
    if (id < 0 || id >= s.vocab)
      return c.error("eos_token_id")
             << "config.json: eos_token_id " << id << " outside the vocab";
  // Weight initialisation only; kernel choices of the training path.
  c.ignore({"time_step_scale", "time_step_min", "time_step_max",
            "time_step_init_scheme", "time_step_floor",
            "rescale_prenorm_residual", "use_mambapy", "use_associative_scan"});

  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("backbone.layers.{0}.", l);
    MambaLayerNames n;
    n.norm = p + "norm.weight";
    n.inProj = p + "mixer.in_proj.weight";
    n.convWeight = p + "mixer.conv1d.weight";
    if (*convBias)
      n.convBias = p + "mixer.conv1d.bias";
    if (*bias) {
      n.inProjBias = p + "mixer.in_proj.bias";
      n.outProjBias = p + "mixer.out_proj.bias";
    }
    if (!v2) {
      n.xProj = p + "mixer.x_proj.weight";
      n.dtProj = p + "mixer.dt_proj.weight";
      n.dtProjBias = p + "mixer.dt_proj.bias";
    } else {
      n.dtBias = p + "mixer.dt_bias";
      n.gatedNorm = p + "mixer.norm.weight";
    }
    n.aLog = p + "mixer.A_log";
    n.d = p + "mixer.D";
    n.outProj = p + "mixer.out_proj.weight";
    s.layerNames.push_back(std::move(n));
  }
  s.embedding = "backbone.embeddings.weight";
  s.finalNorm = "backbone.norm_f.weight";
  s.lmHead = *tie ? s.embedding : "lm_head.weight";
  c.ignore(kNeutralKeys);
  if (failed(c.checkAllUsed(family)))
    return failure();
  return s;
}

/// DeepSeek-V3 (DeepseekV3ForCausalLM): multi-head latent attention with
/// optional q LoRA, YaRN's mscale in the softmax scale, sigmoid grouped
/// routing with a selection bias, shared experts, dense first layers.
FailureOr<DeepSeekSpec> readDeepSeek(Config &c) {
  DeepSeekSpec s;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = c.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return v;
  };
  int64_t kvHeads, maxPos;
  if (failed(get("vocab_size", s.vocab, 129280)) ||
      failed(get("hidden_size", s.hidden, 7168)) ||
      failed(get("intermediate_size", s.intermediate, 18432)) ||
      failed(get("moe_intermediate_size", s.moeIntermediate, 2048)) ||
      failed(get("num_hidden_layers", s.layers, 61)) ||
      failed(get("num_attention_heads", s.heads, 128)) ||
      failed(get("num_key_value_heads", kvHeads, s.heads)) ||
      failed(get("kv_lora_rank", s.kvLoraRank, 512)) ||
      failed(get("qk_rope_head_dim", s.ropeDim, 64)) ||
      failed(get("qk_nope_head_dim", s.nopeDim, 128)) ||
      failed(get("v_head_dim", s.vDim, 128)) ||
      failed(get("max_position_embeddings", maxPos, 4096)))
    return failure();
  if (s.layers > kMaxLayers)
    return c.error("num_hidden_layers")
           << "config.json: num_hidden_layers " << s.layers
           << " is more than seqc accepts (" << kMaxLayers << ")";
  // transformers expands the latents into all heads' keys and values; its
  // attention then repeats them num_heads / num_key_value_heads times,
  // which only works when they are equal.
  if (kvHeads != s.heads)
    return c.error("num_key_value_heads")
           << "config.json: num_key_value_heads " << kvHeads
           << " must equal num_attention_heads " << s.heads
           << " (MLA expands the latent into every head)";
  if (s.ropeDim % 2 != 0)
    return c.error("qk_rope_head_dim")
           << "config.json: qk_rope_head_dim must be even";
  // q_lora_rank null: a plain q_proj.
  if (c.has("q_lora_rank") && failed(get("q_lora_rank", s.qLoraRank)))
    return failure();
  int64_t qkHeadDim = s.nopeDim + s.ropeDim;
  // Derived keys transformers writes back: they must agree.
  for (auto [key, value] :
       {std::pair<StringRef, int64_t>{"head_dim", s.ropeDim},
        {"qk_head_dim", qkHeadDim}})
    if (c.has(key)) {
      FailureOr<int64_t> v = c.integer(key);
      if (failed(v))
        return failure();
      if (*v != value)
        return c.error(key)
               << "config.json: '" << key << "' = " << *v << " is not " << value
               << " (transformers derives it from "
                  "qk_rope_head_dim and qk_nope_head_dim)";
    }
  FailureOr<double> eps = c.number("rms_norm_eps", 1e-6);
  if (failed(eps))
    return failure();
  if (!isPositiveF32(*eps))
    return c.error("rms_norm_eps")
           << "config.json: 'rms_norm_eps' must be positive (as an f32)";
  s.rmsEps = *eps;
  FailureOr<bool> interleave = c.boolean("rope_interleave", true);
  if (failed(interleave))
    return failure();
  s.ropeInterleave = *interleave;

  // RoPE over the rotary part (head_dim = qk_rope_head_dim), and
  // yarn_apply_mscale's softmax scale: qk_head_dim^-1/2, times
  // mscale(factor, mscale_all_dim)^2 for a scaled rope_type.
  DecoderSpec rope;
  rope.headDim = s.ropeDim;
  if (failed(readRope(c, rope, maxPos)))
    return failure();
  if (rope.ropeNtkFactor)
    return c.error("rope_type") << "config.json: dynamic RoPE is not built "
                                   "for deepseek_v3 yet";
  s.ropeTheta = rope.ropeTheta;
  s.ropeInvFreq = rope.ropeInvFreq;
  s.ropeAttentionFactor = rope.ropeAttentionFactor;
  s.softmaxScale = 1.0 / std::sqrt(static_cast<double>(qkHeadDim));
  for (StringRef key : {"rope_scaling", "rope_parameters"}) {
    const json::Object *o = nullptr;
    if (const json::Value *v = c.raw(key))
      o = v->getAsObject();
    if (!o)
      continue;
    std::optional<StringRef> type = o->getString("rope_type");
    if (!type)
      type = o->getString("type");
    std::optional<double> all = o->getNumber("mscale_all_dim");
    if (!type || *type == "default" || !all || *all == 0)
      continue;
    std::optional<double> factor = o->getNumber("factor");
    if (!factor)
      return c.error(key) << "config.json: " << key
                          << ".mscale_all_dim needs factor (transformers "
                             "scales the softmax by it)";
    double m = *factor <= 1 ? 1.0 : 0.1 * *all * std::log(*factor) + 1.0;
    s.softmaxScale *= m * m;
  }

  if (failed(c.expectString("hidden_act", {"silu"})) ||
      failed(c.expectBool("mlp_bias", false)))
    return failure();
  FailureOr<bool> attentionBias = c.boolean("attention_bias", false);
  FailureOr<bool> tie = c.boolean("tie_word_embeddings", false);
  if (failed(attentionBias) || failed(tie))
    return failure();

  // Routing (DeepseekV3TopkRouter).
  int64_t shared, firstDense;
  if (failed(get("n_routed_experts", s.experts, 256)) ||
      failed(get("num_experts_per_tok", s.topK, 8)) ||
      failed(get("n_shared_experts", shared, 1)) ||
      failed(get("n_group", s.groups, 8)) ||
      failed(get("topk_group", s.topkGroups, 4)))
    return failure();
  if (s.experts > 4096)
    return c.error("n_routed_experts")
           << "config.json: " << s.experts
           << " experts is more than seqc accepts (4096)";
  if (s.experts % s.groups != 0 || s.experts / s.groups < 2)
    return c.error("n_group")
           << "config.json: n_group " << s.groups << " must divide the "
           << s.experts << " experts into groups of at least two (a group "
           << "scores by its two best experts)";
  if (s.topkGroups > s.groups)
    return c.error("topk_group") << "config.json: topk_group " << s.topkGroups
                                 << " is more than n_group " << s.groups;
  if (s.topK > s.topkGroups * (s.experts / s.groups))
    return c.error("num_experts_per_tok")
           << "config.json: num_experts_per_tok " << s.topK
           << " is more than the experts of the topk_group kept groups";
  s.sharedIntermediate = shared * s.moeIntermediate;
  if (s.sharedIntermediate > kMaxConfigInteger)
    return c.error("n_shared_experts")
           << "config.json: n_shared_experts * moe_intermediate_size is "
              "larger than seqc accepts";
  FailureOr<bool> norm = c.boolean("norm_topk_prob", true);
  FailureOr<double> scaling = c.number("routed_scaling_factor", 2.5);
  if (failed(norm) || failed(scaling))
    return failure();
  if (*scaling <= 0)
    return c.error("routed_scaling_factor")
           << "config.json: 'routed_scaling_factor' must be positive";
  s.normalize = *norm;
  s.routedScaling = *scaling;
  // first_k_dense_replace may be 0 (every layer MoE).
  firstDense = 3;
  if (const json::Value *v = c.raw("first_k_dense_replace");
      v && v->kind() != json::Value::Null) {
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i < 0)
      return c.error("first_k_dense_replace")
             << "config.json: 'first_k_dense_replace' must be a "
                "non-negative integer";
    firstDense = *i;
  }
  // The original DeepSeek configs' names for what transformers computes.
  if (failed(c.expectString("scoring_func", {"sigmoid"})) ||
      failed(c.expectString("topk_method", {"noaux_tc"})))
    return failure();
  if (c.has("moe_layer_freq")) {
    FailureOr<int64_t> freq = c.integer("moe_layer_freq");
    if (failed(freq))
      return failure();
    if (*freq != 1)
      return c.error("moe_layer_freq")
             << "config.json: 'moe_layer_freq' " << *freq
             << " is not supported (transformers makes every layer after "
                "first_k_dense_replace MoE)";
  }
  // Training-only terms (auxiliary losses, router logits output, expert
  // parallelism).
  if (failed(c.boolean("output_router_logits", false)) ||
      failed(c.boolean("seq_aux", true)))
    return failure();
  c.ignore({"aux_loss_alpha", "router_aux_loss_coef", "ep_size"});
  // The multi-token-prediction modules (DeepSeek-V3's layer 61) do not
  // enter the logits and transformers does not load them; their tensors,
  // layers num_hidden_layers .. + n - 1, are accepted and not used.
  for (StringRef key : {"num_nextn_predict_layers", "num_mtp_layers"}) {
    const json::Value *v = c.raw(key);
    if (!v || v->kind() == json::Value::Null)
      continue;
    std::optional<int64_t> n = v->getAsInteger();
    if (!n || *n < 0 || *n > kMaxConfigInteger)
      return c.error(key) << "config.json: '" << key
                          << "' must be a non-negative integer";
    s.mtpLayers = std::max(s.mtpLayers, *n);
  }
  s.eosTokenIds = c.integers("eos_token_id");
  for (int64_t id : s.eosTokenIds)
    if (id < 0 || id >= s.vocab)
      return c.error("eos_token_id")
             << "config.json: eos_token_id " << id << " outside the vocab";

  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("model.layers.{0}.", l);
    std::string a = p + "self_attn.";
    DeepSeekLayerNames n;
    n.inputNorm = p + "input_layernorm.weight";
    if (s.qLoraRank) {
      n.qA = a + "q_a_proj.weight";
      n.qANorm = a + "q_a_layernorm.weight";
      n.qB = a + "q_b_proj.weight";
      if (*attentionBias)
        n.qABias = a + "q_a_proj.bias";
    } else {
      n.q = a + "q_proj.weight";
    }
    n.kvA = a + "kv_a_proj_with_mqa.weight";
    n.kvANorm = a + "kv_a_layernorm.weight";
    n.kvB = a + "kv_b_proj.weight";
    n.o = a + "o_proj.weight";
    if (*attentionBias) {
      n.kvABias = a + "kv_a_proj_with_mqa.bias";
      n.oBias = a + "o_proj.bias";
    }
    n.postNorm = p + "post_attention_layernorm.weight";
    if (l < firstDense) {
      n.gate = p + "mlp.gate_proj.weight";
      n.up = p + "mlp.up_proj.weight";
      n.down = p + "mlp.down_proj.weight";
    } else {
      std::string e = p + "mlp.experts.";
      auto stack = [&](StringRef proj) {
        std::string name = e + proj.str() + ".weight";
        std::vector<std::string> &parts = s.stacked[name];
        for (int64_t i = 0; i < s.experts; ++i)
          parts.push_back(e + std::to_string(i) + "." + proj.str() + ".weight");
        return name;
      };
      n.router = p + "mlp.gate.weight";
      n.routerBias = p + "mlp.gate.e_score_correction_bias";
      n.expertGate = stack("gate_proj");
      n.expertUp = stack("up_proj");
      n.expertDown = stack("down_proj");
      n.sharedGate = p + "mlp.shared_experts.gate_proj.weight";
      n.sharedUp = p + "mlp.shared_experts.up_proj.weight";
      n.sharedDown = p + "mlp.shared_experts.down_proj.weight";
    }
    s.layerNames.push_back(std::move(n));
  }
  s.embedding = "model.embed_tokens.weight";
  s.finalNorm = "model.norm.weight";
  s.lmHead = *tie ? s.embedding : "lm_head.weight";
  c.ignore(kNeutralKeys);
  if (failed(c.checkAllUsed("deepseek_v3")))
    return failure();
  return s;
}

/// Records on `module` the checkpoint tensors the importer left out on
/// purpose (sorted), so that the runtime binds a file holding them
/// without reporting them (seqrt::abi::kIgnoredWeightsAttr).
OwningOpRef<ModuleOp> withIgnoredWeights(OwningOpRef<ModuleOp> module,
                                         std::vector<std::string> names) {
  if (!module || names.empty())
    return module;
  llvm::sort(names);
  SmallVector<StringRef> refs(names.begin(), names.end());
  Builder b(module->getContext());
  (*module)->setAttr(seqrt::abi::kIgnoredWeightsAttr, b.getStrArrayAttr(refs));
  return module;
}

/// Whether `name` is a tensor of a multi-token-prediction layer:
/// `model.layers.N.*` with N in [layers, layers + mtpLayers).
bool isMtpTensor(StringRef name, const DeepSeekSpec &spec) {
  if (!name.consume_front("model.layers."))
    return false;
  StringRef index = name.take_until([](char c) { return c == '.'; });
  int64_t n = 0;
  if (index.size() == name.size() || index.getAsInteger(10, n))
    return false;
  return n >= spec.layers && n - spec.layers < spec.mtpLayers;
}

/// The EOS ids of `generate`: transformers' generate() stops at
/// generation_config.json's `eos_token_id` when the model directory has
/// one (GenerationConfig.from_pretrained), else at config.json's (already
/// in `ids`), as seqrun's generation mode reads them.
LogicalResult readGenerationEos(MLIRContext *ctx, StringRef dir, int64_t vocab,
                                std::vector<int64_t> &ids) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "generation_config.json");
  if (!llvm::sys::fs::exists(path))
    return success();
  // Reading a FIFO would wait for a writer.
  if (!llvm::sys::fs::is_regular_file(path))
    return emitError(FileLineColLoc::get(ctx, path, 0, 0))
           << "cannot read '" << path << "': not a regular file";
  FailureOr<JsonFile> file = readJson(ctx, path);
  if (failed(file))
    return failure();
  const json::Value *v = file->value.getAsObject()->get("eos_token_id");
  if (!v || v->kind() == json::Value::Null)
    return success();
  std::vector<int64_t> out;
  bool ok = true;
  auto add = [&](const json::Value &e) {
    std::optional<int64_t> id = e.getAsInteger();
    ok = ok && id && *id >= 0 && *id < vocab;
    if (ok)
      out.push_back(*id);
  };
  if (const json::Array *a = v->getAsArray())
    for (const json::Value &e : *a)
      add(e);
  else
    add(*v);
  if (!ok)
    return emitError(file->loc(ctx, "eos_token_id"))
           << "generation_config.json: 'eos_token_id' must be a token id or "
              "a list of token ids below the vocabulary size "
           << vocab;
  ids = std::move(out);
  return success();
}

/// Imports a DeepSeek-V3 checkpoint: every tensor by name and shape (f32,
/// bf16 or f16).
OwningOpRef<ModuleOp> importDeepSeek(MLIRContext *ctx, StringRef dir,
                                     Config &config, const JsonFile &file,
                                     const ImportOptions &options) {
  if (options.numBeams > 0) {
    emitError(file.loc(ctx)) << "--num-beams: beam search is not built for "
                                "deepseek_v3 models yet (its compressed "
                                "caches are not wired to the beam loop)";
    return nullptr;
  }
  FailureOr<DeepSeekSpec> spec = readDeepSeek(config);
  if (failed(spec) ||
      failed(readGenerationEos(ctx, dir, spec->vocab, spec->eosTokenIds)))
    return nullptr;
  llvm::StringMap<TensorInfo> tensors;
  if (failed(readCheckpoint(ctx, dir, tensors)))
    return nullptr;
  Location dirLoc = FileLineColLoc::get(ctx, dir, 0, 0);
  llvm::StringSet<> needed;
  for (auto &[name, shape] : expectedDeepSeekTensors(*spec)) {
    if (failed(checkTensor(ctx, dir, tensors, name, shape)))
      return nullptr;
    needed.insert(name);
  }
  int64_t mtpTensors = 0;
  std::vector<std::string> ignored;
  for (auto &kv : tensors) {
    if (needed.contains(kv.first()))
      continue;
    if (kv.first().ends_with("rotary_emb.inv_freq") ||
        (kv.first() == "lm_head.weight" && spec->lmHead == spec->embedding)) {
      ignored.push_back(kv.first().str());
      continue;
    }
    if (isMtpTensor(kv.first(), *spec)) {
      ++mtpTensors;
      ignored.push_back(kv.first().str());
      continue;
    }
    emitError(dirLoc) << "checkpoint: unexpected tensor '" << kv.first()
                      << "' (the importer would ignore weights of the model)";
    return nullptr;
  }
  if (mtpTensors > 0)
    emitRemark(dirLoc) << "checkpoint: " << mtpTensors
                       << " tensors of the multi-token-prediction layers "
                       << spec->layers << ".."
                       << spec->layers + spec->mtpLayers - 1
                       << " are not used (they serve speculative decoding, "
                          "issue #12; transformers does not load them either)";
  if (failed(addStacked(ctx, dir, spec->stacked, tensors)))
    return nullptr;
  // kv_b_proj is read per head (absorbed attention) and the shared experts
  // by seq.moe_experts, both in their stored type.
  llvm::StringSet<> typed;
  for (const DeepSeekLayerNames &n : spec->layerNames)
    for (const std::string *name :
         {&n.kvB, &n.sharedGate, &n.sharedUp, &n.sharedDown})
      if (!name->empty())
        typed.insert(*name);
  encodeHalfMatrices(tensors, needed, ctx, typed);
  ImportOptions opts = options;
  if (opts.maxSeqLen <= 0) {
    int64_t maxPos = file.value.getAsObject()
                         ->getInteger("max_position_embeddings")
                         .value_or(4096);
    opts.maxSeqLen = std::clamp<int64_t>(maxPos, 1, 4096);
  }
  if (opts.maxNewTokens <= 0) {
    emitError(UnknownLoc::get(ctx)) << "--max-new-tokens must be positive";
    return nullptr;
  }
  return withIgnoredWeights(
      buildDeepSeek(ctx, file.loc(ctx), *spec, tensors, opts), ignored);
}

/// A non-negative integer (Jamba's layer offsets), `dflt` when absent.
FailureOr<int64_t> nonNegative(Config &c, StringRef key, int64_t dflt) {
  const json::Value *v = c.raw(key);
  if (!v || v->kind() == json::Value::Null)
    return dflt;
  std::optional<int64_t> i = v->getAsInteger();
  if (!i || *i < 0 || *i > kMaxConfigInteger)
    return c.error(key) << "config.json: '" << key
                        << "' must be a non-negative integer";
  return *i;
}

/// Jamba (JambaForCausalLM): a decoder whose layers have attention (every
/// attn_layer_period-th layer from attn_layer_offset; no positional
/// embedding) or a Mamba mixer with RMSNorms of dt, B and C (the others),
/// and a dense gated MLP or a softmax top-k MoE block not renormalised
/// (every expert_layer_period-th layer from expert_layer_offset, when
/// num_experts > 1). Attention layers keep K/V caches, Mamba layers conv
/// and SSM states.
FailureOr<DecoderSpec> readJamba(Config &c) {
  DecoderSpec s;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = c.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return v;
  };
  // JambaConfig's defaults (Jamba-v0.1).
  if (failed(get("vocab_size", s.vocab, 65536)) ||
      failed(get("hidden_size", s.hidden, 4096)) ||
      failed(get("intermediate_size", s.intermediate, 14336)) ||
      failed(get("num_hidden_layers", s.layers, 32)) ||
      failed(get("num_attention_heads", s.heads, 32)) ||
      failed(get("num_key_value_heads", s.kvHeads, 8)))
    return failure();
  if (s.layers > kMaxLayers)
    return c.error("num_hidden_layers")
           << "config.json: num_hidden_layers " << s.layers
           << " is more than seqc accepts (" << kMaxLayers << ")";
  // JambaAttention reads head_dim if the config has one, else hidden /
  // heads.
  std::optional<int64_t> headDim;
  if (s.hidden % s.heads == 0)
    headDim = s.hidden / s.heads;
  else if (!c.has("head_dim"))
    return c.error("num_attention_heads")
           << "config.json: hidden_size " << s.hidden
           << " is not a multiple of num_attention_heads " << s.heads;
  if (failed(get("head_dim", s.headDim, headDim)))
    return failure();
  if (s.heads % s.kvHeads != 0)
    return c.error("num_key_value_heads")
           << "config.json: num_key_value_heads " << s.kvHeads
           << " does not divide num_attention_heads " << s.heads;
  FailureOr<double> eps = c.number("rms_norm_eps", 1e-6);
  if (failed(eps))
    return failure();
  if (!isPositiveF32(*eps))
    return c.error("rms_norm_eps")
           << "config.json: 'rms_norm_eps' must be positive (as an f32)";
  s.rmsEps = *eps;
  s.rope = false; // Jamba's attention has no positional embedding
  int64_t maxPos;
  if (failed(get("max_position_embeddings", maxPos, 262144)))
    return failure();
  // The MLP's, the convolution's and the gate's activation.
  if (failed(c.expectString("hidden_act", {"silu"})))
    return failure();
  FailureOr<bool> tie = c.boolean("tie_word_embeddings", false);
  if (failed(tie))
    return failure();
  // transformers 5 ignores a sliding_window older Jamba configs carry
  // (earlier versions used it for flash attention only): refused unless
  // null rather than guessed.
  if (failed(c.expectNull("sliding_window")))
    return failure();
  s.eosTokenIds = c.integers("eos_token_id");
  for (int64_t id : s.eosTokenIds)
    if (id < 0 || id >= s.vocab)
      return c.error("eos_token_id")
             << "config.json: eos_token_id " << id << " outside the vocab";

  // Layer pattern: attention where i % attn_layer_period ==
  // attn_layer_offset, experts where i % expert_layer_period ==
  // expert_layer_offset (JambaConfig.layers_block_type /
  // layers_num_experts).
  int64_t attnPeriod, expertPeriod;
  if (failed(get("attn_layer_period", attnPeriod, 8)) ||
      failed(get("expert_layer_period", expertPeriod, 2)))
    return failure();
  FailureOr<int64_t> attnOffset = nonNegative(c, "attn_layer_offset", 4);
  FailureOr<int64_t> expertOffset = nonNegative(c, "expert_layer_offset", 1);
  if (failed(attnOffset) || failed(expertOffset))
    return failure();
  if (*attnOffset >= attnPeriod)
    return c.error("attn_layer_offset")
           << "config.json: attn_layer_offset " << *attnOffset
           << " must be smaller than attn_layer_period " << attnPeriod;
  if (*expertOffset >= expertPeriod)
    return c.error("expert_layer_offset")
           << "config.json: expert_layer_offset " << *expertOffset
           << " must be smaller than expert_layer_period " << expertPeriod;

  // Experts: num_experts (num_local_experts is its alias).
  StringRef expertsKey = "num_experts";
  if (c.has("num_local_experts")) {
    if (c.has("num_experts"))
      return c.error("num_local_experts")
             << "config.json: both num_experts and its alias "
                "num_local_experts";
    expertsKey = "num_local_experts";
  }
  FailureOr<int64_t> experts = c.integer(expertsKey, 16);
  FailureOr<int64_t> topK = c.integer("num_experts_per_tok", 2);
  if (failed(experts) || failed(topK))
    return failure();
  if (*experts > 4096)
    return c.error(expertsKey) << "config.json: " << *experts
                               << " experts is more than seqc accepts (4096)";
  std::vector<bool> moeLayers(s.layers, false);
  if (*experts > 1) {
    for (int64_t l = 0; l < s.layers; ++l)
      moeLayers[l] = l % expertPeriod == *expertOffset;
    if (*topK > *experts)
      return c.error("num_experts_per_tok")
             << "config.json: num_experts_per_tok " << *topK
             << " is more than the " << *experts << " experts";
    MoeSpec m;
    m.experts = *experts;
    m.topK = *topK;
    m.intermediate = s.intermediate;
    m.normalize = false; // JambaTopKRouter keeps the softmax weights
    s.moe = m;
  }
  // Training-only: the auxiliary loss and its router logits.
  if (failed(c.number("router_aux_loss_coef", 0.0)) ||
      failed(c.boolean("output_router_logits", false)))
    return failure();

  // The Mamba mixers.
  MambaSpec m;
  m.version = 1;
  m.hidden = s.hidden;
  m.normEps = s.rmsEps; // JambaRMSNorm of dt, B and C
  int64_t expand;
  if (failed(get("mamba_d_state", m.stateSize, 16)) ||
      failed(get("mamba_d_conv", m.convKernel, 4)) ||
      failed(get("mamba_expand", expand, 2)))
    return failure();
  m.intermediate = expand * s.hidden;
  if (m.intermediate > kMaxConfigInteger)
    return c.error("mamba_expand") << "config.json: mamba_expand * "
                                      "hidden_size is larger than seqc "
                                      "accepts";
  const json::Value *rank = c.raw("mamba_dt_rank");
  if (!rank || rank->kind() == json::Value::Null ||
      (rank->getAsString() && *rank->getAsString() == "auto")) {
    m.dtRank = (s.hidden + 15) / 16;
  } else if (rank->getAsString()) {
    return c.error("mamba_dt_rank") << "config.json: 'mamba_dt_rank' must "
                                       "be \"auto\" or a positive integer";
  } else if (failed(get("mamba_dt_rank", m.dtRank))) {
    return failure();
  }
  FailureOr<bool> convBias = c.boolean("mamba_conv_bias", true);
  FailureOr<bool> projBias = c.boolean("mamba_proj_bias", false);
  if (failed(convBias) || failed(projBias))
    return failure();
  s.mamba = m;
  // Kernel choices (use_mamba_kernels is deprecated and has no effect) and
  // which rows of logits older versions returned.
  c.ignore({"use_mamba_kernels", "use_mambapy", "use_associative_scan",
            "num_logits_to_keep", "calc_logits_for_entire_prompt"});

  s.layerKinds.assign(s.layers, LayerKind());
  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("model.layers.{0}.", l);
    LayerNames n;
    n.inputNorm = p + "input_layernorm.weight";
    n.postNorm = p + "pre_ff_layernorm.weight";
    if (l % attnPeriod == *attnOffset) {
      n.q = p + "self_attn.q_proj.weight";
      n.k = p + "self_attn.k_proj.weight";
      n.v = p + "self_attn.v_proj.weight";
      n.o = p + "self_attn.o_proj.weight";
    } else {
      std::string q = p + "mamba.";
      MambaLayerNames &mn = n.mamba;
      mn.inProj = q + "in_proj.weight";
      mn.convWeight = q + "conv1d.weight";
      if (*convBias)
        mn.convBias = q + "conv1d.bias";
      if (*projBias) {
        mn.inProjBias = q + "in_proj.bias";
        mn.outProjBias = q + "out_proj.bias";
      }
      mn.xProj = q + "x_proj.weight";
      mn.dtNorm = q + "dt_layernorm.weight";
      mn.bNorm = q + "b_layernorm.weight";
      mn.cNorm = q + "c_layernorm.weight";
      mn.dtProj = q + "dt_proj.weight";
      mn.dtProjBias = q + "dt_proj.bias";
      mn.aLog = q + "A_log";
      mn.d = q + "D";
      mn.outProj = q + "out_proj.weight";
    }
    if (moeLayers[l]) {
      std::string e = p + "feed_forward.experts.";
      int64_t E = s.moe->experts;
      n.router = p + "feed_forward.router.weight";
      n.expertGate =
          stackExperts(s, e + "gate_proj.weight", e, ".gate_proj.weight", E);
      n.expertUp =
          stackExperts(s, e + "up_proj.weight", e, ".up_proj.weight", E);
      n.expertDown =
          stackExperts(s, e + "down_proj.weight", e, ".down_proj.weight", E);
    } else {
      n.gate = p + "feed_forward.gate_proj.weight";
      n.up = p + "feed_forward.up_proj.weight";
      n.down = p + "feed_forward.down_proj.weight";
    }
    s.layerNames.push_back(std::move(n));
  }
  s.embedding = "model.embed_tokens.weight";
  s.finalNorm = "model.final_layernorm.weight";
  s.lmHead = *tie ? s.embedding : "lm_head.weight";
  c.ignore(kNeutralKeys);
  if (failed(c.checkAllUsed("jamba")))
    return failure();
  return s;
}

/// `v` rounded to bfloat16 (nearest, ties to even) and back.
float roundToBF16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  bits &= 0xFFFF0000u;
  std::memcpy(&v, &bits, sizeof(bits));
  return v;
}

/// RecurrentGemma (RecurrentGemmaForCausalLM, Griffin): layers cycling
/// through `block_types` ("recurrent": the RG-LRU block; "attention": local
/// attention over attention_window_size keys with partial RoPE), each
/// followed by a GELU-tanh gated MLP with biases of intermediate_size / 2;
/// Gemma's (1 + w) RMSNorms, embedding times bf16(sqrt(hidden)), tanh
/// soft-capped logits.
FailureOr<DecoderSpec> readRecurrentGemma(Config &c) {
  DecoderSpec s;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = c.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return v;
  };
  int64_t intermediate;
  // RecurrentGemmaConfig's defaults (recurrentgemma-2b).
  if (failed(get("vocab_size", s.vocab, 256000)) ||
      failed(get("hidden_size", s.hidden, 2560)) ||
      failed(get("intermediate_size", intermediate, 3 * 2560)) ||
      failed(get("num_hidden_layers", s.layers, 26)) ||
      failed(get("num_attention_heads", s.heads, 10)) ||
      failed(get("num_key_value_heads", s.kvHeads, s.heads)))
    return failure();
  if (s.layers > kMaxLayers)
    return c.error("num_hidden_layers")
           << "config.json: num_hidden_layers " << s.layers
           << " is more than seqc accepts (" << kMaxLayers << ")";
  // transformers sets head_dim = hidden // heads whatever a config says.
  s.headDim = s.hidden / s.heads;
  if (s.headDim == 0)
    return c.error("num_attention_heads")
           << "config.json: num_attention_heads " << s.heads
           << " is more than hidden_size " << s.hidden;
  if (c.has("head_dim")) {
    FailureOr<int64_t> hd = c.integer("head_dim");
    if (failed(hd))
      return failure();
    if (*hd != s.headDim)
      return c.error("head_dim")
             << "config.json: head_dim " << *hd
             << " is not hidden_size / num_attention_heads = " << s.headDim
             << " (transformers recomputes it)";
  }
  if (s.kvHeads > s.heads || s.heads % s.kvHeads != 0)
    return c.error("num_key_value_heads")
           << "config.json: num_key_value_heads " << s.kvHeads
           << " does not divide num_attention_heads " << s.heads;
  s.intermediate = intermediate / 2; // RecurrentGemmaMlp's width
  if (s.intermediate == 0)
    return c.error("intermediate_size")
           << "config.json: intermediate_size must be at least 2";
  FailureOr<double> eps = c.number("rms_norm_eps", 1e-6);
  if (failed(eps))
    return failure();
  if (!isPositiveF32(*eps))
    return c.error("rms_norm_eps")
           << "config.json: 'rms_norm_eps' must be positive (as an f32)";
  s.rmsEps = *eps;
  s.normWeightOffset = 1.0;
  // The normaliser is a bf16 buffer: sqrt(hidden) rounded to bf16.
  s.embeddingScale = roundToBF16(std::sqrt(static_cast<float>(s.hidden)));
  if (failed(c.expectString("hidden_activation", {"gelu_pytorch_tanh"})) ||
      failed(c.expectString("hidden_act", {"gelu_pytorch_tanh"})))
    return failure();
  s.activation = MlpActivation::GeLUTanh;
  // transformers divides by it unconditionally: null is not "off".
  if (const json::Value *v = c.raw("logits_soft_cap");
      v && v->kind() == json::Value::Null)
    return c.error("logits_soft_cap")
           << "config.json: 'logits_soft_cap' must be a positive number";
  FailureOr<double> cap = c.number("logits_soft_cap", 30.0);
  if (failed(cap))
    return failure();
  if (*cap <= 0)
    return c.error("logits_soft_cap")
           << "config.json: 'logits_soft_cap' must be positive";
  s.finalSoftcap = *cap;
  FailureOr<bool> tie = c.boolean("tie_word_embeddings", true);
  FailureOr<bool> attnBias = c.boolean("attention_bias", false);
  if (failed(tie) || failed(attnBias))
    return failure();
  s.eosTokenIds = c.integers("eos_token_id");
  for (int64_t id : s.eosTokenIds)
    if (id < 0 || id >= s.vocab)
      return c.error("eos_token_id")
             << "config.json: eos_token_id " << id << " outside the vocab";

  // RoPE: default type only (RecurrentGemmaRotaryEmbedding refuses the
  // others), rope_theta and partial_rotary_factor in rope_parameters (5.x)
  // or at the top level (4.x).
  double theta = 10000.0, partial = 0.5;
  auto positive = [&](StringRef key, const json::Value &v,
                      double &out) -> LogicalResult {
    auto d = v.getAsNumber();
    if (!d || !std::isfinite(*d) || *d <= 0)
      return c.error(key) << "config.json: '" << key
                          << "' must be a positive number";
    out = *d;
    return success();
  };
  for (StringRef key : {"rope_theta", "partial_rotary_factor"})
    if (const json::Value *v = c.raw(key);
        v && v->kind() != json::Value::Null &&
        failed(positive(key, *v, key == "rope_theta" ? theta : partial)))
      return failure();
  if (const json::Value *rp = c.raw("rope_parameters");
      rp && rp->kind() != json::Value::Null) {
    const json::Object *o = rp->getAsObject();
    if (!o)
      return c.error("rope_parameters")
             << "config.json: 'rope_parameters' must be an object";
    for (auto &kv : *o) {
      StringRef name = kv.first;
      if (name == "rope_type" || name == "type") {
        auto t = kv.second.getAsString();
        if (!t || *t != "default")
          return c.error(name) << "config.json: rope_parameters." << name
                               << " must be \"default\" for recurrent_gemma";
      } else if (name == "rope_theta") {
        if (failed(positive(name, kv.second, theta)))
          return failure();
      } else if (name == "partial_rotary_factor") {
        if (failed(positive(name, kv.second, partial)))
          return failure();
      } else {
        return c.error(name) << "config.json: rope_parameters." << name.str()
                             << " is not handled";
      }
    }
  }
  s.ropeTheta = theta;
  if (partial > 1.0)
    return c.error("partial_rotary_factor")
           << "config.json: partial_rotary_factor must be at most 1";
  int64_t rotary = static_cast<int64_t>(s.headDim * partial);
  if (rotary % 2 != 0 || rotary == 0)
    return c.error("partial_rotary_factor")
           << "config.json: partial_rotary_factor " << partial
           << " gives an odd or empty rotary width " << rotary
           << " of head_dim " << s.headDim;
  if (rotary != s.headDim)
    s.rotaryDim = rotary;

  // Local attention: attention_window_size (alias sliding_window).
  StringRef windowKey = "attention_window_size";
  if (c.has("sliding_window")) {
    if (c.has("attention_window_size"))
      return c.error("sliding_window")
             << "config.json: both attention_window_size and its alias "
                "sliding_window";
    windowKey = "sliding_window";
  }
  FailureOr<int64_t> window = c.integer(windowKey, 2048);
  if (failed(window))
    return failure();

  // The recurrent blocks.
  RgLruSpec r;
  r.hidden = s.hidden;
  r.blocks = s.heads;
  if (failed(get("lru_width", r.width, s.hidden)) ||
      failed(get("conv1d_width", r.convKernel, 4)))
    return failure();
  if (r.width % r.blocks != 0)
    return c.error("lru_width")
           << "config.json: lru_width " << r.width
           << " is not a multiple of num_attention_heads " << r.blocks;
  s.rglru = r;

  std::vector<std::string> blockTypes{"recurrent", "recurrent", "attention"};
  if (const json::Value *bt = c.raw("block_types");
      bt && bt->kind() != json::Value::Null) {
    const json::Array *a = bt->getAsArray();
    if (!a || a->empty())
      return c.error("block_types")
             << "config.json: 'block_types' must be a non-empty list";
    blockTypes.clear();
    for (const json::Value &v : *a) {
      auto t = v.getAsString();
      if (!t || (*t != "recurrent" && *t != "attention"))
        return c.error("block_types")
               << "config.json: block_types entries must be \"recurrent\" or "
                  "\"attention\"";
      blockTypes.push_back(t->str());
    }
  }
  // Initialisation only; the old embeddings_scale_by_sqrt_dim flag, which
  // transformers does not read (it always scales).
  c.ignore({"w_init_variance_scale", "final_w_init_variance_scale",
            "embeddings_scale_by_sqrt_dim"});

  s.layerKinds.assign(s.layers, LayerKind());
  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("model.layers.{0}.", l);
    std::string t = p + "temporal_block.";
    LayerNames n;
    n.inputNorm = p + "temporal_pre_norm.weight";
    n.postNorm = p + "channel_pre_norm.weight";
    if (blockTypes[l % blockTypes.size()] == "attention") {
      n.q = t + "q_proj.weight";
      n.k = t + "k_proj.weight";
      n.v = t + "v_proj.weight";
      n.o = t + "o_proj.weight";
      n.oBias = t + "o_proj.bias";
      if (*attnBias) {
        n.qBias = t + "q_proj.bias";
        n.kBias = t + "k_proj.bias";
        n.vBias = t + "v_proj.bias";
      }
      s.layerKinds[l].window = *window;
    } else {
      RgLruLayerNames &rn = n.rglru;
      rn.linearX = t + "linear_x.weight";
      rn.linearXBias = t + "linear_x.bias";
      rn.linearY = t + "linear_y.weight";
      rn.linearYBias = t + "linear_y.bias";
      rn.convWeight = t + "conv_1d.weight";
      rn.convBias = t + "conv_1d.bias";
      rn.inputGate = t + "rg_lru.input_gate_weight";
      rn.inputGateBias = t + "rg_lru.input_gate_bias";
      rn.recurrentGate = t + "rg_lru.recurrent_gate_weight";
      rn.recurrentGateBias = t + "rg_lru.recurrent_gate_bias";
      rn.recurrentParam = t + "rg_lru.recurrent_param";
      rn.linearOut = t + "linear_out.weight";
      rn.linearOutBias = t + "linear_out.bias";
    }
    std::string m = p + "mlp_block.";
    n.gate = m + "gate_proj.weight";
    n.gateBias = m + "gate_proj.bias";
    n.up = m + "up_proj.weight";
    n.upBias = m + "up_proj.bias";
    n.down = m + "down_proj.weight";
    n.downBias = m + "down_proj.bias";
    s.layerNames.push_back(std::move(n));
  }
  s.embedding = "model.embed_tokens.weight";
  s.finalNorm = "model.final_norm.weight";
  s.lmHead = *tie ? s.embedding : "lm_head.weight";
  c.ignore(kNeutralKeys);
  if (failed(c.checkAllUsed("recurrent_gemma")))
    return failure();
  return s;
}

} // namespace

OwningOpRef<ModuleOp>
mlir::seq::importHuggingFace(MLIRContext *ctx, StringRef dir,
                             const ImportOptions &options) {
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  FailureOr<JsonFile> file = readJson(ctx, configPath);
  if (failed(file))
    return nullptr;
  Config config(ctx, *file);
  const json::Object &obj = *file->value.getAsObject();
  std::optional<StringRef> modelType = obj.getString("model_type");
  if (!modelType) {
    emitError(file->loc(ctx)) << "config.json: missing 'model_type'";
    return nullptr;
  }
  if (!llvm::is_contained(kFamilies, *modelType)) {
    emitError(file->loc(ctx, "model_type"))
        << "config.json: model_type '" << *modelType
        << "' is not supported (supported: "
        << llvm::join(ArrayRef<StringRef>(kFamilies), ", ") << ")";
    return nullptr;
  }
  if (failed(checkActivationDtype(file->loc(ctx, "model_type"), options,
                                  *modelType)))
    return nullptr;
  if (*modelType == "deepseek_v3")
    return importDeepSeek(ctx, dir, config, *file, options);
  bool mamba = *modelType == "mamba" || *modelType == "mamba2";
  FailureOr<DecoderSpec> spec = failure();
  FailureOr<MambaSpec> mambaSpec = failure();
  std::vector<std::pair<std::string, SmallVector<int64_t>>> expected;
  std::string embedding, lmHead;
  if (mamba) {
    mambaSpec = readMamba(config, *modelType);
    if (failed(mambaSpec) ||
        failed(readGenerationEos(ctx, dir, mambaSpec->vocab,
                                 mambaSpec->eosTokenIds)))
      return nullptr;
    expected = expectedMambaTensors(*mambaSpec);
    embedding = mambaSpec->embedding;
    lmHead = mambaSpec->lmHead;
  } else {
    spec = *modelType == "jamba" ? readJamba(config)
           : *modelType == "recurrent_gemma"
               ? readRecurrentGemma(config)
               : readDecoder(ctx, config, *modelType);
    if (failed(spec) ||
        failed(readGenerationEos(ctx, dir, spec->vocab, spec->eosTokenIds)))
      return nullptr;
    expected = expectedDecoderTensors(*spec);
    embedding = spec->embedding;
    lmHead = spec->lmHead;
  }

  llvm::StringMap<TensorInfo> tensors;
  if (failed(readCheckpoint(ctx, dir, tensors)))
    return nullptr;
  // transformers keeps experts fused in memory (mlp.experts.gate_up_proj
  // [E, 2F, H]); save_pretrained writes them per expert, which is what the
  // importer reads.
  for (auto &kv : tensors)
    if (!mamba && spec->moe &&
        (kv.first().ends_with(".experts.gate_up_proj") ||
         kv.first().ends_with(".experts.down_proj"))) {
      emitError(FileLineColLoc::get(ctx, dir, 0, 0))
          << "checkpoint: fused expert tensor '" << kv.first()
          << "' is not imported (per-expert tensors are, as transformers' "
             "save_pretrained writes them)";
      return nullptr;
    }
  llvm::StringSet<> needed;
  for (auto &[name, shape] : expected) {
    if (failed(checkTensor(ctx, dir, tensors, name, shape)))
      return nullptr;
    needed.insert(name);
  }
  std::vector<std::string> ignored;
  for (auto &kv : tensors) {
    if (needed.contains(kv.first()))
      continue;
    // Buffers transformers used to save, and a tied head saved anyway.
    if (kv.first().ends_with("rotary_emb.inv_freq") ||
        (kv.first() == "lm_head.weight" && lmHead == embedding)) {
      ignored.push_back(kv.first().str());
      continue;
    }
    emitError(FileLineColLoc::get(ctx, dir, 0, 0))
        << "checkpoint: unexpected tensor '" << kv.first()
        << "' (the importer would ignore weights of the model)";
    return nullptr;
  }

  // Stacked parameters: the parts' type with the expert dimension first
  // (the parts were checked for shape above).
  if (!mamba && failed(addStacked(ctx, dir, spec->stacked, tensors)))
    return nullptr;
  // 2-D tensors no linear layer reads: Mamba-1's A_log [I, N] and the
  // RG-LRU gates' biases [H, W].
  llvm::StringSet<> typed;
  auto keepMixer = [&](const MambaLayerNames &n) {
    if (!n.aLog.empty())
      typed.insert(n.aLog);
  };
  if (mamba) {
    for (const MambaLayerNames &n : mambaSpec->layerNames)
      keepMixer(n);
  } else {
    for (const LayerNames &n : spec->layerNames) {
      keepMixer(n.mamba);
      for (const std::string *name :
           {&n.rglru.inputGateBias, &n.rglru.recurrentGateBias})
        if (!name->empty())
          typed.insert(*name);
    }
  }
  encodeHalfMatrices(tensors, needed, ctx, typed);

  ImportOptions opts = options;
  if (opts.maxSeqLen <= 0) {
    int64_t maxPos = obj.getInteger("max_position_embeddings").value_or(2048);
    opts.maxSeqLen = std::min<int64_t>(maxPos, 4096);
  }
  if (opts.maxNewTokens <= 0) {
    emitError(UnknownLoc::get(ctx)) << "--max-new-tokens must be positive";
    return nullptr;
  }
  if (failed(checkBeamOptions(UnknownLoc::get(ctx), opts)))
    return nullptr;
  if (mamba && opts.kvCacheBlockSize > 0) {
    emitError(file->loc(ctx))
        << "--kv-cache-block-size pages KV caches: a Mamba model has none "
           "(its beams gather the recurrent states)";
    return nullptr;
  }
  if (mamba)
    return withIgnoredWeights(
        buildMamba(ctx, file->loc(ctx), *mambaSpec, tensors, opts), ignored);
  return withIgnoredWeights(
      buildDecoder(ctx, file->loc(ctx), *spec, tensors, opts), ignored);
}
