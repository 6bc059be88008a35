//===- MappedFile.cpp - Read-only file mappings ---------------------------===//
//
// This file implements MappedFile with open/fstat/mmap.
//
//===----------------------------------------------------------------------===//

#include "MappedFile.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace seqrt;

std::unique_ptr<MappedFile> MappedFile::open(const std::string &path,
                                             std::string &error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat
  // rejects it (regular files ignore the flag).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    error = "cannot stat '" + path + "': " + strerror(errno);
    ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "cannot read '" + path + "': not a regular file";
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->filePath = path;
  file->length = static_cast<size_t>(st.st_size);
  if (file->length != 0) {
    void *base = mmap(nullptr, file->length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) {
      error = "cannot map '" + path + "': " + strerror(errno);
      ::close(fd);
      return nullptr;
    }
    file->base = base;
  }
  ::close(fd);
  return file;
}

void MappedFile::prefault(const void *data, size_t size) const {
  auto begin = reinterpret_cast<uintptr_t>(data);
  auto start = reinterpret_cast<uintptr_t>(base);
  if (size == 0 || begin < start || begin - start > length ||
      size > length - (begin - start))
    return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t first = begin & ~(page - 1);
  void *at = reinterpret_cast<void *>(first);
  size_t bytes = begin + size - first;
#ifdef MADV_POPULATE_READ
  if (madvise(at, bytes, MADV_POPULATE_READ) == 0)
    return;
#endif
  madvise(at, bytes, MADV_WILLNEED);
}

MappedFile::~MappedFile() {
  if (base)
    munmap(base, length);
}
