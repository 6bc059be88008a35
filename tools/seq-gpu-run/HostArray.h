//===- HostArray.h - Kernel arguments on the host ---------------*- C++ -*-===//
//
// This file declares how seq-gpu-run turns .npy files into the bytes of a
// kernel argument (any float or integer .npy, converted to the kernel's
// element type, viewed at the kernel's rank with leading dimensions
// merged, as seq-gpu-emu views them) and device bytes back into values.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_GPU_RUN_HOSTARRAY_H
#define SEQ_GPU_RUN_HOSTARRAY_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seqgpurun {

struct HostArray {
  std::vector<int64_t> shape; ///< at the kernel parameter's rank
  std::vector<double> values;
};

/// Reads `path` and views it at `rank`; false with `error` set on a
/// malformed file, an unsupported dtype or a rank below `rank`. A '<u2'
/// array is read as bf16 when `element` is bf16 (NumPy has no bfloat16).
bool readHostArray(const std::string &path, int64_t rank, seqrt_dtype element,
                   HostArray &out, std::string &error);

/// A NaN-filled array of `shape` ("2x3x4": positive extents, at most 2^31
/// elements); false with `error` set otherwise.
bool parseScratchShape(const std::string &dims, HostArray &out,
                       std::string &error);

/// The values in `element`'s encoding (f32/f64/f16/bf16 rounded to
/// nearest even, integers truncated toward zero).
std::vector<uint8_t> encode(const std::vector<double> &values,
                            seqrt_dtype element);
/// The inverse: `count` values of `element` from `bytes`.
std::vector<double> decode(const std::vector<uint8_t> &bytes,
                           seqrt_dtype element, size_t count);

} // namespace seqgpurun

#endif // SEQ_GPU_RUN_HOSTARRAY_H
