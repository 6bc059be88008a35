//===- Manifest.h - The launch manifest of compiled GPU kernels -*- C++ -*-===//
//
// This file declares the reader of the JSON manifest `seqc --gpu-manifest`
// writes next to a GPU binary (lib/Target/GPU/KernelManifest.cpp): each
// kernel's block size, grid rule and parameters.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_GPU_RUN_MANIFEST_H
#define SEQ_GPU_RUN_MANIFEST_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seqgpurun {

/// Grid dimension d is ceil(shape(arg)[dim] / tile).
struct GridRule {
  int64_t arg, dim, tile;
};

/// A memref parameter, passed as an expanded descriptor.
struct Param {
  seqrt_dtype element;
  int64_t rank;
};

struct Kernel {
  std::string name;
  uint32_t block[3];
  std::vector<GridRule> grid;
  int64_t staticSharedBytes = 0;
  uint32_t dynamicSharedBytes = 0;
  std::vector<Param> params;
};

struct Manifest {
  std::string target; ///< "cuda:sm_80", "hip:gfx942"
  std::vector<Kernel> kernels;
};

/// Parses and checks `text` (every count, index and size in range); false
/// with `error` set otherwise.
bool parseManifest(const std::string &text, Manifest &out, std::string &error);

} // namespace seqgpurun

#endif // SEQ_GPU_RUN_MANIFEST_H
