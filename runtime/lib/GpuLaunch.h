//===- GpuLaunch.h - Launching a manifest kernel ----------------*- C++ -*-===//
//
// This file declares the launch of one kernel of an artifact's loaded GPU
// image from its parameters as memref descriptors: the step the host side
// of a compiled entry takes per GPU op (docs/design/GPU.md, "How compiled
// models will use the runtime").
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_GPULAUNCH_H
#define SEQRT_LIB_GPULAUNCH_H

#include "GpuTargets.h"

#include <cstddef>
#include <cstdint>

namespace seqrt {

/// Launches kernel `kernel` (its index in the manifest) of `binding` on
/// its context's stream. `words` are the kernel's parameters, `count`
/// 8-byte words: each memref parameter as its expanded descriptor
/// (allocated, aligned, offset, sizes, strides; the memref-descriptor ABI
/// of the manifest) holding device addresses. The grid is the manifest's
/// rule on those sizes (ceil(size / tile); 1 for dimensions without a
/// rule; no launch when one is 0), the block and dynamic shared memory the
/// manifest's. A word count or a descriptor that does not fit the
/// manifest (the caller and the manifest disagree on the ABI) is
/// SEQRT_ERROR_FORMAT naming the kernel; `entry` names the launching entry
/// in messages (may be null).
seqrt_status launchKernel(const GpuBinding &binding, size_t kernel,
                          const int64_t *words, size_t count,
                          const char *entry);

} // namespace seqrt

#endif // SEQRT_LIB_GPULAUNCH_H
