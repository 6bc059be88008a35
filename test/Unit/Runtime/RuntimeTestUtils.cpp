//===- RuntimeTestUtils.cpp - Helpers for the runtime unit tests ----------===//
//
// This file implements the shared helpers of the runtime unit tests.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "AbiRecord.h"
#include "seqrt/Artifact.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace seqrt::test;

ScratchDir::ScratchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "seqrt-test-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    ADD_FAILURE() << "mkdtemp failed: " << strerror(errno);
  path = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

std::string ScratchDir::file(const std::string &name) const {
  return path + "/" + name;
}

std::string seqrt::test::readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void seqrt::test::writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

namespace {
/// The initializer of the fake model's `char __seq_abi[4096]`.
constexpr char kAbiPlaceholder[] = "@SEQ_ABI_RECORD@";
constexpr size_t kAbiRecordCapacity = 4096;
} // namespace

const std::string &seqrt::test::fakeModelCode() {
  static const std::string code = readFile(SEQRT_FAKE_MODEL_PATH);
  return code;
}

std::string seqrt::test::fakeModelCode(const std::string &metadata) {
  std::string code = fakeModelCode();
  seqrt::Metadata parsed;
  std::string error;
  if (!seqrt::parseMetadata(metadata, parsed, error))
    return code;
  std::string record = seqrt::encodeAbiRecord(parsed);
  size_t at = code.find(kAbiPlaceholder);
  EXPECT_NE(at, std::string::npos) << "no ABI record placeholder";
  EXPECT_LT(record.size(), kAbiRecordCapacity) << "ABI record too long";
  if (at == std::string::npos || record.size() >= kAbiRecordCapacity)
    return code;
  record.resize(kAbiRecordCapacity, '\0');
  code.replace(at, kAbiRecordCapacity, record);
  return code;
}

std::string seqrt::test::hostTriple() {
#if defined(__x86_64__)
  return "x86_64-unknown-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-unknown-linux-gnu";
#else
  return "unknown-unknown-linux-gnu";
#endif
}

std::string seqrt::test::fakeModelMetadata(const std::string &parameters,
                                           const std::string &target,
                                           const std::string &extraEntries) {
  std::string targetJson = target.empty()
                               ? R"({"kind": "cpu", "triple": ")" +
                                     hostTriple() + R"(", "cpu": "generic"})"
                               : target;
  return R"({
  "format_version": 1,
  "producer": "hand-written test",
  "target": )" +
         targetJson + R"(,
  "parameters": )" +
         parameters + R"(,
  "entries": [
    {"name": "add", "function": "__seq_packed_add",
     "inputs": [{"dtype": "f32", "shape": [-1]},
                {"dtype": "f32", "shape": [-1]}],
     "outputs": [{"dtype": "f32", "shape": [-1]}]},
    {"name": "transpose", "function": "__seq_packed_transpose",
     "inputs": [{"dtype": "f32", "shape": [2, -1]}],
     "outputs": [{"dtype": "f32", "shape": [-1, 2]}]},
    {"name": "iota", "function": "__seq_packed_iota",
     "inputs": [{"dtype": "i64", "shape": []}],
     "outputs": [{"dtype": "i32", "shape": [-1]}]},
    {"name": "dup", "function": "__seq_packed_dup",
     "inputs": [{"dtype": "f32", "shape": [2]}],
     "outputs": [{"dtype": "f32", "shape": [2]},
                 {"dtype": "f32", "shape": [2]}]},
    {"name": "fill", "function": "__seq_packed_fill",
     "inputs": [{"dtype": "f32", "shape": [3]}],
     "outputs": []},
    {"name": "constant", "function": "__seq_packed_constant",
     "inputs": [],
     "outputs": [{"dtype": "f32", "shape": [2]}]},
    {"name": "echo", "function": "__seq_packed_echo",
     "inputs": [{"dtype": "f32", "shape": [3]}],
     "outputs": [{"dtype": "f32", "shape": [3]}]},
    {"name": "scalar_out", "function": "__seq_packed_scalar_out",
     "inputs": [{"dtype": "f32", "shape": []}],
     "outputs": [{"dtype": "f32", "shape": []}]},
    {"name": "scale", "function": "__seq_packed_scale",
     "inputs": [{"dtype": "f32", "shape": [4]}],
     "outputs": [{"dtype": "f32", "shape": [4]}]},
    {"name": "lookup", "function": "__seq_packed_lookup",
     "inputs": [{"dtype": "i64", "shape": []}],
     "outputs": [{"dtype": "f32", "shape": [1]}]})" +
         (extraEntries.empty() ? "" : ",\n    " + extraEntries) + R"(
  ]
})";
}

std::string seqrt::test::fakeModelParameters() {
  return R"([
    {"symbol": "w", "key": "model.w", "dtype": "f32", "shape": [4],
     "global": "__seq_param_w"},
    {"symbol": "b", "key": "model.b", "dtype": "f32", "shape": [2],
     "global": "__seq_param_b"}
  ])";
}

void seqrt::test::writeFakeArtifact(const std::string &path,
                                    const std::string &metadata) {
  std::string error;
  ASSERT_TRUE(
      seqrt::writeArtifact(path, metadata, fakeModelCode(metadata), error))
      << error;
}

std::string
seqrt::test::safetensorsBytes(const std::vector<SafetensorsEntry> &entries,
                              size_t dataMisalignment) {
  std::string header = "{";
  std::string data;
  for (const SafetensorsEntry &entry : entries) {
    if (header.size() > 1)
      header += ", ";
    header += "\"" + entry.name + "\": {\"dtype\": \"" + entry.dtype +
              "\", \"shape\": [";
    for (size_t i = 0; i < entry.shape.size(); ++i)
      header += (i ? ", " : "") + std::to_string(entry.shape[i]);
    header += "], \"data_offsets\": [" + std::to_string(data.size()) + ", " +
              std::to_string(data.size() + entry.data.size()) + "]}";
    data += entry.data;
  }
  header += "}";
  // Real files pad the header so that the data is 8-byte aligned.
  while ((8 + header.size()) % 8 != dataMisalignment % 8)
    header += ' ';
  std::string out;
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string seqrt::test::floatBytes(const std::vector<float> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float));
}

seqrt_tensor seqrt::test::viewF32(std::vector<float> &values) {
  seqrt_tensor tensor;
  int64_t shape[1] = {static_cast<int64_t>(values.size())};
  EXPECT_EQ(
      seqrt_tensor_wrap(SEQRT_DTYPE_F32, 1, shape, values.data(), &tensor),
      SEQRT_OK);
  return tensor;
}

std::vector<float> seqrt::test::toFloats(const seqrt_tensor &tensor) {
  EXPECT_EQ(tensor.dtype, SEQRT_DTYPE_F32);
  const auto *data = static_cast<const float *>(tensor.data);
  return std::vector<float>(data, data + seqrt_tensor_num_elements(&tensor));
}
