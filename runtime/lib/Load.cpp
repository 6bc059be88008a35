//===- Load.cpp - Loading and freeing artifacts ---------------------------===//
//
// This file implements seqrt_artifact_load, which validates the container,
// the metadata and the target before loading the code and resolving every
// symbol the metadata names, and seqrt_artifact_free.
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Error.h"
#include "MappedFile.h"
#include "Target.h"
#include "seqrt/Abi.h"
#include "seqrt/Artifact.h"

using namespace seqrt;

namespace {
seqrt_status statusFor(ArtifactError error) {
  switch (error) {
  case ArtifactError::None:
    return SEQRT_OK;
  case ArtifactError::Format:
    return SEQRT_ERROR_FORMAT;
  case ArtifactError::Version:
    return SEQRT_ERROR_VERSION;
  case ArtifactError::Checksum:
    return SEQRT_ERROR_CHECKSUM;
  }
  return SEQRT_ERROR_FORMAT;
}

/// Resolves the entry functions, parameter globals and __seq_free.
seqrt_status resolveSymbols(seqrt_artifact &artifact) {
  CodeLibrary &library = *artifact.library;
  auto missing = [&](const std::string &symbol, const std::string &what) {
    return fail(SEQRT_ERROR_FORMAT, artifact.path +
                                        ": artifact code does not define '" +
                                        symbol + "' (" + what + ")");
  };
  void *seqFree = library.lookup(seqrt::abi::kFree);
  if (!seqFree)
    return missing(seqrt::abi::kFree, "the result deallocator");
  library.seqFree = reinterpret_cast<void (*)(void *)>(seqFree);
  for (const EntryInfo &entry : artifact.metadata.entries) {
    void *function = library.lookup(entry.function.c_str());
    if (!function)
      return missing(entry.function, "entry '" + entry.name + "'");
    artifact.functions.push_back(
        reinterpret_cast<seqrt_artifact::EntryFunction>(function));
  }
  for (const ParameterInfo &param : artifact.metadata.parameters) {
    void *global = library.lookup(param.global.c_str());
    if (!global)
      return missing(param.global, "parameter '" + param.key + "'");
    artifact.globals.push_back(static_cast<void **>(global));
    *artifact.globals.back() = nullptr;
  }
  artifact.bound.assign(artifact.globals.size(), false);
  artifact.stacked.assign(artifact.globals.size(), nullptr);
  artifact.partsBound.resize(artifact.globals.size());
  for (size_t i = 0; i < artifact.partsBound.size(); ++i)
    artifact.partsBound[i].assign(artifact.metadata.parameters[i].parts.size(),
                                  false);
  // Optional: only code that can fail at run time defines it.
  artifact.codeStatus =
      static_cast<int32_t *>(library.lookup(seqrt::abi::kStatusGlobal));
  return SEQRT_OK;
}
} // namespace

extern "C" seqrt_status seqrt_artifact_load(const char *path,
                                            seqrt_artifact **out) {
  if (!path || !out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_artifact_load: null argument");
  *out = nullptr;
  std::string error;
  std::unique_ptr<MappedFile> file = MappedFile::open(path, error);
  if (!file)
    return fail(SEQRT_ERROR_IO, error);

  auto artifact = std::make_unique<seqrt_artifact>();
  artifact->path = path;
  ArtifactContents contents;
  if (ArtifactError kind = decodeArtifact(file->bytes(), contents, error);
      kind != ArtifactError::None)
    return fail(statusFor(kind), artifact->path + ": " + error);
  artifact->metadataJson = std::string(contents.metadata);
  if (!parseMetadata(contents.metadata, artifact->metadata, error))
    return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  if (seqrt_status status = checkHostTarget(artifact->metadata.target, error))
    return fail(status, artifact->path + ": " + error);
  if (seqrt_status status = checkHostElf(contents.code, error))
    return fail(status, artifact->path + ": " + error);
  artifact->library = CodeLibrary::load(contents.code, error);
  if (!artifact->library)
    return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  if (seqrt_status status = resolveSymbols(*artifact))
    return status;
  *out = artifact.release();
  return SEQRT_OK;
}

extern "C" void seqrt_artifact_free(seqrt_artifact *artifact) {
  // Results still alive hold their own reference to the code.
  delete artifact;
}
