/*===- fake_quant_kernels.c - Quantized kernels for the fake GPU --*- C -*-===*\
|*                                                                            *|
|* Host versions of the GPU kernels of seq.quantized_linear                   *|
|* (`qlinear_<format>_{decode,prefill}[_bias]`) and seq.quantized_embedding   *|
|* (`qembedding_<format>`) of lib/Target/GPU/QuantLinearKernel.cpp, for       *|
|* gpu-quant-plan.test, included by fake_model_kernels.c: the compiled        *|
|* kernels' names and descriptor ABI, the part of the result each block owns  *|
|* under the manifest's grid (decode: 4 features per block, grid             *|
|* ceil(N / 4); prefill: 32 x 32 tiles of Y, grid (ceil(N / 32),             *|
|* ceil(M / 32)); embedding: a block per id), and the status code 1 for an    *|
|* id outside the table. The weights are the packed i8 rows as bound (GGUF    *|
|* blocks), dequantized here as ggml's dequantize_row_* does: written from    *|
|* ggml's block layouts, not from seqc's kernels. Any other grid, or shapes   *|
|* that disagree (a read out of bounds on a GPU), is a fault.                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

enum QuantFormat { Q8_0, Q4_0, Q4_1, Q4_K, Q6_K };

/* Elements and bytes of one block (super-block for the K-quants). */
static int64_t quantElements(enum QuantFormat f) {
  return f == Q4_K || f == Q6_K ? 256 : 32;
}
static int64_t quantBytes(enum QuantFormat f) {
  switch (f) {
  case Q8_0:
    return 34;
  case Q4_0:
    return 18;
  case Q4_1:
    return 20;
  case Q4_K:
    return 144;
  case Q6_K:
    return 210;
  }
  return 0;
}

/* ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j. */
static void scaleMinK4(int j, const uint8_t *q, int *sc, int *m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

/* The elements of one block at `q` into `y` (quantElements(f) floats). */
static void dequantBlock(enum QuantFormat f, const uint8_t *q, float *y) {
  switch (f) {
  case Q8_0: {
    float d = loadF16(q);
    for (int j = 0; j < 32; ++j)
      y[j] = d * (float)(int8_t)q[2 + j];
    return;
  }
  case Q4_0: {
    float d = loadF16(q);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * (float)((q[2 + j] & 0xF) - 8);
      y[j + 16] = d * (float)((q[2 + j] >> 4) - 8);
    }
    return;
  }
  case Q4_1: {
    float d = loadF16(q), m = loadF16(q + 2);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * (float)(q[4 + j] & 0xF) + m;
      y[j + 16] = d * (float)(q[4 + j] >> 4) + m;
    }
    return;
  }
  case Q4_K: {
    float d = loadF16(q), dmin = loadF16(q + 2);
    const uint8_t *scales = q + 4, *qs = q + 16;
    for (int s = 0; s < 8; s += 2, qs += 32) {
      int sc, m;
      scaleMinK4(s, scales, &sc, &m);
      float d1 = d * (float)sc, m1 = dmin * (float)m;
      scaleMinK4(s + 1, scales, &sc, &m);
      float d2 = d * (float)sc, m2 = dmin * (float)m;
      for (int l = 0; l < 32; ++l) {
        y[32 * s + l] = d1 * (float)(qs[l] & 0xF) - m1;
        y[32 * s + 32 + l] = d2 * (float)(qs[l] >> 4) - m2;
      }
    }
    return;
  }
  case Q6_K: {
    const uint8_t *ql = q, *qh = q + 128;
    const int8_t *sc = (const int8_t *)(q + 192);
    float d = loadF16(q + 208);
    for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8)
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
        int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[n + l] = d * (float)sc[is] * (float)q1;
        y[n + l + 32] = d * (float)sc[is + 2] * (float)q2;
        y[n + l + 64] = d * (float)sc[is + 4] * (float)q3;
        y[n + l + 96] = d * (float)sc[is + 6] * (float)q4;
      }
    return;
  }
  }
}

/* Packed row `r` of `w` ([rows, K / elements * bytes] i8, contiguous rows)
 * dequantized into `y` (K floats). */
static void dequantRow(enum QuantFormat f, const ViewN *w, int64_t r, int64_t K,
                       float *y) {
  const uint8_t *row = (const uint8_t *)w->data + r * w->strides[0];
  for (int64_t blk = 0; blk < K / quantElements(f); ++blk)
    dequantBlock(f, row + blk * quantBytes(f), y + blk * quantElements(f));
}

/* Y [M, N] = X [M, K] dequant(W [N, K / elements * bytes])^T (+ b [N]), f32,
 * for the features (decode) or the tile (prefill) block `b` owns. */
static int quantLinear(const fake_gpu_block *b, void **params,
                       enum QuantFormat f, int prefill, int hasBias) {
  int next = 0;
  ViewN x = viewN(params, &next, 2, 4), w = viewN(params, &next, 2, 1);
  ViewN bias = {0};
  if (hasBias)
    bias = viewN(params, &next, 1, 4);
  ViewN y = viewN(params, &next, 2, 4);
  int64_t M = x.sizes[0], K = x.sizes[1], N = w.sizes[0];
  if (K % quantElements(f) != 0 ||
      w.sizes[1] != K / quantElements(f) * quantBytes(f) || w.strides[1] != 1 ||
      y.sizes[0] != M || y.sizes[1] != N || (hasBias && bias.sizes[0] != N))
    return 1; /* a shape mismatch would read out of bounds on a GPU */
  int64_t m0 = 0, m1 = M, n0, n1;
  if (prefill) {
    if ((int64_t)b->grid[0] != (N + 31) / 32 ||
        (int64_t)b->grid[1] != (M + 31) / 32)
      return 1;
    m0 = 32 * (int64_t)b->index[1];
    m1 = m0 + 32 < M ? m0 + 32 : M;
    n0 = 32 * (int64_t)b->index[0];
    n1 = n0 + 32 < N ? n0 + 32 : N;
  } else {
    if ((int64_t)b->grid[0] != (N + 3) / 4 || b->grid[1] != 1)
      return 1;
    n0 = 4 * (int64_t)b->index[0];
    n1 = n0 + 4 < N ? n0 + 4 : N;
  }
  float *row = (float *)malloc((size_t)(K ? K : 1) * sizeof(float));
  if (!row)
    return 1;
  for (int64_t n = n0; n < n1; ++n) {
    dequantRow(f, &w, n, K, row);
    for (int64_t m = m0; m < m1; ++m) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += (double)loadF32(x.data +
                               (m * x.strides[0] + k * x.strides[1]) * 4) *
               row[k];
      if (hasBias)
        acc += loadF32(bias.data + n * bias.strides[0] * 4);
      storeF32(y.data + (m * y.strides[0] + n * y.strides[1]) * 4, (float)acc);
    }
  }
  free(row);
  return 0;
}

/* table [V, D / elements * bytes] i8, ids [N] i32, out [N, D] f32, status
 * [1] i32; block x = id. */
static int quantEmbedding(const fake_gpu_block *b, void **params,
                          enum QuantFormat f) {
  int next = 0;
  ViewN table = viewN(params, &next, 2, 1), ids = viewN(params, &next, 1, 4),
        out = viewN(params, &next, 2, 4), status = viewN(params, &next, 1, 4);
  int64_t n = b->index[0], D = out.sizes[1];
  if (b->grid[0] != out.sizes[0] || n >= out.sizes[0] ||
      ids.sizes[0] != out.sizes[0] || D % quantElements(f) != 0 ||
      table.sizes[1] != D / quantElements(f) * quantBytes(f) ||
      table.strides[1] != 1 || status.sizes[0] != 1)
    return 1;
  int32_t id;
  memcpy(&id, ids.data + n * ids.strides[0] * 4, 4);
  int valid = id >= 0 && id < table.sizes[0];
  float *row = (float *)calloc((size_t)(D ? D : 1), sizeof(float));
  if (!row)
    return 1;
  if (valid)
    dequantRow(f, &table, id, D, row);
  for (int64_t c = 0; c < D; ++c)
    storeF32(out.data + (n * out.strides[0] + c * out.strides[1]) * 4, row[c]);
  free(row);
  if (!valid) {
    int32_t code = 1;
    memcpy(status.data, &code, 4);
  }
  return 0;
}

#define QUANT_KERNELS(fmt, F)                                                  \
  EXPORT int qlinear_##fmt##_decode(const fake_gpu_block *b, void **p) {       \
    return quantLinear(b, p, F, 0, 0);                                         \
  }                                                                            \
  EXPORT int qlinear_##fmt##_decode_bias(const fake_gpu_block *b, void **p) {  \
    return quantLinear(b, p, F, 0, 1);                                         \
  }                                                                            \
  EXPORT int qlinear_##fmt##_prefill(const fake_gpu_block *b, void **p) {      \
    return quantLinear(b, p, F, 1, 0);                                         \
  }                                                                            \
  EXPORT int qlinear_##fmt##_prefill_bias(const fake_gpu_block *b, void **p) { \
    return quantLinear(b, p, F, 1, 1);                                         \
  }                                                                            \
  EXPORT int qembedding_##fmt(const fake_gpu_block *b, void **p) {             \
    return quantEmbedding(b, p, F);                                            \
  }

QUANT_KERNELS(q8_0, Q8_0)
QUANT_KERNELS(q4_0, Q4_0)
QUANT_KERNELS(q4_1, Q4_1)
QUANT_KERNELS(q4_k, Q4_K)
QUANT_KERNELS(q6_k, Q6_K)
