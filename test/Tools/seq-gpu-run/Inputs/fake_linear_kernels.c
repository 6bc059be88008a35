/*===- fake_linear_kernels.c - Linear kernels for the fake GPU ----*- C -*-===*\
|*                                                                            *|
|* A module image for the fake GPU driver (test/Unit/Runtime/Inputs/          *|
|* fake_gpu_driver.c): host versions of the linear kernels seqc compiles      *|
|* (linear_{bf16,f16,f32}[_bias]) with the compiled kernels' launch ABI:      *|
|* each memref parameter is an expanded descriptor (allocated pointer,        *|
|* aligned pointer, offset, sizes, strides; 8 bytes each) and block           *|
|* (x, y) computes the T x T tile of Y at rows T y, columns T x, where T is   *|
|* the tile whose grid (ceil(N / T), ceil(M / T)) was launched: 32 (mma.sync, *|
|* MFMA, f32) or 64 (sm_90a's wgmma kernel); any other grid is an error. So a *|
|* wrong descriptor, grid or element conversion in seq-gpu-run gives wrong    *|
|* results against the PyTorch goldens.                                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "fake_gpu.h"

#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct View {
  char *data; /* aligned pointer + offset, in elements of `size` bytes */
  int64_t sizes[2], strides[2];
} View;

/* Reads the descriptor of a memref of `rank` starting at params[*next]. */
static View view(void **params, int *next, int rank, int size) {
  View v;
  uint64_t aligned = *(const uint64_t *)params[*next + 1];
  int64_t offset = *(const int64_t *)params[*next + 2];
  for (int d = 0; d < rank; ++d) {
    v.sizes[d] = *(const int64_t *)params[*next + 3 + d];
    v.strides[d] = *(const int64_t *)params[*next + 3 + rank + d];
  }
  v.data = (char *)(uintptr_t)aligned + offset * size;
  *next += 3 + 2 * rank;
  return v;
}

static float loadBF16(const void *p) {
  uint16_t h;
  memcpy(&h, p, 2);
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}
static void storeBF16(void *p, float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);
  uint16_t h = (uint16_t)(bits >> 16);
  memcpy(p, &h, 2);
}
static float loadF16(const void *p) {
  _Float16 h;
  memcpy(&h, p, 2);
  return (float)h;
}
static void storeF16(void *p, float f) {
  _Float16 h = (_Float16)f;
  memcpy(p, &h, 2);
}
static float loadF32(const void *p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}
static void storeF32(void *p, float f) { memcpy(p, &f, 4); }

typedef float (*Load)(const void *);
typedef void (*Store)(void *, float);

/* Y = X W^T (+ b) for the block's tile, f32 accumulation. */
static int linear(const fake_gpu_block *b, void **params, int hasBias, int size,
                  Load load, Store store) {
  int next = 0;
  View x = view(params, &next, 2, size);
  View w = view(params, &next, 2, size);
  View bias = {0};
  if (hasBias)
    bias = view(params, &next, 1, size);
  View y = view(params, &next, 2, size);
  int64_t M = x.sizes[0], K = x.sizes[1], N = w.sizes[0];
  if (w.sizes[1] != K || y.sizes[0] != M || y.sizes[1] != N ||
      (hasBias && bias.sizes[0] != N))
    return 1; /* a shape mismatch would read out of bounds on a GPU */
  int64_t T = 0;
  for (int64_t t = 32; t <= 64 && !T; t *= 2)
    if ((int64_t)b->grid[0] == (N + t - 1) / t &&
        (int64_t)b->grid[1] == (M + t - 1) / t)
      T = t;
  if (!T)
    return 1; /* a grid of no kernel's tile */
  for (int64_t m = T * (int64_t)b->index[1];
       m < T * (int64_t)b->index[1] + T && m < M; ++m)
    for (int64_t n = T * (int64_t)b->index[0];
         n < T * (int64_t)b->index[0] + T && n < N; ++n) {
      float acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += load(x.data + (m * x.strides[0] + k * x.strides[1]) * size) *
               load(w.data + (n * w.strides[0] + k * w.strides[1]) * size);
      if (hasBias)
        acc += load(bias.data + n * bias.strides[0] * size);
      store(y.data + (m * y.strides[0] + n * y.strides[1]) * size, acc);
    }
  return 0;
}

EXPORT int linear_bf16_bias(const fake_gpu_block *b, void **params) {
  return linear(b, params, 1, 2, loadBF16, storeBF16);
}
EXPORT int linear_bf16(const fake_gpu_block *b, void **params) {
  return linear(b, params, 0, 2, loadBF16, storeBF16);
}
EXPORT int linear_f16_bias(const fake_gpu_block *b, void **params) {
  return linear(b, params, 1, 2, loadF16, storeF16);
}
EXPORT int linear_f32_bias(const fake_gpu_block *b, void **params) {
  return linear(b, params, 1, 4, loadF32, storeF32);
}
EXPORT int linear_f32(const fake_gpu_block *b, void **params) {
  return linear(b, params, 0, 4, loadF32, storeF32);
}
