//===- Heap.h - The C heap's settings for artifact calls --------*- C++ -*-===//
//
// This file declares configureHeap, which keeps the memory the generated
// code frees between and within calls in the process heap (glibc), once
// per process, unless the user has tuned glibc's malloc in the environment.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_HEAP_H
#define SEQRT_LIB_HEAP_H

namespace seqrt {

/// Generated code allocates every intermediate buffer of a call with
/// malloc and frees it when its last reader is done, layer by layer. With
/// glibc's defaults (blocks from 128 KiB up to a dynamic threshold mapped
/// with mmap, and the heap top given back to the system past 128 KiB of
/// free space) the same memory is returned and mapped again many times per
/// call: a 40-token SmolLM2-135M prefill took ~15,000 page faults per call
/// (about 15% of its CPU time) and a 512-token one ~206,000, each a fresh
/// zeroed page. configureHeap sets M_MMAP_THRESHOLD to 32 MiB (glibc's
/// largest) and M_TRIM_THRESHOLD to 256 MiB once per process, the first
/// time an artifact is loaded, so a freed buffer is reused by the next
/// allocation instead: after the first call, calls fault almost never
/// (bench/results/e2e-smollm2-prefill-2026-12-01.md). Up to 256 MiB of
/// freed heap stays with the process. Nothing is changed when the
/// environment sets MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_,
/// MALLOC_TOP_PAD_ or GLIBC_TUNABLES (the user's choice wins), nor with a
/// C library other than glibc.
void configureHeap();

} // namespace seqrt

#endif // SEQRT_LIB_HEAP_H
