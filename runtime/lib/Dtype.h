//===- Dtype.h - Element types and shapes -----------------------*- C++ -*-===//
//
// This file declares the runtime's helpers for element types (their metadata
// and safetensors spellings, sizes) and for shapes (element counts that
// check for overflow, printing).
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_DTYPE_H
#define SEQRT_LIB_DTYPE_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt {

/// Whether `dtype` is one of the enumerators of seqrt_dtype.
bool isValidDtype(seqrt_dtype dtype);
/// i1, i8, i32 and i64.
bool isIntegerDtype(seqrt_dtype dtype);

/// Parses a metadata spelling ("f32", ..., "i64").
std::optional<seqrt_dtype> parseDtype(std::string_view name);
/// Parses a safetensors spelling ("F32", "F16", "BF16", "F64", "BOOL",
/// "I8", "I32", "I64").
std::optional<seqrt_dtype> parseSafetensorsDtype(std::string_view name);
/// The safetensors spelling of `dtype`.
const char *safetensorsDtypeName(seqrt_dtype dtype);

/// The product of `shape`, or nullopt on a negative extent or an overflow
/// (of int64_t, or of size_t once multiplied by `elementSize`).
std::optional<int64_t> numElements(const int64_t *shape, size_t rank,
                                   size_t elementSize = 1);
inline std::optional<int64_t> numElements(const std::vector<int64_t> &shape,
                                          size_t elementSize = 1) {
  return numElements(shape.data(), shape.size(), elementSize);
}

/// "[2, ?, 8]" (-1 printed as ?).
std::string formatShape(const int64_t *shape, size_t rank);
inline std::string formatShape(const std::vector<int64_t> &shape) {
  return formatShape(shape.data(), shape.size());
}
/// "f32[2, ?, 8]".
std::string formatType(seqrt_dtype dtype, const int64_t *shape, size_t rank);
inline std::string formatType(seqrt_dtype dtype,
                              const std::vector<int64_t> &shape) {
  return formatType(dtype, shape.data(), shape.size());
}

} // namespace seqrt

#endif // SEQRT_LIB_DTYPE_H
