//===- MappedFile.h - Read-only file mappings -------------------*- C++ -*-===//
//
// This file declares MappedFile, a read-only private mmap of a whole file,
// used for artifacts and safetensors checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_MAPPEDFILE_H
#define SEQRT_LIB_MAPPEDFILE_H

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace seqrt {

class MappedFile {
public:
  /// Maps `path` read-only. Returns null and sets `error` (naming the path
  /// and the system error) on failure.
  static std::unique_ptr<MappedFile> open(const std::string &path,
                                          std::string &error);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const unsigned char *data() const {
    return static_cast<const unsigned char *>(base);
  }
  size_t size() const { return length; }
  std::string_view bytes() const {
    return {static_cast<const char *>(base), length};
  }
  const std::string &path() const { return filePath; }

  /// Maps the pages of [data, data + size) (inside this mapping) into the
  /// page tables now (MADV_POPULATE_READ, Linux 5.14+; elsewhere a
  /// read-ahead hint), so that the first call that reads them does not
  /// take a page fault per 64 KiB. Best effort: failures are ignored.
  void prefault(const void *data, size_t size) const;

private:
  MappedFile() = default;
  void *base = nullptr;
  size_t length = 0;
  std::string filePath;
};

} // namespace seqrt

#endif // SEQRT_LIB_MAPPEDFILE_H
