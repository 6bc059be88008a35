//===- TargetDescriptionTest.cpp - target specs and tile choices ----------===//
//
// Unit tests of --target parsing, the chip table and the tile choices
// (KernelDispatch) every lowering reads.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/TargetDescription.h"
#include "seqc/Target/KernelDispatch.h"
#include "seqc/Target/KernelDispatchWgmma.h"

#include "gtest/gtest.h"

using namespace mlir::seq;

TEST(TargetDescription, ParsesEveryKind) {
  llvm::SmallVector<TargetDescription, 4> targets;
  std::string error;
  ASSERT_TRUE(
      parseTargetList("cuda:sm_90a,cuda:sm_80,hip:gfx942,cpu", targets, error))
      << error;
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[0].name(), "cuda:sm_90a");
  EXPECT_EQ(targets[2].kind, TargetKind::HIP);
  EXPECT_EQ(targets[3].kind, TargetKind::CPU);
  EXPECT_FALSE(targets[3].isGPU());
}

TEST(TargetDescription, GPUNumbers) {
  std::string error;
  std::optional<TargetDescription> sm80 = parseTarget("cuda:sm_80", error);
  ASSERT_TRUE(sm80);
  EXPECT_EQ(sm80->warpSize, 32);
  EXPECT_EQ(sm80->multiprocessors, 108);
  EXPECT_EQ(sm80->sharedMemoryPerBlock, 48 * 1024);
  std::optional<MatrixInstruction> mma =
      sm80->findMatrixInstruction(MatrixElementType::BF16);
  ASSERT_TRUE(mma);
  EXPECT_STREQ(mma->name, "mma.sync");
  EXPECT_EQ(mma->m, 16);
  EXPECT_EQ(mma->n, 8);
  EXPECT_EQ(mma->k, 16);
  // wgmma only on sm_90a (issued by a 128-thread warpgroup).
  EXPECT_FALSE(sm80->findMatrixInstruction(MatrixElementType::F16, 128));
  std::optional<TargetDescription> sm90a = parseTarget("cuda:sm_90a", error);
  ASSERT_TRUE(sm90a);
  std::optional<MatrixInstruction> wgmma =
      sm90a->findMatrixInstruction(MatrixElementType::F16, 128);
  ASSERT_TRUE(wgmma);
  EXPECT_STREQ(wgmma->name, "wgmma");
  EXPECT_EQ(wgmma->m, 64);

  std::optional<TargetDescription> gfx942 = parseTarget("hip:gfx942", error);
  ASSERT_TRUE(gfx942);
  EXPECT_EQ(gfx942->warpSize, 64);
  EXPECT_EQ(gfx942->sharedMemoryPerBlock, 64 * 1024);
  int shapes = 0;
  for (const MatrixInstruction &i : gfx942->matrixInstructions)
    if (i.elementType == MatrixElementType::F16 &&
        ((i.m == 16 && i.n == 16 && i.k == 16) ||
         (i.m == 32 && i.n == 32 && i.k == 8)))
      ++shapes;
  EXPECT_EQ(shapes, 2);
}

TEST(TargetDescription, RejectsBadSpecs) {
  llvm::SmallVector<TargetDescription, 4> targets;
  std::string error;
  EXPECT_FALSE(parseTargetList("cpu,,cuda:sm_80", targets, error));
  EXPECT_NE(error.find("unknown target ''"), std::string::npos) << error;
  targets.clear();
  EXPECT_FALSE(parseTargetList("hip:gfx942,hip:gfx942", targets, error));
  EXPECT_EQ(error, "target 'hip:gfx942' is named twice");
  EXPECT_FALSE(parseTarget("cuda:", error));
  EXPECT_FALSE(parseTarget("hip:gfx1100", error));
  EXPECT_NE(error.find("known: gfx90a, gfx942"), std::string::npos) << error;
}

TEST(KernelDispatch, CPUTilesAreTheOnesTheLoweringsUsed) {
  // The sizes the lowerings hard-coded before KernelDispatch: moving them
  // here must not change CPU code.
  TilingOptions tiling = selectTiling(describeCPU(16));
  EXPECT_EQ(tiling.vectorWidth, 16);
  // 64-row attention tiles with 6 keys x 4 row-vector score blocks on
  // AVX-512 (bench/results/cpu-attn-prefill-2026-12-01-s11.md); AVX2
  // keeps 16 rows and 6 x 2.
  EXPECT_EQ(tiling.queryTile, 64);
  EXPECT_EQ(tiling.keyTile, 64);
  EXPECT_EQ(tiling.attentionScoreKeys, 6);
  EXPECT_EQ(tiling.attentionScoreRowVectors, 4);
  EXPECT_EQ(tiling.attentionLaneValueRows, 6);
  EXPECT_EQ(tiling.attentionLaneValueVectors, 2);
  EXPECT_EQ(tiling.attentionBF16DotMaxRowVectors, 1);
  EXPECT_EQ(selectTiling(describeCPU(8)).queryTile, 16);
  EXPECT_EQ(selectTiling(describeCPU(8)).attentionScoreRowVectors, 2);
  EXPECT_EQ(tiling.linearFeatureTile, 16);
  // 3-row register blocks (3 x 4 vectors, 12 accumulators) since the
  // prefill40 work (bench/results/e2e-smollm2-f32-prefill40-2026-12-01.md).
  EXPECT_EQ(tiling.linearRowTile, 3);
  EXPECT_EQ(tiling.quantFeatureTile, 16);
  EXPECT_EQ(tiling.quantRowTile, 16);
  EXPECT_EQ(tiling.quantBlockRows, 8);
  EXPECT_EQ(tiling.quantBlockFeatures, 1);
  EXPECT_EQ(tiling.quantInt8BlockRows, 4);
  EXPECT_EQ(tiling.quantInt8BlockFeatures, 2);
  EXPECT_EQ(tiling.quantDecodeFeatures, 4);
  EXPECT_EQ(tiling.quantPrefetchRows, 16);
  EXPECT_EQ(tiling.groupedMatmulFeatureTile, 16);
  EXPECT_EQ(tiling.moeFeatureTile, 64);
  EXPECT_EQ(tiling.elementwiseTile, 1024);
}

TEST(KernelDispatch, GPULinearMapping) {
  std::string error;
  std::optional<TargetDescription> sm80 = parseTarget("cuda:sm_80", error);
  ASSERT_TRUE(sm80);
  std::optional<GPULinearConfig> bf16 =
      selectGPULinearConfig(*sm80, LinearElementType::BF16, error);
  ASSERT_TRUE(bf16) << error;
  EXPECT_EQ(bf16->threads(), 128);
  ASSERT_TRUE(bf16->instruction);
  EXPECT_STREQ(bf16->instruction->name, "mma.sync");
  std::optional<GPULinearConfig> f32 =
      selectGPULinearConfig(*sm80, LinearElementType::F32, error);
  ASSERT_TRUE(f32);
  EXPECT_FALSE(f32->instruction);

  std::optional<TargetDescription> gfx942 = parseTarget("hip:gfx942", error);
  ASSERT_TRUE(gfx942);
  std::optional<GPULinearConfig> mfma =
      selectGPULinearConfig(*gfx942, LinearElementType::F16, error);
  ASSERT_TRUE(mfma);
  EXPECT_EQ(mfma->threads(), 256);
  EXPECT_STREQ(mfma->instruction->name, "mfma");
  EXPECT_EQ(mfma->instruction->n, 16);

  EXPECT_FALSE(
      selectGPULinearConfig(describeCPU(8), LinearElementType::F32, error));
  EXPECT_EQ(error, "'cpu' is not a GPU target");
}

TEST(KernelDispatch, GPUAttentionMapping) {
  std::string error;
  std::optional<TargetDescription> sm80 = parseTarget("cuda:sm_80", error);
  ASSERT_TRUE(sm80);
  // Prefill, GQA 4:1, D = 64: 16 positions x 4 heads = 64 rows, 4 warps,
  // 64-key tiles; 8 x 2 x 8 = 128 blocks fill 108 SMs: no split.
  std::optional<GPUAttentionConfig> prefill = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 64, 64, 8, 2, 128, 128, error);
  ASSERT_TRUE(prefill) << error;
  EXPECT_EQ(prefill->positionsPerBlock, 16);
  EXPECT_EQ(prefill->warps, 4);
  EXPECT_EQ(prefill->threads(), 128);
  EXPECT_EQ(prefill->blockKV, 64);
  EXPECT_EQ(prefill->splits, 1);
  EXPECT_STREQ(prefill->instruction.name, "mma.sync");
  // Head dim 128: 32-key tiles.
  std::optional<GPUAttentionConfig> wide = selectGPUAttentionConfig(
      *sm80, LinearElementType::F16, 1, 128, 128, 1, 8, 2048, 2048, error);
  ASSERT_TRUE(wide) << error;
  EXPECT_EQ(wide->blockKV, 32);
  EXPECT_EQ(wide->positionsPerBlock, 64);

  // Decode, the tiled split kernel (allowDecode false): 1 query, 2 KV
  // heads, batch 1: 2 blocks for 108 SMs; 216 blocks wanted (108 splits),
  // capped by splits of two 64-key tiles.
  std::optional<GPUAttentionConfig> decode = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 64, 64, 1, 2, 1, 32768, error,
      /*allowDecode=*/false);
  ASSERT_TRUE(decode) << error;
  EXPECT_FALSE(decode->decode);
  EXPECT_EQ(decode->positionsPerBlock, 1);
  EXPECT_EQ(decode->warps, 1);
  EXPECT_EQ(decode->splits, 108);
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *decode, 1, 2, 1, 520), 4);
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *decode, 1, 2, 1, 100), 1);
  // A larger batch fills the chip alone.
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *decode, 64, 8, 1, 32768), 1);
  // gfx942 has 304 CUs: more splits for the same shape.
  std::optional<TargetDescription> gfx942 = parseTarget("hip:gfx942", error);
  ASSERT_TRUE(gfx942);
  std::optional<GPUAttentionConfig> amd = selectGPUAttentionConfig(
      *gfx942, LinearElementType::BF16, 4, 64, 64, 1, 2, 1, 32768, error,
      /*allowDecode=*/false);
  ASSERT_TRUE(amd) << error;
  EXPECT_EQ(amd->threads(), 64);
  EXPECT_STREQ(amd->instruction.name, "mfma");
  EXPECT_EQ(amd->splits, 256);

  // The decode form (the default for decode shapes): D = 64 is 8 lanes a
  // key, 4 lane groups per warp, 4 keys each: 64 keys a block step, so
  // splits of at least 256 keys; 3 blocks per SM wanted: 324 / 2 = 162
  // splits, capped at 32768 / 256 = 128.
  std::optional<GPUAttentionConfig> fast = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 64, 64, 1, 2, 1, 32768, error);
  ASSERT_TRUE(fast) << error;
  EXPECT_TRUE(fast->decode);
  EXPECT_EQ(fast->decodeLanes, 8);
  EXPECT_EQ(fast->decodeKeysPerLane, 4);
  EXPECT_EQ(fast->decodeKeysPerStep(), 64);
  EXPECT_EQ(fast->positionsPerBlock, 1);
  EXPECT_EQ(fast->threads(), 128);
  EXPECT_EQ(fast->splits, 128);
  EXPECT_EQ(fast->sharedBytes(2), 4 * 4 * 66 * 4);
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *fast, 1, 2, 1, 520), 2);
  // Too few keys for two splits: 1 (and the config falls back below).
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *fast, 1, 2, 1, 500), 1);
  // A batch that fills the chip still takes two splits.
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *fast, 64, 8, 1, 32768), 2);
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *fast, int64_t(1) << 62,
                                     int64_t(1) << 62, 1, 1 << 20),
            1);
  // 300 keys: no two decode splits, so the tiled split kernel (2 splits).
  std::optional<GPUAttentionConfig> few = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 64, 64, 1, 2, 1, 300, error);
  ASSERT_TRUE(few) << error;
  EXPECT_FALSE(few->decode);
  EXPECT_EQ(few->splits, 2);
  // Two positions of a group of 4: 8 rows a block, 2 keys per lane group.
  std::optional<GPUAttentionConfig> two = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 128, 128, 1, 2, 2, 4096, error);
  ASSERT_TRUE(two) << error;
  EXPECT_TRUE(two->decode);
  EXPECT_EQ(two->positionsPerBlock, 2);
  EXPECT_EQ(two->decodeKeysPerLane, 2);
  // Llama-3-8B decode on an H200 (132 SMs, D = 128: 16 lanes a key, 32
  // keys a step): 396 / 8 = 50 splits.
  std::optional<TargetDescription> sm90a = parseTarget("cuda:sm_90a", error);
  ASSERT_TRUE(sm90a);
  std::optional<GPUAttentionConfig> llama = selectGPUAttentionConfig(
      *sm90a, LinearElementType::BF16, 4, 128, 128, 1, 8, 1, 32768, error);
  ASSERT_TRUE(llama) << error;
  EXPECT_TRUE(llama->decode);
  EXPECT_EQ(llama->decodeKeysPerStep(), 32);
  EXPECT_EQ(llama->splits, 50);
  // gfx942: wavefronts of 64 hold 8 lane groups (128 keys a step).
  std::optional<GPUAttentionConfig> amdDecode = selectGPUAttentionConfig(
      *gfx942, LinearElementType::BF16, 4, 64, 64, 1, 2, 1, 32768, error);
  ASSERT_TRUE(amdDecode) << error;
  EXPECT_TRUE(amdDecode->decode);
  EXPECT_EQ(amdDecode->threads(), 256);
  EXPECT_EQ(amdDecode->splits, 64);
  // More than 8 heads per KV head, or a head dim whose 8-element chunks
  // are no power of two: the tiled form.
  std::optional<GPUAttentionConfig> mqa = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 16, 64, 64, 1, 1, 1, 32768, error);
  ASSERT_TRUE(mqa) << error;
  EXPECT_FALSE(mqa->decode);
  std::optional<GPUAttentionConfig> d96 = selectGPUAttentionConfig(
      *sm80, LinearElementType::BF16, 4, 96, 96, 1, 2, 1, 32768, error);
  ASSERT_TRUE(d96) << error;
  EXPECT_FALSE(d96->decode);
  // Extents that overflow a grid never split (and never overflow).
  EXPECT_EQ(selectGPUAttentionSplits(*sm80, *decode, int64_t(1) << 62,
                                     int64_t(1) << 62, 1, 1 << 20),
            1);

  EXPECT_FALSE(selectGPUAttentionConfig(*sm80, LinearElementType::F32, 1, 64,
                                        64, 0, 0, 0, 0, error));
  // Head dims are multiples of 8 (40 and 72 pad their last k step; 36 is
  // an error); a D = 72 prefill on sm_90a keeps mma.sync (wgmma needs 16).
  EXPECT_TRUE(selectGPUAttentionConfig(*sm80, LinearElementType::BF16, 1, 40,
                                       40, 0, 0, 0, 0, error));
  EXPECT_FALSE(selectGPUAttentionConfig(*sm80, LinearElementType::BF16, 1, 36,
                                        36, 0, 0, 0, 0, error));
  std::optional<GPUAttentionConfig> d72 = selectGPUAttentionConfig(
      *sm90a, LinearElementType::BF16, 2, 72, 72, 1, 2, 40, 100, error);
  ASSERT_TRUE(d72);
  EXPECT_FALSE(
      selectGPUAttentionWgmmaConfig(*sm90a, LinearElementType::BF16, *d72));
  EXPECT_FALSE(selectGPUAttentionConfig(describeCPU(8), LinearElementType::BF16,
                                        1, 64, 64, 0, 0, 0, 0, error));
  EXPECT_EQ(error, "'cpu' is not a GPU target");
}

TEST(KernelDispatch, GPUAttentionWgmmaMapping) {
  std::string error;
  std::optional<TargetDescription> sm90a = parseTarget("cuda:sm_90a", error);
  std::optional<TargetDescription> sm80 = parseTarget("cuda:sm_80", error);
  ASSERT_TRUE(sm90a && sm80);
  // sm_90a, GQA 4:1, D = 64: the warpgroup form keeps the positions per
  // block (the kernel's name and grid), one warpgroup, wgmma m64n64k16
  // for S (N = the 64-key tile), Q + 2 K + 2 V^T tiles = 40 KiB.
  std::optional<GPUAttentionConfig> base = selectGPUAttentionConfig(
      *sm90a, LinearElementType::BF16, 4, 64, 64, 8, 2, 512, 512, error);
  ASSERT_TRUE(base) << error;
  std::optional<GPUAttentionConfig> wgmma =
      selectGPUAttentionWgmmaConfig(*sm90a, LinearElementType::BF16, *base);
  ASSERT_TRUE(wgmma);
  EXPECT_TRUE(wgmma->wgmma);
  EXPECT_STREQ(wgmma->instruction.name, "wgmma");
  EXPECT_EQ(wgmma->instruction.m, 64);
  EXPECT_EQ(wgmma->instruction.n, 64);
  EXPECT_EQ(wgmma->threads(), 128);
  EXPECT_EQ(wgmma->positionsPerBlock, base->positionsPerBlock);
  EXPECT_EQ(wgmma->splits, 1);
  EXPECT_EQ(wgmma->sharedBytes(2), 40 * 1024);
  // D = 128, few queries (2 warps on mma.sync): still a whole warpgroup,
  // 32-key tiles, 48 KiB (the static limit).
  base = selectGPUAttentionConfig(*sm90a, LinearElementType::F16, 1, 128, 128,
                                  1, 2, 24, 72, error);
  ASSERT_TRUE(base) << error;
  EXPECT_EQ(base->warps, 2);
  wgmma = selectGPUAttentionWgmmaConfig(*sm90a, LinearElementType::F16, *base);
  ASSERT_TRUE(wgmma);
  EXPECT_EQ(wgmma->warps, 4);
  EXPECT_EQ(wgmma->positionsPerBlock, 24);
  EXPECT_EQ(wgmma->instruction.n, 32);
  EXPECT_EQ(wgmma->sharedBytes(2), 48 * 1024);
  // D = 256 does not fit; sm_80 has no wgmma; the decode form keeps its
  // own kernel.
  base = selectGPUAttentionConfig(*sm90a, LinearElementType::BF16, 1, 256,
                                  256, 8, 8, 512, 512, error);
  ASSERT_TRUE(base) << error;
  EXPECT_FALSE(
      selectGPUAttentionWgmmaConfig(*sm90a, LinearElementType::BF16, *base));
  base = selectGPUAttentionConfig(*sm80, LinearElementType::BF16, 4, 64, 64, 8,
                                  2, 512, 512, error);
  ASSERT_TRUE(base) << error;
  EXPECT_FALSE(
      selectGPUAttentionWgmmaConfig(*sm80, LinearElementType::BF16, *base));
  base = selectGPUAttentionConfig(*sm90a, LinearElementType::BF16, 4, 64, 64, 1,
                                  2, 1, 32768, error);
  ASSERT_TRUE(base) << error;
  EXPECT_TRUE(base->decode);
  EXPECT_FALSE(
      selectGPUAttentionWgmmaConfig(*sm90a, LinearElementType::BF16, *base));
}
