//===- GgufImport.cpp - GGUF checkpoints into seq IR ----------------------===//
//
// This file implements importGguf: llama.cpp's GGUF files (metadata, tensor
// table) read with the runtime's GGUF reader, checked against what the
// architecture needs, and handed to the shared decoder builder. Quantized
// tensors stay in their GGUF blocks: parameters of raw bytes with a
// `quant` format, computed by seq.quantized_linear / quantized_embedding.
//
// llama.cpp's converter permutes the rows of attn_q / attn_k within each
// head so that its "normal" rotary (adjacent pairs) equals Hugging Face's
// NeoX rotary (halves) on the original rows; the graph therefore uses the
// interleaved (GPT-J) rotary on the permuted rows.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"

#include "Gguf.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::seq;

bool mlir::seq::isGgufFile(StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return false;
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, 4, 0);
  return buffer && seqrt::GgufFile::hasMagic((*buffer)->getBuffer());
}

namespace {
/// Reads the hyper-parameters of a GGUF `llama` model.
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
  // f16/bf16 weights are packed 2-byte rows for the quantized ops, which
  // read matrices only; 1-D f16/bf16 tensors (norm weights) must be f32.
  if ((*quant == QuantFormat::F16 || *quant == QuantFormat::BF16) &&
      t.shape().size() != 2)
    return r.error() << "gguf: tensor '" << t.name << "' has type " << type
                     << " with " << t.shape().size()
                     << " dimensions; seqc computes f16/bf16 tensors only as "
                        "matrices (store other tensors as f32)";
  info.elementType = b.getIntegerType(8);
  for (int64_t d : t.packedShape())
    info.shape.push_back(d);
  info.quant = *quant;
  return info;
}
} // namespace

OwningOpRef<ModuleOp> mlir::seq::importGguf(MLIRContext *ctx, StringRef path,
                                            const ImportOptions &options) {
  std::string err;
  bool ioError = false;
  auto file = seqrt::GgufFile::open(path.str(), err, ioError);
  Location fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  if (!file) {
    emitError(fileLoc) << err;
    return nullptr;
  }
  GgufReader r(ctx, *file);
  auto arch = file->getString("general.architecture", err);
  if (!arch) {
    emitError(fileLoc) << err;
    return nullptr;
  }
  if (*arch != "llama") {
    emitError(fileLoc) << "gguf: general.architecture '" << *arch
                       << "' is not supported (supported: llama)";
    return nullptr;
  }
  // Keys that change the math and are not handled.
  for (const char *key :
       {"llama.expert_count", "llama.rope.scaling.type",
        "llama.rope.scaling.factor", "llama.attention.key_length_mla"}) {
    if (file->find(key)) {
      emitError(fileLoc) << "gguf: '" << key
                         << "' changes the model and is not supported yet";
      return nullptr;
    }
  }

  DecoderSpec s;
  auto get = [&](StringRef key, int64_t &out,
                 std::optional<int64_t> dflt = {}) {
    FailureOr<int64_t> v = r.integer(key, dflt);
    if (succeeded(v))
      out = *v;
    return succeeded(v);
  };
  if (!get("llama.embedding_length", s.hidden) ||
      !get("llama.feed_forward_length", s.intermediate) ||
      !get("llama.block_count", s.layers) ||
      !get("llama.attention.head_count", s.heads) ||
      !get("llama.attention.head_count_kv", s.kvHeads, s.heads))
    return nullptr;
  if (s.layers > 4096) {
    emitError(fileLoc) << "gguf: llama.block_count " << s.layers
                       << " is more than seqc accepts (4096)";
    return nullptr;
  }
  if (s.hidden % s.heads != 0 || s.heads % s.kvHeads != 0) {
    emitError(fileLoc) << "gguf: head counts " << s.heads << "/" << s.kvHeads
                       << " do not fit embedding_length " << s.hidden;
    return nullptr;
  }
  s.headDim = s.hidden / s.heads;
  int64_t ropeDim = 0;
  if (!get("llama.rope.dimension_count", ropeDim, s.headDim))
    return nullptr;
  if (ropeDim != s.headDim) {
    emitError(fileLoc) << "gguf: llama.rope.dimension_count " << ropeDim
                       << " (partial rotary) is not supported yet";
    return nullptr;
  }
  FailureOr<double> eps =
      r.number("llama.attention.layer_norm_rms_epsilon", 1e-5);
  FailureOr<double> theta = r.number("llama.rope.freq_base", 10000.0);
  if (failed(eps) || failed(theta))
    return nullptr;
  s.rmsEps = *eps;
  s.ropeTheta = *theta;
  s.ropeNeoX = false; // see the file comment
  if (auto eos = file->getInteger("tokenizer.ggml.eos_token_id", err))
    s.eosTokenIds.push_back(*eos);

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
  s.embedding = "token_embd.weight";
  s.finalNorm = "output_norm.weight";
  s.lmHead =
      file->findTensor("output.weight") ? "output.weight" : "token_embd.weight";
  s.layerKinds.assign(s.layers, LayerKind());
  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("blk.{0}.", l);
    LayerNames n;
    n.inputNorm = p + "attn_norm.weight";
    n.q = p + "attn_q.weight";
    n.k = p + "attn_k.weight";
    n.v = p + "attn_v.weight";
    n.o = p + "attn_output.weight";
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
    FailureOr<int64_t> ctxLen = r.integer("llama.context_length", 2048);
    if (failed(ctxLen))
      return nullptr;
    opts.maxSeqLen = std::min<int64_t>(*ctxLen, 4096);
  }
  return buildDecoder(ctx, fileLoc, s, tensors, opts);
}
