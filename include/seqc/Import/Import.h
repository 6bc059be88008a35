//===- Import.h - checkpoints into seq IR -----------------------*- C++ -*-===//
//
// Model importers: a Hugging Face checkpoint directory (config.json +
// safetensors) becomes a `seq` module with the artifact's entry points
// (docs/design/Import.md).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_IMPORT_IMPORT_H
#define SEQC_IMPORT_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace mlir {
namespace seq {

/// A floating-point storage type the importer may choose (--dtype,
/// --kv-cache-dtype).
enum class ImportDtype { F32, BF16, F16 };

/// Its name ("f32", "bf16", "f16") and its MLIR type.
StringRef stringifyImportDtype(ImportDtype dtype);
Type getImportDtypeType(MLIRContext *context, ImportDtype dtype);

/// What the importer builds besides the model itself.
struct ImportOptions {
  /// The element type of the attention layers' KV caches (DeepSeek-V3:
  /// its compressed latent cache): K and V are rounded to it when written
  /// and widened to f32 when attention reads them. Recurrent states
  /// (Mamba, RG-LRU) stay f32.
  ImportDtype kvCacheDtype = ImportDtype::F32;
  /// The activations' dtype; only f32 is implemented (the importer refuses
  /// the others, naming the ops that would need 2-byte activations).
  ImportDtype dtype = ImportDtype::F32;
  /// KV-cache capacity in tokens; 0 takes the config's
  /// max_position_embeddings, capped at 4096.
  int64_t maxSeqLen = 0;
  /// Tokens the `generate` entry returns (the first sampled token and
  /// maxNewTokens - 1 from its decode loop).
  int64_t maxNewTokens = 32;
  /// Sampling of `generate`: temperature 0 is greedy.
  double temperature = 0.0;
  int64_t topK = 0;
  double topP = 1.0;
  /// `generate` does not stop at the model's EOS ids (benchmarks, and
  /// comparisons with references that generate a fixed length).
  bool ignoreEos = false;
  /// Beams of the `generate_beams` entry (seq.beam_search_loop); 0: no
  /// such entry.
  int64_t numBeams = 0;
  /// Its length penalty and early stopping ("false", "true" or "never"),
  /// as transformers' generate(length_penalty=, early_stopping=).
  double lengthPenalty = 1.0;
  std::string earlyStopping = "false";
  /// Tokens per block of `generate_beams`' paged KV caches (block pools
  /// read through a block table, shared between beams and copied on
  /// write); 0: contiguous caches gathered by rows.
  int64_t kvCacheBlockSize = 0;
  /// Speculative decoding (the `generate_speculative` entry): a draft
  /// model (a Hugging Face directory or a GGUF file) compiled into the
  /// artifact with its parameters keyed "draft/<name>", or prompt lookup
  /// with n-grams of `promptLookup` tokens (0: none); the draft proposes
  /// `numSpeculativeTokens` tokens per verify step.
  std::string draftModel;
  int64_t promptLookup = 0;
  int64_t numSpeculativeTokens = 4;
  /// Adaptive K: each verify step drafts k in [1, numSpeculativeTokens]
  /// tokens, grown after full acceptance and shrunk after a rejection.
  bool adaptiveSpeculation = false;
  /// With prompt lookup: verify a tree of drafts instead of a chain,
  /// `specTree[d]` children per node at depth d (empty: a chain).
  std::vector<int64_t> specTree;
  /// Sequences of the `generate_best_of` entry (0: no such entry).
  int64_t bestOf = 0;
};

/// True when `path` is a directory holding a config.json.
bool isHuggingFaceDirectory(StringRef path);

/// Imports the Hugging Face checkpoint directory `dir`. Problems (a missing
/// file, an unsupported model_type, a config key that changes the math and
/// is not handled, a missing or mis-shaped tensor) are emitted as
/// diagnostics located in the offending file; returns null then.
OwningOpRef<ModuleOp> importHuggingFace(MLIRContext *context, StringRef dir,
                                        const ImportOptions &options);

/// True when `path` is a file that starts with the GGUF magic.
bool isGgufFile(StringRef path);

/// Imports a llama.cpp GGUF file (architecture `llama`): f32 tensors and
/// q8_0 / q4_0 / q4_1 blocks, bound by their GGUF names. Problems are
/// diagnostics located in the file; returns null then.
OwningOpRef<ModuleOp> importGguf(MLIRContext *context, StringRef path,
                                 const ImportOptions &options);

/// Imports a Hugging Face directory or a GGUF file, then adds the entries
/// that `options` asks for beyond one model's (`generate_speculative` with
/// a merged draft model or prompt lookup, `generate_best_of`). Problems are
/// diagnostics; returns null then.
OwningOpRef<ModuleOp> importCheckpoint(MLIRContext *context, StringRef path,
                                       const ImportOptions &options);

} // namespace seq
} // namespace mlir

#endif // SEQC_IMPORT_IMPORT_H
