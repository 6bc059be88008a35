//===- Tensor.cpp - Tensor buffers and their owners -----------------------===//
//
// This file implements tensor allocation, wrapping and freeing, and the
// tensor size helpers of the C API.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"

#include "CodeLibrary.h"
#include "Dtype.h"
#include "Error.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace seqrt;

void *seqrt::alignedZeroAlloc(size_t bytes) {
  if (bytes == 0)
    bytes = 1;
  if (bytes > SIZE_MAX - (kTensorAlignment - 1))
    return nullptr;
  size_t rounded = (bytes + kTensorAlignment - 1) & ~(kTensorAlignment - 1);
  void *memory = std::aligned_alloc(kTensorAlignment, rounded);
  if (memory)
    std::memset(memory, 0, rounded);
  return memory;
}

TensorOwner *TensorOwner::forHeap(void *memory) {
  auto *owner = new TensorOwner();
  owner->memory = memory;
  return owner;
}

TensorOwner *TensorOwner::forResult(void *allocated,
                                    std::shared_ptr<CodeLibrary> library) {
  auto *owner = new TensorOwner();
  owner->memory = allocated;
  owner->library = std::move(library);
  return owner;
}

void TensorOwner::release() {
  if (refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  if (library)
    library->seqFree(memory);
  else
    std::free(memory);
  delete this;
}

seqrt_status seqrt::checkTensorShape(const std::string &what, seqrt_dtype dtype,
                                     int32_t rank, const int64_t *shape) {
  if (!isValidDtype(dtype))
    return fail(SEQRT_ERROR_ARGUMENT,
                what + ": invalid dtype " +
                    std::to_string(static_cast<int>(dtype)));
  if (rank < 0 || rank > SEQRT_MAX_RANK)
    return fail(SEQRT_ERROR_ARGUMENT, what + ": rank " + std::to_string(rank) +
                                          " is outside 0.." +
                                          std::to_string(SEQRT_MAX_RANK));
  if (rank > 0 && !shape)
    return fail(SEQRT_ERROR_ARGUMENT, what + ": null shape");
  if (!numElements(shape, static_cast<size_t>(rank), seqrt_dtype_size(dtype)))
    return fail(SEQRT_ERROR_ARGUMENT,
                what + ": shape " + formatShape(shape, rank) +
                    " has a negative extent or too many elements");
  return SEQRT_OK;
}

extern "C" int64_t seqrt_tensor_num_elements(const seqrt_tensor *tensor) {
  if (!tensor || tensor->rank < 0 || tensor->rank > SEQRT_MAX_RANK)
    return -1;
  std::optional<int64_t> count =
      numElements(tensor->shape, static_cast<size_t>(tensor->rank));
  return count ? *count : -1;
}

extern "C" size_t seqrt_tensor_byte_size(const seqrt_tensor *tensor) {
  int64_t count = seqrt_tensor_num_elements(tensor);
  if (count < 0)
    return 0;
  return static_cast<size_t>(count) * seqrt_dtype_size(tensor->dtype);
}

extern "C" seqrt_status seqrt_tensor_alloc(seqrt_dtype dtype, int32_t rank,
                                           const int64_t *shape,
                                           seqrt_tensor *out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tensor_alloc: null output");
  std::memset(out, 0, sizeof(*out));
  if (seqrt_status status =
          checkTensorShape("seqrt_tensor_alloc", dtype, rank, shape))
    return status;
  out->dtype = dtype;
  out->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    out->shape[i] = shape[i];
  void *memory = alignedZeroAlloc(seqrt_tensor_byte_size(out));
  if (!memory)
    return fail(SEQRT_ERROR_MEMORY, "seqrt_tensor_alloc: out of memory for " +
                                        formatType(dtype, shape, rank));
  out->data = memory;
  out->owner_ = TensorOwner::forHeap(memory);
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_tensor_wrap(seqrt_dtype dtype, int32_t rank,
                                          const int64_t *shape, void *data,
                                          seqrt_tensor *out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tensor_wrap: null output");
  std::memset(out, 0, sizeof(*out));
  if (seqrt_status status =
          checkTensorShape("seqrt_tensor_wrap", dtype, rank, shape))
    return status;
  out->dtype = dtype;
  out->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    out->shape[i] = shape[i];
  if (!data && seqrt_tensor_num_elements(out) != 0)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_tensor_wrap: null data");
  out->data = data;
  return SEQRT_OK;
}

extern "C" void seqrt_tensor_free(seqrt_artifact *artifact,
                                  seqrt_tensor *tensor) {
  (void)artifact; // results keep their code loaded themselves
  if (!tensor)
    return;
  if (tensor->owner_)
    static_cast<TensorOwner *>(tensor->owner_)->release();
  tensor->owner_ = nullptr;
  tensor->data = nullptr;
}
