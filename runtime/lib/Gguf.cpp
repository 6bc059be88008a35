//===- Gguf.cpp - Reading GGUF files --------------------------------------===//
//
// This file implements the ggml type table and the GGUF parser over a
// mapped file. The parser reads front to back and checks every count,
// length, type id, extent and offset against what is left of the file
// before using it.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"

#include <algorithm>
#include <limits>

using namespace seqrt;

//===----------------------------------------------------------------------===//
// ggml types
//===----------------------------------------------------------------------===//

// Block sizes from ggml's type_traits (ggml/src/ggml.c) and the gguf Python
// package's GGML_QUANT_SIZES; GgufTest checks them against the latter,
// except for q8_1, where the package still has the old 40-byte block (two
// f32) and ggml's block_q8_1 is two f16 and 32 quants, 36 bytes.
const std::vector<GgmlTypeInfo> &seqrt::ggmlTypes() {
  static const std::vector<GgmlTypeInfo> types = {
      {GgmlType::F32, "f32", 1, 4, false},
      {GgmlType::F16, "f16", 1, 2, false},
      {GgmlType::Q4_0, "q4_0", 32, 18, true},
      {GgmlType::Q4_1, "q4_1", 32, 20, true},
      {GgmlType::Q5_0, "q5_0", 32, 22, true},
      {GgmlType::Q5_1, "q5_1", 32, 24, true},
      {GgmlType::Q8_0, "q8_0", 32, 34, true},
      {GgmlType::Q8_1, "q8_1", 32, 36, true},
      {GgmlType::Q2_K, "q2_k", 256, 84, true},
      {GgmlType::Q3_K, "q3_k", 256, 110, true},
      {GgmlType::Q4_K, "q4_k", 256, 144, true},
      {GgmlType::Q5_K, "q5_k", 256, 176, true},
      {GgmlType::Q6_K, "q6_k", 256, 210, true},
      {GgmlType::Q8_K, "q8_k", 256, 292, true},
      {GgmlType::IQ2_XXS, "iq2_xxs", 256, 66, true},
      {GgmlType::IQ2_XS, "iq2_xs", 256, 74, true},
      {GgmlType::IQ3_XXS, "iq3_xxs", 256, 98, true},
      {GgmlType::IQ1_S, "iq1_s", 256, 50, true},
      {GgmlType::IQ4_NL, "iq4_nl", 32, 18, true},
      {GgmlType::IQ3_S, "iq3_s", 256, 110, true},
      {GgmlType::IQ2_S, "iq2_s", 256, 82, true},
      {GgmlType::IQ4_XS, "iq4_xs", 256, 136, true},
      {GgmlType::I8, "i8", 1, 1, false},
      {GgmlType::I16, "i16", 1, 2, false},
      {GgmlType::I32, "i32", 1, 4, false},
      {GgmlType::I64, "i64", 1, 8, false},
      {GgmlType::F64, "f64", 1, 8, false},
      {GgmlType::IQ1_M, "iq1_m", 256, 56, true},
      {GgmlType::BF16, "bf16", 1, 2, false},
      {GgmlType::TQ1_0, "tq1_0", 256, 54, true},
      {GgmlType::TQ2_0, "tq2_0", 256, 66, true},
      {GgmlType::MXFP4, "mxfp4", 32, 17, true},
      {GgmlType::NVFP4, "nvfp4", 64, 36, true},
      {GgmlType::Q1_0, "q1_0", 128, 18, true},
  };
  return types;
}

const GgmlTypeInfo *seqrt::ggmlTypeInfo(uint32_t id) {
  for (const GgmlTypeInfo &info : ggmlTypes())
    if (static_cast<uint32_t>(info.type) == id)
      return &info;
  return nullptr;
}

const GgmlTypeInfo *seqrt::ggmlTypeByName(std::string_view name) {
  for (const GgmlTypeInfo &info : ggmlTypes())
    if (name == info.name)
      return &info;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Metadata values
//===----------------------------------------------------------------------===//

const char *seqrt::ggufValueTypeName(GgufValueType type) {
  switch (type) {
  case GgufValueType::U8:
    return "u8";
  case GgufValueType::I8:
    return "i8";
  case GgufValueType::U16:
    return "u16";
  case GgufValueType::I16:
    return "i16";
  case GgufValueType::U32:
    return "u32";
  case GgufValueType::I32:
    return "i32";
  case GgufValueType::F32:
    return "f32";
  case GgufValueType::Bool:
    return "bool";
  case GgufValueType::String:
    return "string";
  case GgufValueType::Array:
    return "array";
  case GgufValueType::U64:
    return "u64";
  case GgufValueType::I64:
    return "i64";
  case GgufValueType::F64:
    return "f64";
  }
  return "unknown";
}

size_t seqrt::ggufScalarSize(GgufValueType type) {
  switch (type) {
  case GgufValueType::U8:
  case GgufValueType::I8:
  case GgufValueType::Bool:
    return 1;
  case GgufValueType::U16:
  case GgufValueType::I16:
    return 2;
  case GgufValueType::U32:
  case GgufValueType::I32:
  case GgufValueType::F32:
    return 4;
  case GgufValueType::U64:
  case GgufValueType::I64:
  case GgufValueType::F64:
    return 8;
  case GgufValueType::String:
  case GgufValueType::Array:
    return 0;
  }
  return 0;
}

std::optional<int64_t> GgufValue::getInteger() const {
  switch (valueType) {
  case GgufValueType::U8:
  case GgufValueType::U16:
  case GgufValueType::U32:
    return static_cast<int64_t>(bits);
  case GgufValueType::U64:
    if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(bits);
  case GgufValueType::I8:
    return static_cast<int8_t>(bits);
  case GgufValueType::I16:
    return static_cast<int16_t>(bits);
  case GgufValueType::I32:
    return static_cast<int32_t>(bits);
  case GgufValueType::I64:
    return static_cast<int64_t>(bits);
  default:
    return std::nullopt;
  }
}

const GgufValue *GgufValue::subArray(uint64_t i) const {
  if (valueType != GgufValueType::Array || elemType != GgufValueType::Array ||
      i >= arrays.size())
    return nullptr;
  return &arrays[i];
}

std::string GgufValue::typeName() const {
  if (valueType != GgufValueType::Array)
    return ggufValueTypeName(valueType);
  if (elemType == GgufValueType::Array && !arrays.empty())
    return "array[" + arrays.front().typeName() + "]";
  return std::string("array[") + ggufValueTypeName(elemType) + "]";
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

std::vector<int64_t> GgufTensor::shape() const {
  return std::vector<int64_t>(ne.rbegin(), ne.rend());
}

uint64_t GgufTensor::rowBytes() const {
  // Checked by the parser not to overflow.
  uint64_t rowLength = ne.empty() ? 1 : static_cast<uint64_t>(ne[0]);
  return rowLength / type->blockElements * type->blockBytes;
}

std::vector<int64_t> GgufTensor::packedShape() const {
  std::vector<int64_t> out = shape();
  if (out.empty())
    out.push_back(0);
  out.back() = static_cast<int64_t>(rowBytes());
  return out;
}

std::string GgufTensor::typeString() const {
  std::string out = std::string(type->name) + " [";
  std::vector<int64_t> extents = shape();
  for (size_t i = 0; i < extents.size(); ++i)
    out += (i ? ", " : "") + std::to_string(extents[i]);
  return out + "]";
}

//===----------------------------------------------------------------------===//
// The parser
//===----------------------------------------------------------------------===//

namespace seqrt {
/// Reads a GgufFile front to back; the first error ends the parse.
class GgufParser {
public:
  GgufParser(GgufFile &out)
      : out(out), base(out.file->data()), size(out.file->size()) {}

  bool parse();
  std::string error;

private:
  /// Deepest nesting of arrays in arrays, and the most sub-arrays in a file,
  /// bounding the recursion and the memory a hostile file can ask for.
  static constexpr unsigned kMaxArrayDepth = 8;
  static constexpr uint64_t kMaxSubArrays = uint64_t(1) << 20;
  /// Smallest encodings of a metadata entry (key length, type, one byte of
  /// value) and of a tensor info (name length, n_dims, type, offset).
  static constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;
  static constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;
  static constexpr uint32_t kMaxDims = 4;

  bool fail(const std::string &message) {
    error = message;
    return false;
  }
  uint64_t left() const { return size - pos; }
  /// Whether `n` bytes are left for `item` (of `where`).
  bool need(uint64_t n, const char *item) {
    if (n <= left())
      return true;
    return fail("truncated: " + where + ": " + item + " at byte " +
                std::to_string(pos) + " needs " + std::to_string(n) +
                " bytes, but the file ends at byte " + std::to_string(size));
  }
  bool readScalar(size_t bytes, uint64_t &value, const char *item) {
    if (!need(bytes, item))
      return false;
    value = detail::loadLittleEndian(base + pos, bytes);
    pos += bytes;
    return true;
  }
  bool readU32(uint32_t &value, const char *item) {
    uint64_t wide = 0;
    if (!readScalar(4, wide, item))
      return false;
    value = static_cast<uint32_t>(wide);
    return true;
  }
  bool readU64(uint64_t &value, const char *item) {
    return readScalar(8, value, item);
  }
  bool readString(std::string_view &value, const char *item);
  bool readValueType(GgufValueType &type, const char *item);
  bool readValue(GgufValue &value, GgufValueType type, unsigned depth);
  bool readArray(GgufValue &value, unsigned depth);
  bool readHeader(uint64_t &numTensors, uint64_t &numKeyValues);
  bool readKeyValues(uint64_t count);
  bool readTensorInfos(uint64_t count);
  bool readAlignment();
  bool placeTensors();
  bool buildIndices();

  GgufFile &out;
  const unsigned char *base;
  uint64_t size;
  uint64_t pos = 0;
  /// What is being read, for messages: "header", "metadata 'general.name'".
  std::string where = "header";
  uint64_t subArrays = 0;
};
} // namespace seqrt

namespace {
/// a + b in decimal, exact even when the sum overflows 64 bits.
std::string sumString(unsigned __int128 a, unsigned __int128 b) {
  unsigned __int128 sum = a + b;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(sum % 10)));
    sum /= 10;
  } while (sum != 0);
  return std::string(digits.rbegin(), digits.rend());
}

/// `text` quoted for a message, cut short and with control bytes escaped.
std::string quote(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMax)
    out += "...";
  return out + "'";
}
} // namespace

bool GgufParser::readString(std::string_view &value, const char *item) {
  uint64_t length = 0;
  uint64_t start = pos;
  if (!readU64(length, item))
    return false;
  if (length > left())
    return fail(where + ": " + item + " at byte " + std::to_string(start) +
                " has length " + std::to_string(length) + ", past the " +
                std::to_string(left()) + " bytes left in the file (size " +
                std::to_string(size) + ")");
  value = std::string_view(reinterpret_cast<const char *>(base + pos), length);
  pos += length;
  return true;
}

bool GgufParser::readValueType(GgufValueType &type, const char *item) {
  uint64_t start = pos;
  uint32_t id = 0;
  if (!readU32(id, item))
    return false;
  if (id > static_cast<uint32_t>(GgufValueType::F64))
    return fail(where + ": unknown " + item + " " + std::to_string(id) +
                " at byte " + std::to_string(start));
  type = static_cast<GgufValueType>(id);
  return true;
}

bool GgufParser::readValue(GgufValue &value, GgufValueType type,
                           unsigned depth) {
  value.valueType = type;
  if (type == GgufValueType::String)
    return readString(value.string, "string");
  if (type == GgufValueType::Array)
    return readArray(value, depth);
  return readScalar(ggufScalarSize(type), value.bits, "value");
}

bool GgufParser::readArray(GgufValue &value, unsigned depth) {
  if (depth >= kMaxArrayDepth)
    return fail(where + ": arrays nested more than " +
                std::to_string(kMaxArrayDepth) + " deep");
  uint64_t start = pos;
  if (!readValueType(value.elemType, "array element type") ||
      !readU64(value.count, "array length"))
    return false;
  size_t elementSize = ggufScalarSize(value.elemType);
  // The smallest encoding of one element: a scalar, a string's length, or
  // an array's element type and length.
  uint64_t minBytes = elementSize                               ? elementSize
                      : value.elemType == GgufValueType::String ? 8
                                                                : 12;
  if (value.count > left() / minBytes)
    return fail(where + ": array at byte " + std::to_string(start) + " of " +
                std::to_string(value.count) + " " +
                ggufValueTypeName(value.elemType) +
                " elements cannot fit in the " + std::to_string(left()) +
                " bytes left in the file (size " + std::to_string(size) + ")");
  if (elementSize) {
    value.raw = base + pos;
    pos += value.count * elementSize;
    return true;
  }
  if (value.elemType == GgufValueType::String) {
    value.strings.reserve(value.count);
    for (uint64_t i = 0; i < value.count; ++i) {
      std::string_view element;
      if (!readString(element, "array string"))
        return false;
      value.strings.push_back(element);
    }
    return true;
  }
  // Arrays of arrays: grow as elements are read, so memory follows the
  // bytes actually in the file.
  for (uint64_t i = 0; i < value.count; ++i) {
    if (++subArrays > kMaxSubArrays)
      return fail(where + ": more than " + std::to_string(kMaxSubArrays) +
                  " nested arrays in the file");
    value.arrays.emplace_back();
    if (!readValue(value.arrays.back(), GgufValueType::Array, depth + 1))
      return false;
  }
  return true;
}

bool GgufParser::readHeader(uint64_t &numTensors, uint64_t &numKeyValues) {
  if (size < 4 || !GgufFile::hasMagic(std::string_view(
                      reinterpret_cast<const char *>(base), size)))
    return fail("not a GGUF file (no \"GGUF\" magic)");
  pos = 4;
  uint32_t version = 0;
  if (!readU32(version, "version"))
    return false;
  if (version == 1)
    return fail("GGUF version 1 is not supported (only versions 2 and 3)");
  if (version != 2 && version != 3) {
    uint32_t swapped = __builtin_bswap32(version);
    return fail("unsupported GGUF version " + std::to_string(version) +
                (swapped == 2 || swapped == 3
                     ? " (a big-endian file? only little-endian files are "
                       "supported)"
                     : " (only versions 2 and 3)"));
  }
  out.fileVersion = version;
  if (!readU64(numTensors, "tensor count") ||
      !readU64(numKeyValues, "metadata count"))
    return false;
  if (numKeyValues > left() / kMinKeyValueBytes)
    return fail("metadata count " + std::to_string(numKeyValues) +
                " cannot fit in the " + std::to_string(left()) +
                " bytes after the header (file size " + std::to_string(size) +
                ")");
  if (numTensors > left() / kMinTensorInfoBytes)
    return fail("tensor count " + std::to_string(numTensors) +
                " cannot fit in the " + std::to_string(left()) +
                " bytes after the header (file size " + std::to_string(size) +
                ")");
  return true;
}

bool GgufParser::readKeyValues(uint64_t count) {
  out.kvs.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    where = "metadata entry " + std::to_string(i);
    std::string_view key;
    GgufValueType type;
    if (!readString(key, "key"))
      return false;
    where = "metadata " + quote(key);
    if (!readValueType(type, "value type"))
      return false;
    GgufKeyValue kv;
    kv.key = std::string(key);
    if (!readValue(kv.value, type, 0))
      return false;
    out.kvs.push_back(std::move(kv));
  }
  return true;
}

bool GgufParser::readTensorInfos(uint64_t count) {
  out.tensorInfos.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    where = "tensor info " + std::to_string(i);
    std::string_view name;
    if (!readString(name, "name"))
      return false;
    where = "tensor " + quote(name);
    uint32_t numDims = 0;
    if (!readU32(numDims, "n_dims"))
      return false;
    if (numDims > kMaxDims)
      return fail(where + ": n_dims " + std::to_string(numDims) +
                  " exceeds ggml's maximum of " + std::to_string(kMaxDims));
    GgufTensor tensor;
    tensor.name = std::string(name);
    for (uint32_t d = 0; d < numDims; ++d) {
      uint64_t extent = 0;
      if (!readU64(extent, "extent"))
        return false;
      if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return fail(where + ": ne[" + std::to_string(d) + "] is negative (" +
                    std::to_string(static_cast<int64_t>(extent)) + ")");
      tensor.ne.push_back(static_cast<int64_t>(extent));
    }
    uint32_t typeId = 0;
    uint64_t typeAt = pos;
    if (!readU32(typeId, "type"))
      return false;
    tensor.type = ggmlTypeInfo(typeId);
    if (!tensor.type)
      return fail(where + ": unknown ggml type id " + std::to_string(typeId) +
                  " at byte " + std::to_string(typeAt));
    if (!readU64(tensor.offset, "offset"))
      return false;
    out.tensorInfos.push_back(std::move(tensor));
  }
  return true;
}

bool GgufParser::readAlignment() {
  where = "metadata 'general.alignment'";
  for (const GgufKeyValue &kv : out.kvs) {
    if (kv.key != "general.alignment")
      continue;
    std::optional<uint32_t> alignment = kv.value.get<uint32_t>();
    if (!alignment)
      return fail(where + ": expected u32, found " + kv.value.typeName());
    if (*alignment == 0 || (*alignment & (*alignment - 1)) != 0)
      return fail(where + ": " + std::to_string(*alignment) +
                  " is not a power of two");
    out.dataAlignment = *alignment;
  }
  return true;
}

bool GgufParser::placeTensors() {
  // The data section starts at the next multiple of the alignment; a file
  // without tensors may end before it.
  uint64_t alignment = out.dataAlignment;
  uint64_t padded = (pos + alignment - 1) / alignment * alignment;
  if (padded > size && !out.tensorInfos.empty())
    return fail("the data section at byte " + std::to_string(padded) +
                " starts past the end of the file (size " +
                std::to_string(size) + ")");
  out.dataStart = std::min(padded, size);
  uint64_t dataSize = size - out.dataStart;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (GgufTensor &tensor : out.tensorInfos) {
    where = "tensor " + quote(tensor.name);
    const GgmlTypeInfo &type = *tensor.type;
    uint64_t rowLength = tensor.ne.empty() ? 1 : tensor.ne[0];
    if (rowLength % type.blockElements != 0)
      return fail(where + ": row length ne[0] = " + std::to_string(rowLength) +
                  " is not a multiple of the " + type.name + " block size " +
                  std::to_string(type.blockElements));
    uint64_t blocks = rowLength / type.blockElements;
    if (blocks > kMax / type.blockBytes)
      return fail(where + ": " + tensor.typeString() +
                  " has more bytes than fit in 64 bits");
    uint64_t bytes = blocks * type.blockBytes;
    for (size_t d = 1; d < tensor.ne.size(); ++d) {
      uint64_t extent = tensor.ne[d];
      if (extent != 0 && bytes > kMax / extent)
        return fail(where + ": " + tensor.typeString() +
                    " has more bytes than fit in 64 bits");
      bytes *= extent;
    }
    if (tensor.offset % alignment != 0)
      return fail(where + ": data offset " + std::to_string(tensor.offset) +
                  " is not a multiple of the alignment " +
                  std::to_string(alignment));
    if (tensor.offset > dataSize || bytes > dataSize - tensor.offset)
      return fail(
          where + ": data [" + sumString(out.dataStart, tensor.offset) + ", " +
          sumString(out.dataStart,
                    static_cast<unsigned __int128>(tensor.offset) + bytes) +
          ") past end of file (size " + std::to_string(size) + ")");
    if (bytes > std::numeric_limits<size_t>::max())
      return fail(where + ": too large for this host");
    tensor.data = base + out.dataStart + tensor.offset;
    tensor.size = static_cast<size_t>(bytes);
  }
  return true;
}

bool GgufParser::buildIndices() {
  // Built once the vectors are final: the keys view their strings.
  for (size_t i = 0; i < out.kvs.size(); ++i)
    if (!out.kvIndex.emplace(out.kvs[i].key, i).second)
      return fail("duplicate metadata key " + quote(out.kvs[i].key));
  for (size_t i = 0; i < out.tensorInfos.size(); ++i)
    if (!out.tensorIndex.emplace(out.tensorInfos[i].name, i).second)
      return fail("duplicate tensor " + quote(out.tensorInfos[i].name));
  return true;
}

bool GgufParser::parse() {
  uint64_t numTensors = 0, numKeyValues = 0;
  return readHeader(numTensors, numKeyValues) && readKeyValues(numKeyValues) &&
         readTensorInfos(numTensors) && readAlignment() && buildIndices() &&
         placeTensors();
}

//===----------------------------------------------------------------------===//
// GgufFile
//===----------------------------------------------------------------------===//

bool GgufFile::hasMagic(std::string_view bytes) {
  return bytes.substr(0, 4) == "GGUF";
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string &path,
                                         std::string &error, bool &isIOError) {
  isIOError = true;
  std::unique_ptr<GgufFile> result(new GgufFile());
  result->filePath = path;
  result->file = MappedFile::open(path, error);
  if (!result->file) {
    error = "gguf: " + error;
    return nullptr;
  }
  isIOError = false;
  GgufParser parser(*result);
  if (!parser.parse()) {
    error = "gguf: '" + path + "': " + parser.error;
    return nullptr;
  }
  return result;
}

const GgufValue *GgufFile::find(std::string_view key) const {
  auto it = kvIndex.find(key);
  return it == kvIndex.end() ? nullptr : &kvs[it->second].value;
}

const GgufTensor *GgufFile::findTensor(std::string_view name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &tensorInfos[it->second];
}

const GgufValue *GgufFile::lookup(std::string_view key, const char *expected,
                                  std::string &error) const {
  const GgufValue *value = find(key);
  if (!value)
    error = "gguf: '" + filePath + "': no key " + quote(key);
  else if (value->typeName() != expected &&
           !(std::string_view(expected) == "integer" && value->getInteger()))
    error = "gguf: '" + filePath + "': key " + quote(key) + " is " +
            value->typeName() + ", expected " + expected;
  else
    return value;
  return nullptr;
}

namespace {
template <typename T> std::optional<T> getTyped(const GgufValue *value) {
  return value ? value->get<T>() : std::nullopt;
}
} // namespace

std::optional<std::string_view> GgufFile::getString(std::string_view key,
                                                    std::string &error) const {
  return getTyped<std::string_view>(lookup(key, "string", error));
}
std::optional<bool> GgufFile::getBool(std::string_view key,
                                      std::string &error) const {
  return getTyped<bool>(lookup(key, "bool", error));
}
std::optional<uint32_t> GgufFile::getU32(std::string_view key,
                                         std::string &error) const {
  return getTyped<uint32_t>(lookup(key, "u32", error));
}
std::optional<int32_t> GgufFile::getI32(std::string_view key,
                                        std::string &error) const {
  return getTyped<int32_t>(lookup(key, "i32", error));
}
std::optional<uint64_t> GgufFile::getU64(std::string_view key,
                                         std::string &error) const {
  return getTyped<uint64_t>(lookup(key, "u64", error));
}
std::optional<int64_t> GgufFile::getI64(std::string_view key,
                                        std::string &error) const {
  return getTyped<int64_t>(lookup(key, "i64", error));
}
std::optional<float> GgufFile::getF32(std::string_view key,
                                      std::string &error) const {
  return getTyped<float>(lookup(key, "f32", error));
}
std::optional<double> GgufFile::getF64(std::string_view key,
                                       std::string &error) const {
  return getTyped<double>(lookup(key, "f64", error));
}
std::optional<int64_t> GgufFile::getInteger(std::string_view key,
                                            std::string &error) const {
  const GgufValue *value = lookup(key, "integer", error);
  return value ? value->getInteger() : std::nullopt;
}

const GgufValue *GgufFile::getArray(std::string_view key,
                                    GgufValueType elementType,
                                    std::string &error) const {
  std::string expected =
      std::string("array[") + ggufValueTypeName(elementType) + "]";
  const GgufValue *value = find(key);
  if (!value) {
    error = "gguf: '" + filePath + "': no key " + quote(key);
    return nullptr;
  }
  if (!value->isArray() || value->elementType() != elementType) {
    error = "gguf: '" + filePath + "': key " + quote(key) + " is " +
            value->typeName() + ", expected " + expected;
    return nullptr;
  }
  return value;
}
