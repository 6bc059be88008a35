//===- GpuTargets.h - An artifact's GPU targets, device choice --*- C++ -*-===//
//
// This file declares the GPU part of a format-version-2 artifact (its
// metadata "targets" and "gpu_targets", docs/design/Artifact.md): the
// parser that checks every image and launch manifest against the GPU image
// section, and the choice of the device an artifact runs on at load
// (auto, cpu, cuda[:N], hip[:N]), which loads the chosen binary and
// resolves every kernel its manifest names.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_GPUTARGETS_H
#define SEQRT_LIB_GPUTARGETS_H

#include "GpuPlan.h"
#include "seqrt/gpu.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt {

/// One kernel of a launch manifest (docs/design/GPU.md, "The kernel ABI
/// and the launch manifest").
struct GpuKernelInfo {
  struct GridRule {
    int64_t arg, dim, tile;
  };
  struct Param {
    std::string element;
    int64_t rank;
  };
  /// Dimension `dim` of argument `param` times `times` is dimension
  /// `ofDim` of argument `of` (the manifest's "extents": checked at load).
  struct ExtentRule {
    int64_t param, dim, of, ofDim, times;
  };
  std::string name;
  uint32_t block[3] = {1, 1, 1};
  std::vector<GridRule> grid;
  int64_t staticShared = 0, dynamicShared = 0;
  std::vector<Param> params;
  std::vector<ExtentRule> extents;
};

/// A byte range of the GPU image section.
struct GpuImageRange {
  uint64_t offset = 0, size = 0;
};

/// One GPU target of the artifact: "cuda:sm_80" with its cubin, its PTX
/// and its manifest; "hip:gfx942" with its HSACO.
struct GpuTargetInfo {
  std::string name; ///< "cuda:sm_80"
  seqrt_gpu_api api = SEQRT_GPU_CUDA;
  std::string chip;   ///< "sm_80", "sm_90a", "gfx942"
  std::string format; ///< "cubin", "hsaco"
  GpuImageRange binary;
  bool hasPtx = false;
  GpuImageRange ptx;
  std::vector<GpuKernelInfo> kernels;
  /// The entries' launch plan (GpuPlan.h); absent in artifacts of older
  /// seqc, whose entries then cannot run on the device.
  bool hasHost = false;
  GpuHostPlan host;
};

/// The targets of an artifact, in the order seqc was given them.
struct ArtifactTargets {
  std::vector<std::string> names; ///< "cuda:sm_90a", ..., "cpu"
  bool hasCpu = true;
  std::vector<GpuTargetInfo> gpu;
};

/// Reads "targets" and "gpu_targets" from the metadata of an artifact of
/// format `version` whose GPU image section has `imagesSize` bytes. A
/// version-1 artifact is its CPU code alone. Every image range must lie in
/// the section (overflow-safe), every manifest be of the memref-descriptor
/// ABI version 1 with well-formed kernels. Returns false with `error`
/// naming the field otherwise.
bool parseArtifactTargets(std::string_view metadataJson, uint32_t version,
                          uint64_t imagesSize, ArtifactTargets &out,
                          std::string &error);

/// The device an artifact was loaded for: none (the CPU code), or a GPU
/// context with the chosen image loaded and every manifest kernel resolved
/// (in manifest order).
struct GpuBinding {
  seqrt_gpu_context *context = nullptr;
  seqrt_gpu_module *module = nullptr;
  const GpuTargetInfo *target = nullptr;
  bool fromPtx = false;
  std::vector<seqrt_gpu_function *> functions;
  seqrt_gpu_device_info device{};
  /// Per metadata parameter, its device copy (0: not uploaded) and the
  /// host data it was uploaded from (GpuPlan.cpp); freed before the
  /// module and the context.
  std::vector<seqrt_gpu_ptr> params;
  std::vector<const void *> paramSources;
  /// The context runs one call at a time (gpu.h): calls of entries and
  /// parameter uploads from several threads take turns.
  std::mutex mutex;

  GpuBinding() = default;
  GpuBinding(const GpuBinding &) = delete;
  GpuBinding &operator=(const GpuBinding &) = delete;
  ~GpuBinding();
};

/// Chooses the device for `requested` ("auto", "cpu", "cuda", "cuda:N",
/// "hip", "hip:N"; empty is "auto"): auto takes a CUDA device with a cubin
/// for its architecture, else one whose PTX the driver can JIT, else a HIP
/// device with an HSACO for its architecture, else the CPU code. An explicit
/// request that the machine or the artifact cannot meet is an error saying
/// why (SEQRT_ERROR_TARGET). On success `binding` is null for the CPU and
/// `description` says what was chosen and, for auto, why.
seqrt_status selectDevice(const ArtifactTargets &targets,
                          std::string_view images, std::string_view requested,
                          std::unique_ptr<GpuBinding> &binding,
                          std::string &description, std::string &error);

} // namespace seqrt

#endif // SEQRT_LIB_GPUTARGETS_H
