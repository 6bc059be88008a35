//===- ThreadPoolTest.cpp - Tests of seqrt's thread pool ------------------===//
//
// Tests of ThreadPool::parallelFor: every iteration runs exactly once for
// thread counts 1..4 and odd trip counts and grains, empty ranges run
// nothing, chunks honour the grain, loops run on the pool's threads, nested
// loops run serially, and eight application threads sharing one pool all
// finish with correct results.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using seqrt::ThreadPool;

namespace {
/// Counts every iteration it is given.
struct Counts {
  std::vector<std::atomic<int>> hits;
  int64_t lo;
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> shortest{INT64_MAX};
  int64_t hi;
  void *expectedSlot = nullptr;
  std::atomic<bool> badSlot{false};
  Counts(int64_t lo, int64_t hi) : hits(hi - lo), lo(lo), hi(hi) {}
};

void countBody(void *context, int64_t lo, int64_t hi, void *slot) {
  auto *counts = static_cast<Counts *>(context);
  if (slot != counts->expectedSlot)
    counts->badSlot = true;
  counts->calls.fetch_add(1);
  // The shortest chunk but the last.
  int64_t length = hi == counts->hi ? INT64_MAX : hi - lo;
  int64_t shortest = counts->shortest.load();
  while (length < shortest &&
         !counts->shortest.compare_exchange_weak(shortest, length)) {
  }
  for (int64_t i = lo; i < hi; ++i)
    counts->hits[i - counts->lo].fetch_add(1);
}

void expectEachOnce(const Counts &counts) {
  for (size_t i = 0; i < counts.hits.size(); ++i)
    ASSERT_EQ(counts.hits[i].load(), 1) << "iteration " << counts.lo + i;
}

TEST(ThreadPoolTest, CoversEveryIterationOnce) {
  int slotStorage = 0;
  for (int threads = 1; threads <= 4; ++threads) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int64_t lo : {int64_t(0), int64_t(-7), int64_t(1000)})
      for (int64_t count : {1, 2, 3, 5, 31, 64, 1000, 4099})
        for (int64_t grain : {1, 3, 64}) {
          Counts counts(lo, lo + count);
          counts.expectedSlot = &slotStorage;
          pool.parallelFor(countBody, &counts, lo, lo + count, grain,
                           &slotStorage);
          expectEachOnce(counts);
          EXPECT_FALSE(counts.badSlot);
          // Every chunk but the last has at least `grain` iterations.
          EXPECT_GE(counts.shortest.load(), grain);
        }
  }
}

TEST(ThreadPoolTest, EmptyRangesRunNothing) {
  ThreadPool pool(3);
  Counts counts(0, 1);
  pool.parallelFor(countBody, &counts, 5, 5, 1, nullptr);
  pool.parallelFor(countBody, &counts, 5, 2, 1, nullptr);
  EXPECT_EQ(counts.calls.load(), 0);
}

TEST(ThreadPoolTest, GrainAtLeastTheTripCountRunsOneCall) {
  ThreadPool pool(4);
  Counts counts(0, 100);
  pool.parallelFor(countBody, &counts, 0, 100, 100, nullptr);
  EXPECT_EQ(counts.calls.load(), 1);
  expectEachOnce(counts);
}

/// Records the threads a loop ran on; each chunk waits a little so that
/// workers get a share.
struct ThreadSet {
  std::mutex mutex;
  std::set<std::thread::id> ids;
};

void recordThread(void *context, int64_t, int64_t, void *) {
  auto *set = static_cast<ThreadSet *>(context);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::lock_guard<std::mutex> lock(set->mutex);
  set->ids.insert(std::this_thread::get_id());
}

TEST(ThreadPoolTest, LoopsRunOnAsManyThreadsAsAsked) {
  for (int threads = 1; threads <= 4; ++threads) {
    ThreadPool pool(threads);
    ThreadSet set;
    pool.parallelFor(recordThread, &set, 0, 64, 1, nullptr);
    // Chunks of 2 ms each: every worker wakes well before they run out.
    EXPECT_EQ(static_cast<int>(set.ids.size()), threads);
  }
}

struct Nested {
  ThreadPool *pool;
  std::vector<std::atomic<int>> hits;
  std::atomic<int> innerCalls{0};
  explicit Nested(ThreadPool *pool) : pool(pool), hits(16 * 16) {}
};

void innerBody(void *context, int64_t lo, int64_t hi, void *slot) {
  auto *nested = static_cast<Nested *>(context);
  nested->innerCalls.fetch_add(1);
  int64_t row = reinterpret_cast<intptr_t>(slot);
  for (int64_t i = lo; i < hi; ++i)
    nested->hits[row * 16 + i].fetch_add(1);
}

void outerBody(void *context, int64_t lo, int64_t hi, void *) {
  auto *nested = static_cast<Nested *>(context);
  for (int64_t row = lo; row < hi; ++row)
    nested->pool->parallelFor(innerBody, nested, 0, 16, 1,
                              reinterpret_cast<void *>(row));
}

TEST(ThreadPoolTest, NestedLoopsRunSerially) {
  ThreadPool pool(4);
  Nested nested(&pool);
  pool.parallelFor(outerBody, &nested, 0, 16, 1, nullptr);
  for (size_t i = 0; i < nested.hits.size(); ++i)
    ASSERT_EQ(nested.hits[i].load(), 1) << i;
  // Each inner loop is one call over its whole range.
  EXPECT_EQ(nested.innerCalls.load(), 16);
}

TEST(ThreadPoolTest, EightApplicationThreadsShareOnePool) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads, /*spinMicroseconds=*/20);
    std::vector<std::thread> callers;
    std::atomic<int> failures{0};
    for (int caller = 0; caller < 8; ++caller)
      callers.emplace_back([&, caller] {
        for (int round = 0; round < 300; ++round) {
          int64_t lo = caller * 11 + round % 5;
          int64_t count = 1 + (caller * 131 + round * 17) % 700;
          Counts counts(lo, lo + count);
          pool.parallelFor(countBody, &counts, lo, lo + count, 1 + round % 4,
                           nullptr);
          for (auto &hit : counts.hits)
            if (hit.load() != 1)
              ++failures;
        }
      });
    for (std::thread &caller : callers)
      caller.join();
    EXPECT_EQ(failures.load(), 0) << threads << " threads";
  }
}

TEST(ThreadPoolTest, WorkersWakeAfterSleeping) {
  ThreadPool pool(3, /*spinMicroseconds=*/0);
  for (int round = 0; round < 50; ++round) {
    Counts counts(0, 257);
    pool.parallelFor(countBody, &counts, 0, 257, 1, nullptr);
    expectEachOnce(counts);
    if (round % 10 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}
} // namespace

namespace {
TEST(ThreadPoolTest, GlobalPoolTakesOmpNumThreads) {
  // What seqrun --threads sets; read when the first parallel loop runs (no
  // other test of this binary runs one through the global pool).
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(ThreadPool::global().threads(), 3);
  Counts counts(0, 100);
  seqrt::parallelFor(countBody, &counts, 0, 100, 1, nullptr);
  expectEachOnce(counts);
}
} // namespace
