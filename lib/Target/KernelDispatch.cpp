//===- KernelDispatch.cpp - tile sizes per op family and target -----------===//
//
// This file implements the tile choices of every op family: the CPU sizes
// (L1-resident weight blocks, attention blocks that fit the vector
// registers and L1) and the GPU linear mapping (shared-memory tiles, warps
// and the matrix instruction).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/KernelDispatch.h"
#include "seqc/Target/KernelDispatchWgmma.h"
#include "seqrt/GpuHost.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::seq;

TilingOptions seq::selectTiling(const TargetDescription &target) {
  TilingOptions tiling;
  tiling.vectorWidth = target.vectorWidth;
  // Attention: a 16 x 64 score block (4 KiB of f32) and the 16-row
  // accumulator stay in L1 next to a 64-key K/V block. AVX-512 (32
  // registers): 64 query rows (4 row vectors), the score kernel's blocks
  // 6 keys x 4 row vectors (24 accumulators, 10 loads per 24 FMAs instead
  // of 6 keys x 1 vector: 7 loads per 6 FMAs and 6 FMA chains); prefill
  // f32 D128 1.23x, D64 1.08x, bf16 D128 (f32 FMAs on the key copy)
  // 1.2x (bench/results/cpu-attn-prefill-2026-12-01-s11.md).
  const bool avx512 = tiling.vectorWidth >= 16;
  tiling.queryTile = avx512 ? 64 : 16;
  tiling.keyTile = 64;
  tiling.attentionScoreKeys = 6;
  tiling.attentionScoreRowVectors = avx512 ? 4 : 2;
  tiling.attentionLaneValueRows = 6;
  tiling.attentionLaneValueVectors = 2;
  tiling.attentionBF16DotMaxRowVectors = 1;
  tiling.minParallelTiles = 32;
  tiling.minKeysPerSplit = 256;
  // Decode attention streams each K and V row once; software prefetch
  // keeps the misses in flight while the core computes (1.2-1.4x on KV
  // 32k, bench/results/cpu-2026-12-01-decode-bw.md). The group kernel
  // computes `vectorWidth` keys' scores in straight-line code, and LLVM
  // schedules the hints after that code's FMAs: with 16 lanes a K row
  // fewer than 16 keys on is hinted after it was loaded, so the distance
  // is one vector of keys (AVX-512: 1.2x over 4 keys; AVX2: 4, 8, 12 and
  // 16 measured level; cpu-2026-12-01-decode-attn-2.md).
  tiling.attentionDecodePrefetchKeys =
      tiling.vectorWidth >= 16 ? tiling.vectorWidth : 4;
  // P.V of the general path: rows x up to 4 vectors per register block.
  // AVX2 (16 registers): 2 rows (decode: 4 heads x 2 vectors measured no
  // faster, bench/results/cpu-2026-12-01-decode-moe.md). AVX-512 (32
  // registers): 4 rows x 4 vectors, each V vector loaded (and, bf16,
  // split) once per 4 heads: bf16 decode KV 32k 1.04x, f32 level
  // (cpu-2026-12-01-decode-attn-2.md).
  tiling.attentionValueRows = tiling.vectorWidth >= 16 ? 4 : 2;
  // Projections: 16 weight rows (16 * K * 4 bytes, in L1/L2 for K up to a
  // few thousand) reused across 3 input rows per tile, one register block
  // of 3 rows x 4 columns (gated MLP: x 2 columns x gate and up), 12
  // accumulators and 7 loads per 12 FMAs (2 rows: 6 per 8); SmolLM2 f32
  // prefill, AVX2 code, 1 thread: 40 tokens 136 -> 123 ms, 160 tokens
  // 462 -> 407 ms of CPU (bench/results/e2e-smollm2-f32-prefill40-
  // 2026-12-01.md). The forall runs over weight blocks outermost so one
  // thread's tiles share them.
  tiling.linearFeatureTile = 16;
  tiling.linearRowTile = 3;
  tiling.linearPrefetchRows = 16;
  // Prefill projections (issue #10): from 64 rows on, the panel kernel
  // (rows transposed into the lanes of 2 vectors, broadcast weight
  // elements, no horizontal sums). AVX-512 (32 registers): 12 weight rows
  // x 2 vectors = 24 accumulators, 2 loads and 12 broadcasts per 24 FMAs
  // (3 x 8 and 4 x 6 measured slower, 1 x 24 slower still); AVX2 (16):
  // 6 x 2 = 12. A tile: 48 features x 256 rows (8 panels of 32, 16 of
  // 16), the reduction in blocks of 256 (each register block's 12 weight
  // rows, 12 KiB, stay in L1 across the tile's panels; the tile's 256 x
  // 256 packed rows in L2). Qwen2.5-0.5B's up projection, T512 K896 N4864,
  // one thread: 113 -> ~150 GFLOP/s of CPU time (depth 128 and 512, tiles
  // of 96 and 192 features level or slower;
  // bench/results/cpu-linear-prefill-2026-12-01-s11.md). At 40 rows (a
  // full 32-row panel and a mostly empty one) it was 0.74x the
  // dot-product tiles (T40 K576 N1536), hence 64.
  tiling.linearPanelMinRows = 64;
  tiling.linearPanelVectors = 2;
  tiling.linearPanelFeatures = tiling.vectorWidth >= 16 ? 12 : 6;
  tiling.linearPanelFeatureTile = 48;
  tiling.linearPanelDepth = 256;
  // A 256-row chunk of K > 1024 packs to over 1 MiB, more than L2 keeps
  // across tiles: Qwen2.5-0.5B's down projection (T512 K4864 N896), one
  // thread, CPU time, 48 / 192 / 456-feature tiles: 50.6 / 36.9 / 33.8 ms
  // (bench/results/cpu-linear-prefill-2026-12-01-s12.md); 192 keeps the
  // stack accumulators at 192 KiB and N / 192 tiles to share.
  tiling.linearPanelWideDepth = 1024;
  tiling.linearPanelWideFeatureTile = 192;
  // Quantized projections dequantize a weight block once per 16 rows.
  tiling.quantFeatureTile = 16;
  tiling.quantRowTile = 16;
  // Register blocks (AVX2; bench/results/e2e-smollm2-2026-11-30-
  // quantspeed.md): on f32 activations 8 rows share each unpacked block
  // of one feature (8 accumulators; a tile's 16 rows are two blocks),
  // 1.6x faster than 4 x 2 on a 512-row q4_1 prefill (4 x 4 and 2 x 4
  // were slower). The int8 kernels keep 4 x 2: 8 x 1 was 1.2x faster
  // there, but its different rounding order moves SmolLM2's int8 logits
  // past the tolerance of smollm2/chat_int8.test (0.74 -> 1.57 against
  // transformers, llama.cpp's own 1.15). One row (decode) runs 4
  // features at a time (2 and 8 were no faster) and prefetches the rows
  // 16 ahead (the next tile): a decode GEMV streams its weights from
  // memory, and with the hint one core read them 1.3-2x faster.
  tiling.quantBlockRows = 8;
  tiling.quantBlockFeatures = 1;
  tiling.quantInt8BlockRows = 4;
  tiling.quantInt8BlockFeatures = 2;
  tiling.quantDecodeFeatures = 4;
  tiling.quantPrefetchRows = 16;
  tiling.groupedMatmulFeatureTile = 16;
  // MoE experts: 64 features per tile keep a decode token's work spread
  // over F/64 + D/64 tiles per slot. A tile takes up to 32 slots of one
  // expert, so each weight row loaded serves them all; inside it 3 slots x
  // 2 features (gate and up: 4 weight rows) make 12 accumulators, and 3 + 4
  // vector loads feed 12 FMAs (12 + 3 + 1 of the 16 AVX2 registers).
  tiling.moeFeatureTile = 64;
  tiling.moeRowTile = 32;
  tiling.moeBlockRows = 3;
  tiling.moeBlockFeatures = 2;
  // Panel blocks (issue #10): with vectors, a block is 2 x vectorWidth
  // slots kept in the lanes of two vectors; 6 features x 2 vectors are 12
  // accumulators fed by 2 vector loads and 6 broadcasts per step (T512:
  // 1.23x the 32-slot dot-product blocks above,
  // bench/results/cpu-2026-12-01-moe-attn.md). Blocks of 1-3 slots
  // (decode) keep the dot-product register blocks.
  // AVX-512: blocks of 4-7 slots run the dot-product blocks too (a panel
  // block of 4 slots fills a quarter of its lanes and pays a broadcast
  // per weight element; decode T8 bf16, whose 16 slots make one 4-slot
  // block: 1.15x, bench/results/cpu-moe-2026-12-01-s12.md).
  if (tiling.vectorWidth > 0) {
    tiling.moeRowTile = 2 * tiling.vectorWidth;
    tiling.moePanelMinRows = tiling.vectorWidth >= 16 ? 8 : 4;
  }
  // Tile order (issue #10, bench/results/cpu-moe-2026-12-01-s11.md): the
  // gate/up tiles run per group of up to 4 row blocks of one expert (its
  // xT planes, 4 x 128 KiB at Dm 1024, stay in L2 while the weight blocks
  // stream past; before, every feature block re-read all the blocks' xT
  // planes from L3), the down tiles per row block (its hT plane, 448 KiB
  // at F 3584, stays in L2; groups of 2 were slower). Register blocks:
  // 12 weight rows x 2 slot vectors (24 accumulators of the 32 AVX-512
  // registers; gate and up of 6 features share the xT loads), 6 on AVX2.
  // T512 / T64 on the Xeon: 1.39x / 1.38x over 6-row blocks in (feature
  // block, row block) order (CPU time).
  tiling.moeUpBlockGroup = 4;
  tiling.moeDownBlockGroup = 1;
  tiling.moePanelBroadcasts = tiling.vectorWidth >= 16 ? 12 : 6;
  // bf16 experts (bench/results/cpu-moe-2026-12-01-s12.md): dot-path
  // blocks widen each 64-byte weight line into even and odd elements
  // against pair-split activations, and prefetch the rows 8 features on
  // (decode T1 bf16: 4.79 -> 3.70 ms, 92% of copy bandwidth; without the
  // prefetch 4.03); panel blocks widen their weight rows into an f32 copy
  // 256 elements at a time instead of one element per broadcast.
  tiling.moeDecodePrefetchRows = 8;
  tiling.moeBF16PairDots = 1;
  tiling.moePanelConvertDepth = 256;
  // Mamba-2 scans: the recurrence on channel lanes. The SSD form
  // (--scan-chunk=64: per (batch, head) a chunk's C, B (64 x N), u (64 x
  // P), the 64 x 64 decay-masked weights and the P x N state, 160 KiB at
  // N = 128, P = 64) measured no faster at B1 T4096 H32 P64 N128 (200.6
  // vs 201.7 ms CPU time; chunks of 128 and 256: 1.5x and 2.3x slower),
  // bench/results/cpu-2026-12-01-scan.md.
  tiling.scanChunk = 0;
  tiling.elementwiseTile = 1024;
  return tiling;
}

/// Whether `target` has cp.async (PTX's asynchronous global-to-shared
/// copies: sm_80 and later; no AMD chip has them).
static bool hasAsyncCopy(const TargetDescription &target) {
  llvm::StringRef chip = target.chip;
  unsigned sm = 0;
  return target.kind == TargetKind::CUDA && chip.consume_front("sm_") &&
         !chip.take_while(llvm::isDigit).getAsInteger(10, sm) && sm >= 80;
}

/// sm_90a's wgmma m64nNk16 for f16 or bf16 `elementType` (one warpgroup of
/// 4 warps), the instruction the wgmma linear and attention configs start
/// from; null on a target without it and for f32.
static const MatrixInstruction *
findWgmmaInstruction(const TargetDescription &target,
                     LinearElementType elementType) {
  if (!target.isGPU() || elementType == LinearElementType::F32)
    return nullptr;
  MatrixElementType type = elementType == LinearElementType::F16
                               ? MatrixElementType::F16
                               : MatrixElementType::BF16;
  for (const MatrixInstruction &instruction : target.matrixInstructions)
    if (instruction.elementType == type &&
        llvm::StringRef(instruction.name) == "wgmma" && instruction.m == 64 &&
        instruction.k == 16 && instruction.threads == 4 * target.warpSize)
      return &instruction;
  return nullptr;
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
  // Two buffers of cp.async copies where the chip has them and they fit.
  config.asyncCopy = hasAsyncCopy(target);
  if (config.sharedBytes(elementBytes) > target.sharedMemoryPerBlock)
    config.asyncCopy = false;
  if (config.sharedBytes(elementBytes) > target.sharedMemoryPerBlock ||
      config.threads() > target.maxThreadsPerBlock) {
    error = "the linear tiles do not fit '" + target.name() + "'";
    return std::nullopt;
  }
  return config;
}

std::optional<GPULinearConfig>
seq::selectGPULinearWgmmaConfig(const TargetDescription &target,
                                LinearElementType elementType) {
  const MatrixInstruction *wgmma = findWgmmaInstruction(target, elementType);
  if (!wgmma)
    return std::nullopt;
  // sm_90a: one warpgroup (4 warps) per 64 x 64 tile of Y on wgmma
  // m64n64k16 (32 f32 accumulators per thread), two k16 slices per K step
  // of 32, X and W tiles staged by cp.async into two buffers in the
  // core-matrix layout the shared-memory descriptors name
  // (LinearKernelWgmma.cpp): 16 KiB of shared memory.
  GPULinearConfig config;
  config.warpSize = target.warpSize;
  config.instruction = *wgmma;
  config.instruction->n = 64;
  config.blockM = 64;
  config.blockN = 64;
  config.blockK = 32;
  config.warpsM = 4;
  config.warpsN = 1;
  config.asyncCopy = hasAsyncCopy(target);
  if (!config.asyncCopy || config.sharedBytes(2) > target.sharedMemoryPerBlock ||
      config.threads() > target.maxThreadsPerBlock)
    return std::nullopt;
  return config;
}

std::optional<GPUAttentionConfig>
seq::selectGPUAttentionConfig(const TargetDescription &target,
                              LinearElementType elementType, int64_t groupSize,
                              int64_t headDim, int64_t valueDim, int64_t batch,
                              int64_t kvHeads, int64_t queries, int64_t keys,
                              std::string &error, bool allowDecode) {
  if (!target.isGPU()) {
    error = "'" + target.name() + "' is not a GPU target";
    return std::nullopt;
  }
  if (elementType == LinearElementType::F32) {
    error = "GPU attention runs f16 and bf16 (tensor cores / MFMA with f32 "
            "accumulation), not f32";
    return std::nullopt;
  }
  MatrixElementType type = elementType == LinearElementType::F16
                               ? MatrixElementType::F16
                               : MatrixElementType::BF16;
  GPUAttentionConfig config;
  config.warpSize = target.warpSize;
  for (const MatrixInstruction &instruction : target.matrixInstructions)
    if (instruction.elementType == type &&
        instruction.threads == target.warpSize && instruction.m == 16 &&
        instruction.k == 16) {
      config.instruction = instruction;
      break;
    }
  if (!config.instruction.name) {
    error = "'" + target.name() +
            "' has no 16-row, 16-deep matrix instruction for this type";
    return std::nullopt;
  }
  // Head dims are whole 16-byte rows (128-bit and cp.async copies of 8
  // elements); a last k step (Q.K^T) or MFMA output tile (P.V) of 8 is
  // padded with zeros in the fragments (AttentionKernel.cpp; the m16n8k16
  // N of 8 divides it; the sm_90a wgmma form needs multiples of 16).
  if (headDim <= 0 || valueDim <= 0 || headDim % 8 || valueDim % 8 ||
      headDim > 256 || valueDim > 256) {
    error = "GPU attention needs head dims that are multiples of 8, at most "
            "256 (got " +
            std::to_string(headDim) + " and " + std::to_string(valueDim) + ")";
    return std::nullopt;
  }
  if (groupSize <= 0 || groupSize > 64) {
    error = "GPU attention needs 1 to 64 query heads per KV head";
    return std::nullopt;
  }
  config.groupSize = groupSize;
  config.headDim = headDim;
  config.valueDim = valueDim;
  // 64 query rows per block (4 warps of 16 rows, FlashAttention-2's
  // Br = 64): the positions of all the group's heads, so a K/V tile in
  // shared memory serves every head of the group.
  config.positionsPerBlock = std::max<int64_t>(1, 64 / groupSize);
  // Fewer known query positions (decode): no warps for rows that never
  // exist.
  if (queries > 0 && queries < config.positionsPerBlock)
    config.positionsPerBlock = queries;
  config.warps = (config.rows() + config.rowsPerWarp - 1) / config.rowsPerWarp;
  // Bc = 64 keys per tile up to head dim 64, 32 above (the f32 score and
  // output fragments stay in registers without spilling).
  config.blockKV = std::max(headDim, valueDim) > 64 ? 32 : 64;
  // The merge: 128 threads (one output element each at Dv = 128) per
  // (query head, batch row).
  config.mergeThreads = std::max<int64_t>(128, target.warpSize);
  // Decode (docs/design/GPU.md, "The decode form"): the tiled form would
  // give a block one warp whose 16-row tile is mostly padding, and
  // stream K/V through shared memory with 16-bit loads. Instead 4 warps
  // read K/V rows straight into registers with 128-bit loads (headDim / 8
  // lanes per row), up to 8 query rows (a GQA group's heads) per block
  // sharing each read; 4 keys per lane group per step (2 with more than
  // 4 rows, to bound the registers: 8 f32 of Q and of O per row and
  // lane).
  // It always runs split + merge: with too few keys (or unknown extents)
  // for two splits the tiled form stays.
  int64_t lanes = headDim / 8;
  if (allowDecode && queries > 0 && queries * groupSize <= 16 &&
      groupSize <= 8 && headDim == valueDim && lanes <= target.warpSize &&
      (lanes & (lanes - 1)) == 0 && batch > 0 && kvHeads > 0 && keys > 0) {
    GPUAttentionConfig decode = config;
    decode.decode = true;
    decode.decodeLanes = lanes;
    decode.positionsPerBlock = std::min<int64_t>(queries, 8 / groupSize);
    decode.decodeKeysPerLane = decode.rows() <= 4 ? 4 : 2;
    decode.warps = 4;
    decode.splits =
        selectGPUAttentionSplits(target, decode, batch, kvHeads, queries, keys);
    if (decode.splits > 1 &&
        decode.sharedBytes(4) <= target.sharedMemoryPerBlock &&
        decode.threads() <= target.maxThreadsPerBlock)
      return decode;
  }
  int64_t elementBytes = 2;
  // K/V rows are whole 16-byte chunks (head dims are multiples of 16):
  // two buffers of cp.async copies where the chip has them and they fit
  // (not at head dim 256 on 48 KiB).
  config.asyncCopy = hasAsyncCopy(target);
  if (config.sharedBytes(elementBytes) > target.sharedMemoryPerBlock)
    config.asyncCopy = false;
  if (config.sharedBytes(elementBytes) > target.sharedMemoryPerBlock ||
      config.threads() > target.maxThreadsPerBlock) {
    error = "the attention tiles do not fit '" + target.name() + "'";
    return std::nullopt;
  }
  if (batch > 0 && kvHeads > 0 && queries > 0 && keys > 0)
    config.splits =
        selectGPUAttentionSplits(target, config, batch, kvHeads, queries, keys);
  return config;
}

std::optional<GPUAttentionConfig>
seq::selectGPUAttentionWgmmaConfig(const TargetDescription &target,
                                   LinearElementType elementType,
                                   const GPUAttentionConfig &base) {
  const MatrixInstruction *wgmma = findWgmmaInstruction(target, elementType);
  if (!wgmma || base.decode || base.wgmma)
    return std::nullopt;
  // sm_90a (AttentionKernel.cpp, "wgmma"): one warpgroup owns the 64
  // query rows (4 warps x 16, FlashAttention-2's Br = 64; with fewer
  // known queries the same positionsPerBlock as the mma.sync form, so
  // both targets name the kernel alike, and padding rows: the
  // warpgroup is the instruction's unit); the key tiles keep the
  // mma.sync form's Bc (64 keys up to head dim 64, 32 above: S is 32 or
  // 16 f32 per thread, O 32 or 64), so at head dim 128 Q (16 KiB) and
  // two buffers of K and of V^T (16 KiB each) fill the 48 KiB of static
  // shared memory.
  GPUAttentionConfig config = base;
  config.wgmma = true;
  config.splits = 1;
  config.instruction = *wgmma;
  config.instruction.n = config.blockKV;
  config.warps = 4;
  config.asyncCopy = hasAsyncCopy(target);
  if (!config.asyncCopy || config.headDim % 16 || config.valueDim % 16 ||
      config.valueDim > 256 || config.blockKV % 16 ||
      config.sharedBytes(2) > target.sharedMemoryPerBlock ||
      config.threads() != wgmma->threads)
    return std::nullopt;
  return config;
}

int64_t seq::selectGPUAttentionSplits(const TargetDescription &target,
                                      const GPUAttentionConfig &config,
                                      int64_t batch, int64_t kvHeads,
                                      int64_t queries, int64_t keys) {
  // One rule for the compiler and the runtime (seqrt/GpuHost.h), which
  // evaluates it on the device's own SM count at each call.
  return seqrt::gpuhost::attentionSplits(
      target.multiprocessors, config.positionsPerBlock, config.blockKV, batch,
      kvHeads, queries, keys, config.decode ? config.decodeKeysPerStep() : 0);
}

std::optional<GPURowConfig>
seq::selectGPURowConfig(const TargetDescription &target, int64_t hidden,
                        bool blockPerRow, std::string &error) {
  if (!target.isGPU()) {
    error = "'" + target.name() + "' is not a GPU target";
    return std::nullopt;
  }
  GPURowConfig config;
  config.warpSize = target.warpSize;
  config.warps = 4;
  // Up to 8 elements per lane a warp owns the row (no shared memory, no
  // barrier); wider rows (Llama's 4096) take a block each.
  config.blockPerRow =
      blockPerRow || hidden < 0 || hidden > 8 * target.warpSize;
  return config;
}

std::optional<GPUElementwiseConfig>
seq::selectGPUElementwiseConfig(const TargetDescription &target,
                                std::string &error) {
  if (!target.isGPU()) {
    error = "'" + target.name() + "' is not a GPU target";
    return std::nullopt;
  }
  // 256 threads (8 warps, 4 wavefronts), 4 elements each per grid step.
  return GPUElementwiseConfig{256, 4};
}

std::optional<GPUScanConfig>
seq::selectGPUScanConfig(const TargetDescription &target, int64_t lanes,
                         std::string &error) {
  if (!target.isGPU()) {
    error = "'" + target.name() + "' is not a GPU target";
    return std::nullopt;
  }
  int64_t most = kGPUScanMaxPerLane * target.warpSize;
  if (lanes < 1 || lanes > most) {
    error = "a scan state whose last dimension has " + std::to_string(lanes) +
            " elements (a warp of " + std::to_string(target.warpSize) +
            " lanes holds 1 to " + std::to_string(most) + ", " +
            std::to_string(kGPUScanMaxPerLane) + " a lane)";
    return std::nullopt;
  }
  GPUScanConfig config;
  config.warpSize = target.warpSize;
  // 128 threads on CUDA, 256 on HIP, as the row kernels.
  config.warps = 4;
  // Up to a warp: a lane per element, the group the next power of two.
  // Past it: the whole warp, each lane several elements (strided by the
  // warp, so a step's B/C loads stay coalesced).
  config.group = std::min<int64_t>(llvm::PowerOf2Ceil(lanes), target.warpSize);
  config.perLane = llvm::divideCeil(lanes, config.group);
  return config;
}
