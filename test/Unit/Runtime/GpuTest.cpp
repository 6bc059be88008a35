//===- GpuTest.cpp - The GPU layer against a fake driver ------------------===//
//
// Runs seqrt's CUDA and HIP layers against Inputs/fake_gpu_driver.c, a
// driver library backed by host memory that SEQRT_CUDA_LIBRARY and
// SEQRT_HIP_LIBRARY point at, with kernels from Inputs/fake_gpu_kernels.c:
// enumeration, memory round trips, launch argument marshalling, events,
// and every error path (no library, a missing entry point, no device, each
// failing driver call, a kernel fault reported at synchronization).
//
// Drivers are loaded once per library name, so a test that needs a driver
// in another state (no device) names the same file by another path.
//
//===----------------------------------------------------------------------===//

#include "seqrt/gpu.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::string readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The fake driver's test hooks, from the same loaded library.
struct FakeHooks {
  int (*liveAllocations)();
  void (*lastLaunch)(unsigned *, unsigned *, unsigned *, int *);
  void (*reset)();
};

FakeHooks hooks() {
  void *handle = dlopen(SEQRT_FAKE_GPU_DRIVER, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(handle, nullptr) << "the fake driver is not loaded";
  FakeHooks h{};
  if (!handle)
    return h;
  h.liveAllocations =
      reinterpret_cast<int (*)()>(dlsym(handle, "fake_gpu_live_allocations"));
  h.lastLaunch =
      reinterpret_cast<void (*)(unsigned *, unsigned *, unsigned *, int *)>(
          dlsym(handle, "fake_gpu_last_launch"));
  h.reset = reinterpret_cast<void (*)()>(dlsym(handle, "fake_gpu_reset"));
  dlclose(handle);
  return h;
}

class GpuTest : public ::testing::TestWithParam<seqrt_gpu_api> {
protected:
  void SetUp() override {
    setenv("SEQRT_CUDA_LIBRARY", SEQRT_FAKE_GPU_DRIVER, 1);
    setenv("SEQRT_HIP_LIBRARY", SEQRT_FAKE_GPU_DRIVER, 1);
    unsetenv("FAKE_GPU_FAIL");
    unsetenv("FAKE_GPU_DEVICES");
  }
  void TearDown() override {
    unsetenv("FAKE_GPU_FAIL");
    unsetenv("SEQRT_CUDA_LIBRARY");
    unsetenv("SEQRT_HIP_LIBRARY");
  }
  seqrt_gpu_api api() const { return GetParam(); }
  bool cuda() const { return GetParam() == SEQRT_GPU_CUDA; }
  /// The entry point name of the API ("cuMemAlloc_v2" / "hipMalloc").
  const char *pick(const char *cudaName, const char *hipName) const {
    return cuda() ? cudaName : hipName;
  }
};

std::string apiName(const ::testing::TestParamInfo<seqrt_gpu_api> &info) {
  return info.param == SEQRT_GPU_CUDA ? "CUDA" : "HIP";
}

TEST_P(GpuTest, MissingLibraryIsAClearError) {
  setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
         "/nonexistent/libgpu-driver.so", 1);
  int32_t count = 7;
  EXPECT_EQ(seqrt_gpu_device_count(api(), &count), SEQRT_ERROR_TARGET);
  EXPECT_EQ(count, 0);
  std::string message = seqrt_last_error();
  EXPECT_NE(message.find(cuda() ? "no CUDA driver: cannot load "
                                  "/nonexistent/libgpu-driver.so"
                                : "no HIP driver: cannot load "
                                  "/nonexistent/libgpu-driver.so"),
            std::string::npos)
      << message;
  EXPECT_NE(
      message.find(cuda() ? "set SEQRT_CUDA_LIBRARY" : "set SEQRT_HIP_LIBRARY"),
      std::string::npos)
      << message;
  seqrt_gpu_context *context = nullptr;
  EXPECT_EQ(seqrt_gpu_context_create(api(), 0, &context), SEQRT_ERROR_TARGET);
  EXPECT_EQ(context, nullptr);
  EXPECT_EQ(seqrt_gpu_probe(api()), SEQRT_ERROR_TARGET);
}

TEST_P(GpuTest, MissingEntryPointIsAClearError) {
  setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
         SEQRT_FAKE_GPU_DRIVER_NO_LAUNCH, 1);
  int32_t count;
  EXPECT_EQ(seqrt_gpu_device_count(api(), &count), SEQRT_ERROR_BINDING);
  EXPECT_NE(std::string(seqrt_last_error())
                .find(std::string(SEQRT_FAKE_GPU_DRIVER_NO_LAUNCH) +
                      " has no " +
                      pick("cuLaunchKernel", "hipModuleLaunchKernel")),
            std::string::npos)
      << seqrt_last_error();
  // A library that is no driver at all.
  setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
         SEQRT_FAKE_GPU_KERNELS, 1);
  EXPECT_EQ(seqrt_gpu_probe(api()), SEQRT_ERROR_BINDING);
  EXPECT_NE(std::string(seqrt_last_error())
                .find(std::string("has no ") + pick("cuInit", "hipInit")),
            std::string::npos)
      << seqrt_last_error();
}

TEST_P(GpuTest, NoDeviceIsAClearError) {
  // Another name for the same library: a driver loaded with no device.
  setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
         SEQRT_FAKE_GPU_DRIVER_DIR "/./" SEQRT_FAKE_GPU_DRIVER_NAME, 1);
  setenv("FAKE_GPU_DEVICES", "0", 1);
  int32_t count = 7;
  ASSERT_EQ(seqrt_gpu_device_count(api(), &count), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(count, 0);
  seqrt_gpu_context *context = nullptr;
  EXPECT_EQ(seqrt_gpu_context_create(api(), 0, &context), SEQRT_ERROR_TARGET);
  EXPECT_NE(std::string(seqrt_last_error())
                .find(cuda() ? "no CUDA device" : "no HIP device"),
            std::string::npos)
      << seqrt_last_error();
  seqrt_gpu_device_info info;
  EXPECT_EQ(seqrt_gpu_device_info_get(api(), 0, &info), SEQRT_ERROR_TARGET);
}

TEST_P(GpuTest, EnumeratesDevices) {
  setenv("FAKE_GPU_DEVICES", "2", 1);
  ASSERT_EQ(seqrt_gpu_probe(api()), SEQRT_OK) << seqrt_last_error();
  int32_t count = 0;
  ASSERT_EQ(seqrt_gpu_device_count(api(), &count), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(count, 2);
  seqrt_gpu_device_info info;
  ASSERT_EQ(seqrt_gpu_device_info_get(api(), 1, &info), SEQRT_OK)
      << seqrt_last_error();
  if (cuda()) {
    EXPECT_STREQ(info.name, "Fake NVIDIA GPU 1");
    EXPECT_STREQ(info.arch, "sm_90");
    EXPECT_EQ(info.major, 9);
    EXPECT_EQ(info.minor, 0);
    EXPECT_EQ(info.multiprocessors, 132);
    EXPECT_EQ(info.warp_size, 32);
    EXPECT_EQ(info.shared_per_block, 232448);
    EXPECT_EQ(info.total_memory, int64_t(80) << 30);
  } else {
    EXPECT_STREQ(info.name, "Fake AMD GPU 1");
    EXPECT_STREQ(info.arch, "gfx942");
    EXPECT_EQ(info.major, 9);
    EXPECT_EQ(info.minor, 4);
    EXPECT_EQ(info.multiprocessors, 304);
    EXPECT_EQ(info.warp_size, 64);
    EXPECT_EQ(info.shared_per_block, 65536);
    EXPECT_EQ(info.total_memory, int64_t(192) << 30);
  }
  EXPECT_EQ(seqrt_gpu_device_info_get(api(), 2, &info), SEQRT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(seqrt_last_error()).find("device 2 does not exist"),
            std::string::npos)
      << seqrt_last_error();
  seqrt_gpu_context *context = nullptr;
  ASSERT_EQ(seqrt_gpu_context_create(api(), 1, &context), SEQRT_OK)
      << seqrt_last_error();
  seqrt_gpu_device_info same;
  ASSERT_EQ(seqrt_gpu_context_device(context, &same), SEQRT_OK);
  EXPECT_STREQ(same.name, info.name);
  seqrt_gpu_context_free(context);
}

TEST_P(GpuTest, MemoryRoundTrips) {
  seqrt_gpu_context *context = nullptr;
  ASSERT_EQ(seqrt_gpu_context_create(api(), 0, &context), SEQRT_OK)
      << seqrt_last_error();
  int live = hooks().liveAllocations();
  std::vector<uint8_t> in(1000), out(1000, 0);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = uint8_t(i * 7 + 3);
  seqrt_gpu_ptr a = 0, b = 0;
  ASSERT_EQ(seqrt_gpu_alloc(context, 1000, &a), SEQRT_OK) << seqrt_last_error();
  ASSERT_EQ(seqrt_gpu_alloc(context, 600, &b), SEQRT_OK) << seqrt_last_error();
  EXPECT_NE(a, 0u);
  EXPECT_EQ(hooks().liveAllocations(), live + 2);
  ASSERT_EQ(seqrt_gpu_copy_to_device(context, a, in.data(), 1000), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_copy_to_device(context, b, in.data() + 400, 600),
            SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_copy_to_host(context, out.data(), a, 400), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_copy_to_host(context, out.data() + 400, b, 600),
            SEQRT_OK);
  EXPECT_EQ(in, out);
  // Past the end of an allocation: the driver's error, named.
  EXPECT_EQ(seqrt_gpu_copy_to_host(context, out.data(), b, 601),
            SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuMemcpyDtoH", "hipMemcpyDtoH")) +
                " (601 bytes): " +
                pick("CUDA_ERROR_INVALID_VALUE", "hipErrorInvalidValue") +
                " (1): invalid argument");
  seqrt_gpu_ptr none = 5;
  EXPECT_EQ(seqrt_gpu_alloc(context, 0, &none), SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(none, 0u);
  EXPECT_EQ(seqrt_gpu_free(context, b), SEQRT_OK);
  // A freed pointer: the driver refuses it.
  EXPECT_EQ(seqrt_gpu_free(context, b), SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(seqrt_gpu_copy_to_device(context, b, in.data(), 1),
            SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(seqrt_gpu_free(context, 0), SEQRT_OK);
  EXPECT_EQ(hooks().liveAllocations(), live + 1);
  EXPECT_EQ(seqrt_gpu_free(context, a), SEQRT_OK);
  EXPECT_EQ(hooks().liveAllocations(), live);
  seqrt_gpu_context_free(context);
}

TEST_P(GpuTest, OutOfDeviceMemoryIsAMemoryError) {
  seqrt_gpu_context *context = nullptr;
  ASSERT_EQ(seqrt_gpu_context_create(api(), 0, &context), SEQRT_OK);
  setenv("FAKE_GPU_FAIL", cuda() ? "cuMemAlloc_v2=2" : "hipMalloc=2", 1);
  seqrt_gpu_ptr p = 1;
  EXPECT_EQ(seqrt_gpu_alloc(context, 1 << 20, &p), SEQRT_ERROR_MEMORY);
  EXPECT_EQ(p, 0u);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuMemAlloc", "hipMalloc")) +
                " (1048576 bytes): " +
                pick("CUDA_ERROR_OUT_OF_MEMORY", "hipErrorOutOfMemory") +
                " (2): out of memory");
  unsetenv("FAKE_GPU_FAIL");
  seqrt_gpu_context_free(context);
}

/// A context with the fake kernels loaded.
struct Loaded {
  seqrt_gpu_context *context = nullptr;
  seqrt_gpu_module *module = nullptr;
  ~Loaded() {
    seqrt_gpu_module_free(module);
    seqrt_gpu_context_free(context);
  }
};

seqrt_status load(seqrt_gpu_api api, Loaded &loaded) {
  if (seqrt_status s = seqrt_gpu_context_create(api, 0, &loaded.context))
    return s;
  std::string image = readFile(SEQRT_FAKE_GPU_KERNELS);
  return seqrt_gpu_module_load(loaded.context, image.data(), image.size(),
                               &loaded.module);
}

TEST_P(GpuTest, LaunchMarshalsArguments) {
  Loaded loaded;
  ASSERT_EQ(load(api(), loaded), SEQRT_OK) << seqrt_last_error();
  seqrt_gpu_function *saxpy = nullptr;
  ASSERT_EQ(seqrt_gpu_function_get(loaded.module, "saxpy", &saxpy), SEQRT_OK)
      << seqrt_last_error();
  const int32_t n = 1000;
  std::vector<float> x(n), y(n), expected(n);
  for (int i = 0; i < n; ++i) {
    x[i] = 0.5f * i;
    y[i] = 1000.0f - i;
    expected[i] = 3.0f * x[i] + y[i];
  }
  seqrt_gpu_ptr dx, dy;
  ASSERT_EQ(seqrt_gpu_alloc(loaded.context, n * 4, &dx), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_alloc(loaded.context, n * 4, &dy), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_copy_to_device(loaded.context, dx, x.data(), n * 4),
            SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_copy_to_device(loaded.context, dy, y.data(), n * 4),
            SEQRT_OK);
  float a = 3.0f;
  int32_t count = n;
  void *params[] = {&a, &dx, &dy, &count};
  seqrt_gpu_launch_config config = {
      {(n + 127) / 128, 1, 1}, {128, 1, 1}, 0, "main"};
  seqrt_gpu_event *start, *stop;
  ASSERT_EQ(seqrt_gpu_event_create(loaded.context, &start), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_event_create(loaded.context, &stop), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_event_record(start), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_launch(saxpy, &config, params, 4), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(seqrt_gpu_event_record(stop), SEQRT_OK);
  ASSERT_EQ(seqrt_gpu_synchronize(loaded.context), SEQRT_OK);
  float ms = -1;
  ASSERT_EQ(seqrt_gpu_event_elapsed(start, stop, &ms), SEQRT_OK);
  EXPECT_GE(ms, 0.0f);
  seqrt_gpu_event_free(start);
  seqrt_gpu_event_free(stop);
  std::vector<float> got(n);
  ASSERT_EQ(seqrt_gpu_copy_to_host(loaded.context, got.data(), dy, n * 4),
            SEQRT_OK);
  EXPECT_EQ(got, expected);

  // Grid, block and dynamic shared memory reach the kernel.
  seqrt_gpu_function *describe = nullptr;
  ASSERT_EQ(seqrt_gpu_function_get(loaded.module, "describe", &describe),
            SEQRT_OK);
  seqrt_gpu_ptr out;
  ASSERT_EQ(seqrt_gpu_alloc(loaded.context, 6 * 8 * 4, &out), SEQRT_OK);
  void *describeParams[] = {&out};
  seqrt_gpu_launch_config shape = {{3, 2, 1}, {32, 4, 2}, 64, nullptr};
  ASSERT_EQ(seqrt_gpu_launch(describe, &shape, describeParams, 1), SEQRT_OK)
      << seqrt_last_error();
  std::vector<int32_t> blocks(6 * 8);
  ASSERT_EQ(seqrt_gpu_copy_to_host(loaded.context, blocks.data(), out,
                                   blocks.size() * 4),
            SEQRT_OK);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) {
      const int32_t *b = &blocks[8 * (y * 3 + x)];
      EXPECT_EQ(std::vector<int32_t>(b, b + 8),
                (std::vector<int32_t>{x, y, 0, 256, 3, 2, 1, 64}));
    }
  unsigned grid[3], block[3], shared;
  int launches;
  hooks().lastLaunch(grid, block, &shared, &launches);
  EXPECT_EQ(grid[0], 3u);
  EXPECT_EQ(block[2], 2u);
  EXPECT_EQ(shared, 64u);
  EXPECT_EQ(seqrt_gpu_free(loaded.context, dx), SEQRT_OK);
  EXPECT_EQ(seqrt_gpu_free(loaded.context, dy), SEQRT_OK);
  EXPECT_EQ(seqrt_gpu_free(loaded.context, out), SEQRT_OK);
}

TEST_P(GpuTest, ModuleAndKernelErrorsNameTheKernel) {
  seqrt_gpu_context *context = nullptr;
  ASSERT_EQ(seqrt_gpu_context_create(api(), 0, &context), SEQRT_OK);
  const char notAnImage[] = "not a cubin";
  seqrt_gpu_module *module = nullptr;
  EXPECT_EQ(
      seqrt_gpu_module_load(context, notAnImage, sizeof notAnImage, &module),
      SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(module, nullptr);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuModuleLoadData", "hipModuleLoadData")) + ": " +
                pick("CUDA_ERROR_INVALID_IMAGE", "hipErrorInvalidImage") +
                " (200): device kernel image is invalid");
  EXPECT_EQ(seqrt_gpu_module_load(context, notAnImage, 0, &module),
            SEQRT_ERROR_ARGUMENT);
  seqrt_gpu_context_free(context);

  Loaded loaded;
  ASSERT_EQ(load(api(), loaded), SEQRT_OK) << seqrt_last_error();
  seqrt_gpu_function *function = nullptr;
  EXPECT_EQ(seqrt_gpu_function_get(loaded.module, "attention_bf16", &function),
            SEQRT_ERROR_BINDING);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuModuleGetFunction", "hipModuleGetFunction")) +
                " (kernel 'attention_bf16'): " +
                pick("CUDA_ERROR_NOT_FOUND", "hipErrorNotFound") +
                " (500): named symbol not found");

  // A bad configuration is refused before the driver sees it.
  ASSERT_EQ(seqrt_gpu_function_get(loaded.module, "fault", &function),
            SEQRT_OK);
  seqrt_gpu_launch_config config = {{1, 1, 1}, {64, 32, 1}, 0, "decode"};
  EXPECT_EQ(seqrt_gpu_launch(function, &config, nullptr, 0),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(std::string(seqrt_last_error()),
            "launch of kernel 'fault', entry 'decode': 2048 threads per "
            "block (at most 1024)");
  config.block[1] = 1;
  config.grid[2] = 0;
  EXPECT_EQ(seqrt_gpu_launch(function, &config, nullptr, 0),
            SEQRT_ERROR_ARGUMENT);
  config.grid[2] = 1;

  // The driver refuses the launch: its error, naming kernel and entry.
  setenv("FAKE_GPU_FAIL", pick("cuLaunchKernel", "hipModuleLaunchKernel"), 1);
  EXPECT_EQ(seqrt_gpu_launch(function, &config, nullptr, 0),
            SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuLaunchKernel", "hipModuleLaunchKernel")) +
                " (kernel 'fault', entry 'decode'): " +
                pick("CUDA_ERROR_INVALID_VALUE", "hipErrorInvalidValue") +
                " (1): invalid argument");
  unsetenv("FAKE_GPU_FAIL");

  // The kernel faults while running: the launch succeeds, the next
  // synchronizing call reports it with the kernel's name.
  ASSERT_EQ(seqrt_gpu_launch(function, &config, nullptr, 0), SEQRT_OK);
  EXPECT_EQ(seqrt_gpu_synchronize(loaded.context), SEQRT_ERROR_EXECUTION);
  EXPECT_EQ(std::string(seqrt_last_error()),
            std::string(pick("cuStreamSynchronize", "hipStreamSynchronize")) +
                " (after kernel 'fault', entry 'decode'): " +
                pick("CUDA_ERROR_ILLEGAL_ADDRESS", "hipErrorIllegalAddress") +
                " (700): an illegal memory access was encountered");
  int32_t value = 0;
  seqrt_gpu_ptr p;
  ASSERT_EQ(seqrt_gpu_alloc(loaded.context, 4, &p), SEQRT_OK);
  EXPECT_EQ(seqrt_gpu_copy_to_host(loaded.context, &value, p, 4),
            SEQRT_ERROR_EXECUTION);
  EXPECT_NE(std::string(seqrt_last_error()).find("after kernel 'fault'"),
            std::string::npos);
  hooks().reset();
  EXPECT_EQ(seqrt_gpu_free(loaded.context, p), SEQRT_OK);
}

/// Every driver call the layer makes, failing in turn, fails the sequence
/// that uses it with an error naming that call; nothing crashes.
TEST_P(GpuTest, EveryFailingCallIsReported) {
  std::vector<std::string> entries =
      cuda() ? std::vector<std::string>{"cuInit",
                                        "cuDeviceGetCount",
                                        "cuDeviceGet",
                                        "cuDeviceGetName",
                                        "cuDeviceGetAttribute",
                                        "cuDeviceTotalMem_v2",
                                        "cuDevicePrimaryCtxRetain",
                                        "cuCtxSetCurrent",
                                        "cuStreamCreate",
                                        "cuStreamSynchronize",
                                        "cuMemAlloc_v2",
                                        "cuMemFree_v2",
                                        "cuMemcpyHtoD_v2",
                                        "cuMemcpyDtoH_v2",
                                        "cuModuleLoadData",
                                        "cuModuleGetFunction",
                                        "cuFuncSetAttribute",
                                        "cuLaunchKernel",
                                        "cuEventCreate",
                                        "cuEventRecord",
                                        "cuEventSynchronize",
                                        "cuEventElapsedTime"}
             : std::vector<std::string>{"hipInit",
                                        "hipGetDeviceCount",
                                        "hipDeviceGet",
                                        "hipDeviceGetName",
                                        "hipDeviceGetAttribute",
                                        "hipDeviceTotalMem",
                                        "hipGetDevicePropertiesR0600",
                                        "hipSetDevice",
                                        "hipStreamCreate",
                                        "hipStreamSynchronize",
                                        "hipMalloc",
                                        "hipFree",
                                        "hipMemcpyHtoD",
                                        "hipMemcpyDtoH",
                                        "hipModuleLoadData",
                                        "hipModuleGetFunction",
                                        "hipModuleLaunchKernel",
                                        "hipEventCreate",
                                        "hipEventRecord",
                                        "hipEventSynchronize",
                                        "hipEventElapsedTime"};
  std::string image = readFile(SEQRT_FAKE_GPU_KERNELS);
  for (const std::string &entry : entries) {
    SCOPED_TRACE(entry);
    // cuInit/hipInit run when the library is loaded: a fresh name for it.
    if (entry == "cuInit" || entry == "hipInit")
      setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
             SEQRT_FAKE_GPU_DRIVER_DIR "/.//" SEQRT_FAKE_GPU_DRIVER_NAME, 1);
    setenv("FAKE_GPU_FAIL", (entry + "=201").c_str(), 1);
    seqrt_status status = SEQRT_OK;
    seqrt_gpu_context *context = nullptr;
    seqrt_gpu_module *module = nullptr;
    seqrt_gpu_ptr p = 0;
    seqrt_gpu_event *start = nullptr, *stop = nullptr;
    auto run = [&]() -> seqrt_status {
      seqrt_gpu_device_info info;
      if (seqrt_status s = seqrt_gpu_device_info_get(api(), 0, &info))
        return s;
      if (seqrt_status s = seqrt_gpu_context_create(api(), 0, &context))
        return s;
      if (seqrt_status s = seqrt_gpu_alloc(context, 256, &p))
        return s;
      float data[64] = {};
      if (seqrt_status s = seqrt_gpu_copy_to_device(context, p, data, 256))
        return s;
      if (seqrt_status s = seqrt_gpu_module_load(context, image.data(),
                                                 image.size(), &module))
        return s;
      seqrt_gpu_function *function;
      if (seqrt_status s = seqrt_gpu_function_get(module, "saxpy", &function))
        return s;
      if (seqrt_status s = seqrt_gpu_event_create(context, &start))
        return s;
      if (seqrt_status s = seqrt_gpu_event_create(context, &stop))
        return s;
      if (seqrt_status s = seqrt_gpu_event_record(start))
        return s;
      float a = 1;
      int32_t n = 64;
      void *params[] = {&a, &p, &p, &n};
      // More dynamic shared memory than 48 KiB: CUDA opts in first.
      seqrt_gpu_launch_config config = {
          {1, 1, 1}, {64, 1, 1}, cuda() ? 65536u : 0u, "main"};
      if (seqrt_status s = seqrt_gpu_launch(function, &config, params, 4))
        return s;
      if (seqrt_status s = seqrt_gpu_event_record(stop))
        return s;
      float ms;
      if (seqrt_status s = seqrt_gpu_event_elapsed(start, stop, &ms))
        return s;
      if (seqrt_status s = seqrt_gpu_copy_to_host(context, data, p, 256))
        return s;
      if (seqrt_status s = seqrt_gpu_synchronize(context))
        return s;
      return seqrt_gpu_free(context, p);
    };
    status = run();
    EXPECT_NE(status, SEQRT_OK);
    std::string message = seqrt_last_error();
    // The failing entry by the name the layer gives it (without _v2).
    std::string shown = entry.substr(0, entry.find("_v2"));
    if (entry == "cuInit" || entry == "hipInit")
      EXPECT_EQ(message.rfind(shown + ": ", 0), 0u) << message;
    else
      EXPECT_NE(message.find(shown), std::string::npos) << message;
    EXPECT_NE(message.find(pick("CUDA_ERROR_INVALID_CONTEXT (201)",
                                "hipErrorInvalidContext (201)")),
              std::string::npos)
        << message;
    unsetenv("FAKE_GPU_FAIL");
    setenv(cuda() ? "SEQRT_CUDA_LIBRARY" : "SEQRT_HIP_LIBRARY",
           SEQRT_FAKE_GPU_DRIVER, 1);
    seqrt_gpu_event_free(start);
    seqrt_gpu_event_free(stop);
    seqrt_gpu_module_free(module);
    // The injected failure freed nothing: the memory is still live.
    if (context && p) {
      EXPECT_EQ(seqrt_gpu_free(context, p), SEQRT_OK) << seqrt_last_error();
    }
    seqrt_gpu_context_free(context);
  }
  EXPECT_EQ(hooks().liveAllocations(), 0);
}

INSTANTIATE_TEST_SUITE_P(Apis, GpuTest,
                         ::testing::Values(SEQRT_GPU_CUDA, SEQRT_GPU_HIP),
                         apiName);

TEST(GpuApiTest, NullArgumentsAreErrors) {
  EXPECT_EQ(seqrt_gpu_device_count(SEQRT_GPU_CUDA, nullptr),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_gpu_alloc(nullptr, 16, nullptr), SEQRT_ERROR_ARGUMENT);
  seqrt_gpu_ptr p;
  EXPECT_EQ(seqrt_gpu_alloc(nullptr, 16, &p), SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_gpu_synchronize(nullptr), SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_gpu_launch(nullptr, nullptr, nullptr, 0),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_gpu_probe(seqrt_gpu_api(7)), SEQRT_ERROR_ARGUMENT);
  EXPECT_STREQ(seqrt_gpu_api_name(SEQRT_GPU_HIP), "hip");
  seqrt_gpu_context_free(nullptr);
  seqrt_gpu_module_free(nullptr);
  seqrt_gpu_event_free(nullptr);
}

} // namespace
