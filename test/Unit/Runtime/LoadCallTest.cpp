//===- LoadCallTest.cpp - Tests of loading and calling artifacts ----------===//
//
// Tests of seqrt_artifact_load, the introspection functions and seqrt_call
// on artifacts built from the hand-written fake model: numeric results,
// input checks, and every shape of result descriptor the ABI allows.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>

using namespace seqrt::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {
/// Loads the fake model (without parameters) for each test.
class LoadCallTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string path = dir.file("fake.seqpkg");
    writeFakeArtifact(path, fakeModelMetadata());
    ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
        << seqrt_last_error();
  }
  void TearDown() override { seqrt_artifact_free(artifact); }

  ScratchDir dir;
  seqrt_artifact *artifact = nullptr;
};

TEST_F(LoadCallTest, Introspection) {
  EXPECT_STREQ(seqrt_artifact_producer(artifact), "hand-written test");
  EXPECT_STREQ(seqrt_artifact_target_kind(artifact), "cpu");
  EXPECT_EQ(seqrt_artifact_target_triple(artifact), hostTriple());
  EXPECT_STREQ(seqrt_artifact_target_cpu(artifact), "generic");
  EXPECT_THAT(seqrt_artifact_metadata(artifact), HasSubstr("\"entries\""));
  EXPECT_EQ(seqrt_artifact_num_entries(artifact), 10u);
  EXPECT_EQ(seqrt_artifact_num_parameters(artifact), 0u);

  size_t entry = 99;
  ASSERT_EQ(seqrt_entry_find(artifact, "transpose", &entry), SEQRT_OK);
  EXPECT_STREQ(seqrt_entry_name(artifact, entry), "transpose");
  EXPECT_EQ(seqrt_entry_num_inputs(artifact, entry), 1u);
  EXPECT_EQ(seqrt_entry_num_outputs(artifact, entry), 1u);
  seqrt_tensor_type type;
  ASSERT_EQ(seqrt_entry_input_type(artifact, entry, 0, &type), SEQRT_OK);
  EXPECT_EQ(type.dtype, SEQRT_DTYPE_F32);
  EXPECT_EQ(type.rank, 2);
  EXPECT_EQ(type.shape[0], 2);
  EXPECT_EQ(type.shape[1], -1);
  ASSERT_EQ(seqrt_entry_output_type(artifact, entry, 0, &type), SEQRT_OK);
  EXPECT_EQ(type.shape[0], -1);
  EXPECT_EQ(type.shape[1], 2);

  ASSERT_EQ(seqrt_entry_find(artifact, "iota", &entry), SEQRT_OK);
  ASSERT_EQ(seqrt_entry_input_type(artifact, entry, 0, &type), SEQRT_OK);
  EXPECT_EQ(type.dtype, SEQRT_DTYPE_I64);
  EXPECT_EQ(type.rank, 0);

  EXPECT_EQ(seqrt_entry_find(artifact, "nope", &entry), SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("no entry 'nope'"));
  EXPECT_EQ(seqrt_entry_input_type(artifact, entry, 5, &type),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_entry_name(artifact, 1000), nullptr);
  EXPECT_EQ(seqrt_entry_num_inputs(artifact, 1000), 0u);
}

TEST_F(LoadCallTest, AddRoundTrip) {
  for (size_t n : {5u, 1u, 33u, 0u}) {
    std::vector<float> a(n), b(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = 0.5f * i;
      b[i] = 100.0f - i;
    }
    seqrt_tensor inputs[2] = {viewF32(a), viewF32(b)};
    seqrt_tensor out;
    ASSERT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1), SEQRT_OK)
        << seqrt_last_error();
    ASSERT_EQ(out.dtype, SEQRT_DTYPE_F32);
    ASSERT_EQ(out.rank, 1);
    ASSERT_EQ(out.shape[0], static_cast<int64_t>(n));
    ASSERT_NE(out.data, nullptr);
    EXPECT_EQ(seqrt_tensor_byte_size(&out), n * sizeof(float));
    std::vector<float> got = toFloats(out);
    for (size_t i = 0; i < n; ++i)
      EXPECT_FLOAT_EQ(got[i], 100.0f - 0.5f * i) << "element " << i;
    seqrt_tensor_free(artifact, &out);
    EXPECT_EQ(out.data, nullptr);
    EXPECT_EQ(out.owner_, nullptr);
    seqrt_tensor_free(artifact, &out); // a second free is a no-op
  }
}

TEST_F(LoadCallTest, RejectsBadInputs) {
  std::vector<float> a = {1, 2, 3}, b = {4, 5, 6};
  seqrt_tensor inputs[2] = {viewF32(a), viewF32(b)};
  seqrt_tensor out;

  EXPECT_EQ(seqrt_call(artifact, "nope", inputs, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("no entry 'nope'"));

  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 1, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("takes 2 inputs, got 1"));

  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 2, nullptr, 0),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("returns 1 outputs"));

  std::vector<int32_t> ints = {1, 2, 3};
  int64_t shape3[1] = {3};
  ASSERT_EQ(
      seqrt_tensor_wrap(SEQRT_DTYPE_I32, 1, shape3, ints.data(), &inputs[1]),
      SEQRT_OK);
  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("entry 'add' input 1: expected dtype f32, got i32"));
  EXPECT_EQ(out.data, nullptr);

  int64_t shape2x3[2] = {1, 3};
  ASSERT_EQ(
      seqrt_tensor_wrap(SEQRT_DTYPE_F32, 2, shape2x3, b.data(), &inputs[1]),
      SEQRT_OK);
  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("input 1: expected rank 1 (f32[?]), got rank 2 "
                        "(f32[1, 3])"));

  // dup takes f32[2]: a static extent.
  EXPECT_EQ(seqrt_call(artifact, "dup", inputs, 1, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  seqrt_tensor dupOut[2];
  EXPECT_EQ(seqrt_call(artifact, "dup", inputs, 1, dupOut, 2),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("entry 'dup' input 0: expected f32[2], got f32[3] "
                        "(extent 0 is 3, not 2)"));

  seqrt_tensor nullData = inputs[0];
  nullData.data = nullptr;
  seqrt_tensor withNull[2] = {nullData, inputs[0]};
  EXPECT_EQ(seqrt_call(artifact, "add", withNull, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("input 0: null data"));

  // Outputs written over the inputs would corrupt them.
  seqrt_tensor both[2] = {inputs[0], inputs[0]};
  EXPECT_EQ(seqrt_call(artifact, "add", both, 2, &both[1], 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("overlaps"));
  EXPECT_EQ(both[1].data, inputs[0].data);

  seqrt_tensor badRank = inputs[0];
  badRank.rank = 9;
  seqrt_tensor withBadRank[2] = {badRank, inputs[0]};
  EXPECT_EQ(seqrt_call(artifact, "add", withBadRank, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("rank 9"));
}

TEST(LoadCall, NonEmptyInputRejectsEmptyTensors) {
  // "nonempty" (seq.nonempty: a prompt) makes an empty input an error of
  // the call, before any code runs; a non-empty one still adds.
  std::string metadata = fakeModelMetadata();
  std::string add = R"("outputs": [{"dtype": "f32", "shape": [-1]}]},)";
  size_t at = metadata.find(add);
  ASSERT_NE(at, std::string::npos);
  metadata.insert(at + add.size() - 2, R"(, "nonempty": [1])");
  ScratchDir dir;
  std::string path = dir.file("nonempty.seqpkg");
  writeFakeArtifact(path, metadata);
  seqrt_artifact *artifact = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
      << seqrt_last_error();
  std::vector<float> none;
  seqrt_tensor inputs[2] = {viewF32(none), viewF32(none)};
  seqrt_tensor out;
  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("entry 'add' input 1 is empty (f32[0]): it is a "
                        "prompt, which needs at least one token"));
  std::vector<float> a = {1, 2}, b = {3, 4};
  inputs[0] = viewF32(a);
  inputs[1] = viewF32(b);
  ASSERT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(static_cast<const float *>(out.data)[1], 6.0f);
  seqrt_tensor_free(artifact, &out);
  seqrt_artifact_free(artifact);

  // A bad index is a metadata error.
  std::string bad = fakeModelMetadata();
  bad.insert(bad.find(add) + add.size() - 2, R"(, "nonempty": [2])");
  writeFakeArtifact(path, bad);
  EXPECT_NE(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("nonempty"));
}

TEST_F(LoadCallTest, NonContiguousResultIsCopied) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6}; // [[1, 2, 3], [4, 5, 6]]
  int64_t shape[2] = {2, 3};
  seqrt_tensor input;
  ASSERT_EQ(seqrt_tensor_wrap(SEQRT_DTYPE_F32, 2, shape, x.data(), &input),
            SEQRT_OK);
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(artifact, "transpose", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(out.rank, 2);
  EXPECT_EQ(out.shape[0], 3);
  EXPECT_EQ(out.shape[1], 2);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(out.data) % 64, 0u);
  EXPECT_THAT(toFloats(out), ElementsAre(1, 4, 2, 5, 3, 6));
  seqrt_tensor_free(artifact, &out);
}

TEST_F(LoadCallTest, ScalarInputAndOffsetResult) {
  int64_t n = 5;
  seqrt_tensor input;
  ASSERT_EQ(seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &n, &input),
            SEQRT_OK);
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(artifact, "iota", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(out.dtype, SEQRT_DTYPE_I32);
  ASSERT_EQ(out.shape[0], 5);
  const auto *values = static_cast<const int32_t *>(out.data);
  EXPECT_THAT(std::vector<int32_t>(values, values + 5),
              ElementsAre(0, 1, 2, 3, 4));
  seqrt_tensor_free(artifact, &out);
}

TEST_F(LoadCallTest, FloatRankZeroIsADescriptor) {
  float x = 41.0f;
  seqrt_tensor input;
  ASSERT_EQ(seqrt_tensor_wrap(SEQRT_DTYPE_F32, 0, nullptr, &x, &input),
            SEQRT_OK);
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(artifact, "scalar_out", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(out.rank, 0);
  EXPECT_EQ(seqrt_tensor_num_elements(&out), 1);
  EXPECT_FLOAT_EQ(*static_cast<float *>(out.data), 42.0f);
  seqrt_tensor_free(artifact, &out);
}

TEST_F(LoadCallTest, SharedResultAllocationIsFreedOnce) {
  std::vector<float> x = {1.5f, -3};
  seqrt_tensor input = viewF32(x);
  seqrt_tensor outs[2];
  ASSERT_EQ(seqrt_call(artifact, "dup", &input, 1, outs, 2), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(toFloats(outs[0]), ElementsAre(3, -6));
  EXPECT_THAT(toFloats(outs[1]), ElementsAre(3, -6));
  EXPECT_EQ(outs[0].data, outs[1].data);
  // Freed in either order, the buffer goes once (ASan checks).
  seqrt_tensor_free(artifact, &outs[1]);
  EXPECT_THAT(toFloats(outs[0]), ElementsAre(3, -6));
  seqrt_tensor_free(artifact, &outs[0]);
}

TEST_F(LoadCallTest, EntryWithoutResultsGetsInputsFirst) {
  std::vector<float> x = {0, 0, 0};
  seqrt_tensor input = viewF32(x);
  ASSERT_EQ(seqrt_call(artifact, "fill", &input, 1, nullptr, 0), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(x, ElementsAre(7, 7, 7));
}

TEST_F(LoadCallTest, BorrowedResultsAreCopiedNotFreed) {
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(artifact, "constant", nullptr, 0, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(toFloats(out), ElementsAre(1.5f, -2.5f));
  seqrt_tensor_free(artifact, &out);

  std::vector<float> x = {1, 2, 3};
  seqrt_tensor input = viewF32(x);
  ASSERT_EQ(seqrt_call(artifact, "echo", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_NE(out.data, x.data());
  EXPECT_THAT(toFloats(out), ElementsAre(1, 2, 3));
  seqrt_tensor_free(artifact, &out);
}

TEST_F(LoadCallTest, ResultsOutliveTheArtifact) {
  std::vector<float> a = {1, 2}, b = {3, 4};
  seqrt_tensor inputs[2] = {viewF32(a), viewF32(b)};
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1), SEQRT_OK);
  seqrt_artifact_free(artifact);
  artifact = nullptr;
  EXPECT_THAT(toFloats(out), ElementsAre(4, 6));
  seqrt_tensor_free(nullptr, &out); // __seq_free is still loaded
}

TEST_F(LoadCallTest, ArtifactsLoadIndependently) {
  // A second copy of the same code loads as a separate object.
  std::string path = dir.file("fake.seqpkg");
  seqrt_artifact *second = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &second), SEQRT_OK)
      << seqrt_last_error();
  std::vector<float> a = {1}, b = {2};
  seqrt_tensor inputs[2] = {viewF32(a), viewF32(b)};
  seqrt_tensor out;
  ASSERT_EQ(seqrt_call(second, "add", inputs, 2, &out, 1), SEQRT_OK);
  EXPECT_THAT(toFloats(out), ElementsAre(3));
  seqrt_tensor_free(second, &out);
  seqrt_artifact_free(second);
  // Load, free and load again: no stale object is handed back.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(seqrt_artifact_load(path.c_str(), &second), SEQRT_OK)
        << seqrt_last_error();
    seqrt_artifact_free(second);
  }
}

TEST(Tensor, AllocIsZeroedAndAligned) {
  int64_t shape[3] = {2, 3, 5};
  seqrt_tensor tensor;
  ASSERT_EQ(seqrt_tensor_alloc(SEQRT_DTYPE_F64, 3, shape, &tensor), SEQRT_OK);
  EXPECT_EQ(seqrt_tensor_num_elements(&tensor), 30);
  EXPECT_EQ(seqrt_tensor_byte_size(&tensor), 240u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data) % 64, 0u);
  const auto *bytes = static_cast<const unsigned char *>(tensor.data);
  for (size_t i = 0; i < 240; ++i)
    ASSERT_EQ(bytes[i], 0) << "byte " << i;
  seqrt_tensor_free(nullptr, &tensor);

  ASSERT_EQ(seqrt_tensor_alloc(SEQRT_DTYPE_I8, 0, nullptr, &tensor), SEQRT_OK);
  EXPECT_EQ(seqrt_tensor_num_elements(&tensor), 1);
  seqrt_tensor_free(nullptr, &tensor);

  int64_t negative[1] = {-1};
  EXPECT_EQ(seqrt_tensor_alloc(SEQRT_DTYPE_F32, 1, negative, &tensor),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("negative extent"));
  int64_t huge[2] = {INT64_MAX / 2, 4};
  EXPECT_EQ(seqrt_tensor_alloc(SEQRT_DTYPE_F32, 2, huge, &tensor),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_tensor_alloc(static_cast<seqrt_dtype>(42), 1, shape, &tensor),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("invalid dtype"));
}

TEST(Tensor, DtypeNames) {
  seqrt_dtype dtype;
  for (const char *name :
       {"f32", "f16", "bf16", "f64", "i1", "i8", "i32", "i64"}) {
    ASSERT_EQ(seqrt_dtype_parse(name, &dtype), SEQRT_OK) << name;
    EXPECT_STREQ(seqrt_dtype_name(dtype), name);
  }
  EXPECT_EQ(seqrt_dtype_size(SEQRT_DTYPE_BF16), 2u);
  EXPECT_EQ(seqrt_dtype_size(SEQRT_DTYPE_I1), 1u);
  EXPECT_EQ(seqrt_dtype_parse("f8", &dtype), SEQRT_ERROR_ARGUMENT);
  EXPECT_STREQ(seqrt_status_name(SEQRT_ERROR_CHECKSUM), "SEQRT_ERROR_CHECKSUM");
}
} // namespace
