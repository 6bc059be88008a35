//===- HostArray.cpp - Kernel arguments on the host -----------------------===//
//
// This file implements the .npy to kernel-argument conversions of
// seq-gpu-run, including f16 and bf16 rounding (round to nearest even, as
// the GPU emulator and PyTorch round).
//
//===----------------------------------------------------------------------===//

#include "HostArray.h"

#include "Npy.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace seqgpurun;

namespace {

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}
float bitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t toBF16(float f) {
  uint32_t bits = floatBits(f);
  if (std::isnan(f))
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

float fromF16(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  if (exponent == 0x1F)
    return bitsFloat(sign | 0x7F800000 | (mantissa << 13));
  if (exponent == 0) {
    float value = std::ldexp(float(mantissa), -24);
    return sign ? -value : value;
  }
  return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t toF16(float f) {
  uint32_t bits = floatBits(f);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  if (std::isnan(f))
    return sign | 0x7E00;
  float a = std::fabs(f);
  if (a >= 65520.0f) // rounds to infinity
    return sign | 0x7C00;
  if (a < std::ldexp(1.0f, -14)) {
    // Subnormal: a multiple of 2^-24, rounded to nearest even by rint.
    return sign | uint16_t(std::nearbyint(std::ldexp(a, 24)));
  }
  uint32_t abits = floatBits(a);
  uint32_t exponent = (abits >> 23) - 112;
  uint32_t mantissa = abits & 0x7FFFFF;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is right
  return sign | uint16_t(half);
}

} // namespace

bool seqgpurun::readHostArray(const std::string &path, int64_t rank,
                              seqrt_dtype element, HostArray &out,
                              std::string &error) {
  seqrt_tensor tensor;
  if (!seqrt::readNpy(path, tensor, error, element))
    return false;
  if (tensor.rank < rank || rank < 1) {
    error = path + ": rank " + std::to_string(tensor.rank) +
            " is below the kernel parameter's " + std::to_string(rank);
    seqrt_tensor_free(nullptr, &tensor);
    return false;
  }
  int64_t count = seqrt_tensor_num_elements(&tensor);
  out.values.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    double &v = out.values[i];
    switch (tensor.dtype) {
    case SEQRT_DTYPE_F32:
      v = static_cast<const float *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_F64:
      v = static_cast<const double *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_BF16:
      v = bitsFloat(uint32_t(static_cast<const uint16_t *>(tensor.data)[i])
                    << 16);
      break;
    case SEQRT_DTYPE_F16:
      v = fromF16(static_cast<const uint16_t *>(tensor.data)[i]);
      break;
    case SEQRT_DTYPE_I8:
      v = static_cast<const int8_t *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_I32:
      v = static_cast<const int32_t *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_I64:
      v = double(static_cast<const int64_t *>(tensor.data)[i]);
      break;
    default:
      seqrt_tensor_free(nullptr, &tensor);
      error = path + ": unsupported dtype";
      return false;
    }
  }
  out.shape.clear();
  int64_t leading = 1;
  for (int32_t i = 0; i <= tensor.rank - rank; ++i)
    leading *= tensor.shape[i];
  out.shape.push_back(leading);
  for (int32_t i = tensor.rank - int32_t(rank) + 1; i < tensor.rank; ++i)
    out.shape.push_back(tensor.shape[i]);
  seqrt_tensor_free(nullptr, &tensor);
  return true;
}

bool seqgpurun::parseScratchShape(const std::string &dims, HostArray &out,
                                  std::string &error) {
  out.shape.clear();
  int64_t count = 1;
  size_t start = 0;
  while (true) {
    size_t end = dims.find('x', start);
    std::string part = dims.substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    char *rest = nullptr;
    long long d = part.empty() ? 0 : std::strtoll(part.c_str(), &rest, 10);
    if (part.empty() || *rest || d <= 0 || d > (int64_t(1) << 31) ||
        count > (int64_t(1) << 31) / d || out.shape.size() >= SEQRT_MAX_RANK) {
      error = "bad scratch shape '" + dims +
              "' (positive extents, at most 2^31 elements)";
      return false;
    }
    count *= d;
    out.shape.push_back(d);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  out.values.assign(count, std::numeric_limits<double>::quiet_NaN());
  return true;
}

std::vector<uint8_t> seqgpurun::encode(const std::vector<double> &values,
                                       seqrt_dtype element) {
  size_t size = seqrt_dtype_size(element);
  std::vector<uint8_t> bytes(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t *p = bytes.data() + i * size;
    double v = values[i];
    auto integer = [&](auto zero) {
      using T = decltype(zero);
      // Clamped: an out-of-range conversion would be undefined.
      double low = double(std::numeric_limits<T>::min());
      double high = double(std::numeric_limits<T>::max());
      T t = std::isnan(v) ? T(0)
            : v <= low    ? std::numeric_limits<T>::min()
            : v >= high   ? std::numeric_limits<T>::max()
                          : T(v);
      std::memcpy(p, &t, sizeof t);
    };
    switch (element) {
    case SEQRT_DTYPE_F32: {
      float f = float(v);
      std::memcpy(p, &f, 4);
      break;
    }
    case SEQRT_DTYPE_F64:
      std::memcpy(p, &v, 8);
      break;
    case SEQRT_DTYPE_BF16: {
      uint16_t h = toBF16(float(v));
      std::memcpy(p, &h, 2);
      break;
    }
    case SEQRT_DTYPE_F16: {
      uint16_t h = toF16(float(v));
      std::memcpy(p, &h, 2);
      break;
    }
    case SEQRT_DTYPE_I8:
      integer(int8_t());
      break;
    case SEQRT_DTYPE_I32:
      integer(int32_t());
      break;
    case SEQRT_DTYPE_I64:
      integer(int64_t());
      break;
    default:
      break;
    }
  }
  return bytes;
}

std::vector<double> seqgpurun::decode(const std::vector<uint8_t> &bytes,
                                      seqrt_dtype element, size_t count) {
  size_t size = seqrt_dtype_size(element);
  std::vector<double> values(count);
  for (size_t i = 0; i < count && (i + 1) * size <= bytes.size(); ++i) {
    const uint8_t *p = bytes.data() + i * size;
    switch (element) {
    case SEQRT_DTYPE_F32: {
      float f;
      std::memcpy(&f, p, 4);
      values[i] = f;
      break;
    }
    case SEQRT_DTYPE_F64:
      std::memcpy(&values[i], p, 8);
      break;
    case SEQRT_DTYPE_BF16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      values[i] = bitsFloat(uint32_t(h) << 16);
      break;
    }
    case SEQRT_DTYPE_F16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      values[i] = fromF16(h);
      break;
    }
    case SEQRT_DTYPE_I8:
      values[i] = int8_t(*p);
      break;
    case SEQRT_DTYPE_I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      values[i] = v;
      break;
    }
    case SEQRT_DTYPE_I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      values[i] = double(v);
      break;
    }
    default:
      break;
    }
  }
  return values;
}
