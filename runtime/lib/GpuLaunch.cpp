//===- GpuLaunch.cpp - Launching a manifest kernel ------------------------===//
//
// This file implements launchKernel: the grid from the manifest's rule on
// the memref descriptors, checked against the manifest, and the launch
// through the GPU layer.
//
//===----------------------------------------------------------------------===//

#include "GpuLaunch.h"

#include "Error.h"

#include <string>
#include <vector>

using namespace seqrt;

seqrt_status seqrt::launchKernel(const GpuBinding &binding, size_t kernel,
                                 const int64_t *words, size_t count,
                                 const char *entry) {
  const GpuTargetInfo &target = *binding.target;
  if (kernel >= target.kernels.size() || kernel >= binding.functions.size())
    return fail(SEQRT_ERROR_FORMAT,
                "GPU launch of kernel " + std::to_string(kernel) + ": the " +
                    target.name + " manifest has " +
                    std::to_string(target.kernels.size()) + " kernels");
  const GpuKernelInfo &info = target.kernels[kernel];
  std::string what = "GPU launch of '" + info.name + "' (" + target.name +
                     (entry ? ", entry '" + std::string(entry) + "'" : "") +
                     ")";
  // Where each parameter's descriptor starts.
  std::vector<size_t> starts;
  size_t expected = 0;
  for (const GpuKernelInfo::Param &param : info.params) {
    starts.push_back(expected);
    expected += 3 + 2 * static_cast<size_t>(param.rank);
  }
  if (!words || count != expected)
    return fail(SEQRT_ERROR_FORMAT,
                what + ": " + std::to_string(count) +
                    " parameter words given, but the manifest's " +
                    std::to_string(info.params.size()) +
                    " memref parameters take " + std::to_string(expected) +
                    " (the host code and the manifest disagree)");
  for (size_t p = 0; p < info.params.size(); ++p)
    for (int64_t d = 0; d < info.params[p].rank; ++d)
      if (words[starts[p] + 3 + d] < 0)
        return fail(SEQRT_ERROR_FORMAT, what + ": parameter " +
                                            std::to_string(p) +
                                            " has a negative size");
  seqrt_gpu_launch_config config{};
  config.grid[0] = config.grid[1] = config.grid[2] = 1;
  for (size_t d = 0; d < info.grid.size(); ++d) {
    const GpuKernelInfo::GridRule &rule = info.grid[d];
    int64_t size = words[starts[rule.arg] + 3 + rule.dim];
    int64_t blocks = size / rule.tile + (size % rule.tile != 0);
    // CUDA's limits: 2^31 - 1 blocks in x, 65535 in y and z.
    if (blocks > (d == 0 ? int64_t(0x7fffffff) : int64_t(65535)))
      return fail(SEQRT_ERROR_ARGUMENT, what + ": " + std::to_string(blocks) +
                                            " blocks in grid dimension " +
                                            std::to_string(d));
    if (blocks == 0)
      return SEQRT_OK; // nothing to compute
    config.grid[d] = static_cast<uint32_t>(blocks);
  }
  for (int d = 0; d < 3; ++d)
    config.block[d] = info.block[d];
  config.shared_bytes = static_cast<uint32_t>(info.dynamicShared);
  config.entry = entry;
  std::vector<void *> params(count);
  for (size_t i = 0; i < count; ++i)
    params[i] = const_cast<int64_t *>(words + i);
  return seqrt_gpu_launch(binding.functions[kernel], &config, params.data(),
                          count);
}
