//===- GpuHip.cpp - The HIP module API through dlopen ---------------------===//
//
// This file implements GpuDriver on the HIP module API of libamdhip64.so
// (ROCm 6). The prototypes and enumerators below are the few the runtime
// uses, as hip_runtime_api.h of ROCm 6 defines them; no ROCm header is
// needed to build. HIP has no explicit contexts in this API: a context is
// the device ordinal, made current with hipSetDevice.
//
//===----------------------------------------------------------------------===//

#include "GpuDriver.h"

#include "Error.h"

#include <cstring>
#include <dlfcn.h>
#include <vector>

using namespace seqrt;

namespace {

using hipError_t = int;
using hipDevice_t = int;
using hipStream_t = void *;
using hipModule_t = void *;
using hipFunction_t = void *;
using hipEvent_t = void *;

constexpr hipError_t hipSuccess = 0;
constexpr hipError_t hipErrorOutOfMemory = 2;
constexpr hipError_t hipErrorNoDevice = 100;
constexpr hipError_t hipErrorNotFound = 500;

// hipDeviceAttribute_t (ROCm 6 numbering).
constexpr int hipDeviceAttributeComputeCapabilityMajor = 23;
constexpr int hipDeviceAttributeComputeCapabilityMinor = 61;
constexpr int hipDeviceAttributeMultiprocessorCount = 63;
constexpr int hipDeviceAttributeMaxSharedMemoryPerBlock = 74;
constexpr int hipDeviceAttributeWarpSize = 87;

// hipDeviceProp_tR0600 (hipGetDevicePropertiesR0600): only gcnArchName is
// read, at its offset on x86-64; the struct is 1472 bytes.
constexpr size_t kPropGcnArchNameOffset = 1160;
constexpr size_t kPropSize = 1472;

struct HipApi {
  hipError_t (*hipInit)(unsigned);
  const char *(*hipGetErrorName)(hipError_t);
  const char *(*hipGetErrorString)(hipError_t);
  hipError_t (*hipGetDeviceCount)(int *);
  hipError_t (*hipDeviceGet)(hipDevice_t *, int);
  hipError_t (*hipDeviceGetName)(char *, int, hipDevice_t);
  hipError_t (*hipDeviceGetAttribute)(int *, int, int);
  hipError_t (*hipDeviceTotalMem)(size_t *, hipDevice_t);
  hipError_t (*hipSetDevice)(int);
  hipError_t (*hipStreamCreate)(hipStream_t *);
  hipError_t (*hipStreamDestroy)(hipStream_t);
  hipError_t (*hipStreamSynchronize)(hipStream_t);
  hipError_t (*hipMalloc)(void **, size_t);
  hipError_t (*hipFree)(void *);
  hipError_t (*hipMemcpyHtoD)(void *, void *, size_t);
  hipError_t (*hipMemcpyDtoH)(void *, void *, size_t);
  hipError_t (*hipModuleLoadData)(hipModule_t *, const void *);
  hipError_t (*hipModuleUnload)(hipModule_t);
  hipError_t (*hipModuleGetFunction)(hipFunction_t *, hipModule_t,
                                     const char *);
  hipError_t (*hipModuleLaunchKernel)(hipFunction_t, unsigned, unsigned,
                                      unsigned, unsigned, unsigned, unsigned,
                                      unsigned, hipStream_t, void **, void **);
  hipError_t (*hipEventCreate)(hipEvent_t *);
  hipError_t (*hipEventDestroy)(hipEvent_t);
  hipError_t (*hipEventRecord)(hipEvent_t, hipStream_t);
  hipError_t (*hipEventSynchronize)(hipEvent_t);
  hipError_t (*hipEventElapsedTime)(float *, hipEvent_t, hipEvent_t);
};

const char *const kSymbols[] = {
    "hipInit",
    "hipGetErrorName",
    "hipGetErrorString",
    "hipGetDeviceCount",
    "hipDeviceGet",
    "hipDeviceGetName",
    "hipDeviceGetAttribute",
    "hipDeviceTotalMem",
    "hipSetDevice",
    "hipStreamCreate",
    "hipStreamDestroy",
    "hipStreamSynchronize",
    "hipMalloc",
    "hipFree",
    "hipMemcpyHtoD",
    "hipMemcpyDtoH",
    "hipModuleLoadData",
    "hipModuleUnload",
    "hipModuleGetFunction",
    "hipModuleLaunchKernel",
    "hipEventCreate",
    "hipEventDestroy",
    "hipEventRecord",
    "hipEventSynchronize",
    "hipEventElapsedTime",
};
static_assert(sizeof(kSymbols) / sizeof(kSymbols[0]) ==
                  sizeof(HipApi) / sizeof(void *),
              "one symbol per entry point");

class HipDriver final : public GpuDriver {
public:
  HipDriver(std::string library, const HipApi &api, hipError_t initResult,
            hipError_t (*getProperties)(void *, int))
      : library(std::move(library)), hip(api), initResult(initResult),
        getProperties(getProperties) {}

  const char *apiName() const override { return "HIP"; }

  seqrt_status deviceCount(int32_t &count) override {
    count = 0;
    if (initResult == hipErrorNoDevice)
      return SEQRT_OK;
    if (initResult != hipSuccess)
      return check(initResult, "hipInit", "");
    int n = 0;
    hipError_t result = hip.hipGetDeviceCount(&n);
    if (result == hipErrorNoDevice)
      return SEQRT_OK;
    if (seqrt_status s = check(result, "hipGetDeviceCount", ""))
      return s;
    count = n;
    return SEQRT_OK;
  }

  seqrt_status deviceInfo(int32_t ordinal,
                          seqrt_gpu_device_info &info) override {
    hipDevice_t device;
    if (seqrt_status s = getDevice(ordinal, device))
      return s;
    std::memset(&info, 0, sizeof info);
    if (seqrt_status s =
            check(hip.hipDeviceGetName(info.name, sizeof info.name, device),
                  "hipDeviceGetName", ""))
      return s;
    info.name[sizeof info.name - 1] = '\0';
    int value = 0;
    auto attribute = [&](int which, const char *name) {
      value = 0;
      return check(hip.hipDeviceGetAttribute(&value, which, ordinal),
                   "hipDeviceGetAttribute", name);
    };
    if (seqrt_status s = attribute(hipDeviceAttributeComputeCapabilityMajor,
                                   "compute capability major"))
      return s;
    info.major = value;
    if (seqrt_status s = attribute(hipDeviceAttributeComputeCapabilityMinor,
                                   "compute capability minor"))
      return s;
    info.minor = value;
    if (seqrt_status s = attribute(hipDeviceAttributeMultiprocessorCount,
                                   "multiprocessor count"))
      return s;
    info.multiprocessors = value;
    if (seqrt_status s = attribute(hipDeviceAttributeWarpSize, "warp size"))
      return s;
    info.warp_size = value;
    if (seqrt_status s = attribute(hipDeviceAttributeMaxSharedMemoryPerBlock,
                                   "shared memory per block"))
      return s;
    info.shared_per_block = value;
    size_t bytes = 0;
    if (seqrt_status s = check(hip.hipDeviceTotalMem(&bytes, device),
                               "hipDeviceTotalMem", ""))
      return s;
    info.total_memory = int64_t(bytes);
    // gcnArchName ("gfx942:sramecc+:xnack-") from the ROCm 6 properties;
    // the processor is what precedes the first ':'.
    if (getProperties) {
      std::vector<char> properties(kPropSize + 1024, 0);
      if (seqrt_status s = check(getProperties(properties.data(), ordinal),
                                 "hipGetDevicePropertiesR0600", ""))
        return s;
      const char *arch = properties.data() + kPropGcnArchNameOffset;
      size_t n = strnlen(arch, 255);
      size_t colon = std::string(arch, n).find(':');
      std::string name(arch, colon == std::string::npos ? n : colon);
      std::strncpy(info.arch, name.c_str(), sizeof info.arch - 1);
    }
    return SEQRT_OK;
  }

  seqrt_status contextCreate(int32_t ordinal, GpuHandle &context,
                             GpuHandle &stream) override {
    hipDevice_t device;
    if (seqrt_status s = getDevice(ordinal, device))
      return s;
    if (seqrt_status s = check(hip.hipSetDevice(ordinal), "hipSetDevice", ""))
      return s;
    hipStream_t st = nullptr;
    if (seqrt_status s = check(hip.hipStreamCreate(&st), "hipStreamCreate", ""))
      return s;
    context = nullptr;
    stream = st;
    return SEQRT_OK;
  }
  void contextDestroy(int32_t ordinal, GpuHandle, GpuHandle stream) override {
    if (hip.hipSetDevice(ordinal) == hipSuccess)
      hip.hipStreamDestroy(stream);
  }
  seqrt_status makeCurrent(int32_t ordinal, GpuHandle) override {
    return check(hip.hipSetDevice(ordinal), "hipSetDevice", "");
  }

  seqrt_status alloc(size_t bytes, uint64_t &ptr) override {
    void *p = nullptr;
    if (seqrt_status s = check(hip.hipMalloc(&p, bytes), "hipMalloc",
                               std::to_string(bytes) + " bytes"))
      return s;
    ptr = reinterpret_cast<uintptr_t>(p);
    return SEQRT_OK;
  }
  seqrt_status free(uint64_t ptr) override {
    return check(hip.hipFree(toPointer(ptr)), "hipFree", "");
  }
  seqrt_status copyToDevice(uint64_t dst, const void *src,
                            size_t bytes) override {
    return check(
        hip.hipMemcpyHtoD(toPointer(dst), const_cast<void *>(src), bytes),
        "hipMemcpyHtoD", std::to_string(bytes) + " bytes");
  }
  seqrt_status copyToHost(void *dst, uint64_t src, size_t bytes) override {
    return check(hip.hipMemcpyDtoH(dst, toPointer(src), bytes), "hipMemcpyDtoH",
                 std::to_string(bytes) + " bytes");
  }

  seqrt_status moduleLoad(const void *image, GpuHandle &module) override {
    hipModule_t m = nullptr;
    if (seqrt_status s =
            check(hip.hipModuleLoadData(&m, image), "hipModuleLoadData", ""))
      return s;
    module = m;
    return SEQRT_OK;
  }
  void moduleUnload(GpuHandle module) override { hip.hipModuleUnload(module); }
  seqrt_status functionGet(GpuHandle module, const char *name,
                           GpuHandle &function) override {
    hipFunction_t f = nullptr;
    if (seqrt_status s =
            check(hip.hipModuleGetFunction(&f, module, name),
                  "hipModuleGetFunction", std::string("kernel '") + name + "'"))
      return s;
    function = f;
    return SEQRT_OK;
  }

  seqrt_status launch(GpuHandle function, const uint32_t grid[3],
                      const uint32_t block[3], uint32_t sharedBytes,
                      GpuHandle stream, void **params,
                      const std::string &what) override {
    return check(hip.hipModuleLaunchKernel(
                     function, grid[0], grid[1], grid[2], block[0], block[1],
                     block[2], sharedBytes, stream, params, nullptr),
                 "hipModuleLaunchKernel", what);
  }
  seqrt_status streamSynchronize(GpuHandle stream,
                                 const std::string &what) override {
    return check(hip.hipStreamSynchronize(stream), "hipStreamSynchronize",
                 what);
  }

  seqrt_status eventCreate(GpuHandle &event) override {
    hipEvent_t e = nullptr;
    if (seqrt_status s = check(hip.hipEventCreate(&e), "hipEventCreate", ""))
      return s;
    event = e;
    return SEQRT_OK;
  }
  void eventDestroy(GpuHandle event) override { hip.hipEventDestroy(event); }
  seqrt_status eventRecord(GpuHandle event, GpuHandle stream) override {
    return check(hip.hipEventRecord(event, stream), "hipEventRecord", "");
  }
  seqrt_status eventElapsed(GpuHandle start, GpuHandle stop,
                            float &ms) override {
    if (seqrt_status s =
            check(hip.hipEventSynchronize(stop), "hipEventSynchronize", ""))
      return s;
    return check(hip.hipEventElapsedTime(&ms, start, stop),
                 "hipEventElapsedTime", "");
  }

private:
  static void *toPointer(uint64_t ptr) {
    return reinterpret_cast<void *>(uintptr_t(ptr));
  }

  seqrt_status getDevice(int32_t ordinal, hipDevice_t &device) {
    int32_t count;
    if (seqrt_status s = deviceCount(count))
      return s;
    if (count == 0)
      return fail(SEQRT_ERROR_TARGET,
                  "no HIP device: the runtime (" + library + ") reports none");
    if (ordinal < 0 || ordinal >= count)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "HIP device " + std::to_string(ordinal) +
                      " does not exist (" + std::to_string(count) +
                      " device(s))");
    return check(hip.hipDeviceGet(&device, ordinal), "hipDeviceGet", "");
  }

  seqrt_status check(hipError_t result, const char *entry,
                     const std::string &what) {
    if (result == hipSuccess)
      return SEQRT_OK;
    const char *name = hip.hipGetErrorName(result);
    const char *text = hip.hipGetErrorString(result);
    std::string message = entry;
    if (!what.empty())
      message += " (" + what + ")";
    message += ": " + std::string(name ? name : "unknown hipError_t") + " (" +
               std::to_string(result) +
               "): " + (text ? text : "no description");
    seqrt_status status = result == hipErrorOutOfMemory ? SEQRT_ERROR_MEMORY
                          : result == hipErrorNotFound  ? SEQRT_ERROR_BINDING
                                                        : SEQRT_ERROR_EXECUTION;
    return fail(status, message);
  }

  std::string library;
  HipApi hip;
  hipError_t initResult;
  hipError_t (*getProperties)(void *, int);
};

} // namespace

std::unique_ptr<GpuDriver> seqrt::loadHipDriver(const std::string &library,
                                                seqrt_status &status) {
  void *handle = openDriverLibrary(library, "HIP", "SEQRT_HIP_LIBRARY");
  if (!handle) {
    status = SEQRT_ERROR_TARGET;
    return nullptr;
  }
  HipApi api;
  if (!resolveDriverSymbols(handle, library, "HIP", kSymbols,
                            reinterpret_cast<void **>(&api),
                            sizeof(kSymbols) / sizeof(kSymbols[0]))) {
    dlclose(handle);
    status = SEQRT_ERROR_BINDING;
    return nullptr;
  }
  // Optional: only the architecture name comes from it.
  auto getProperties = reinterpret_cast<hipError_t (*)(void *, int)>(
      dlsym(handle, "hipGetDevicePropertiesR0600"));
  hipError_t init = api.hipInit(0);
  return std::make_unique<HipDriver>(library, api, init, getProperties);
}
