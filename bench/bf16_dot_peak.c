// Measures one core's AVX-512 throughput in process CPU time: 512-bit f32
// FMAs (vfmadd231ps zmm) and bf16 dot products (vdpbf16ps zmm: per f32 lane
// two bf16 products added to the accumulator, counted as 4 flops), each as
// 12 independent accumulator chains. bench/fma_peak.c measures 8-lane
// (256-bit) FMAs, the AVX2 figure that bench_cpu.py reports as "FMA peak".
//   clang-22 -O2 -mavx512f -mavx512bf16 bench/bf16_dot_peak.c -o /tmp/peak
//   taskset -c 0 /tmp/peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 12
#define KEEP(a)                                                                \
  __asm__ volatile(""                                                          \
                   : "+v"(a[0]), "+v"(a[1]), "+v"(a[2]), "+v"(a[3]),           \
                     "+v"(a[4]), "+v"(a[5]), "+v"(a[6]), "+v"(a[7]),           \
                     "+v"(a[8]), "+v"(a[9]), "+v"(a[10]), "+v"(a[11]))

static double cpuSeconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  const long iters = 20000000;
  double bestFma = 0, bestDot = 0;
  float sink = 0;
  for (int rep = 0; rep < 3; ++rep) {
    __m512 acc[CHAINS];
    __m512 x = _mm512_set1_ps(1.0f), y = _mm512_set1_ps(0.999999f);
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm512_set1_ps((float)c);
    double t0 = cpuSeconds();
    for (long i = 0; i < iters; ++i) {
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = _mm512_fmadd_ps(acc[c], y, x);
      KEEP(acc);
    }
    double t = cpuSeconds() - t0;
    if (2.0 * 16 * CHAINS * iters / t > bestFma)
      bestFma = 2.0 * 16 * CHAINS * iters / t;
    for (int c = 0; c < CHAINS; ++c)
      sink += _mm512_reduce_add_ps(acc[c]);
    __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80);
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm512_set1_ps((float)c);
    t0 = cpuSeconds();
    for (long i = 0; i < iters; ++i) {
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = _mm512_dpbf16_ps(acc[c], a, a);
      KEEP(acc);
    }
    t = cpuSeconds() - t0;
    if (4.0 * 16 * CHAINS * iters / t > bestDot)
      bestDot = 4.0 * 16 * CHAINS * iters / t;
    for (int c = 0; c < CHAINS; ++c)
      sink += _mm512_reduce_add_ps(acc[c]);
  }
  printf("zmm FMA %.1f GFLOP/s, vdpbf16ps %.1f GFLOP/s%s\n", bestFma / 1e9,
         bestDot / 1e9, sink == 12345.f ? " " : "");
  return 0;
}
