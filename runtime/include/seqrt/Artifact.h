//===- Artifact.h - The .seqpkg artifact file format ------------*- C++ -*-===//
//
// This file defines the `.seqpkg` container (docs/design/Artifact.md): its
// constants, the FNV-1a-64 checksum, the writer seqc uses and the decoder the
// runtime uses. It is the single definition of the format, kept free of
// anything heavier than the standard library so the compiler can include it.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_ARTIFACT_H
#define SEQRT_ARTIFACT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seqrt {

/// Offset 0: the 8-byte magic, "SEQCPKG" and a NUL.
inline constexpr char kArtifactMagic[8] = {'S', 'E', 'Q', 'C',
                                           'P', 'K', 'G', '\0'};
/// Format version 1: the CPU code alone. seqc writes it for artifacts
/// without a GPU target, so they load in runtimes that predate version 2.
inline constexpr uint32_t kArtifactFormatVersion = 1;
/// Format version 2: version 1 plus a section of GPU images (cubins, PTX,
/// HSACO) after the code; the header adds its size. Runtimes that read
/// only version 1 reject it as an unsupported version.
inline constexpr uint32_t kArtifactFormatVersionGPU = 2;
/// The only flags value format versions 1 and 2 allow.
inline constexpr uint32_t kArtifactFlags = 0;
/// Size of the fixed header: magic, version, flags, M, C, checksum.
inline constexpr size_t kArtifactHeaderSize = 40;
/// Version 2's header: version 1's and the u64 GPU image section size G.
inline constexpr size_t kArtifactHeaderSizeGPU = 48;

/// Field offsets inside the header.
inline constexpr size_t kArtifactVersionOffset = 8;
inline constexpr size_t kArtifactFlagsOffset = 12;
inline constexpr size_t kArtifactMetadataSizeOffset = 16;
inline constexpr size_t kArtifactCodeSizeOffset = 24;
inline constexpr size_t kArtifactChecksumOffset = 32;
inline constexpr size_t kArtifactGpuSizeOffset = 40;

inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

/// FNV-1a-64 of `size` bytes at `data`, continuing from `hash` so that a
/// checksum can be computed over several pieces.
uint64_t fnv1a64(const void *data, size_t size,
                 uint64_t hash = kFnv1a64OffsetBasis);

/// Returns the bytes of an artifact holding `metadataJson`, `code` and,
/// when `gpuImages` is not empty, that GPU image section (format version 2;
/// version 1 otherwise).
std::string encodeArtifact(std::string_view metadataJson, std::string_view code,
                           std::string_view gpuImages = {});

/// Writes an artifact to `path` (through a temporary file renamed into
/// place, so a failure never leaves a partial artifact). Returns false and
/// sets `error` on failure.
bool writeArtifact(const std::string &path, const std::string &metadataJson,
                   const std::string &code, std::string &error,
                   const std::string &gpuImages = {});

/// Why decodeArtifact rejected its input.
enum class ArtifactError {
  None,
  Format,  ///< short file, bad magic, unknown flags or a size mismatch
  Version, ///< a format version this code does not read
  Checksum ///< the payload does not match the header's checksum
};

/// The payloads of a decoded artifact; views into the decoded bytes.
struct ArtifactContents {
  uint32_t version = 0;
  std::string_view metadata;
  std::string_view code;
  /// Version 2's GPU image section (empty in version 1); the metadata's
  /// "gpu_targets" give each image's offset and size in it.
  std::string_view gpuImages;
};

/// Validates `bytes` as a whole artifact file (magic, version, flags, exact
/// size, checksum) and splits it. On failure returns the kind of problem and
/// sets `error` to a message saying which check failed.
ArtifactError decodeArtifact(std::string_view bytes, ArtifactContents &out,
                             std::string &error);

} // namespace seqrt

#endif // SEQRT_ARTIFACT_H
