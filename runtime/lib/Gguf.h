//===- Gguf.h - Reading GGUF files ------------------------------*- C++ -*-===//
//
// This file declares GgufFile, a memory-mapped GGUF file (llama.cpp's model
// format, versions 2 and 3, little-endian): a header, typed metadata
// key/value pairs, a table of tensor infos and an aligned data section. It
// also declares the ggml tensor types with their block sizes.
//
// Everything read from the file is checked against the file size with
// overflow-safe arithmetic before it is used; a malformed file is rejected
// with a message naming the problem. Strings and tensor data point into the
// read-only mapping, which lives as long as the GgufFile (or whoever takes
// it with takeMapping()).
//
// The reader depends only on the C++ standard library and MappedFile, so
// seqc (the LLVM side) links it from the seqrt library as well.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_GGUF_H
#define SEQRT_LIB_GGUF_H

#include "MappedFile.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace seqrt {

//===----------------------------------------------------------------------===//
// ggml tensor types
//===----------------------------------------------------------------------===//

/// ggml's tensor type ids (ggml.h `enum ggml_type`). Ids ggml has removed
/// (4, 5, 31-33, 36-38) are unknown.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
};

struct GgmlTypeInfo {
  GgmlType type;
  /// Lower case: "f32", "q4_1", "q4_k", "iq2_xxs", ...
  const char *name;
  /// Elements per block (1 for the plain types) and bytes per block.
  uint32_t blockElements;
  uint32_t blockBytes;
  /// Whether the elements are stored in quantized blocks (everything but
  /// f32, f16, bf16, f64 and the integer types).
  bool quantized;
};

/// The type with id `id`, or null for an unknown id.
const GgmlTypeInfo *ggmlTypeInfo(uint32_t id);
inline const GgmlTypeInfo &ggmlTypeInfo(GgmlType type) {
  return *ggmlTypeInfo(static_cast<uint32_t>(type));
}
/// The type called `name` (lower case, as GgmlTypeInfo::name), or null.
const GgmlTypeInfo *ggmlTypeByName(std::string_view name);
/// Every known type, in id order.
const std::vector<GgmlTypeInfo> &ggmlTypes();

//===----------------------------------------------------------------------===//
// Metadata values
//===----------------------------------------------------------------------===//

/// gguf_type: the type of a metadata value (or of an array's elements).
enum class GgufValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

/// "u8", "i8", ..., "bool", "string", "array", "u64", "i64", "f64".
const char *ggufValueTypeName(GgufValueType type);

namespace detail {
/// The GGUF value type of the C++ scalar type T.
template <typename T> struct GgufScalar;
#define SEQRT_GGUF_SCALAR(CType, Kind)                                         \
  template <> struct GgufScalar<CType> {                                       \
    static constexpr GgufValueType type = GgufValueType::Kind;                 \
  };
SEQRT_GGUF_SCALAR(uint8_t, U8)
SEQRT_GGUF_SCALAR(int8_t, I8)
SEQRT_GGUF_SCALAR(uint16_t, U16)
SEQRT_GGUF_SCALAR(int16_t, I16)
SEQRT_GGUF_SCALAR(uint32_t, U32)
SEQRT_GGUF_SCALAR(int32_t, I32)
SEQRT_GGUF_SCALAR(float, F32)
SEQRT_GGUF_SCALAR(bool, Bool)
SEQRT_GGUF_SCALAR(uint64_t, U64)
SEQRT_GGUF_SCALAR(int64_t, I64)
SEQRT_GGUF_SCALAR(double, F64)
#undef SEQRT_GGUF_SCALAR

/// Converts the zero-extended bits of a scalar to T.
template <typename T> T fromBits(uint64_t bits) {
  if constexpr (std::is_same_v<T, bool>) {
    return bits != 0;
  } else if constexpr (std::is_same_v<T, float>) {
    uint32_t narrow = static_cast<uint32_t>(bits);
    float value;
    std::memcpy(&value, &narrow, sizeof(value));
    return value;
  } else if constexpr (std::is_same_v<T, double>) {
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  } else {
    return static_cast<T>(bits);
  }
}

/// Reads a little-endian scalar of `size` bytes.
inline uint64_t loadLittleEndian(const unsigned char *bytes, size_t size) {
  uint64_t bits = 0;
  for (size_t i = 0; i < size; ++i)
    bits |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return bits;
}
} // namespace detail

/// Bytes per value of a scalar type; 0 for String and Array.
size_t ggufScalarSize(GgufValueType type);

/// A metadata value: a scalar, a string or an array. Strings and the
/// elements of arrays of scalars point into the mapped file. The C++ types
/// of the scalar types are uint8_t, int8_t, uint16_t, int16_t, uint32_t,
/// int32_t, float, bool, uint64_t, int64_t, double and (for strings)
/// std::string_view.
class GgufValue {
public:
  GgufValueType type() const { return valueType; }
  bool isArray() const { return valueType == GgufValueType::Array; }

  /// The scalar or string if type() is T's GGUF type, else nullopt.
  template <typename T> std::optional<T> get() const;
  /// A value of any integer type (u8..u64, i8..i64) that fits in int64_t;
  /// nullopt for other types and u64 values above INT64_MAX.
  std::optional<int64_t> getInteger() const;

  /// Arrays: the elements' type (Array for arrays of arrays) and count.
  GgufValueType elementType() const { return elemType; }
  uint64_t size() const { return count; }
  /// Element `i` of an array of T (nullopt if not an array of T or out of
  /// range).
  template <typename T> std::optional<T> element(uint64_t i) const;
  /// All elements of an array of T.
  template <typename T> std::optional<std::vector<T>> elements() const;
  /// Element `i` of an array of arrays, or null.
  const GgufValue *subArray(uint64_t i) const;

  /// "u32", "string", "array[string]", "array[array[i32]]" (the type of
  /// the first element for arrays of arrays; "array[array]" when empty).
  std::string typeName() const;

private:
  friend class GgufParser;
  GgufValueType valueType = GgufValueType::U8;
  /// Scalars: the value's bits, zero-extended.
  uint64_t bits = 0;
  /// Strings.
  std::string_view string;
  /// Arrays.
  GgufValueType elemType = GgufValueType::U8;
  uint64_t count = 0;
  const unsigned char *raw = nullptr;    ///< elements of scalar arrays
  std::vector<std::string_view> strings; ///< elements of string arrays
  std::vector<GgufValue> arrays;         ///< elements of arrays of arrays
};

template <typename T> std::optional<T> GgufValue::get() const {
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (valueType != GgufValueType::String)
      return std::nullopt;
    return string;
  } else {
    if (valueType != detail::GgufScalar<T>::type)
      return std::nullopt;
    return detail::fromBits<T>(bits);
  }
}

template <typename T> std::optional<T> GgufValue::element(uint64_t i) const {
  if (valueType != GgufValueType::Array || i >= count)
    return std::nullopt;
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (elemType != GgufValueType::String)
      return std::nullopt;
    return strings[i];
  } else {
    if (elemType != detail::GgufScalar<T>::type)
      return std::nullopt;
    return detail::fromBits<T>(
        detail::loadLittleEndian(raw + i * sizeof(T), sizeof(T)));
  }
}

template <typename T>
std::optional<std::vector<T>> GgufValue::elements() const {
  if (valueType != GgufValueType::Array)
    return std::nullopt;
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (elemType != GgufValueType::String)
      return std::nullopt;
    return strings;
  } else {
    if (elemType != detail::GgufScalar<T>::type)
      return std::nullopt;
    std::vector<T> out;
    out.reserve(count);
    for (uint64_t i = 0; i < count; ++i)
      out.push_back(detail::fromBits<T>(
          detail::loadLittleEndian(raw + i * sizeof(T), sizeof(T))));
    return out;
  }
}

struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

//===----------------------------------------------------------------------===//
// Tensors and the file
//===----------------------------------------------------------------------===//

struct GgufTensor {
  std::string name;
  /// The extents, innermost first (ne[0] is the row length); at most 4
  /// (n_dims 0 is a scalar), each >= 0.
  std::vector<int64_t> ne;
  const GgmlTypeInfo *type = nullptr;
  /// Offset of the data from the start of the data section.
  uint64_t offset = 0;
  /// The data in the mapped file and its size in bytes.
  const unsigned char *data = nullptr;
  size_t size = 0;

  /// The row-major shape: ne reversed.
  std::vector<int64_t> shape() const;
  /// Bytes per row (ne[0] elements).
  uint64_t rowBytes() const;
  /// The row-major shape of the raw bytes: shape() with the innermost
  /// extent replaced by rowBytes(), as seqrt binds quantized tensors.
  std::vector<int64_t> packedShape() const;
  /// "q4_1 [49152, 576]" (type name, row-major shape).
  std::string typeString() const;
};

class GgufFile {
public:
  /// Maps and parses `path` (only regular files). Returns null and sets
  /// `error` ("gguf: '<path>': ..."), with `isIOError` telling a file that
  /// could not be read from a malformed one.
  static std::unique_ptr<GgufFile> open(const std::string &path,
                                        std::string &error, bool &isIOError);

  /// Whether `bytes` starts with the GGUF magic "GGUF".
  static bool hasMagic(std::string_view bytes);

  uint32_t version() const { return fileVersion; }
  /// general.alignment, or 32.
  uint64_t alignment() const { return dataAlignment; }
  /// Offset of the data section in the file.
  uint64_t dataOffset() const { return dataStart; }
  const std::string &path() const { return filePath; }

  /// Metadata, in file order.
  const std::vector<GgufKeyValue> &metadata() const { return kvs; }
  /// The value of `key`, or null.
  const GgufValue *find(std::string_view key) const;

  /// Typed lookups: the value of `key` if present and of the given type;
  /// otherwise nullopt (or null) and `error` says which ("gguf: '<path>':
  /// key 'llama.block_count' is u64, expected u32" or "... no key ...").
  std::optional<std::string_view> getString(std::string_view key,
                                            std::string &error) const;
  std::optional<bool> getBool(std::string_view key, std::string &error) const;
  std::optional<uint32_t> getU32(std::string_view key,
                                 std::string &error) const;
  std::optional<int32_t> getI32(std::string_view key, std::string &error) const;
  std::optional<uint64_t> getU64(std::string_view key,
                                 std::string &error) const;
  std::optional<int64_t> getI64(std::string_view key, std::string &error) const;
  std::optional<float> getF32(std::string_view key, std::string &error) const;
  std::optional<double> getF64(std::string_view key, std::string &error) const;
  /// Any integer type, widened (see GgufValue::getInteger).
  std::optional<int64_t> getInteger(std::string_view key,
                                    std::string &error) const;
  /// An array whose elements are of `elementType`.
  const GgufValue *getArray(std::string_view key, GgufValueType elementType,
                            std::string &error) const;

  /// Tensor infos, in file order.
  const std::vector<GgufTensor> &tensors() const { return tensorInfos; }
  const GgufTensor *findTensor(std::string_view name) const;

  /// Hands over the mapping (for keeping bound data alive without the
  /// parsed tables); the file must not be used afterwards.
  std::unique_ptr<MappedFile> takeMapping() { return std::move(file); }

private:
  friend class GgufParser;
  GgufFile() = default;
  const GgufValue *lookup(std::string_view key, const char *expected,
                          std::string &error) const;

  std::unique_ptr<MappedFile> file;
  std::string filePath;
  uint32_t fileVersion = 0;
  uint64_t dataAlignment = 32;
  uint64_t dataStart = 0;
  std::vector<GgufKeyValue> kvs;
  std::unordered_map<std::string_view, size_t> kvIndex;
  std::vector<GgufTensor> tensorInfos;
  std::unordered_map<std::string_view, size_t> tensorIndex;
};

} // namespace seqrt

#endif // SEQRT_LIB_GGUF_H
