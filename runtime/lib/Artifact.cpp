//===- Artifact.cpp - The .seqpkg artifact file format --------------------===//
//
// This file implements the FNV-1a-64 checksum and the writer and decoder of
// the `.seqpkg` container declared in seqrt/Artifact.h.
//
//===----------------------------------------------------------------------===//

#include "seqrt/Artifact.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace seqrt;

uint64_t seqrt::fnv1a64(const void *data, size_t size, uint64_t hash) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= kFnv1a64Prime;
  }
  return hash;
}

namespace {
void putLE(std::string &out, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t getLE(std::string_view bytes, size_t offset, unsigned size) {
  uint64_t value = 0;
  for (unsigned i = 0; i < size; ++i)
    value |=
        static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + i]))
        << (8 * i);
  return value;
}
} // namespace

std::string seqrt::encodeArtifact(std::string_view metadataJson,
                                  std::string_view code,
                                  std::string_view gpuImages) {
  bool gpu = !gpuImages.empty();
  std::string out;
  out.reserve(kArtifactHeaderSizeGPU + metadataJson.size() + code.size() +
              gpuImages.size());
  out.append(kArtifactMagic, sizeof(kArtifactMagic));
  putLE(out, gpu ? kArtifactFormatVersionGPU : kArtifactFormatVersion, 4);
  putLE(out, kArtifactFlags, 4);
  putLE(out, metadataJson.size(), 8);
  putLE(out, code.size(), 8);
  uint64_t checksum = fnv1a64(metadataJson.data(), metadataJson.size());
  checksum = fnv1a64(code.data(), code.size(), checksum);
  checksum = fnv1a64(gpuImages.data(), gpuImages.size(), checksum);
  putLE(out, checksum, 8);
  if (gpu)
    putLE(out, gpuImages.size(), 8);
  out.append(metadataJson);
  out.append(code);
  out.append(gpuImages);
  return out;
}

bool seqrt::writeArtifact(const std::string &path,
                          const std::string &metadataJson,
                          const std::string &code, std::string &error,
                          const std::string &gpuImages) {
  std::string bytes = encodeArtifact(metadataJson, code, gpuImages);
  std::string tmpPath = path + ".tmp." + std::to_string(getpid());
  FILE *file = std::fopen(tmpPath.c_str(), "wb");
  if (!file) {
    error = "cannot open '" + tmpPath + "' for writing: " + strerror(errno);
    return false;
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  int writeErrno = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    writeErrno = errno;
  }
  if (!ok) {
    error = "cannot write '" + tmpPath + "': " + strerror(writeErrno);
    std::remove(tmpPath.c_str());
    return false;
  }
  if (std::rename(tmpPath.c_str(), path.c_str()) != 0) {
    error =
        "cannot rename '" + tmpPath + "' to '" + path + "': " + strerror(errno);
    std::remove(tmpPath.c_str());
    return false;
  }
  return true;
}

ArtifactError seqrt::decodeArtifact(std::string_view bytes,
                                    ArtifactContents &out, std::string &error) {
  size_t magicBytes = std::min(bytes.size(), sizeof(kArtifactMagic));
  if (magicBytes != 0 &&
      std::memcmp(bytes.data(), kArtifactMagic, magicBytes) != 0) {
    error = "bad magic: not a .seqpkg artifact";
    return ArtifactError::Format;
  }
  if (bytes.size() < kArtifactHeaderSize) {
    error = "truncated artifact: " + std::to_string(bytes.size()) +
            " bytes, shorter than the " + std::to_string(kArtifactHeaderSize) +
            "-byte header";
    return ArtifactError::Format;
  }
  auto version = static_cast<uint32_t>(getLE(bytes, kArtifactVersionOffset, 4));
  if (version != kArtifactFormatVersion &&
      version != kArtifactFormatVersionGPU) {
    error = "unsupported artifact format version " + std::to_string(version) +
            " (this runtime reads versions " +
            std::to_string(kArtifactFormatVersion) + " and " +
            std::to_string(kArtifactFormatVersionGPU) + ")";
    return ArtifactError::Version;
  }
  auto flags = static_cast<uint32_t>(getLE(bytes, kArtifactFlagsOffset, 4));
  if (flags != kArtifactFlags) {
    error = "unknown artifact flags " + std::to_string(flags) +
            " (format version " + std::to_string(version) + " has none)";
    return ArtifactError::Format;
  }
  bool gpu = version == kArtifactFormatVersionGPU;
  size_t header = gpu ? kArtifactHeaderSizeGPU : kArtifactHeaderSize;
  if (bytes.size() < header) {
    error = "truncated artifact: " + std::to_string(bytes.size()) +
            " bytes, shorter than the " + std::to_string(header) +
            "-byte header of format version " + std::to_string(version);
    return ArtifactError::Format;
  }
  uint64_t metadataSize = getLE(bytes, kArtifactMetadataSizeOffset, 8);
  uint64_t codeSize = getLE(bytes, kArtifactCodeSizeOffset, 8);
  uint64_t gpuSize = gpu ? getLE(bytes, kArtifactGpuSizeOffset, 8) : 0;
  uint64_t payload = bytes.size() - header;
  // Compare without overflowing on hostile sizes.
  if (metadataSize > payload || codeSize > payload - metadataSize ||
      gpuSize > payload - metadataSize - codeSize) {
    error = "truncated artifact: header says metadata " +
            std::to_string(metadataSize) + " + code " +
            std::to_string(codeSize) + " bytes" +
            (gpu ? " + GPU images " + std::to_string(gpuSize) + " bytes"
                 : std::string()) +
            ", but only " + std::to_string(payload) +
            " bytes follow the header";
    return ArtifactError::Format;
  }
  if (metadataSize + codeSize + gpuSize != payload) {
    error = "size mismatch: header says " + std::to_string(header) + " + " +
            std::to_string(metadataSize) + " + " + std::to_string(codeSize) +
            (gpu ? " + " + std::to_string(gpuSize) : std::string()) + " = " +
            std::to_string(header + metadataSize + codeSize + gpuSize) +
            " bytes, file has " + std::to_string(bytes.size()) + " bytes";
    return ArtifactError::Format;
  }
  uint64_t expected = getLE(bytes, kArtifactChecksumOffset, 8);
  uint64_t actual = fnv1a64(bytes.data() + header, payload);
  if (expected != actual) {
    char buffer[96];
    std::snprintf(buffer, sizeof(buffer),
                  "checksum mismatch: header says %016llx, contents hash to "
                  "%016llx",
                  static_cast<unsigned long long>(expected),
                  static_cast<unsigned long long>(actual));
    error = buffer;
    return ArtifactError::Checksum;
  }
  out.version = version;
  out.metadata = bytes.substr(header, metadataSize);
  out.code = bytes.substr(header + metadataSize, codeSize);
  out.gpuImages = bytes.substr(header + metadataSize + codeSize, gpuSize);
  return ArtifactError::None;
}
