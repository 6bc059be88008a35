//===- Heap.cpp - The C heap's settings for artifact calls ----------------===//
//
// This file implements configureHeap: glibc's mmap and trim thresholds,
// raised once per process so that the buffers generated code frees are
// reused instead of being unmapped and faulted in again.
//
//===----------------------------------------------------------------------===//

#include "Heap.h"

#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace seqrt;

namespace {
/// Blocks at least this large are still mapped (and unmapped) on their
/// own: glibc's largest mmap threshold on 64-bit hosts.
constexpr int kMmapThreshold = 32 << 20;
/// Free memory at the heap top kept for the next call.
constexpr int kTrimThreshold = 256 << 20;

/// Whether the user tuned glibc's malloc in the environment.
bool userTunedMalloc() {
  for (const char *name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                           "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"})
    if (std::getenv(name))
      return true;
  return false;
}
} // namespace

void seqrt::configureHeap() {
  static std::once_flag done;
  std::call_once(done, [] {
#if defined(__GLIBC__)
    if (userTunedMalloc())
      return;
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
#endif
  });
}
