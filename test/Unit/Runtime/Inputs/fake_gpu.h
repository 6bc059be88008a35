/*===- fake_gpu.h - The fake GPU driver's kernel interface --------*- C -*-===*\
|*                                                                            *|
|* The fake CUDA/HIP driver (fake_gpu_driver.c) loads a "module" that is a    *|
|* host ELF shared object and runs a kernel `name` as the host function       *|
|* `int name(const fake_gpu_block *block, void **params)`, once per block of  *|
|* the grid, in order. A non-zero return is a fault in the kernel: the        *|
|* launch succeeds and the next synchronization reports an illegal address,   *|
|* as a real driver reports a kernel's fault.                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SEQRT_TEST_FAKE_GPU_H
#define SEQRT_TEST_FAKE_GPU_H

typedef struct fake_gpu_block {
  unsigned grid[3];  /* gridDim */
  unsigned block[3]; /* blockDim */
  unsigned index[3]; /* blockIdx */
  unsigned shared_bytes;
  void *shared; /* the block's dynamic shared memory */
} fake_gpu_block;

typedef int (*fake_gpu_kernel)(const fake_gpu_block *block, void **params);

#endif /* SEQRT_TEST_FAKE_GPU_H */
