//===- Metadata.h - Artifact metadata ---------------------------*- C++ -*-===//
//
// This file declares the typed form of an artifact's metadata JSON
// (docs/design/Artifact.md) and its parser, which checks everything the
// loader and seqrt_call rely on.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_METADATA_H
#define SEQRT_LIB_METADATA_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt {

/// A tensor type; -1 extents are dynamic and an empty shape is a scalar.
struct TensorType {
  seqrt_dtype dtype = SEQRT_DTYPE_F32;
  std::vector<int64_t> shape;

  size_t rank() const { return shape.size(); }
  std::string str() const;
};

struct TargetInfo {
  std::string kind;
  std::string triple;
  std::string cpu;
};

struct ParameterInfo {
  std::string symbol;
  std::string key;
  std::string global;
  TensorType type; ///< always static
  /// How the bytes encode the tensor: "" for plain elements of `type`, or
  /// a quantized ggml type name ("q4_1", "q8_0", "q4_k", ...) for an i8
  /// parameter holding ggml blocks, row by row: a [N, K] q4_1 weight is
  /// i8[N, K / 32 * 20]. Only a GGUF tensor of that type binds to it.
  std::string encoding;
  /// Stacked at bind time: one checkpoint key per row of the first
  /// dimension; part i has `type`'s shape without its first dimension and
  /// is copied into row i. Empty for a parameter bound whole by `key`.
  std::vector<std::string> parts;
};

struct EntryInfo {
  std::string name;
  std::string function;
  std::vector<TensorType> inputs;
  std::vector<TensorType> outputs;
  /// The output holding the per-row count of generated tokens (a
  /// seq.decode_loop's num_generated), or -1.
  int64_t generatedCountOutput = -1;
  /// For speculative decoding, the outputs counting verify steps and
  /// accepted draft tokens per row (num_verify_steps, num_accepted), or -1.
  int64_t verifyStepsOutput = -1;
  int64_t acceptedDraftsOutput = -1;
  /// With adaptive K: the output that sums each row's draft length k.
  int64_t draftedTokensOutput = -1;
  /// Per output: the input whose caller buffer it updates in place (the
  /// metadata's "inplace" pairs), or -1.
  std::vector<int64_t> inplaceInput;
  /// Per input: in-place state without a sequence capacity (the metadata's
  /// "recurrent" inputs: conv and SSM states).
  std::vector<bool> recurrentInput;
  /// Per input: must hold at least one element (the metadata's "nonempty"
  /// inputs: prompts).
  std::vector<bool> nonemptyInput;
};

struct Metadata {
  int64_t formatVersion = 1;
  std::string producer;
  TargetInfo target;
  std::vector<ParameterInfo> parameters;
  std::vector<EntryInfo> entries;
  /// Checkpoint tensors the producer left out on purpose (metadata
  /// "ignored_weights": a tied head saved anyway, DeepSeek's MTP layers):
  /// binding a file that holds them is not an error.
  std::vector<std::string> ignoredWeights;
};

/// Parses and checks metadata JSON: required fields and their types, known
/// dtypes, ranks up to SEQRT_MAX_RANK, extents >= -1 (static for
/// parameters), unique entry names, parameter encodings (a quantized ggml
/// type, on an i8 parameter whose innermost extent is a whole number of
/// blocks). Messages name the offending field, e.g.
/// "entries[0].inputs[1].dtype: unknown dtype 'f31'". A "format_version"
/// must be the container's (GPU targets are read by parseGpuTargets).
bool parseMetadata(std::string_view json, Metadata &out, std::string &error,
                   uint32_t containerVersion = 1);

} // namespace seqrt

#endif // SEQRT_LIB_METADATA_H
