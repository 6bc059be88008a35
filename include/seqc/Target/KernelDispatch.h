//===- KernelDispatch.h - tile sizes per op family and target ---*- C++ -*-===//
//
// This file declares the one place where tile sizes are chosen, per op
// family and target (the role of IREE's KernelDispatch): the lowerings
// read the choices, they never write a tile size of their own.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_KERNELDISPATCH_H
#define SEQC_TARGET_KERNELDISPATCH_H

#include "seqc/Target/TargetDescription.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace seq {

/// Tile sizes of the tiled loop lowering (convert-seq-to-loops), chosen
/// per target by selectTiling.
struct TilingOptions {
  // Attention.
  int64_t queryTile = 16;
  int64_t keyTile = 64;
  int64_t minParallelTiles = 32;
  int64_t minKeysPerSplit = 256;
  /// Decode attention (one query row per head, the GQA group kernel):
  /// while the scores of key j are computed, the K row this many keys on
  /// and the V row of key j are prefetched, a hint per cache line; 0: none.
  int64_t attentionDecodePrefetchKeys = 0;
  /// P.V register blocks of attention's general path (decode, and tiles
  /// with score regions or softcap): query rows per block (decode: heads
  /// of the GQA group), each V vector loaded once for them.
  int64_t attentionValueRows = 2;
  /// Register block of the prefill (rows-in-lanes) score kernel
  /// (transposedScores): up to this many keys x row vectors of the query
  /// tile, keys * rowVectors accumulators.
  int64_t attentionScoreKeys = 6;
  int64_t attentionScoreRowVectors = 2;
  /// Register block of the prefill P.V update: query rows x value vectors
  /// (a power of two; fewer when the value dim has fewer).
  int64_t attentionLaneValueRows = 6;
  int64_t attentionLaneValueVectors = 2;
  // seq.linear and its fusions (gated MLP, norm + linear): output
  // features x rows per tile.
  int64_t linearFeatureTile = 16;
  int64_t linearRowTile = 2;
  /// Weight rows ahead of the current ones that one-row (decode) f32
  /// projections prefetch; 0: none. When set, multi-row (prefill) tiles
  /// also prefetch the next feature tile's weight rows into L2, spread
  /// over their first row tiles (withTilePrefetch, VectorKernels.h).
  int64_t linearPrefetchRows = 0;
  /// Prefill (many-row) projections, the panel kernel (projectPanels,
  /// VectorKernels.h): calls with at least linearPanelMinRows rows (0:
  /// never) pack their activation rows transposed, linearPanelVectors x
  /// vectorWidth rows in the lanes of that many vectors, and a register
  /// block is linearPanelFeatures weight rows (broadcast elements) x
  /// linearPanelVectors vectors of rows, all accumulators in registers, no
  /// horizontal sums. A tile is linearPanelFeatureTile features x
  /// linearPanelDepth rows (whole panels, panelChunkRows); the reduction
  /// runs in blocks of linearPanelDepth, each register block over all the
  /// tile's panels (its weight rows stay in L1, the tile's packed rows of
  /// the block in L2).
  int64_t linearPanelMinRows = 0;
  int64_t linearPanelVectors = 2;
  int64_t linearPanelFeatures = 6;
  int64_t linearPanelFeatureTile = 48;
  int64_t linearPanelDepth = 256;
  /// Reductions longer than linearPanelWideDepth (known at compile time)
  /// take tiles of linearPanelWideFeatureTile features: a tile re-reads
  /// its chunk's packed rows (panelChunkRows x K f32) once, and past L2
  /// that re-read comes from memory, so fewer, wider tiles (0: never).
  int64_t linearPanelWideDepth = 0;
  int64_t linearPanelWideFeatureTile = 48;
  // seq.quantized_linear: output features x rows per tile.
  int64_t quantFeatureTile = 16;
  int64_t quantRowTile = 16;
  // seq.quantized_linear register blocks inside a tile: quantBlockRows
  // rows x quantBlockFeatures features share each unpacked weight block
  // while whole row blocks last; the remaining rows (decode: all of them)
  // run one at a time against quantDecodeFeatures features. The int8-
  // activation kernels (QuantInt8.cpp) have their own pair for many rows.
  int64_t quantBlockRows = 4;
  int64_t quantBlockFeatures = 2;
  int64_t quantInt8BlockRows = 4;
  int64_t quantInt8BlockFeatures = 2;
  int64_t quantDecodeFeatures = 4;
  /// Packed weight rows ahead of the current ones that the one-row
  /// kernels prefetch (software prefetch of the same block, that many
  /// rows on); 0: none.
  int64_t quantPrefetchRows = 0;
  // seq.grouped_matmul: output features per tile (one row each).
  int64_t groupedMatmulFeatureTile = 16;
  // seq.moe_experts: hidden or model features per tile, and slots (of
  // one expert) per tile; register blocks of moeBlockRows slots x
  // moeBlockFeatures features (gate and up: two weight rows each; the
  // down projection takes twice as many features).
  int64_t moeFeatureTile = 64;
  int64_t moeRowTile = 32;
  int64_t moeBlockRows = 3;
  int64_t moeBlockFeatures = 2;
  // Row blocks of at least moePanelMinRows slots run the panel kernel:
  // their slots in the lanes of one or two vectors (moeRowTile <= 2 x
  // vectorWidth), broadcast-FMAs of weight elements; 0: never.
  int64_t moePanelMinRows = 0;
  // The expert FFN phases visit their (row block, feature block) tiles as
  // (group, feature block, block of the group), a group being up to this
  // many consecutive row blocks of one expert (gate/up phase, down
  // phase): the group's activation planes stay in L2 while the expert's
  // weight blocks stream past. 1: (block, feature block).
  int64_t moeUpBlockGroup = 1;
  int64_t moeDownBlockGroup = 1;
  // Weight rows broadcast per step of a panel register block (features x
  // (gate, up) of the gate/up phase share one block), each against up to
  // 2 slot vectors: up to 2 x this many accumulators.
  int64_t moePanelBroadcasts = 6;
  // Dot-path (decode) blocks with bf16 weights: while a block of features
  // is read, the weight rows of the features this many on are prefetched,
  // one hint per line; 0: none.
  int64_t moeDecodePrefetchRows = 0;
  // Dot-path blocks with bf16 weights (nonzero): each 64-byte line of a
  // weight row is widened into its even and odd elements by a shift and a
  // mask and meets activations stored in that order (the input rows
  // copied once, the hidden rows written so); 0: widen 16-element halves
  // by zero extension.
  int64_t moeBF16PairDots = 1;
  // Panel blocks with bf16 weights: the register block's weight rows are
  // widened to an f32 stack copy this many elements at a time (the
  // broadcasts read the copy); 0: widen each element as it is broadcast.
  int64_t moePanelConvertDepth = 0;
  // seq.scan in Mamba-2's form (one scalar decay per head): steps per
  // chunk of the chunked matmul (SSD) form; 0 keeps the recurrence.
  int64_t scanChunk = 0;
  // Elementwise activations: elements per tile.
  int64_t elementwiseTile = 1024;
  /// f32 lanes of the target's vector registers (8: AVX2, 16: AVX-512,
  /// 4: NEON); 0 keeps scalar loops for LLVM to vectorise.
  int64_t vectorWidth = 8;
  /// seq.quantized_linear over q8_0/q4_0/q4_1 quantizes its f32 activation
  /// rows to 8 bits per 32-element block and uses integer dot products
  /// (QuantInt8.cpp) instead of f32 activations (--quant-activations).
  bool int8Activations = false;
  /// The target has AVX2 (the int8 kernels use vpmaddubsw/vpmaddwd).
  bool x86Avx2 = false;
  /// The target has AVX512_BF16 (vdpbf16ps: pairs of bf16 products summed
  /// into f32 lanes, x86vector.avx512.dot).
  bool x86Avx512Bf16 = false;
  /// With x86Avx512Bf16: the smallest head dim whose bf16 prefill scores
  /// (Q.K^T of the rows-in-lanes path) use vdpbf16ps. It runs half the
  /// multiply-adds per cycle of f32 FMAs (bench/bf16_dot_peak.c: 119 vs
  /// 237 GFLOP/s on the Xeon measured) and pays only by saving the f32
  /// copy of each key block: 1.08x at head dim 128, 0.91x at 64
  /// (bench/results/cpu-attn-bf16-2026-12-01-s10.md).
  int64_t attentionBF16DotMinHeadDim = 128;
  /// ... and only for query tiles of at most this many row vectors (the
  /// group's heads x queryTile rows): the f32 key copy the dot saves is
  /// shared by all of them, so with 2 or more row vectors the 16-lane
  /// FMAs on the copy win (D128 bf16: 1.25x at 2 row vectors, 1.22x at 4;
  /// bench/results/cpu-attn-prefill-2026-12-01-s11.md).
  int64_t attentionBF16DotMaxRowVectors = 1;
};

/// The tiled-loop tile sizes for `target` (a CPU).
TilingOptions selectTiling(const TargetDescription &target);

/// Element types of a GPU linear layer (seq.linear).
enum class LinearElementType { F32, F16, BF16 };

/// How a GPU linear layer Y[M, N] = X[M, K] W[N, K]^T (+ b) is mapped:
/// a block computes a blockM x blockN tile of Y, staging blockM x blockK of
/// X and blockN x blockK of W in shared memory per step of K; its warps
/// form a warpsM x warpsN grid, each computing (blockM / warpsM) x
/// (blockN / warpsN) with the matrix instruction (or, without one, each
/// thread computing outputs with f32 FMAs).
struct GPULinearConfig {
  int64_t blockM = 0, blockN = 0, blockK = 0;
  int64_t warpsM = 0, warpsN = 0;
  int64_t warpSize = 0;
  /// The matrix instruction, or none (f32: SIMT FMAs, exact f32).
  std::optional<MatrixInstruction> instruction;
  /// cp.async (sm_80+): the tiles are staged by 16-byte asynchronous
  /// copies into two buffers, the next K step's copies in flight while the
  /// warps compute the current one (rows of X and W that are not 16-byte
  /// aligned take the synchronous copy at run time).
  bool asyncCopy = false;
  int64_t threads() const { return warpsM * warpsN * warpSize; }
  /// Shared memory of the staged tiles (both buffers with asyncCopy).
  int64_t sharedBytes(int64_t elementBytes) const {
    return (blockM + blockN) * blockK * elementBytes * (asyncCopy ? 2 : 1);
  }
};

/// The mapping of a linear layer of `elementType` on GPU `target`, or
/// std::nullopt with `error` set when the target cannot run it.
std::optional<GPULinearConfig>
selectGPULinearConfig(const TargetDescription &target,
                      LinearElementType elementType, std::string &error);

/// How a GPU attention (seq.attention, FlashAttention-2 form) is mapped.
/// A block owns one (batch, KV head) pair and `positionsPerBlock` query
/// positions of all `groupSize` query heads that share the KV head: its
/// query rows are (position, head) pairs, position-major, 16 per warp
/// (wavefront). K/V tiles of `blockKV` keys are staged in shared memory;
/// Q.K^T and P.V run on the matrix instruction with f32 accumulators, and
/// the softmax is online, in registers.
///
/// With `splits` > 1 (decode: few query rows, long KV) the keys are split
/// over `splits` blocks per (batch, KV head); each writes its partial
/// output and log-sum-exp, and a merge kernel combines them.
struct GPUAttentionConfig {
  int64_t warpSize = 0;
  int64_t warps = 0;
  /// Query rows per warp: the matrix instruction's M (16).
  int64_t rowsPerWarp = 16;
  int64_t groupSize = 1;
  int64_t positionsPerBlock = 0;
  int64_t blockKV = 0;
  int64_t headDim = 0, valueDim = 0;
  /// Key splits per (batch, KV head); 1: the prefill form.
  int64_t splits = 1;
  /// Threads of the merge kernel's block (one block per batch row and
  /// query head).
  int64_t mergeThreads = 0;
  MatrixInstruction instruction{};
  /// The decode form of the split kernel (Flash-Decoding for few query
  /// rows, no matrix instruction): `decodeLanes` lanes share a key, each
  /// reading 8 consecutive elements of its K and V rows with one 128-bit
  /// load, so a warp reads warpSize / decodeLanes keys per load and each
  /// lane group `decodeKeysPerLane` keys per step (all its loads issued
  /// before any is used); every K/V row read serves the block's
  /// positionsPerBlock x groupSize query rows. The `warps` warps take
  /// interleaved steps and combine their softmax states through shared
  /// memory at the end.
  bool decode = false;
  /// cp.async (sm_80+, the tiled forms): K/V tiles staged by 16-byte
  /// asynchronous copies into two buffers, tile j + 1 in flight while the
  /// warps compute tile j.
  bool asyncCopy = false;
  int64_t decodeLanes = 0;
  int64_t decodeKeysPerLane = 0;
  /// The sm_90a prefill form (selectGPUAttentionWgmmaConfig): one
  /// warpgroup per 64 query rows, `instruction` is wgmma m64nNk16 with N =
  /// blockKV, Q staged in shared memory beside the K/V tiles.
  bool wgmma = false;
  int64_t threads() const { return warps * warpSize; }
  int64_t rows() const { return positionsPerBlock * groupSize; }
  /// Keys one step of the decode form's block reads.
  int64_t decodeKeysPerStep() const {
    return decode ? warps * (warpSize / decodeLanes) * decodeKeysPerLane : 0;
  }
  /// Shared memory of one K and one V tile (the decode form: each warp's
  /// f32 output rows, running max and sum).
  int64_t sharedBytes(int64_t elementBytes) const {
    if (decode)
      return warps * rows() * (valueDim + 2) * 4;
    // wgmma: the 64-row Q tile as well (its descriptors read it there).
    return blockKV * (headDim + valueDim) * elementBytes * (asyncCopy ? 2 : 1) +
           (wgmma ? 64 * headDim * elementBytes : 0);
  }
};

/// The mapping of an attention with `groupSize` query heads per KV head,
/// head dims `headDim` (Q, K) and `valueDim` (V) of `elementType` (f16 or
/// bf16) on GPU `target`, or std::nullopt with `error` set. The split
/// count is chosen by selectGPUAttentionSplits when every extent is
/// known (batch, kvHeads, queries, keys > 0), else it is 1. Decode shapes
/// (at most 16 query rows per KV head, i.e. one matrix-instruction row
/// tile, at most 8 heads per group, headDim == valueDim with headDim / 8
/// a power of two up to the warp size) take the decode form unless
/// `allowDecode` is false.
std::optional<GPUAttentionConfig> selectGPUAttentionConfig(
    const TargetDescription &target, LinearElementType elementType,
    int64_t groupSize, int64_t headDim, int64_t valueDim, int64_t batch,
    int64_t kvHeads, int64_t queries, int64_t keys, std::string &error,
    bool allowDecode = true);

/// Key splits per (batch, KV head) for `config` (Flash-Decoding). The
/// tiled form: enough blocks to give each SM/CU of `target` two, never a
/// split of fewer than two K/V tiles, and 1 when the prefill grid already
/// fills the chip. The decode form: enough blocks to give each SM/CU three
/// (12 warps, one wave), at least 2 splits (the decode form always runs split +
/// merge), never a split of fewer than four block steps
/// (decodeKeysPerStep), and 1 (the prefill form) when the keys are too
/// few for two such splits.
int64_t selectGPUAttentionSplits(const TargetDescription &target,
                                 const GPUAttentionConfig &config,
                                 int64_t batch, int64_t kvHeads,
                                 int64_t queries, int64_t keys);

/// How a GPU row kernel (seq.rms_norm, seq.layer_norm: a reduction over
/// the last dimension of X [R, H], then a pass writing the row) is mapped.
/// Narrow rows: a warp (wavefront) per row, `warps` rows per block, the
/// sum reduced by shuffles alone. Wide rows: a block per row, each warp's
/// shuffle-reduced partial combined through shared memory after a barrier.
struct GPURowConfig {
  int64_t warpSize = 0;
  int64_t warps = 0;
  bool blockPerRow = false;
  int64_t threads() const { return warps * warpSize; }
  int64_t rowsPerBlock() const { return blockPerRow ? 1 : warps; }
};

/// The mapping of a row kernel over rows of `hidden` elements (negative:
/// dynamic, a block per row) on GPU `target`; `blockPerRow`
/// forces a block per row (tests). std::nullopt with `error` set when
/// `target` is no GPU.
std::optional<GPURowConfig> selectGPURowConfig(const TargetDescription &target,
                                               int64_t hidden,
                                               bool blockPerRow,
                                               std::string &error);

/// How a GPU elementwise kernel (seq.swiglu, a residual arith.addf,
/// seq.rope) is mapped: a grid-stride loop of `threads` per block over the
/// flattened elements (or rotation pairs), the grid sized to give each
/// thread `perThread` of them; any grid is correct.
struct GPUElementwiseConfig {
  int64_t threads = 0;
  int64_t perThread = 0;
  int64_t tile() const { return threads * perThread; }
};

/// The elementwise mapping on GPU `target`, or std::nullopt with `error`.
std::optional<GPUElementwiseConfig>
selectGPUElementwiseConfig(const TargetDescription &target,
                           std::string &error);

/// How a GPU scan kernel (seq.scan, seq.scan_step) is mapped: a group of
/// `group` lanes (a power of two, at most the warp) per (batch row,
/// channel), each lane holding `perLane` elements of the state's last
/// dimension (n = lane + i * group, i < perLane: more than one only when
/// that dimension exceeds the warp, e.g. Mamba-2's d_state 128 on a warp
/// of 32), `warps` warps (wavefronts) per block; the sequence runs in
/// chunks of `group` steps inside the block (no cross-block state pass).
struct GPUScanConfig {
  int64_t warpSize = 0;
  int64_t warps = 0;
  int64_t group = 1;
  int64_t perLane = 1;
  int64_t threads() const { return warps * warpSize; }
  int64_t channelsPerBlock() const { return threads() / group; }
};

/// The most state elements one lane of a scan kernel holds (its states,
/// their per-element invariants and per-step values stay in registers):
/// d_state up to 4 warps, 128 on CUDA, 256 on HIP.
inline constexpr int64_t kGPUScanMaxPerLane = 4;

/// The scan mapping on GPU `target` for a state whose last dimension has
/// `lanes` elements (1 for a state without a lane dimension), or
/// std::nullopt with `error` (no GPU, or more elements than
/// kGPUScanMaxPerLane per lane of a warp).
std::optional<GPUScanConfig> selectGPUScanConfig(const TargetDescription &target,
                                                 int64_t lanes,
                                                 std::string &error);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_KERNELDISPATCH_H
