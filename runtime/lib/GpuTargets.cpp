//===- GpuTargets.cpp - GPU targets of an artifact and device choice ------===//
//
// This file reads the GPU targets of a format-version-2 artifact and
// chooses, at load, the device its entries run on: a GPU whose
// architecture has a binary, a CUDA GPU that JIT-compiles the PTX, or the
// CPU code.
//
//===----------------------------------------------------------------------===//

#include "GpuTargets.h"

#include "Json.h"
#include "seqrt/Artifact.h"
#include "seqrt/GpuHost.h"

#include <algorithm>
#include <cstdio>
#include <set>

using namespace seqrt;

GpuBinding::~GpuBinding() {
  for (seqrt_gpu_ptr param : params)
    seqrt_gpu_free(context, param);
  seqrt_gpu_module_free(module);
  seqrt_gpu_context_free(context);
}

namespace {
bool fail(std::string &error, const std::string &where,
          const std::string &message) {
  error = "metadata: " + where + ": " + message;
  return false;
}

/// The string member `key` of `object`, non-empty.
bool readString(const JsonValue &object, const std::string &where,
                const char *key, std::string &out, std::string &error) {
  const JsonValue *value = object.get(key);
  if (!value || !value->isString() || value->getString().empty())
    return fail(error, where + "." + key, "expected a non-empty string");
  out = value->getString();
  return true;
}

bool readInt(const JsonValue &object, const std::string &where, const char *key,
             int64_t min, int64_t max, int64_t &out, std::string &error) {
  const JsonValue *value = object.get(key);
  if (!value || !value->isInt() || value->getInt() < min ||
      value->getInt() > max)
    return fail(error, where + "." + key,
                "expected an integer in [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]");
  out = value->getInt();
  return true;
}

/// {"offset": O, "size": S} inside a section of `sectionSize` bytes.
bool readRange(const JsonValue &object, const std::string &where,
               uint64_t sectionSize, GpuImageRange &out, std::string &error) {
  if (!object.isObject())
    return fail(error, where, "expected an object");
  const JsonValue *offset = object.get("offset"), *size = object.get("size");
  if (!offset || !offset->isInt() || offset->getInt() < 0 || !size ||
      !size->isInt() || size->getInt() <= 0)
    return fail(error, where,
                "expected a non-negative \"offset\" and a positive \"size\"");
  out.offset = static_cast<uint64_t>(offset->getInt());
  out.size = static_cast<uint64_t>(size->getInt());
  if (out.offset > sectionSize || out.size > sectionSize - out.offset)
    return fail(error, where,
                "bytes [" + std::to_string(out.offset) + ", +" +
                    std::to_string(out.size) +
                    ") lie outside the GPU image section of " +
                    std::to_string(sectionSize) + " bytes");
  return true;
}

bool readKernel(const JsonValue &item, const std::string &where,
                GpuKernelInfo &kernel, std::string &error) {
  if (!item.isObject())
    return fail(error, where, "expected an object");
  if (!readString(item, where, "name", kernel.name, error))
    return false;
  const JsonValue *block = item.get("block");
  if (!block || !block->isArray() || block->getArray().size() != 3)
    return fail(error, where + ".block", "expected 3 extents");
  int64_t threads = 1;
  for (size_t d = 0; d < 3; ++d) {
    const JsonValue &extent = block->getArray()[d];
    if (!extent.isInt() || extent.getInt() < 1 || extent.getInt() > 1024)
      return fail(error, where + ".block", "extents must be in [1, 1024]");
    kernel.block[d] = static_cast<uint32_t>(extent.getInt());
    threads *= extent.getInt();
  }
  if (threads > 1024)
    return fail(error, where + ".block", "more than 1024 threads");
  const JsonValue *params = item.get("params");
  if (!params || !params->isArray() || params->getArray().empty())
    return fail(error, where + ".params", "expected a non-empty array");
  for (size_t i = 0; i < params->getArray().size(); ++i) {
    const JsonValue &param = params->getArray()[i];
    std::string at = where + ".params[" + std::to_string(i) + "]";
    std::string kind;
    GpuKernelInfo::Param info;
    if (!param.isObject() || !readString(param, at, "kind", kind, error) ||
        !readString(param, at, "element", info.element, error) ||
        !readInt(param, at, "rank", 0, SEQRT_MAX_RANK, info.rank, error))
      return error.empty() ? fail(error, at, "expected an object") : false;
    if (kind != "memref")
      return fail(error, at + ".kind",
                  "'" + kind +
                      "' is not a parameter kind of the "
                      "memref-descriptor ABI");
    kernel.params.push_back(info);
  }
  const JsonValue *grid = item.get("grid");
  if (!grid || !grid->isArray() || grid->getArray().size() > 3)
    return fail(error, where + ".grid", "expected up to 3 rules");
  for (size_t d = 0; d < grid->getArray().size(); ++d) {
    const JsonValue &rule = grid->getArray()[d];
    std::string at = where + ".grid[" + std::to_string(d) + "]";
    GpuKernelInfo::GridRule r{};
    if (!rule.isObject())
      return fail(error, at, "expected an object");
    if (!readInt(rule, at, "arg", 0,
                 static_cast<int64_t>(kernel.params.size()) - 1, r.arg,
                 error) ||
        !readInt(rule, at, "dim", 0, kernel.params[r.arg].rank - 1, r.dim,
                 error) ||
        !readInt(rule, at, "tile", 1, int64_t(1) << 30, r.tile, error))
      return false;
    kernel.grid.push_back(r);
  }
  if (const JsonValue *extents = item.get(gpuhost::kKernelExtents)) {
    if (!extents->isArray() || extents->getArray().size() > 64)
      return fail(error, where + "." + gpuhost::kKernelExtents,
                  "expected up to 64 rules");
    int64_t last = static_cast<int64_t>(kernel.params.size()) - 1;
    for (size_t i = 0; i < extents->getArray().size(); ++i) {
      const JsonValue &rule = extents->getArray()[i];
      std::string at = where + "." + gpuhost::kKernelExtents + "[" +
                       std::to_string(i) + "]";
      GpuKernelInfo::ExtentRule r{};
      if (!rule.isObject())
        return fail(error, at, "expected an object");
      if (!readInt(rule, at, "param", 0, last, r.param, error) ||
          !readInt(rule, at, "dim", 0, kernel.params[r.param].rank - 1, r.dim,
                   error) ||
          !readInt(rule, at, "of", 0, last, r.of, error) ||
          !readInt(rule, at, "of_dim", 0, kernel.params[r.of].rank - 1,
                   r.ofDim, error) ||
          !readInt(rule, at, "times", 1, int64_t(1) << 30, r.times, error))
        return false;
      kernel.extents.push_back(r);
    }
  }
  return readInt(item, where, "static_shared_bytes", 0, int64_t(1) << 20,
                 kernel.staticShared, error) &&
         readInt(item, where, "dynamic_shared_bytes", 0, int64_t(1) << 20,
                 kernel.dynamicShared, error);
}

/// The manifest seqc wrote for `target` (KernelManifest.cpp).
bool readManifest(const JsonValue &manifest, const std::string &where,
                  GpuTargetInfo &target, std::string &error) {
  if (!manifest.isObject())
    return fail(error, where, "expected an object");
  std::string format, abi, name;
  int64_t version = 0;
  if (!readString(manifest, where, "format", format, error) ||
      !readString(manifest, where, "abi", abi, error) ||
      !readString(manifest, where, "target", name, error) ||
      !readInt(manifest, where, "version", 0, INT32_MAX, version, error))
    return false;
  if (format != "seqc-gpu-kernels" || version != 1 ||
      abi != "memref-descriptor")
    return fail(error, where,
                "launch manifest '" + format + "' version " +
                    std::to_string(version) + ", ABI '" + abi +
                    "': this runtime launches seqc-gpu-kernels version 1 "
                    "with the memref-descriptor ABI");
  if (name != target.name)
    return fail(error, where + ".target",
                "'" + name + "' is not the target's '" + target.name + "'");
  const JsonValue *kernels = manifest.get("kernels");
  if (!kernels || !kernels->isArray())
    return fail(error, where + ".kernels", "expected an array");
  std::set<std::string> names;
  for (size_t i = 0; i < kernels->getArray().size(); ++i) {
    GpuKernelInfo kernel;
    std::string at = where + ".kernels[" + std::to_string(i) + "]";
    if (!readKernel(kernels->getArray()[i], at, kernel, error))
      return false;
    if (!names.insert(kernel.name).second)
      return fail(error, at + ".name", "repeated kernel '" + kernel.name + "'");
    target.kernels.push_back(std::move(kernel));
  }
  return true;
}

/// "sm_90a" -> 90 (the 'a' variants run only on their own architecture).
int smNumber(const std::string &chip, bool &archSpecific) {
  unsigned value = 0;
  char suffix = 0;
  archSpecific = false;
  if (std::sscanf(chip.c_str(), "sm_%u%c", &value, &suffix) < 1)
    return -1;
  archSpecific = suffix == 'a';
  return static_cast<int>(value);
}

std::string lastError() { return seqrt_last_error(); }
} // namespace

bool seqrt::parseArtifactTargets(std::string_view metadataJson,
                                 uint32_t version, uint64_t imagesSize,
                                 ArtifactTargets &out, std::string &error) {
  out = ArtifactTargets();
  out.names = {"cpu"};
  if (version == kArtifactFormatVersion)
    return true;
  JsonValue root;
  if (!parseJson(metadataJson, root, error)) {
    error = "metadata: malformed JSON: " + error;
    return false;
  }
  const JsonValue *names = root.get("targets");
  if (!names || !names->isArray() || names->getArray().empty())
    return fail(error, "targets", "expected a non-empty array of target names");
  out.names.clear();
  out.hasCpu = false;
  std::set<std::string> gpuNames;
  for (const JsonValue &name : names->getArray()) {
    if (!name.isString() || name.getString().empty())
      return fail(error, "targets", "expected target names");
    if (std::count(out.names.begin(), out.names.end(), name.getString()))
      return fail(error, "targets", "repeated '" + name.getString() + "'");
    out.names.push_back(name.getString());
    if (name.getString() == "cpu")
      out.hasCpu = true;
    else
      gpuNames.insert(name.getString());
  }
  const JsonValue *list = root.get("gpu_targets");
  if (!list || !list->isArray() || list->getArray().empty())
    return fail(error, "gpu_targets", "expected a non-empty array");
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (size_t i = 0; i < list->getArray().size(); ++i) {
    const JsonValue &item = list->getArray()[i];
    std::string where = "gpu_targets[" + std::to_string(i) + "]";
    if (!item.isObject())
      return fail(error, where, "expected an object");
    GpuTargetInfo target;
    if (!readString(item, where, "target", target.name, error))
      return false;
    if (!gpuNames.erase(target.name))
      return fail(error, where + ".target",
                  "'" + target.name +
                      "' is not a GPU target listed once in \"targets\"");
    size_t colon = target.name.find(':');
    std::string api = target.name.substr(0, colon);
    target.chip =
        colon == std::string::npos ? "" : target.name.substr(colon + 1);
    bool archSpecific;
    if (api == "cuda" && smNumber(target.chip, archSpecific) > 0) {
      target.api = SEQRT_GPU_CUDA;
    } else if (api == "hip" && target.chip.rfind("gfx", 0) == 0 &&
               target.chip.size() > 3) {
      target.api = SEQRT_GPU_HIP;
    } else {
      return fail(error, where + ".target",
                  "'" + target.name + "' is not cuda:sm_<N> or hip:gfx<N>");
    }
    const JsonValue *binary = item.get("binary");
    if (!binary)
      return fail(error, where + ".binary", "missing");
    if (!readRange(*binary, where + ".binary", imagesSize, target.binary,
                   error) ||
        !readString(*binary, where + ".binary", "format", target.format, error))
      return false;
    if (target.format != (target.api == SEQRT_GPU_CUDA ? "cubin" : "hsaco"))
      return fail(error, where + ".binary.format",
                  "'" + target.format + "' is not a " + api + " binary");
    ranges.push_back({target.binary.offset, target.binary.size});
    if (const JsonValue *ptx = item.get("ptx")) {
      if (target.api != SEQRT_GPU_CUDA)
        return fail(error, where + ".ptx", "only CUDA targets carry PTX");
      if (!readRange(*ptx, where + ".ptx", imagesSize, target.ptx, error))
        return false;
      target.hasPtx = true;
      ranges.push_back({target.ptx.offset, target.ptx.size});
    }
    const JsonValue *manifest = item.get("manifest");
    if (!manifest)
      return fail(error, where + ".manifest", "missing");
    if (!readManifest(*manifest, where + ".manifest", target, error))
      return false;
    if (const JsonValue *plan = item.get(gpuhost::kPlanMember)) {
      if (!readHostPlan(*plan, where + "." + gpuhost::kPlanMember, target,
                        target.host, error))
        return false;
      target.hasHost = true;
    }
    out.gpu.push_back(std::move(target));
  }
  if (!gpuNames.empty())
    return fail(error, "gpu_targets",
                "no binary for the listed target '" + *gpuNames.begin() + "'");
  // The images tile the section: no overlap, no unclaimed bytes.
  std::sort(ranges.begin(), ranges.end());
  uint64_t end = 0;
  for (auto [offset, size] : ranges) {
    if (offset != end)
      return fail(error, "gpu_targets",
                  "the images do not tile the GPU image section (gap or "
                  "overlap at byte " +
                      std::to_string(std::min(offset, end)) + ")");
    end = offset + size;
  }
  if (end != imagesSize)
    return fail(error, "gpu_targets",
                "the images end at byte " + std::to_string(end) +
                    " of a GPU image section of " + std::to_string(imagesSize));
  return true;
}

namespace {
/// Finds the image of `targets` the device `info` of `api` runs: a binary
/// for its architecture (CUDA: the same major version at or below its
/// minor, sm_XYa only on sm_XY), else (CUDA) the PTX of the newest target
/// at or below it. Null with `why` set if none.
const GpuTargetInfo *matchImage(const ArtifactTargets &targets,
                                seqrt_gpu_api api,
                                const seqrt_gpu_device_info &info,
                                bool &fromPtx, std::string &why) {
  fromPtx = false;
  std::vector<std::string> offered;
  const GpuTargetInfo *best = nullptr, *bestPtx = nullptr;
  int device = info.major * 10 + info.minor, bestSm = -1, bestPtxSm = -1;
  for (const GpuTargetInfo &target : targets.gpu) {
    if (target.api != api)
      continue;
    offered.push_back(target.name);
    if (api == SEQRT_GPU_HIP) {
      if (target.chip == info.arch)
        return &target;
      continue;
    }
    bool specific;
    int sm = smNumber(target.chip, specific);
    bool runs =
        specific ? sm == device : sm / 10 == device / 10 && sm <= device;
    if (runs && sm > bestSm)
      best = &target, bestSm = sm;
    if (target.hasPtx && !specific && sm <= device && sm > bestPtxSm)
      bestPtx = &target, bestPtxSm = sm;
  }
  if (best)
    return best;
  if (bestPtx) {
    fromPtx = true;
    return bestPtx;
  }
  why = std::string("no ") +
        (api == SEQRT_GPU_CUDA ? "cubin or PTX" : "HSACO") +
        " in the artifact runs on " + info.arch + " (it has ";
  if (offered.empty())
    why += "no " + std::string(seqrt_gpu_api_name(api)) + " target";
  for (size_t i = 0; i < offered.size(); ++i)
    why += (i ? ", " : "") + offered[i];
  why += ")";
  return nullptr;
}

/// Opens device `ordinal` of `api` and loads the image `targets` has for
/// it. Returns false with `why` set when the API, the device or a matching
/// image is missing, or the image does not load.
bool bindDevice(const ArtifactTargets &targets, std::string_view images,
                seqrt_gpu_api api, int ordinal,
                std::unique_ptr<GpuBinding> &out, std::string &why) {
  const char *name = api == SEQRT_GPU_CUDA ? "CUDA" : "HIP";
  if (seqrt_gpu_probe(api) != SEQRT_OK) {
    why = lastError();
    return false;
  }
  int32_t count = 0;
  if (seqrt_gpu_device_count(api, &count) != SEQRT_OK) {
    why = lastError();
    return false;
  }
  if (count == 0 || ordinal >= count) {
    why = std::string("no ") + name + " device" +
          (ordinal ? " " + std::to_string(ordinal) : "") + " (the driver has " +
          std::to_string(count) + ")";
    return false;
  }
  auto binding = std::make_unique<GpuBinding>();
  if (seqrt_gpu_device_info_get(api, ordinal, &binding->device) != SEQRT_OK) {
    why = lastError();
    return false;
  }
  binding->target =
      matchImage(targets, api, binding->device, binding->fromPtx, why);
  if (!binding->target)
    return false;
  const GpuTargetInfo &target = *binding->target;
  GpuImageRange range = binding->fromPtx ? target.ptx : target.binary;
  std::string what = target.name + (binding->fromPtx ? " PTX" : " binary");
  if (seqrt_gpu_context_create(api, ordinal, &binding->context) != SEQRT_OK ||
      seqrt_gpu_module_load(binding->context, images.data() + range.offset,
                            range.size, &binding->module) != SEQRT_OK) {
    why = "cannot load the " + what + ": " + lastError();
    return false;
  }
  for (const GpuKernelInfo &kernel : target.kernels) {
    seqrt_gpu_function *function = nullptr;
    if (seqrt_gpu_function_get(binding->module, kernel.name.c_str(),
                               &function) != SEQRT_OK) {
      why = "the " + what + " does not match its launch manifest: kernel '" +
            kernel.name + "': " + lastError();
      return false;
    }
    binding->functions.push_back(function);
  }
  out = std::move(binding);
  return true;
}

std::string describe(const GpuBinding &binding, int ordinal) {
  const GpuTargetInfo &target = *binding.target;
  return std::string(seqrt_gpu_api_name(target.api)) + ":" +
         std::to_string(ordinal) + " (" + binding.device.name + ", " +
         binding.device.arch + ", " +
         std::to_string(binding.device.multiprocessors) + " " +
         (target.api == SEQRT_GPU_CUDA ? "SMs" : "CUs") + "): " +
         (binding.fromPtx ? "PTX of " + target.name +
                                ", JIT-compiled by the "
                                "driver"
                          : target.format + " for " + target.name);
}
} // namespace

seqrt_status seqrt::selectDevice(const ArtifactTargets &targets,
                                 std::string_view images,
                                 std::string_view requested,
                                 std::unique_ptr<GpuBinding> &binding,
                                 std::string &description, std::string &error) {
  binding.reset();
  std::string kind(requested.substr(0, requested.find(':')));
  int ordinal = 0;
  if (requested.find(':') != std::string_view::npos) {
    std::string digits(requested.substr(requested.find(':') + 1));
    if (digits.empty() || digits.size() > 4 ||
        digits.find_first_not_of("0123456789") != std::string::npos ||
        (kind != "cuda" && kind != "hip")) {
      error = "unknown device '" + std::string(requested) +
              "' (expected auto, cpu, cuda[:N] or hip[:N])";
      return SEQRT_ERROR_ARGUMENT;
    }
    ordinal = std::stoi(digits);
  }
  if (kind.empty())
    kind = "auto";
  std::string cpuMissing = "the artifact has no CPU code (targets: ";
  for (size_t i = 0; i < targets.names.size(); ++i)
    cpuMissing += (i ? ", " : "") + targets.names[i];
  cpuMissing += ")";
  if (kind == "cpu" || (kind == "auto" && targets.gpu.empty())) {
    if (!targets.hasCpu) {
      error = "device cpu requested, but " + cpuMissing;
      return SEQRT_ERROR_TARGET;
    }
    description = "cpu";
    return SEQRT_OK;
  }
  if (kind == "cuda" || kind == "hip") {
    seqrt_gpu_api api = kind == "cuda" ? SEQRT_GPU_CUDA : SEQRT_GPU_HIP;
    bool any = std::any_of(
        targets.gpu.begin(), targets.gpu.end(),
        [&](const GpuTargetInfo &target) { return target.api == api; });
    std::string why;
    if (!any)
      why = "the artifact has no " + kind +
            " binary (targets: " + cpuMissing.substr(cpuMissing.find(':') + 2);
    else if (bindDevice(targets, images, api, ordinal, binding, why)) {
      description = describe(*binding, ordinal);
      return SEQRT_OK;
    }
    error = "device " + std::string(requested) + " requested, but " + why;
    return SEQRT_ERROR_TARGET;
  }
  if (kind != "auto") {
    error = "unknown device '" + std::string(requested) +
            "' (expected auto, cpu, cuda[:N] or hip[:N])";
    return SEQRT_ERROR_ARGUMENT;
  }
  std::string reasons;
  for (seqrt_gpu_api api : {SEQRT_GPU_CUDA, SEQRT_GPU_HIP}) {
    if (std::none_of(
            targets.gpu.begin(), targets.gpu.end(),
            [&](const GpuTargetInfo &target) { return target.api == api; }))
      continue;
    std::string why;
    if (bindDevice(targets, images, api, 0, binding, why)) {
      description = describe(*binding, 0) + " (auto)";
      return SEQRT_OK;
    }
    reasons += std::string(reasons.empty() ? "" : "; ") +
               seqrt_gpu_api_name(api) + ": " + why;
  }
  if (!targets.hasCpu) {
    error =
        "no device can run the artifact: " + reasons + "; and " + cpuMissing;
    return SEQRT_ERROR_TARGET;
  }
  description = "cpu (auto";
  description += reasons.empty() ? ")" : "; no GPU: " + reasons + ")";
  return SEQRT_OK;
}
