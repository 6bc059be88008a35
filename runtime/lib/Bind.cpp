//===- Bind.cpp - Binding parameters to weights ---------------------------===//
//
// This file implements seqrt_bind_safetensors, seqrt_bind_parameter and
// seqrt_check_bound: checking checkpoint tensors against the parameters'
// metadata and setting the parameter globals of the artifact's code.
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Dtype.h"
#include "Error.h"
#include "Tensor.h"

#include <cstring>

using namespace seqrt;

namespace {
std::string describe(const ParameterInfo &param) {
  return "parameter '" + param.key + "' (symbol '" + param.symbol + "')";
}

/// Where a parameter's data will come from once a bind call commits.
struct PendingBinding {
  size_t param;
  const void *data;
  size_t size;
};

/// Points the parameter globals at their data, copying data that is not
/// aligned for its element type.
seqrt_status commit(seqrt_artifact &artifact,
                    const std::vector<PendingBinding> &pending) {
  for (const PendingBinding &binding : pending) {
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
  }
  return SEQRT_OK;
}
} // namespace

extern "C" seqrt_status seqrt_bind_safetensors(seqrt_artifact *artifact,
                                               const char *path) {
  if (!artifact || !path)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_bind_safetensors: null argument");
  std::string error;
  bool isIOError = false;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::open(path, error, isIOError);
  if (!file)
    return fail(isIOError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);

  // Check every parameter the file holds before binding any.
  std::vector<PendingBinding> pending;
  for (size_t i = 0; i < artifact->metadata.parameters.size(); ++i) {
    const ParameterInfo &param = artifact->metadata.parameters[i];
    const SafetensorsTensor *tensor = file->find(param.key);
    if (!tensor)
      continue;
    if (!tensor->dtype || *tensor->dtype != param.type.dtype ||
        tensor->shape != param.type.shape)
      return fail(SEQRT_ERROR_BINDING,
                  describe(param) + ": expected " + param.type.str() + " (" +
                      safetensorsDtypeName(param.type.dtype) + "), found " +
                      tensor->typeString() + " in '" + path + "'");
    pending.push_back({i, tensor->data, tensor->size});
  }
  if (seqrt_status status = commit(*artifact, pending))
    return status;
  if (!pending.empty())
    artifact->weightFiles.push_back(std::move(file));
  return SEQRT_OK;
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
  if (pending.empty())
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("artifact has no parameter with key '") + key +
                    "'");
  return commit(*artifact, pending);
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
    return fail(SEQRT_ERROR_BINDING, describe(param) + ", " + param.type.str() +
                                         ", is not bound to any weights" +
                                         others);
  }
  return SEQRT_OK;
}
