//===- NpyFuzzer.cpp - libFuzzer target for .npy files --------------------===//

#include "Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  for (auto expected : {std::optional<seqrt_dtype>(),
                        std::optional<seqrt_dtype>(SEQRT_DTYPE_BF16)}) {
    seqrt_tensor tensor{};
    std::string error;
    if (seqrt::parseNpy(bytes, tensor, error, expected))
      seqrt_tensor_free(nullptr, &tensor);
  }
  return 0;
}
