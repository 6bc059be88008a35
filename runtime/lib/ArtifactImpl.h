//===- ArtifactImpl.h - The loaded artifact ---------------------*- C++ -*-===//
//
// This file defines struct seqrt_artifact, shared by the loader, the
// introspection functions, parameter binding and seqrt_call.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_ARTIFACTIMPL_H
#define SEQRT_LIB_ARTIFACTIMPL_H

#include "CodeLibrary.h"
#include "GpuTargets.h"
#include "MappedFile.h"
#include "Metadata.h"
#include "seqrt/seqrt.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

struct seqrt_artifact {
  /// `__seq_packed_<name>(args, status)`: the status slot is the call's
  /// own (seqabi2), so overlapping calls each see their own error.
  using EntryFunction = void (*)(void **, int32_t *);

  std::string path;
  std::string metadataJson;
  seqrt::Metadata metadata;
  std::shared_ptr<seqrt::CodeLibrary> library;

  /// The targets the artifact carries (format version 2: GPU binaries and
  /// their launch manifests), joined for seqrt_artifact_targets.
  seqrt::ArtifactTargets targets;
  std::string targetList;
  /// The device chosen at load (seqrt_artifact_device) and, for a GPU, its
  /// context, loaded module and resolved kernels; null for the CPU.
  std::string device;
  std::unique_ptr<seqrt::GpuBinding> gpu;

  /// Per entry, its `__seq_packed_<name>`.
  std::vector<EntryFunction> functions;
  /// Per parameter, the address of its pointer-sized global.
  std::vector<void **> globals;
  /// Per parameter, whether its global has been set.
  std::vector<bool> bound;
  /// Per parameter with parts (metadata "parts"), which parts have been
  /// copied into its stacked buffer (allocated at the first), and that
  /// buffer; empty / null for the others.
  std::vector<std::vector<bool>> partsBound;
  std::vector<void *> stacked;

  /// Every checkpoint tensor name a parameter takes (keys and parts) or
  /// the metadata ignores on purpose: a file's tensor outside it is
  /// reported at bind (built at the first bind).
  std::unordered_set<std::string> weightNames;
  bool weightNamesBuilt = false;
  /// seqrt_allow_extra_weights: such tensors are listed in extraWeights
  /// instead of failing the bind.
  bool allowExtraWeights = false;
  std::vector<std::string> extraWeights;

  /// Checkpoints (safetensors or GGUF) parameters are bound into; mapped
  /// until the artifact goes.
  std::vector<std::unique_ptr<seqrt::MappedFile>> weightFiles;
  /// Aligned copies of tensors whose data in a checkpoint was misaligned.
  std::vector<std::unique_ptr<void, decltype(&std::free)>> weightCopies;

  ~seqrt_artifact() {
    // Results may keep the code loaded; leave no pointer into unmapped
    // weights behind.
    for (void **global : globals)
      *global = nullptr;
  }

  /// Index of the entry called `name`, or -1.
  long findEntry(const char *name) const {
    for (size_t i = 0; i < metadata.entries.size(); ++i)
      if (metadata.entries[i].name == name)
        return static_cast<long>(i);
    return -1;
  }
};

#endif // SEQRT_LIB_ARTIFACTIMPL_H
