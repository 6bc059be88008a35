//===- Introspect.cpp - Artifact introspection ----------------------------===//
//
// This file implements the C API functions that describe a loaded
// artifact: its metadata, entries with their signatures, and parameters.
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Error.h"

using namespace seqrt;

namespace {
void fillType(const TensorType &type, seqrt_tensor_type *out) {
  *out = seqrt_tensor_type();
  out->dtype = type.dtype;
  out->rank = static_cast<int32_t>(type.rank());
  for (size_t i = 0; i < type.rank(); ++i)
    out->shape[i] = type.shape[i];
}

const EntryInfo *getEntry(const seqrt_artifact *artifact, size_t entry) {
  if (!artifact || entry >= artifact->metadata.entries.size())
    return nullptr;
  return &artifact->metadata.entries[entry];
}

const ParameterInfo *getParameter(const seqrt_artifact *artifact,
                                  size_t param) {
  if (!artifact || param >= artifact->metadata.parameters.size())
    return nullptr;
  return &artifact->metadata.parameters[param];
}

seqrt_status getType(const seqrt_artifact *artifact, size_t entry, size_t index,
                     bool output, seqrt_tensor_type *out) {
  const char *what = output ? "output" : "input";
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("seqrt_entry_") + what + "_type: null output");
  const EntryInfo *info = getEntry(artifact, entry);
  if (!info)
    return fail(SEQRT_ERROR_ARGUMENT,
                "no entry with index " + std::to_string(entry));
  const std::vector<TensorType> &types = output ? info->outputs : info->inputs;
  if (index >= types.size())
    return fail(SEQRT_ERROR_ARGUMENT, "entry '" + info->name + "' has " +
                                          std::to_string(types.size()) + " " +
                                          what + "s, no " + what + " " +
                                          std::to_string(index));
  fillType(types[index], out);
  return SEQRT_OK;
}
} // namespace

extern "C" const char *seqrt_artifact_metadata(const seqrt_artifact *a) {
  return a ? a->metadataJson.c_str() : "";
}

extern "C" const char *seqrt_artifact_producer(const seqrt_artifact *a) {
  return a ? a->metadata.producer.c_str() : "";
}

extern "C" const char *seqrt_artifact_device(const seqrt_artifact *a) {
  return a ? a->device.c_str() : "";
}

extern "C" const char *seqrt_artifact_targets(const seqrt_artifact *a) {
  return a ? a->targetList.c_str() : "";
}

extern "C" const char *seqrt_artifact_target_kind(const seqrt_artifact *a) {
  return a ? a->metadata.target.kind.c_str() : "";
}

extern "C" const char *seqrt_artifact_target_triple(const seqrt_artifact *a) {
  return a ? a->metadata.target.triple.c_str() : "";
}

extern "C" const char *seqrt_artifact_target_cpu(const seqrt_artifact *a) {
  return a ? a->metadata.target.cpu.c_str() : "";
}

extern "C" size_t seqrt_artifact_num_entries(const seqrt_artifact *a) {
  return a ? a->metadata.entries.size() : 0;
}

extern "C" const char *seqrt_entry_name(const seqrt_artifact *a, size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->name.c_str() : nullptr;
}

extern "C" seqrt_status seqrt_entry_find(const seqrt_artifact *a,
                                         const char *name, size_t *entry) {
  if (!a || !name || !entry)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_entry_find: null argument");
  long index = a->findEntry(name);
  if (index < 0)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("artifact has no entry '") + name + "'");
  *entry = static_cast<size_t>(index);
  return SEQRT_OK;
}

extern "C" size_t seqrt_entry_num_inputs(const seqrt_artifact *a,
                                         size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->inputs.size() : 0;
}

extern "C" int64_t seqrt_entry_generated_count_output(const seqrt_artifact *a,
                                                      size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->generatedCountOutput : -1;
}

extern "C" int64_t seqrt_entry_verify_steps_output(const seqrt_artifact *a,
                                                   size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->verifyStepsOutput : -1;
}

extern "C" int64_t seqrt_entry_accepted_drafts_output(const seqrt_artifact *a,
                                                      size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->acceptedDraftsOutput : -1;
}

extern "C" int64_t seqrt_entry_drafted_tokens_output(const seqrt_artifact *a,
                                                     size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->draftedTokensOutput : -1;
}

extern "C" int64_t seqrt_entry_inplace_input(const seqrt_artifact *a,
                                             size_t entry, size_t output) {
  const EntryInfo *info = getEntry(a, entry);
  if (!info || output >= info->inplaceInput.size())
    return -1;
  return info->inplaceInput[output];
}

extern "C" size_t seqrt_entry_num_outputs(const seqrt_artifact *a,
                                          size_t entry) {
  const EntryInfo *info = getEntry(a, entry);
  return info ? info->outputs.size() : 0;
}

extern "C" seqrt_status seqrt_entry_input_type(const seqrt_artifact *a,
                                               size_t entry, size_t input,
                                               seqrt_tensor_type *out) {
  return getType(a, entry, input, /*output=*/false, out);
}

extern "C" seqrt_status seqrt_entry_output_type(const seqrt_artifact *a,
                                                size_t entry, size_t output,
                                                seqrt_tensor_type *out) {
  return getType(a, entry, output, /*output=*/true, out);
}

extern "C" size_t seqrt_artifact_num_parameters(const seqrt_artifact *a) {
  return a ? a->metadata.parameters.size() : 0;
}

extern "C" const char *seqrt_parameter_key(const seqrt_artifact *a,
                                           size_t param) {
  const ParameterInfo *info = getParameter(a, param);
  return info ? info->key.c_str() : nullptr;
}

extern "C" const char *seqrt_parameter_symbol(const seqrt_artifact *a,
                                              size_t param) {
  const ParameterInfo *info = getParameter(a, param);
  return info ? info->symbol.c_str() : nullptr;
}

extern "C" const char *seqrt_parameter_encoding(const seqrt_artifact *a,
                                                size_t param) {
  const ParameterInfo *info = getParameter(a, param);
  return info ? info->encoding.c_str() : nullptr;
}

extern "C" seqrt_status seqrt_parameter_type(const seqrt_artifact *a,
                                             size_t param,
                                             seqrt_tensor_type *out) {
  const ParameterInfo *info = getParameter(a, param);
  if (!info || !out)
    return fail(SEQRT_ERROR_ARGUMENT,
                "no parameter with index " + std::to_string(param));
  fillType(info->type, out);
  return SEQRT_OK;
}

extern "C" int seqrt_parameter_is_bound(const seqrt_artifact *a, size_t param) {
  return getParameter(a, param) && a->bound[param] ? 1 : 0;
}
