//===- TensorIO.cpp - seqrun tensor sources and printing ------------------===//
//
// This file implements loading seqrun's input and golden tensors and
// printing tensors and their elements.
//
//===----------------------------------------------------------------------===//

#include "TensorIO.h"

#include "Convert.h"

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
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A number for a rank-0 input of `type`.
bool loadScalar(const std::string &spec, const seqrt_tensor_type &type,
                seqrt_tensor &out, std::string &error) {
  const char *first = spec.data(), *last = spec.data() + spec.size();
  int64_t intValue = 0;
  double floatValue = 0;
  bool integer = isIntegerDtype(type.dtype);
  auto [end, ec] = integer ? std::from_chars(first, last, intValue)
                           : std::from_chars(first, last, floatValue);
  if (ec != std::errc() || end != last) {
    error = "'" + spec + "' is not a valid " + seqrt_dtype_name(type.dtype) +
            " value";
    return false;
  }
  seqrt_tensor parsed;
  if (integer)
    seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &intValue, &parsed);
  else
    seqrt_tensor_wrap(SEQRT_DTYPE_F64, 0, nullptr, &floatValue, &parsed);
  if (!convertTensor(parsed, type.dtype, out, error)) {
    error = "'" + spec + "': " + error;
    return false;
  }
  return true;
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

bool seqrun::loadTensor(const std::string &spec, const seqrt_tensor_type &type,
                        bool convert, seqrt_tensor &out, std::string &error) {
  std::memset(&out, 0, sizeof(out));
  if (looksNumeric(spec)) {
    if (type.rank != 0) {
      error = "a number gives only a scalar, but this is " +
              typeString(type.dtype, type.rank, type.shape);
      return false;
    }
    return loadScalar(spec, type, out, error);
  }
  bool loaded;
  if (size_t colon = spec.rfind(':');
      colon != std::string::npos &&
      endsWith(spec.substr(0, colon), ".safetensors")) {
    loaded = loadSafetensors(spec.substr(0, colon), spec.substr(colon + 1), out,
                             error);
  } else if (endsWith(spec, ".npy")) {
    loaded = seqrt::readNpy(spec, out, error, type.dtype);
  } else {
    error = "cannot tell what '" + spec +
            "' is (expected FILE.npy, FILE.safetensors:NAME or a number)";
    return false;
  }
  if (!loaded || !convert || out.dtype == type.dtype)
    return loaded;
  seqrt_tensor converted;
  if (!convertTensor(out, type.dtype, converted, error)) {
    error = "'" + spec + "' " + error;
    seqrt_tensor_free(nullptr, &out);
    return false;
  }
  seqrt_tensor_free(nullptr, &out);
  out = converted;
  return true;
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
  bool integer = isIntegerDtype(tensor.dtype);
  for (int64_t i = 0; i < count && i < limit; ++i) {
    if (i)
      out += ", ";
    if (integer) {
      out += std::to_string(elementAsInt(tensor, i));
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.7g", elementAsDouble(tensor, i));
      out += buffer;
    }
  }
  if (count > limit)
    out += ", ... (" + std::to_string(count - limit) + " more)";
  return out + "]";
}
