//===- TensorIO.h - seqrun tensor sources and printing ----------*- C++ -*-===//
//
// This file declares how seqrun turns an --input/--expect VALUE into a
// tensor (a .npy file, a safetensors tensor, a number) and how it prints
// tensors.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_TENSORIO_H
#define SEQRUN_TENSORIO_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>

namespace seqrun {

/// Loads `spec` (FILE.npy, FILE.safetensors:NAME, or a number for a rank-0
/// `type`) into a tensor the caller frees with seqrt_tensor_free. `type`
/// guides the reading (bf16 from '<u2', the scalar's dtype); with `convert`,
/// file data of another floating-point (or integer) dtype is converted to
/// `type`'s, e.g. an f32 .npy for a bf16 input. The shape is checked later,
/// by seqrt_call or the comparison. Returns false and sets `error`.
bool loadTensor(const std::string &spec, const seqrt_tensor_type &type,
                bool convert, seqrt_tensor &out, std::string &error);

/// An all-zero tensor of `type`; `shape` ("2x3", may be empty) gives every
/// extent and is required when `type` has dynamic extents.
bool makeZeros(const std::string &shape, const seqrt_tensor_type &type,
               seqrt_tensor &out, std::string &error);

/// "f32[2, 3]"; -1 extents print as ?.
std::string typeString(seqrt_dtype dtype, int32_t rank, const int64_t *shape);
/// "[1, 0, 2]", the multi-index of flat element `i`.
std::string indexString(const seqrt_tensor &tensor, int64_t i);
/// The values of `tensor`, at most `limit` of them, as "[1, 2.5, ...]".
std::string valuesString(const seqrt_tensor &tensor, int64_t limit);

} // namespace seqrun

#endif // SEQRUN_TENSORIO_H
