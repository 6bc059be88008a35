//===- GgufBindTest.cpp - Tests of binding parameters from GGUF -----------===//
//
// Tests of seqrt_bind_gguf and seqrt_bind_weights with Inputs/gguf/bind.gguf
// (written by the gguf Python package, see Inputs/gen_gguf.py) and the fake
// model, extended with a q4_1-encoded i8 parameter q and an f16 parameter
// h, and of the "encoding" field of parameters in the metadata.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "Gguf.h"
#include "seqrt/Artifact.h"
#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace seqrt::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {
const char *const kBindGguf = SEQRT_TEST_INPUTS_DIR "/gguf/bind.gguf";

/// bind.gguf holds model.q as q4_1 with ne [64, 2] (row-major [2, 64],
/// two rows of two 20-byte blocks).
std::string parameter(const std::string &symbol, const std::string &key,
                      const std::string &dtype, const std::string &shape,
                      const std::string &encoding = "") {
  return R"({"symbol": ")" + symbol + R"(", "key": ")" + key +
         R"(", "dtype": ")" + dtype + R"(", "shape": )" + shape +
         R"(, "global": "__seq_param_)" + symbol + "\"" +
         (encoding.empty() ? "" : R"(, "encoding": ")" + encoding + "\"") + "}";
}

const char *const kExtraEntries =
    R"({"name": "qbytes", "function": "__seq_packed_qbytes",
     "inputs": [{"dtype": "i64", "shape": []}],
     "outputs": [{"dtype": "i32", "shape": [-1]}]},
    {"name": "hbits", "function": "__seq_packed_hbits",
     "inputs": [], "outputs": [{"dtype": "i32", "shape": [3]}]})";

class GgufBindTest : public ::testing::Test {
protected:
  bool ignoreUnused = true;
  void TearDown() override { seqrt_artifact_free(artifact); }

  /// Loads the fake model with parameters w, b and `q` (the q parameter's
  /// JSON), and h unless `q` is about h.
  seqrt_status load(const std::string &q,
                    const std::string &h = parameter("h", "model.h", "f16",
                                                     "[3]")) {
    seqrt_artifact_free(artifact);
    artifact = nullptr;
    std::string params = "[" + parameter("w", "model.w", "f32", "[4]") + ", " +
                         parameter("b", "model.b", "f32", "[2]") + ", " + q +
                         ", " + h + "]";
    std::string path = dir.file("fake.seqpkg");
    std::string error;
    std::string metadata = fakeModelMetadata(params, "", kExtraEntries);
    // bind.gguf also holds model.unused, which no parameter takes: listed
    // as ignored on purpose, as an importer lists what it leaves out.
    if (ignoreUnused)
      metadata.insert(1, R"("ignored_weights": ["model.unused"], )");
    EXPECT_TRUE(
        seqrt::writeArtifact(path, metadata, fakeModelCode(metadata), error))
        << error;
    return seqrt_artifact_load(path.c_str(), &artifact);
  }

  std::string goodQ() {
    return parameter("q", "model.q", "i8", "[2, 40]", "q4_1");
  }

  /// Binds bind.gguf, expecting a binding error that contains `message`,
  /// and checks that nothing was bound.
  void expectMismatch(const std::string &message) {
    EXPECT_EQ(seqrt_bind_gguf(artifact, kBindGguf), SEQRT_ERROR_BINDING);
    EXPECT_THAT(seqrt_last_error(), HasSubstr(message));
    EXPECT_THAT(seqrt_last_error(), HasSubstr(kBindGguf));
    for (size_t i = 0; i < seqrt_artifact_num_parameters(artifact); ++i)
      EXPECT_EQ(seqrt_parameter_is_bound(artifact, i), 0) << i;
  }

  std::vector<int32_t> callInts(const char *entry, const seqrt_tensor *inputs,
                                size_t numInputs) {
    seqrt_tensor out;
    EXPECT_EQ(seqrt_call(artifact, entry, inputs, numInputs, &out, 1), SEQRT_OK)
        << seqrt_last_error();
    const auto *data = static_cast<const int32_t *>(out.data);
    std::vector<int32_t> values(data, data + seqrt_tensor_num_elements(&out));
    seqrt_tensor_free(artifact, &out);
    return values;
  }

  ScratchDir dir;
  seqrt_artifact *artifact = nullptr;
};

TEST_F(GgufBindTest, EncodingIsIntrospected) {
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  EXPECT_STREQ(seqrt_parameter_encoding(artifact, 0), "");
  EXPECT_STREQ(seqrt_parameter_encoding(artifact, 2), "q4_1");
  EXPECT_EQ(seqrt_parameter_encoding(artifact, 4), nullptr);
}

/// Without "ignored_weights", the file's model.unused is an extra tensor:
/// the bind fails naming it and binds nothing.
TEST_F(GgufBindTest, UnusedTensorIsReportedByName) {
  ignoreUnused = false;
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  EXPECT_EQ(seqrt_bind_gguf(artifact, kBindGguf), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr(std::string("tensor 'model.unused' in '") + kBindGguf +
                        "' is not a parameter of the artifact"));
  for (size_t i = 0; i < seqrt_artifact_num_parameters(artifact); ++i)
    EXPECT_EQ(seqrt_parameter_is_bound(artifact, i), 0) << i;
  seqrt_allow_extra_weights(artifact, 1);
  ASSERT_EQ(seqrt_bind_weights(artifact, kBindGguf), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(seqrt_num_extra_weights(artifact), 1u);
  EXPECT_STREQ(seqrt_extra_weight(artifact, 0), "model.unused");
}

TEST_F(GgufBindTest, BindAndCall) {
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  ASSERT_EQ(seqrt_bind_gguf(artifact, kBindGguf), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK) << seqrt_last_error();

  // f32 parameters, through the fake model's scale.
  std::vector<float> x = {1, 2, 3, 4};
  seqrt_tensor input = viewF32(x), out;
  ASSERT_EQ(seqrt_call(artifact, "scale", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(toFloats(out), ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
  seqrt_tensor_free(artifact, &out);

  // f16: 1, -2 and 0.5.
  EXPECT_THAT(callInts("hbits", nullptr, 0),
              ElementsAre(0x3c00, 0xc000, 0x3800));

  // The q4_1 blocks, byte for byte as the file holds them.
  std::string error;
  bool isIOError = false;
  std::unique_ptr<seqrt::GgufFile> file =
      seqrt::GgufFile::open(kBindGguf, error, isIOError);
  ASSERT_TRUE(file) << error;
  const seqrt::GgufTensor *q = file->findTensor("model.q");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->size, 80u);
  std::vector<int32_t> want(q->data, q->data + q->size);
  for (int32_t &byte : want)
    byte = static_cast<int8_t>(byte);
  int64_t n = 80;
  seqrt_tensor count;
  ASSERT_EQ(seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &n, &count),
            SEQRT_OK);
  EXPECT_EQ(callInts("qbytes", &count, 1), want);
}

TEST_F(GgufBindTest, WrongEncodingOrShapeIsRejected) {
  ASSERT_EQ(load(parameter("q", "model.q", "i8", "[2, 36]", "q4_0")), SEQRT_OK)
      << seqrt_last_error();
  expectMismatch("parameter 'model.q' (symbol 'q'): expected q4_0-encoded "
                 "i8[2, 36] (q4_0 [2, 64]), found q4_1 [2, 64] (i8[2, 40] "
                 "packed) in '");

  ASSERT_EQ(load(parameter("q", "model.q", "i8", "[4, 20]", "q4_1")), SEQRT_OK);
  expectMismatch("expected q4_1-encoded i8[4, 20] (q4_1 [4, 32]), found q4_1 "
                 "[2, 64] (i8[2, 40] packed)");

  // The raw bytes without an encoding, or the logical f32 shape.
  ASSERT_EQ(load(parameter("q", "model.q", "i8", "[2, 40]")), SEQRT_OK);
  expectMismatch("expected i8[2, 40], found q4_1 [2, 64] (i8[2, 40] packed); "
                 "a quantized tensor binds only to an i8 parameter with "
                 "encoding 'q4_1'");
  ASSERT_EQ(load(parameter("q", "model.q", "f32", "[2, 64]")), SEQRT_OK);
  expectMismatch("expected f32[2, 64], found q4_1 [2, 64]");
}

TEST_F(GgufBindTest, PlainTensorMismatchesAreRejected) {
  // An encoded parameter bound to an f16 tensor.
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "i8", "[1, 34]", "q8_0")),
            SEQRT_OK)
      << seqrt_last_error();
  expectMismatch("parameter 'model.h' (symbol 'h'): expected q8_0-encoded "
                 "i8[1, 34] (q8_0 [1, 32]), found f16 [3], which is not "
                 "quantized");
  // dtype and shape must match exactly (ne reversed).
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "f32", "[3]")), SEQRT_OK);
  expectMismatch("expected f32[3], found f16 [3]");
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "f16", "[3, 1]")),
            SEQRT_OK);
  expectMismatch("expected f16[3, 1], found f16 [3]");
}

TEST_F(GgufBindTest, HalfTensorBindsAsRawBytes) {
  // model.h (f16 [3]) as an f16-encoded i8[6]: the same bytes.
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "i8", "[6]", "f16")),
            SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(seqrt_bind_gguf(artifact, kBindGguf), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(callInts("hbits", nullptr, 0),
              ElementsAre(0x3c00, 0xc000, 0x3800));
}

TEST_F(GgufBindTest, HalfTensorMismatchesAreRejected) {
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "i8", "[4]", "f16")),
            SEQRT_OK)
      << seqrt_last_error();
  expectMismatch("parameter 'model.h' (symbol 'h'): expected f16-encoded "
                 "i8[4] (f16 [2]), found f16 [3] (i8[6] packed)");
  // The encoding must name the tensor's own type.
  ASSERT_EQ(load(goodQ(), parameter("h", "model.h", "i8", "[6]", "bf16")),
            SEQRT_OK);
  expectMismatch("expected bf16-encoded i8[6] (bf16 [3]), found f16 [3], "
                 "which is not quantized");
}

TEST_F(GgufBindTest, SafetensorsCannotBindAnEncodedParameter) {
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  std::string path = dir.file("q.safetensors");
  writeFile(path, safetensorsBytes(
                      {{"model.q", "I8", {2, 40}, std::string(80, 'x')},
                       {"model.w", "F32", {4}, floatBytes({1, 2, 3, 4})}}));
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("parameter 'model.q' (symbol 'q'): expected "
                        "q4_1-encoded i8[2, 40] (q4_1 [2, 64]), which only a "
                        "GGUF tensor binds to; found I8[2, 40] in safetensors "
                        "file '" +
                        path + "'"));
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 0);
}

TEST_F(GgufBindTest, BindWeightsPicksTheFormatByMagic) {
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  // A GGUF file under a safetensors name, and the other way round.
  std::string gguf = dir.file("model.safetensors");
  writeFile(gguf, readFile(kBindGguf));
  std::string safetensors = dir.file("model.gguf");
  writeFile(
      safetensors,
      safetensorsBytes({{"model.w", "F32", {4}, floatBytes({1, 1, 1, 1})}}));
  ASSERT_EQ(seqrt_bind_weights(artifact, gguf.c_str()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK);
  ASSERT_EQ(seqrt_bind_weights(artifact, safetensors.c_str()), SEQRT_OK)
      << seqrt_last_error();
  std::vector<float> x = {1, 2, 3, 4};
  seqrt_tensor input = viewF32(x), out;
  ASSERT_EQ(seqrt_call(artifact, "scale", &input, 1, &out, 1), SEQRT_OK);
  EXPECT_THAT(toFloats(out), ElementsAre(1.5f, 1.5f, 3.5f, 3.5f));
  seqrt_tensor_free(artifact, &out);

  EXPECT_EQ(seqrt_bind_weights(artifact, dir.file("none").c_str()),
            SEQRT_ERROR_IO);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("cannot open"));
}

TEST_F(GgufBindTest, MalformedGgufIsRejected) {
  ASSERT_EQ(load(goodQ()), SEQRT_OK) << seqrt_last_error();
  EXPECT_EQ(seqrt_bind_gguf(artifact, dir.file("none.gguf").c_str()),
            SEQRT_ERROR_IO);
  std::string bytes = readFile(kBindGguf);
  std::string path = dir.file("short.gguf");
  writeFile(path, bytes.substr(0, bytes.size() - 100));
  EXPECT_EQ(seqrt_bind_gguf(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("past end of file"));
  EXPECT_EQ(seqrt_bind_weights(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 0);
}

TEST_F(GgufBindTest, BadEncodingsInTheMetadata) {
  EXPECT_EQ(load(parameter("q", "model.q", "i8", "[2, 40]", "q4_2")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("parameters[2].encoding: unknown encoding 'q4_2'"));
  EXPECT_EQ(load(parameter("q", "model.q", "i8", "[2, 40]", "Q4_1")),
            SEQRT_ERROR_FORMAT);
  EXPECT_EQ(load(parameter("q", "model.q", "f32", "[2, 40]", "f32")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("unknown encoding 'f32'"));
  EXPECT_EQ(load(parameter("q", "model.q", "f16", "[2, 40]", "f16")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("a f16-encoded parameter holds raw bytes and must "
                        "be i8, not f16[2, 40]"));
  EXPECT_EQ(load(parameter("q", "model.q", "i8", "[2, 41]", "bf16")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("i8[2, 41] is not rows of whole bf16 blocks (2 bytes "
                        "each)"));
  EXPECT_EQ(load(parameter("q", "model.q", "f32", "[2, 40]", "q4_1")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("a q4_1-encoded parameter holds raw bytes and must "
                        "be i8, not f32[2, 40]"));
  EXPECT_EQ(load(parameter("q", "model.q", "i8", "[2, 30]", "q4_1")),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("i8[2, 30] is not rows of whole q4_1 blocks (20 bytes "
                        "each)"));
  EXPECT_EQ(load(R"({"symbol": "q", "key": "model.q", "dtype": "i8",
                     "shape": [2, 40], "global": "__seq_param_q",
                     "encoding": 5})"),
            SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("parameters[2].encoding: expected string"));
}
} // namespace
