/*===- fake_model_kernels.c - Model kernels for the fake GPU ------*- C -*-===*\
|*                                                                            *|
|* A module image for the fake GPU driver                                     *|
|* (test/Unit/Runtime/Inputs/fake_gpu_driver.c) with host versions of the     *|
|* kernels an entry of gpu-host.test launches: the linear kernels             *|
|* (fake_linear_kernels.c, included), RMSNorm, LayerNorm, RoPE, SwiGLU, the   *|
|* residual add, greedy argmax and the attention kernels (prefill, split-KV   *|
|* and its merge; the scan, convolution and MoE kernels of                    *|
|* gpu-host-ssm-moe.test are in fake_ssm_moe_kernels.c, the quantized ones of *|
|* gpu-quant-plan.test in fake_quant_kernels.c, both included at the end),    *|
|* each with the compiled kernel's name and launch ABI                        *|
|* (expanded memref descriptors) and computing the part of the result its     *|
|* block owns under the manifest's grid. So a wrong plan, descriptor, grid,   *|
|* split count or workspace in the runtime's host side gives wrong results    *|
|* against the PyTorch goldens.                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "fake_linear_kernels.c"

#include <math.h>
#include <stdlib.h>

#define MAX_RANK 5

typedef struct ViewN {
  char *data;
  int64_t sizes[MAX_RANK], strides[MAX_RANK];
  int rank;
} ViewN;

static ViewN viewN(void **params, int *next, int rank, int size) {
  ViewN v;
  uint64_t aligned = *(const uint64_t *)params[*next + 1];
  int64_t offset = *(const int64_t *)params[*next + 2];
  for (int d = 0; d < rank; ++d) {
    v.sizes[d] = *(const int64_t *)params[*next + 3 + d];
    v.strides[d] = *(const int64_t *)params[*next + 3 + rank + d];
  }
  v.rank = rank;
  v.data = (char *)(uintptr_t)aligned + offset * size;
  *next += 3 + 2 * rank;
  return v;
}

/* The element at `index` (rank entries) of `v`. */
static char *at(const ViewN *v, const int64_t *index, int size) {
  int64_t e = 0;
  for (int d = 0; d < v->rank; ++d)
    e += index[d] * v->strides[d];
  return v->data + e * size;
}

/* [begin, end) of `count` items for block `index` of `blocks`. */
static void share(int64_t count, unsigned index, unsigned blocks,
                  int64_t *begin, int64_t *end) {
  int64_t per = (count + blocks - 1) / blocks;
  *begin = per * index;
  *end = *begin + per < count ? *begin + per : count;
}

/* RMSNorm over rows of X [R, H]: the block's share of the rows. */
static int rmsNorm(const fake_gpu_block *b, void **params, float eps, int size,
                   Load load, Store store) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, size), w = viewN(params, &next, 1, size),
        y = viewN(params, &next, 2, size);
  int64_t R = x.sizes[0], H = x.sizes[1], r0, r1;
  if (w.sizes[0] != H || y.sizes[0] != R || y.sizes[1] != H)
    return 1;
  share(R, b->index[0], b->grid[0], &r0, &r1);
  for (int64_t r = r0; r < r1; ++r) {
    float sum = 0;
    for (int64_t h = 0; h < H; ++h) {
      float v = load(x.data + (r * x.strides[0] + h * x.strides[1]) * size);
      sum += v * v;
    }
    float inv = 1.0f / sqrtf(sum / (float)H + eps);
    for (int64_t h = 0; h < H; ++h)
      store(y.data + (r * y.strides[0] + h * y.strides[1]) * size,
            load(x.data + (r * x.strides[0] + h * x.strides[1]) * size) * inv *
                load(w.data + h * w.strides[0] * size));
  }
  return 0;
}

EXPORT int rms_norm_bf16_warp_eps3727c5ac(const fake_gpu_block *b,
                                          void **params) {
  return rmsNorm(b, params, 1e-5f, 2, loadBF16, storeBF16);
}

/* LayerNorm with bias over rows of X [R, H] (two passes, as the kernel). */
static int layerNorm(const fake_gpu_block *b, void **params, float eps) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), w = viewN(params, &next, 1, 4),
        bias = viewN(params, &next, 1, 4), y = viewN(params, &next, 2, 4);
  int64_t R = x.sizes[0], H = x.sizes[1], r0, r1;
  if (w.sizes[0] != H || bias.sizes[0] != H || y.sizes[0] != R ||
      y.sizes[1] != H || H == 0)
    return 1;
  share(R, b->index[0], b->grid[0], &r0, &r1);
  for (int64_t r = r0; r < r1; ++r) {
    float mean = 0, var = 0;
    for (int64_t h = 0; h < H; ++h)
      mean += loadF32(x.data + (r * x.strides[0] + h * x.strides[1]) * 4);
    mean /= (float)H;
    for (int64_t h = 0; h < H; ++h) {
      float d =
          loadF32(x.data + (r * x.strides[0] + h * x.strides[1]) * 4) - mean;
      var += d * d;
    }
    float inv = 1.0f / sqrtf(var / (float)H + eps);
    for (int64_t h = 0; h < H; ++h)
      storeF32(
          y.data + (r * y.strides[0] + h * y.strides[1]) * 4,
          (loadF32(x.data + (r * x.strides[0] + h * x.strides[1]) * 4) - mean) *
                  inv * loadF32(w.data + h * w.strides[0] * 4) +
              loadF32(bias.data + h * bias.strides[0] * 4));
  }
  return 0;
}

EXPORT int layer_norm_f32_bias_warp_eps3727c5ac(const fake_gpu_block *b,
                                                void **params) {
  return layerNorm(b, params, 1e-5f);
}

/* NeoX RoPE of X [B, H, S, D] at positions [B, S] (i32), theta 10000 over
 * all D channels: grid (position tiles, H, B); the block's share of the
 * positions. */
static int ropeNeoxSized(const fake_gpu_block *b, void **params, float theta,
                         int size) {
  int next = 0;
  ViewN x = viewN(params, &next, 4, size), pos = viewN(params, &next, 2, 4),
        y = viewN(params, &next, 4, size);
  int64_t B = x.sizes[0], H = x.sizes[1], S = x.sizes[2], D = x.sizes[3], s0,
          s1;
  int64_t bb = b->index[2], h = b->index[1];
  if (bb >= B || h >= H || D % 2 || D > 512 || pos.sizes[0] != B ||
      pos.sizes[1] != S)
    return 1;
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s) {
    int32_t p;
    int64_t pi[2] = {bb, s};
    memcpy(&p, at(&pos, pi, 4), 4);
    for (int64_t j = 0; j < D / 2; ++j) {
      float invFreq = 1.0f / powf(theta, (float)(2 * j) / (float)D);
      float angle = (float)p * invFreq, c = cosf(angle), sn = sinf(angle);
      int64_t i1[4] = {bb, h, s, j}, i2[4] = {bb, h, s, j + D / 2};
      Load load = size == 4 ? loadF32 : loadBF16;
      Store store = size == 4 ? storeF32 : storeBF16;
      float x1 = load(at(&x, i1, size)), x2 = load(at(&x, i2, size));
      store(at(&y, i1, size), x1 * c - x2 * sn);
      store(at(&y, i2, size), x2 * c + x1 * sn);
    }
  }
  return 0;
}

static int ropeNeox(const fake_gpu_block *b, void **params, float theta) {
  return ropeNeoxSized(b, params, theta, 4);
}

EXPORT int rope_f32_neox_d32_r32_d480d256(const fake_gpu_block *b,
                                          void **params) {
  return ropeNeox(b, params, 10000.0f);
}
/* gpu-session.test's bf16 RoPE (D = 64, theta 10000). */
EXPORT int rope_bf16_neox_d64_r64_d97fd827(const fake_gpu_block *b,
                                           void **params) {
  return ropeNeoxSized(b, params, 10000.0f, 2);
}

/* out = f(a, b) over N elements: the block's share. */
static int binary(const fake_gpu_block *b, void **params, int swiglu, int size,
                  Load load, Store store) {
  int next = 0;
  ViewN a = viewN(params, &next, 1, size), c = viewN(params, &next, 1, size),
        out = viewN(params, &next, 1, size);
  int64_t N = a.sizes[0], i0, i1;
  if (c.sizes[0] != N || out.sizes[0] != N)
    return 1;
  share(N, b->index[0], b->grid[0], &i0, &i1);
  for (int64_t i = i0; i < i1; ++i) {
    float x = load(a.data + i * a.strides[0] * size);
    float y = load(c.data + i * c.strides[0] * size);
    store(out.data + i * out.strides[0] * size,
          swiglu ? x / (1.0f + expf(-x)) * y : x + y);
  }
  return 0;
}

EXPORT int swiglu_bf16(const fake_gpu_block *b, void **params) {
  return binary(b, params, 1, 2, loadBF16, storeBF16);
}
EXPORT int add_f32(const fake_gpu_block *b, void **params) {
  return binary(b, params, 0, 4, loadF32, storeF32);
}

/* Greedy argmax of row blockIdx.x of logits [B, V]: the lowest index of
 * the maximum, -1 for a row with a NaN or no element. */
EXPORT int argmax_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN logits = viewN(params, &next, 2, 4),
        tokens = viewN(params, &next, 1, 4);
  int64_t row = b->index[0], V = logits.sizes[1];
  if (row >= logits.sizes[0] || tokens.sizes[0] != logits.sizes[0])
    return 1;
  int32_t best = V > 0 ? 0 : -1;
  float max = -INFINITY;
  for (int64_t v = 0; v < V; ++v) {
    float x = loadF32(logits.data +
                      (row * logits.strides[0] + v * logits.strides[1]) * 4);
    if (isnan(x)) {
      best = -1;
      break;
    }
    if (x > max)
      max = x, best = (int32_t)v;
  }
  memcpy(tokens.data + row * tokens.strides[0] * 4, &best, 4);
  return 0;
}

/*===-- Attention (bf16, causal bottom-right aligned or not) --------------===*/

/* Softmax attention of query row (bb, h, s) over keys [k0, k1) of the
 * first `Skv` (the valid keys: K's extent, or a ragged row's count): the
 * normalised output into `out` (Dv floats) and its log-sum-exp (natural
 * log; -inf with no key). */
static float attendRow(const ViewN *q, const ViewN *k, const ViewN *v,
                       int64_t bb, int64_t h, int64_t s, int64_t k0, int64_t k1,
                       int64_t Skv, int causal, float scale, float *out) {
  int64_t Hq = q->sizes[1], Hkv = k->sizes[1], Sq = q->sizes[2],
          D = q->sizes[3], Dv = v->sizes[3];
  if (k1 > Skv)
    k1 = Skv;
  int64_t kvh = h / (Hq / Hkv);
  int64_t last = causal ? s + (Skv - Sq) : Skv - 1; /* bottom-right */
  if (k1 > last + 1)
    k1 = last + 1;
  float max = -INFINITY, sum = 0;
  for (int64_t j = 0; j < Dv; ++j)
    out[j] = 0;
  for (int64_t t = k0; t < k1; ++t) {
    float score = 0;
    for (int64_t d = 0; d < D; ++d) {
      int64_t qi[4] = {bb, h, s, d}, ki[4] = {bb, kvh, t, d};
      score += loadBF16(at(q, qi, 2)) * loadBF16(at(k, ki, 2));
    }
    score *= scale;
    float m = score > max ? score : max;
    float correction = expf(max - m), p = expf(score - m);
    sum = sum * correction + p;
    for (int64_t j = 0; j < Dv; ++j) {
      int64_t vi[4] = {bb, kvh, t, j};
      out[j] = out[j] * correction + p * loadBF16(at(v, vi, 2));
    }
    max = m;
  }
  if (sum == 0)
    return -INFINITY;
  for (int64_t j = 0; j < Dv; ++j)
    out[j] /= sum;
  return max + logf(sum);
}

/* Prefill, scale 1/sqrt(D): grid (query blocks, Hkv, B); block x owns a
 * share of the query positions of its KV head's query heads. */
static int attentionPrefill(const fake_gpu_block *b, void **params,
                            int causal) {
  int next = 0;
  ViewN q = viewN(params, &next, 4, 2), k = viewN(params, &next, 4, 2),
        v = viewN(params, &next, 4, 2), o = viewN(params, &next, 4, 2);
  int64_t B = q.sizes[0], Hq = q.sizes[1], Hkv = k.sizes[1], Sq = q.sizes[2],
          Dv = v.sizes[3], s0, s1;
  if (Dv > 256 || Hkv == 0 || Hq % Hkv || b->index[2] >= B ||
      b->index[1] >= Hkv)
    return 1;
  float scale = 1.0f / sqrtf((float)q.sizes[3]), row[256];
  share(Sq, b->index[0], b->grid[0], &s0, &s1);
  int64_t bb = b->index[2], group = Hq / Hkv;
  for (int64_t h = b->index[1] * group; h < (b->index[1] + 1) * group; ++h)
    for (int64_t s = s0; s < s1; ++s) {
      attendRow(&q, &k, &v, bb, h, s, 0, k.sizes[2], k.sizes[2], causal, scale,
                row);
      for (int64_t j = 0; j < Dv; ++j) {
        int64_t oi[4] = {bb, h, s, j};
        storeBF16(at(&o, oi, 2), row[j]);
      }
    }
  return 0;
}

/* Split-KV: grid (splits, Hkv, B); split x takes its share of the keys and
 * writes partial [B, Hq, splits, Sq, Dv] and lse [B, Hq, splits, Sq]. */
static int attentionSplit(const fake_gpu_block *b, void **params, int causal) {
  int next = 0;
  ViewN q = viewN(params, &next, 4, 2), k = viewN(params, &next, 4, 2),
        v = viewN(params, &next, 4, 2), part = viewN(params, &next, 5, 4),
        lse = viewN(params, &next, 4, 4);
  int64_t B = q.sizes[0], Hq = q.sizes[1], Hkv = k.sizes[1], Sq = q.sizes[2],
          Dv = v.sizes[3], splits = part.sizes[2], k0, k1;
  if (Dv > 256 || Hkv == 0 || Hq % Hkv || b->index[2] >= B ||
      b->index[1] >= Hkv || b->index[0] >= splits || lse.sizes[2] != splits)
    return 1;
  float scale = 1.0f / sqrtf((float)q.sizes[3]), row[256];
  share(k.sizes[2], b->index[0], (unsigned)splits, &k0, &k1);
  int64_t bb = b->index[2], group = Hq / Hkv, split = b->index[0];
  for (int64_t h = b->index[1] * group; h < (b->index[1] + 1) * group; ++h)
    for (int64_t s = 0; s < Sq; ++s) {
      float l = attendRow(&q, &k, &v, bb, h, s, k0, k1, k.sizes[2], causal,
                          scale, row);
      int64_t li[4] = {bb, h, split, s};
      storeF32(at(&lse, li, 4), l);
      for (int64_t j = 0; j < Dv; ++j) {
        int64_t pi[5] = {bb, h, split, s, j};
        storeF32(at(&part, pi, 4), row[j]);
      }
    }
  return 0;
}

/* Ragged KV (kv_lengths [B] i32 after V, an i32 status word last): row bb
 * attends to its first L = clamp(kv_lengths[bb], 0, Skv) keys, positions
 * aligned to L; a count outside [0, Skv] stores 2 (a KV cache overflow). */
static int64_t raggedKeys(const ViewN *lengths, const ViewN *status,
                          const ViewN *k, int64_t bb) {
  int32_t n;
  int64_t li[1] = {bb}, zero[1] = {0};
  memcpy(&n, at(lengths, li, 4), 4);
  if (n < 0 || n > k->sizes[2]) {
    int32_t code = 2;
    memcpy(at(status, zero, 4), &code, 4);
  }
  return n < 0 ? 0 : n > k->sizes[2] ? k->sizes[2] : n;
}

/* Ragged prefill: Q, K, V, kv_lengths, O, status; grid as the prefill's.
 * The query row sits at key position L - Sq + s (causal). */
static int attentionPrefillRagged(const fake_gpu_block *b, void **params,
                                  int causal) {
  int next = 0;
  ViewN q = viewN(params, &next, 4, 2), k = viewN(params, &next, 4, 2),
        v = viewN(params, &next, 4, 2), len = viewN(params, &next, 1, 4),
        o = viewN(params, &next, 4, 2), status = viewN(params, &next, 1, 4);
  int64_t B = q.sizes[0], Hq = q.sizes[1], Hkv = k.sizes[1], Sq = q.sizes[2],
          Dv = v.sizes[3], s0, s1;
  if (Dv > 256 || Hkv == 0 || Hq % Hkv || b->index[2] >= B ||
      b->index[1] >= Hkv || len.sizes[0] != B)
    return 1;
  float scale = 1.0f / sqrtf((float)q.sizes[3]), row[256];
  share(Sq, b->index[0], b->grid[0], &s0, &s1);
  int64_t bb = b->index[2], group = Hq / Hkv;
  int64_t L = raggedKeys(&len, &status, &k, bb);
  for (int64_t h = b->index[1] * group; h < (b->index[1] + 1) * group; ++h)
    for (int64_t s = s0; s < s1; ++s) {
      attendRow(&q, &k, &v, bb, h, s, 0, L, L, causal, scale, row);
      for (int64_t j = 0; j < Dv; ++j) {
        int64_t oi[4] = {bb, h, s, j};
        storeBF16(at(&o, oi, 2), row[j]);
      }
    }
  return 0;
}

/* Ragged split-KV: Q, K, V, kv_lengths, partial, lse, status; split x
 * takes its share of the row's L valid keys. */
static int attentionSplitRagged(const fake_gpu_block *b, void **params,
                                int causal) {
  int next = 0;
  ViewN q = viewN(params, &next, 4, 2), k = viewN(params, &next, 4, 2),
        v = viewN(params, &next, 4, 2), len = viewN(params, &next, 1, 4),
        part = viewN(params, &next, 5, 4), lse = viewN(params, &next, 4, 4),
        status = viewN(params, &next, 1, 4);
  int64_t B = q.sizes[0], Hq = q.sizes[1], Hkv = k.sizes[1], Sq = q.sizes[2],
          Dv = v.sizes[3], splits = part.sizes[2], k0, k1;
  if (Dv > 256 || Hkv == 0 || Hq % Hkv || b->index[2] >= B ||
      b->index[1] >= Hkv || b->index[0] >= splits || lse.sizes[2] != splits ||
      len.sizes[0] != B)
    return 1;
  float scale = 1.0f / sqrtf((float)q.sizes[3]), row[256];
  int64_t bb = b->index[2], group = Hq / Hkv, split = b->index[0];
  int64_t L = raggedKeys(&len, &status, &k, bb);
  share(L, b->index[0], (unsigned)splits, &k0, &k1);
  for (int64_t h = b->index[1] * group; h < (b->index[1] + 1) * group; ++h)
    for (int64_t s = 0; s < Sq; ++s) {
      float l = attendRow(&q, &k, &v, bb, h, s, k0, k1, L, causal, scale, row);
      int64_t li[4] = {bb, h, split, s};
      storeF32(at(&lse, li, 4), l);
      for (int64_t j = 0; j < Dv; ++j) {
        int64_t pi[5] = {bb, h, split, s, j};
        storeF32(at(&part, pi, 4), row[j]);
      }
    }
  return 0;
}

/* Merge: grid (Hq, B); weights each split's output by exp(lse - max). */
EXPORT int attention_merge_bf16(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN part = viewN(params, &next, 5, 4), lse = viewN(params, &next, 4, 4),
        o = viewN(params, &next, 4, 2);
  int64_t h = b->index[0], bb = b->index[1], splits = part.sizes[2],
          Sq = part.sizes[3], Dv = part.sizes[4];
  if (bb >= o.sizes[0] || h >= o.sizes[1] || o.sizes[3] != Dv)
    return 1;
  for (int64_t s = 0; s < Sq; ++s) {
    float max = -INFINITY;
    for (int64_t i = 0; i < splits; ++i) {
      int64_t li[4] = {bb, h, i, s};
      float l = loadF32(at(&lse, li, 4));
      max = l > max ? l : max;
    }
    for (int64_t j = 0; j < Dv; ++j) {
      float acc = 0, weight = 0;
      for (int64_t i = 0; i < splits; ++i) {
        int64_t li[4] = {bb, h, i, s}, pi[5] = {bb, h, i, s, j};
        float l = loadF32(at(&lse, li, 4));
        if (l == -INFINITY)
          continue;
        float w = expf(l - max);
        acc += w * loadF32(at(&part, pi, 4));
        weight += w;
      }
      int64_t oi[4] = {bb, h, s, j};
      storeBF16(at(&o, oi, 2), weight > 0 ? acc / weight : 0);
    }
  }
  return 0;
}

/* The kernels of gpu-host.test's attention entries (their names carry the
 * mapping: group size, head dims, query positions per block). */
EXPORT int attention_bf16_g2_d64_dv64_q32_causal(const fake_gpu_block *b,
                                                 void **params) {
  return attentionPrefill(b, params, 1);
}
EXPORT int attention_bf16_g4_d32_dv32_q2_causal(const fake_gpu_block *b,
                                                void **params) {
  return attentionPrefill(b, params, 1);
}
EXPORT int attention_bf16_g4_d32_dv32_q2_causal_split(const fake_gpu_block *b,
                                                      void **params) {
  return attentionSplit(b, params, 1);
}
/* The decode form: the split-KV kernel's arguments, workspaces and grid
 * (splits, Hkv, B); only its mapping inside a block differs. */
EXPORT int attention_bf16_g4_d32_dv32_q2_causal_decode(const fake_gpu_block *b,
                                                       void **params) {
  return attentionSplit(b, params, 1);
}

/* gpu-host-ragged.test's decode step over a ragged cache (bf16, GQA 4:1,
 * D = 64, one query per row): prefill, split and decode forms. */
EXPORT int attention_bf16_g4_d64_dv64_q1_kvlen(const fake_gpu_block *b,
                                               void **params) {
  return attentionPrefillRagged(b, params, 0);
}
EXPORT int attention_bf16_g4_d64_dv64_q1_kvlen_split(const fake_gpu_block *b,
                                                     void **params) {
  return attentionSplitRagged(b, params, 0);
}
EXPORT int attention_bf16_g4_d64_dv64_q1_kvlen_decode(const fake_gpu_block *b,
                                                      void **params) {
  return attentionSplitRagged(b, params, 0);
}

/* gpu-session.test's one-head attention over the session's cache (bf16,
 * D = 64): the 5-query causal prefill and the one-query decode step. */
EXPORT int attention_bf16_g1_d64_dv64_q5_causal_kvlen(const fake_gpu_block *b,
                                                      void **params) {
  return attentionPrefillRagged(b, params, 1);
}
EXPORT int attention_bf16_g1_d64_dv64_q1_kvlen(const fake_gpu_block *b,
                                               void **params) {
  return attentionPrefillRagged(b, params, 0);
}

/*===-- gpu-import.test: an imported Llama (f32, bf16 caches) -----------===*/

EXPORT int rms_norm_f32_warp_eps3727c5ac(const fake_gpu_block *b,
                                         void **params) {
  return rmsNorm(b, params, 1e-5f, 4, loadF32, storeF32);
}
EXPORT int swiglu_f32(const fake_gpu_block *b, void **params) {
  return binary(b, params, 1, 4, loadF32, storeF32);
}
/* NeoX RoPE, theta 10000 over D = 16 (the checkpoint hf_llama_hd16). */
EXPORT int rope_f32_neox_d16_r16_0040523e(const fake_gpu_block *b,
                                          void **params) {
  return ropeNeoxSized(b, params, 10000.0f, 4);
}

/* Y[i0, i1, i2, i3] = X with dimensions 1 and 2 swapped (the permute
 * kernel of linalg.transpose [0, 2, 1, 3]): grid (row tiles of Y's
 * dimension 2, Y's dimension 1, Y's dimension 0); the block's share of
 * the rows. */
static int permute0213(const fake_gpu_block *b, void **params, int size) {
  int next = 0;
  ViewN x = viewN(params, &next, 4, size), y = viewN(params, &next, 4, size);
  int64_t i0 = b->index[2], i1 = b->index[1], r0, r1;
  if (i0 >= y.sizes[0] || i1 >= y.sizes[1] || x.sizes[0] != y.sizes[0] ||
      x.sizes[1] != y.sizes[2] || x.sizes[2] != y.sizes[1] ||
      x.sizes[3] != y.sizes[3])
    return 1;
  share(y.sizes[2], b->index[0], b->grid[0], &r0, &r1);
  for (int64_t i2 = r0; i2 < r1; ++i2)
    for (int64_t i3 = 0; i3 < y.sizes[3]; ++i3) {
      int64_t out[4] = {i0, i1, i2, i3}, in[4] = {i0, i2, i1, i3};
      memcpy(at(&y, out, size), at(&x, in, size), size);
    }
  return 0;
}
EXPORT int permute_f32_p0213_d16(const fake_gpu_block *b, void **params) {
  return permute0213(b, params, 4);
}

/* Element-type conversions over N elements: the block's share. */
static int convert(const fake_gpu_block *b, void **params, int from, int to) {
  int next = 0;
  ViewN x = viewN(params, &next, 1, from), y = viewN(params, &next, 1, to);
  int64_t N = y.sizes[0], i0, i1;
  if (x.sizes[0] != N)
    return 1;
  share(N, b->index[0], b->grid[0], &i0, &i1);
  for (int64_t i = i0; i < i1; ++i) {
    char *src = x.data + i * x.strides[0] * from;
    float v = from == 4 ? loadF32(src) : loadBF16(src);
    char *dst = y.data + i * y.strides[0] * to;
    if (to == 4)
      storeF32(dst, v);
    else
      storeBF16(dst, v);
  }
  return 0;
}
EXPORT int convert_f32_bf16(const fake_gpu_block *b, void **params) {
  return convert(b, params, 4, 2);
}
EXPORT int convert_bf16_f32(const fake_gpu_block *b, void **params) {
  return convert(b, params, 2, 4);
}
/* Its attention (GQA 2:1, D = 16, ragged over the session's bf16 cache):
 * prefill and decode steps alike (the query length is dynamic). */
EXPORT int attention_bf16_g2_d16_dv16_q32_causal_kvlen(const fake_gpu_block *b,
                                                       void **params) {
  return attentionPrefillRagged(b, params, 1);
}

#include "fake_quant_kernels.c"
#include "fake_ssm_moe_kernels.c"
#include "fake_state_kernels.c"
