//===- AttentionKernels.h - flash-attention CPU micro-kernels -*- C++ -*-===//
//
// The register-blocked inner kernels of the CPU flash-attention tile, in
// the `vector` dialect. The prefill kernels keep the tile's query rows in
// vector lanes: the query tile is packed transposed once per tile
// (Q^T[d][row], pre-scaled by scale * log2(e)), so the scores of a key
// block are broadcast-FMAs of key elements against Q^T vectors with no
// horizontal reductions, and the online softmax runs over `width` rows at
// once in the log2 domain with an inline vector exp2.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_ATTENTIONKERNELS_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_ATTENTIONKERNELS_H

#include "VectorKernels.h"

namespace mlir {
namespace seq {

/// Visits [lo, hi) in groups of sizes[0] consecutive indices, then what is
/// left in groups of sizes[1], and so on: body(start, count). The last size
/// should be 1 to cover every index. Requires lo <= hi.
void forGroupSizes(LoopBuilder &b, Value lo, Value hi, ArrayRef<int64_t> sizes,
                   llvm::function_ref<void(Value, int64_t)> body);

/// 2^x for a vector<width x f32> `x` <= 128: a degree-6 polynomial on the
/// fraction in [-0.5, 0.5] (Cephes exp2f, relative error 1.7e-7) times 2^n
/// built in the exponent bits. x < -126.5 (and -inf) gives exactly 0.
Value exp2Vector(LoopBuilder &b, Value x);

/// Register block of the transposed score kernels: up to `keys` keys x
/// `rowVectors` row vectors (keys * rowVectors accumulators; per depth
/// step, rowVectors Q^T loads and one broadcast per key feed them). The
/// remainders run in blocks of 4, 2 and 1.
struct ScoreBlock {
  int64_t keys = 6;
  int64_t rowVectors = 2;
};

/// Optional work limits and epilogue of the transposed score kernels
/// (prefill tiles).
struct ScoreLimits {
  /// The tile's row vectors are heads of this many (0: one head).
  int64_t headRowVectors = 0;
  /// Causal diagonal: for the register block of keys from j on, how many
  /// leading row vectors of each head see none of its keys (they are
  /// skipped: their scoresT columns keep what they held; the caller masks
  /// them). Null: none skipped.
  llvm::function_ref<Value(Value j)> firstRowVector;
  /// Called per register block after its scores are stored, with the
  /// scoresT column of each row vector and the lane-wise max of its
  /// scores over the block's keys (the running max of the softmax).
  llvm::function_ref<void(Value column, Value max)> blockMax;
};

/// scoresT[j][i] = sum_d qT[d][i] * keyRow(j)[d] for the keys j in
/// [0, keys) and every row i of the `rowVectors * width` rows of qT
/// ([headDim][rows] f32). Key elements that are not f32 (bf16 weights)
/// are widened as they are broadcast. Register blocks of `block` (by
/// default 6 keys x 2 row vectors: per d, 2 Q^T loads and one broadcast
/// per key feed 12 FMAs).
void transposedScores(LoopBuilder &b, Value qT, int64_t rowVectors, Value keys,
                      int64_t headDim, int64_t width,
                      llvm::function_ref<Row(Value j)> keyRow, Value scoresT,
                      ScoreBlock block = {}, const ScoreLimits &limits = {});
/// The same over a run-time depth (qT [depth][rows]).
void transposedScores(LoopBuilder &b, Value qT, int64_t rowVectors, Value keys,
                      Value depth, int64_t width,
                      llvm::function_ref<Row(Value j)> keyRow, Value scoresT,
                      ScoreBlock block = {}, const ScoreLimits &limits = {});

/// transposedScores for bf16 queries and keys on vdpbf16ps
/// (x86vector.avx512.dot; the target has AVX512_BF16, supportsBF16Dot):
/// qPairs is [headDim / 2][2 * rows] bf16, qPairs[p][2 i + e] = Q[i][2p + e]
/// unscaled, and per pair p one Q load per row vector and one 32-bit
/// broadcast of the key's pair per key feed one dot each (both products of
/// the pair, f32 accumulation). The sums are stored times `scale`. The
/// same register blocks as transposedScores (one skeleton, the inner dot
/// differs).
void transposedScoresBF16Dot(LoopBuilder &b, Value qPairs, int64_t rowVectors,
                             Value keys, int64_t headDim, int64_t width,
                             llvm::function_ref<Row(Value j)> keyRow,
                             Value scoresT, float scale, ScoreBlock block = {},
                             const ScoreLimits &limits = {});

/// Decode scores of a GQA group: for every query row g of `queries` (the
/// heads that share one KV head) and every key j in [0, keys), rounded up
/// to whole vectors of `width` keys (keys past the end read key keys - 1;
/// the caller masks them), store(g, j0, v) receives lane k of v = q_g .
/// keyRow(j0 + k). Register blocks of up to 4 heads x 2 keys (8
/// accumulators): each key row is loaded once for the block's heads, and
/// the `width` accumulators of a head are summed into one vector of scores
/// by a tree of shuffles and adds (no horizontal sum per key). `width`
/// must be a power of two >= 4 and divide `headDim`. With `prefetch`, each
/// key's scores are preceded by prefetch(j) (j clamped like the loads), so
/// the caller's hints are spread over the loop instead of issued in bursts.
/// With `bf16PairLoads` (the queries and keys are bf16), when headDim is a
/// multiple of 2 * width, they are read 2 * width elements per load and split
/// into their even and odd elements in the 32-bit pairs (a shift and a mask)
/// instead of widened; the products are the same, summed in another order.
void groupScores(
    LoopBuilder &b, ArrayRef<Row> queries, Value keys, int64_t headDim,
    int64_t width, llvm::function_ref<Row(Value j)> keyRow,
    llvm::function_ref<void(int64_t g, Value j0, Value scores)> store,
    llvm::function_ref<void(Value j)> prefetch = {},
    bool bf16PairLoads = false);

/// Whether vdpbf16ps (x86vector.avx512.dot) has a form for `width` f32
/// lanes.
bool supportsBF16Dot(int64_t width);

/// Software prefetch of `row`'s first `elements` elements: one hint per
/// 64-byte line (a hint never faults).
void prefetchRow(LoopBuilder &b, const Row &row, int64_t elements);

/// The 2 * width bf16 elements of `row` from `k` on, as two
/// vector<width x f32>: the even elements, then the odd ones (a bf16 is
/// the high half of its f32: one load, a shift and a mask, no shuffle).
SmallVector<Value> splitBF16Pairs(LoopBuilder &b, const Row &row, Value k,
                                  int64_t width);

/// Where column d of a row lives in an accumulator kept in the
/// splitBF16Pairs order (per 2 * width columns: the even ones, then the
/// odd ones).
Value bf16PairColumn(LoopBuilder &b, Value d, int64_t width);

/// acc[i] = acc[i] * rowScale[i] + sum_j scoreAt(i, j) * V[j] for the rows
/// i in [0, rows), in register blocks of up to `rowBlock` rows x `vectors`
/// vectors of the value dim (the remainder in blocks of 4, 2 and 1 rows):
/// each V vector loaded feeds one FMA per row, each broadcast probability
/// `vectors` FMAs, and the accumulators stay in registers over the keys.
/// With `bf16Pairs` (bf16 values, `vectors` even, valueDim a multiple of
/// 2 * width) the V rows are read by splitBF16Pairs and acc is kept in its
/// order (bf16PairColumn). With `keyLimit`, a block of rows reads only
/// the keys [0, keyLimit(its scratch rows)) (the causal diagonal: the
/// scores past it are 0).
void accumulateValues(LoopBuilder &b, Value acc, Value rowScale, Value rows,
                      Value keys, int64_t valueDim, int64_t width,
                      int64_t rowBlock, int64_t vectors,
                      llvm::function_ref<Value(Value)> scratchRow,
                      llvm::function_ref<Value(Value i, Value j)> scoreAt,
                      llvm::function_ref<Row(Value j)> valueRow,
                      bool bf16Pairs = false,
                      llvm::function_ref<Value(ArrayRef<Value> rows)>
                          keyLimit = {});

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_ATTENTIONKERNELS_H
