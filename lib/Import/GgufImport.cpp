//===- GgufImport.cpp - GGUF checkpoints into seq IR ----------------------===//
//
// This file implements importGguf: llama.cpp's GGUF files (metadata, tensor
// table) read with the runtime's GGUF reader, checked against what the
// architecture needs, and handed to the shared decoder builder. Quantized
// tensors stay in their GGUF blocks: parameters of raw bytes with a
// `quant` format, computed by seq.quantized_linear / quantized_embedding.
//
// Architectures: llama, qwen2, qwen3 and gemma2, with llama.cpp's meaning
// of each key (which is not always the Hugging Face config's: gemma2's
// score scale, for one). For `llama`, llama.cpp's converter permutes the
// rows of attn_q / attn_k within each head so that its "normal" rotary
// (adjacent pairs) equals Hugging Face's NeoX rotary (halves) on the
// original rows; the graph therefore uses the interleaved (GPT-J) rotary
// on the permuted rows. The others are stored unpermuted and rotate halves.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"

#include "Gguf.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::seq;

bool mlir::seq::isGgufFile(StringRef path) {
  // Only a regular file is opened to read its magic (stat does not open
  // it): opening a FIFO would wait for a writer.
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status) ||
      !llvm::sys::fs::is_regular_file(status))
    return false;
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, 4, 0);
  return buffer && seqrt::GgufFile::hasMagic((*buffer)->getBuffer());
}

namespace {
/// Reads the hyper-parameters of a GGUF model.
class GgufReader {
public:
  GgufReader(MLIRContext *ctx, const seqrt::GgufFile &file)
      : ctx(ctx), file(file), loc(FileLineColLoc::get(ctx, file.path(), 0, 0)) {
  }

  InFlightDiagnostic error() { return emitError(loc); }

  FailureOr<int64_t> integer(StringRef key, std::optional<int64_t> dflt = {}) {
    if (!file.find(std::string_view(key.data(), key.size())) && dflt)
      return *dflt;
    std::string err;
    auto v = file.getInteger(std::string_view(key.data(), key.size()), err);
    if (!v)
      return error() << err;
    if (*v <= 0)
      return error() << "gguf: '" << key << "' must be positive, got " << *v;
    if (*v > (int64_t(1) << 24))
      return error() << "gguf: '" << key << "' = " << *v
                     << " is larger than seqc accepts (" << (int64_t(1) << 24)
                     << ")";
    return *v;
  }
  FailureOr<double> number(StringRef key, std::optional<double> dflt = {}) {
    std::string_view k(key.data(), key.size());
    const seqrt::GgufValue *v = file.find(k);
    if (!v && dflt)
      return *dflt;
    std::string err;
    if (auto f = file.getF32(k, err))
      return static_cast<double>(*f);
    if (auto d = file.getF64(k, err))
      return *d;
    return error() << "gguf: '" << key << "' must be a float";
  }

  MLIRContext *ctx;
  const seqrt::GgufFile &file;
  Location loc;
};

/// The TensorInfo of a GGUF tensor, or an error naming its unsupported
/// type.
FailureOr<TensorInfo> tensorInfo(GgufReader &r, const seqrt::GgufTensor &t) {
  Builder b(r.ctx);
  TensorInfo info;
  std::string type = t.type->name;
  if (type == "f32") {
    info.elementType = b.getF32Type();
    for (int64_t d : t.shape())
      info.shape.push_back(d);
    return info;
  }
  std::optional<QuantFormat> quant = symbolizeQuantFormat(type);
  if (!quant)
    return r.error() << "gguf: tensor '" << t.name << "' has type " << type
                     << ", which seqc does not compute yet (supported: f32, "
                        "f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k)";
  // f16/bf16 matrices are packed 2-byte rows for the quantized ops; other
  // f16/bf16 tensors (norm weights) keep their type and are widened to f32
  // where they are used.
  if ((*quant == QuantFormat::F16 || *quant == QuantFormat::BF16) &&
      t.shape().size() != 2) {
    info.elementType =
        *quant == QuantFormat::F16 ? Type(b.getF16Type()) : b.getBF16Type();
    for (int64_t d : t.shape())
      info.shape.push_back(d);
    return info;
  }
  info.elementType = b.getIntegerType(8);
  for (int64_t d : t.packedShape())
    info.shape.push_back(d);
  info.quant = *quant;
  return info;
}
} // namespace

namespace {
/// What seqc reads of a GGUF architecture (llama.cpp's names).
struct GgufArch {
  StringRef name;
  /// llama.cpp's rope type NEOX (rotate halves). llama's converter instead
  /// permutes the q/k rows for the interleaved (NORM) rotary.
  bool neox;
  bool qkvBias; ///< attn_{q,k,v}.bias (qwen2)
  bool qkNorm;  ///< attn_{q,k}_norm.weight, per head (qwen3)
  bool gemma2;  ///< Gemma-2's embedding scale, sandwich norms, softcaps, SWA
};
constexpr GgufArch kArchs[] = {
    {"llama", false, false, false, false},
    {"qwen2", true, true, false, false},
    {"qwen3", true, false, true, false},
    {"gemma2", true, false, false, true},
};

/// The `<arch>.` keys each architecture's import reads; any other key of
/// the architecture is an error (it may change the model), like unknown
/// config.json keys in the Hugging Face import.
constexpr StringLiteral kArchKeys[] = {
    "block_count",
    "context_length",
    "embedding_length",
    "feed_forward_length",
    "vocab_size",
    "attention.head_count",
    "attention.head_count_kv",
    "attention.key_length",
    "attention.value_length",
    "attention.layer_norm_rms_epsilon",
    "rope.freq_base",
    "rope.dimension_count",
};
constexpr StringLiteral kGemma2Keys[] = {
    "attn_logit_softcapping", "final_logit_softcapping",
    "attention.sliding_window", "rope.freq_base_swa"};
} // namespace

OwningOpRef<ModuleOp> mlir::seq::importGguf(MLIRContext *ctx, StringRef path,
                                            const ImportOptions &options) {
  std::string err;
  bool ioError = false;
  Location fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  auto file = seqrt::GgufFile::open(path.str(), err, ioError);
  if (!file) {
    emitError(fileLoc) << err;
    return nullptr;
  }
  GgufReader r(ctx, *file);
  auto archName = file->getString("general.architecture", err);
  if (!archName) {
    emitError(fileLoc) << err;
    return nullptr;
  }
  const GgufArch *arch = nullptr;
  for (const GgufArch &a : kArchs)
    if (a.name == StringRef(archName->data(), archName->size()))
      arch = &a;
  if (!arch) {
    emitError(fileLoc) << "gguf: general.architecture '" << *archName
                       << "' is not supported (supported: llama, qwen2, "
                          "qwen3, gemma2)";
    return nullptr;
  }
  std::string prefix = (arch->name + ".").str();
  auto key = [&](StringRef k) { return prefix + k.str(); };

  // Every key of the architecture is read below or rejected here.
  for (const seqrt::GgufKeyValue &kv : file->metadata()) {
    StringRef k = kv.key;
    if (!k.consume_front(prefix))
      continue;
    if (llvm::is_contained(kArchKeys, k) ||
        (arch->gemma2 && llvm::is_contained(kGemma2Keys, k)))
      continue;
    emitError(fileLoc) << "gguf: '" << kv.key
                       << "' is not understood by seqc's " << arch->name
                       << " import (it may change the model)";
    return nullptr;
  }

  DecoderSpec s;
  auto get = [&](StringRef k, int64_t &out, std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = r.integer(key(k), dflt);
    if (succeeded(v))
      out = *v;
    return succeeded(v);
  };
  if (!get("embedding_length", s.hidden) ||
      !get("feed_forward_length", s.intermediate) ||
      !get("block_count", s.layers) || !get("attention.head_count", s.heads) ||
      !get("attention.head_count_kv", s.kvHeads, s.heads))
    return nullptr;
  if (s.layers > 4096) {
    emitError(fileLoc) << "gguf: " << key("block_count") << " " << s.layers
                       << " is more than seqc accepts (4096)";
    return nullptr;
  }
  if (s.heads % s.kvHeads != 0) {
    emitError(fileLoc) << "gguf: head_count " << s.heads
                       << " is not a multiple of head_count_kv " << s.kvHeads;
    return nullptr;
  }
  // The head size: attention.key_length, or embedding_length / heads.
  std::optional<int64_t> defaultHeadDim;
  if (s.hidden % s.heads == 0)
    defaultHeadDim = s.hidden / s.heads;
  int64_t valueDim = 0;
  if (!file->find(key("attention.key_length")) && !defaultHeadDim) {
    emitError(fileLoc) << "gguf: head_count " << s.heads
                       << " does not divide embedding_length " << s.hidden
                       << " and " << key("attention.key_length")
                       << " is missing";
    return nullptr;
  }
  if (!get("attention.key_length", s.headDim, defaultHeadDim) ||
      !get("attention.value_length", valueDim, s.headDim))
    return nullptr;
  if (valueDim != s.headDim) {
    emitError(fileLoc) << "gguf: value_length " << valueDim
                       << " differs from key_length " << s.headDim
                       << "; seqc's attention needs them equal";
    return nullptr;
  }
  int64_t ropeDim = 0;
  if (!get("rope.dimension_count", ropeDim, s.headDim))
    return nullptr;
  if (ropeDim != s.headDim) {
    emitError(fileLoc) << "gguf: " << key("rope.dimension_count") << " "
                       << ropeDim << " (partial rotary) is not supported yet";
    return nullptr;
  }
  FailureOr<double> eps =
      r.number(key("attention.layer_norm_rms_epsilon"), 1e-5);
  FailureOr<double> theta = r.number(key("rope.freq_base"), 10000.0);
  if (failed(eps) || failed(theta))
    return nullptr;
  s.rmsEps = *eps;
  s.ropeTheta = *theta;
  s.ropeNeoX = arch->neox; // see the file comment
  if (auto eos = file->getInteger("tokenizer.ggml.eos_token_id", err))
    s.eosTokenIds.push_back(*eos);

  s.layerKinds.assign(s.layers, LayerKind());
  if (arch->gemma2) {
    // llama.cpp's gemma2: embedding * sqrt(n_embd); the converter stored
    // norm weights + 1, so the norms are plain; GELU-tanh MLP; scores
    // scaled by key_length^-1/2 (n_embd / n_head for the 46-layer 27B,
    // where Gemma's query_pre_attn_scalar differs); softcaps (defaults 50
    // and 30); even layers slide (window default 4096).
    s.embeddingScale = std::sqrt(static_cast<double>(s.hidden));
    s.activation = MlpActivation::GeLUTanh;
    if (s.layers == 46)
      s.attentionScale =
          1.0 / std::sqrt(static_cast<double>(s.hidden / s.heads));
    FailureOr<double> attnCap = r.number(key("attn_logit_softcapping"), 50.0);
    FailureOr<double> finalCap = r.number(key("final_logit_softcapping"), 30.0);
    FailureOr<double> swaTheta = r.number(key("rope.freq_base_swa"), *theta);
    int64_t window = 0;
    if (failed(attnCap) || failed(finalCap) || failed(swaTheta) ||
        !get("attention.sliding_window", window, 4096))
      return nullptr;
    if (*attnCap <= 0 || *finalCap <= 0) {
      emitError(fileLoc) << "gguf: gemma2 softcaps must be positive";
      return nullptr;
    }
    if (*swaTheta != *theta) {
      emitError(fileLoc) << "gguf: " << key("rope.freq_base_swa")
                         << " differs from rope.freq_base; per-layer rope "
                            "bases are not supported yet";
      return nullptr;
    }
    s.attentionSoftcap = *attnCap;
    s.finalSoftcap = *finalCap;
    for (int64_t l = 0; l < s.layers; l += 2)
      s.layerKinds[l].window = window;
  }

  // Tensors.
  llvm::StringMap<TensorInfo> tensors;
  for (const seqrt::GgufTensor &t : file->tensors()) {
    FailureOr<TensorInfo> info = tensorInfo(r, t);
    if (failed(info))
      return nullptr;
    tensors[t.name] = *info;
  }
  const seqrt::GgufTensor *embd = file->findTensor("token_embd.weight");
  if (!embd || embd->ne.size() != 2) {
    emitError(fileLoc) << "gguf: missing 2-D tensor 'token_embd.weight'";
    return nullptr;
  }
  s.vocab = embd->ne[1];
  if (file->find(key("vocab_size"))) {
    int64_t vocab = 0;
    if (!get("vocab_size", vocab))
      return nullptr;
    if (vocab != s.vocab) {
      emitError(fileLoc) << "gguf: " << key("vocab_size") << " " << vocab
                         << " differs from token_embd.weight's " << s.vocab
                         << " rows";
      return nullptr;
    }
  }
  s.embedding = "token_embd.weight";
  s.finalNorm = "output_norm.weight";
  s.lmHead =
      file->findTensor("output.weight") ? "output.weight" : "token_embd.weight";
  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("blk.{0}.", l);
    LayerNames n;
    n.inputNorm = p + "attn_norm.weight";
    n.q = p + "attn_q.weight";
    n.k = p + "attn_k.weight";
    n.v = p + "attn_v.weight";
    n.o = p + "attn_output.weight";
    if (arch->qkvBias) {
      n.qBias = p + "attn_q.bias";
      n.kBias = p + "attn_k.bias";
      n.vBias = p + "attn_v.bias";
    }
    if (arch->qkNorm) {
      n.qNorm = p + "attn_q_norm.weight";
      n.kNorm = p + "attn_k_norm.weight";
    }
    if (arch->gemma2) {
      n.attnOutNorm = p + "post_attention_norm.weight";
      n.mlpOutNorm = p + "post_ffw_norm.weight";
    }
    n.postNorm = p + "ffn_norm.weight";
    n.gate = p + "ffn_gate.weight";
    n.up = p + "ffn_up.weight";
    n.down = p + "ffn_down.weight";
    s.layerNames.push_back(std::move(n));
  }

  // Every tensor the graph reads, with its logical [N, K] (or [D]) shape;
  // and nothing else in the file.
  llvm::StringSet<> needed;
  for (auto &[name, shape] : expectedDecoderTensors(s)) {
    const seqrt::GgufTensor *t = file->findTensor(name);
    if (!t) {
      emitError(fileLoc) << "gguf: missing tensor '" << name << "'";
      return nullptr;
    }
    std::vector<int64_t> got = t->shape();
    if (ArrayRef<int64_t>(got) != ArrayRef<int64_t>(shape)) {
      InFlightDiagnostic d = emitError(fileLoc);
      d << "gguf: tensor '" << name << "' has shape [";
      llvm::interleaveComma(got, d);
      d << "], expected [";
      llvm::interleaveComma(shape, d);
      d << "]";
      return nullptr;
    }
    needed.insert(name);
  }
  for (const seqrt::GgufTensor &t : file->tensors()) {
    if (needed.contains(t.name) || t.name == "rope_freqs.weight")
      continue;
    emitError(fileLoc) << "gguf: unexpected tensor '" << t.name
                       << "' (the importer would ignore weights of the "
                          "model)";
    return nullptr;
  }
  if (file->findTensor("rope_freqs.weight")) {
    emitError(fileLoc) << "gguf: 'rope_freqs.weight' (Llama-3 rope "
                          "scaling) is not supported yet";
    return nullptr;
  }

  ImportOptions opts = options;
  if (opts.maxSeqLen <= 0) {
    FailureOr<int64_t> ctxLen = r.integer(key("context_length"), 2048);
    if (failed(ctxLen))
      return nullptr;
    opts.maxSeqLen = std::min<int64_t>(*ctxLen, 4096);
  }
  if (failed(checkBeamOptions(fileLoc, opts)))
    return nullptr;
  return buildDecoder(ctx, fileLoc, s, tensors, opts);
}
