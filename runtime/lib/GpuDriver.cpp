//===- GpuDriver.cpp - Finding and opening the GPU driver libraries -------===//
//
// This file implements getGpuDriver, which opens each vendor's driver
// library once per process (per library name, so a test can point the
// environment variable at another one), and the dlopen/dlsym helpers the
// vendor files share.
//
//===----------------------------------------------------------------------===//

#include "GpuDriver.h"

#include "Error.h"

#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>

using namespace seqrt;

namespace {
struct DriverKey {
  seqrt_gpu_api api;
  std::string library;
  bool operator<(const DriverKey &other) const {
    return api != other.api ? api < other.api : library < other.library;
  }
};
} // namespace

GpuDriver *seqrt::getGpuDriver(seqrt_gpu_api api, seqrt_status &status) {
  if (api != SEQRT_GPU_CUDA && api != SEQRT_GPU_HIP) {
    status = fail(SEQRT_ERROR_ARGUMENT,
                  "unknown GPU API " + std::to_string(int(api)));
    return nullptr;
  }
  const char *variable =
      api == SEQRT_GPU_CUDA ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY";
  const char *override = std::getenv(variable);
  std::string library = override && *override   ? override
                        : api == SEQRT_GPU_CUDA ? "libcuda.so.1"
                                                : "libamdhip64.so";
  static std::mutex mutex;
  // Drivers stay loaded for the process: contexts and modules may live as
  // long as it does, and unloading a GPU driver is not supported anyway.
  static std::map<DriverKey, std::unique_ptr<GpuDriver>> *drivers =
      new std::map<DriverKey, std::unique_ptr<GpuDriver>>();
  std::lock_guard<std::mutex> lock(mutex);
  DriverKey key{api, library};
  auto found = drivers->find(key);
  if (found != drivers->end()) {
    status = SEQRT_OK;
    return found->second.get();
  }
  // A failed load is not remembered: the next call tries again.
  std::unique_ptr<GpuDriver> driver = api == SEQRT_GPU_CUDA
                                          ? loadCudaDriver(library, status)
                                          : loadHipDriver(library, status);
  if (!driver)
    return nullptr;
  GpuDriver *result = driver.get();
  drivers->emplace(key, std::move(driver));
  status = SEQRT_OK;
  return result;
}

void *seqrt::openDriverLibrary(const std::string &library, const char *apiName,
                               const char *variable) {
  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    fail(SEQRT_ERROR_TARGET,
         std::string("no ") + apiName + " driver: cannot load " + library +
             " (" + (reason ? reason : "unknown reason") + "); install the " +
             (std::string(apiName) == "CUDA" ? "NVIDIA driver"
                                             : "ROCm HIP runtime") +
             " or set " + variable + " to its library");
  }
  return handle;
}

bool seqrt::resolveDriverSymbols(void *handle, const std::string &library,
                                 const char *apiName, const char *const *names,
                                 void **slots, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    dlerror();
    slots[i] = dlsym(handle, names[i]);
    if (!slots[i]) {
      fail(SEQRT_ERROR_BINDING,
           library + " has no " + names[i] + " (not a " + apiName +
               " driver library, or one too old for the seqc runtime)");
      return false;
    }
  }
  return true;
}
