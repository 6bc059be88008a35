//===- SessionTest.cpp - Tests of generation sessions ---------------------===//
//
// Tests of seqrt_session_* on the fake model's kv_prefill/kv_decode entries
// (Inputs/fake_model.c): positions, multi-turn prefill, the state updated
// in place without copies, capacity and vocabulary checks before running,
// signature checks, and sessions on several threads.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstring>
#include <thread>

using namespace seqrt::test;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

namespace {
const char kCache[] = R"({"dtype": "f32", "shape": [1, 1, 4, 2]})";

/// An entry object over the fake model's KV functions.
std::string kvEntry(const std::string &name, const std::string &function,
                    const std::string &tokens,
                    const std::string &inplace = "[[2, 1], [3, 2]]",
                    const std::string &cacheV = kCache,
                    const std::string &recurrent = "") {
  return R"({"name": ")" + name + R"(", "function": ")" + function +
         R"(", "inputs": [{"dtype": "i32", "shape": )" + tokens +
         R"(}, {"dtype": "i32", "shape": [1]}, )" + kCache + ", " + cacheV +
         R"(], "outputs": [{"dtype": "f32", "shape": [1, 5]}, )" + kCache +
         ", " + cacheV + R"(], "inplace": )" + inplace +
         (recurrent.empty() ? "" : R"(, "recurrent": )" + recurrent) + "}";
}

std::string sessionEntries() {
  return kvEntry("prefill", "__seq_packed_kv_prefill", "[1, -1]") + ", " +
         kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]");
}

/// The fake model's logits after the tokens `seq` (positions 0..n-1),
/// computed from its definition.
std::vector<float> expectedLogits(const std::vector<int32_t> &seq) {
  std::vector<float> out(5, 0.0f);
  for (int u = 0; u < 5; ++u)
    for (size_t p = 0; p < seq.size(); ++p)
      out[u] += (seq[p] == u ? static_cast<float>(p + 1) : 0.0f) + 1.0f;
  return out;
}

class SessionTest : public ::testing::Test {
protected:
  void load(const std::string &entries) {
    std::string path = dir.file("kv.seqpkg");
    writeFakeArtifact(path, fakeModelMetadata("[]", "", entries));
    ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
        << seqrt_last_error();
  }
  void TearDown() override {
    seqrt_session_free(session);
    seqrt_artifact_free(artifact);
  }

  ScratchDir dir;
  seqrt_artifact *artifact = nullptr;
  seqrt_session *session = nullptr;
};

TEST_F(SessionTest, PrefillThenDecode) {
  load(sessionEntries());
  ASSERT_EQ(seqrt_session_create(artifact, &session), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_session_capacity(session), 4u);
  EXPECT_EQ(seqrt_session_vocab_size(session), 5u);
  EXPECT_EQ(seqrt_session_position(session), 0u);
  ASSERT_EQ(seqrt_session_num_states(session), 2u);
  seqrt_tensor k, v;
  ASSERT_EQ(seqrt_session_state(session, 0, &k), SEQRT_OK);
  ASSERT_EQ(seqrt_session_state(session, 1, &v), SEQRT_OK);
  EXPECT_EQ(k.rank, 4);
  EXPECT_EQ(k.shape[2], 4);
  EXPECT_EQ(k.owner_, nullptr);
  const std::vector<float> zeros(8, 0.0f);
  EXPECT_EQ(std::memcmp(k.data, zeros.data(), 32), 0);

  std::vector<float> logits(5);
  const int32_t prompt[] = {3, 1};
  ASSERT_EQ(seqrt_session_prefill(session, prompt, 2, logits.data()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_session_position(session), 2u);
  EXPECT_THAT(logits, ElementsAreArray(expectedLogits({3, 1})));
  ASSERT_EQ(seqrt_session_decode(session, 4, logits.data()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_session_position(session), 3u);
  EXPECT_THAT(logits, ElementsAreArray(expectedLogits({3, 1, 4})));
  ASSERT_EQ(seqrt_session_decode(session, 4, nullptr), SEQRT_OK);
  EXPECT_EQ(seqrt_session_position(session), 4u);

  // The state is updated where it lies: same buffers, new contents.
  seqrt_tensor k2, v2;
  ASSERT_EQ(seqrt_session_state(session, 0, &k2), SEQRT_OK);
  ASSERT_EQ(seqrt_session_state(session, 1, &v2), SEQRT_OK);
  EXPECT_EQ(k2.data, k.data);
  EXPECT_EQ(v2.data, v.data);
  const float *kd = static_cast<const float *>(k.data);
  EXPECT_THAT(
      std::vector<float>(kd, kd + 8),
      ElementsAreArray({3.0f, 0.0f, 1.0f, 1.0f, 4.0f, 2.0f, 4.0f, 3.0f}));

  seqrt_session_reset(session);
  EXPECT_EQ(seqrt_session_position(session), 0u);
  EXPECT_EQ(std::memcmp(k.data, zeros.data(), 32), 0);
  EXPECT_EQ(std::memcmp(v.data, zeros.data(), 32), 0);
  ASSERT_EQ(seqrt_session_decode(session, 2, logits.data()), SEQRT_OK);
  EXPECT_THAT(logits, ElementsAreArray(expectedLogits({2})));
}

TEST_F(SessionTest, RecurrentStateHasNoCapacity) {
  // Conv and SSM states ("recurrent") do not bound the positions; only the
  // i32 position type does.
  load(kvEntry("prefill", "__seq_packed_kv_prefill", "[1, -1]",
               "[[2, 1], [3, 2]]", kCache, "[2, 3]") +
       ", " +
       kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]", "[[2, 1], [3, 2]]",
               kCache, "[3, 2]"));
  ASSERT_EQ(seqrt_session_create(artifact, &session), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_session_capacity(session), static_cast<size_t>(INT32_MAX));
  std::vector<float> logits(5);
  const int32_t prompt[] = {3, 1};
  ASSERT_EQ(seqrt_session_prefill(session, prompt, 2, logits.data()), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_THAT(logits, ElementsAreArray(expectedLogits({3, 1})));
}

TEST_F(SessionTest, RecurrentInOneEntryOnly) {
  load(kvEntry("prefill", "__seq_packed_kv_prefill", "[1, -1]",
               "[[2, 1], [3, 2]]", kCache, "[3]") +
       ", " + kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]"));
  EXPECT_NE(seqrt_session_create(artifact, &session), SEQRT_OK);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("state 1 is recurrent in only one of prefill and "
                        "decode"));
}

TEST_F(SessionTest, RecurrentMustBeInPlace) {
  std::string path = dir.file("bad.seqpkg");
  writeFakeArtifact(
      path, fakeModelMetadata("[]", "",
                              kvEntry("prefill", "__seq_packed_kv_prefill",
                                      "[1, -1]", "[[2, 1]]", kCache, "[3]")));
  EXPECT_NE(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("input 3 is not in-place state"));
}

TEST_F(SessionTest, DecodeStepReturnsTheSessionBuffers) {
  // What a session does on each step, by hand: the in-place outputs are
  // the session's buffers (no allocation, no copy) and only the logits are
  // a fresh result.
  load(sessionEntries());
  ASSERT_EQ(seqrt_session_create(artifact, &session), SEQRT_OK);
  seqrt_tensor inputs[4], outputs[3];
  int32_t token = 2, position = 0;
  int64_t tokenShape[2] = {1, 1}, one = 1;
  seqrt_tensor_wrap(SEQRT_DTYPE_I32, 2, tokenShape, &token, &inputs[0]);
  seqrt_tensor_wrap(SEQRT_DTYPE_I32, 1, &one, &position, &inputs[1]);
  ASSERT_EQ(seqrt_session_state(session, 0, &inputs[2]), SEQRT_OK);
  ASSERT_EQ(seqrt_session_state(session, 1, &inputs[3]), SEQRT_OK);
  ASSERT_EQ(seqrt_call(artifact, "decode", inputs, 4, outputs, 3), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(outputs[1].data, inputs[2].data);
  EXPECT_EQ(outputs[1].owner_, nullptr);
  EXPECT_EQ(outputs[2].data, inputs[3].data);
  EXPECT_EQ(outputs[2].owner_, nullptr);
  EXPECT_NE(outputs[0].owner_, nullptr);
  for (seqrt_tensor &output : outputs)
    seqrt_tensor_free(artifact, &output);
}

TEST_F(SessionTest, MultiTurnPrefillEqualsOnePrefill) {
  load(sessionEntries());
  seqrt_session *whole = nullptr;
  ASSERT_EQ(seqrt_session_create(artifact, &whole), SEQRT_OK);
  ASSERT_EQ(seqrt_session_create(artifact, &session), SEQRT_OK);
  const int32_t ids[] = {1, 0, 1};
  std::vector<float> a(5), b(5);
  ASSERT_EQ(seqrt_session_prefill(whole, ids, 3, a.data()), SEQRT_OK);
  ASSERT_EQ(seqrt_session_prefill(session, ids, 1, b.data()), SEQRT_OK);
  ASSERT_EQ(seqrt_session_prefill(session, ids + 1, 2, b.data()), SEQRT_OK);
  EXPECT_EQ(seqrt_session_position(session), 3u);
  EXPECT_EQ(a, b);
  EXPECT_THAT(a, ElementsAreArray(expectedLogits({1, 0, 1})));
  for (size_t s = 0; s < 2; ++s) {
    seqrt_tensor x, y;
    ASSERT_EQ(seqrt_session_state(whole, s, &x), SEQRT_OK);
    ASSERT_EQ(seqrt_session_state(session, s, &y), SEQRT_OK);
    EXPECT_NE(x.data, y.data);
    EXPECT_EQ(std::memcmp(x.data, y.data, 32), 0);
  }
  seqrt_session_free(whole);
}

TEST_F(SessionTest, ChecksBeforeRunning) {
  load(sessionEntries());
  ASSERT_EQ(seqrt_session_create(artifact, &session), SEQRT_OK);
  std::vector<float> logits(5, -1.0f);
  const int32_t ids[] = {1, 2, 3, 4, 0};
  EXPECT_EQ(seqrt_session_prefill(session, ids, 5, logits.data()),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("5 more tokens at position 0 would overflow the "
                        "cache (4 tokens)"));
  ASSERT_EQ(seqrt_session_prefill(session, ids, 3, logits.data()), SEQRT_OK);
  EXPECT_EQ(seqrt_session_prefill(session, ids, 2, nullptr),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_session_position(session), 3u);
  ASSERT_EQ(seqrt_session_decode(session, 0, nullptr), SEQRT_OK);
  EXPECT_EQ(seqrt_session_decode(session, 0, nullptr), SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("1 more token at position 4 would overflow"));
  EXPECT_EQ(seqrt_session_position(session), 4u);

  seqrt_session_reset(session);
  EXPECT_EQ(seqrt_session_decode(session, 5, nullptr), SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(),
              HasSubstr("token id 5 (at index 0) is outside the vocabulary "
                        "(0 .. 4)"));
  const int32_t negative[] = {0, -1};
  EXPECT_EQ(seqrt_session_prefill(session, negative, 2, nullptr),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("token id -1 (at index 1)"));
  EXPECT_EQ(seqrt_session_prefill(session, ids, 0, nullptr),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_session_prefill(session, nullptr, 2, nullptr),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_session_position(session), 0u);
  seqrt_tensor state;
  EXPECT_EQ(seqrt_session_state(session, 2, &state), SEQRT_ERROR_ARGUMENT);
}

TEST_F(SessionTest, SignatureChecks) {
  struct Case {
    std::string entries;
    std::string message;
  };
  const std::string prefill =
      kvEntry("prefill", "__seq_packed_kv_prefill", "[1, -1]");
  const std::string decode =
      kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]");
  const Case cases[] = {
      {prefill, "the artifact has no 'decode' entry"},
      {prefill + ", " + kvEntry("decode", "__seq_packed_kv_decode", "[1, 2]"),
       "entry 'decode' input 0: expected tokens i32[1, 1], got i32[1, 2]"},
      {prefill + ", " +
           kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]", "[[2, 1]]"),
       "entry 'decode' must take tokens, a position and in-place state"},
      {kvEntry("prefill", "__seq_packed_kv_prefill", "[1, -1]", "[]") + ", " +
           kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]", "[]"),
       "entry 'prefill' must take tokens"},
      {prefill + ", " +
           kvEntry("decode", "__seq_packed_kv_decode", "[1, 1]",
                   "[[2, 1], [3, 2]]",
                   R"({"dtype": "f32", "shape": [1, 1, 4, 3]})"),
       "state 1 is f32[1, 1, 4, 2] in prefill (input 3) but f32[1, 1, 4, 3] "
       "in decode (input 3)"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.entries);
    std::string path = dir.file("bad.seqpkg");
    writeFakeArtifact(path, fakeModelMetadata("[]", "", c.entries));
    seqrt_artifact *bad = nullptr;
    ASSERT_EQ(seqrt_artifact_load(path.c_str(), &bad), SEQRT_OK)
        << seqrt_last_error();
    seqrt_session *s = reinterpret_cast<seqrt_session *>(1);
    EXPECT_EQ(seqrt_session_create(bad, &s), SEQRT_ERROR_ARGUMENT);
    EXPECT_EQ(s, nullptr);
    EXPECT_THAT(seqrt_last_error(), HasSubstr(c.message));
    seqrt_artifact_free(bad);
  }
  EXPECT_EQ(seqrt_session_create(nullptr, &session), SEQRT_ERROR_ARGUMENT);
}

TEST_F(SessionTest, UnboundParametersAreReported) {
  std::string path = dir.file("params.seqpkg");
  writeFakeArtifact(
      path, fakeModelMetadata(fakeModelParameters(), "", sessionEntries()));
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK);
  EXPECT_EQ(seqrt_session_create(artifact, &session), SEQRT_ERROR_BINDING);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("model.w"));
}

TEST_F(SessionTest, SessionsOnSeveralThreads) {
  load(sessionEntries());
  const std::vector<std::vector<int32_t>> prompts = {{0, 1}, {4, 4}, {2, 3},
                                                     {1, 1}, {3, 0}, {2, 2}};
  std::vector<std::vector<float>> results(prompts.size());
  std::vector<std::string> errors(prompts.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < prompts.size(); ++t)
    threads.emplace_back([&, t] {
      seqrt_session *s = nullptr;
      if (seqrt_session_create(artifact, &s) != SEQRT_OK) {
        errors[t] = seqrt_last_error();
        return;
      }
      std::vector<float> logits(5);
      for (int round = 0; round < 200 && errors[t].empty(); ++round) {
        seqrt_session_reset(s);
        if (seqrt_session_prefill(s, prompts[t].data(), 2, nullptr) ||
            seqrt_session_decode(s, prompts[t][0], nullptr) ||
            seqrt_session_decode(s, prompts[t][1], logits.data()))
          errors[t] = seqrt_last_error();
      }
      results[t] = logits;
      seqrt_session_free(s);
    });
  for (std::thread &thread : threads)
    thread.join();
  for (size_t t = 0; t < prompts.size(); ++t) {
    EXPECT_EQ(errors[t], "");
    std::vector<int32_t> seq = prompts[t];
    seq.push_back(prompts[t][0]);
    seq.push_back(prompts[t][1]);
    EXPECT_THAT(results[t], ElementsAreArray(expectedLogits(seq)));
  }
}
} // namespace
