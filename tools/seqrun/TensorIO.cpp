//===- TensorIO.cpp - seqrun tensor sources and printing ------------------===//
//
// This file implements loading seqrun's input and golden tensors and
// printing tensors and their elements.
//
//===----------------------------------------------------------------------===//

#include "TensorIO.h"

#include "Npy.h"
#include "Safetensors.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace seqrun;

namespace {
bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) ==
             0;
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = (bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  uint32_t out;
  if (exponent == 0x1f) {
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    out = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal half: normalize.
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    out = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

float bf16ToFloat(uint16_t bits) {
  uint32_t out = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &out, sizeof(value));
  return value;
}

template <typename T> T load(const seqrt_tensor &tensor, int64_t i) {
  T value;
  std::memcpy(&value, static_cast<const char *>(tensor.data) + i * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> void store(seqrt_tensor &tensor, T value) {
  std::memcpy(tensor.data, &value, sizeof(T));
}

/// A number for a rank-0 input of `type`.
bool loadScalar(const std::string &spec, const seqrt_tensor_type &type,
                seqrt_tensor &out, std::string &error) {
  if (seqrt_tensor_alloc(type.dtype, 0, nullptr, &out) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  const char *first = spec.data(), *last = spec.data() + spec.size();
  bool ok = false;
  if (type.dtype == SEQRT_DTYPE_F32 || type.dtype == SEQRT_DTYPE_F64) {
    double value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    ok = ec == std::errc() && end == last;
    if (type.dtype == SEQRT_DTYPE_F32)
      store(out, static_cast<float>(value));
    else
      store(out, value);
  } else if (type.dtype == SEQRT_DTYPE_I1 || type.dtype == SEQRT_DTYPE_I8 ||
             type.dtype == SEQRT_DTYPE_I32 || type.dtype == SEQRT_DTYPE_I64) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    ok = ec == std::errc() && end == last;
    if (type.dtype == SEQRT_DTYPE_I64) {
      store(out, value);
    } else if (type.dtype == SEQRT_DTYPE_I32) {
      ok = ok && value >= INT32_MIN && value <= INT32_MAX;
      store(out, static_cast<int32_t>(value));
    } else if (type.dtype == SEQRT_DTYPE_I8) {
      ok = ok && value >= INT8_MIN && value <= INT8_MAX;
      store(out, static_cast<int8_t>(value));
    } else {
      ok = ok && (value == 0 || value == 1);
      store(out, static_cast<uint8_t>(value));
    }
  } else {
    error = std::string("scalar ") + seqrt_dtype_name(type.dtype) +
            " inputs cannot be given as numbers; use a .npy file";
    seqrt_tensor_free(nullptr, &out);
    return false;
  }
  if (!ok) {
    error = "'" + spec + "' is not a valid " + seqrt_dtype_name(type.dtype) +
            " value";
    seqrt_tensor_free(nullptr, &out);
  }
  return ok;
}

bool loadSafetensors(const std::string &path, const std::string &name,
                     seqrt_tensor &out, std::string &error) {
  bool isIOError = false;
  std::unique_ptr<seqrt::SafetensorsFile> file =
      seqrt::SafetensorsFile::open(path, error, isIOError);
  if (!file)
    return false;
  const seqrt::SafetensorsTensor *tensor = file->find(name);
  if (!tensor) {
    error = "'" + path + "' has no tensor '" + name + "'";
    return false;
  }
  if (!tensor->dtype) {
    error = "tensor '" + name + "' in '" + path + "' has unsupported dtype " +
            tensor->dtypeName;
    return false;
  }
  if (tensor->shape.size() > SEQRT_MAX_RANK) {
    error = "tensor '" + name + "' has rank above " +
            std::to_string(SEQRT_MAX_RANK);
    return false;
  }
  if (seqrt_tensor_alloc(*tensor->dtype,
                         static_cast<int32_t>(tensor->shape.size()),
                         tensor->shape.data(), &out) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  if (tensor->size)
    std::memcpy(out.data, tensor->data, tensor->size);
  return true;
}

bool looksNumeric(const std::string &spec) {
  if (spec.empty())
    return false;
  double value;
  auto [end, ec] =
      std::from_chars(spec.data(), spec.data() + spec.size(), value);
  return ec == std::errc() && end == spec.data() + spec.size();
}
} // namespace

bool seqrun::loadTensor(const std::string &spec,
                        const seqrt_tensor_type &type, seqrt_tensor &out,
                        std::string &error) {
  std::memset(&out, 0, sizeof(out));
  if (looksNumeric(spec)) {
    if (type.rank != 0) {
      error = "a number gives only a scalar, but this is " +
              typeString(type.dtype, type.rank, type.shape);
      return false;
    }
    return loadScalar(spec, type, out, error);
  }
  if (size_t colon = spec.rfind(':');
      colon != std::string::npos &&
      endsWith(spec.substr(0, colon), ".safetensors"))
    return loadSafetensors(spec.substr(0, colon), spec.substr(colon + 1), out,
                           error);
  if (endsWith(spec, ".npy"))
    return seqrt::readNpy(spec, out, error, type.dtype);
  error = "cannot tell what '" + spec +
          "' is (expected FILE.npy, FILE.safetensors:NAME or a number)";
  return false;
}

bool seqrun::makeZeros(const std::string &shapeText,
                       const seqrt_tensor_type &type, seqrt_tensor &out,
                       std::string &error) {
  std::vector<int64_t> shape(type.shape, type.shape + type.rank);
  if (!shapeText.empty()) {
    std::vector<int64_t> given;
    const char *p = shapeText.data(), *last = p + shapeText.size();
    while (true) {
      int64_t extent = -1;
      auto [end, ec] = std::from_chars(p, last, extent);
      if (ec != std::errc() || extent < 0) {
        error = "bad shape '" + shapeText + "' (expected e.g. 1x4x16)";
        return false;
      }
      given.push_back(extent);
      if (end == last)
        break;
      if (*end != 'x' && *end != ',') {
        error = "bad shape '" + shapeText + "' (expected e.g. 1x4x16)";
        return false;
      }
      p = end + 1;
    }
    shape = given;
  }
  for (int64_t extent : shape) {
    if (extent < 0) {
      error = "the input is " + typeString(type.dtype, type.rank, type.shape) +
              "; give its shape, e.g. --zeros INDEX=1x4x16";
      return false;
    }
  }
  if (seqrt_tensor_alloc(type.dtype, static_cast<int32_t>(shape.size()),
                         shape.data(), &out) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  return true;
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

std::string seqrun::typeString(seqrt_dtype dtype, int32_t rank,
                               const int64_t *shape) {
  std::string out = std::string(seqrt_dtype_name(dtype)) + "[";
  for (int32_t d = 0; d < rank; ++d) {
    if (d)
      out += ", ";
    out += shape[d] < 0 ? std::string("?") : std::to_string(shape[d]);
  }
  return out + "]";
}

std::string seqrun::indexString(const seqrt_tensor &tensor, int64_t i) {
  std::vector<int64_t> index(tensor.rank);
  for (int32_t d = tensor.rank - 1; d >= 0; --d) {
    if (tensor.shape[d] > 0) {
      index[d] = i % tensor.shape[d];
      i /= tensor.shape[d];
    }
  }
  std::string out = "[";
  for (int32_t d = 0; d < tensor.rank; ++d)
    out += (d ? ", " : "") + std::to_string(index[d]);
  return out + "]";
}

std::string seqrun::valuesString(const seqrt_tensor &tensor, int64_t limit) {
  int64_t count = seqrt_tensor_num_elements(&tensor);
  std::string out = "[";
  bool integer = tensor.dtype == SEQRT_DTYPE_I1 ||
                 tensor.dtype == SEQRT_DTYPE_I8 ||
                 tensor.dtype == SEQRT_DTYPE_I32 ||
                 tensor.dtype == SEQRT_DTYPE_I64;
  for (int64_t i = 0; i < count && i < limit; ++i) {
    if (i)
      out += ", ";
    if (integer) {
      out += std::to_string(elementAsInt(tensor, i));
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.7g",
                    elementAsDouble(tensor, i));
      out += buffer;
    }
  }
  if (count > limit)
    out += ", ... (" + std::to_string(count - limit) + " more)";
  return out + "]";
}
