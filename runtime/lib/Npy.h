//===- Npy.h - Reading and writing .npy files -------------------*- C++ -*-===//
//
// This file declares the .npy reader and writer used by seqrun and the
// tests: format versions 1, 2 and 3, little-endian '<f4', '<f2', '<f8',
// '<i4', '<i8', '|i1', '|b1' arrays in C order. NumPy has no bfloat16, so
// bf16 tensors are written as '<u2' and a '<u2' array is read as bf16 when
// bf16 is what the caller expects.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_NPY_H
#define SEQRT_LIB_NPY_H

#include "seqrt/seqrt.h"

#include <optional>
#include <string>
#include <string_view>

namespace seqrt {

/// Parses .npy `bytes` into a tensor allocated with seqrt_tensor_alloc (the
/// caller frees it with seqrt_tensor_free). `expected`, when given, lets a
/// '<u2' array be read as bf16; it is otherwise not checked here. Returns
/// false and sets `error` on malformed or unsupported input.
bool parseNpy(std::string_view bytes, seqrt_tensor &out, std::string &error,
              std::optional<seqrt_dtype> expected = std::nullopt);

/// Reads the .npy file at `path`; see parseNpy.
bool readNpy(const std::string &path, seqrt_tensor &out, std::string &error,
             std::optional<seqrt_dtype> expected = std::nullopt);

/// The .npy bytes (format version 1, or 2 for very large headers) of a
/// contiguous row-major tensor.
std::string encodeNpy(const seqrt_tensor &tensor);

/// Writes `tensor` to `path` as .npy. Returns false and sets `error`.
bool writeNpy(const std::string &path, const seqrt_tensor &tensor,
              std::string &error);

} // namespace seqrt

#endif // SEQRT_LIB_NPY_H
