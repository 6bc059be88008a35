//===- GgufTest.cpp - Tests of the GGUF reader ----------------------------===//
//
// Tests of GgufFile against files written by the gguf Python package
// (Inputs/gen_gguf.py, with goldens next to them), against hostile files
// built or mutated here, and, when SEQC_SMOLLM2_GGUF names it, against the
// real SmolLM2-135M-Instruct Q4_1 file.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "Gguf.h"
#include "Json.h"
#include "seqrt/Artifact.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sys/stat.h>

using namespace seqrt;
using namespace seqrt::test;
using ::testing::HasSubstr;

namespace {
std::string inputPath(const std::string &name) {
  return std::string(SEQRT_TEST_INPUTS_DIR) + "/gguf/" + name;
}

JsonValue readGolden(const std::string &name) {
  JsonValue golden;
  std::string error;
  EXPECT_TRUE(parseJson(readFile(inputPath(name)), golden, error)) << error;
  return golden;
}

std::unique_ptr<GgufFile> openGguf(const std::string &path,
                                   std::string &error) {
  bool isIOError = false;
  return GgufFile::open(path, error, isIOError);
}

//===----------------------------------------------------------------------===//
// Comparing values with the goldens
//===----------------------------------------------------------------------===//

/// Calls `f` with a value of the C++ type of the scalar type `type`.
template <typename F> auto visitScalarType(GgufValueType type, F f) {
  switch (type) {
  case GgufValueType::U8:
    return f(uint8_t{});
  case GgufValueType::I8:
    return f(int8_t{});
  case GgufValueType::U16:
    return f(uint16_t{});
  case GgufValueType::I16:
    return f(int16_t{});
  case GgufValueType::U32:
    return f(uint32_t{});
  case GgufValueType::I32:
    return f(int32_t{});
  case GgufValueType::F32:
    return f(float{});
  case GgufValueType::Bool:
    return f(bool{});
  case GgufValueType::U64:
    return f(uint64_t{});
  case GgufValueType::I64:
    return f(int64_t{});
  case GgufValueType::F64:
    return f(double{});
  default:
    return f(std::string_view{});
  }
}

/// A scalar spelled as the goldens spell it (floats in C's %a).
template <typename T> std::string spell(const std::optional<T> &value) {
  if (!value)
    return "<wrong type>";
  if constexpr (std::is_same_v<T, bool>) {
    return *value ? "true" : "false";
  } else if constexpr (std::is_floating_point_v<T>) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%a", static_cast<double>(*value));
    return buffer;
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return std::string(*value);
  } else {
    return std::to_string(*value);
  }
}

/// A golden scalar in the same spelling (floats come as float.hex()).
std::string spellGolden(const std::string &type, const std::string &text) {
  if (type != "f32" && type != "f64")
    return text;
  return spell(std::optional<double>(std::strtod(text.c_str(), nullptr)));
}

void expectValue(const GgufValue &value, const JsonValue &golden,
                 const std::string &where) {
  const std::string &type = golden.get("type")->getString();
  EXPECT_EQ(ggufValueTypeName(value.type()), type) << where;
  if (type != "array") {
    std::string got = visitScalarType(value.type(), [&](auto tag) {
      return spell(value.get<decltype(tag)>());
    });
    EXPECT_EQ(got, spellGolden(type, golden.get("value")->getString()))
        << where;
    return;
  }
  const std::string &elementType = golden.get("element_type")->getString();
  EXPECT_EQ(ggufValueTypeName(value.elementType()), elementType) << where;
  const std::vector<JsonValue> &values = golden.get("values")->getArray();
  ASSERT_EQ(value.size(), values.size()) << where;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    if (elementType == "array") {
      ASSERT_NE(value.subArray(i), nullptr) << at;
      expectValue(*value.subArray(i), values[i], at);
      continue;
    }
    std::string got = visitScalarType(value.elementType(), [&](auto tag) {
      return spell(value.element<decltype(tag)>(i));
    });
    EXPECT_EQ(got, spellGolden(elementType, values[i].getString())) << at;
  }
}

/// Checks a file written by gen_gguf.py against its golden.
void expectMatchesGolden(const std::string &name) {
  JsonValue golden = readGolden(name + ".json");
  std::string error;
  std::unique_ptr<GgufFile> file = openGguf(inputPath(name + ".gguf"), error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->version(), golden.get("version")->getInt());
  EXPECT_EQ(file->alignment(),
            static_cast<uint64_t>(golden.get("alignment")->getInt()));

  const std::vector<JsonValue> &kvs = golden.get("metadata")->getArray();
  ASSERT_EQ(file->metadata().size(), kvs.size());
  for (size_t i = 0; i < kvs.size(); ++i) {
    const std::string &key = kvs[i].get("key")->getString();
    EXPECT_EQ(file->metadata()[i].key, key);
    ASSERT_NE(file->find(key), nullptr) << key;
    expectValue(*file->find(key), kvs[i], key);
  }

  std::string content = readFile(inputPath(name + ".gguf"));
  const std::vector<JsonValue> &tensors = golden.get("tensors")->getArray();
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const JsonValue &want = tensors[i];
    const GgufTensor &got = file->tensors()[i];
    const std::string &tensorName = want.get("name")->getString();
    SCOPED_TRACE(tensorName);
    EXPECT_EQ(got.name, tensorName);
    EXPECT_EQ(file->findTensor(tensorName), &got);
    EXPECT_EQ(got.type->name, want.get("type")->getString());
    std::vector<int64_t> ne;
    for (const JsonValue &extent : want.get("ne")->getArray())
      ne.push_back(extent.getInt());
    EXPECT_EQ(got.ne, ne);
    EXPECT_EQ(got.shape(), std::vector<int64_t>(ne.rbegin(), ne.rend()));
    EXPECT_EQ(file->dataOffset() + got.offset,
              static_cast<uint64_t>(want.get("data_offset")->getInt()));
    EXPECT_EQ(got.size, static_cast<size_t>(want.get("n_bytes")->getInt()));
    char checksum[17];
    std::snprintf(
        checksum, sizeof(checksum), "%016llx",
        static_cast<unsigned long long>(seqrt::fnv1a64(got.data, got.size)));
    EXPECT_EQ(checksum, want.get("fnv1a64")->getString());
    // The data pointer is where the golden says, in the mapping.
    ASSERT_LE(want.get("data_offset")->getInt() + want.get("n_bytes")->getInt(),
              static_cast<int64_t>(content.size()));
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(got.data), got.size),
              content.substr(want.get("data_offset")->getInt(), got.size));
  }
}

TEST(GgufTest, GgmlTypesMatchTheGgufPackage) {
  JsonValue golden = readGolden("ggml_types.json");
  size_t checked = 0;
  for (const JsonValue::Member &member : golden.getObject()) {
    const std::vector<JsonValue> &sizes = member.second.getArray();
    SCOPED_TRACE(member.first);
    const GgmlTypeInfo *byId = ggmlTypeInfo(sizes[0].getInt());
    ASSERT_NE(byId, nullptr);
    EXPECT_EQ(byId, ggmlTypeByName(member.first));
    EXPECT_EQ(byId->name, member.first);
    EXPECT_EQ(byId->blockElements, sizes[1].getInt());
    // The package's q8_1 is the old two-f32 block; ggml's is two f16.
    EXPECT_EQ(byId->blockBytes,
              member.first == "q8_1" ? 36 : sizes[2].getInt());
    ++checked;
  }
  EXPECT_EQ(checked, ggmlTypes().size());
  EXPECT_EQ(ggmlTypeInfo(4), nullptr); // removed Q4_2
  EXPECT_EQ(ggmlTypeInfo(1000), nullptr);
  EXPECT_EQ(ggmlTypeByName("Q4_1"), nullptr); // lower case only
  EXPECT_FALSE(ggmlTypeInfo(GgmlType::BF16).quantized);
  EXPECT_TRUE(ggmlTypeInfo(GgmlType::Q6_K).quantized);
  EXPECT_EQ(ggmlTypeInfo(GgmlType::Q4_K).blockBytes, 144u);
  EXPECT_EQ(ggmlTypeInfo(GgmlType::Q6_K).blockBytes, 210u);
}

TEST(GgufTest, EveryValueTypeAndTensorMatchesTheGolden) {
  expectMatchesGolden("types");
}

TEST(GgufTest, AlignedFileMatchesTheGolden) { expectMatchesGolden("bind"); }

TEST(GgufTest, TypedLookups) {
  std::string error;
  std::unique_ptr<GgufFile> file = openGguf(inputPath("types.gguf"), error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->getString("general.architecture", error), "test");
  EXPECT_EQ(file->getU32("test.u32", error), 4294967295u);
  EXPECT_EQ(file->getI32("test.i32", error), INT32_MIN);
  EXPECT_EQ(file->getU64("test.u64", error), UINT64_MAX);
  EXPECT_EQ(file->getI64("test.i64", error), INT64_MIN);
  EXPECT_EQ(file->getF32("test.f32", error), 3.14159f);
  EXPECT_EQ(file->getF64("test.f64", error), 2.718281828459045);
  EXPECT_EQ(file->getBool("test.bool_true", error), true);
  EXPECT_EQ(file->getInteger("test.u16", error), 65535);
  EXPECT_EQ(file->getInteger("test.i8", error), -128);

  EXPECT_EQ(file->getU32("test.u64", error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("key 'test.u64' is u64, expected u32"));
  EXPECT_EQ(file->getString("test.arr.string", error), std::nullopt);
  EXPECT_THAT(error,
              HasSubstr("key 'test.arr.string' is array[string], expected "
                        "string"));
  EXPECT_EQ(file->getF32("no.such.key", error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("no key 'no.such.key'"));
  EXPECT_EQ(file->getInteger("test.u64", error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("expected integer"));
  EXPECT_EQ(file->getInteger("test.f32", error), std::nullopt);

  const GgufValue *tokens =
      file->getArray("test.arr.string", GgufValueType::String, error);
  ASSERT_NE(tokens, nullptr) << error;
  EXPECT_EQ(tokens->elements<std::string_view>(),
            (std::vector<std::string_view>{"<s>", "", "\xe2\x96\x81the", "\n",
                                           "\xc3\xa9"}));
  EXPECT_EQ(tokens->element<std::string_view>(5), std::nullopt);
  EXPECT_EQ(tokens->element<int32_t>(0), std::nullopt);
  EXPECT_EQ(file->getArray("test.arr.i32", GgufValueType::U32, error), nullptr);
  EXPECT_THAT(error, HasSubstr("is array[i32], expected array[u32]"));
  const GgufValue *ints =
      file->getArray("test.arr.i32", GgufValueType::I32, error);
  ASSERT_NE(ints, nullptr);
  EXPECT_EQ(ints->elements<int32_t>(),
            (std::vector<int32_t>{-5, 0, 5, 2147483647}));
  EXPECT_EQ(ints->elements<uint32_t>(), std::nullopt);
  const GgufValue *nested = file->find("test.arr.nested3");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->typeName(), "array[array[array[i32]]]");
  ASSERT_NE(nested->subArray(0), nullptr);
  EXPECT_EQ(nested->subArray(2), nullptr);
  EXPECT_EQ(nested->subArray(0)->subArray(1)->elements<int32_t>(),
            (std::vector<int32_t>{2, 3}));

  const GgufTensor *q41 = file->findTensor("t.q4_1");
  ASSERT_NE(q41, nullptr);
  EXPECT_EQ(q41->type->type, GgmlType::Q4_1);
  EXPECT_EQ(q41->rowBytes(), 40u);
  EXPECT_EQ(q41->packedShape(), (std::vector<int64_t>{2, 40}));
  EXPECT_EQ(q41->typeString(), "q4_1 [2, 64]");
  EXPECT_EQ(file->findTensor("t.none"), nullptr);
}

//===----------------------------------------------------------------------===//
// Hostile files
//===----------------------------------------------------------------------===//

std::string le32(uint32_t value) {
  std::string out;
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(value >> (8 * i)));
  return out;
}
std::string le64(uint64_t value) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(value >> (8 * i)));
  return out;
}
std::string ggufString(const std::string &text) {
  return le64(text.size()) + text;
}

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> ne;
  uint32_t type;
  uint64_t offset;
};

/// "GGUF", version, counts, metadata entries (already encoded), tensor
/// infos, padding to `alignment`, then `data`.
std::string buildGguf(const std::vector<std::string> &kvs,
                      const std::vector<TensorSpec> &tensors,
                      const std::string &data, uint32_t version = 3,
                      uint64_t alignment = 32) {
  std::string out =
      "GGUF" + le32(version) + le64(tensors.size()) + le64(kvs.size());
  for (const std::string &kv : kvs)
    out += kv;
  for (const TensorSpec &tensor : tensors) {
    out += ggufString(tensor.name) + le32(tensor.ne.size());
    for (uint64_t extent : tensor.ne)
      out += le64(extent);
    out += le32(tensor.type) + le64(tensor.offset);
  }
  while (out.size() % alignment != 0)
    out.push_back('\0');
  return out + data;
}

std::string kvU32(const std::string &key, uint32_t value) {
  return ggufString(key) + le32(4) + le32(value);
}

class GgufHostileTest : public ::testing::Test {
protected:
  /// Opens `bytes` written to a file; expects a format error containing
  /// `message`.
  void expectRejected(const std::string &bytes, const std::string &message) {
    std::string path = dir.file("hostile.gguf");
    writeFile(path, bytes);
    std::string error;
    bool isIOError = true;
    EXPECT_EQ(GgufFile::open(path, error, isIOError), nullptr);
    EXPECT_FALSE(isIOError);
    EXPECT_THAT(error, HasSubstr("gguf: '" + path + "': "));
    EXPECT_THAT(error, HasSubstr(message));
  }
  std::unique_ptr<GgufFile> expectAccepted(const std::string &bytes) {
    std::string path = dir.file("ok.gguf");
    writeFile(path, bytes);
    std::string error;
    std::unique_ptr<GgufFile> file = openGguf(path, error);
    EXPECT_TRUE(file) << error;
    return file;
  }

  ScratchDir dir;
  /// One f32 [8] tensor.
  std::string data = std::string(32, '\x01');
  TensorSpec tensor{"blk.3.attn_q.weight", {8}, 0, 0};
};

TEST_F(GgufHostileTest, BuilderMakesAValidFile) {
  std::unique_ptr<GgufFile> file =
      expectAccepted(buildGguf({kvU32("a.b", 7)}, {tensor}, data));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->tensors()[0].size, 32u);
  // No tensors and no padding: the data section is empty.
  file = expectAccepted("GGUF" + le32(2) + le64(0) + le64(1) + kvU32("x", 1));
  ASSERT_TRUE(file);
  EXPECT_EQ(file->version(), 2u);
}

TEST_F(GgufHostileTest, TruncatedAtManyLengths) {
  std::string good = readFile(inputPath("types.gguf"));
  std::string error;
  std::unique_ptr<GgufFile> file = openGguf(inputPath("types.gguf"), error);
  ASSERT_TRUE(file) << error;
  // The writer pads after the last tensor; cutting into that padding
  // leaves a valid file.
  size_t end = 0;
  for (const GgufTensor &t : file->tensors())
    end = std::max<size_t>(end, file->dataOffset() + t.offset + t.size);
  // Every length in the header, then a stride coprime to the field sizes,
  // plus both sides of the data section's start and of every tensor's end.
  std::set<size_t> lengths;
  for (size_t length = 0; length < good.size(); length += length < 64 ? 1 : 7)
    lengths.insert(length);
  for (size_t boundary : {static_cast<size_t>(file->dataOffset()), end})
    for (size_t length = boundary - 2; length <= boundary + 1; ++length)
      lengths.insert(length);
  for (const GgufTensor &t : file->tensors())
    lengths.insert(file->dataOffset() + t.offset + t.size - 1);
  std::string path = dir.file("cut.gguf");
  for (size_t length : lengths) {
    writeFile(path, good.substr(0, length));
    bool isIOError = true;
    std::unique_ptr<GgufFile> cut = GgufFile::open(path, error, isIOError);
    if (length >= end) {
      EXPECT_TRUE(cut) << length << ": " << error;
      continue;
    }
    EXPECT_FALSE(cut) << "truncated at " << length;
    EXPECT_FALSE(isIOError);
    if (length < 4) {
      EXPECT_THAT(error, HasSubstr("no \"GGUF\" magic"));
    } else if (length >= file->dataOffset()) {
      EXPECT_THAT(error, HasSubstr("past end of file (size " +
                                   std::to_string(length) + ")"));
    } else {
      EXPECT_THAT(error, ::testing::AnyOf(HasSubstr("truncated"),
                                          HasSubstr("left in the file"),
                                          HasSubstr("cannot fit"),
                                          HasSubstr("starts past the end")))
          << length;
    }
  }
}

/// Reads every byte the file hands out: metadata strings and arrays, and
/// tensor data (under ASan, a byte outside the mapping would be caught).
size_t touchEverything(const GgufFile &file) {
  size_t sum = 0;
  std::function<void(const GgufValue &)> touch = [&](const GgufValue &v) {
    if (std::optional<std::string_view> text = v.get<std::string_view>())
      for (char c : *text)
        sum += static_cast<unsigned char>(c);
    if (!v.isArray())
      return;
    for (uint64_t i = 0; i < v.size(); ++i) {
      if (const GgufValue *sub = v.subArray(i))
        touch(*sub);
      else if (std::optional<std::string_view> text =
                   v.element<std::string_view>(i))
        sum += text->size();
      else if (std::optional<uint64_t> wide = v.element<uint64_t>(i))
        sum += *wide;
      else if (std::optional<uint8_t> byte = v.element<uint8_t>(i))
        sum += *byte;
    }
  };
  for (const GgufKeyValue &kv : file.metadata())
    touch(kv.value);
  for (const GgufTensor &tensor : file.tensors())
    for (size_t i = 0; i < tensor.size; ++i)
      sum += tensor.data[i];
  return sum;
}

TEST_F(GgufHostileTest, RandomByteChangesNeverCrash) {
  std::string good = readFile(inputPath("types.gguf"));
  std::string path = dir.file("mutant.gguf");
  uint64_t state = 8; // a fixed LCG: the same mutants on every run
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  size_t accepted = 0;
  for (int round = 0; round < 300; ++round) {
    std::string mutant = good;
    for (int flips = 1 + next() % 3; flips > 0; --flips) {
      // Mostly the header, metadata and tensor infos, where sizes live.
      size_t at = next() % std::min<size_t>(mutant.size(), 1600);
      mutant[at] = static_cast<char>(next() % 4 == 0 ? 0xff : next());
    }
    writeFile(path, mutant);
    std::string error;
    bool isIOError = false;
    std::unique_ptr<GgufFile> file = GgufFile::open(path, error, isIOError);
    if (file) {
      ++accepted;
      touchEverything(*file);
    } else {
      EXPECT_FALSE(isIOError);
      EXPECT_THAT(error, HasSubstr("gguf: '" + path + "': "));
    }
  }
  // Some mutants only change values or names, and stay valid.
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, 300u);
}

TEST_F(GgufHostileTest, Header) {
  expectRejected("GGML" + le32(3) + le64(0) + le64(0), "no \"GGUF\" magic");
  expectRejected(buildGguf({}, {}, "", 1), "version 1 is not supported");
  expectRejected(buildGguf({}, {}, "", 7), "unsupported GGUF version 7");
  expectRejected(buildGguf({}, {}, "", 0x03000000), "big-endian");
  expectRejected("GGUF" + le32(3) + le64(0), "truncated: header: metadata "
                                             "count at byte 16 needs 8 bytes");
  expectRejected("GGUF" + le32(3) + le64(0) + le64(uint64_t(1) << 62),
                 "metadata count 4611686018427387904 cannot fit");
  expectRejected("GGUF" + le32(3) + le64(UINT64_MAX) + le64(0),
                 "tensor count 18446744073709551615 cannot fit");
}

TEST_F(GgufHostileTest, Metadata) {
  // A key longer than the file.
  expectRejected(buildGguf({le64(uint64_t(1) << 63) + "abc"}, {}, ""),
                 "metadata entry 0: key at byte 24 has length "
                 "9223372036854775808, past the");
  // A string value longer than the file.
  expectRejected(
      buildGguf({ggufString("k") + le32(8) + le64(UINT64_MAX)}, {}, ""),
      "metadata 'k': string at byte 37 has length "
      "18446744073709551615");
  expectRejected(buildGguf({ggufString("k") + le32(13) + le32(0)}, {}, ""),
                 "metadata 'k': unknown value type 13 at byte 33");
  // Arrays: huge counts, unknown element types, nesting too deep.
  expectRejected(
      buildGguf({ggufString("k") + le32(9) + le32(0) + le64(uint64_t(1) << 60)},
                {}, ""),
      "array at byte 37 of 1152921504606846976 u8 elements cannot "
      "fit");
  expectRejected(
      buildGguf({ggufString("k") + le32(9) + le32(8) + le64(UINT64_MAX / 2)},
                {}, ""),
      "string elements cannot fit");
  expectRejected(
      buildGguf({ggufString("k") + le32(9) + le32(99) + le64(1)}, {}, ""),
      "unknown array element type 99");
  std::string nested = ggufString("k") + le32(9);
  for (int depth = 0; depth < 9; ++depth)
    nested += le32(9) + le64(1);
  nested += le32(0) + le64(0);
  expectRejected(buildGguf({nested}, {}, std::string(64, '\0')),
                 "arrays nested more than 8 deep");
  // Duplicates and a bad alignment.
  expectRejected(buildGguf({kvU32("k", 1), kvU32("k", 2)}, {}, ""),
                 "duplicate metadata key 'k'");
  expectRejected(buildGguf({kvU32("general.alignment", 48)}, {}, ""),
                 "metadata 'general.alignment': 48 is not a power of two");
  expectRejected(buildGguf({kvU32("general.alignment", 0)}, {}, ""),
                 "0 is not a power of two");
  expectRejected(
      buildGguf({ggufString("general.alignment") + le32(10) + le64(32)}, {},
                ""),
      "general.alignment': expected u32, found u64");
  // Control bytes in a key are escaped in messages.
  expectRejected(buildGguf({ggufString("a\nb") + le32(77)}, {}, ""),
                 "metadata 'a\\x0ab': unknown value type 77");
}

TEST_F(GgufHostileTest, TensorInfos) {
  TensorSpec fiveDims{"t5", {1, 1, 1, 1, 1}, 0, 0};
  expectRejected(buildGguf({}, {fiveDims}, data),
                 "tensor 't5': n_dims 5 exceeds ggml's maximum of 4");
  TensorSpec unknown = tensor;
  unknown.type = 4;
  expectRejected(buildGguf({}, {unknown}, data),
                 "tensor 'blk.3.attn_q.weight': unknown ggml type id 4");
  unknown.type = 0xffffffff;
  expectRejected(buildGguf({}, {unknown}, data),
                 "unknown ggml type id 4294967295");
  TensorSpec negative{"neg", {uint64_t(-8)}, 0, 0};
  expectRejected(buildGguf({}, {negative}, data),
                 "tensor 'neg': ne[0] is negative (-8)");
  expectRejected(buildGguf({}, {tensor, tensor}, data + data),
                 "duplicate tensor 'blk.3.attn_q.weight'");
  // A tensor name longer than the file.
  std::string bytes = buildGguf({}, {tensor}, data);
  bytes.replace(24, 8, le64(1000));
  expectRejected(bytes, "tensor info 0: name at byte 24 has length 1000");
}

TEST_F(GgufHostileTest, TensorData) {
  TensorSpec pastEnd = tensor;
  pastEnd.offset = 32;
  std::string good = buildGguf({}, {tensor}, data);
  size_t dataStart = good.size() - data.size();
  expectRejected(
      buildGguf({}, {pastEnd}, data),
      "tensor 'blk.3.attn_q.weight': data [" + std::to_string(dataStart + 32) +
          ", " + std::to_string(dataStart + 64) + ") past end of file (size " +
          std::to_string(good.size()) + ")");
  pastEnd.offset = UINT64_MAX - 31; // aligned, but the end overflows
  expectRejected(buildGguf({}, {pastEnd}, data),
                 "data [18446744073709551" /* exact past 2^64 */);
  expectRejected(buildGguf({}, {pastEnd}, data), "past end of file");
  TensorSpec misaligned = tensor;
  misaligned.offset = 8;
  expectRejected(buildGguf({}, {misaligned}, data + data),
                 "tensor 'blk.3.attn_q.weight': data offset 8 is not a "
                 "multiple of the alignment 32");
  // With general.alignment 64, 32 is misaligned.
  TensorSpec at32 = tensor;
  at32.offset = 32;
  expectRejected(buildGguf({kvU32("general.alignment", 64)}, {at32},
                           std::string(128, '\0'), 3, 64),
                 "data offset 32 is not a multiple of the alignment 64");
  // ne products that overflow 64 bits, and one that does not but is huge.
  TensorSpec overflow{"big", {uint64_t(1) << 40, uint64_t(1) << 40}, 0, 0};
  expectRejected(buildGguf({}, {overflow}, data),
                 "tensor 'big': f32 [1099511627776, 1099511627776] has more "
                 "bytes than fit in 64 bits");
  TensorSpec wideRow{"row", {uint64_t(1) << 62}, 0, 0};
  expectRejected(buildGguf({}, {wideRow}, data), "more bytes than fit");
  TensorSpec huge{"huge", {uint64_t(1) << 20, uint64_t(1) << 20}, 0, 0};
  expectRejected(buildGguf({}, {huge}, data), "past end of file");
  // Quantized rows must be whole blocks.
  TensorSpec partialBlock{"q", {48, 2}, 2, 0};
  expectRejected(buildGguf({}, {partialBlock}, std::string(64, '\0')),
                 "tensor 'q': row length ne[0] = 48 is not a multiple of the "
                 "q4_0 block size 32");
  TensorSpec partialSuper{"k", {128}, 12, 0};
  expectRejected(buildGguf({}, {partialSuper}, std::string(256, '\0')),
                 "not a multiple of the q4_k block size 256");
  // Tensor infos whose data section would start past the end.
  std::string noData = buildGguf({}, {tensor}, "", 3, /*alignment=*/1);
  ASSERT_NE(noData.size() % 32, 0u);
  expectRejected(noData, "starts past the end of the file");
}

TEST_F(GgufHostileTest, NotARegularFile) {
  std::string error;
  bool isIOError = false;
  EXPECT_EQ(GgufFile::open(dir.file("missing.gguf"), error, isIOError),
            nullptr);
  EXPECT_TRUE(isIOError);
  EXPECT_THAT(error, HasSubstr("gguf: cannot open"));
  // A FIFO without a writer must not block the open.
  std::string fifo = dir.file("fifo.gguf");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(GgufFile::open(fifo, error, isIOError), nullptr);
  EXPECT_TRUE(isIOError);
  EXPECT_THAT(error, HasSubstr("not a regular file"));
  EXPECT_EQ(GgufFile::open(dir.file(""), error, isIOError), nullptr);
  EXPECT_THAT(error, HasSubstr("not a regular file"));
}

//===----------------------------------------------------------------------===//
// The real model
//===----------------------------------------------------------------------===//

TEST(GgufModelTest, SmolLM2) {
  const char *path = std::getenv("SEQC_SMOLLM2_GGUF");
  if (!path || !*path)
    GTEST_SKIP() << "SEQC_SMOLLM2_GGUF is not set (scripts/fetch-smollm2.sh "
                    "downloads the file)";
  std::string error;
  std::unique_ptr<GgufFile> file = openGguf(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->getString("general.architecture", error), "llama") << error;
  EXPECT_EQ(file->getInteger("llama.block_count", error), 30) << error;
  EXPECT_EQ(file->getInteger("llama.embedding_length", error), 576) << error;
  const GgufValue *tokens =
      file->getArray("tokenizer.ggml.tokens", GgufValueType::String, error);
  ASSERT_NE(tokens, nullptr) << error;
  EXPECT_EQ(tokens->size(), 49152u);
  // 30 blocks of 9 tensors, the token embedding and the output norm.
  EXPECT_EQ(file->tensors().size(), 272u);
  std::map<std::string, size_t> types;
  for (const GgufTensor &tensor : file->tensors())
    ++types[tensor.type->name];
  std::string summary;
  for (const auto &[name, count] : types)
    summary += " " + name + "=" + std::to_string(count);
  std::printf("SmolLM2 GGUF v%u: %zu tensors, %zu metadata keys, types:%s\n",
              file->version(), file->tensors().size(), file->metadata().size(),
              summary.c_str());
  const GgufTensor *embedding = file->findTensor("token_embd.weight");
  ASSERT_NE(embedding, nullptr);
  EXPECT_EQ(embedding->shape(), (std::vector<int64_t>{49152, 576}));
}
} // namespace
