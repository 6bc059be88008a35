//===- Dtype.cpp - Element types and shapes -------------------------------===//
//
// This file implements the element type and shape helpers and the dtype
// functions of the C API.
//
//===----------------------------------------------------------------------===//

#include "Dtype.h"
#include "Error.h"

#include <cstring>
#include <limits>

using namespace seqrt;

namespace {
struct DtypeInfo {
  seqrt_dtype dtype;
  const char *name;
  const char *safetensorsName;
  size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {SEQRT_DTYPE_F32, "f32", "F32", 4},    {SEQRT_DTYPE_F16, "f16", "F16", 2},
    {SEQRT_DTYPE_BF16, "bf16", "BF16", 2}, {SEQRT_DTYPE_F64, "f64", "F64", 8},
    {SEQRT_DTYPE_I1, "i1", "BOOL", 1},     {SEQRT_DTYPE_I8, "i8", "I8", 1},
    {SEQRT_DTYPE_I32, "i32", "I32", 4},    {SEQRT_DTYPE_I64, "i64", "I64", 8},
};

const DtypeInfo *lookup(seqrt_dtype dtype) {
  for (const DtypeInfo &info : kDtypes)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}
} // namespace

bool seqrt::isValidDtype(seqrt_dtype dtype) { return lookup(dtype); }

bool seqrt::isIntegerDtype(seqrt_dtype dtype) {
  return dtype == SEQRT_DTYPE_I1 || dtype == SEQRT_DTYPE_I8 ||
         dtype == SEQRT_DTYPE_I32 || dtype == SEQRT_DTYPE_I64;
}

std::optional<seqrt_dtype> seqrt::parseDtype(std::string_view name) {
  for (const DtypeInfo &info : kDtypes)
    if (name == info.name)
      return info.dtype;
  return std::nullopt;
}

std::optional<seqrt_dtype> seqrt::parseSafetensorsDtype(std::string_view name) {
  for (const DtypeInfo &info : kDtypes)
    if (name == info.safetensorsName)
      return info.dtype;
  return std::nullopt;
}

const char *seqrt::safetensorsDtypeName(seqrt_dtype dtype) {
  const DtypeInfo *info = lookup(dtype);
  return info ? info->safetensorsName : "?";
}

std::optional<int64_t> seqrt::numElements(const int64_t *shape, size_t rank,
                                          size_t elementSize) {
  int64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return std::nullopt;
    if (shape[i] != 0 && count > std::numeric_limits<int64_t>::max() / shape[i])
      return std::nullopt;
    count *= shape[i];
  }
  if (elementSize != 0 && static_cast<uint64_t>(count) >
                              std::numeric_limits<size_t>::max() / elementSize)
    return std::nullopt;
  return count;
}

std::string seqrt::formatShape(const int64_t *shape, size_t rank) {
  std::string out = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      out += ", ";
    out += shape[i] == -1 ? std::string("?") : std::to_string(shape[i]);
  }
  return out + "]";
}

std::string seqrt::formatType(seqrt_dtype dtype, const int64_t *shape,
                              size_t rank) {
  return std::string(seqrt_dtype_name(dtype)) + formatShape(shape, rank);
}

extern "C" const char *seqrt_dtype_name(seqrt_dtype dtype) {
  const DtypeInfo *info = lookup(dtype);
  return info ? info->name : "invalid";
}

extern "C" size_t seqrt_dtype_size(seqrt_dtype dtype) {
  const DtypeInfo *info = lookup(dtype);
  return info ? info->size : 0;
}

extern "C" seqrt_status seqrt_dtype_parse(const char *name, seqrt_dtype *out) {
  if (!name || !out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_dtype_parse: null argument");
  std::optional<seqrt_dtype> dtype = parseDtype(name);
  if (!dtype)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("unknown dtype '") + name +
                    "' (expected f32, f16, bf16, f64, i1, i8, i32 or i64)");
  *out = *dtype;
  return SEQRT_OK;
}
