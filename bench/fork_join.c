// The cost of one fork/join on this machine (issue #10): what a parallel
// loop of a decode step pays before any of its work is done.
//
//   clang-22 -O2 -fopenmp -L/usr/lib/llvm-22/lib \
//       -Wl,-rpath,/usr/lib/llvm-22/lib bench/fork_join.c -o fork_join
//   OMP_NUM_THREADS=2 taskset -c 0,1 ./fork_join [ITERATIONS] [REPEATS]
//
// Each line is the median over REPEATS of the mean time of one fork/join
// (ITERATIONS in a row) of:
//   serial        the loop body run twice on the calling thread;
//   omp-empty     an empty `#pragma omp parallel` region (libomp, as seqc's
//                 generated code calls it, honouring KMP_BLOCKTIME,
//                 OMP_WAIT_POLICY, ... from the environment);
//   omp-for       `#pragma omp parallel for` over 2 iterations of the body;
//   spin-pool     a pool of spinning workers woken by a generation counter,
//                 the caller waits for every worker's share;
//   claim-pool    the same workers, but the caller and the workers claim
//                 the iterations from one atomic (generation, next) word,
//                 so the caller runs whatever no worker has claimed yet
//                 and waits only for iterations a worker really started:
//                 a descheduled worker costs nothing.
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile float sink;

static void body(long i) {
  float s = 0;
  for (int k = 0; k < 64; ++k)
    s += (float)(i * k);
  sink = s;
}

static void relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

enum { kMaxWorkers = 63, kSpinsBeforeYield = 1 << 14 };

static int workers;
static pthread_t tids[kMaxWorkers];
static _Atomic int stop;

// spin-pool: a job is a new generation; each worker runs iteration `id`.
static _Atomic long generation, finished;

static void *spinWorker(void *arg) {
  long id = (long)arg, seen = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    long g = atomic_load_explicit(&generation, memory_order_acquire);
    if (g == seen) {
      relax();
      continue;
    }
    seen = g;
    body(id);
    atomic_fetch_add_explicit(&finished, 1, memory_order_release);
  }
  return 0;
}

static void spinParallel(void) {
  atomic_store_explicit(&finished, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  body(0);
  while (atomic_load_explicit(&finished, memory_order_acquire) != workers)
    relax();
}

// claim-pool: the high 32 bits of `state` are the job's generation, the low
// 32 bits the next unclaimed iteration.
static _Atomic uint64_t state;
static _Atomic long done;
static _Atomic long total;

/// Claims one iteration of the job of `snapshot`'s generation; -1 when the
/// job has changed or has no unclaimed iteration left.
static long claim(uint64_t *snapshot) {
  for (;;) {
    uint64_t s = *snapshot;
    long next = (long)(s & 0xffffffffu);
    if (next >= atomic_load_explicit(&total, memory_order_relaxed))
      return -1;
    if (atomic_compare_exchange_weak_explicit(&state, snapshot, s + 1,
                                              memory_order_acquire,
                                              memory_order_acquire))
      return next;
    if ((*snapshot >> 32) != (s >> 32))
      return -1;
  }
}

static void *claimWorker(void *arg) {
  (void)arg;
  uint64_t seen = 0;
  int spins = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    uint64_t s = atomic_load_explicit(&state, memory_order_acquire);
    if ((s >> 32) == seen) {
      if (++spins > kSpinsBeforeYield)
        sched_yield();
      else
        relax();
      continue;
    }
    seen = s >> 32;
    spins = 0;
    for (long i; (i = claim(&s)) >= 0;) {
      body(i);
      atomic_fetch_add_explicit(&done, 1, memory_order_release);
    }
  }
  return 0;
}

static void claimParallel(long iterations) {
  atomic_store_explicit(&total, iterations, memory_order_relaxed);
  atomic_store_explicit(&done, 0, memory_order_relaxed);
  uint64_t g = (atomic_load_explicit(&state, memory_order_relaxed) >> 32) + 1;
  uint64_t s = g << 32;
  atomic_store_explicit(&state, s, memory_order_release);
  for (long i; (i = claim(&s)) >= 0;) {
    body(i);
    atomic_fetch_add_explicit(&done, 1, memory_order_release);
  }
  while (atomic_load_explicit(&done, memory_order_acquire) != iterations)
    relax();
}

static double seconds(void) { return omp_get_wtime(); }

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 100000;
  int repeats = argc > 2 ? atoi(argv[2]) : 5;
  if (iterations <= 0 || repeats <= 0 || repeats > 1000) {
    fprintf(stderr, "usage: fork_join [ITERATIONS > 0] [REPEATS 1..1000]\n");
    return 2;
  }
  int threads = omp_get_max_threads();
  workers = threads - 1 < kMaxWorkers ? threads - 1 : kMaxWorkers;
  const char *names[] = {"serial", "omp-empty", "omp-for", "spin-pool",
                         "claim-pool"};
  enum { kCases = 5 };
  double *ns = calloc((size_t)kCases * repeats, sizeof(double));
  if (!ns)
    return 1;
  for (int r = 0; r < repeats; ++r) {
    double t0 = seconds();
    for (long i = 0; i < iterations; ++i) {
      body(0);
      body(1);
    }
    ns[0 * repeats + r] = (seconds() - t0) / iterations * 1e9;
    t0 = seconds();
    for (long i = 0; i < iterations; ++i) {
#pragma omp parallel
      {
        sink = 0;
      }
    }
    ns[1 * repeats + r] = (seconds() - t0) / iterations * 1e9;
    t0 = seconds();
    for (long i = 0; i < iterations; ++i) {
#pragma omp parallel for
      for (long j = 0; j < 2; ++j)
        body(j);
    }
    ns[2 * repeats + r] = (seconds() - t0) / iterations * 1e9;
    // Only one kind of pool is alive at a time: their workers would
    // compete for the cores.
    atomic_store(&stop, 0);
    for (long w = 0; w < workers; ++w)
      pthread_create(&tids[w], 0, spinWorker, (void *)(w + 1));
    t0 = seconds();
    for (long i = 0; i < iterations; ++i)
      spinParallel();
    ns[3 * repeats + r] = (seconds() - t0) / iterations * 1e9;
    atomic_store(&stop, 1);
    for (int w = 0; w < workers; ++w)
      pthread_join(tids[w], 0);
    atomic_store(&stop, 0);
    for (long w = 0; w < workers; ++w)
      pthread_create(&tids[w], 0, claimWorker, 0);
    t0 = seconds();
    for (long i = 0; i < iterations; ++i)
      claimParallel(threads);
    ns[4 * repeats + r] = (seconds() - t0) / iterations * 1e9;
    atomic_store(&stop, 1);
    for (int w = 0; w < workers; ++w)
      pthread_join(tids[w], 0);
  }
  double load[1] = {0};
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &load[0]) != 1)
      load[0] = 0;
    fclose(f);
  }
  printf("threads %d, %ld fork/joins x %d repeats, load %.1f\n", threads,
         iterations, repeats, load[0]);
  for (int c = 0; c < kCases; ++c) {
    qsort(ns + c * repeats, repeats, sizeof(double), compare);
    printf("%-10s %10.0f ns (min %.0f, max %.0f)\n", names[c],
           ns[c * repeats + repeats / 2], ns[c * repeats],
           ns[c * repeats + repeats - 1]);
  }
  free(ns);
  return 0;
}
