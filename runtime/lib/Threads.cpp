//===- Threads.cpp - The OpenMP runtime's settings for artifacts ----------===//
//
// This file implements configureThreads: seqrt's default libomp wait
// policy, applied once per process through the loaded code's libomp.
//
//===----------------------------------------------------------------------===//

#include "Threads.h"

#include "CodeLibrary.h"

#include <cstdlib>
#include <mutex>

using namespace seqrt;

namespace {
/// libomp's `void kmp_set_defaults(char const *)`: settings as the
/// environment would give them, for threads that start OpenMP afterwards.
constexpr char kSetDefaults[] = "kmp_set_defaults";
constexpr char kDefaults[] = "KMP_BLOCKTIME=0";

/// Whether the user chose how libomp's threads wait.
bool userChoseWaitPolicy() {
  for (const char *name : {"KMP_BLOCKTIME", "OMP_WAIT_POLICY", "KMP_LIBRARY"})
    if (std::getenv(name))
      return true;
  return false;
}
} // namespace

void seqrt::configureThreads(const CodeLibrary &library) {
  static std::once_flag done;
  auto *setDefaults = reinterpret_cast<void (*)(const char *)>(
      library.lookupInDependencies(kSetDefaults));
  // The first code that links libomp decides; code without it neither
  // configures libomp nor uses up the once. A `kmp_set_defaults` of the
  // artifact itself is never called (lookupInDependencies).
  if (!setDefaults)
    return;
  std::call_once(done, [&] {
    if (!userChoseWaitPolicy())
      setDefaults(kDefaults);
  });
}
