//===- Sampling.cpp - Drawing a token from logits -------------------------===//
//
// This file implements seqrt_sample with the algorithm of the compiled
// `seq.sample` (lib/Conversion/SeqToLoops/DecodeToLoops.cpp), step by step
// in f32, so that a session loop draws the tokens a compiled `generate`
// draws for the same seed:
//
//   greedy (temperature 0): the first index of the largest logit;
//   otherwise p[v] = exp((l[v] - max l) * (1 / T)) with MLIR's polynomial
//   f32 exp (the code seqc emits: seq-approximate-math), top-k keeps
//   p >= the largest t with #{p >= t} >= k, top-p then keeps p >= the
//   largest t whose kept mass reaches top_p of the top-k mass (both found
//   by bisection over the bit patterns of [0, 1]), and the token is the
//   first kept index whose running kept mass exceeds u * total, u the high
//   24 bits of Philox-4x32-10 keyed by the seed and counted by
//   (counter, row 0).
//
//===----------------------------------------------------------------------===//

#include "Sampling.h"
#include "Error.h"

#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <vector>

using namespace seqrt;

namespace {
float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// `value` clamped as MLIR's clampWithNormals does: select(value uge lo,
/// value, lo), then select(value ule hi, value, hi).
float clampLikeMlir(float value, float lo, float hi) {
  value = !(value < lo) ? value : lo;
  return !(value > hi) ? value : hi;
}

/// Sum of p[v] over p[v] >= threshold and p[v] >= floor, in index order.
float keptMass(const std::vector<float> &p, float threshold, float floor) {
  float sum = 0.0f;
  for (float x : p)
    sum += (x >= threshold && x >= floor) ? x : 0.0f;
  return sum;
}

size_t countAtLeast(const std::vector<float> &p, float threshold) {
  size_t n = 0;
  for (float x : p)
    n += x >= threshold;
  return n;
}

/// The largest float t in [0, 1] (by bit pattern) with pred(t); pred must
/// be true for small t. 32 halvings, as the compiled code does.
template <typename Pred> float bisectBits(Pred pred) {
  uint32_t lo = 0, hi = 0x3F800000u; // 1.0f, the largest p
  for (int i = 0; i < 32; ++i) {
    uint32_t mid = lo + ((hi - lo + 1) >> 1);
    if (pred(bitsToFloat(mid)))
      lo = mid;
    else
      hi = mid - 1;
  }
  return bitsToFloat(lo);
}
} // namespace

float seqrt::polynomialExp(float x) {
  // MLIR's ExpApproximation (Cephes): n = floor(x log2(e) + 1/2) clamped to
  // [-127, 127], a = x - n ln 2 in two parts, e^a by a degree-6 polynomial,
  // times 2^n built from its exponent bits (0 for n = -127).
  x = clampLikeMlir(x, -87.8f, 88.8f);
  float n = std::floor(std::fma(x, 1.44269504088896341f, 0.5f));
  n = clampLikeMlir(n, -127.0f, 127.0f);
  x = std::fma(-0.693359375f, n, x);
  x = std::fma(2.12194440e-4f, n, x);
  float z = std::fma(x, 1.9875691500E-4f, 1.3981999507E-3f);
  z = std::fma(z, x, 8.3334519073E-3f);
  z = std::fma(z, x, 4.1665795894E-2f);
  z = std::fma(z, x, 1.6666665459E-1f);
  z = std::fma(z, x, 5.0000001201E-1f);
  z = std::fma(z, x * x, x);
  z = 1.0f + z;
  auto exponent = static_cast<int32_t>(n);
  float pow2 = bitsToFloat(static_cast<uint32_t>(exponent + 127) << 23);
  return z * pow2;
}

void seqrt::philox4x32(const uint32_t counter[4], const uint32_t key[2],
                       uint32_t out[4]) {
  uint32_t c[4] = {counter[0], counter[1], counter[2], counter[3]};
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t{0xD2511F53u} * c[0];
    uint64_t p1 = uint64_t{0xCD9E8D57u} * c[2];
    uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0;
    uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = static_cast<uint32_t>(p1);
    c[2] = n2;
    c[3] = static_cast<uint32_t>(p0);
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  std::memcpy(out, c, sizeof c);
}

float seqrt::philoxUniform(uint64_t seed, uint64_t counter, uint64_t row) {
  const uint32_t key[2] = {static_cast<uint32_t>(seed),
                           static_cast<uint32_t>(seed >> 32)};
  const uint32_t block[4] = {static_cast<uint32_t>(counter),
                             static_cast<uint32_t>(counter >> 32),
                             static_cast<uint32_t>(row), 0};
  uint32_t out[4];
  philox4x32(block, key, out);
  return static_cast<float>(out[0] >> 8) * (1.0f / 16777216.0f);
}

extern "C" seqrt_status seqrt_sample(const float *logits, size_t vocab,
                                     const seqrt_sampling *params,
                                     uint64_t seed, uint64_t counter,
                                     int32_t *token) {
  if (!logits || !token)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_sample: null argument");
  if (vocab == 0 || vocab > static_cast<size_t>(INT32_MAX))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_sample: vocabulary size " +
                                          std::to_string(vocab) +
                                          " is not in 1 .. 2^31 - 1");
  seqrt_sampling greedy = {0.0f, 0, 1.0f};
  const seqrt_sampling &s = params ? *params : greedy;
  if (!(s.temperature >= 0.0f) || std::isinf(s.temperature))
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_sample: temperature must be finite and >= 0, got " +
                    std::to_string(s.temperature));
  if (s.top_k < 0 || static_cast<uint64_t>(s.top_k) > vocab)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_sample: top_k " + std::to_string(s.top_k) +
                    " is not in 0 .. the vocabulary size (" +
                    std::to_string(vocab) + ")");
  if (!(s.top_p > 0.0f && s.top_p <= 1.0f))
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_sample: top_p must be in (0, 1], got " +
                    std::to_string(s.top_p));

  // Argmax, lowest index on ties; NaN is an error, not a token.
  float maxLogit = -INFINITY;
  size_t best = 0;
  for (size_t v = 0; v < vocab; ++v) {
    if (std::isnan(logits[v]))
      return fail(SEQRT_ERROR_ARGUMENT,
                  "seqrt_sample: logit " + std::to_string(v) + " is NaN");
    if (logits[v] > maxLogit)
      maxLogit = logits[v], best = v;
  }
  // top_k = 1 is greedy, as the compiler canonicalizes it.
  if (s.temperature == 0.0f || s.top_k == 1) {
    *token = static_cast<int32_t>(best);
    return SEQRT_OK;
  }
  if (std::isinf(maxLogit))
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("seqrt_sample: cannot sample: ") +
                    (maxLogit > 0 ? "a logit is +inf" : "every logit is -inf"));

  std::vector<float> p;
  try {
    p.resize(vocab);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "seqrt_sample: out of memory");
  }
  float invTemperature = 1.0f / s.temperature;
  for (size_t v = 0; v < vocab; ++v)
    p[v] = polynomialExp((logits[v] - maxLogit) * invTemperature);

  float floor = 0.0f;
  if (s.top_k > 0) {
    auto k = static_cast<size_t>(s.top_k);
    floor = bisectBits([&](float t) { return countAtLeast(p, t) >= k; });
  }
  float threshold = floor;
  if (s.top_p < 1.0f) {
    float target = keptMass(p, floor, floor) * s.top_p;
    threshold =
        bisectBits([&](float t) { return keptMass(p, t, floor) >= target; });
    threshold = std::fmax(threshold, floor);
  }
  float total = keptMass(p, threshold, threshold);
  float target = philoxUniform(seed, counter, 0) * total;
  float mass = 0.0f;
  long chosen = -1, lastKept = 0;
  for (size_t v = 0; v < vocab; ++v) {
    bool kept = p[v] >= threshold;
    mass += kept ? p[v] : 0.0f;
    if (kept && chosen < 0 && mass > target)
      chosen = static_cast<long>(v);
    if (kept)
      lastKept = static_cast<long>(v);
  }
  *token = static_cast<int32_t>(chosen < 0 ? lastKept : chosen);
  return SEQRT_OK;
}
