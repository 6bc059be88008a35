//===- SamplingTest.cpp - Tests of seqrt_sample ---------------------------===//
//
// Tests of seqrt_sample against independent references: the Random123
// known-answer vectors of Philox-4x32-10, libm's exp for the polynomial
// exp, tokens drawn by the NumPy reference of #seq.sampling
// (Inputs/sampling_golden.json, from gen_sampling_golden.py), and the
// softmax frequencies of many draws.
//
//===----------------------------------------------------------------------===//

#include "Sampling.h"
#include "Json.h"
#include "RuntimeTestUtils.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace seqrt::test;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {
TEST(SamplingTest, PhiloxKnownAnswers) {
  // Random123's kat_vectors for philox4x32_10.
  uint32_t out[4];
  const uint32_t zeros[4] = {0, 0, 0, 0}, zeroKey[2] = {0, 0};
  seqrt::philox4x32(zeros, zeroKey, out);
  EXPECT_THAT(out,
              ElementsAre(0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u));
  const uint32_t ones[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  const uint32_t onesKey[2] = {0xffffffffu, 0xffffffffu};
  seqrt::philox4x32(ones, onesKey, out);
  EXPECT_THAT(out,
              ElementsAre(0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu));
  const uint32_t pi[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  const uint32_t piKey[2] = {0xa4093822u, 0x299f31d0u};
  seqrt::philox4x32(pi, piKey, out);
  EXPECT_THAT(out,
              ElementsAre(0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u));
  // The draw is the high 24 bits of the first word.
  EXPECT_EQ(seqrt::philoxUniform(0, 0, 0), 0x6627e8 / 16777216.0f);
}

TEST(SamplingTest, PolynomialExpIsAccurate) {
  double worst = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    double want = std::exp(static_cast<double>(x));
    double got = seqrt::polynomialExp(x);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_EQ(seqrt::polynomialExp(0.0f), 1.0f);
  EXPECT_EQ(seqrt::polynomialExp(-200.0f), 0.0f);
  EXPECT_EQ(seqrt::polynomialExp(-INFINITY), 0.0f);
}

TEST(SamplingTest, MatchesTheNumPyReference) {
  std::string text = readFile(SEQRT_TEST_INPUTS_DIR "/sampling_golden.json");
  seqrt::JsonValue root;
  std::string error;
  ASSERT_TRUE(seqrt::parseJson(text, root, error)) << error;
  ASSERT_TRUE(root.isArray());
  ASSERT_EQ(root.getArray().size(), 64u);
  for (size_t i = 0; i < root.getArray().size(); ++i) {
    const seqrt::JsonValue &c = root.getArray()[i];
    SCOPED_TRACE("case " + std::to_string(i));
    std::vector<float> logits;
    for (const seqrt::JsonValue &x : c.get("logits")->getArray())
      logits.push_back(static_cast<float>(x.getNumber()));
    seqrt_sampling params;
    params.temperature = static_cast<float>(c.get("temperature")->getNumber());
    params.top_k = static_cast<int32_t>(c.get("top_k")->getInt());
    params.top_p = static_cast<float>(c.get("top_p")->getNumber());
    uint64_t seed =
        std::strtoull(c.get("seed")->getString().c_str(), nullptr, 10);
    uint64_t counter =
        std::strtoull(c.get("counter")->getString().c_str(), nullptr, 10);
    int32_t token = -1;
    ASSERT_EQ(seqrt_sample(logits.data(), logits.size(), &params, seed, counter,
                           &token),
              SEQRT_OK)
        << seqrt_last_error();
    EXPECT_EQ(token, c.get("token")->getInt());
  }
}

TEST(SamplingTest, Greedy) {
  const float logits[] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
  int32_t token = -1;
  ASSERT_EQ(seqrt_sample(logits, 5, nullptr, 7, 0, &token), SEQRT_OK);
  EXPECT_EQ(token, 1); // lowest index on ties
  seqrt_sampling params = {0.0f, 0, 1.0f};
  ASSERT_EQ(seqrt_sample(logits, 5, &params, 7, 0, &token), SEQRT_OK);
  EXPECT_EQ(token, 1);
  // top_k 1 is greedy whatever the temperature.
  params = {5.0f, 1, 1.0f};
  for (uint64_t counter = 0; counter < 50; ++counter) {
    ASSERT_EQ(seqrt_sample(logits, 5, &params, 7, counter, &token), SEQRT_OK);
    EXPECT_EQ(token, 1);
  }
  const float minusInf[] = {-INFINITY, -INFINITY};
  ASSERT_EQ(seqrt_sample(minusInf, 2, nullptr, 0, 0, &token), SEQRT_OK);
  EXPECT_EQ(token, 0);
}

TEST(SamplingTest, FrequenciesFollowTheSoftmax) {
  const float logits[] = {1.0f, 0.0f, 2.0f, -1.0f, 0.5f};
  const float temperature = 0.9f;
  double weights[5], sum = 0;
  for (int v = 0; v < 5; ++v)
    sum += weights[v] = std::exp(logits[v] / temperature);
  const int draws = 40000;
  int counts[5] = {};
  seqrt_sampling params = {temperature, 0, 1.0f};
  for (int i = 0; i < draws; ++i) {
    int32_t token = -1;
    ASSERT_EQ(seqrt_sample(logits, 5, &params, 1234, i, &token), SEQRT_OK);
    ASSERT_GE(token, 0);
    ASSERT_LT(token, 5);
    ++counts[token];
  }
  for (int v = 0; v < 5; ++v) {
    double p = weights[v] / sum;
    double sigma = std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(counts[v] / static_cast<double>(draws), p, 5 * sigma)
        << "token " << v;
  }
  // top_k 2 keeps tokens 2 and 0 only; top_p 0.5 of them keeps token 2.
  params = {temperature, 2, 1.0f};
  int kept[5] = {};
  for (int i = 0; i < 2000; ++i) {
    int32_t token = -1;
    ASSERT_EQ(seqrt_sample(logits, 5, &params, 99, i, &token), SEQRT_OK);
    ++kept[token];
  }
  EXPECT_EQ(kept[1] + kept[3] + kept[4], 0);
  EXPECT_GT(kept[0], 0);
  EXPECT_GT(kept[2], kept[0]);
  params = {temperature, 2, 0.5f};
  for (int i = 0; i < 200; ++i) {
    int32_t token = -1;
    ASSERT_EQ(seqrt_sample(logits, 5, &params, 99, i, &token), SEQRT_OK);
    EXPECT_EQ(token, 2);
  }
}

TEST(SamplingTest, SameSeedAndCounterSameToken) {
  std::vector<float> logits(1000);
  for (size_t i = 0; i < logits.size(); ++i)
    logits[i] = std::sin(0.37f * i) * 4;
  seqrt_sampling params = {1.0f, 0, 1.0f};
  int32_t a = -1, b = -1;
  int differ = 0;
  for (uint64_t counter = 0; counter < 20; ++counter) {
    ASSERT_EQ(seqrt_sample(logits.data(), 1000, &params, 5, counter, &a),
              SEQRT_OK);
    ASSERT_EQ(seqrt_sample(logits.data(), 1000, &params, 5, counter, &b),
              SEQRT_OK);
    EXPECT_EQ(a, b);
    ASSERT_EQ(seqrt_sample(logits.data(), 1000, &params, 6, counter, &b),
              SEQRT_OK);
    differ += a != b;
  }
  EXPECT_GT(differ, 10);
}

TEST(SamplingTest, BadInput) {
  float logits[] = {0.5f, NAN, 1.0f};
  int32_t token = 17;
  EXPECT_EQ(seqrt_sample(logits, 3, nullptr, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("logit 1 is NaN"));
  EXPECT_EQ(token, 17);
  seqrt_sampling params = {1.0f, 0, 1.0f};
  EXPECT_EQ(seqrt_sample(logits, 3, &params, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  logits[1] = INFINITY;
  EXPECT_EQ(seqrt_sample(logits, 3, &params, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("a logit is +inf"));
  ASSERT_EQ(seqrt_sample(logits, 3, nullptr, 0, 0, &token), SEQRT_OK);
  EXPECT_EQ(token, 1);
  const float minusInf[] = {-INFINITY, -INFINITY};
  EXPECT_EQ(seqrt_sample(minusInf, 2, &params, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("every logit is -inf"));

  logits[1] = 0.0f;
  const seqrt_sampling bad[] = {
      {-1.0f, 0, 1.0f}, {NAN, 0, 1.0f},  {INFINITY, 0, 1.0f}, {1.0f, -1, 1.0f},
      {1.0f, 4, 1.0f},  {1.0f, 0, 0.0f}, {1.0f, 0, 1.5f},     {1.0f, 0, NAN}};
  for (const seqrt_sampling &p : bad)
    EXPECT_EQ(seqrt_sample(logits, 3, &p, 0, 0, &token), SEQRT_ERROR_ARGUMENT)
        << p.temperature << " " << p.top_k << " " << p.top_p;
  EXPECT_EQ(seqrt_sample(logits, 0, nullptr, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_sample(nullptr, 3, nullptr, 0, 0, &token),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(seqrt_sample(logits, 3, nullptr, 0, 0, nullptr),
            SEQRT_ERROR_ARGUMENT);
}
} // namespace
