//===- Convert.cpp - seqrun element access and dtype conversion -----------===//
//
// This file implements IEEE half and bfloat16 conversions and dtype
// conversion of whole tensors.
//
//===----------------------------------------------------------------------===//

#include "Convert.h"

#include <cmath>
#include <cstring>

using namespace seqrun;

namespace {
uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

template <typename T> T load(const seqrt_tensor &tensor, int64_t i) {
  T value;
  std::memcpy(&value, static_cast<const char *>(tensor.data) + i * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> void store(seqrt_tensor &tensor, int64_t i, T value) {
  std::memcpy(static_cast<char *>(tensor.data) + i * sizeof(T), &value,
              sizeof(T));
}

/// Stores `value` at element `i` of an integer tensor if it fits.
bool storeInt(seqrt_tensor &tensor, int64_t i, int64_t value) {
  switch (tensor.dtype) {
  case SEQRT_DTYPE_I1:
    store<uint8_t>(tensor, i, static_cast<uint8_t>(value));
    return value == 0 || value == 1;
  case SEQRT_DTYPE_I8:
    store<int8_t>(tensor, i, static_cast<int8_t>(value));
    return value >= INT8_MIN && value <= INT8_MAX;
  case SEQRT_DTYPE_I32:
    store<int32_t>(tensor, i, static_cast<int32_t>(value));
    return value >= INT32_MIN && value <= INT32_MAX;
  default:
    store<int64_t>(tensor, i, value);
    return true;
  }
}

void storeFloat(seqrt_tensor &tensor, int64_t i, double value) {
  switch (tensor.dtype) {
  case SEQRT_DTYPE_F16:
    store<uint16_t>(tensor, i, floatToHalf(static_cast<float>(value)));
    break;
  case SEQRT_DTYPE_BF16:
    store<uint16_t>(tensor, i, floatToBf16(static_cast<float>(value)));
    break;
  case SEQRT_DTYPE_F64:
    store<double>(tensor, i, value);
    break;
  default:
    store<float>(tensor, i, static_cast<float>(value));
    break;
  }
}
} // namespace

float seqrun::halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f)
    return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0)
    return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24.
  float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  return sign ? -magnitude : magnitude;
}

float seqrun::bf16ToFloat(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t seqrun::floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint32_t sign = (bits >> 16) & 0x8000u;
  uint32_t mantissa = bits & 0x7fffffu;
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff);
  if (exponent == 0xff) // infinity or NaN (kept quiet)
    return static_cast<uint16_t>(sign | 0x7c00u |
                                 (mantissa ? 0x200u | (mantissa >> 13) : 0));
  int32_t halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f)
    return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t shift = 13, base = 0;
  if (halfExponent <= 0) {
    if (halfExponent < -10)
      return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u; // the implicit leading 1
    shift = static_cast<uint32_t>(14 - halfExponent);
  } else {
    base = static_cast<uint32_t>(halfExponent) << 10;
  }
  uint32_t half = base | (mantissa >> shift);
  uint32_t rest = mantissa & ((1u << shift) - 1);
  uint32_t halfway = 1u << (shift - 1);
  // A carry out of the mantissa correctly bumps the exponent.
  if (rest > halfway || (rest == halfway && (half & 1)))
    ++half;
  return static_cast<uint16_t>(sign | half);
}

uint16_t seqrun::floatToBf16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN: keep it quiet
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

bool seqrun::isIntegerDtype(seqrt_dtype dtype) {
  return dtype == SEQRT_DTYPE_I1 || dtype == SEQRT_DTYPE_I8 ||
         dtype == SEQRT_DTYPE_I32 || dtype == SEQRT_DTYPE_I64;
}

double seqrun::elementAsDouble(const seqrt_tensor &tensor, int64_t i) {
  switch (tensor.dtype) {
  case SEQRT_DTYPE_F32:
    return load<float>(tensor, i);
  case SEQRT_DTYPE_F16:
    return halfToFloat(load<uint16_t>(tensor, i));
  case SEQRT_DTYPE_BF16:
    return bf16ToFloat(load<uint16_t>(tensor, i));
  case SEQRT_DTYPE_F64:
    return load<double>(tensor, i);
  default:
    return static_cast<double>(elementAsInt(tensor, i));
  }
}

int64_t seqrun::elementAsInt(const seqrt_tensor &tensor, int64_t i) {
  switch (tensor.dtype) {
  case SEQRT_DTYPE_I1:
    return load<uint8_t>(tensor, i) != 0;
  case SEQRT_DTYPE_I8:
    return load<int8_t>(tensor, i);
  case SEQRT_DTYPE_I32:
    return load<int32_t>(tensor, i);
  case SEQRT_DTYPE_I64:
    return load<int64_t>(tensor, i);
  default:
    return static_cast<int64_t>(elementAsDouble(tensor, i));
  }
}

bool seqrun::convertTensor(const seqrt_tensor &in, seqrt_dtype dtype,
                           seqrt_tensor &out, std::string &error) {
  bool integer = isIntegerDtype(dtype);
  if (integer != isIntegerDtype(in.dtype)) {
    error = std::string("holds ") + seqrt_dtype_name(in.dtype) +
            " values, which do not convert to " + seqrt_dtype_name(dtype);
    return false;
  }
  if (seqrt_tensor_alloc(dtype, in.rank, in.shape, &out) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  int64_t count = seqrt_tensor_num_elements(&in);
  for (int64_t i = 0; i < count; ++i) {
    if (!integer) {
      storeFloat(out, i, elementAsDouble(in, i));
      continue;
    }
    int64_t value = elementAsInt(in, i);
    if (!storeInt(out, i, value)) {
      error = "value " + std::to_string(value) + " at element " +
              std::to_string(i) + " does not fit " + seqrt_dtype_name(dtype);
      seqrt_tensor_free(nullptr, &out);
      return false;
    }
  }
  return true;
}
