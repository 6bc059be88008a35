//===- SafetensorsFuzzer.cpp - libFuzzer target for safetensors -----------===//

#include "FuzzUtils.h"
#include "Safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seqrt::fuzz::MemoryFile file(data, size);
  if (!file.ok())
    return 0;
  std::string error;
  bool isIOError = false;
  auto parsed = seqrt::SafetensorsFile::open(file.path(), error, isIOError);
  if (parsed)
    for (const auto &tensor : parsed->tensors())
      (void)parsed->find(tensor.name);
  return 0;
}
