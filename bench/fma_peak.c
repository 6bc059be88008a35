// Measures this machine's f32 FMA throughput: every thread runs 12
// independent chains of vector FMAs (enough to cover FMA latency x pipes).
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

typedef float v8 __attribute__((vector_size(32)));
#define CHAINS 12

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 20000000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = omp_get_wtime();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
      v8 acc[CHAINS], x = {1, 1, 1, 1, 1, 1, 1, 1};
      v8 y = x * 0.999999f;
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = x * (float)c;
      for (long i = 0; i < iters; ++i)
        for (int c = 0; c < CHAINS; ++c)
          acc[c] = acc[c] * y + x;
      for (int c = 0; c < CHAINS; ++c)
        for (int l = 0; l < 8; ++l)
          sink += acc[c][l];
    }
    double t = omp_get_wtime() - t0;
    double flops = 2.0 * 8 * CHAINS * iters * omp_get_max_threads();
    if (flops / t > best)
      best = flops / t;
    if (sink == 12345.f)
      printf(" ");
  }
  printf("%.3f\n", best / 1e9);
  return 0;
}
