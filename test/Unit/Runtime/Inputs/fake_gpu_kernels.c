/*===- fake_gpu_kernels.c - Kernels for the fake GPU driver -------*- C -*-===*\
|*                                                                            *|
|* A module image for fake_gpu_driver.c (see fake_gpu.h): host functions run  *|
|* once per block, used by GpuTest.cpp to check launch arguments.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "fake_gpu.h"

#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* y[i] = a * x[i] + y[i]: params (float a, float *x, float *y, int32 n) of
 * mixed sizes, as the driver passes them (pointers to each value). */
EXPORT int saxpy(const fake_gpu_block *b, void **params) {
  float a = *(const float *)params[0];
  float *x = (float *)(uintptr_t)*(const uint64_t *)params[1];
  float *y = (float *)(uintptr_t)*(const uint64_t *)params[2];
  int32_t n = *(const int32_t *)params[3];
  for (unsigned t = 0; t < b->block[0]; ++t) {
    int64_t i = (int64_t)b->index[0] * b->block[0] + t;
    if (i < n)
      y[i] = a * x[i] + y[i];
  }
  return 0;
}

/* out[block] = the block's coordinates and launch shape, through its dynamic
 * shared memory: params (int32 *out). */
EXPORT int describe(const fake_gpu_block *b, void **params) {
  int32_t *out = (int32_t *)(uintptr_t)*(const uint64_t *)params[0];
  if (b->shared_bytes < 8 * sizeof(int32_t))
    return 1;
  int32_t *s = b->shared;
  s[0] = b->index[0], s[1] = b->index[1], s[2] = b->index[2];
  s[3] = b->block[0] * b->block[1] * b->block[2];
  s[4] = b->grid[0], s[5] = b->grid[1], s[6] = b->grid[2];
  s[7] = b->shared_bytes;
  unsigned linear =
      (b->index[2] * b->grid[1] + b->index[1]) * b->grid[0] + b->index[0];
  memcpy(out + 8 * linear, s, 8 * sizeof(int32_t));
  return 0;
}

/* A kernel that faults (an out-of-bounds access on a GPU). */
EXPORT int fault(const fake_gpu_block *b, void **params) {
  (void)b;
  (void)params;
  return 1;
}
