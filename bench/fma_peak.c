// Measures this machine's f32 FMA throughput: every thread runs 12
// independent chains of vector FMAs (enough to cover FMA latency x pipes),
// in the widest vectors the compiler targets (-march=native): 16 lanes
// with AVX-512 (the width seqc's kernels use there), else 8.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __AVX512F__
#define LANES 16
#else
#define LANES 8
#endif
typedef float v8 __attribute__((vector_size(4 * LANES)));
#define CHAINS 12

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 20000000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = omp_get_wtime();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
      v8 acc[CHAINS], x;
      for (int l = 0; l < LANES; ++l)
        x[l] = 1;
      v8 y = x * 0.999999f;
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = x * (float)c;
      for (long i = 0; i < iters; ++i)
        for (int c = 0; c < CHAINS; ++c)
          acc[c] = acc[c] * y + x;
      for (int c = 0; c < CHAINS; ++c)
        for (int l = 0; l < LANES; ++l)
          sink += acc[c][l];
    }
    double t = omp_get_wtime() - t0;
    double flops = 2.0 * LANES * CHAINS * iters * omp_get_max_threads();
    if (flops / t > best)
      best = flops / t;
    if (sink == 12345.f)
      printf(" ");
  }
  printf("%.3f\n", best / 1e9);
  return 0;
}
