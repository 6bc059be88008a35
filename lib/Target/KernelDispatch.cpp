//===- KernelDispatch.cpp - tile sizes per op family and target -----------===//
//
// This file implements the tile choices of every op family: the CPU sizes
// (L1-resident weight blocks, attention blocks that fit the vector
// registers and L1) and the GPU linear mapping (shared-memory tiles, warps
// and the matrix instruction).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/KernelDispatch.h"

using namespace mlir;
using namespace mlir::seq;

TilingOptions seq::selectTiling(const TargetDescription &target) {
  TilingOptions tiling;
  tiling.vectorWidth = target.vectorWidth;
  // Attention: a 16 x 64 score block (4 KiB of f32) and the 16-row
  // accumulator stay in L1 next to a 64-key K/V block.
  tiling.queryTile = 16;
  tiling.keyTile = 64;
  tiling.minParallelTiles = 32;
  tiling.minKeysPerSplit = 256;
  // Projections: 16 weight rows (16 * K * 4 bytes, in L1/L2 for K up to a
  // few thousand) reused across 2 input rows per tile; the forall runs
  // over weight blocks outermost so one thread's tiles share them.
  tiling.linearFeatureTile = 16;
  tiling.linearRowTile = 2;
  // Quantized projections dequantize a weight block once per 16 rows.
  tiling.quantFeatureTile = 16;
  tiling.quantRowTile = 16;
  tiling.groupedMatmulFeatureTile = 16;
  // MoE experts: 64 features per tile keep a decode token's work spread
  // over F/64 + D/64 tiles per slot.
  tiling.moeFeatureTile = 64;
  tiling.elementwiseTile = 1024;
  return tiling;
}

std::optional<GPULinearConfig>
seq::selectGPULinearConfig(const TargetDescription &target,
                           LinearElementType elementType, std::string &error) {
  if (!target.isGPU()) {
    error = "'" + target.name() + "' is not a GPU target";
    return std::nullopt;
  }
  GPULinearConfig config;
  config.warpSize = target.warpSize;
  // A 32 x 32 output tile per block, 2 x 2 warps (wavefronts): each warp
  // owns a 16 x 16 quarter, which is two m16n8k16 mma.sync or one
  // 16x16x16 MFMA per step of K = 16.
  config.blockM = 32;
  config.blockN = 32;
  config.blockK = 16;
  config.warpsM = 2;
  config.warpsN = 2;
  if (elementType != LinearElementType::F32) {
    MatrixElementType type = elementType == LinearElementType::F16
                                 ? MatrixElementType::F16
                                 : MatrixElementType::BF16;
    // The 16x16x16 MFMA (not 32x32x8) and m16n8k16 mma.sync: both give a
    // warp tile of 16 rows and K steps of 16.
    for (const MatrixInstruction &instruction : target.matrixInstructions)
      if (instruction.elementType == type &&
          instruction.threads == target.warpSize && instruction.m == 16 &&
          instruction.k == 16) {
        config.instruction = instruction;
        break;
      }
    if (!config.instruction) {
      error = "'" + target.name() +
              "' has no 16-row, 16-deep matrix instruction for this type";
      return std::nullopt;
    }
  }
  int64_t elementBytes = elementType == LinearElementType::F32 ? 4 : 2;
  if (config.sharedBytes(elementBytes) > target.sharedMemoryPerBlock ||
      config.threads() > target.maxThreadsPerBlock) {
    error = "the linear tiles do not fit '" + target.name() + "'";
    return std::nullopt;
  }
  return config;
}
