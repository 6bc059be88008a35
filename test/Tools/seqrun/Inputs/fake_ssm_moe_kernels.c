/*===- fake_ssm_moe_kernels.c - Scan, conv, MoE kernels for the fake GPU -===*\
|*                                                                            *|
|* Host versions of the scan, short-convolution and MoE kernels that the      *|
|* entries of gpu-host-ssm-moe.test launch, included by                       *|
|* fake_model_kernels.c (one image): each has the compiled kernel's name and  *|
|* launch ABI (expanded memref descriptors) and computes the part of the      *|
|* result its block owns under the manifest's grid, from the op's             *|
|* definition (docs of seq.scan, seq.causal_conv1d, seq.moe_*), written       *|
|* independently of the PyTorch references the tests compare against. So a   *|
|* wrong plan (an argument, a view, a workspace, a step order) or a wrong     *|
|* grid gives wrong results. These are hand-written C, not the emulated       *|
|* kernel code.                                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Element (i) of a rank-1 f32 view, (i, j) of rank 2, (i, j, k) of rank 3. */
static float get1(const ViewN *v, int64_t i) {
  return loadF32(v->data + i * v->strides[0] * 4);
}
static float get2(const ViewN *v, int64_t i, int64_t j) {
  return loadF32(v->data + (i * v->strides[0] + j * v->strides[1]) * 4);
}
static char *ptr2(const ViewN *v, int64_t i, int64_t j, int size) {
  return v->data + (i * v->strides[0] + j * v->strides[1]) * size;
}
static char *ptr3(const ViewN *v, int64_t i, int64_t j, int64_t k, int size) {
  return v->data +
         (i * v->strides[0] + j * v->strides[1] + k * v->strides[2]) * size;
}
static float get3(const ViewN *v, int64_t i, int64_t j, int64_t k) {
  return loadF32(ptr3(v, i, j, k, 4));
}
static int32_t geti1(const ViewN *v, int64_t i) {
  int32_t x;
  memcpy(&x, v->data + i * v->strides[0] * 4, 4);
  return x;
}
static int32_t geti2(const ViewN *v, int64_t i, int64_t j) {
  int32_t x;
  memcpy(&x, ptr2(v, i, j, 4), 4);
  return x;
}
static void seti(char *p, int32_t x) { memcpy(p, &x, 4); }

/* ------------------------------------------------------------------------ *
 * seq.causal_conv1d, f32, with bias and SiLU: x [B, S, C], w [C, K],
 * bias [C], optional state [B, K-1, C]; y [B, S, C], final state
 * [B, K-1, C] (the last K-1 inputs of state ++ x). Grid (time tiles, B):
 * block (x, y) owns a share of the time steps of batch row y; the blocks
 * of the first tile write the final state.
 * ------------------------------------------------------------------------ */
static int conv1d(const fake_gpu_block *b, void **params, int hasState) {
  int next = 0;
  ViewN x = viewN(params, &next, 3, 4), w = viewN(params, &next, 2, 4),
        bias = viewN(params, &next, 1, 4), state = {0};
  if (hasState)
    state = viewN(params, &next, 3, 4);
  ViewN y = viewN(params, &next, 3, 4), fs = viewN(params, &next, 3, 4);
  int64_t B = x.sizes[0], S = x.sizes[1], C = x.sizes[2], K = w.sizes[1];
  int64_t bb = b->index[1], s0, s1;
  if (w.sizes[0] != C || bias.sizes[0] != C || K < 1 || bb >= B ||
      y.sizes[0] != B || y.sizes[1] != S || y.sizes[2] != C ||
      fs.sizes[0] != B || fs.sizes[1] != K - 1 || fs.sizes[2] != C ||
      (hasState &&
       (state.sizes[0] != B || state.sizes[1] != K - 1 || state.sizes[2] != C)))
    return 1;
  /* Input j of state ++ x (j in [0, K-1+S)). */
#define CONV_IN(j, c)                                                          \
  ((j) < K - 1 ? (hasState ? get3(&state, bb, (j), (c)) : 0.0f)                \
               : get3(&x, bb, (j) - (K - 1), (c)))
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s)
    for (int64_t c = 0; c < C; ++c) {
      float acc = get1(&bias, c);
      for (int64_t k = 0; k < K; ++k)
        acc += get2(&w, c, k) * CONV_IN(s + k, c);
      storeF32(ptr3(&y, bb, s, c, 4), acc / (1.0f + expf(-acc)));
    }
  if (b->index[0] == 0)
    for (int64_t j = 0; j < K - 1; ++j)
      for (int64_t c = 0; c < C; ++c)
        storeF32(ptr3(&fs, bb, j, c, 4), CONV_IN(S + j, c));
#undef CONV_IN
  return 0;
}

EXPORT int
causal_conv1d_f32_wf32_k4_biasf32_fsf32_silu_r25(const fake_gpu_block *b,
                                                 void **params) {
  return conv1d(b, params, 0);
}
EXPORT int causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r25(
    const fake_gpu_block *b, void **params) {
  return conv1d(b, params, 1);
}

/* ------------------------------------------------------------------------ *
 * The Mamba-1 selective scan of the test model's regions (seq.scan with
 * softplus(dt + dt_bias), A = -exp(A_log), h = exp(dt A) h + dt B x,
 * y = sum_n h C): dt, x [B, T, D], dt_bias [D], A_log [D, N], B, C
 * [B, T, N], h0 [B, D, N]; y [B, T, D], final state [B, D, N]. The decode
 * step (seq.scan_step) has no T. Grid (channel tiles, B): block (x, y) owns
 * a share of the channels of batch row y.
 * ------------------------------------------------------------------------ */
static float softplus(float v) { return log1pf(expf(v)); }

static int scanMamba1(const fake_gpu_block *b, void **params, int isStep) {
  int next = 0, r3 = isStep ? 2 : 3;
  ViewN dt = viewN(params, &next, r3, 4), dtBias = viewN(params, &next, 1, 4),
        x = viewN(params, &next, r3, 4), aLog = viewN(params, &next, 2, 4),
        bm = viewN(params, &next, r3, 4), cm = viewN(params, &next, r3, 4),
        h0 = viewN(params, &next, 3, 4), y = viewN(params, &next, r3, 4),
        hT = viewN(params, &next, 3, 4);
  int64_t B = h0.sizes[0], D = h0.sizes[1], N = h0.sizes[2];
  int64_t T = isStep ? 1 : dt.sizes[1], bb = b->index[1], d0, d1;
  if (N > 256 || bb >= B || aLog.sizes[0] != D || aLog.sizes[1] != N ||
      dtBias.sizes[0] != D || dt.sizes[r3 - 1] != D || x.sizes[r3 - 1] != D ||
      bm.sizes[r3 - 1] != N || cm.sizes[r3 - 1] != N || hT.sizes[2] != N)
    return 1;
  share(D, b->index[0], b->grid[0], &d0, &d1);
  for (int64_t d = d0; d < d1; ++d) {
    float h[256];
    for (int64_t n = 0; n < N; ++n)
      h[n] = get3(&h0, bb, d, n);
    for (int64_t t = 0; t < T; ++t) {
      float dtv = isStep ? get2(&dt, bb, d) : get3(&dt, bb, t, d);
      float xv = isStep ? get2(&x, bb, d) : get3(&x, bb, t, d);
      float delta = softplus(dtv + get1(&dtBias, d)), out = 0;
      for (int64_t n = 0; n < N; ++n) {
        float bv = isStep ? get2(&bm, bb, n) : get3(&bm, bb, t, n);
        float cv = isStep ? get2(&cm, bb, n) : get3(&cm, bb, t, n);
        float a = -expf(get2(&aLog, d, n));
        h[n] = expf(delta * a) * h[n] + delta * bv * xv;
        out += h[n] * cv;
      }
      storeF32(isStep ? ptr2(&y, bb, d, 4) : ptr3(&y, bb, t, d, 4), out);
    }
    for (int64_t n = 0; n < N; ++n)
      storeF32(ptr3(&hT, bb, d, n, 4), h[n]);
  }
  return 0;
}

EXPORT int scan_f32_g16(const fake_gpu_block *b, void **params) {
  return scanMamba1(b, params, 0);
}
EXPORT int scan_step_f32_g16(const fake_gpu_block *b, void **params) {
  return scanMamba1(b, params, 1);
}

/* ------------------------------------------------------------------------ *
 * MoE routing (seq.moe_route): logits [T, E] (f32), optional bias [E];
 * weights [T, K] (f32), experts [T, K] (i32). Grid (token tiles): block x
 * owns a share of the tokens. Top-k in descending score order, the lowest
 * index on ties.
 * ------------------------------------------------------------------------ */
#define MOE_MAX_E 256

/* The best eligible expert not yet taken, by `score`. */
static int64_t bestExpert(const float *score, const int *eligible,
                          const int *taken, int64_t E) {
  int64_t best = -1;
  for (int64_t e = 0; e < E; ++e)
    if (eligible[e] && !taken[e] && (best < 0 || score[e] > score[best]))
      best = e;
  return best;
}

/* topk_softmax: top-k of the raw logits, softmax over the K chosen. */
static int routeTopkSoftmax(const fake_gpu_block *b, void **params, int64_t K) {
  int next = 0;
  ViewN logits = viewN(params, &next, 2, 4), w = viewN(params, &next, 2, 4),
        ids = viewN(params, &next, 2, 4);
  int64_t T = logits.sizes[0], E = logits.sizes[1], t0, t1;
  if (E > MOE_MAX_E || K > E || w.sizes[1] != K || ids.sizes[1] != K)
    return 1;
  share(T, b->index[0], b->grid[0], &t0, &t1);
  for (int64_t t = t0; t < t1; ++t) {
    float score[MOE_MAX_E];
    int eligible[MOE_MAX_E], taken[MOE_MAX_E] = {0};
    int64_t chosen[MOE_MAX_E];
    for (int64_t e = 0; e < E; ++e) {
      score[e] = get2(&logits, t, e);
      eligible[e] = 1;
    }
    float max = -INFINITY, sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      chosen[k] = bestExpert(score, eligible, taken, E);
      taken[chosen[k]] = 1;
      max = score[chosen[k]] > max ? score[chosen[k]] : max;
    }
    for (int64_t k = 0; k < K; ++k)
      sum += expf(score[chosen[k]] - max);
    for (int64_t k = 0; k < K; ++k) {
      storeF32(ptr2(&w, t, k, 4), expf(score[chosen[k]] - max) / sum);
      seti(ptr2(&ids, t, k, 4), (int32_t)chosen[k]);
    }
  }
  return 0;
}

/* sigmoid scores, the bias for selection only, G groups scored by their two
 * best biased scores, the Kg best groups eligible; weights the unbiased
 * scores normalised, times `scaling` (DeepSeek-V3). */
static int routeSigmoidGrouped(const fake_gpu_block *b, void **params,
                               int64_t K, int64_t G, int64_t Kg,
                               float scaling) {
  int next = 0;
  ViewN logits = viewN(params, &next, 2, 4), bias = viewN(params, &next, 1, 4),
        w = viewN(params, &next, 2, 4), ids = viewN(params, &next, 2, 4);
  int64_t T = logits.sizes[0], E = logits.sizes[1], t0, t1;
  if (E > MOE_MAX_E || G < 1 || E % G || E / G < 2 || Kg > G ||
      bias.sizes[0] != E || w.sizes[1] != K || ids.sizes[1] != K)
    return 1;
  int64_t per = E / G;
  share(T, b->index[0], b->grid[0], &t0, &t1);
  for (int64_t t = t0; t < t1; ++t) {
    float s[MOE_MAX_E], sel[MOE_MAX_E], group[MOE_MAX_E];
    int eligible[MOE_MAX_E] = {0}, taken[MOE_MAX_E] = {0}, all[MOE_MAX_E];
    for (int64_t e = 0; e < E; ++e) {
      s[e] = 1.0f / (1.0f + expf(-get2(&logits, t, e)));
      sel[e] = s[e] + get1(&bias, e);
    }
    for (int64_t g = 0; g < G; ++g) {
      float first = -INFINITY, second = -INFINITY;
      for (int64_t e = g * per; e < (g + 1) * per; ++e) {
        if (sel[e] > first) {
          second = first;
          first = sel[e];
        } else if (sel[e] > second) {
          second = sel[e];
        }
      }
      group[g] = first + second;
      all[g] = 1;
    }
    int groupTaken[MOE_MAX_E] = {0};
    for (int64_t i = 0; i < Kg; ++i) {
      int64_t g = bestExpert(group, all, groupTaken, G);
      groupTaken[g] = 1;
      for (int64_t e = g * per; e < (g + 1) * per; ++e)
        eligible[e] = 1;
    }
    int64_t chosen[MOE_MAX_E];
    float sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      chosen[k] = bestExpert(sel, eligible, taken, E);
      if (chosen[k] < 0)
        return 1;
      taken[chosen[k]] = 1;
      sum += s[chosen[k]];
    }
    for (int64_t k = 0; k < K; ++k) {
      storeF32(ptr2(&w, t, k, 4), s[chosen[k]] / sum * scaling);
      seti(ptr2(&ids, t, k, 4), (int32_t)chosen[k]);
    }
  }
  return 0;
}

EXPORT int moe_route_f32_topk_softmax_k2(const fake_gpu_block *b,
                                         void **params) {
  return routeTopkSoftmax(b, params, 2);
}
EXPORT int
moe_route_f32_sigmoid_k4_norm_bias_f32_s40200000_g4_2(const fake_gpu_block *b,
                                                      void **params) {
  return routeSigmoidGrouped(b, params, 4, 4, 2, 2.5f);
}

/* Dispatch (seq.moe_dispatch, no capacity): experts [T, K] (i32);
 * permutation [T K], offsets [E + 1]: the slots t K + k grouped by expert,
 * stable. One block. */
static int dispatch(const fake_gpu_block *b, void **params, int64_t E) {
  int next = 0;
  ViewN ids = viewN(params, &next, 2, 4), perm = viewN(params, &next, 1, 4),
        off = viewN(params, &next, 1, 4);
  int64_t T = ids.sizes[0], K = ids.sizes[1], slots = T * K;
  if (b->grid[0] != 1 || perm.sizes[0] != slots || off.sizes[0] != E + 1)
    return 1;
  int64_t at = 0;
  for (int64_t e = 0; e < E; ++e) {
    seti(off.data + e * off.strides[0] * 4, (int32_t)at);
    for (int64_t s = 0; s < slots; ++s)
      if (geti2(&ids, s / K, s % K) == e)
        seti(perm.data + at++ * perm.strides[0] * 4, (int32_t)s);
  }
  seti(off.data + E * off.strides[0] * 4, (int32_t)at);
  /* Invalid expert ids: dropped, after offsets[E], in slot order. */
  for (int64_t s = 0; s < slots; ++s) {
    int32_t e = geti2(&ids, s / K, s % K);
    if (e < 0 || e >= E)
      seti(perm.data + at++ * perm.strides[0] * 4, (int32_t)s);
  }
  return 0;
}

EXPORT int moe_dispatch_e3(const fake_gpu_block *b, void **params) {
  return dispatch(b, params, 3);
}
EXPORT int moe_dispatch_e8(const fake_gpu_block *b, void **params) {
  return dispatch(b, params, 8);
}
EXPORT int moe_dispatch_e16(const fake_gpu_block *b, void **params) {
  return dispatch(b, params, 16);
}

/* ------------------------------------------------------------------------ *
 * The expert GEMMs, f32. The tile list (moe_tiles_m32, one block): entry i
 * is (group, first row) of the i-th tile of 32 rows over groups 0 .. E
 * (group E: the dropped slots, offsets[E] .. S), in group order, then
 * (-1, 0); offsets that are not 0 <= offsets[0] <= ... <= offsets[E] <= S
 * set the status word to 1 (index out of range). The routed GEMMs' grid is
 * (column tiles, list entries): block (x, y) owns a share of the columns
 * and the rows of entry y's tile (up to its group's end).
 * ------------------------------------------------------------------------ */
static float dot3(const ViewN *w, int64_t e, int64_t row, const ViewN *a,
                  int64_t arow, int64_t n) {
  float acc = 0;
  for (int64_t i = 0; i < n; ++i)
    acc += get3(w, e, row, i) * get2(a, arow, i);
  return acc;
}

enum { kRowsPerTile = 32 };

static int64_t clampRow(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

EXPORT int moe_tiles_m32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN perm = viewN(params, &next, 1, 4), off = viewN(params, &next, 1, 4),
        tiles = viewN(params, &next, 2, 4), status = viewN(params, &next, 1, 4);
  int64_t S = perm.sizes[0], E = off.sizes[0] - 1, L = tiles.sizes[0], n = 0;
  if (E < 0 || tiles.sizes[1] != 2 || status.sizes[0] != 1 ||
      L != (S + kRowsPerTile - 1) / kRowsPerTile + E || b->grid[0] != 1)
    return 1;
  for (int64_t g = 0; g <= E; ++g) {
    int64_t first = geti1(&off, g), last = g < E ? geti1(&off, g + 1) : S;
    if (first < 0 || first > S || (g > 0 && first < geti1(&off, g - 1)))
      seti(status.data, 1);
    if (first < 0)
      first = 0;
    if (first > S)
      first = S;
    if (last < first)
      last = first;
    if (last > S)
      last = S;
    for (int64_t r = first; r < last && n < L; r += kRowsPerTile, ++n) {
      seti(ptr2(&tiles, n, 0, 4), (int32_t)g);
      seti(ptr2(&tiles, n, 1, 4), (int32_t)r);
    }
  }
  for (; n < L; ++n) {
    seti(ptr2(&tiles, n, 0, 4), -1);
    seti(ptr2(&tiles, n, 1, 4), 0);
  }
  return 0;
}

/* The rows [*r0, *r1) and group *e of block y's tile (an empty range for
 * no tile), groups below `groups`. */
static void tileRows(const fake_gpu_block *b, const ViewN *tiles,
                     const ViewN *off, int64_t slots, int64_t groups,
                     int64_t *e, int64_t *r0, int64_t *r1) {
  int64_t y = b->index[1];
  *r0 = *r1 = 0;
  *e = y < tiles->sizes[0] ? geti2(tiles, y, 0) : -1;
  if (*e < 0 || *e >= groups)
    return;
  /* The group's rows clamped to [0, S], as the kernels clamp them. */
  int64_t E = off->sizes[0] - 1;
  int64_t first = clampRow(geti1(off, *e), 0, slots);
  int64_t last = *e < E ? clampRow(geti1(off, *e + 1), first, slots) : slots;
  int64_t row = geti2(tiles, y, 1);
  if (row < first || row >= last)
    return;
  *r0 = row;
  *r1 = row + kRowsPerTile < last ? row + kRowsPerTile : last;
}

/* h[r] = SiLU(x[t] wg[e]^T) * (x[t] wu[e]^T), t = perm[r] / K. */
EXPORT int moe_gate_up_swiglu_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), perm = viewN(params, &next, 1, 4),
        off = viewN(params, &next, 1, 4), wg = viewN(params, &next, 3, 4),
        wu = viewN(params, &next, 3, 4), tiles = viewN(params, &next, 2, 4),
        h = viewN(params, &next, 2, 4);
  int64_t T = x.sizes[0], Dm = x.sizes[1], F = wg.sizes[1], E = wg.sizes[0];
  int64_t slots = perm.sizes[0], e, r0, r1, c0, c1;
  if (T == 0 || slots % T || off.sizes[0] != E + 1 || wg.sizes[2] != Dm ||
      h.sizes[0] != slots || h.sizes[1] != F || tiles.sizes[1] != 2 ||
      b->grid[1] != tiles.sizes[0])
    return 1;
  int64_t K = slots / T;
  tileRows(b, &tiles, &off, slots, E, &e, &r0, &r1);
  share(F, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t r = r0; r < r1; ++r) {
    int64_t t = geti1(&perm, r) / K;
    for (int64_t c = c0; c < c1; ++c) {
      float g = dot3(&wg, e, c, &x, t, Dm), u = dot3(&wu, e, c, &x, t, Dm);
      storeF32(ptr2(&h, r, c, 4), g / (1.0f + expf(-g)) * u);
    }
  }
  return 0;
}

/* GeGLU and ungated GELU experts (gpu-host-moe-gelu.test): h[r] =
 * gelu(x[t] wg[e]^T) * (x[t] wu[e]^T), or gelu(x[t] wu[e]^T) without a
 * gate; exact GELU from C's erff. */
static float gelu(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678f)); }

static int gateUpGelu(const fake_gpu_block *b, void **params, int gated) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), perm = viewN(params, &next, 1, 4),
        off = viewN(params, &next, 1, 4), wg = {0};
  if (gated)
    wg = viewN(params, &next, 3, 4);
  ViewN wu = viewN(params, &next, 3, 4), tiles = viewN(params, &next, 2, 4),
        h = viewN(params, &next, 2, 4);
  int64_t T = x.sizes[0], Dm = x.sizes[1], F = wu.sizes[1], E = wu.sizes[0];
  int64_t slots = perm.sizes[0], e, r0, r1, c0, c1;
  if (T == 0 || slots % T || off.sizes[0] != E + 1 || wu.sizes[2] != Dm ||
      h.sizes[0] != slots || h.sizes[1] != F || tiles.sizes[1] != 2 ||
      b->grid[1] != tiles.sizes[0])
    return 1;
  int64_t K = slots / T;
  tileRows(b, &tiles, &off, slots, E, &e, &r0, &r1);
  share(F, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t r = r0; r < r1; ++r) {
    int64_t t = geti1(&perm, r) / K;
    for (int64_t c = c0; c < c1; ++c) {
      float u = dot3(&wu, e, c, &x, t, Dm);
      float v = gated ? gelu(dot3(&wg, e, c, &x, t, Dm)) * u : gelu(u);
      storeF32(ptr2(&h, r, c, 4), v);
    }
  }
  return 0;
}
EXPORT int moe_gate_up_geglu_f32(const fake_gpu_block *b, void **params) {
  return gateUpGelu(b, params, 1);
}
EXPORT int moe_up_gelu_f32(const fake_gpu_block *b, void **params) {
  return gateUpGelu(b, params, 0);
}

/* seq.grouped_matmul, f32: y[r] = x[r] w[e]^T for the rows of group e
 * (offsets[e] .. offsets[e + 1]); grid z = E: the rows of no group (before
 * offsets[0], from offsets[E]) are zeros, and block (0, 0, E) stores 1
 * (index out of range) in the status word unless 0 <= offsets[0] <= ...
 * <= offsets[E] <= R; groups are clamped to [0, R]. Grid (column tiles,
 * row tiles, E + 1). */
EXPORT int grouped_matmul_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), w = viewN(params, &next, 3, 4),
        off = viewN(params, &next, 1, 4), y = viewN(params, &next, 2, 4),
        status = viewN(params, &next, 1, 4);
  int64_t R = x.sizes[0], Kd = x.sizes[1], E = w.sizes[0], N = w.sizes[1];
  int64_t e = b->index[2], r0, r1, c0, c1;
  if (e > E || off.sizes[0] != E + 1 || w.sizes[2] != Kd || y.sizes[0] != R ||
      y.sizes[1] != N || status.sizes[0] != 1)
    return 1;
  share(N, b->index[0], b->grid[0], &c0, &c1);
  if (e == E) {
    if (b->index[0] == 0 && b->index[1] == 0) {
      int ok = geti1(&off, 0) >= 0 && geti1(&off, E) <= R;
      for (int64_t g = 1; g <= E; ++g)
        ok = ok && geti1(&off, g) >= geti1(&off, g - 1);
      if (!ok)
        seti(status.data, 1);
    }
    int64_t first = clampRow(geti1(&off, 0), 0, R);
    int64_t last = clampRow(geti1(&off, E), first, R);
    share(R, b->index[1], b->grid[1], &r0, &r1);
    for (int64_t r = r0; r < r1; ++r)
      if (r < first || r >= last)
        for (int64_t c = c0; c < c1; ++c)
          storeF32(ptr2(&y, r, c, 4), 0.0f);
    return 0;
  }
  int64_t first = clampRow(geti1(&off, e), 0, R);
  int64_t last = clampRow(geti1(&off, e + 1), first, R);
  share(last - first, b->index[1], b->grid[1], &r0, &r1);
  for (int64_t r = first + r0; r < first + r1; ++r)
    for (int64_t c = c0; c < c1; ++c)
      storeF32(ptr2(&y, r, c, 4), dot3(&w, e, c, &x, r, Kd));
  return 0;
}

/* ys[perm[r]] = w[slot] * (h[r] wd[e]^T); group E's tiles: the dropped
 * slots' rows (after offsets[E]) are zeros. */
EXPORT int moe_down_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN h = viewN(params, &next, 2, 4), perm = viewN(params, &next, 1, 4),
        off = viewN(params, &next, 1, 4), wd = viewN(params, &next, 3, 4),
        w = viewN(params, &next, 2, 4), tiles = viewN(params, &next, 2, 4),
        ys = viewN(params, &next, 2, 4);
  int64_t E = wd.sizes[0], Dm = wd.sizes[1], F = wd.sizes[2];
  int64_t slots = perm.sizes[0], K = w.sizes[1], e, r0, r1, c0, c1;
  if (off.sizes[0] != E + 1 || h.sizes[1] != F || K == 0 ||
      ys.sizes[0] != slots || ys.sizes[1] != Dm || tiles.sizes[1] != 2 ||
      b->grid[1] != tiles.sizes[0])
    return 1;
  share(Dm, b->index[0], b->grid[0], &c0, &c1);
  tileRows(b, &tiles, &off, slots, E + 1, &e, &r0, &r1);
  for (int64_t r = r0; r < r1; ++r) {
    int64_t slot = geti1(&perm, r);
    if (e == E) {
      for (int64_t c = c0; c < c1; ++c)
        storeF32(ptr2(&ys, slot, c, 4), 0.0f);
      continue;
    }
    float weight = get2(&w, slot / K, slot % K);
    for (int64_t c = c0; c < c1; ++c)
      storeF32(ptr2(&ys, slot, c, 4), weight * dot3(&wd, e, c, &h, r, F));
  }
  return 0;
}

/* The shared experts: one group of every token. hs[t] = SiLU(x[t] sg^T) *
 * (x[t] su^T); ysh[t] = hs[t] sd^T. Grid (column tiles, token tiles). */
static float dot2(const ViewN *w, int64_t row, const ViewN *a, int64_t arow,
                  int64_t n) {
  float acc = 0;
  for (int64_t i = 0; i < n; ++i)
    acc += get2(w, row, i) * get2(a, arow, i);
  return acc;
}

EXPORT int moe_shared_gate_up_swiglu_f32(const fake_gpu_block *b,
                                         void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), sg = viewN(params, &next, 2, 4),
        su = viewN(params, &next, 2, 4), hs = viewN(params, &next, 2, 4);
  int64_t T = x.sizes[0], Dm = x.sizes[1], F = sg.sizes[0], t0, t1, c0, c1;
  if (sg.sizes[1] != Dm || su.sizes[0] != F || hs.sizes[0] != T ||
      hs.sizes[1] != F)
    return 1;
  share(T, b->index[1], b->grid[1], &t0, &t1);
  share(F, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t c = c0; c < c1; ++c) {
      float g = dot2(&sg, c, &x, t, Dm), u = dot2(&su, c, &x, t, Dm);
      storeF32(ptr2(&hs, t, c, 4), g / (1.0f + expf(-g)) * u);
    }
  return 0;
}

EXPORT int moe_shared_up_gelu_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), su = viewN(params, &next, 2, 4),
        hs = viewN(params, &next, 2, 4);
  int64_t T = x.sizes[0], Dm = x.sizes[1], F = su.sizes[0], t0, t1, c0, c1;
  if (su.sizes[1] != Dm || hs.sizes[0] != T || hs.sizes[1] != F)
    return 1;
  share(T, b->index[1], b->grid[1], &t0, &t1);
  share(F, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t c = c0; c < c1; ++c)
      storeF32(ptr2(&hs, t, c, 4), gelu(dot2(&su, c, &x, t, Dm)));
  return 0;
}

EXPORT int moe_shared_down_f32(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN hs = viewN(params, &next, 2, 4), sd = viewN(params, &next, 2, 4),
        ysh = viewN(params, &next, 2, 4);
  int64_t T = hs.sizes[0], F = hs.sizes[1], Dm = sd.sizes[0], t0, t1, c0, c1;
  if (sd.sizes[1] != F || ysh.sizes[0] != T || ysh.sizes[1] != Dm)
    return 1;
  share(T, b->index[1], b->grid[1], &t0, &t1);
  share(Dm, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t t = t0; t < t1; ++t)
    for (int64_t c = c0; c < c1; ++c)
      storeF32(ptr2(&ysh, t, c, 4), dot2(&sd, c, &hs, t, F));
  return 0;
}

/* out[t] = sum over k of ys[t K + k] (+ ysh[t]). Grid (column tiles, T). */
static int combine(const fake_gpu_block *b, void **params, int shared) {
  int next = 0;
  ViewN ys = viewN(params, &next, 2, 4), ysh = {0};
  if (shared)
    ysh = viewN(params, &next, 2, 4);
  ViewN out = viewN(params, &next, 2, 4);
  int64_t T = out.sizes[0], Dm = out.sizes[1], t = b->index[1], c0, c1;
  if (T == 0 || ys.sizes[0] % T || t >= T || ys.sizes[1] != Dm)
    return 1;
  int64_t K = ys.sizes[0] / T;
  share(Dm, b->index[0], b->grid[0], &c0, &c1);
  for (int64_t c = c0; c < c1; ++c) {
    float sum = 0;
    for (int64_t k = 0; k < K; ++k)
      sum += get2(&ys, t * K + k, c);
    if (shared)
      sum += get2(&ysh, t, c);
    storeF32(ptr2(&out, t, c, 4), sum);
  }
  return 0;
}

EXPORT int moe_combine_f32(const fake_gpu_block *b, void **params) {
  return combine(b, params, 0);
}
EXPORT int moe_combine_f32_shared(const fake_gpu_block *b, void **params) {
  return combine(b, params, 1);
}

/* ------------------------------------------------------------------------ *
 * The imported Mamba models' kernels (gpu-import-ssm.test): the
 * convolution's in-place form (its final state written over its state: the
 * last block of the grid, which the fake driver runs after the others,
 * writes it in ascending order, so each old value is read before it is
 * overwritten: new[j] = (state ++ x)[S + j] reads ahead of j), the slice
 * of a window of columns of every row, the splat fill and the elementwise
 * linalg.generic maps of the Mamba blocks (from the importer's
 * definitions: y + x D, times SiLU(z); Mamba-2's gated norm weight).
 * ------------------------------------------------------------------------ */
static int conv1dInPlace(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 3, 4), w = viewN(params, &next, 2, 4),
        bias = viewN(params, &next, 1, 4), state = viewN(params, &next, 3, 4),
        y = viewN(params, &next, 3, 4), fs = viewN(params, &next, 3, 4);
  int64_t B = x.sizes[0], S = x.sizes[1], C = x.sizes[2], K = w.sizes[1];
  int64_t bb = b->index[1], s0, s1;
  if (w.sizes[0] != C || bias.sizes[0] != C || K < 1 || bb >= B ||
      y.sizes[0] != B || y.sizes[1] != S || y.sizes[2] != C ||
      fs.sizes[0] != B || fs.sizes[1] != K - 1 || fs.sizes[2] != C ||
      state.sizes[0] != B || state.sizes[1] != K - 1 || state.sizes[2] != C ||
      fs.data != state.data)
    return 1;
#define CONV_IN(j, c)                                                          \
  ((j) < K - 1 ? get3(&state, bb, (j), (c)) : get3(&x, bb, (j) - (K - 1), (c)))
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s)
    for (int64_t c = 0; c < C; ++c) {
      float acc = get1(&bias, c);
      for (int64_t k = 0; k < K; ++k)
        acc += get2(&w, c, k) * CONV_IN(s + k, c);
      storeF32(ptr3(&y, bb, s, c, 4), acc / (1.0f + expf(-acc)));
    }
  if (b->index[0] == b->grid[0] - 1)
    for (int64_t j = 0; j < K - 1; ++j)
      for (int64_t c = 0; c < C; ++c)
        storeF32(ptr3(&fs, bb, j, c, 4), CONV_IN(S + j, c));
#undef CONV_IN
  return 0;
}

EXPORT int causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r14_inplace(
    const fake_gpu_block *b, void **params) {
  return conv1dInPlace(b, params);
}
EXPORT int causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r11_inplace(
    const fake_gpu_block *b, void **params) {
  return conv1dInPlace(b, params);
}

/* y [R, W] = x [R, Ws] columns [offset, offset + W): the block's rows. */
static int sliceF32(const fake_gpu_block *b, void **params, int64_t offset,
                    int64_t width) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), y = viewN(params, &next, 2, 4);
  int64_t R = y.sizes[0], r0, r1;
  if (x.sizes[0] != R || y.sizes[1] != width || offset + width > x.sizes[1])
    return 1;
  share(R, b->index[0], b->grid[0], &r0, &r1);
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t c = 0; c < width; ++c)
      storeF32(ptr2(&y, r, c, 4), get2(&x, r, offset + c));
  return 0;
}
#define FAKE_SLICE(o, d)                                                       \
  EXPORT int slice_f32_o##o##_d##d(const fake_gpu_block *b, void **params) {   \
    return sliceF32(b, params, o, d);                                          \
  }
FAKE_SLICE(0, 72)
FAKE_SLICE(72, 72)
FAKE_SLICE(0, 3)
FAKE_SLICE(3, 6)
FAKE_SLICE(9, 6)
FAKE_SLICE(72, 92)
FAKE_SLICE(164, 6)
FAKE_SLICE(72, 10)
FAKE_SLICE(82, 10)
#undef FAKE_SLICE

/* y [N] = 1 (f32): the block's share. */
EXPORT int fill_f32_3f800000(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN y = viewN(params, &next, 1, 4);
  int64_t i0, i1;
  share(y.sizes[0], b->index[0], b->grid[0], &i0, &i1);
  for (int64_t i = i0; i < i1; ++i)
    storeF32(y.data + i * y.strides[0] * 4, 1.0f);
  return 0;
}

static float siluF(float v) { return v / (1.0f + expf(-v)); }

/* The Mamba block's output: (y + x D) * SiLU(z), y, x, z [B, S, C], D [C];
 * the block's share of the rows of grid (row tiles, batch). */
EXPORT int generic_f32_r3_i012_i012_i2_i012_111ab7e5(const fake_gpu_block *b,
                                                     void **params) {
  int next = 0;
  ViewN y = viewN(params, &next, 3, 4), x = viewN(params, &next, 3, 4),
        d = viewN(params, &next, 1, 4), z = viewN(params, &next, 3, 4),
        out = viewN(params, &next, 3, 4);
  int64_t S = out.sizes[1], C = out.sizes[2], bb = b->index[1], s0, s1;
  if (d.sizes[0] != C || y.sizes[1] != S || x.sizes[1] != S ||
      z.sizes[1] != S || bb >= out.sizes[0])
    return 1;
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s)
    for (int64_t c = 0; c < C; ++c)
      storeF32(ptr3(&out, bb, s, c, 4),
               (get3(&y, bb, s, c) + get3(&x, bb, s, c) * get1(&d, c)) *
                   siluF(get3(&z, bb, s, c)));
  return 0;
}

/* The imported Mamba-1 scan (seq.scan of the importer's regions):
 * dt [B, T, D] (dt_proj's output, its bias included), x [B, T, D],
 * A_log [D, N], B, C [B, T, N], h0 [B, D, N]; y [B, T, D], final state
 * [B, D, N] written over h0 (in place). delta = softplus(dt) (dt above 20
 * kept), h = exp(delta A) h + delta B x with A = -exp(A_log), y = sum_n
 * h C. Grid (channel tiles, B). */
EXPORT int scan_f32_g8(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN dt = viewN(params, &next, 3, 4), x = viewN(params, &next, 3, 4),
        aLog = viewN(params, &next, 2, 4), bm = viewN(params, &next, 3, 4),
        cm = viewN(params, &next, 3, 4), h0 = viewN(params, &next, 3, 4),
        y = viewN(params, &next, 3, 4), hT = viewN(params, &next, 3, 4);
  int64_t B = h0.sizes[0], D = h0.sizes[1], N = h0.sizes[2];
  int64_t T = dt.sizes[1], bb = b->index[1], d0, d1;
  if (N > 256 || bb >= B || aLog.sizes[0] != D || aLog.sizes[1] != N ||
      dt.sizes[2] != D || x.sizes[2] != D || bm.sizes[2] != N ||
      cm.sizes[2] != N || hT.sizes[2] != N || x.sizes[1] != T ||
      bm.sizes[1] != T || cm.sizes[1] != T || y.sizes[1] != T)
    return 1;
  share(D, b->index[0], b->grid[0], &d0, &d1);
  for (int64_t d = d0; d < d1; ++d) {
    float h[256];
    for (int64_t n = 0; n < N; ++n)
      h[n] = get3(&h0, bb, d, n);
    for (int64_t t = 0; t < T; ++t) {
      float dtv = get3(&dt, bb, t, d), xv = get3(&x, bb, t, d);
      float delta = dtv > 20.0f ? dtv : softplus(dtv), out = 0;
      for (int64_t n = 0; n < N; ++n) {
        float a = -expf(get2(&aLog, d, n));
        h[n] = expf(a * delta) * h[n] + delta * get3(&bm, bb, t, n) * xv;
        out += h[n] * get3(&cm, bb, t, n);
      }
      storeF32(ptr3(&y, bb, t, d, 4), out);
    }
    for (int64_t n = 0; n < N; ++n)
      storeF32(ptr3(&hT, bb, d, n, 4), h[n]);
  }
  return 0;
}

/* Element (i, j, k, l) of a rank-4 f32 view. */
static char *ptr4(const ViewN *v, int64_t i, int64_t j, int64_t k, int64_t l) {
  return v->data + (i * v->strides[0] + j * v->strides[1] +
                    k * v->strides[2] + l * v->strides[3]) *
                       4;
}

/* Mamba-2's y + x D: y, x [B, S, H, P], D [H]; grid (head tiles, S, B). */
EXPORT int generic_f32_r4_i0123_i0123_i2_3fe43b3c(const fake_gpu_block *b,
                                                  void **params) {
  int next = 0;
  ViewN y = viewN(params, &next, 4, 4), x = viewN(params, &next, 4, 4),
        d = viewN(params, &next, 1, 4), out = viewN(params, &next, 4, 4);
  int64_t H = out.sizes[2], P = out.sizes[3], s = b->index[1],
          bb = b->index[2], h0, h1;
  if (d.sizes[0] != H || s >= out.sizes[1] || bb >= out.sizes[0])
    return 1;
  share(H, b->index[0], b->grid[0], &h0, &h1);
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t p = 0; p < P; ++p)
      storeF32(ptr4(&out, bb, s, h, p),
               loadF32(ptr4(&y, bb, s, h, p)) +
                   loadF32(ptr4(&x, bb, s, h, p)) * get1(&d, h));
  return 0;
}

/* Mamba-2's y * SiLU(z), y, z [B, S, C]; grid (row tiles, B). */
EXPORT int generic_f32_r3_i012_i012_677a0aed(const fake_gpu_block *b,
                                             void **params) {
  int next = 0;
  ViewN y = viewN(params, &next, 3, 4), z = viewN(params, &next, 3, 4),
        out = viewN(params, &next, 3, 4);
  int64_t S = out.sizes[1], C = out.sizes[2], bb = b->index[1], s0, s1;
  if (bb >= out.sizes[0])
    return 1;
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s)
    for (int64_t c = 0; c < C; ++c)
      storeF32(ptr3(&out, bb, s, c, 4),
               get3(&y, bb, s, c) * siluF(get3(&z, bb, s, c)));
  return 0;
}

/* Mamba-2's gated norm weight: w x, x [B, S, C], w [C]; grid (row tiles,
 * B). */
EXPORT int generic_f32_r3_i012_i2_91af7eaf(const fake_gpu_block *b,
                                           void **params) {
  int next = 0;
  ViewN x = viewN(params, &next, 3, 4), w = viewN(params, &next, 1, 4),
        out = viewN(params, &next, 3, 4);
  int64_t S = out.sizes[1], C = out.sizes[2], bb = b->index[1], s0, s1;
  if (w.sizes[0] != C || bb >= out.sizes[0])
    return 1;
  share(S, b->index[0], b->grid[0], &s0, &s1);
  for (int64_t s = s0; s < s1; ++s)
    for (int64_t c = 0; c < C; ++c)
      storeF32(ptr3(&out, bb, s, c, 4), get1(&w, c) * get3(&x, bb, s, c));
  return 0;
}

/* The imported Mamba-2 scan (seq.scan over a [B, H, P, N] state): dt
 * [B, T, H], dt_bias [H], x [B, T, H, P], A_log [H], B, C [B, T, G, N]
 * (head h reads group h / (H / G)), h0 [B, H, P, N]; y [B, T, H, P],
 * final state over h0. delta = softplus(dt + dt_bias) (above 20 kept),
 * h = exp(delta A) h + delta B x with A = -exp(A_log), y = sum_n h C.
 * Grid (P tiles, B, H). */
EXPORT int scan_heads_f32_g8(const fake_gpu_block *b, void **params) {
  int next = 0;
  ViewN dt = viewN(params, &next, 3, 4), dtBias = viewN(params, &next, 1, 4),
        x = viewN(params, &next, 4, 4), aLog = viewN(params, &next, 1, 4),
        bm = viewN(params, &next, 4, 4), cm = viewN(params, &next, 4, 4),
        h0 = viewN(params, &next, 4, 4), y = viewN(params, &next, 4, 4),
        hT = viewN(params, &next, 4, 4);
  int64_t H = h0.sizes[1], P = h0.sizes[2], N = h0.sizes[3], T = dt.sizes[1];
  int64_t G = bm.sizes[2], bb = b->index[1], h = b->index[2], p0, p1;
  if (N > 256 || G < 1 || H % G != 0 || bb >= h0.sizes[0] || h >= H ||
      dt.sizes[2] != H || dtBias.sizes[0] != H || aLog.sizes[0] != H ||
      x.sizes[1] != T || x.sizes[2] != H || x.sizes[3] != P ||
      bm.sizes[3] != N || cm.sizes[3] != N || cm.sizes[2] != G ||
      y.sizes[1] != T || hT.data != h0.data)
    return 1;
  int64_t g = h / (H / G);
  share(P, b->index[0], b->grid[0], &p0, &p1);
  for (int64_t p = p0; p < p1; ++p) {
    float st[256];
    for (int64_t n = 0; n < N; ++n)
      st[n] = loadF32(ptr4(&h0, bb, h, p, n));
    float a = -expf(get1(&aLog, h));
    for (int64_t t = 0; t < T; ++t) {
      float v = get3(&dt, bb, t, h) + get1(&dtBias, h);
      float delta = v > 20.0f ? v : softplus(v), out = 0;
      float xv = loadF32(ptr4(&x, bb, t, h, p));
      for (int64_t n = 0; n < N; ++n) {
        st[n] = expf(delta * a) * st[n] +
                delta * loadF32(ptr4(&bm, bb, t, g, n)) * xv;
        out += st[n] * loadF32(ptr4(&cm, bb, t, g, n));
      }
      storeF32(ptr4(&y, bb, t, h, p), out);
    }
    for (int64_t n = 0; n < N; ++n)
      storeF32(ptr4(&hT, bb, h, p, n), st[n]);
  }
  return 0;
}
