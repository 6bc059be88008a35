//===- Tensor.h - Tensor buffers and their owners ---------------*- C++ -*-===//
//
// This file declares what a seqrt_tensor's private `owner_` points to and
// the runtime's aligned buffer allocation.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_TENSOR_H
#define SEQRT_LIB_TENSOR_H

#include "seqrt/seqrt.h"

#include <atomic>
#include <memory>
#include <string>

namespace seqrt {

class CodeLibrary;

/// Alignment of every buffer the runtime allocates.
inline constexpr size_t kTensorAlignment = 64;

/// A zero-filled, kTensorAlignment-aligned buffer of at least `bytes` bytes
/// (at least one alignment unit, so never null for an empty tensor), to be
/// released with std::free. Null when out of memory.
void *alignedZeroAlloc(size_t bytes);

/// The owner of a tensor's memory. Entry results that share one allocation
/// share one owner, which frees it when the last of them is freed.
class TensorOwner {
public:
  /// Memory from alignedZeroAlloc.
  static TensorOwner *forHeap(void *memory);
  /// An entry result's `allocated` pointer, freed with `library`'s
  /// __seq_free (which the owner keeps loaded).
  static TensorOwner *forResult(void *allocated,
                                std::shared_ptr<CodeLibrary> library);

  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  /// Drops one reference; the last one frees the memory and the owner.
  void release();

private:
  TensorOwner() = default;
  std::atomic<int> refs{1};
  void *memory = nullptr;
  std::shared_ptr<CodeLibrary> library;
};

/// Checks dtype, rank and extents of a tensor description: SEQRT_OK or
/// SEQRT_ERROR_ARGUMENT with a message starting with `what`.
seqrt_status checkTensorShape(const std::string &what, seqrt_dtype dtype,
                              int32_t rank, const int64_t *shape);

} // namespace seqrt

#endif // SEQRT_LIB_TENSOR_H
