//===- ArtifactFuzzer.cpp - libFuzzer target for the artifact loader ------===//
//
// Everything seqrt_artifact_load checks before dlopen: the container, the
// metadata (with format version 2's GPU targets), the ELF structure and the
// ABI record. An input that is not an
// artifact is also tried as the ELF code itself (seeds: shared objects).
//
//===----------------------------------------------------------------------===//

#include "AbiRecord.h"
#include "ElfImage.h"
#include "GpuTargets.h"
#include "Metadata.h"
#include "Target.h"
#include "seqrt/Abi.h"
#include "seqrt/Artifact.h"

#include <cstddef>
#include <cstdint>
#include <string>

static void checkCode(std::string_view code, const seqrt::Metadata *metadata) {
  std::string error;
  if (seqrt::checkHostElf(code, error) != SEQRT_OK)
    return;
  seqrt::ElfImage image;
  if (!image.parse(code, error))
    return;
  const seqrt::ElfSymbol *record = image.find(seqrt::abi::kAbiRecord);
  if (metadata && record) {
    std::string_view text = record->bytes;
    text = text.substr(0, text.find('\0'));
    seqrt::checkAbiRecord(*metadata, text, error);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  seqrt::ArtifactContents contents;
  std::string error;
  if (seqrt::decodeArtifact(bytes, contents, error) !=
      seqrt::ArtifactError::None) {
    checkCode(bytes, nullptr);
    return 0;
  }
  seqrt::Metadata metadata;
  bool parsed = seqrt::parseMetadata(contents.metadata, metadata, error,
                                     contents.version);
  // Format version 2: the GPU targets, their image ranges and manifests.
  seqrt::ArtifactTargets targets;
  seqrt::parseArtifactTargets(contents.metadata, contents.version,
                              contents.gpuImages.size(), targets, error);
  checkCode(contents.code, parsed ? &metadata : nullptr);
  return 0;
}
