//===- MetadataFuzzer.cpp - libFuzzer target for artifact metadata --------===//
//
// The metadata JSON parser and checks, and the ABI record of what parses
// compared with itself and with the input as a record.
//
//===----------------------------------------------------------------------===//

#include "AbiRecord.h"
#include "Metadata.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  seqrt::Metadata metadata;
  std::string error;
  if (!seqrt::parseMetadata(text, metadata, error))
    return 0;
  // A metadata document matches its own record, unless it names a function
  // or global twice (the loader rejects two parameters on one global; two
  // entries on one function are compared with the one record entry).
  std::set<std::string> names;
  bool unique = true;
  for (const seqrt::EntryInfo &entry : metadata.entries)
    unique &= names.insert("e" + entry.function).second;
  for (const seqrt::ParameterInfo &param : metadata.parameters)
    unique &= names.insert("p" + param.global).second;
  if (unique &&
      !seqrt::checkAbiRecord(metadata, seqrt::encodeAbiRecord(metadata), error))
    abort();
  seqrt::checkAbiRecord(metadata, text, error);
  return 0;
}
