//===- Safetensors.h - Reading safetensors checkpoints ----------*- C++ -*-===//
//
// This file declares SafetensorsFile, a memory-mapped safetensors file: an
// 8-byte little-endian header size, a JSON header mapping tensor names to
// dtype, shape and data_offsets (relative to the end of the header), then
// the data.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_SAFETENSORS_H
#define SEQRT_LIB_SAFETENSORS_H

#include "MappedFile.h"
#include "seqrt/seqrt.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt {

struct SafetensorsTensor {
  std::string name;
  std::string dtypeName;            ///< as spelled in the file
  std::optional<seqrt_dtype> dtype; ///< nullopt for dtypes seqrt lacks
  std::vector<int64_t> shape;
  const unsigned char *data = nullptr;
  size_t size = 0; ///< bytes

  /// "F32[4, 4]" (the file's dtype spelling).
  std::string typeString() const;
};

class SafetensorsFile {
public:
  /// Maps and parses `path`. Every tensor's extents and byte range are
  /// checked against its dtype and the file size (tensors of dtypes seqrt
  /// does not know are kept, only their range is checked). Returns null and
  /// sets `error`, with `isIOError` telling a file that could not be read
  /// from a malformed one.
  static std::unique_ptr<SafetensorsFile>
  open(const std::string &path, std::string &error, bool &isIOError);

  const SafetensorsTensor *find(std::string_view name) const;
  const std::vector<SafetensorsTensor> &tensors() const { return entries; }
  const std::string &path() const { return file->path(); }
  /// Hands over the mapping (for keeping bound data alive without the
  /// parsed header); the file must not be used afterwards.
  std::unique_ptr<MappedFile> takeMapping() { return std::move(file); }

private:
  SafetensorsFile() = default;
  std::unique_ptr<MappedFile> file;
  std::vector<SafetensorsTensor> entries;
  std::unordered_map<std::string, size_t> index;
};

} // namespace seqrt

#endif // SEQRT_LIB_SAFETENSORS_H
