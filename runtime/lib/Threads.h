//===- Threads.h - The OpenMP runtime's settings for artifacts --*- C++ -*-===//
//
// This file declares configureThreads, which gives the OpenMP runtime an
// artifact's parallel regions run on (libomp) seqrt's default wait policy
// once per process, unless the user has chosen one in the environment.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_THREADS_H
#define SEQRT_LIB_THREADS_H

namespace seqrt {

class CodeLibrary;

/// libomp's default KMP_BLOCKTIME is 200 ms: after every parallel region
/// each worker spins for 200 ms before it sleeps, so a decode step, whose
/// few parallel regions are far less than 200 ms apart, keeps all its
/// threads spinning between them, on cores other processes (and, on a
/// busy machine, the calling thread itself) need. seqrt sets
/// KMP_BLOCKTIME=0 instead (workers sleep at once and are woken by the
/// next region) through libomp's `kmp_set_defaults`, the first time code
/// that links libomp is loaded, unless the environment sets KMP_BLOCKTIME,
/// OMP_WAIT_POLICY or KMP_LIBRARY (the user's choice wins; KMP_BLOCKTIME=
/// 200ms restores libomp's default). Thread counts (OMP_NUM_THREADS) are
/// left alone. Code without libomp (compiled with --parallel=false, or for
/// another target) is not affected. Measurements: bench/results/
/// threads-2026-11-30.md.
void configureThreads(const CodeLibrary &library);

} // namespace seqrt

#endif // SEQRT_LIB_THREADS_H
