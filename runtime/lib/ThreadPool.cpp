//===- ThreadPool.cpp - The persistent pool parallel loops run on ---------===//
//
// This file implements ThreadPool (see ThreadPool.h): workers that wait on
// one atomic state word, chunks claimed from an atomic counter, and the
// process-wide pool generated code calls through seqrt::parallelFor.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sched.h>

using namespace seqrt;

namespace {
/// Whether this thread is running a loop body: a worker always, a caller
/// while it runs its own loop. A parallel loop started here runs serially.
thread_local bool insideLoop = false;

/// Chunks per thread a loop is cut into: small enough to cost little to
/// claim, many enough that a thread the OS preempts on a busy machine
/// leaves its share to the others.
constexpr int64_t kChunksPerThread = 8;
/// The most threads a pool has (seqrun --threads allows as many).
constexpr int kMaxThreads = 1024;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// The first number of OMP_NUM_THREADS ("4", or "4,2" for nested levels),
/// or 0 when it is unset or not a positive number.
int threadsFromEnvironment() {
  const char *text = std::getenv("OMP_NUM_THREADS");
  if (!text)
    return 0;
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || value <= 0 || (*end != '\0' && *end != ','))
    return 0;
  return static_cast<int>(std::min<long>(value, kMaxThreads));
}

/// CPUs this process may run on (taskset), at least 1.
int availableCPUs() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0)
      return count;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware ? static_cast<int>(hardware) : 1;
}

int spinFromEnvironment() {
  const char *text = std::getenv("SEQRT_SPIN_US");
  if (!text)
    return ThreadPool::kDefaultSpin;
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0)
    return ThreadPool::kDefaultSpin;
  return static_cast<int>(std::min<long>(value, 1000000));
}
} // namespace

ThreadPool::ThreadPool(int threads, int spinMicroseconds)
    : spinMicroseconds(spinMicroseconds) {
  threads = std::clamp(threads, 1, kMaxThreads);
  workers.reserve(threads - 1);
  for (int i = 1; i < threads; ++i)
    workers.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping.store(true, std::memory_order_seq_cst);
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

void ThreadPool::runChunks() {
  for (;;) {
    int64_t index = next.fetch_add(1, std::memory_order_relaxed);
    if (index >= chunks)
      return;
    int64_t begin = lo + index * chunk;
    int64_t end = hi - begin <= chunk ? hi : begin + chunk;
    body(context, begin, end, slot);
  }
}

void ThreadPool::work() {
  insideLoop = true;
  using Clock = std::chrono::steady_clock;
  auto spin = std::chrono::microseconds(spinMicroseconds);
  // Generation 0 is the pool's state before any loop, even if one was
  // published before this thread started.
  uint64_t seen = 0;
  for (;;) {
    uint64_t current = state.load(std::memory_order_acquire);
    Clock::time_point start = Clock::now();
    unsigned spins = 0;
    while ((current >> kGenerationShift) == seen &&
           !stopping.load(std::memory_order_relaxed)) {
      cpuRelax();
      if (++spins % 64 == 0 && Clock::now() - start >= spin) {
        // Sleep. The publisher stores the state, then reads `sleepers`;
        // this thread counts itself, then reads the state (both seq_cst):
        // one of them sees the other, so no wake-up is lost.
        std::unique_lock<std::mutex> lock(mutex);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        wake.wait(lock, [&] {
          return (state.load(std::memory_order_seq_cst) >> kGenerationShift) !=
                     seen ||
                 stopping.load(std::memory_order_seq_cst);
        });
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        start = Clock::now();
      }
      current = state.load(std::memory_order_acquire);
    }
    if (stopping.load(std::memory_order_acquire))
      return;
    seen = current >> kGenerationShift;
    // Join the loop while it is still open: its caller waits for every
    // worker inside before it returns (and before anyone publishes anew).
    while ((current >> kGenerationShift) == seen &&
           ((current >> kOpenShift) & 1)) {
      if (state.compare_exchange_weak(current, current + 1,
                                      std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        runChunks();
        state.fetch_sub(1, std::memory_order_release);
        break;
      }
    }
  }
}

void ThreadPool::parallelFor(LoopBody loopBody, void *loopContext,
                             int64_t begin, int64_t end, int64_t grain,
                             void *loopSlot) {
  int64_t total;
  if (end <= begin)
    return;
  grain = std::max<int64_t>(grain, 1);
  bool serial = workers.empty() || insideLoop ||
                __builtin_sub_overflow(end, begin, &total) || total <= grain;
  bool expected = false;
  if (!serial &&
      !busy.compare_exchange_strong(expected, true, std::memory_order_acquire,
                                    std::memory_order_relaxed))
    serial = true; // another application thread's loop has the pool
  if (serial) {
    loopBody(loopContext, begin, end, loopSlot);
    return;
  }
  int64_t perChunk = std::max(
      grain, (total - 1) / (int64_t(threads()) * kChunksPerThread) + 1);
  body = loopBody;
  context = loopContext;
  slot = loopSlot;
  lo = begin;
  hi = end;
  chunk = perChunk;
  chunks = (total - 1) / perChunk + 1;
  next.store(0, std::memory_order_relaxed);
  // Closed with no worker inside: publish the next generation, open.
  uint64_t generation =
      (state.load(std::memory_order_relaxed) >> kGenerationShift) + 1;
  state.store(generation << kGenerationShift | uint64_t(1) << kOpenShift,
              std::memory_order_seq_cst);
  if (sleepers.load(std::memory_order_seq_cst) > 0) {
    {
      std::lock_guard<std::mutex> lock(mutex);
    }
    wake.notify_all();
  }
  insideLoop = true;
  runChunks();
  insideLoop = false;
  // Close: no worker joins after this; wait for those inside.
  state.fetch_and(~(uint64_t(1) << kOpenShift), std::memory_order_acq_rel);
  for (unsigned spins = 0; state.load(std::memory_order_acquire) & kInsideMask;
       ++spins) {
    if (spins < 4096)
      cpuRelax();
    else
      std::this_thread::yield(); // a worker inside was preempted
  }
  busy.store(false, std::memory_order_release);
}

ThreadPool &ThreadPool::global() {
  // Never destroyed: its workers may still wait when the process exits.
  static ThreadPool *pool = [] {
    int threads = threadsFromEnvironment();
    return new ThreadPool(threads > 0 ? threads : availableCPUs(),
                          spinFromEnvironment());
  }();
  return *pool;
}

void seqrt::parallelFor(LoopBody body, void *context, int64_t lo, int64_t hi,
                        int64_t grain, void *slot) {
  ThreadPool::global().parallelFor(body, context, lo, hi, grain, slot);
}
