//===- NpyTest.cpp - Tests of the .npy reader and writer ------------------===//
//
// Tests of runtime/lib/Npy.h.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "Npy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>

using namespace seqrt;
using namespace seqrt::test;
using ::testing::HasSubstr;

namespace {
/// A .npy file with a version-1 header holding `dict`, then `data`.
std::string npyBytes(const std::string &dict, const std::string &data,
                     int version = 1) {
  std::string header = dict + "\n";
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(version));
  out.push_back(0);
  size_t length = header.size();
  for (int i = 0; i < (version == 1 ? 2 : 4); ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return out + header + data;
}

template <typename T>
void expectRoundTrip(seqrt_dtype dtype, std::vector<int64_t> shape,
                     const std::vector<T> &values, const char *descr) {
  seqrt_tensor tensor;
  ASSERT_EQ(seqrt_tensor_alloc(dtype, static_cast<int32_t>(shape.size()),
                               shape.data(), &tensor),
            SEQRT_OK);
  ASSERT_EQ(seqrt_tensor_byte_size(&tensor), values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(tensor.data, values.data(), values.size() * sizeof(T));

  ScratchDir dir;
  std::string path = dir.file("t.npy"), error;
  ASSERT_TRUE(writeNpy(path, tensor, error)) << error;
  std::string bytes = readFile(path);
  EXPECT_THAT(bytes, HasSubstr(std::string("'descr': '") + descr + "'"));
  // The data starts 64-byte aligned, as NumPy writes it.
  EXPECT_EQ((bytes.size() - values.size() * sizeof(T)) % 64, 0u);

  seqrt_tensor back;
  ASSERT_TRUE(readNpy(path, back, error, dtype)) << error;
  EXPECT_EQ(back.dtype, dtype);
  ASSERT_EQ(back.rank, static_cast<int32_t>(shape.size()));
  for (size_t d = 0; d < shape.size(); ++d)
    EXPECT_EQ(back.shape[d], shape[d]);
  ASSERT_EQ(seqrt_tensor_byte_size(&back), values.size() * sizeof(T));
  if (!values.empty()) {
    EXPECT_EQ(std::memcmp(back.data, values.data(), values.size() * sizeof(T)),
              0);
  }
  seqrt_tensor_free(nullptr, &back);
  seqrt_tensor_free(nullptr, &tensor);
}

TEST(Npy, RoundTrips) {
  expectRoundTrip<float>(SEQRT_DTYPE_F32, {2, 3}, {1, -2, 3.5f, 4, 5, 6e-7f},
                         "<f4");
  expectRoundTrip<int32_t>(SEQRT_DTYPE_I32, {4}, {1, -2, INT32_MAX, 0}, "<i4");
  expectRoundTrip<int64_t>(SEQRT_DTYPE_I64, {}, {INT64_MIN}, "<i8");
  expectRoundTrip<int64_t>(SEQRT_DTYPE_I64, {2, 0, 3}, {}, "<i8");
  expectRoundTrip<double>(SEQRT_DTYPE_F64, {1, 1, 2}, {0.1, -1e300}, "<f8");
  expectRoundTrip<uint8_t>(SEQRT_DTYPE_I1, {3}, {1, 0, 1}, "|b1");
  expectRoundTrip<int8_t>(SEQRT_DTYPE_I8, {2}, {-128, 127}, "|i1");
  expectRoundTrip<uint16_t>(SEQRT_DTYPE_F16, {2}, {0x3c00, 0xc000}, "<f2");
  expectRoundTrip<uint16_t>(SEQRT_DTYPE_BF16, {2}, {0x3f80, 0xc000}, "<u2");
}

TEST(Npy, ReadsNumPyHeaders) {
  seqrt_tensor tensor;
  std::string error;
  // Version 2, a 1-D shape with a trailing comma, extra spaces.
  std::string bytes =
      npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }    ",
               std::string("\1\0\0\0\2\0\0\0\3\0\0\0", 12), 2);
  ASSERT_TRUE(parseNpy(bytes, tensor, error)) << error;
  EXPECT_EQ(tensor.dtype, SEQRT_DTYPE_I32);
  EXPECT_EQ(tensor.rank, 1);
  EXPECT_EQ(tensor.shape[0], 3);
  EXPECT_EQ(static_cast<int32_t *>(tensor.data)[2], 3);
  seqrt_tensor_free(nullptr, &tensor);

  // Keys in another order, a scalar.
  bytes = npyBytes("{'shape': (), 'fortran_order': False, 'descr': '<f8'}",
                   std::string(8, '\0'));
  ASSERT_TRUE(parseNpy(bytes, tensor, error)) << error;
  EXPECT_EQ(tensor.rank, 0);
  seqrt_tensor_free(nullptr, &tensor);
}

TEST(Npy, Bf16FromUint16OnlyWhenExpected) {
  std::string bytes =
      npyBytes("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }",
               std::string("\x80\x3f", 2));
  seqrt_tensor tensor;
  std::string error;
  EXPECT_FALSE(parseNpy(bytes, tensor, error));
  EXPECT_THAT(error, HasSubstr("unsupported dtype '<u2'"));
  ASSERT_TRUE(parseNpy(bytes, tensor, error, SEQRT_DTYPE_BF16)) << error;
  EXPECT_EQ(tensor.dtype, SEQRT_DTYPE_BF16);
  seqrt_tensor_free(nullptr, &tensor);
}

TEST(Npy, Rejections) {
  seqrt_tensor tensor;
  std::string error;
  auto rejects = [&](const std::string &bytes, const std::string &message) {
    EXPECT_FALSE(parseNpy(bytes, tensor, error)) << message;
    EXPECT_THAT(error, HasSubstr(message));
    EXPECT_EQ(tensor.data, nullptr);
  };
  std::string f4 = std::string(16, '\0');
  rejects("NUMPY", "bad magic");
  rejects(std::string("\x93NUMPX\1\0\0\0", 10), "bad magic");
  rejects(
      npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (4,)}", f4),
      "fortran_order arrays are not supported");
  rejects(
      npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", f4),
      "unsupported dtype '<c8'");
  rejects(
      npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (4,)}", f4),
      "big-endian");
  rejects(npyBytes("{'descr': '<f4', 'shape': (4,)}", f4),
          "needs 'descr', 'fortran_order' and 'shape'");
  rejects(
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': [4]}", f4),
      "'shape' must be a tuple");
  rejects(
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)", f4),
      "malformed header");
  rejects(npyBytes("garbage", f4), "malformed header: expected '{'");
  rejects(
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", f4),
      "data size mismatch");
  std::string truncated =
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", f4);
  rejects(truncated.substr(0, 20), "truncated .npy header");
  std::string version9 = truncated;
  version9[6] = 9;
  rejects(version9, "unsupported .npy format version 9");

  ScratchDir dir;
  EXPECT_FALSE(readNpy(dir.file("missing.npy"), tensor, error));
  EXPECT_THAT(error, HasSubstr("cannot open"));
}
} // namespace
