//===- GpuLaunchTest.cpp - Tests of manifest kernel launches --------------===//
//
// The device choice and launchKernel against the fake CUDA/HIP driver
// (Inputs/fake_gpu_driver.c), whose "module image" is the host version of
// seqc's linear kernels (test/Tools/seq-gpu-run/Inputs/fake_linear_kernels.c,
// the compiled kernels' descriptor ABI): a launch from memref descriptors
// of device buffers computes the PyTorch golden of the CPU test
// (Integration/CPU/Inputs/linear_bias), and descriptors that disagree with
// the manifest are errors naming the kernel.
//
//===----------------------------------------------------------------------===//

#include "GpuLaunch.h"
#include "GpuTargets.h"
#include "Npy.h"
#include "seqrt/gpu.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace seqrt;
using ::testing::HasSubstr;

namespace {
std::string readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class GpuLaunchTest : public ::testing::TestWithParam<seqrt_gpu_api> {
protected:
  void SetUp() override {
    setenv("SEQRT_CUDA_LIBRARY", SEQRT_FAKE_GPU_DRIVER, 1);
    setenv("SEQRT_HIP_LIBRARY", SEQRT_FAKE_GPU_DRIVER, 1);
    images = readFile(SEQRT_FAKE_LINEAR_KERNELS);
    ASSERT_FALSE(images.empty());
    // One target whose "binary" is the fake kernels, with the manifest
    // seqc writes for linear_f32_bias (fake-driver.test checks it).
    GpuTargetInfo target;
    bool cuda = GetParam() == SEQRT_GPU_CUDA;
    target.name = cuda ? "cuda:sm_90a" : "hip:gfx942";
    target.api = GetParam();
    target.chip = cuda ? "sm_90a" : "gfx942";
    target.format = cuda ? "cubin" : "hsaco";
    target.binary = {0, images.size()};
    GpuKernelInfo kernel;
    kernel.name = "linear_f32_bias";
    kernel.block[0] = cuda ? 128 : 256;
    kernel.grid = {{3, 1, 32}, {3, 0, 32}};
    kernel.params = {{"f32", 2}, {"f32", 2}, {"f32", 1}, {"f32", 2}};
    target.kernels.push_back(kernel);
    targets.names = {target.name};
    targets.hasCpu = false;
    targets.gpu.push_back(target);
    std::string description, error;
    ASSERT_EQ(selectDevice(targets, images, cuda ? "cuda" : "hip", binding,
                           description, error),
              SEQRT_OK)
        << error;
    EXPECT_THAT(description, HasSubstr(target.format + " for " + target.name));
  }
  void TearDown() override {
    for (seqrt_gpu_ptr ptr : buffers)
      seqrt_gpu_free(binding->context, ptr);
    binding.reset();
    unsetenv("SEQRT_CUDA_LIBRARY");
    unsetenv("SEQRT_HIP_LIBRARY");
  }

  /// A device copy of `values`.
  seqrt_gpu_ptr upload(const std::vector<float> &values) {
    seqrt_gpu_ptr ptr = 0;
    EXPECT_EQ(seqrt_gpu_alloc(binding->context, values.size() * 4, &ptr),
              SEQRT_OK);
    EXPECT_EQ(seqrt_gpu_copy_to_device(binding->context, ptr, values.data(),
                                       values.size() * 4),
              SEQRT_OK);
    buffers.push_back(ptr);
    return ptr;
  }

  std::string images;
  ArtifactTargets targets;
  std::unique_ptr<GpuBinding> binding;
  std::vector<seqrt_gpu_ptr> buffers;
};

/// The f32 contents of a golden .npy file.
std::vector<float> golden(const std::string &name,
                          std::vector<int64_t> &shape) {
  seqrt_tensor tensor{};
  std::string error;
  std::string path = std::string(SEQRT_LINEAR_BIAS_DIR) + "/" + name + ".npy";
  EXPECT_TRUE(readNpy(path, tensor, error, SEQRT_DTYPE_F32)) << error;
  shape.assign(tensor.shape, tensor.shape + tensor.rank);
  const float *data = static_cast<const float *>(tensor.data);
  std::vector<float> values(data, data + seqrt_tensor_num_elements(&tensor));
  seqrt_tensor_free(nullptr, &tensor);
  return values;
}

/// Appends a row-major descriptor of `ptr` viewed as `sizes`.
void descriptor(std::vector<int64_t> &words, seqrt_gpu_ptr ptr,
                std::vector<int64_t> sizes) {
  words.push_back(static_cast<int64_t>(ptr));
  words.push_back(static_cast<int64_t>(ptr));
  words.push_back(0);
  words.insert(words.end(), sizes.begin(), sizes.end());
  int64_t stride = 1;
  std::vector<int64_t> strides(sizes.size());
  for (size_t d = sizes.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= sizes[d];
  }
  words.insert(words.end(), strides.begin(), strides.end());
}

TEST_P(GpuLaunchTest, LaunchFromDescriptorsMatchesTheGolden) {
  std::vector<int64_t> xs, ws, bs, ys;
  std::vector<float> x = golden("x", xs), w = golden("weight", ws),
                     b = golden("bias", bs), want = golden("out", ys);
  ASSERT_EQ(xs.size(), 3u);
  int64_t m = xs[0] * xs[1], k = xs[2], n = ws[0];
  seqrt_gpu_ptr y = 0;
  ASSERT_EQ(seqrt_gpu_alloc(binding->context, m * n * 4, &y), SEQRT_OK);
  buffers.push_back(y);
  std::vector<int64_t> words;
  descriptor(words, upload(x), {m, k}); // [B, S, K] viewed as [M, K]
  descriptor(words, upload(w), {n, k});
  descriptor(words, upload(b), {n});
  descriptor(words, y, {m, n});
  ASSERT_EQ(launchKernel(*binding, 0, words.data(), words.size(), "main"),
            SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(seqrt_gpu_synchronize(binding->context), SEQRT_OK);
  std::vector<float> got(m * n);
  ASSERT_EQ(seqrt_gpu_copy_to_host(binding->context, got.data(), y, m * n * 4),
            SEQRT_OK);
  // Tolerance: f32 against the float64 PyTorch reference, as the CPU test.
  int outside = 0;
  for (size_t i = 0; i < got.size(); ++i)
    outside +=
        !(std::fabs(got[i] - want[i]) <= 1e-5 + 1e-4 * std::fabs(want[i]));
  EXPECT_EQ(outside, 0) << "of " << got.size();
}

TEST_P(GpuLaunchTest, DescriptorsThatDisagreeWithTheManifestAreErrors) {
  std::vector<int64_t> words(7 + 7 + 5 + 6, 0);
  EXPECT_EQ(launchKernel(*binding, 0, words.data(), words.size(), "main"),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("GPU launch of 'linear_f32_bias' (" +
                        targets.gpu[0].name +
                        ", entry 'main'): 25 parameter words given, but the "
                        "manifest's 4 memref parameters take 26 (the host "
                        "code and the manifest disagree)"));
  EXPECT_EQ(launchKernel(*binding, 1, words.data(), words.size(), nullptr),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("manifest has 1 kernels"));
  words.assign(26, 0);
  words[3] = -1; // X's first size
  EXPECT_EQ(launchKernel(*binding, 0, words.data(), words.size(), nullptr),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("parameter 0 has a negative size"));
  // Empty Y: nothing to launch.
  EXPECT_EQ(launchKernel(*binding, 0, std::vector<int64_t>(26, 0).data(), 26,
                         nullptr),
            SEQRT_OK);
}

INSTANTIATE_TEST_SUITE_P(Apis, GpuLaunchTest,
                         ::testing::Values(SEQRT_GPU_CUDA, SEQRT_GPU_HIP),
                         [](const auto &info) {
                           return info.param == SEQRT_GPU_CUDA ? "CUDA" : "HIP";
                         });
} // namespace
