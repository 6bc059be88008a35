//===- seq-gpu-run.cpp - run compiled GPU kernels on a GPU ----------------===//
//
// Loads a GPU binary made by `seqc -emit=gpu-bin` (a cubin for CUDA, an
// HSACO for HIP) with the launch manifest `seqc --gpu-manifest` wrote next
// to it, uploads .npy arguments, launches one kernel through seqrt's GPU
// layer, downloads the results and compares them with golden .npy files,
// with the same options and report as seq-gpu-emu (which runs the same
// kernel on the CPU):
//
//   seq-gpu-run kernels.cubin --manifest kernels.json
//     --kernel=linear_bf16_bias --arg 0=x.npy --arg 1=w.npy --arg 2=b.npy
//     --expect 3=out.npy --rtol 2e-2 --atol 2e-2 [--bench 20]
//
// `--scratch i=<d0>x<d1>...` gives a parameter as a NaN-filled buffer,
// `--save i=<file.npy>` writes a parameter after the run as float32 (a
// parameter with both `--arg` and `--expect` is updated in place),
// `--bench N` then times N more launches with GPU events (median), and
// `--info` lists the devices. The API (cuda or hip) comes from the
// manifest's target unless `--api` names it. Links only seqrt: no MLIR or
// LLVM. Exit status: 0 success, 1 a failure or a mismatch, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "HostArray.h"
#include "Manifest.h"

#include "seqrt/gpu.h"

#include "Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace seqgpurun;

namespace {

const char *const kUsage =
    "usage: seq-gpu-run <kernels.bin> --manifest <kernels.json> "
    "[--kernel <name>]\n"
    "         [--api cuda|hip] [--device <n>] [--arg <i>=<file.npy>]...\n"
    "         [--expect <i>=<golden.npy>]... [--scratch <i>=<d0>x<d1>...]...\n"
    "         [--save <i>=<file.npy>]... [--rtol <r>] [--atol <a>]\n"
    "         [--bench <runs>] [--warmup <runs>]\n"
    "       seq-gpu-run --info [--api cuda|hip]\n";

int usage(const std::string &message) {
  std::fprintf(stderr, "seq-gpu-run: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int failure(const std::string &message) {
  std::fprintf(stderr, "seq-gpu-run: %s\n", message.c_str());
  return 1;
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>(in), {});
  return !in.bad();
}

bool splitSpec(const std::string &spec, int64_t &index, std::string &rest) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    return false;
  char *end = nullptr;
  long long i = std::strtoll(spec.c_str(), &end, 10);
  if (end != spec.c_str() + eq || i < 0 || i > 1 << 20)
    return false;
  index = i;
  rest = spec.substr(eq + 1);
  return true;
}

/// Owns device memory of a context.
struct DeviceBuffers {
  seqrt_gpu_context *context = nullptr;
  std::vector<seqrt_gpu_ptr> pointers;
  ~DeviceBuffers() {
    for (seqrt_gpu_ptr p : pointers)
      seqrt_gpu_free(context, p);
  }
};

int listDevices(seqrt_gpu_api api) {
  int32_t count = 0;
  if (seqrt_gpu_device_count(api, &count) != SEQRT_OK)
    return failure(seqrt_last_error());
  std::printf("%s: %d device(s)\n", seqrt_gpu_api_name(api), count);
  for (int32_t i = 0; i < count; ++i) {
    seqrt_gpu_device_info info;
    if (seqrt_gpu_device_info_get(api, i, &info) != SEQRT_OK)
      return failure(seqrt_last_error());
    std::printf("  %d: %s, %s, %d multiprocessors, warp %d, %lld bytes "
                "shared per block, %lld MiB\n",
                i, info.name, info.arch, info.multiprocessors, info.warp_size,
                (long long)info.shared_per_block,
                (long long)(info.total_memory >> 20));
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string binaryPath, manifestPath, kernelName, apiName;
  int32_t device = 0;
  bool info = false;
  std::vector<std::string> argSpecs, expectSpecs, scratchSpecs, saveSpecs;
  double rtol = 1e-4, atol = 1e-5;
  long bench = 0, warmup = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &out) {
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string name = a.substr(0, a.find('='));
    std::string v;
    auto number = [&](double &out) {
      char *end = nullptr;
      if (!value(v))
        return false;
      out = std::strtod(v.c_str(), &end);
      return end != v.c_str() && !*end && std::isfinite(out) && out >= 0;
    };
    auto count = [&](long &out, long high) {
      char *end = nullptr;
      if (!value(v))
        return false;
      out = std::strtol(v.c_str(), &end, 10);
      return end != v.c_str() && !*end && out >= 0 && out <= high;
    };
    if (name == "--manifest") {
      if (!value(manifestPath))
        return usage("--manifest needs a file");
    } else if (name == "--kernel") {
      if (!value(kernelName))
        return usage("--kernel needs a name");
    } else if (name == "--api") {
      if (!value(apiName) || (apiName != "cuda" && apiName != "hip"))
        return usage("--api is cuda or hip");
    } else if (name == "--device") {
      long d;
      if (!count(d, 1 << 16))
        return usage("--device needs an ordinal");
      device = int32_t(d);
    } else if (name == "--arg" || name == "--expect" || name == "--scratch" ||
               name == "--save") {
      if (!value(v))
        return usage(name + " needs <index>=<value>");
      (name == "--arg"       ? argSpecs
       : name == "--expect"  ? expectSpecs
       : name == "--scratch" ? scratchSpecs
                             : saveSpecs)
          .push_back(v);
    } else if (name == "--rtol" || name == "--atol") {
      if (!number(name == "--rtol" ? rtol : atol))
        return usage(name + " needs a non-negative number");
    } else if (name == "--bench" || name == "--warmup") {
      if (!count(name == "--bench" ? bench : warmup, 100000))
        return usage(name + " needs a count up to 100000");
    } else if (name == "--info") {
      info = true;
    } else if (name == "--help" || name == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else if (a.rfind("-", 0) == 0 || !binaryPath.empty()) {
      return usage("unknown argument '" + a + "'");
    } else {
      binaryPath = a;
    }
  }
  if (info)
    return listDevices(apiName == "hip" ? SEQRT_GPU_HIP : SEQRT_GPU_CUDA);
  if (binaryPath.empty() || manifestPath.empty())
    return usage("a binary and --manifest are required");

  std::string text, image, error;
  if (!readFile(manifestPath, text))
    return failure("cannot read " + manifestPath);
  Manifest manifest;
  if (!parseManifest(text, manifest, error))
    return failure(manifestPath + ": " + error);
  if (!readFile(binaryPath, image) || image.empty())
    return failure("cannot read " + binaryPath + " (or it is empty)");
  const Kernel *kernel = nullptr;
  for (const Kernel &k : manifest.kernels)
    if (kernelName.empty() ? manifest.kernels.size() == 1
                           : k.name == kernelName)
      kernel = &k;
  if (!kernel)
    return usage(kernelName.empty()
                     ? "name one kernel with --kernel"
                     : "no kernel '" + kernelName + "' in " + manifestPath);
  if (apiName.empty())
    apiName = manifest.target.rfind("hip:", 0) == 0 ? "hip" : "cuda";
  seqrt_gpu_api api = apiName == "hip" ? SEQRT_GPU_HIP : SEQRT_GPU_CUDA;

  // Host arguments.
  size_t n = kernel->params.size();
  std::vector<HostArray> arrays(n);
  std::vector<bool> given(n, false);
  std::vector<std::pair<int64_t, HostArray>> goldens;
  std::vector<std::pair<int64_t, std::string>> saves;
  auto parse = [&](const std::string &spec, int64_t &index, std::string &rest) {
    if (!splitSpec(spec, index, rest) || index >= int64_t(n)) {
      error = "bad argument '" + spec + "' (the kernel has " +
              std::to_string(n) + " parameters)";
      return false;
    }
    return true;
  };
  for (const std::string &spec : argSpecs) {
    int64_t index;
    std::string path;
    if (!parse(spec, index, path))
      return usage(error);
    if (!readHostArray(path, kernel->params[index].rank,
                       kernel->params[index].element, arrays[index], error))
      return failure(error);
    given[index] = true;
  }
  for (const std::string &spec : expectSpecs) {
    int64_t index;
    std::string path;
    if (!parse(spec, index, path))
      return usage(error);
    HostArray golden;
    if (!readHostArray(path, kernel->params[index].rank,
                       kernel->params[index].element, golden, error))
      return failure(error);
    // An argument given with --arg too is updated in place (a KV cache, a
    // status word): it starts from that data.
    if (given[index]) {
      if (arrays[index].shape != golden.shape)
        return usage("argument " + std::to_string(index) +
                     ": the --arg and --expect shapes differ");
    } else {
      arrays[index].shape = golden.shape;
      arrays[index].values.assign(golden.values.size(), NAN);
    }
    goldens.push_back({index, std::move(golden)});
    given[index] = true;
  }
  for (const std::string &spec : scratchSpecs) {
    int64_t index;
    std::string dims;
    if (!parse(spec, index, dims))
      return usage(error);
    if (!parseScratchShape(dims, arrays[index], error))
      return usage(error);
    if (int64_t(arrays[index].shape.size()) != kernel->params[index].rank)
      return usage("scratch " + std::to_string(index) +
                   " does not have the rank of the kernel's parameter");
    given[index] = true;
  }
  for (const std::string &spec : saveSpecs) {
    int64_t index;
    std::string path;
    if (!parse(spec, index, path))
      return usage(error);
    saves.push_back({index, path});
  }
  for (size_t i = 0; i < n; ++i)
    if (!given[i])
      return usage("parameter " + std::to_string(i) + " not given");

  // The grid from the manifest's rule.
  uint32_t grid[3] = {1, 1, 1};
  for (size_t d = 0; d < kernel->grid.size(); ++d) {
    const GridRule &rule = kernel->grid[d];
    int64_t extent = arrays[rule.arg].shape[rule.dim];
    int64_t blocks = (extent + rule.tile - 1) / rule.tile;
    int64_t limit = d == 0 ? (int64_t(1) << 31) - 1 : 65535;
    if (blocks < 1 || blocks > limit)
      return failure("grid dimension " + std::to_string(d) + " would be " +
                     std::to_string(blocks) + " blocks (1.." +
                     std::to_string(limit) + ")");
    grid[d] = uint32_t(blocks);
  }

  seqrt_gpu_context *context = nullptr;
  if (seqrt_gpu_context_create(api, device, &context) != SEQRT_OK)
    return failure(seqrt_last_error());
  std::unique_ptr<seqrt_gpu_context, void (*)(seqrt_gpu_context *)>
      contextOwner(context, seqrt_gpu_context_free);
  seqrt_gpu_device_info deviceInfo;
  if (seqrt_gpu_context_device(context, &deviceInfo) != SEQRT_OK)
    return failure(seqrt_last_error());
  // A cubin for another architecture fails to load with the driver's
  // message; say which one this is.
  seqrt_gpu_module *module = nullptr;
  if (seqrt_gpu_module_load(context, image.data(), image.size(), &module) !=
      SEQRT_OK)
    return failure(std::string(seqrt_last_error()) + " (binary for " +
                   manifest.target + ", device " + deviceInfo.name + ", " +
                   deviceInfo.arch + ")");
  std::unique_ptr<seqrt_gpu_module, void (*)(seqrt_gpu_module *)> moduleOwner(
      module, seqrt_gpu_module_free);
  seqrt_gpu_function *function = nullptr;
  if (seqrt_gpu_function_get(module, kernel->name.c_str(), &function) !=
      SEQRT_OK)
    return failure(seqrt_last_error());

  // Device buffers and the expanded memref descriptors: allocated pointer,
  // aligned pointer, offset, sizes, strides (row-major), 8 bytes each.
  DeviceBuffers buffers;
  buffers.context = context;
  std::vector<uint64_t> words;
  std::vector<size_t> byteSizes(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<uint8_t> bytes =
        encode(arrays[i].values, kernel->params[i].element);
    byteSizes[i] = bytes.size();
    seqrt_gpu_ptr p = 0;
    // An empty array still gets a (1-byte) allocation: a valid pointer.
    if (seqrt_gpu_alloc(context, std::max<size_t>(bytes.size(), 1), &p) !=
        SEQRT_OK)
      return failure("parameter " + std::to_string(i) + ": " +
                     seqrt_last_error());
    buffers.pointers.push_back(p);
    if (seqrt_gpu_copy_to_device(context, p, bytes.data(), bytes.size()) !=
        SEQRT_OK)
      return failure(seqrt_last_error());
    const std::vector<int64_t> &shape = arrays[i].shape;
    words.push_back(p);
    words.push_back(p);
    words.push_back(0);
    for (int64_t d : shape)
      words.push_back(uint64_t(d));
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;)
      strides[d - 1] = strides[d] * shape[d];
    for (int64_t s : strides)
      words.push_back(uint64_t(s));
  }
  std::vector<void *> params;
  for (uint64_t &w : words)
    params.push_back(&w);

  seqrt_gpu_launch_config config{};
  std::memcpy(config.grid, grid, sizeof grid);
  std::memcpy(config.block, kernel->block, sizeof config.block);
  config.shared_bytes = kernel->dynamicSharedBytes;
  config.entry = nullptr;
  if (seqrt_gpu_launch(function, &config, params.data(), params.size()) !=
          SEQRT_OK ||
      seqrt_gpu_synchronize(context) != SEQRT_OK)
    return failure(seqrt_last_error());
  std::printf("ran %s on %s (%s, %s): grid %u x %u x %u, block %u x %u x %u, "
              "%lld bytes static shared\n",
              kernel->name.c_str(), deviceInfo.name, deviceInfo.arch,
              apiName.c_str(), grid[0], grid[1], grid[2], kernel->block[0],
              kernel->block[1], kernel->block[2],
              (long long)kernel->staticSharedBytes);

  // Results before any timing run overwrites the buffers.
  auto download = [&](int64_t index, std::vector<double> &values) {
    std::vector<uint8_t> bytes(byteSizes[index]);
    if (seqrt_gpu_copy_to_host(context, bytes.data(), buffers.pointers[index],
                               bytes.size()) != SEQRT_OK)
      return false;
    values = decode(bytes, kernel->params[index].element,
                    arrays[index].values.size());
    return true;
  };
  int status = 0;
  for (auto &[index, golden] : goldens) {
    std::vector<double> got;
    if (!download(index, got))
      return failure(seqrt_last_error());
    int64_t bad = 0;
    double maxError = 0;
    for (size_t i = 0; i < golden.values.size(); ++i) {
      double expected = golden.values[i], actual = got[i];
      double diff = std::fabs(actual - expected);
      if (!(diff <= atol + rtol * std::fabs(expected))) {
        if (bad < 5)
          std::printf("  output %lld element %zu: got %g, expected %g\n",
                      (long long)index, i, actual, expected);
        ++bad;
      }
      maxError = std::isnan(diff) ? INFINITY : std::max(maxError, diff);
    }
    std::printf("output %lld: %zu values, max abs error %e, %lld outside "
                "rtol %g atol %g\n",
                (long long)index, golden.values.size(), maxError,
                (long long)bad, rtol, atol);
    if (bad)
      status = 1;
  }
  for (auto &[index, path] : saves) {
    std::vector<double> got;
    if (!download(index, got))
      return failure(seqrt_last_error());
    std::vector<float> values(got.begin(), got.end());
    seqrt_tensor tensor{};
    tensor.dtype = SEQRT_DTYPE_F32;
    tensor.rank = int32_t(arrays[index].shape.size());
    for (int32_t d = 0; d < tensor.rank; ++d)
      tensor.shape[d] = arrays[index].shape[d];
    tensor.data = values.data();
    if (!seqrt::writeNpy(path, tensor, error))
      return failure(error);
  }

  if (bench > 0) {
    seqrt_gpu_event *start = nullptr, *stop = nullptr;
    if (seqrt_gpu_event_create(context, &start) != SEQRT_OK ||
        seqrt_gpu_event_create(context, &stop) != SEQRT_OK)
      return failure(seqrt_last_error());
    std::vector<float> times;
    for (long r = 0; r < warmup + bench; ++r) {
      float ms = 0;
      if (seqrt_gpu_event_record(start) != SEQRT_OK ||
          seqrt_gpu_launch(function, &config, params.data(), params.size()) !=
              SEQRT_OK ||
          seqrt_gpu_event_record(stop) != SEQRT_OK ||
          seqrt_gpu_event_elapsed(start, stop, &ms) != SEQRT_OK) {
        std::string message = seqrt_last_error();
        seqrt_gpu_event_free(start);
        seqrt_gpu_event_free(stop);
        return failure(message);
      }
      if (r >= warmup)
        times.push_back(ms);
    }
    seqrt_gpu_event_free(start);
    seqrt_gpu_event_free(stop);
    std::sort(times.begin(), times.end());
    std::printf("time %s: median %.6f ms, min %.6f ms over %ld runs\n",
                kernel->name.c_str(), times[times.size() / 2], times.front(),
                bench);
  }
  std::fflush(stdout);
  if (status)
    std::fprintf(stderr,
                 "seq-gpu-run: FAILED: outputs differ from the golden data\n");
  return status;
}
