//===- ArtifactFormatTest.cpp - Tests of the .seqpkg container ------------===//
//
// Tests of seqrt/Artifact.h (checksum, writer, decoder) and of the
// rejections seqrt_artifact_load makes before loading any code.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtils.h"

#include "seqrt/Artifact.h"
#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <filesystem>

using namespace seqrt;
using namespace seqrt::test;
using ::testing::HasSubstr;

namespace {
TEST(ArtifactFormat, Fnv1a64KnownValues) {
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar", 6), 0x85944171f73967e8ULL);
  // Hashing in pieces equals hashing at once.
  EXPECT_EQ(fnv1a64("bar", 3, fnv1a64("foo", 3)), fnv1a64("foobar", 6));
}

TEST(ArtifactFormat, EncodeLayout) {
  std::string bytes = encodeArtifact("{}", "CODE!");
  ASSERT_EQ(bytes.size(), kArtifactHeaderSize + 2 + 5);
  EXPECT_EQ(bytes.substr(0, 8), std::string("SEQCPKG\0", 8));
  EXPECT_EQ(bytes[8], 1);  // version, little-endian
  EXPECT_EQ(bytes[16], 2); // metadata size
  EXPECT_EQ(bytes[24], 5); // code size
  EXPECT_EQ(bytes.substr(40), "{}CODE!");
}

TEST(ArtifactFormat, DecodeRoundTrip) {
  std::string bytes = encodeArtifact("{\"a\": 1}", std::string("\0\1\2", 3));
  ArtifactContents contents;
  std::string error;
  ASSERT_EQ(decodeArtifact(bytes, contents, error), ArtifactError::None)
      << error;
  EXPECT_EQ(contents.version, kArtifactFormatVersion);
  EXPECT_EQ(contents.metadata, "{\"a\": 1}");
  EXPECT_EQ(contents.code, std::string("\0\1\2", 3));
}

TEST(ArtifactFormat, WriteArtifactWritesFileAtomically) {
  ScratchDir dir;
  std::string path = dir.file("m.seqpkg"), error;
  ASSERT_TRUE(writeArtifact(path, "{}", "code", error)) << error;
  EXPECT_EQ(readFile(path), encodeArtifact("{}", "code"));
  // Nothing but the artifact is left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto &entry :
       std::filesystem::directory_iterator(dir.file("")))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(ArtifactFormat, WriteArtifactReportsErrors) {
  std::string error;
  EXPECT_FALSE(writeArtifact("/nonexistent-dir/m.seqpkg", "{}", "", error));
  EXPECT_THAT(error, HasSubstr("/nonexistent-dir/m.seqpkg"));
}

/// decodeArtifact's verdict and message on `bytes`.
std::pair<ArtifactError, std::string> decode(const std::string &bytes) {
  ArtifactContents contents;
  std::string error;
  ArtifactError kind = decodeArtifact(bytes, contents, error);
  return {kind, error};
}

TEST(ArtifactFormat, DecodeRejections) {
  std::string good = encodeArtifact("{}", "code");

  auto [kind, error] = decode("");
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("truncated"));

  std::tie(kind, error) = decode(good.substr(0, 20));
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("truncated artifact: 20 bytes"));

  std::tie(kind, error) = decode(good.substr(0, good.size() - 1));
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("truncated"));

  std::tie(kind, error) = decode(good + "x");
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("size mismatch"));

  std::string badMagic = good;
  badMagic[0] = 'X';
  std::tie(kind, error) = decode(badMagic);
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("bad magic"));

  std::string badVersion = good;
  badVersion[8] = 3;
  std::tie(kind, error) = decode(badVersion);
  EXPECT_EQ(kind, ArtifactError::Version);
  EXPECT_THAT(error, HasSubstr("version 3"));

  std::string badFlags = good;
  badFlags[12] = 1;
  std::tie(kind, error) = decode(badFlags);
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("flags"));

  // Huge sizes must not overflow into "fits".
  std::string hugeSizes = good;
  for (int i = 16; i < 32; ++i)
    hugeSizes[i] = '\xff';
  std::tie(kind, error) = decode(hugeSizes);
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(error, HasSubstr("truncated"));

  for (size_t at : {kArtifactHeaderSize, good.size() - 1}) {
    std::string flipped = good;
    flipped[at] ^= 0x20;
    std::tie(kind, error) = decode(flipped);
    EXPECT_EQ(kind, ArtifactError::Checksum) << "byte " << at;
    EXPECT_THAT(error, HasSubstr("checksum mismatch"));
  }
}

/// Format version 2 adds the GPU image section: its size in the header
/// (offset 40), its bytes after the code, all covered by the checksum; a
/// CPU-only artifact stays version 1 (runtimes before version 2 read it).
TEST(ArtifactFormat, GpuImageSection) {
  EXPECT_EQ(encodeArtifact("{}", "code", "")[8], 1);
  std::string good = encodeArtifact("{}", "code", "IMAGES");
  ASSERT_EQ(good.size(), kArtifactHeaderSizeGPU + 2 + 4 + 6);
  EXPECT_EQ(good[8], 2);
  ArtifactContents contents;
  std::string error;
  ASSERT_EQ(decodeArtifact(good, contents, error), ArtifactError::None)
      << error;
  EXPECT_EQ(contents.version, kArtifactFormatVersionGPU);
  EXPECT_EQ(contents.metadata, "{}");
  EXPECT_EQ(contents.code, "code");
  EXPECT_EQ(contents.gpuImages, "IMAGES");

  auto [kind, message] = decode(good.substr(0, 44));
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(message, HasSubstr("48-byte header of format version 2"));
  std::tie(kind, message) = decode(good.substr(0, good.size() - 1));
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(message, HasSubstr("GPU images 6 bytes"));
  std::string hugeImages = good;
  for (int i = 40; i < 48; ++i)
    hugeImages[i] = '\xff';
  std::tie(kind, message) = decode(hugeImages);
  EXPECT_EQ(kind, ArtifactError::Format);
  EXPECT_THAT(message, HasSubstr("truncated"));
  std::string flipped = good;
  flipped[good.size() - 1] ^= 0x20;
  std::tie(kind, message) = decode(flipped);
  EXPECT_EQ(kind, ArtifactError::Checksum);
}

/// seqrt_artifact_load on `bytes` must fail with `status` and a message
/// containing `message`.
void expectLoadFails(const std::string &bytes, seqrt_status status,
                     const std::string &message) {
  ScratchDir dir;
  std::string path = dir.file("bad.seqpkg");
  writeFile(path, bytes);
  seqrt_artifact *artifact = nullptr;
  EXPECT_EQ(seqrt_artifact_load(path.c_str(), &artifact), status)
      << seqrt_last_error();
  EXPECT_EQ(artifact, nullptr);
  EXPECT_THAT(seqrt_last_error(), HasSubstr(message));
  EXPECT_THAT(seqrt_last_error(), HasSubstr(path));
}

TEST(ArtifactLoad, MissingFile) {
  seqrt_artifact *artifact = nullptr;
  EXPECT_EQ(seqrt_artifact_load("/nonexistent/m.seqpkg", &artifact),
            SEQRT_ERROR_IO);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("cannot open"));
  EXPECT_THAT(seqrt_last_error(), HasSubstr("/nonexistent/m.seqpkg"));
}

TEST(ArtifactLoad, RejectsCorruptContainers) {
  std::string good = encodeArtifact(fakeModelMetadata(), fakeModelCode());
  expectLoadFails(good.substr(0, 30), SEQRT_ERROR_FORMAT, "truncated");
  expectLoadFails(good.substr(0, good.size() / 2), SEQRT_ERROR_FORMAT,
                  "truncated");
  std::string badMagic = good;
  badMagic[3] = 'Q';
  expectLoadFails(badMagic, SEQRT_ERROR_FORMAT, "bad magic");
  std::string badVersion = good;
  badVersion[8] = 7;
  expectLoadFails(badVersion, SEQRT_ERROR_VERSION,
                  "unsupported artifact format version 7");
  std::string flipped = good;
  flipped[good.size() - 100] ^= 1;
  expectLoadFails(flipped, SEQRT_ERROR_CHECKSUM, "checksum mismatch");
}

TEST(ArtifactLoad, RejectsBadMetadata) {
  const std::string &code = fakeModelCode();
  expectLoadFails(encodeArtifact("{", code), SEQRT_ERROR_FORMAT,
                  "metadata: malformed JSON");
  expectLoadFails(encodeArtifact("[]", code), SEQRT_ERROR_FORMAT,
                  "expected a JSON object");
  expectLoadFails(encodeArtifact(R"({"target": {"kind": "cpu"}})", code),
                  SEQRT_ERROR_FORMAT, "target.triple: missing");
  std::string badDtype = fakeModelMetadata();
  badDtype.replace(badDtype.find("\"f32\""), 5, "\"f31\"");
  expectLoadFails(encodeArtifact(badDtype, code), SEQRT_ERROR_FORMAT,
                  "entries[0].inputs[0].dtype: unknown dtype 'f31'");
  expectLoadFails(
      encodeArtifact(fakeModelMetadata(R"([{"symbol": "w", "key": "k",
          "dtype": "f32", "shape": [-1], "global": "__seq_param_w"}])"),
                     code),
      SEQRT_ERROR_FORMAT, "parameters[0].shape: extents must be integers");
  std::string version2 = fakeModelMetadata();
  version2.replace(version2.find("\"format_version\": 1"), 19,
                   "\"format_version\": 2");
  expectLoadFails(encodeArtifact(version2, code), SEQRT_ERROR_FORMAT,
                  "format_version 2");
}

/// The speculative-decoding counters of an entry ("verify_steps_output",
/// "accepted_drafts_output", "drafted_tokens_output"): i32 [B] outputs,
/// read back by index.
TEST(ArtifactLoad, SpeculativeCountOutputs) {
  const std::string iota =
      R"("name": "iota", "function": "__seq_packed_iota",)";
  auto withKeys = [&](const std::string &entry, const std::string &keys) {
    std::string metadata = fakeModelMetadata();
    size_t at = metadata.find(entry);
    EXPECT_NE(at, std::string::npos);
    metadata.insert(at + entry.size(), keys);
    return metadata;
  };
  ScratchDir dir;
  std::string path = dir.file("m.seqpkg");
  writeFakeArtifact(path, withKeys(iota, R"( "verify_steps_output": 0,
      "accepted_drafts_output": 0, "drafted_tokens_output": 0,)"));
  seqrt_artifact *artifact = nullptr;
  ASSERT_EQ(seqrt_artifact_load(path.c_str(), &artifact), SEQRT_OK)
      << seqrt_last_error();
  size_t entry = 0, add = 0;
  ASSERT_EQ(seqrt_entry_find(artifact, "iota", &entry), SEQRT_OK);
  ASSERT_EQ(seqrt_entry_find(artifact, "add", &add), SEQRT_OK);
  EXPECT_EQ(seqrt_entry_verify_steps_output(artifact, entry), 0);
  EXPECT_EQ(seqrt_entry_accepted_drafts_output(artifact, entry), 0);
  EXPECT_EQ(seqrt_entry_verify_steps_output(artifact, add), -1);
  EXPECT_EQ(seqrt_entry_accepted_drafts_output(artifact, 99), -1);
  EXPECT_EQ(seqrt_entry_drafted_tokens_output(artifact, entry), 0);
  EXPECT_EQ(seqrt_entry_drafted_tokens_output(artifact, add), -1);
  seqrt_artifact_free(artifact);

  const std::string &code = fakeModelCode();
  expectLoadFails(
      encodeArtifact(withKeys(iota, R"( "verify_steps_output": 1,)"), code),
      SEQRT_ERROR_FORMAT,
      "entries[2].verify_steps_output: expected an output index");
  const std::string add_ = R"("name": "add", "function": "__seq_packed_add",)";
  expectLoadFails(
      encodeArtifact(withKeys(add_, R"( "accepted_drafts_output": 0,)"), code),
      SEQRT_ERROR_FORMAT,
      "entries[0].accepted_drafts_output: expected an i32 [B] output");
  expectLoadFails(
      encodeArtifact(withKeys(iota, R"( "drafted_tokens_output": 7,)"), code),
      SEQRT_ERROR_FORMAT,
      "entries[2].drafted_tokens_output: expected an output index");
}

TEST(ArtifactLoad, RejectsOtherTargets) {
  const std::string &code = fakeModelCode();
  expectLoadFails(
      encodeArtifact(
          fakeModelMetadata("[]", R"({"kind": "cuda", "triple": "nvptx64"})"),
          code),
      SEQRT_ERROR_TARGET, "artifact targets 'cuda'");
  std::string otherArch = hostTriple().rfind("x86_64", 0) == 0
                              ? "aarch64-unknown-linux-gnu"
                              : "x86_64-unknown-linux-gnu";
  expectLoadFails(
      encodeArtifact(fakeModelMetadata("[]", R"({"kind": "cpu", "triple": ")" +
                                                 otherArch + "\"}"),
                     code),
      SEQRT_ERROR_TARGET, "but this host is");
}

TEST(ArtifactLoad, RejectsBadCode) {
  expectLoadFails(encodeArtifact(fakeModelMetadata(), "not an ELF file"),
                  SEQRT_ERROR_FORMAT, "not an ELF file");
  std::string metadata = fakeModelMetadata();
  metadata.replace(metadata.find("__seq_packed_iota"), 17, "__seq_packed_nope");
  expectLoadFails(encodeArtifact(metadata, fakeModelCode(metadata)),
                  SEQRT_ERROR_FORMAT,
                  "does not define '__seq_packed_nope' (entry 'iota')");
  std::string params = fakeModelParameters();
  params.replace(params.find("__seq_param_b"), 13, "__seq_param_x");
  expectLoadFails(encodeArtifact(fakeModelMetadata(params), fakeModelCode()),
                  SEQRT_ERROR_FORMAT,
                  "does not define '__seq_param_x' (parameter 'model.b')");
  // A symbol of a dependency (libc) is not one of the artifact's, nor an
  // entry point.
  std::string libcSymbol = fakeModelMetadata();
  libcSymbol.replace(libcSymbol.find("__seq_packed_iota"), 17, "malloc");
  expectLoadFails(encodeArtifact(libcSymbol, fakeModelCode(libcSymbol)),
                  SEQRT_ERROR_FORMAT,
                  "entry 'iota': 'malloc' is not an entry point");
  std::string libcEntry = fakeModelMetadata();
  libcEntry.replace(libcEntry.find("__seq_packed_iota"), 17,
                    "__seq_packed_nope");
  expectLoadFails(encodeArtifact(libcEntry, fakeModelCode(libcEntry)),
                  SEQRT_ERROR_FORMAT,
                  "does not define '__seq_packed_nope' (entry 'iota')");
}
} // namespace
