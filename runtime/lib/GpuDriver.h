//===- GpuDriver.h - A vendor GPU driver, loaded with dlopen ----*- C++ -*-===//
//
// This file declares GpuDriver, what the GPU layer (GpuApi.cpp) needs from
// a vendor API, with one implementation per vendor: the CUDA driver API
// (GpuCuda.cpp) and the HIP module API (GpuHip.cpp). Each is a table of
// entry points resolved with dlsym from a library opened with dlopen; no
// vendor header or library is needed to build the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_GPUDRIVER_H
#define SEQRT_LIB_GPUDRIVER_H

#include "seqrt/gpu.h"

#include <cstdint>
#include <memory>
#include <string>

namespace seqrt {

/// Opaque driver handles (CUcontext, CUstream, CUmodule, ...).
using GpuHandle = void *;

class GpuDriver {
public:
  virtual ~GpuDriver() = default;

  /// "CUDA", "HIP": how messages name the API.
  virtual const char *apiName() const = 0;

  virtual seqrt_status deviceCount(int32_t &count) = 0;
  virtual seqrt_status deviceInfo(int32_t ordinal,
                                  seqrt_gpu_device_info &info) = 0;

  /// Retains the device's context and creates a stream on it.
  virtual seqrt_status contextCreate(int32_t ordinal, GpuHandle &context,
                                     GpuHandle &stream) = 0;
  virtual void contextDestroy(int32_t ordinal, GpuHandle context,
                              GpuHandle stream) = 0;
  /// Makes the context current on the calling thread.
  virtual seqrt_status makeCurrent(int32_t ordinal, GpuHandle context) = 0;

  virtual seqrt_status alloc(size_t bytes, uint64_t &ptr) = 0;
  virtual seqrt_status free(uint64_t ptr) = 0;
  virtual seqrt_status copyToDevice(uint64_t dst, const void *src,
                                    size_t bytes) = 0;
  virtual seqrt_status copyToHost(void *dst, uint64_t src, size_t bytes) = 0;

  /// `image` is NUL-terminated one past its size (for PTX).
  virtual seqrt_status moduleLoad(const void *image, GpuHandle &module) = 0;
  virtual void moduleUnload(GpuHandle module) = 0;
  virtual seqrt_status functionGet(GpuHandle module, const char *name,
                                   GpuHandle &function) = 0;
  /// `what` names the kernel and entry in messages.
  virtual seqrt_status launch(GpuHandle function, const uint32_t grid[3],
                              const uint32_t block[3], uint32_t sharedBytes,
                              GpuHandle stream, void **params,
                              const std::string &what) = 0;
  /// `what` says what ran last on the stream, for messages.
  virtual seqrt_status streamSynchronize(GpuHandle stream,
                                         const std::string &what) = 0;

  virtual seqrt_status eventCreate(GpuHandle &event) = 0;
  virtual void eventDestroy(GpuHandle event) = 0;
  virtual seqrt_status eventRecord(GpuHandle event, GpuHandle stream) = 0;
  virtual seqrt_status eventElapsed(GpuHandle start, GpuHandle stop,
                                    float &ms) = 0;
};

/// The driver of `api`: the library SEQRT_CUDA_LIBRARY / SEQRT_HIP_LIBRARY
/// names, else libcuda.so.1 / libamdhip64.so, opened and initialised on
/// first use and kept for the process (one per library name). Null with
/// the error recorded (SEQRT_ERROR_TARGET for a missing library,
/// SEQRT_ERROR_BINDING for a missing entry point) in `status`.
GpuDriver *getGpuDriver(seqrt_gpu_api api, seqrt_status &status);

/// Opens `library` and resolves the CUDA driver entry points; null with
/// `status` and the message set on failure.
std::unique_ptr<GpuDriver> loadCudaDriver(const std::string &library,
                                          seqrt_status &status);
/// The same for the HIP module API.
std::unique_ptr<GpuDriver> loadHipDriver(const std::string &library,
                                         seqrt_status &status);

/// dlopen(RTLD_NOW | RTLD_LOCAL) with a message naming the library, the
/// environment variable that overrides it and dlerror(); sets the last
/// error and returns null on failure.
void *openDriverLibrary(const std::string &library, const char *apiName,
                        const char *variable);

/// Resolves `count` symbols of `names` into `slots`; on the first missing
/// one records "<library> has no <name> (...)" and returns false.
bool resolveDriverSymbols(void *handle, const std::string &library,
                          const char *apiName, const char *const *names,
                          void **slots, size_t count);

} // namespace seqrt

#endif // SEQRT_LIB_GPUDRIVER_H
