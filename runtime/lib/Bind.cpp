//===- Bind.cpp - Binding parameters to weights ---------------------------===//
//
// This file implements seqrt_bind_safetensors, seqrt_bind_gguf,
// seqrt_bind_weights, seqrt_bind_parameter and seqrt_check_bound: checking
// checkpoint tensors against the parameters' metadata and setting the
// parameter globals of the artifact's code.
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Dtype.h"
#include "Error.h"
#include "Gguf.h"
#include "Safetensors.h"
#include "Tensor.h"

#include <algorithm>
#include <cstring>
#include <optional>

using namespace seqrt;

namespace {
std::string describe(const ParameterInfo &param) {
  return "parameter '" + param.key + "' (symbol '" + param.symbol + "')";
}

/// What the parameter expects: "f32[4]", or for an encoded one
/// "q4_1-encoded i8[2, 40] (q4_1 [2, 64])".
std::string expected(const ParameterInfo &param) {
  if (param.encoding.empty())
    return param.type.str();
  const GgmlTypeInfo &type = *ggmlTypeByName(param.encoding);
  std::vector<int64_t> logical = param.type.shape;
  logical.back() = logical.back() / type.blockBytes * type.blockElements;
  return param.encoding + "-encoded " + param.type.str() + " (" +
         param.encoding + " " + formatShape(logical) + ")";
}

/// The seqrt dtype of a plain ggml type, if there is one.
std::optional<seqrt_dtype> plainDtype(GgmlType type) {
  switch (type) {
  case GgmlType::F32:
    return SEQRT_DTYPE_F32;
  case GgmlType::F16:
    return SEQRT_DTYPE_F16;
  case GgmlType::BF16:
    return SEQRT_DTYPE_BF16;
  case GgmlType::F64:
    return SEQRT_DTYPE_F64;
  case GgmlType::I8:
    return SEQRT_DTYPE_I8;
  case GgmlType::I32:
    return SEQRT_DTYPE_I32;
  case GgmlType::I64:
    return SEQRT_DTYPE_I64;
  default:
    return std::nullopt;
  }
}

/// Why `tensor` cannot bind to `param`, or "".
std::string ggufMismatch(const ParameterInfo &param, const GgufTensor &tensor) {
  std::string found = "found " + tensor.typeString();
  if (tensor.type->quantized) {
    found += " (i8" + formatShape(tensor.packedShape()) + " packed)";
    if (param.encoding.empty())
      return "expected " + expected(param) + ", " + found +
             "; a quantized tensor binds only to an i8 parameter with "
             "encoding '" +
             tensor.type->name + "'";
    if (param.encoding != tensor.type->name ||
        param.type.shape != tensor.packedShape())
      return "expected " + expected(param) + ", " + found;
    return "";
  }
  if (!param.encoding.empty()) {
    // An f16/bf16-encoded parameter takes the tensor's raw 2-byte rows.
    if (param.encoding == tensor.type->name &&
        (tensor.type->type == GgmlType::F16 ||
         tensor.type->type == GgmlType::BF16)) {
      if (param.type.shape != tensor.packedShape())
        return "expected " + expected(param) + ", " + found + " (i8" +
               formatShape(tensor.packedShape()) + " packed)";
      return "";
    }
    return "expected " + expected(param) + ", " + found +
           ", which is not quantized";
  }
  std::optional<seqrt_dtype> dtype = plainDtype(tensor.type->type);
  if (!dtype)
    return "expected " + expected(param) + ", " + found +
           ", a ggml type seqrt has no dtype for";
  if (*dtype != param.type.dtype || tensor.shape() != param.type.shape)
    return "expected " + expected(param) + ", " + found;
  return "";
}

/// Where a parameter's data will come from once a bind call commits; for
/// a part of a stacked parameter, `part` is its row.
struct PendingBinding {
  size_t param;
  const void *data;
  size_t size;
  std::optional<size_t> part = std::nullopt;
};

/// The type a part of `param` has: its shape without the first dimension.
TensorType partType(const ParameterInfo &param) {
  TensorType type = param.type;
  type.shape.erase(type.shape.begin());
  return type;
}

/// Copies a part into its row of the parameter's stacked buffer, allocated
/// at the first part; the parameter is bound once every part is.
seqrt_status commitPart(seqrt_artifact &artifact,
                        const PendingBinding &binding) {
  const ParameterInfo &param = artifact.metadata.parameters[binding.param];
  // numElements checks that the byte size does not overflow either.
  size_t elementSize = seqrt_dtype_size(param.type.dtype);
  std::optional<int64_t> elements = numElements(param.type.shape, elementSize);
  std::optional<int64_t> total;
  if (elements)
    total = *elements * static_cast<int64_t>(elementSize);
  if (!total || param.type.shape[0] <= 0 ||
      static_cast<size_t>(*total) / param.type.shape[0] != binding.size)
    return fail(SEQRT_ERROR_BINDING,
                describe(param) + ": part '" + param.parts[*binding.part] +
                    "' does not fill a row of " + param.type.str());
  void *&buffer = artifact.stacked[binding.param];
  if (!buffer) {
    buffer = alignedZeroAlloc(static_cast<size_t>(*total));
    if (!buffer)
      return fail(SEQRT_ERROR_MEMORY, "out of memory stacking " +
                                          describe(param) + " (" +
                                          std::to_string(*total) + " bytes)");
    artifact.weightCopies.emplace_back(buffer, &std::free);
  }
  if (binding.size != 0)
    std::memcpy(static_cast<char *>(buffer) + *binding.part * binding.size,
                binding.data, binding.size);
  std::vector<bool> &parts = artifact.partsBound[binding.param];
  parts[*binding.part] = true;
  if (std::find(parts.begin(), parts.end(), false) == parts.end()) {
    *artifact.globals[binding.param] = buffer;
    artifact.bound[binding.param] = true;
    return uploadGpuParameter(artifact, binding.param);
  }
  return SEQRT_OK;
}

/// Points the parameter globals at their data, copying data that is not
/// aligned for its element type.
seqrt_status commit(seqrt_artifact &artifact,
                    const std::vector<PendingBinding> &pending) {
  for (const PendingBinding &binding : pending) {
    if (binding.part) {
      if (seqrt_status status = commitPart(artifact, binding))
        return status;
      continue;
    }
    const ParameterInfo &param = artifact.metadata.parameters[binding.param];
    const void *data = binding.data;
    size_t align = seqrt_dtype_size(param.type.dtype);
    if (reinterpret_cast<uintptr_t>(data) % align != 0) {
      void *copy = alignedZeroAlloc(binding.size);
      if (!copy)
        return fail(SEQRT_ERROR_MEMORY,
                    "out of memory copying " + describe(param));
      std::memcpy(copy, data, binding.size);
      artifact.weightCopies.emplace_back(copy, &std::free);
      data = copy;
    }
    *artifact.globals[binding.param] = const_cast<void *>(data);
    artifact.bound[binding.param] = true;
    // Bound whole: parts bound later would go to a buffer nobody reads.
    artifact.partsBound[binding.param].assign(
        artifact.partsBound[binding.param].size(), true);
    // On a GPU, uploaded once here (GpuPlan.cpp).
    if (seqrt_status status = uploadGpuParameter(artifact, binding.param))
      return status;
  }
  return SEQRT_OK;
}

/// Reports the tensors of a weights file that no parameter takes under
/// `prefix` (neither a key nor a part, nor named by the metadata's
/// "ignored_weights"): SEQRT_ERROR_BINDING naming the first, in file
/// order, or, after seqrt_allow_extra_weights, a note of each in
/// extraWeights. A hash lookup per tensor name; the data is not touched.
template <typename Tensors>
seqrt_status checkExtraTensors(seqrt_artifact &artifact,
                               const Tensors &tensors,
                               const std::string &prefix, const char *path) {
  if (!artifact.weightNamesBuilt) {
    for (const ParameterInfo &param : artifact.metadata.parameters) {
      artifact.weightNames.insert(param.key);
      artifact.weightNames.insert(param.parts.begin(), param.parts.end());
    }
    artifact.weightNames.insert(artifact.metadata.ignoredWeights.begin(),
                                artifact.metadata.ignoredWeights.end());
    artifact.weightNamesBuilt = true;
  }
  std::vector<const std::string *> extra;
  std::string full = prefix;
  for (const auto &tensor : tensors) {
    full.resize(prefix.size());
    full += tensor.name;
    if (!artifact.weightNames.count(full))
      extra.push_back(&tensor.name);
  }
  if (extra.empty())
    return SEQRT_OK;
  if (artifact.allowExtraWeights) {
    for (const std::string *name : extra)
      artifact.extraWeights.push_back(*name);
    return SEQRT_OK;
  }
  std::string under =
      prefix.empty() ? "" : " under the prefix '" + prefix + "'";
  std::string more = extra.size() > 1 ? " (and " +
                                            std::to_string(extra.size() - 1) +
                                            " more)"
                                      : "";
  return fail(SEQRT_ERROR_BINDING,
              "tensor '" + *extra.front() + "' in '" + path +
                  "' is not a parameter of the artifact" + under + more +
                  ": the weights are not the checkpoint it was compiled "
                  "from (seqrt_allow_extra_weights, seqrun "
                  "--extra-weights=warn: bind anyway)");
}

/// Prefaults the file pages that bound parameters point into (CPU code
/// reads them in place): the first call then reads weights without a page
/// fault per 64 KiB (a 540 MB f32 SmolLM2 took ~16,000 faults, ~10% of a
/// 40-token prefill's CPU time); llama.cpp's loader does the same with
/// MAP_POPULATE. GPU artifacts read their uploaded copies instead.
void prefaultBound(const seqrt_artifact &artifact, const MappedFile &file,
                   const std::vector<PendingBinding> &pending) {
  if (artifact.gpu)
    return;
  for (const PendingBinding &binding : pending)
    if (!binding.part && *artifact.globals[binding.param] == binding.data)
      file.prefault(binding.data, binding.size);
}
} // namespace

/// The name in a weights file of parameter key (or part name) `key` under
/// `prefix`: `key` without the prefix, or null when it lacks it.
static std::optional<std::string> unprefixed(const std::string &key,
                                             const std::string &prefix) {
  if (key.size() < prefix.size() || key.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  return key.substr(prefix.size());
}

static seqrt_status bindSafetensors(seqrt_artifact *artifact, const char *path,
                                    const std::string &prefix) {
  std::string error;
  bool isIOError = false;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::open(path, error, isIOError);
  if (!file)
    return fail(isIOError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);
  if (seqrt_status status =
          checkExtraTensors(*artifact, file->tensors(), prefix, path))
    return status;

  // Check every parameter the file holds before binding any.
  std::vector<PendingBinding> pending;
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    std::optional<std::string> name = unprefixed(param.key, prefix);
    const SafetensorsTensor *tensor = name ? file->find(*name) : nullptr;
    if (!tensor)
      continue;
    if (!param.encoding.empty()) {
      // An f16/bf16-encoded matrix takes a safetensors F16/BF16 tensor's
      // raw 2-byte rows (Hugging Face half-precision checkpoints); other
      // encodings are GGUF blocks.
      std::vector<int64_t> logical = param.type.shape;
      bool half =
          (param.encoding == "f16" && tensor->dtype == SEQRT_DTYPE_F16) ||
          (param.encoding == "bf16" && tensor->dtype == SEQRT_DTYPE_BF16);
      if (half && !logical.empty() && logical.back() % 2 == 0) {
        logical.back() /= 2;
        if (tensor->shape == logical) {
          pending.push_back({i, tensor->data, tensor->size});
          continue;
        }
      }
      bool halfEncoding = param.encoding == "f16" || param.encoding == "bf16";
      return fail(
          SEQRT_ERROR_BINDING,
          describe(param) + ": expected " + expected(param) +
              (halfEncoding ? "" : ", which only a GGUF tensor binds to;") +
              (halfEncoding ? ", found " : " found ") + tensor->typeString() +
              " in safetensors file '" + path + "'");
    }
    if (!tensor->dtype || *tensor->dtype != param.type.dtype ||
        tensor->shape != param.type.shape)
      return fail(SEQRT_ERROR_BINDING,
                  describe(param) + ": expected " + param.type.str() + " (" +
                      safetensorsDtypeName(param.type.dtype) + "), found " +
                      tensor->typeString() + " in '" + path + "'");
    pending.push_back({i, tensor->data, tensor->size});
  }
  // Parts of stacked parameters are copied out of the file.
  bool copiedOnly = pending.empty();
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    for (size_t j = 0; j < param.parts.size(); ++j) {
      std::optional<std::string> name = unprefixed(param.parts[j], prefix);
      const SafetensorsTensor *tensor = name ? file->find(*name) : nullptr;
      if (!tensor)
        continue;
      TensorType want = partType(param);
      if (!tensor->dtype || *tensor->dtype != want.dtype ||
          tensor->shape != want.shape)
        return fail(SEQRT_ERROR_BINDING,
                    describe(param) + ": part '" + param.parts[j] +
                        "' expected " + want.str() + " (" +
                        safetensorsDtypeName(want.dtype) + "), found " +
                        tensor->typeString() + " in '" + path + "'");
      pending.push_back({i, tensor->data, tensor->size, j});
    }
  }
  if (seqrt_status status = commit(*artifact, pending))
    return status;
  if (!copiedOnly) {
    std::unique_ptr<MappedFile> mapping = file->takeMapping();
    prefaultBound(*artifact, *mapping, pending);
    artifact->weightFiles.push_back(std::move(mapping));
  }
  return SEQRT_OK;
}

static seqrt_status bindGguf(seqrt_artifact *artifact, const char *path,
                             const std::string &prefix) {
  std::string error;
  bool isIOError = false;
  std::unique_ptr<GgufFile> file = GgufFile::open(path, error, isIOError);
  if (!file)
    return fail(isIOError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);
  if (seqrt_status status =
          checkExtraTensors(*artifact, file->tensors(), prefix, path))
    return status;

  // Check every parameter the file holds before binding any.
  std::vector<PendingBinding> pending;
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    std::optional<std::string> name = unprefixed(param.key, prefix);
    const GgufTensor *tensor = name ? file->findTensor(*name) : nullptr;
    if (!tensor)
      continue;
    std::string mismatch = ggufMismatch(param, *tensor);
    if (!mismatch.empty())
      return fail(SEQRT_ERROR_BINDING,
                  describe(param) + ": " + mismatch + " in '" + path + "'");
    pending.push_back({i, tensor->data, tensor->size});
  }
  if (seqrt_status status = commit(*artifact, pending))
    return status;
  if (!pending.empty()) {
    std::unique_ptr<MappedFile> mapping = file->takeMapping();
    prefaultBound(*artifact, *mapping, pending);
    artifact->weightFiles.push_back(std::move(mapping));
  }
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_bind_safetensors(seqrt_artifact *artifact,
                                               const char *path) {
  if (!artifact || !path)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_bind_safetensors: null argument");
  return bindSafetensors(artifact, path, "");
}

extern "C" seqrt_status seqrt_bind_gguf(seqrt_artifact *artifact,
                                        const char *path) {
  if (!artifact || !path)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_bind_gguf: null argument");
  return bindGguf(artifact, path, "");
}

extern "C" seqrt_status seqrt_bind_weights_prefixed(seqrt_artifact *artifact,
                                                    const char *path,
                                                    const char *prefix) {
  if (!artifact || !path || !prefix)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_bind_weights_prefixed: null argument");
  std::string error;
  std::unique_ptr<MappedFile> file = MappedFile::open(path, error);
  if (!file)
    return fail(SEQRT_ERROR_IO, error);
  if (GgufFile::hasMagic(file->bytes()))
    return bindGguf(artifact, path, prefix);
  return bindSafetensors(artifact, path, prefix);
}

extern "C" seqrt_status seqrt_bind_weights(seqrt_artifact *artifact,
                                           const char *path) {
  if (!artifact || !path)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_bind_weights: null argument");
  return seqrt_bind_weights_prefixed(artifact, path, "");
}

extern "C" seqrt_status seqrt_bind_parameter(seqrt_artifact *artifact,
                                             const char *key,
                                             const seqrt_tensor *value) {
  if (!artifact || !key || !value)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_bind_parameter: null argument");
  if (seqrt_status status =
          checkTensorShape(std::string("value for '") + key + "'", value->dtype,
                           value->rank, value->shape))
    return status;
  size_t size = seqrt_tensor_byte_size(value);
  if (!value->data && size != 0)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("value for '") + key + "' has null data");
  std::vector<int64_t> shape(value->shape, value->shape + value->rank);
  std::vector<PendingBinding> pending;
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    if (param.key != key)
      continue;
    if (value->dtype != param.type.dtype || shape != param.type.shape)
      return fail(SEQRT_ERROR_BINDING, describe(param) + ": expected " +
                                           param.type.str() + ", found " +
                                           formatType(value->dtype, shape));
    pending.push_back({i, value->data, size});
  }
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    for (size_t j = 0; j < param.parts.size(); ++j) {
      if (param.parts[j] != key)
        continue;
      TensorType want = partType(param);
      if (value->dtype != want.dtype || shape != want.shape)
        return fail(SEQRT_ERROR_BINDING, describe(param) + ": part '" + key +
                                             "' expected " + want.str() +
                                             ", found " +
                                             formatType(value->dtype, shape));
      pending.push_back({i, value->data, size, j});
    }
  }
  if (pending.empty())
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("artifact has no parameter with key '") + key +
                    "'");
  return commit(*artifact, pending);
}

extern "C" void seqrt_allow_extra_weights(seqrt_artifact *artifact,
                                          int allow) {
  if (artifact)
    artifact->allowExtraWeights = allow != 0;
}

extern "C" size_t seqrt_num_extra_weights(const seqrt_artifact *artifact) {
  return artifact ? artifact->extraWeights.size() : 0;
}

extern "C" const char *seqrt_extra_weight(const seqrt_artifact *artifact,
                                          size_t index) {
  if (!artifact || index >= artifact->extraWeights.size())
    return nullptr;
  return artifact->extraWeights[index].c_str();
}

extern "C" seqrt_status seqrt_check_bound(const seqrt_artifact *artifact) {
  if (!artifact)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_check_bound: null artifact");
  for (size_t i = 0; i < artifact->bound.size(); ++i) {
    if (artifact->bound[i])
      continue;
    const ParameterInfo &param = artifact->metadata.parameters[i];
    size_t unbound = 0;
    for (bool bound : artifact->bound)
      unbound += !bound;
    std::string others =
        unbound > 1 ? " (and " + std::to_string(unbound - 1) + " more unbound)"
                    : "";
    // A stacked parameter names the first part no file had.
    const std::vector<bool> &parts = artifact->partsBound[i];
    auto missing = std::find(parts.begin(), parts.end(), false);
    if (missing != parts.end())
      return fail(SEQRT_ERROR_BINDING,
                  describe(param) + ", " + param.type.str() + ": part '" +
                      param.parts[missing - parts.begin()] +
                      "' is not bound to any weights" + others);
    return fail(SEQRT_ERROR_BINDING, describe(param) + ", " + param.type.str() +
                                         ", is not bound to any weights" +
                                         others);
  }
  return SEQRT_OK;
}
