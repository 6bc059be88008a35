//===- RuntimeTestUtils.h - Helpers for the runtime unit tests --*- C++ -*-===//
//
// This file declares what the runtime tests share: scratch directories,
// file helpers, artifacts built from the hand-written fake model, and
// safetensors files written from scratch.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_TEST_RUNTIMETESTUTILS_H
#define SEQRT_TEST_RUNTIMETESTUTILS_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seqrt::test {

/// A fresh directory, removed with its contents on destruction.
class ScratchDir {
public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  /// `name` inside the directory.
  std::string file(const std::string &name) const;

private:
  std::string path;
};

std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &bytes);

/// The bytes of the fake model shared object (Inputs/fake_model.c), with
/// the placeholder of its ABI record `__seq_abi`.
const std::string &fakeModelCode();
/// The fake model with the ABI record of `metadata` (seqrt/Abi.h) written
/// over the placeholder, as seqc would compile it for that metadata.
std::string fakeModelCode(const std::string &metadata);

/// The triple of this host, e.g. "x86_64-unknown-linux-gnu".
std::string hostTriple();

/// Metadata JSON naming every entry of the fake model; `parameters` is the
/// JSON array of parameters, `target` the JSON target object,
/// `extraEntries` more entry objects (e.g. of qbytes), comma-separated.
std::string fakeModelMetadata(const std::string &parameters = "[]",
                              const std::string &target = "",
                              const std::string &extraEntries = "");
/// The parameters w (f32[4], key "model.w") and b (f32[2], key "model.b").
std::string fakeModelParameters();

/// Writes an artifact of `metadata` and the fake model code to `path`.
void writeFakeArtifact(const std::string &path, const std::string &metadata);

/// One tensor of a safetensors file.
struct SafetensorsEntry {
  std::string name;
  std::string dtype; ///< "F32", ...
  std::vector<int64_t> shape;
  std::string data;
};
/// The bytes of a safetensors file holding `entries`, the header padded
/// so that the data starts at an offset that is `dataMisalignment` modulo 8
/// (real files use 0).
std::string safetensorsBytes(const std::vector<SafetensorsEntry> &entries,
                             size_t dataMisalignment = 0);
/// Raw bytes of floats.
std::string floatBytes(const std::vector<float> &values);

/// A 1-D f32 tensor viewing `values`.
seqrt_tensor viewF32(std::vector<float> &values);
/// The floats of an f32 tensor.
std::vector<float> toFloats(const seqrt_tensor &tensor);

} // namespace seqrt::test

#endif // SEQRT_TEST_RUNTIMETESTUTILS_H
