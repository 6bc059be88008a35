//===- Safetensors.cpp - Reading safetensors checkpoints ------------------===//
//
// This file implements the safetensors header parser over a mapped file.
//
//===----------------------------------------------------------------------===//

#include "Safetensors.h"

#include "Dtype.h"
#include "Json.h"

using namespace seqrt;

std::string SafetensorsTensor::typeString() const {
  return dtypeName + formatShape(shape);
}

namespace {
/// Byte sizes of the safetensors dtypes seqrt does not use, so that their
/// ranges can still be checked.
size_t foreignDtypeSize(std::string_view name) {
  if (name == "U8" || name == "F8_E4M3" || name == "F8_E5M2")
    return 1;
  if (name == "U16" || name == "I16")
    return 2;
  if (name == "U32")
    return 4;
  if (name == "U64")
    return 8;
  return 0;
}

bool parseTensor(const std::string &name, const JsonValue &info,
                 const unsigned char *dataStart, uint64_t dataSize,
                 SafetensorsTensor &out, std::string &error) {
  std::string where = "tensor '" + name + "'";
  if (!info.isObject()) {
    error = where + ": expected an object";
    return false;
  }
  const JsonValue *dtype = info.get("dtype");
  const JsonValue *shape = info.get("shape");
  const JsonValue *offsets = info.get("data_offsets");
  if (!dtype || !dtype->isString()) {
    error = where + ": missing or non-string 'dtype'";
    return false;
  }
  if (!shape || !shape->isArray()) {
    error = where + ": missing or non-array 'shape'";
    return false;
  }
  if (!offsets || !offsets->isArray() || offsets->getArray().size() != 2 ||
      !offsets->getArray()[0].isInt() || !offsets->getArray()[1].isInt()) {
    error = where + ": 'data_offsets' must be [begin, end]";
    return false;
  }
  out.name = name;
  out.dtypeName = dtype->getString();
  out.dtype = parseSafetensorsDtype(out.dtypeName);
  size_t elementSize = out.dtype ? seqrt_dtype_size(*out.dtype)
                                 : foreignDtypeSize(out.dtypeName);
  for (const JsonValue &extent : shape->getArray()) {
    if (!extent.isInt() || extent.getInt() < 0) {
      error = where + ": shape extents must be integers >= 0";
      return false;
    }
    out.shape.push_back(extent.getInt());
  }
  int64_t begin = offsets->getArray()[0].getInt();
  int64_t end = offsets->getArray()[1].getInt();
  if (begin < 0 || end < begin || static_cast<uint64_t>(end) > dataSize) {
    error = where + ": data_offsets [" + std::to_string(begin) + ", " +
            std::to_string(end) + "] fall outside the " +
            std::to_string(dataSize) + " data bytes";
    return false;
  }
  std::optional<int64_t> count = numElements(out.shape, elementSize);
  if (elementSize != 0 &&
      (!count || static_cast<uint64_t>(*count) * elementSize !=
                     static_cast<uint64_t>(end - begin))) {
    error = where + ": " + out.typeString() + " needs " +
            (count ? std::to_string(*count * elementSize) : "too many") +
            " bytes, but data_offsets span " + std::to_string(end - begin);
    return false;
  }
  out.data = dataStart + begin;
  out.size = static_cast<size_t>(end - begin);
  return true;
}
} // namespace

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string &path,
                                                       std::string &error,
                                                       bool &isIOError) {
  isIOError = true;
  std::unique_ptr<SafetensorsFile> result(new SafetensorsFile());
  result->file = MappedFile::open(path, error);
  if (!result->file)
    return nullptr;
  isIOError = false;
  const MappedFile &file = *result->file;
  auto fail = [&](const std::string &message) {
    error = "'" + path + "' is not a valid safetensors file: " + message;
    return nullptr;
  };
  if (file.size() < 8)
    return fail("shorter than the 8-byte header size");
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= static_cast<uint64_t>(file.data()[i]) << (8 * i);
  if (headerSize > file.size() - 8)
    return fail("header size " + std::to_string(headerSize) +
                " exceeds the file size " + std::to_string(file.size()));
  JsonValue header;
  std::string jsonError;
  if (!parseJson(file.bytes().substr(8, headerSize), header, jsonError))
    return fail("malformed JSON header: " + jsonError);
  if (!header.isObject())
    return fail("the header is not a JSON object");
  const unsigned char *dataStart = file.data() + 8 + headerSize;
  uint64_t dataSize = file.size() - 8 - headerSize;
  for (const JsonValue::Member &member : header.getObject()) {
    if (member.first == "__metadata__")
      continue;
    SafetensorsTensor tensor;
    std::string tensorError;
    if (!parseTensor(member.first, member.second, dataStart, dataSize, tensor,
                     tensorError))
      return fail(tensorError);
    result->index.emplace(tensor.name, result->entries.size());
    result->entries.push_back(std::move(tensor));
  }
  return result;
}

const SafetensorsTensor *SafetensorsFile::find(std::string_view name) const {
  auto it = index.find(std::string(name));
  return it == index.end() ? nullptr : &entries[it->second];
}
