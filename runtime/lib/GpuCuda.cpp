//===- GpuCuda.cpp - The CUDA driver API through dlopen -------------------===//
//
// This file implements GpuDriver on the CUDA driver API of libcuda.so.1.
// The prototypes and enumerators below are the few the runtime uses, as
// the driver API defines them (cuda.h, CUDA 11 and later: the `_v2`
// entry points are the ones its macros select); no CUDA header is needed
// to build.
//
//===----------------------------------------------------------------------===//

#include "GpuDriver.h"

#include "Error.h"

#include <cstdio>
#include <cstring>
#include <dlfcn.h>

using namespace seqrt;

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUstream = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUevent = void *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;

// CUdevice_attribute
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
constexpr int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
// CUfunction_attribute
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
/// Dynamic shared memory a kernel may use without opting in.
constexpr uint32_t kDefaultSharedLimit = 48 * 1024;

/// The entry points, in the order of kSymbols.
struct CudaApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceTotalMem)(size_t *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
};

const char *const kSymbols[] = {
    "cuInit",
    "cuGetErrorName",
    "cuGetErrorString",
    "cuDeviceGetCount",
    "cuDeviceGet",
    "cuDeviceGetName",
    "cuDeviceGetAttribute",
    "cuDeviceTotalMem_v2",
    "cuDevicePrimaryCtxRetain",
    "cuDevicePrimaryCtxRelease_v2",
    "cuCtxSetCurrent",
    "cuStreamCreate",
    "cuStreamDestroy_v2",
    "cuStreamSynchronize",
    "cuMemAlloc_v2",
    "cuMemFree_v2",
    "cuMemcpyHtoD_v2",
    "cuMemcpyDtoH_v2",
    "cuModuleLoadData",
    "cuModuleUnload",
    "cuModuleGetFunction",
    "cuFuncSetAttribute",
    "cuLaunchKernel",
    "cuEventCreate",
    "cuEventDestroy_v2",
    "cuEventRecord",
    "cuEventSynchronize",
    "cuEventElapsedTime",
};
static_assert(sizeof(kSymbols) / sizeof(kSymbols[0]) ==
                  sizeof(CudaApi) / sizeof(void *),
              "one symbol per entry point");

class CudaDriver final : public GpuDriver {
public:
  CudaDriver(std::string library, const CudaApi &api, CUresult initResult)
      : library(std::move(library)), cu(api), initResult(initResult) {}

  const char *apiName() const override { return "CUDA"; }

  seqrt_status deviceCount(int32_t &count) override {
    count = 0;
    // cuInit fails with CUDA_ERROR_NO_DEVICE on a machine without one.
    if (initResult == CUDA_ERROR_NO_DEVICE)
      return SEQRT_OK;
    if (initResult != CUDA_SUCCESS)
      return check(initResult, "cuInit", "");
    int n = 0;
    if (seqrt_status s = check(cu.cuDeviceGetCount(&n), "cuDeviceGetCount", ""))
      return s;
    count = n;
    return SEQRT_OK;
  }

  seqrt_status deviceInfo(int32_t ordinal,
                          seqrt_gpu_device_info &info) override {
    CUdevice device;
    if (seqrt_status s = getDevice(ordinal, device))
      return s;
    std::memset(&info, 0, sizeof info);
    if (seqrt_status s =
            check(cu.cuDeviceGetName(info.name, sizeof info.name, device),
                  "cuDeviceGetName", ""))
      return s;
    info.name[sizeof info.name - 1] = '\0';
    int value = 0;
    auto attribute = [&](int which, const char *name) {
      value = 0;
      return check(cu.cuDeviceGetAttribute(&value, which, device),
                   "cuDeviceGetAttribute", name);
    };
    if (seqrt_status s = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                   "compute capability major"))
      return s;
    info.major = value;
    if (seqrt_status s = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                   "compute capability minor"))
      return s;
    info.minor = value;
    if (seqrt_status s = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                   "multiprocessor count"))
      return s;
    info.multiprocessors = value;
    if (seqrt_status s = attribute(CU_DEVICE_ATTRIBUTE_WARP_SIZE, "warp size"))
      return s;
    info.warp_size = value;
    if (seqrt_status s =
            attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                      "shared memory per block (opt-in)"))
      return s;
    info.shared_per_block = value;
    if (info.shared_per_block == 0) {
      if (seqrt_status s =
              attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
                        "shared memory per block"))
        return s;
      info.shared_per_block = value;
    }
    size_t bytes = 0;
    if (seqrt_status s =
            check(cu.cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem", ""))
      return s;
    info.total_memory = int64_t(bytes);
    // sm_90a: the "a" features exist on 9.0 only and are what seqc's
    // sm_90a cubins use; the compute capability alone is reported here.
    std::snprintf(info.arch, sizeof info.arch, "sm_%d%d", info.major,
                  info.minor);
    return SEQRT_OK;
  }

  seqrt_status contextCreate(int32_t ordinal, GpuHandle &context,
                             GpuHandle &stream) override {
    CUdevice device;
    if (seqrt_status s = getDevice(ordinal, device))
      return s;
    CUcontext ctx = nullptr;
    if (seqrt_status s = check(cu.cuDevicePrimaryCtxRetain(&ctx, device),
                               "cuDevicePrimaryCtxRetain", ""))
      return s;
    CUstream st = nullptr;
    seqrt_status s = check(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent", "");
    if (!s)
      s = check(cu.cuStreamCreate(&st, 0), "cuStreamCreate", "");
    if (s) {
      cu.cuDevicePrimaryCtxRelease(device);
      return s;
    }
    context = ctx;
    stream = st;
    return SEQRT_OK;
  }

  void contextDestroy(int32_t ordinal, GpuHandle context,
                      GpuHandle stream) override {
    CUdevice device;
    if (cu.cuCtxSetCurrent(context) == CUDA_SUCCESS)
      cu.cuStreamDestroy(stream);
    if (cu.cuDeviceGet(&device, ordinal) == CUDA_SUCCESS)
      cu.cuDevicePrimaryCtxRelease(device);
  }

  seqrt_status makeCurrent(int32_t, GpuHandle context) override {
    return check(cu.cuCtxSetCurrent(context), "cuCtxSetCurrent", "");
  }

  seqrt_status alloc(size_t bytes, uint64_t &ptr) override {
    CUdeviceptr p = 0;
    if (seqrt_status s = check(cu.cuMemAlloc(&p, bytes), "cuMemAlloc",
                               std::to_string(bytes) + " bytes"))
      return s;
    ptr = p;
    return SEQRT_OK;
  }
  seqrt_status free(uint64_t ptr) override {
    return check(cu.cuMemFree(ptr), "cuMemFree", "");
  }
  seqrt_status copyToDevice(uint64_t dst, const void *src,
                            size_t bytes) override {
    return check(cu.cuMemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD",
                 std::to_string(bytes) + " bytes");
  }
  seqrt_status copyToHost(void *dst, uint64_t src, size_t bytes) override {
    return check(cu.cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH",
                 std::to_string(bytes) + " bytes");
  }

  seqrt_status moduleLoad(const void *image, GpuHandle &module) override {
    CUmodule m = nullptr;
    if (seqrt_status s =
            check(cu.cuModuleLoadData(&m, image), "cuModuleLoadData", ""))
      return s;
    module = m;
    return SEQRT_OK;
  }
  void moduleUnload(GpuHandle module) override { cu.cuModuleUnload(module); }
  seqrt_status functionGet(GpuHandle module, const char *name,
                           GpuHandle &function) override {
    CUfunction f = nullptr;
    if (seqrt_status s =
            check(cu.cuModuleGetFunction(&f, module, name),
                  "cuModuleGetFunction", std::string("kernel '") + name + "'"))
      return s;
    function = f;
    return SEQRT_OK;
  }

  seqrt_status launch(GpuHandle function, const uint32_t grid[3],
                      const uint32_t block[3], uint32_t sharedBytes,
                      GpuHandle stream, void **params,
                      const std::string &what) override {
    if (sharedBytes > kDefaultSharedLimit)
      if (seqrt_status s = check(
              cu.cuFuncSetAttribute(
                  function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                  int(sharedBytes)),
              "cuFuncSetAttribute", what))
        return s;
    return check(cu.cuLaunchKernel(function, grid[0], grid[1], grid[2],
                                   block[0], block[1], block[2], sharedBytes,
                                   stream, params, nullptr),
                 "cuLaunchKernel", what);
  }
  seqrt_status streamSynchronize(GpuHandle stream,
                                 const std::string &what) override {
    return check(cu.cuStreamSynchronize(stream), "cuStreamSynchronize", what);
  }

  seqrt_status eventCreate(GpuHandle &event) override {
    CUevent e = nullptr;
    if (seqrt_status s = check(cu.cuEventCreate(&e, 0), "cuEventCreate", ""))
      return s;
    event = e;
    return SEQRT_OK;
  }
  void eventDestroy(GpuHandle event) override { cu.cuEventDestroy(event); }
  seqrt_status eventRecord(GpuHandle event, GpuHandle stream) override {
    return check(cu.cuEventRecord(event, stream), "cuEventRecord", "");
  }
  seqrt_status eventElapsed(GpuHandle start, GpuHandle stop,
                            float &ms) override {
    if (seqrt_status s =
            check(cu.cuEventSynchronize(stop), "cuEventSynchronize", ""))
      return s;
    return check(cu.cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime",
                 "");
  }

private:
  seqrt_status getDevice(int32_t ordinal, CUdevice &device) {
    int32_t count;
    if (seqrt_status s = deviceCount(count))
      return s;
    if (count == 0)
      return fail(SEQRT_ERROR_TARGET,
                  "no CUDA device: the driver (" + library + ") reports none");
    if (ordinal < 0 || ordinal >= count)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "CUDA device " + std::to_string(ordinal) +
                      " does not exist (" + std::to_string(count) +
                      " device(s))");
    return check(cu.cuDeviceGet(&device, ordinal), "cuDeviceGet", "");
  }

  /// SEQRT_OK, or the failure of `entry` with the driver's error name and
  /// string ("cuLaunchKernel (kernel 'k', entry 'main'): CUDA_ERROR_...:
  /// ...").
  seqrt_status check(CUresult result, const char *entry,
                     const std::string &what) {
    if (result == CUDA_SUCCESS)
      return SEQRT_OK;
    const char *name = nullptr, *text = nullptr;
    if (cu.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
      name = "unknown CUresult";
    if (cu.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
      text = "no description";
    std::string message = entry;
    if (!what.empty())
      message += " (" + what + ")";
    message +=
        ": " + std::string(name) + " (" + std::to_string(result) + "): " + text;
    seqrt_status status =
        result == CUDA_ERROR_OUT_OF_MEMORY ? SEQRT_ERROR_MEMORY
        : result == CUDA_ERROR_NOT_FOUND   ? SEQRT_ERROR_BINDING
                                           : SEQRT_ERROR_EXECUTION;
    return fail(status, message);
  }

  std::string library;
  CudaApi cu;
  CUresult initResult;
};

} // namespace

std::unique_ptr<GpuDriver> seqrt::loadCudaDriver(const std::string &library,
                                                 seqrt_status &status) {
  void *handle = openDriverLibrary(library, "CUDA", "SEQRT_CUDA_LIBRARY");
  if (!handle) {
    status = SEQRT_ERROR_TARGET;
    return nullptr;
  }
  CudaApi api;
  if (!resolveDriverSymbols(handle, library, "CUDA", kSymbols,
                            reinterpret_cast<void **>(&api),
                            sizeof(kSymbols) / sizeof(kSymbols[0]))) {
    dlclose(handle);
    status = SEQRT_ERROR_BINDING;
    return nullptr;
  }
  // The handle stays open for the process (see getGpuDriver).
  CUresult init = api.cuInit(0);
  return std::make_unique<CudaDriver>(library, api, init);
}
