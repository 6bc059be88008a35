//===- ThreadPool.h - The persistent pool parallel loops run on -*- C++ -*-===//
//
// This file declares ThreadPool, seqrt's own threads for the parallel loops
// of generated code (`seqc --parallel-runtime=seqrt`, the default), and
// parallelFor, the function the loader hands to every artifact that has
// such loops (seqrt::abi::kParallelFor).
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_THREADPOOL_H
#define SEQRT_LIB_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace seqrt {

/// The body of a parallel loop: runs iterations [lo, hi) of the loop whose
/// captured values are in `context`; `slot` is the caller's status slot,
/// passed through unchanged.
using LoopBody = void (*)(void *context, int64_t lo, int64_t hi, void *slot);

/// A fixed set of worker threads that run the iterations of one parallel
/// loop at a time together with the thread that calls parallelFor.
///
/// - Workers are started when the pool is made and stay: between loops each
///   spins on the pool's state for `spinMicroseconds`, then sleeps on a
///   condition variable until the next loop is published.
/// - A loop is cut into chunks that every participant (the caller included)
///   claims from one atomic counter; the caller runs chunks too, closes the
///   loop when none is left, and waits only for workers that joined before
///   it closed (a worker that wakes late finds the loop closed and leaves it
///   alone). A loop costs an atomic store and a wake-up, not a fork/join.
/// - One loop at a time: a caller that finds the pool busy (another
///   application thread's loop) runs its loop serially on its own thread, as
///   does a loop started from inside a loop body (nested). No caller ever
///   waits for another's loop, so nothing can deadlock.
class ThreadPool {
public:
  /// A pool whose loops run on `threads` threads: the caller and
  /// `threads - 1` workers (none for 1).
  explicit ThreadPool(int threads, int spinMicroseconds = kDefaultSpin);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Runs body(context, a, b, slot) over chunks [a, b) that together cover
  /// [lo, hi) exactly once, each at least `grain` iterations long (but the
  /// last), and returns when all have run.
  void parallelFor(LoopBody body, void *context, int64_t lo, int64_t hi,
                   int64_t grain, void *slot);

  int threads() const { return static_cast<int>(workers.size()) + 1; }

  /// The process's pool, made at the first call: OMP_NUM_THREADS threads
  /// if it is set to a positive number, else one per CPU this process may
  /// run on (sched_getaffinity). SEQRT_SPIN_US overrides the spin time.
  static ThreadPool &global();

  /// Microseconds a worker spins for the next loop before it sleeps.
  static constexpr int kDefaultSpin = 100;

private:
  void work();
  /// Claims and runs chunks of the published loop until none is left.
  void runChunks();

  // The published loop, written by its caller while the pool is closed
  // and no worker is inside.
  LoopBody body = nullptr;
  void *context = nullptr;
  void *slot = nullptr;
  int64_t lo = 0, hi = 0, chunk = 1, chunks = 0;
  std::atomic<int64_t> next{0};

  /// generation << kGenerationShift | open << kOpenShift | workers inside.
  std::atomic<uint64_t> state{0};
  static constexpr uint64_t kInsideMask = 0xffff;
  static constexpr unsigned kOpenShift = 16;
  static constexpr unsigned kGenerationShift = 17;

  /// The job slot: held by the caller whose loop is published.
  std::atomic<bool> busy{false};
  std::atomic<bool> stopping{false};
  std::atomic<int> sleepers{0};
  std::mutex mutex;
  std::condition_variable wake;
  int spinMicroseconds;
  std::vector<std::thread> workers;
};

/// ThreadPool::global().parallelFor: the `void (*)(LoopBody, void *,
/// int64_t, int64_t, int64_t, void *)` the loader stores in an artifact's
/// seqrt::abi::kParallelFor pointer.
void parallelFor(LoopBody body, void *context, int64_t lo, int64_t hi,
                 int64_t grain, void *slot);

} // namespace seqrt

#endif // SEQRT_LIB_THREADPOOL_H
