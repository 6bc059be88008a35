//===- GpuTargetsTest.cpp - Tests of an artifact's GPU targets ------------===//
//
// parseArtifactTargets on the metadata of format-version-2 artifacts: a
// well-formed one, and hostile image ranges, target lists and launch
// manifests, each rejected with a message naming the field.
//
//===----------------------------------------------------------------------===//

#include "GpuTargets.h"
#include "seqrt/Artifact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

using namespace seqrt;
using ::testing::HasSubstr;

namespace {
/// Metadata with two GPU targets in a 300-byte image section: a cuda:sm_80
/// cubin [0, 100) and PTX [100, 200), a hip:gfx942 HSACO [200, 300).
/// `@KERNEL@` is the sm_80 manifest's kernel.
std::string metadata(const std::string &kernel = "") {
  std::string sm80Kernel =
      kernel.empty() ? R"({"name": "linear_bf16", "block": [128, 1, 1],
               "grid": [{"arg": 2, "dim": 1, "tile": 32}],
               "static_shared_bytes": 2048, "dynamic_shared_bytes": 0,
               "params": [{"kind": "memref", "element": "bf16", "rank": 2},
                          {"kind": "memref", "element": "bf16", "rank": 2},
                          {"kind": "memref", "element": "bf16", "rank": 2}]})"
                     : kernel;
  return R"({"format_version": 2,
    "targets": ["cuda:sm_80", "hip:gfx942", "cpu"],
    "gpu_targets": [
      {"target": "cuda:sm_80",
       "binary": {"format": "cubin", "offset": 0, "size": 100},
       "ptx": {"offset": 100, "size": 100},
       "manifest": {"format": "seqc-gpu-kernels", "version": 1,
                    "target": "cuda:sm_80", "abi": "memref-descriptor",
                    "kernels": [)" +
         sm80Kernel + R"(]}},
      {"target": "hip:gfx942",
       "binary": {"format": "hsaco", "offset": 200, "size": 100},
       "manifest": {"format": "seqc-gpu-kernels", "version": 1,
                    "target": "hip:gfx942", "abi": "memref-descriptor",
                    "kernels": []}}]})";
}

/// parseArtifactTargets' error on `json` (a 300-byte section), or "" on
/// success.
std::string parseError(const std::string &json, uint64_t imagesSize = 300) {
  ArtifactTargets targets;
  std::string error;
  if (parseArtifactTargets(json, kArtifactFormatVersionGPU, imagesSize, targets,
                           error))
    return "";
  return error;
}

/// `json` with the first `from` replaced by `to`.
std::string replace(std::string json, const std::string &from,
                    const std::string &to) {
  size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    json.replace(at, from.size(), to);
  return json;
}

TEST(GpuTargets, ParsesTargetsImagesAndManifests) {
  ArtifactTargets targets;
  std::string error;
  ASSERT_TRUE(parseArtifactTargets(metadata(), kArtifactFormatVersionGPU, 300,
                                   targets, error))
      << error;
  EXPECT_EQ(targets.names,
            (std::vector<std::string>{"cuda:sm_80", "hip:gfx942", "cpu"}));
  EXPECT_TRUE(targets.hasCpu);
  ASSERT_EQ(targets.gpu.size(), 2u);
  const GpuTargetInfo &cuda = targets.gpu[0];
  EXPECT_EQ(cuda.api, SEQRT_GPU_CUDA);
  EXPECT_EQ(cuda.chip, "sm_80");
  EXPECT_EQ(cuda.format, "cubin");
  EXPECT_TRUE(cuda.hasPtx);
  EXPECT_EQ(cuda.ptx.offset, 100u);
  ASSERT_EQ(cuda.kernels.size(), 1u);
  EXPECT_EQ(cuda.kernels[0].name, "linear_bf16");
  EXPECT_EQ(cuda.kernels[0].block[0], 128u);
  ASSERT_EQ(cuda.kernels[0].grid.size(), 1u);
  EXPECT_EQ(cuda.kernels[0].grid[0].tile, 32);
  EXPECT_EQ(cuda.kernels[0].params.size(), 3u);
  EXPECT_EQ(targets.gpu[1].api, SEQRT_GPU_HIP);
  EXPECT_FALSE(targets.gpu[1].hasPtx);

  // Version 1 is the CPU code alone; its metadata is not read here.
  ASSERT_TRUE(parseArtifactTargets("not json", kArtifactFormatVersion, 0,
                                   targets, error));
  EXPECT_EQ(targets.names, std::vector<std::string>{"cpu"});
  EXPECT_TRUE(targets.gpu.empty());
}

TEST(GpuTargets, RejectsHostileRanges) {
  const std::string good = metadata();
  EXPECT_THAT(parseError(good, 299),
              HasSubstr("gpu_targets[1].binary: bytes [200, +100) lie "
                        "outside the GPU image section of 299 bytes"));
  EXPECT_THAT(parseError(good, 301), HasSubstr("the images end at byte 300"));
  // Offsets and sizes near 2^63 must not wrap into the section.
  EXPECT_THAT(parseError(replace(good, R"("offset": 100, "size": 100)",
                                 R"("offset": 9223372036854775807,
                                     "size": 9223372036854775807)")),
              HasSubstr("gpu_targets[0].ptx: bytes [9223372036854775807"));
  EXPECT_THAT(parseError(replace(good, R"("offset": 100, "size": 100)",
                                 R"("offset": 50, "size": 150)")),
              HasSubstr("do not tile the GPU image section"));
  EXPECT_THAT(parseError(replace(good, R"("offset": 0, "size": 100)",
                                 R"("offset": -1, "size": 100)")),
              HasSubstr("gpu_targets[0].binary: expected a non-negative"));
  EXPECT_THAT(parseError(replace(good, R"("offset": 0, "size": 100)",
                                 R"("offset": 0, "size": 0)")),
              HasSubstr("a positive \"size\""));
}

TEST(GpuTargets, RejectsBadTargetLists) {
  const std::string good = metadata();
  EXPECT_THAT(parseError(replace(good, R"(["cuda:sm_80", "hip:gfx942", "cpu"])",
                                 R"(["cuda:sm_80", "cuda:sm_80", "cpu"])")),
              HasSubstr("targets: repeated 'cuda:sm_80'"));
  EXPECT_THAT(
      parseError(replace(good, R"(["cuda:sm_80", "hip:gfx942", "cpu"])",
                         R"(["cuda:sm_80", "hip:gfx942", "hip:gfx90a"])")),
      HasSubstr("no binary for the listed target 'hip:gfx90a'"));
  EXPECT_THAT(parseError(replace(good, R"("target": "hip:gfx942",
       "binary")",
                                 R"("target": "cuda:sm_80",
       "binary")")),
              HasSubstr("gpu_targets[1].target: 'cuda:sm_80' is not a GPU "
                        "target listed once"));
  EXPECT_THAT(
      parseError(replace(good, R"("format": "hsaco")", R"("format": "cubin")")),
      HasSubstr("gpu_targets[1].binary.format: 'cubin' is not a hip "
                "binary"));
  EXPECT_THAT(parseError(replace(good, R"("targets": [)", R"("targetz": [)")),
              HasSubstr("targets: expected a non-empty array"));
}

TEST(GpuTargets, RejectsBadManifests) {
  const std::string good = metadata();
  EXPECT_THAT(parseError(replace(good, R"("abi": "memref-descriptor")",
                                 R"("abi": "bare-pointer")")),
              HasSubstr("gpu_targets[0].manifest: launch manifest "
                        "'seqc-gpu-kernels' version 1, ABI 'bare-pointer'"));
  EXPECT_THAT(parseError(replace(good, R"("version": 1)", R"("version": 2)")),
              HasSubstr("version 2, ABI 'memref-descriptor': this runtime"));
  EXPECT_THAT(parseError(replace(good, R"("target": "cuda:sm_80", "abi")",
                                 R"("target": "cuda:sm_90", "abi")")),
              HasSubstr("manifest.target: 'cuda:sm_90' is not the target's"));
  EXPECT_THAT(parseError(replace(good, "[128, 1, 1]", "[1024, 2, 1]")),
              HasSubstr("kernels[0].block: more than 1024 threads"));
  EXPECT_THAT(parseError(replace(good, "[128, 1, 1]", "[128, 0, 1]")),
              HasSubstr("kernels[0].block: extents must be in [1, 1024]"));
  EXPECT_THAT(parseError(replace(good, R"("arg": 2, "dim": 1)",
                                 R"("arg": 3, "dim": 1)")),
              HasSubstr("kernels[0].grid[0].arg: expected an integer in "
                        "[0, 2]"));
  EXPECT_THAT(parseError(replace(good, R"("arg": 2, "dim": 1)",
                                 R"("arg": 2, "dim": 2)")),
              HasSubstr("kernels[0].grid[0].dim: expected an integer in "
                        "[0, 1]"));
  EXPECT_THAT(parseError(replace(good, R"("tile": 32)", R"("tile": 0)")),
              HasSubstr("grid[0].tile"));
  EXPECT_THAT(
      parseError(replace(good, R"("kind": "memref")", R"("kind": "scalar")")),
      HasSubstr("params[0].kind: 'scalar' is not a parameter kind"));
  EXPECT_THAT(parseError(replace(good, R"("rank": 2}])", R"("rank": 99}])")),
              HasSubstr("params[2].rank"));
  std::string twice = metadata(R"({"name": "k", "block": [1, 1, 1],
      "grid": [], "static_shared_bytes": 0, "dynamic_shared_bytes": 0,
      "params": [{"kind": "memref", "element": "f32", "rank": 1}]},
      {"name": "k", "block": [1, 1, 1], "grid": [],
      "static_shared_bytes": 0, "dynamic_shared_bytes": 0,
      "params": [{"kind": "memref", "element": "f32", "rank": 1}]})");
  EXPECT_THAT(parseError(twice), HasSubstr("kernels[1].name: repeated kernel"));
}
} // namespace
