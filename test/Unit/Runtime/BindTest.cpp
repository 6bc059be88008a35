//===- BindTest.cpp - Tests of binding parameters -------------------------===//
//
// Tests of seqrt_bind_safetensors, seqrt_bind_parameter and
// seqrt_check_bound with safetensors files written by the test, and of the
// run-time error status the fake model raises.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "ArtifactImpl.h"
#include "MappedFile.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

using namespace seqrt::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {
/// Loads the fake model with parameters w (model.w, f32[4]) and b
/// (model.b, f32[2]).
class BindTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string path = dir.file("fake.seqpkg");
    writeFakeArtifact(path, fakeModelMetadata(fakeModelParameters()));
    ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
        << seqrt_last_error();
  }
  void TearDown() override { seqrt_artifact_free(artifact); }

  /// Writes a safetensors file and returns its path.
  std::string weights(const std::string &name,
                      const std::vector<SafetensorsEntry> &entries,
                      size_t dataMisalignment = 0) {
    std::string path = dir.file(name);
    writeFile(path, safetensorsBytes(entries, dataMisalignment));
    return path;
  }

  /// Calls scale on [1, 2, 3, 4].
  seqrt_status callScale(std::vector<float> &result) {
    std::vector<float> x = {1, 2, 3, 4};
    seqrt_tensor input = viewF32(x), out;
    seqrt_status status = seqrt_call(artifact, "scale", &input, 1, &out, 1);
    if (status == SEQRT_OK)
      result = toFloats(out);
    seqrt_tensor_free(artifact, &out);
    return status;
  }

  SafetensorsEntry w{"model.w", "F32", {4}, floatBytes({10, 20, 30, 40})};
  SafetensorsEntry b{"model.b", "F32", {2}, floatBytes({0.5f, -0.5f})};
  ScratchDir dir;
  seqrt_artifact *artifact = nullptr;
};

TEST_F(BindTest, Introspection) {
  ASSERT_EQ(seqrt_artifact_num_parameters(artifact), 2u);
  EXPECT_STREQ(seqrt_parameter_key(artifact, 0), "model.w");
  EXPECT_STREQ(seqrt_parameter_symbol(artifact, 1), "b");
  seqrt_tensor_type type;
  ASSERT_EQ(seqrt_parameter_type(artifact, 1, &type), SEQRT_OK);
  EXPECT_EQ(type.dtype, SEQRT_DTYPE_F32);
  EXPECT_EQ(type.rank, 1);
  EXPECT_EQ(type.shape[0], 2);
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 0);
  EXPECT_EQ(seqrt_parameter_key(artifact, 2), nullptr);
}

TEST_F(BindTest, UnboundCallFails) {
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("'model.w'"));
  EXPECT_THAT(seqrt_last_error(), HasSubstr("not bound"));
  std::vector<float> result;
  EXPECT_EQ(callScale(result), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("cannot call entry 'scale'"));
  // Every entry needs the parameters bound, even one that does not read
  // them: the metadata does not say which entry uses which.
  std::vector<float> a = {1}, c = {2};
  seqrt_tensor inputs[2] = {viewF32(a), viewF32(c)}, out;
  EXPECT_EQ(seqrt_call(artifact, "add", inputs, 2, &out, 1),
            SEQRT_ERROR_BINDING);
}

TEST_F(BindTest, BindAndCall) {
  std::string path = weights("model.safetensors", {b, w});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 1);
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK) << seqrt_last_error();
  std::vector<float> result;
  ASSERT_EQ(callScale(result), SEQRT_OK) << seqrt_last_error();
  EXPECT_THAT(result, ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
}

/// A speculative artifact's two weight sets: w keyed as the target's
/// "model.w", b as the draft's "draft/model.b". Both files hold both
/// tensors; each binds only its own (the other one is an extra tensor
/// under that prefix, allowed and listed here).
TEST(BindPrefixTest, TwoWeightSetsBindFromTwoFiles) {
  ScratchDir dir;
  std::string path = dir.file("fake.seqpkg");
  writeFakeArtifact(path, fakeModelMetadata(R"([
    {"symbol": "w", "key": "model.w", "dtype": "f32", "shape": [4],
     "global": "__seq_param_w"},
    {"symbol": "b", "key": "draft/model.b", "dtype": "f32", "shape": [2],
     "global": "__seq_param_b"}
  ])"));
  seqrt_artifact *artifact = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
      << seqrt_last_error();
  seqrt_allow_extra_weights(artifact, 1);
  std::string target = dir.file("target.safetensors");
  std::string draft = dir.file("draft.safetensors");
  writeFile(target,
            safetensorsBytes(
                {{"model.w", "F32", {4}, floatBytes({10, 20, 30, 40})},
                 {"model.b", "F32", {2}, floatBytes({100, 100})}}));
  writeFile(draft,
            safetensorsBytes(
                {{"model.w", "F32", {3}, floatBytes({1, 2, 3})},
                 {"model.b", "F32", {2}, floatBytes({0.5f, -0.5f})}}));
  // The target's file does not bind the draft's parameter.
  ASSERT_EQ(seqrt_bind_weights(artifact, target.c_str()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 1);
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 1), 0);
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("'draft/model.b'"));
  // The draft's file binds only "draft/" keys: its mis-shaped model.w is
  // not looked at.
  ASSERT_EQ(seqrt_bind_weights_prefixed(artifact, draft.c_str(), "draft/"),
            SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK) << seqrt_last_error();
  // The target's model.b (not "draft/"-keyed), the draft's model.w.
  ASSERT_EQ(seqrt_num_extra_weights(artifact), 2u);
  EXPECT_STREQ(seqrt_extra_weight(artifact, 0), "model.b");
  EXPECT_STREQ(seqrt_extra_weight(artifact, 1), "model.w");
  EXPECT_EQ(seqrt_extra_weight(artifact, 2), nullptr);
  std::vector<float> x = {1, 2, 3, 4};
  seqrt_tensor input = viewF32(x), out;
  ASSERT_EQ(seqrt_call(artifact, "scale", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(toFloats(out), ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
  seqrt_tensor_free(artifact, &out);
  EXPECT_EQ(seqrt_bind_weights_prefixed(artifact, draft.c_str(), nullptr),
            SEQRT_ERROR_ARGUMENT);
  // By default the draft's file, holding the target's model.w too, fails.
  seqrt_allow_extra_weights(artifact, 0);
  EXPECT_EQ(seqrt_bind_weights_prefixed(artifact, draft.c_str(), "draft/"),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("tensor 'model.w' in '" + draft +
                        "' is not a parameter of the artifact under the "
                        "prefix 'draft/'"));
  seqrt_artifact_free(artifact);
}

/// A file holding a tensor no parameter takes is refused, naming it, and
/// binds nothing (all or nothing per file); seqrt_allow_extra_weights
/// binds it and lists the names.
TEST_F(BindTest, ExtraTensorIsReportedByName) {
  SafetensorsEntry extra{"model.layers.9.w", "F32", {1}, floatBytes({7})};
  SafetensorsEntry head{"lm_head.weight", "F32", {1}, floatBytes({8})};
  std::string path = weights("extra.safetensors", {w, extra, b, head});
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()),
            SEQRT_ERROR_BINDING);
  // The first in the header's order.
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("tensor 'model.layers.9.w' in '" + path +
                        "' is not a parameter of the artifact (and 1 "
                        "more)"));
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 0), 0);
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 1), 0);
  EXPECT_EQ(seqrt_bind_weights(artifact, path.c_str()), SEQRT_ERROR_BINDING);

  seqrt_allow_extra_weights(artifact, 1);
  ASSERT_EQ(seqrt_bind_weights(artifact, path.c_str()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK) << seqrt_last_error();
  ASSERT_EQ(seqrt_num_extra_weights(artifact), 2u);
  EXPECT_STREQ(seqrt_extra_weight(artifact, 0), "model.layers.9.w");
  EXPECT_STREQ(seqrt_extra_weight(artifact, 1), "lm_head.weight");
  // Still bound in place: the check reads names only.
  EXPECT_TRUE(artifact->weightCopies.empty());
}

/// The metadata's "ignored_weights" (what an importer left out on
/// purpose) bind without a report.
TEST(BindIgnoredTest, IgnoredWeightsBind) {
  ScratchDir dir;
  std::string path = dir.file("fake.seqpkg");
  std::string metadata = fakeModelMetadata(fakeModelParameters());
  ASSERT_EQ(metadata.front(), '{');
  metadata.insert(1, R"("ignored_weights": ["lm_head.weight"], )");
  writeFakeArtifact(path, metadata);
  seqrt_artifact *artifact = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
      << seqrt_last_error();
  std::string file = dir.file("tied.safetensors");
  writeFile(file, safetensorsBytes(
                      {{"model.w", "F32", {4}, floatBytes({10, 20, 30, 40})},
                       {"lm_head.weight", "F32", {1}, floatBytes({8})},
                       {"model.b", "F32", {2}, floatBytes({0.5f, -0.5f})}}));
  ASSERT_EQ(seqrt_bind_weights(artifact, file.c_str()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_OK) << seqrt_last_error();
  EXPECT_EQ(seqrt_num_extra_weights(artifact), 0u);
  seqrt_artifact_free(artifact);
}

TEST_F(BindTest, ShardedCheckpointAndMissingKey) {
  std::string first = weights("shard1.safetensors", {w});
  std::string second = weights("shard2.safetensors", {b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, first.c_str()), SEQRT_OK)
      << seqrt_last_error();
  // model.b is still missing.
  EXPECT_EQ(seqrt_check_bound(artifact), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("parameter 'model.b'"));
  std::vector<float> result;
  EXPECT_EQ(callScale(result), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("'model.b'"));

  ASSERT_EQ(seqrt_bind_safetensors(artifact, second.c_str()), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(callScale(result), SEQRT_OK) << seqrt_last_error();
  EXPECT_THAT(result, ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
}

TEST_F(BindTest, WrongShapeOrDtypeIsRejected) {
  SafetensorsEntry longW{"model.w", "F32", {5}, floatBytes({1, 2, 3, 4, 5})};
  std::string path = weights("bad.safetensors", {b, longW});
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("parameter 'model.w' (symbol 'w'): expected f32[4] "
                        "(F32), found F32[5]"));
  EXPECT_THAT(seqrt_last_error(), HasSubstr(path));
  // All or nothing: b, which matched, is not bound either.
  EXPECT_EQ(seqrt_parameter_is_bound(artifact, 1), 0);

  SafetensorsEntry halfW{"model.w", "F16", {4}, std::string(8, '\0')};
  path = weights("f16.safetensors", {halfW});
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("expected f32[4] (F32), found "
                                            "F16[4]"));

  SafetensorsEntry u8W{"model.w", "U8", {4}, std::string(4, '\0')};
  path = weights("u8.safetensors", {u8W});
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("found U8[4]"));
}

TEST_F(BindTest, MalformedSafetensorsAreRejected) {
  EXPECT_EQ(seqrt_bind_safetensors(artifact, dir.file("none").c_str()),
            SEQRT_ERROR_IO);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("cannot open"));

  std::string path = dir.file("short.safetensors");
  writeFile(path, "abc");
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("shorter than"));

  std::string huge = safetensorsBytes({w});
  huge[7] = 0x10; // header size far beyond the file
  writeFile(path, huge);
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("exceeds the file size"));

  std::string badJson = safetensorsBytes({w});
  badJson[8] = '[';
  writeFile(path, badJson);
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("malformed JSON header"));

  SafetensorsEntry shortData{"model.w", "F32", {4}, floatBytes({1, 2, 3})};
  path = weights("short-data.safetensors", {shortData});
  EXPECT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("F32[4] needs 16 bytes, but data_offsets span 12"));
}

TEST_F(BindTest, AlignedDataIsBoundInPlace) {
  // An aligned tensor is not copied: the parameter's global points into
  // the mapped file, at the tensor's bytes.
  std::string path = weights("aligned.safetensors", {w, b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK)
      << seqrt_last_error();
  ASSERT_EQ(artifact->weightFiles.size(), 1u);
  EXPECT_TRUE(artifact->weightCopies.empty());
  const seqrt::MappedFile &file = *artifact->weightFiles.front();
  for (size_t i = 0; i < 2; ++i) {
    const auto *data =
        static_cast<const unsigned char *>(*artifact->globals[i]);
    ASSERT_GE(data, file.data());
    ASSERT_LT(data, file.data() + file.size());
  }
  const auto *wData = static_cast<const float *>(*artifact->globals[0]);
  EXPECT_EQ(wData[0], 10.0f);
  EXPECT_EQ(wData[3], 40.0f);
}

TEST_F(BindTest, MisalignedDataIsCopied) {
  // The data starts at an odd offset.
  std::string path = weights("odd.safetensors", {w, b}, 1);
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK)
      << seqrt_last_error();
  std::vector<float> result;
  ASSERT_EQ(callScale(result), SEQRT_OK) << seqrt_last_error();
  EXPECT_THAT(result, ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
}

TEST_F(BindTest, BindParameterFromMemory) {
  std::vector<float> wValues = {1, 1, 1, 1}, bValues = {0, 100};
  seqrt_tensor wTensor = viewF32(wValues), bTensor = viewF32(bValues);
  ASSERT_EQ(seqrt_bind_parameter(artifact, "model.w", &wTensor), SEQRT_OK);
  EXPECT_EQ(seqrt_bind_parameter(artifact, "model.w", &bTensor),
            SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("expected f32[4], found f32[2]"));
  EXPECT_EQ(seqrt_bind_parameter(artifact, "model.x", &bTensor),
            SEQRT_ERROR_ARGUMENT);
  ASSERT_EQ(seqrt_bind_parameter(artifact, "model.b", &bTensor), SEQRT_OK);
  std::vector<float> result;
  ASSERT_EQ(callScale(result), SEQRT_OK) << seqrt_last_error();
  EXPECT_THAT(result, ElementsAre(1, 102, 3, 104));
}

TEST_F(BindTest, ExecutionErrorIsReported) {
  std::string path = weights("model.safetensors", {w, b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK);
  int64_t index = 7;
  seqrt_tensor input, out;
  ASSERT_EQ(seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &index, &input),
            SEQRT_OK);
  EXPECT_EQ(seqrt_call(artifact, "lookup", &input, 1, &out, 1),
            SEQRT_ERROR_EXECUTION);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("index out of range"));
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("(__seq_status 1): lookup: index 7 outside [0, 4)"));
  EXPECT_EQ(out.data, nullptr);
  // The status is cleared before the next call.
  index = 2;
  ASSERT_EQ(seqrt_call(artifact, "lookup", &input, 1, &out, 1), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(toFloats(out), ElementsAre(30));
  seqrt_tensor_free(artifact, &out);
}

// The status is per call (seqabi2): one thread's failing calls never fail
// another thread's good calls on the same artifact, and every failing call
// is reported. With one status global per artifact (seqabi1), a good call
// failed whenever the other thread's error landed between its clear and
// its read, and a bad call passed when the clear of a good one came in
// between.
TEST_F(BindTest, ConcurrentCallsHaveTheirOwnStatus) {
  std::string path = weights("model.safetensors", {w, b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK);
  constexpr int kCalls = 20000;
  std::atomic<int> wrongGood{0}, wrongBad{0};
  auto run = [&](int64_t index, bool fails) {
    seqrt_tensor input, out;
    if (seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &index, &input) !=
        SEQRT_OK)
      return;
    for (int i = 0; i < kCalls; ++i) {
      seqrt_status status = seqrt_call(artifact, "lookup", &input, 1, &out, 1);
      if (fails) {
        wrongBad += status != SEQRT_ERROR_EXECUTION;
      } else {
        wrongGood += status != SEQRT_OK || toFloats(out)[0] != 30.0f;
      }
      if (status == SEQRT_OK)
        seqrt_tensor_free(artifact, &out);
    }
  };
  std::thread bad(run, 7, true), good(run, 2, false);
  bad.join();
  good.join();
  EXPECT_EQ(wrongGood.load(), 0);
  EXPECT_EQ(wrongBad.load(), 0);
}

// Eight threads call one entry of one artifact at once, each many times:
// four with an index the code rejects (each its own) and four with a good
// one (each its own). Every call gets its own status, its own message
// (naming the index that call passed) and its own result (w[index], the
// value of the weights file the test wrote).
TEST_F(BindTest, EightThreadsMixFailingAndGoodCalls) {
  std::string path = weights("model.safetensors", {w, b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, path.c_str()), SEQRT_OK);
  constexpr int kThreads = 8, kCalls = 4000;
  const float golden[4] = {10, 20, 30, 40}; // w's values in the file
  const int64_t indices[kThreads] = {0, 7, 1, -3, 2, 1000000, 3, -1};
  std::atomic<int> ready{0};
  std::atomic<int> wrongStatus{0}, wrongMessage{0}, wrongResult{0};
  std::atomic<int> failed{0}, good{0};
  auto run = [&](int t) {
    int64_t index = indices[t];
    bool fails = index < 0 || index > 3;
    std::string message = "(__seq_status 1): lookup: index " +
                          std::to_string(index) + " outside [0, 4)";
    seqrt_tensor input, out;
    if (seqrt_tensor_wrap(SEQRT_DTYPE_I64, 0, nullptr, &index, &input) !=
        SEQRT_OK) {
      ++wrongStatus;
      return;
    }
    // Start together, so that the calls overlap.
    ++ready;
    while (ready.load() < kThreads)
      std::this_thread::yield();
    for (int i = 0; i < kCalls; ++i) {
      seqrt_status status = seqrt_call(artifact, "lookup", &input, 1, &out, 1);
      if (fails) {
        wrongStatus += status != SEQRT_ERROR_EXECUTION;
        // seqrt_last_error is the thread's own.
        wrongMessage +=
            status == SEQRT_ERROR_EXECUTION &&
            std::string(seqrt_last_error()).find(message) == std::string::npos;
        failed += status == SEQRT_ERROR_EXECUTION;
      } else {
        wrongStatus += status != SEQRT_OK;
        if (status == SEQRT_OK) {
          std::vector<float> result = toFloats(out);
          wrongResult += result.size() != 1 || result[0] != golden[index];
          ++good;
        }
      }
      if (status == SEQRT_OK)
        seqrt_tensor_free(artifact, &out);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(run, t);
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(wrongStatus.load(), 0);
  EXPECT_EQ(wrongMessage.load(), 0);
  EXPECT_EQ(wrongResult.load(), 0);
  EXPECT_EQ(failed.load(), 4 * kCalls);
  EXPECT_EQ(good.load(), 4 * kCalls);
}

TEST_F(BindTest, TwoArtifactsHaveTheirOwnWeights) {
  std::string path = dir.file("fake.seqpkg");
  seqrt_artifact *other = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &other), SEQRT_OK);
  std::vector<float> ones = {1, 1, 1, 1}, zeros = {0, 0};
  seqrt_tensor onesTensor = viewF32(ones), zerosTensor = viewF32(zeros);
  ASSERT_EQ(seqrt_bind_parameter(other, "model.w", &onesTensor), SEQRT_OK);
  ASSERT_EQ(seqrt_bind_parameter(other, "model.b", &zerosTensor), SEQRT_OK);
  std::string weightsPath = weights("model.safetensors", {w, b});
  ASSERT_EQ(seqrt_bind_safetensors(artifact, weightsPath.c_str()), SEQRT_OK);

  std::vector<float> x = {1, 2, 3, 4};
  seqrt_tensor input = viewF32(x), out;
  ASSERT_EQ(seqrt_call(other, "scale", &input, 1, &out, 1), SEQRT_OK);
  EXPECT_THAT(toFloats(out), ElementsAre(1, 2, 3, 4));
  seqrt_tensor_free(other, &out);
  std::vector<float> result;
  ASSERT_EQ(callScale(result), SEQRT_OK);
  EXPECT_THAT(result, ElementsAre(10.5f, 39.5f, 90.5f, 159.5f));
  seqrt_artifact_free(other);
}
} // namespace

#ifdef __linux__
/// The resident pages (kB) of the mapping that contains `address`, from
/// /proc/self/smaps: pages in this process's page tables.
static long residentKiB(const void *address) {
  std::ifstream smaps("/proc/self/smaps");
  auto at = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    // A mapping's header line: "lo-hi perms offset dev inode path".
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2) {
      inside = lo <= at && at < hi;
      continue;
    }
    long kib = 0;
    if (inside && std::sscanf(line.c_str(), "Rss: %ld kB", &kib) == 1)
      return kib;
  }
  return -1;
}

// Binding weights prefaults their pages (MappedFile::prefault): a 4 MiB
// file's mapping has none of its pages in the page tables after open and
// (nearly) all of them after prefault of the whole file; a range outside
// the mapping is ignored.
TEST(MappedFileTest, PrefaultMapsThePages) {
  ScratchDir dir;
  std::string path = dir.file("weights.bin");
  writeFile(path, std::string(4 << 20, '\x5a'));
  std::string error;
  std::unique_ptr<seqrt::MappedFile> file =
      seqrt::MappedFile::open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(residentKiB(file->data()), 0);
  file->prefault(file->data() + file->size(), 4096);
  file->prefault(file->data() - 4096, 4096);
  EXPECT_EQ(residentKiB(file->data()), 0);
  file->prefault(file->data() + 100, file->size() - 100);
  EXPECT_GE(residentKiB(file->data()), 4000);
}
#endif
