//===- FuzzUtils.h - Helpers shared by the libFuzzer targets ----*- C++ -*-===//
//
// The readers that take a path (safetensors, GGUF) get the fuzzer's bytes
// through an anonymous memory file, a regular file as they require.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_FUZZ_FUZZUTILS_H
#define SEQC_TEST_FUZZ_FUZZUTILS_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace seqrt {
namespace fuzz {

/// A memfd holding `data`, removed when this goes out of scope.
class MemoryFile {
public:
  MemoryFile(const uint8_t *data, size_t size) {
    fd = memfd_create("seqc-fuzz", MFD_CLOEXEC);
    size_t done = 0;
    while (fd >= 0 && done < size) {
      ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0)
        break;
      done += static_cast<size_t>(n);
    }
  }
  ~MemoryFile() {
    if (fd >= 0)
      ::close(fd);
  }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
  bool ok() const { return fd >= 0; }

private:
  int fd = -1;
};

} // namespace fuzz
} // namespace seqrt

#endif // SEQC_TEST_FUZZ_FUZZUTILS_H
