//===- Load.cpp - Loading and freeing artifacts ---------------------------===//
//
// This file implements seqrt_artifact_load, which validates the container,
// the metadata, the target, the code's ELF structure and the kind and size
// of every symbol the metadata names before loading the code and resolving
// those symbols, and seqrt_artifact_free.
//
//===----------------------------------------------------------------------===//

#include "AbiRecord.h"
#include "ArtifactImpl.h"
#include "ElfImage.h"
#include "Error.h"
#include "Heap.h"
#include "MappedFile.h"
#include "Target.h"
#include "ThreadPool.h"
#include "Threads.h"
#include "seqrt/Abi.h"
#include "seqrt/Artifact.h"

#include <elf.h>
#include <set>

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

std::string describeKind(const ElfSymbol &symbol) {
  switch (symbol.type) {
  case STT_FUNC:
    return "a function";
  case STT_OBJECT:
    return "a data object of " + std::to_string(symbol.size) + " bytes";
  default:
    return "a symbol of ELF type " + std::to_string(symbol.type);
  }
}

/// Checks, before the code is loaded, that every symbol the metadata names
/// is one the code defines with the kind, size and placement its use needs:
/// entries and __seq_free are functions in executable memory, parameter
/// globals distinct writable pointers.
seqrt_status checkSymbols(const seqrt_artifact &artifact,
                          const ElfImage &image) {
  auto bad = [&](const std::string &message) {
    return fail(SEQRT_ERROR_FORMAT, artifact.path + ": " + message);
  };
  auto missing = [&](const std::string &symbol, const std::string &what) {
    return bad("artifact code does not define '" + symbol + "' (" + what + ")");
  };
  auto isFunction = [](const ElfSymbol &symbol) {
    return symbol.type == STT_FUNC && (symbol.segmentFlags & PF_X);
  };
  auto isWritableData = [](const ElfSymbol &symbol, uint64_t size) {
    return symbol.type == STT_OBJECT && symbol.size == size &&
           (symbol.segmentFlags & PF_W);
  };
  const ElfSymbol *seqFree = image.find(seqrt::abi::kFree);
  if (!seqFree)
    return missing(seqrt::abi::kFree, "the result deallocator");
  if (!isFunction(*seqFree))
    return bad(std::string("artifact code's '") + seqrt::abi::kFree +
               "' (the result deallocator) is " + describeKind(*seqFree) +
               ", not a function");
  std::string packedPrefix = seqrt::abi::kPackedPrefix;
  for (const EntryInfo &entry : artifact.metadata.entries) {
    std::string what = "entry '" + entry.name + "'";
    if (entry.function.compare(0, packedPrefix.size(), packedPrefix) != 0)
      return bad(what + ": '" + entry.function +
                 "' is not an entry point (entry functions are named " +
                 packedPrefix + "*)");
    const ElfSymbol *function = image.find(entry.function);
    if (!function)
      return missing(entry.function, what);
    if (!isFunction(*function))
      return bad(what + ": '" + entry.function + "' is " +
                 describeKind(*function) + ", not a function");
  }
  std::string paramPrefix = seqrt::abi::kParamPrefix;
  std::set<std::string> seen;
  for (const ParameterInfo &param : artifact.metadata.parameters) {
    std::string what = "parameter '" + param.key + "'";
    if (param.global.compare(0, paramPrefix.size(), paramPrefix) != 0)
      return bad(what + ": '" + param.global +
                 "' is not a parameter global (they are named " + paramPrefix +
                 "*)");
    if (!seen.insert(param.global).second)
      return bad(what + ": global '" + param.global +
                 "' is named by another parameter too");
    const ElfSymbol *global = image.find(param.global);
    if (!global)
      return missing(param.global, what);
    if (!isWritableData(*global, sizeof(void *)))
      return bad(what + ": '" + param.global + "' is " + describeKind(*global) +
                 ((global->segmentFlags & PF_W) ? "" : " in read-only memory") +
                 ", not a writable pointer-sized global");
  }
  if (const ElfSymbol *parallelFor = image.find(seqrt::abi::kParallelFor))
    if (!isWritableData(*parallelFor, sizeof(void *)))
      return bad(std::string("artifact code's '") + seqrt::abi::kParallelFor +
                 "' (the thread pool's entry) is " +
                 describeKind(*parallelFor) +
                 ", not a writable pointer-sized global");
  return SEQRT_OK;
}

/// Compares the metadata with the ABI the code records in `__seq_abi`.
seqrt_status checkRecordedAbi(const seqrt_artifact &artifact,
                              const ElfImage &image,
                              const ArtifactContents &contents) {
  const ElfSymbol *record = image.find(seqrt::abi::kAbiRecord);
  if (!record)
    return fail(SEQRT_ERROR_FORMAT,
                artifact.path + ": artifact code has no ABI record '" +
                    seqrt::abi::kAbiRecord +
                    "' (it was not compiled by this version of seqc)");
  // Relocations only touch writable segments: the file bytes of a
  // read-only one are what the code sees.
  size_t end = record->bytes.find('\0');
  if (record->type != STT_OBJECT || (record->segmentFlags & PF_W) ||
      end == std::string_view::npos)
    return fail(SEQRT_ERROR_FORMAT,
                artifact.path + ": artifact code's '" + seqrt::abi::kAbiRecord +
                    "' is not a constant NUL-terminated string");
  std::string error;
  uint64_t gpuDigest =
      fnv1a64(contents.gpuImages.data(), contents.gpuImages.size(),
              fnv1a64(contents.metadata.data(), contents.metadata.size()));
  if (!checkAbiRecord(artifact.metadata, record->bytes.substr(0, end), error,
                      gpuDigest))
    return fail(SEQRT_ERROR_FORMAT,
                artifact.path +
                    ": the metadata does not match the code: " + error);
  return SEQRT_OK;
}

/// Resolves the entry functions, parameter globals and __seq_free, which
/// checkSymbols has checked; each must be where the object file says.
seqrt_status resolveSymbols(seqrt_artifact &artifact, const ElfImage &image) {
  CodeLibrary &library = *artifact.library;
  auto resolve = [&](const std::string &name) -> void * {
    void *address = library.lookup(name.c_str());
    const ElfSymbol *symbol = image.find(name);
    if (!address || !symbol ||
        reinterpret_cast<uintptr_t>(address) != library.base() + symbol->value)
      return nullptr;
    return address;
  };
  auto unresolved = [&](const std::string &symbol) {
    return fail(SEQRT_ERROR_FORMAT,
                artifact.path + ": the loaded code's '" + symbol +
                    "' is not the symbol its dynamic symbol table defines");
  };
  void *seqFree = resolve(seqrt::abi::kFree);
  if (!seqFree)
    return unresolved(seqrt::abi::kFree);
  library.seqFree = reinterpret_cast<void (*)(void *)>(seqFree);
  for (const EntryInfo &entry : artifact.metadata.entries) {
    void *function = resolve(entry.function);
    if (!function)
      return unresolved(entry.function);
    artifact.functions.push_back(
        reinterpret_cast<seqrt_artifact::EntryFunction>(function));
  }
  for (const ParameterInfo &param : artifact.metadata.parameters) {
    void *global = resolve(param.global);
    if (!global)
      return unresolved(param.global);
    artifact.globals.push_back(static_cast<void **>(global));
    *artifact.globals.back() = nullptr;
  }
  // Parallel loops run on seqrt's thread pool (ThreadPool.h).
  if (image.find(seqrt::abi::kParallelFor)) {
    void *global = resolve(seqrt::abi::kParallelFor);
    if (!global)
      return unresolved(seqrt::abi::kParallelFor);
    *static_cast<void **>(global) = reinterpret_cast<void *>(&parallelFor);
  }
  artifact.bound.assign(artifact.globals.size(), false);
  artifact.stacked.assign(artifact.globals.size(), nullptr);
  artifact.partsBound.resize(artifact.globals.size());
  for (size_t i = 0; i < artifact.partsBound.size(); ++i)
    artifact.partsBound[i].assign(artifact.metadata.parameters[i].parts.size(),
                                  false);
  return SEQRT_OK;
}
} // namespace

extern "C" seqrt_status seqrt_artifact_load(const char *path,
                                            seqrt_artifact **out) {
  return seqrt_artifact_load_device(path, "auto", out);
}

extern "C" seqrt_status seqrt_artifact_load_device(const char *path,
                                                   const char *device,
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
  if (!parseMetadata(contents.metadata, artifact->metadata, error,
                     contents.version) ||
      !parseArtifactTargets(contents.metadata, contents.version,
                            contents.gpuImages.size(), artifact->targets,
                            error))
    return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  for (seqrt::GpuTargetInfo &target : artifact->targets.gpu)
    if (target.hasHost &&
        !checkHostPlan(target.host, target.name, artifact->metadata, error))
      return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  for (const std::string &name : artifact->targets.names)
    artifact->targetList += (artifact->targetList.empty() ? "" : ", ") + name;
  if (seqrt_status status = checkHostTarget(artifact->metadata.target, error))
    return fail(status, artifact->path + ": " + error);
  if (seqrt_status status = checkHostElf(contents.code, error))
    return fail(status, artifact->path + ": " + error);
  ElfImage image;
  if (!image.parse(contents.code, error))
    return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  if (seqrt_status status = checkSymbols(*artifact, image))
    return status;
  if (seqrt_status status = checkRecordedAbi(*artifact, image, contents))
    return status;
  artifact->library = CodeLibrary::load(contents.code, error);
  if (!artifact->library)
    return fail(SEQRT_ERROR_FORMAT, artifact->path + ": " + error);
  if (seqrt_status status = resolveSymbols(*artifact, image))
    return status;
  // The device last: the code and its metadata are known good.
  if (seqrt_status status = selectDevice(
          artifact->targets, contents.gpuImages, device ? device : "auto",
          artifact->gpu, artifact->device, error))
    return fail(status, artifact->path + ": " + error);
  configureThreads(*artifact->library);
  configureHeap();
  *out = artifact.release();
  return SEQRT_OK;
}

extern "C" void seqrt_artifact_free(seqrt_artifact *artifact) {
  // Results still alive hold their own reference to the code.
  delete artifact;
}
