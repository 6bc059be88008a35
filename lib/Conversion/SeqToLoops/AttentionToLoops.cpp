//===- AttentionToLoops.cpp - flash attention as tiled loops --------------===//
//
// This file lowers seq.attention to the tiled IR: independent tiles
// (batch, query head, query block, KV split) in an scf.forall, each
// streaming KV blocks with an online softmax. No score buffer larger than
// one query-tile x key-tile block exists. Decode-shaped problems (few query
// blocks) split the KV range across tiles and merge partial results by
// log-sum-exp.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"
#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"
#include <array>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Values a tile needs that do not change inside it.
struct AttentionBuffers {
  Value query, key, value, lengths, table, output, lse;
  Value partialAcc, partialMax, partialSum;
  int64_t headDim, valueDim, blockSize;
};

class AttentionLowering : public OpRewritePattern<AttentionOp> {
public:
  AttentionLowering(MLIRContext *context, const TilingOptions &options)
      : OpRewritePattern(context), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

private:
  /// The K/V buffer indices of logical key `key` for batch row `batch`.
  static SmallVector<Value> kvIndices(LoopBuilder &b,
                                      const AttentionBuffers &buf, Value batch,
                                      Value kvHead, Value key);

  TilingOptions options;
};
} // namespace

SmallVector<Value> AttentionLowering::kvIndices(LoopBuilder &b,
                                                const AttentionBuffers &buf,
                                                Value batch, Value kvHead,
                                                Value key) {
  if (!buf.table)
    return {batch, kvHead, key};
  Value blockSize = b.index(buf.blockSize);
  Value logicalBlock = arith::DivUIOp::create(b, key, blockSize);
  Value slot = arith::RemUIOp::create(b, key, blockSize);
  Value physical = b.loadIndex(buf.table, {batch, logicalBlock});
  return {physical, kvHead, slot};
}

LogicalResult
AttentionLowering::matchAndRewrite(AttentionOp op,
                                   PatternRewriter &rewriter) const {
  RankedTensorType queryType = op.getQuery().getType();
  RankedTensorType valueType = op.getValue().getType();
  RankedTensorType keyType = op.getKey().getType();
  if (queryType.isDynamicDim(3) || valueType.isDynamicDim(3) ||
      (op.isPaged() && keyType.isDynamicDim(2)))
    return rewriter.notifyMatchFailure(op, "needs static head dims");

  LoopBuilder b(op.getLoc(), rewriter);
  const int64_t tk = options.keyTile;
  // A static query length shorter than the query tile shrinks the tile to
  // it, in whole vectors (decode keeps one-vector tiles: its scratch rows
  // are zeroed per tile).
  int64_t tq = options.queryTile;
  if (!queryType.isDynamicDim(2) && options.vectorWidth > 0)
    tq = std::min(tq, std::max<int64_t>(
                          options.vectorWidth,
                          llvm::alignTo(queryType.getDimSize(2),
                                        options.vectorWidth)));
  AttentionBuffers buf;
  buf.headDim = queryType.getDimSize(3);
  buf.valueDim = valueType.getDimSize(3);
  buf.blockSize = op.isPaged() ? keyType.getDimSize(2) : 0;
  buf.query = b.buffer(op.getQuery());
  buf.key = b.buffer(op.getKey());
  buf.value = b.buffer(op.getValue());
  if (op.getKvLengths())
    buf.lengths = b.buffer(op.getKvLengths());
  Operation *anchor = op;
  Value zeroIdx = b.index(0), oneIdx = b.index(1);
  if (op.getBlockTable()) {
    // Block ids index the caches' first dimension: a copy of the table in
    // which an id outside [0, blocks) raises kIndexOutOfRange and reads
    // block 0 instead, so the key loops never leave the caches (oneIdx pass
    // over the table per call, none in the loops).
    Value table = b.buffer(op.getBlockTable());
    Value rows = b.dim(table, 0), cols = b.dim(table, 1);
    Value blocks = b.dim(buf.key, 0);
    auto tableType = cast<MemRefType>(table.getType());
    Value checked = memref::AllocOp::create(
        b,
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                        tableType.getElementType()),
        ValueRange{rows, cols});
    b.forLoop(zeroIdx, rows, [&](Value r) {
      b.forLoop(zeroIdx, cols, [&](Value c) {
        Value id = memref::LoadOp::create(b, table, ValueRange{r, c});
        Value index = arith::IndexCastOp::create(b, b.getIndexType(), id);
        Value ok = arith::AndIOp::create(
            b, b.cmp(arith::CmpIPredicate::sge, index, zeroIdx),
            b.cmp(arith::CmpIPredicate::slt, index, blocks));
        b.raiseUnless(anchor, ok, kIndexOutOfRange,
                      "paged KV block id %ld (block_table[%ld][%ld]) "
                      "outside the %ld cache blocks",
                      {index, r, c, blocks});
        Value zeroId = arith::ConstantOp::create(
            b, b.getZeroAttr(tableType.getElementType()));
        memref::StoreOp::create(b, b.select(ok, id, zeroId), checked,
                                ValueRange{r, c});
      });
    });
    buf.table = checked;
  }

  Value batch = b.dim(buf.query, 0), heads = b.dim(buf.query, 1);
  Value querySeq = b.dim(buf.query, 2);
  Value kvHeads = b.dim(buf.key, 1);
  // The batch rows the tiles run over: none after a failed head check (K
  // and V may have no head at all; seqc --bounds-checks found the tiles
  // reading head 0 of an empty cache).
  Value runBatch = batch;
  // Extents the verifier checks when they are static: with dynamic heads,
  // KV heads must divide the query heads (and not be 0), and K and V must
  // agree; otherwise kShapeMismatch, computed on extents that stay in
  // bounds (oneIdx KV head, the shorter of K and V) instead of a crash.
  if (ShapedType::isDynamic(queryType.getDimSize(1)) ||
      ShapedType::isDynamic(keyType.getDimSize(1)) ||
      ShapedType::isDynamic(valueType.getDimSize(1))) {
    Value valueHeads = b.dim(buf.value, 1);
    Value nonZero = b.cmp(arith::CmpIPredicate::ne, kvHeads, zeroIdx);
    Value safeKvHeads = b.select(nonZero, kvHeads, oneIdx);
    Value divides =
        b.cmp(arith::CmpIPredicate::eq,
              arith::RemUIOp::create(b, heads, safeKvHeads), zeroIdx);
    Value headsOk = arith::AndIOp::create(b, nonZero, divides);
    Value sameHeads = b.cmp(arith::CmpIPredicate::eq, valueHeads, kvHeads);
    Value ok = arith::AndIOp::create(b, headsOk, sameHeads);
    b.raiseUnless(anchor, headsOk, kShapeMismatch,
                  "%ld query heads not divisible by %ld KV heads",
                  {heads, kvHeads});
    b.raiseUnless(anchor, sameHeads, kShapeMismatch,
                  "%ld key heads != %ld value heads", {kvHeads, valueHeads});
    kvHeads = b.select(ok, kvHeads, oneIdx);
    runBatch = b.select(ok, batch, zeroIdx);
  }
  Value group = arith::DivUIOp::create(b, heads, kvHeads);
  Value kvSeq = buf.table ? b.mul(b.dim(buf.table, 1), b.index(buf.blockSize))
                          : b.dim(buf.key, 2);
  if (!buf.table && (ShapedType::isDynamic(keyType.getDimSize(2)) ||
                     ShapedType::isDynamic(valueType.getDimSize(2)))) {
    Value valueSeq = b.dim(buf.value, 2);
    b.raiseUnless(anchor, b.cmp(arith::CmpIPredicate::eq, kvSeq, valueSeq),
                  kShapeMismatch, "key length %ld != value length %ld",
                  {kvSeq, valueSeq});
    kvSeq = arith::MinUIOp::create(b, kvSeq, valueSeq);
  }

  // Results.
  RankedTensorType outType = op.getOutput().getType();
  SmallVector<Value> outSizes{batch, heads, querySeq, b.index(buf.valueDim)};
  auto dynamicSizes = [&](RankedTensorType type, ArrayRef<Value> sizes) {
    SmallVector<Value> dynamic;
    for (auto [i, size] : llvm::enumerate(sizes))
      if (type.isDynamicDim(i))
        dynamic.push_back(size);
    return dynamic;
  };
  // An output read only by the importer's transpose back to rows
  // ([B, H, S, D] -> [B, S, H, D], fromHeads) is stored in rows through a
  // transposed view: the projection after it reads it without a copy.
  linalg::TransposeOp toRows;
  if (!op.getLse() && op.getOutput().hasOneUse())
    toRows = dyn_cast<linalg::TransposeOp>(*op.getOutput().user_begin());
  if (toRows && (!toRows.hasPureTensorSemantics() ||
                 toRows.getInput() != op.getOutput() ||
                 toRows.getPermutation() != ArrayRef<int64_t>{0, 2, 1, 3}))
    toRows = nullptr;
  Value rows;
  RankedTensorType rowsType;
  if (toRows) {
    rowsType = cast<RankedTensorType>(toRows->getResult(0).getType());
    SmallVector<Value> rowSizes{outSizes[0], outSizes[2], outSizes[1],
                                outSizes[3]};
    rows = b.allocResult(rowsType, dynamicSizes(rowsType, rowSizes));
    AffineMap swap = AffineMap::getPermutationMap(
        ArrayRef<unsigned>{0, 2, 1, 3}, b.getContext());
    buf.output = memref::TransposeOp::create(b, rows, AffineMapAttr::get(swap));
  } else {
    buf.output = b.allocResult(outType, dynamicSizes(outType, outSizes));
  }
  if (op.getLse())
    buf.lse = b.allocResult(
        op.getLse().getType(),
        dynamicSizes(op.getLse().getType(), ArrayRef(outSizes).take_front(3)));

  // How many ways to split the KV range: enough tiles to fill the machine,
  // but no split shorter than minKeysPerSplit keys.
  Value queryTiles = b.divUp(querySeq, tq);
  // Query heads per tile: the whole group when it is static.
  int64_t groupTiles = 1;
  if (!queryType.isDynamicDim(1) && !keyType.isDynamicDim(1))
    groupTiles = queryType.getDimSize(1) / keyType.getDimSize(1);
  Value tileHeads = groupTiles > 1 ? kvHeads : heads;
  Value tiles = b.mul(b.mul(batch, tileHeads), queryTiles);
  Value wanted = arith::CeilDivUIOp::create(
      b, b.index(options.minParallelTiles), b.max(tiles, b.index(1)));
  Value bySize =
      b.max(b.index(1),
            arith::DivUIOp::create(b, kvSeq, b.index(options.minKeysPerSplit)));
  Value splits = b.max(b.index(1), b.min(wanted, bySize));
  Value isSplit = b.cmp(arith::CmpIPredicate::ugt, splits, b.index(1));
  Value partialSplits = b.select(isSplit, splits, b.index(0));
  Type f32 = b.getF32Type();
  auto partialType = [&](ArrayRef<int64_t> tail) {
    SmallVector<int64_t> shape(4, ShapedType::kDynamic);
    llvm::append_range(shape, tail);
    return MemRefType::get(shape, f32);
  };
  SmallVector<Value> partialSizes{batch, heads, querySeq, partialSplits};
  buf.partialAcc = memref::AllocOp::create(
      b, partialType({buf.valueDim}), partialSizes, b.getI64IntegerAttr(64));
  buf.partialMax = memref::AllocOp::create(b, partialType({}), partialSizes);
  buf.partialSum = memref::AllocOp::create(b, partialType({}), partialSizes);

  const float negInf = -std::numeric_limits<float>::infinity();
  std::optional<float> softcap;
  if (auto cap = op.getSoftcap())
    softcap = cap->convertToFloat();
  std::optional<int64_t> window;
  if (auto w = op.getWindowAttr())
    window = w.getInt();
  const float scale = op.getScaleAttr() ? op.getScaleAttr().getValueAsDouble()
                                        : 1.0f / std::sqrt(float(buf.headDim));
  const bool causal = op.getCausal();
  const int64_t width = options.vectorWidth;
  // Output columns per register block of the P.V update: up to 4 vectors.
  int64_t valueVectors = 0;
  if (width > 0 && buf.valueDim % width == 0) {
    int64_t chunks = buf.valueDim / width;
    valueVectors = chunks % 4 == 0 ? 4 : chunks % 2 == 0 ? 2 : 1;
  }

  // The rows-in-lanes kernels (AttentionKernels.h) for tiles with at least
  // one vector of query rows; the score and mask regions and softcap run
  // per score on the general path.
  const bool lanesPossible = width > 0 && tq % width == 0 && valueVectors &&
                             !softcap && op.getScoreMod().empty() &&
                             op.getMaskMod().empty();
  const bool staticQuerySeq = !queryType.isDynamicDim(2);
  const int64_t staticQueries = queryType.getDimSize(2);
  const bool keyNeedsCopy =
      buf.table ||
      !cast<MemRefType>(buf.key.getType()).getElementType().isF32();
  const float log2e = 1.4426950408889634f;
  const float ln2 = 0.6931471805599453f;
  // The general path's softmax on vectors of keys (decode): no softcap
  // and no score or mask region, whole vectors per key block.
  const bool vectorSoftmax = width > 0 && tk % width == 0 && !softcap &&
                             op.getScoreMod().empty() &&
                             op.getMaskMod().empty();
  // Decode (one static query row per head): the group's heads share each
  // K row load and the scores come out as vectors of keys (groupScores, no
  // horizontal sum per key). Software prefetch rides along the score loop:
  // per key, its V row (read by P.V after the block's softmax) and the K
  // row TilingOptions::attentionDecodePrefetchKeys on (issuing a whole
  // block's hints at once made it 1.3x slower: they stall the core until
  // the block is requested, bench/results/cpu-2026-12-01-decode-moe.md;
  // spread out they keep the misses in flight, cpu-2026-12-01-decode-bw.md).
  const bool groupDecode =
      vectorSoftmax && valueVectors && staticQuerySeq && staticQueries == 1 &&
      width >= 4 && llvm::isPowerOf2_64(width) && buf.headDim % width == 0;
  const int64_t prefetchKeys = options.attentionDecodePrefetchKeys;
  auto elementOf = [](Value buffer) {
    return cast<MemRefType>(buffer.getType()).getElementType();
  };
  // bf16 queries and keys (decode): the scores read them as even/odd
  // pairs (groupScores).
  const bool bf16PairLoads =
      elementOf(buf.query).isBF16() && elementOf(buf.key).isBF16();
  // bf16 queries and keys of the rows-in-lanes path on vdpbf16ps when
  // the target has AVX512_BF16, the head dim is large enough and the tile
  // has few row vectors to share the f32 key copy the dot saves
  // (transposedScoresBF16Dot; TilingOptions::attentionBF16DotMinHeadDim
  // and attentionBF16DotMaxRowVectors say why). Decode (the group kernel)
  // measured level with it at batch 1 and 16, so it keeps the pair split.
  const bool bf16ScoreDot =
      options.x86Avx512Bf16 && bf16PairLoads && supportsBF16Dot(width) &&
      buf.headDim % 2 == 0 &&
      buf.headDim >= options.attentionBF16DotMinHeadDim &&
      groupTiles * tq <= options.attentionBF16DotMaxRowVectors * width;
  // bf16 V rows (decode) read as even/odd pairs: the accumulator rows
  // are kept in that order and written back in column order.
  const bool valuePairs =
      groupDecode && valueVectors % 2 == 0 && elementOf(buf.value).isBF16();

  b.parallel({runBatch, tileHeads, queryTiles, splits}, [&](ValueRange ivs) {
    Value bi = ivs[0], ht = ivs[1], qt = ivs[2], split = ivs[3];
    // With a static group the tile owns a KV head and all the query heads
    // that read it, so each K/V block is loaded once for the whole group.
    Value kvHead = groupTiles > 1 ? ht : arith::DivUIOp::create(b, ht, group);
    auto headOf = [&](Value g) {
      return groupTiles > 1 ? b.add(b.mul(ht, b.index(groupTiles)), g) : ht;
    };
    Value length =
        buf.lengths ? b.min(b.loadIndex(buf.lengths, {bi}), kvSeq) : kvSeq;
    Value q0 = b.mul(qt, b.index(tq));
    Value rows = b.min(b.index(tq), b.sub(querySeq, q0));
    Value offset = b.sub(length, querySeq); // p(i) = offset + i
    // KV range the tile's rows can see.
    Value kvEnd = length;
    if (causal)
      kvEnd = b.min(kvEnd, b.add(b.add(offset, q0), rows));
    Value kvBegin = b.index(0);
    if (window)
      kvBegin = b.max(kvBegin, b.sub(b.add(offset, q0), b.index(*window - 1)));
    Value span = b.max(b.index(0), b.sub(kvEnd, kvBegin));
    Value chunk = arith::CeilDivUIOp::create(b, span, splits);
    Value begin = b.add(kvBegin, b.mul(split, chunk));
    Value end = b.min(kvEnd, b.add(begin, chunk));

    const int64_t tileRows = groupTiles * tq;
    Value rowMax = b.scratch({tileRows}, f32);
    Value rowSum = b.scratch({tileRows}, f32);
    Value acc = b.scratch({tileRows, buf.valueDim}, f32);
    Value scores = b.scratch({tileRows, tk}, f32);
    Value rowScale = b.scratch({tileRows}, f32);
    Value zero = b.f32(0.0f), minusInf = b.f32(negInf);
    b.forLoop(b.index(0), b.index(tileRows), [&](Value i) {
      memref::StoreOp::create(b, minusInf, rowMax, ValueRange{i});
      memref::StoreOp::create(b, zero, rowSum, ValueRange{i});
      b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
        memref::StoreOp::create(b, zero, acc, ValueRange{i, d});
      });
    });

    // The tile's rows flattened over (query head of the group, query row):
    // t -> (query head, query index, scratch row), so register blocks span
    // the heads that share a K/V block (GQA decode has one row per head).
    Value flatRows = b.mul(b.index(groupTiles), rows);
    auto rowOf = [&](Value t) -> std::array<Value, 3> {
      Value g = arith::DivUIOp::create(b, t, rows);
      Value row = arith::RemUIOp::create(b, t, rows);
      return {headOf(g), b.add(q0, row), b.add(b.mul(g, b.index(tq)), row)};
    };

    // One row of a key block in the natural-log domain on vectors of
    // `width` keys: scores[i, 0 : tk] scaled, masked (past `keys`, causal,
    // window: -inf), then the online softmax update of row i at query
    // position `pos`.
    auto vectorSoftmaxRow = [&](Value kt, Value keys, Value pos, Value i) {
      auto vecType = VectorType::get({width}, f32);
      auto intType = VectorType::get({width}, b.getI32Type());
      auto splat = [&](float v) -> Value {
        return arith::ConstantOp::create(
            b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(v)));
      };
      auto splatInt = [&](Value v) -> Value {
        return vector::BroadcastOp::create(
            b, intType,
            arith::IndexCastOp::create(b, b.getI32Type(), v).getResult());
      };
      SmallVector<int32_t> lanes(width);
      for (int64_t l = 0; l < width; ++l)
        lanes[l] = l;
      Value iota = arith::ConstantOp::create(
          b, DenseElementsAttr::get(intType, ArrayRef<int32_t>(lanes)));
      Value keysV = splatInt(keys);
      Value posV = splatInt(b.sub(pos, kt));
      Value lowV =
          window ? splatInt(b.sub(b.sub(pos, kt), b.index(*window))) : Value();
      Value scaleV = splat(scale), minusInfV = splat(negInf);
      Value step = b.index(width);
      // Pass 1: masked, scaled scores and their maximum.
      auto pass1 = scf::ForOp::create(
          b, b.index(0), b.index(tk), step, ValueRange{minusInfV},
          [&](OpBuilder &, Location loc, Value j, ValueRange m) {
            Value s = arith::MulFOp::create(
                b, vector::LoadOp::create(b, vecType, scores, ValueRange{i, j}),
                scaleV);
            // Key j + lane, relative to the block start kt.
            Value rel = arith::AddIOp::create(b, splatInt(j), iota);
            Value keep =
                arith::CmpIOp::create(b, arith::CmpIPredicate::slt, rel, keysV);
            if (causal)
              keep = arith::AndIOp::create(
                  b, keep,
                  arith::CmpIOp::create(b, arith::CmpIPredicate::sle, rel,
                                        posV));
            if (window)
              keep = arith::AndIOp::create(
                  b, keep,
                  arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, rel,
                                        lowV));
            s = arith::SelectOp::create(b, keep, s, minusInfV);
            vector::StoreOp::create(b, s, scores, ValueRange{i, j});
            scf::YieldOp::create(
                b, loc, ValueRange{arith::MaximumFOp::create(b, m[0], s)});
          });
      Value oldMax = memref::LoadOp::create(b, rowMax, ValueRange{i});
      Value newMax = b.maxf(
          oldMax, vector::ReductionOp::create(
                      b, vector::CombiningKind::MAXIMUMF, pass1.getResult(0)));
      Value anyValid =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, newMax, minusInf);
      Value safeMax = b.select(anyValid, newMax, zero);
      Value correction = b.exp(b.subf(oldMax, safeMax));
      // Pass 2: p = exp(s - max) = 2^((s - max) log2 e), and their sum.
      Value shift = vector::BroadcastOp::create(b, vecType,
                                                b.mulf(safeMax, b.f32(log2e)));
      Value log2eV = splat(log2e);
      auto pass2 = scf::ForOp::create(
          b, b.index(0), b.index(tk), step, ValueRange{splat(0.0f)},
          [&](OpBuilder &, Location loc, Value j, ValueRange sum) {
            Value s =
                vector::LoadOp::create(b, vecType, scores, ValueRange{i, j});
            Value x = vector::FMAOp::create(b, s, log2eV,
                                            arith::NegFOp::create(b, shift));
            Value p = exp2Vector(b, x);
            vector::StoreOp::create(b, p, scores, ValueRange{i, j});
            scf::YieldOp::create(
                b, loc, ValueRange{arith::AddFOp::create(b, sum[0], p)});
          });
      Value blockSum = vector::ReductionOp::create(
          b, vector::CombiningKind::ADD, pass2.getResult(0), Value(),
          arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
      Value oldSum = memref::LoadOp::create(b, rowSum, ValueRange{i});
      memref::StoreOp::create(b, b.addf(b.mulf(oldSum, correction), blockSum),
                              rowSum, ValueRange{i});
      memref::StoreOp::create(b, newMax, rowMax, ValueRange{i});
      memref::StoreOp::create(b, correction, rowScale, ValueRange{i});
    };

    // The general path: dot-product scores, per-score softmax with the
    // regions, natural-log domain.
    auto generalBlocks = [&] {
      scf::ForOp::create(
          b, begin, b.max(begin, end), b.index(tk), ValueRange{},
          [&](OpBuilder &, Location, Value kt, ValueRange) {
            Value keys = b.min(b.index(tk), b.sub(end, kt));
            // 1. Raw scores Q.K^T of the block in register blocks.
            if (groupDecode) {
              SmallVector<Row> queries;
              for (int64_t g = 0; g < groupTiles; ++g)
                queries.push_back(Row{buf.query, {bi, headOf(b.index(g)), q0}});
              groupScores(
                  b, queries, keys, buf.headDim, width,
                  [&](Value j) {
                    return Row{buf.key,
                               kvIndices(b, buf, bi, kvHead, b.add(kt, j))};
                  },
                  [&](int64_t g, Value j0, Value v) {
                    vector::StoreOp::create(b, v, scores,
                                            ValueRange{b.index(g * tq), j0});
                  },
                  [&](Value j) {
                    if (prefetchKeys <= 0)
                      return;
                    // The K row `ahead` keys on, inside the tile's range.
                    Value key = b.add(kt, j);
                    Value lastKey = b.sub(end, b.index(1));
                    Value ahead =
                        b.min(b.add(key, b.index(prefetchKeys)), lastKey);
                    prefetchRow(
                        b, Row{buf.key, kvIndices(b, buf, bi, kvHead, ahead)},
                        buf.headDim);
                    prefetchRow(
                        b, Row{buf.value, kvIndices(b, buf, bi, kvHead, key)},
                        buf.valueDim);
                  },
                  bf16PairLoads);
            } else
              blockedDots(
                  b, b.index(0), flatRows, b.index(0), keys,
                  b.index(buf.headDim), width,
                  [&](Value t) {
                    std::array<Value, 3> at = rowOf(t);
                    return Row{buf.query, {bi, at[0], at[1]}};
                  },
                  [&](Value j) {
                    return SmallVector<Row>{
                        {buf.key, kvIndices(b, buf, bi, kvHead, b.add(kt, j))}};
                  },
                  [&](Value t, Value j, ArrayRef<Value> dot) {
                    Value i = rowOf(t)[2];
                    memref::StoreOp::create(b, dot[0], scores,
                                            ValueRange{i, j});
                  });
            // 2. Per row: scale, softcap, score/mask regions and masks, then
            //    the online softmax update. A row with no visible key yet
            //    uses 0 as its max so that nothing becomes NaN. Without
            //    softcap and regions (decode) the row runs on vectors of
            //    keys: masks as lane compares, exp as exp2Vector, so no
            //    scalar exp per score.
            if (vectorSoftmax) {
              b.forLoop(b.index(0), flatRows, [&](Value t) {
                std::array<Value, 3> at = rowOf(t);
                vectorSoftmaxRow(kt, keys, b.add(offset, at[1]), at[2]);
              });
            } else {
              b.forLoop(b.index(0), flatRows, [&](Value t) {
                std::array<Value, 3> at = rowOf(t);
                Value hi = at[0], qi = at[1], i = at[2];
                Value pos = b.add(offset, qi);
                Value oldMax = memref::LoadOp::create(b, rowMax, ValueRange{i});
                Value newMax = b.forLoop(
                    b.index(0), keys, ValueRange{oldMax},
                    [&](Value j, ValueRange m) -> SmallVector<Value> {
                      Value kj = b.add(kt, j);
                      Value s = b.mulf(
                          memref::LoadOp::create(b, scores, ValueRange{i, j}),
                          b.f32(scale));
                      if (softcap) {
                        Value c =
                            math::TanhOp::create(b, b.divf(s, b.f32(*softcap)));
                        s = b.mulf(c, b.f32(*softcap));
                      }
                      if (!op.getScoreMod().empty())
                        s = b.inlineRegion(op.getScoreMod(),
                                           {bi, hi, qi, kj, s})[0];
                      Value keep =
                          arith::ConstantOp::create(b, b.getBoolAttr(true));
                      if (causal)
                        keep = arith::AndIOp::create(
                            b, keep, b.cmp(arith::CmpIPredicate::sle, kj, pos));
                      if (window)
                        keep = arith::AndIOp::create(
                            b, keep,
                            b.cmp(arith::CmpIPredicate::sgt, kj,
                                  b.sub(pos, b.index(*window))));
                      if (!op.getMaskMod().empty())
                        keep = arith::AndIOp::create(
                            b, keep,
                            b.inlineRegion(op.getMaskMod(),
                                           {bi, hi, qi, kj})[0]);
                      s = b.select(keep, s, minusInf);
                      memref::StoreOp::create(b, s, scores, ValueRange{i, j});
                      return {b.maxf(m[0], s)};
                    })[0];
                Value anyValid = arith::CmpFOp::create(
                    b, arith::CmpFPredicate::OGT, newMax, minusInf);
                Value safeMax = b.select(anyValid, newMax, zero);
                Value correction = b.exp(b.subf(oldMax, safeMax));
                Value blockSum = b.forLoop(
                    b.index(0), keys, ValueRange{zero},
                    [&](Value j, ValueRange sum) -> SmallVector<Value> {
                      Value s =
                          memref::LoadOp::create(b, scores, ValueRange{i, j});
                      Value p = b.exp(b.subf(s, safeMax));
                      memref::StoreOp::create(b, p, scores, ValueRange{i, j});
                      return {b.addf(sum[0], p)};
                    })[0];
                Value oldSum = memref::LoadOp::create(b, rowSum, ValueRange{i});
                memref::StoreOp::create(
                    b, b.addf(b.mulf(oldSum, correction), blockSum), rowSum,
                    ValueRange{i});
                memref::StoreOp::create(b, newMax, rowMax, ValueRange{i});
                memref::StoreOp::create(b, correction, rowScale, ValueRange{i});
              });
            }
            // 3. acc = acc * correction + P.V. (Decode: 4 rows x 2 vectors
            //    per register block, so that each V vector is loaded once
            //    for 4 heads, measured no faster than 2 rows x 4 vectors,
            //    bench/results/cpu-2026-12-01-decode-moe.md.)
            if (valueVectors)
              accumulateValues(
                  b, acc, rowScale, flatRows, keys, buf.valueDim, width,
                  options.attentionValueRows, valueVectors,
                  [&](Value t) { return rowOf(t)[2]; },
                  [&](Value i, Value j) {
                    return memref::LoadOp::create(b, scores, ValueRange{i, j});
                  },
                  [&](Value j) {
                    return Row{buf.value,
                               kvIndices(b, buf, bi, kvHead, b.add(kt, j))};
                  },
                  valuePairs);
            else
              b.forLoop(b.index(0), flatRows, [&](Value t) {
                Value i = rowOf(t)[2];
                Value correction =
                    memref::LoadOp::create(b, rowScale, ValueRange{i});
                b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
                  Value a = memref::LoadOp::create(b, acc, ValueRange{i, d});
                  memref::StoreOp::create(b, b.mulf(a, correction), acc,
                                          ValueRange{i, d});
                });
                b.forLoop(b.index(0), keys, [&](Value j) {
                  Value p = memref::LoadOp::create(b, scores, ValueRange{i, j});
                  SmallVector<Value> vIdx =
                      kvIndices(b, buf, bi, kvHead, b.add(kt, j));
                  b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
                    Value a = memref::LoadOp::create(b, acc, ValueRange{i, d});
                    Value v =
                        b.loadF32(buf.value, {vIdx[0], vIdx[1], vIdx[2], d});
                    memref::StoreOp::create(b, b.addf(a, b.mulf(p, v)), acc,
                                            ValueRange{i, d});
                  });
                });
              });
            scf::YieldOp::create(b);
          });
    };

    // The rows-in-lanes path: all tileRows rows (rows past the tile's end
    // have zero queries and are never written), scores in the log2 domain.
    auto laneBlocks = [&] {
      const ScoreBlock scoreBlock{options.attentionScoreKeys,
                                  options.attentionScoreRowVectors};
      auto vecType = VectorType::get({width}, f32);
      auto maskType = VectorType::get({width}, b.getI32Type());
      const int64_t rowVectors = tileRows / width;
      // bf16 Q and K on vdpbf16ps: Q^T in bf16 pairs, unscaled (Q's own
      // bf16 values; the scale multiplies the sums), K read in place.
      Value qPairs;
      if (bf16ScoreDot) {
        qPairs = b.scratch({buf.headDim / 2, 2 * tileRows}, b.getBF16Type());
        Value zeroPair =
            arith::ConstantOp::create(b, b.getZeroAttr(b.getBF16Type()));
        b.forLoop(b.index(0), b.index(tileRows), [&](Value t) {
          Value g = arith::DivUIOp::create(b, t, b.index(tq));
          Value row = arith::RemUIOp::create(b, t, b.index(tq));
          Value valid = b.cmp(arith::CmpIPredicate::ult, row, rows);
          Value hi = headOf(g), qi = b.add(q0, b.select(valid, row, zeroIdx));
          b.forLoop(b.index(0), b.index(buf.headDim), [&](Value d) {
            Value q =
                memref::LoadOp::create(b, buf.query, ValueRange{bi, hi, qi, d});
            Value p = arith::DivUIOp::create(b, d, b.index(2));
            Value parity = arith::RemUIOp::create(b, d, b.index(2));
            Value at = b.add(b.mul(t, b.index(2)), parity);
            memref::StoreOp::create(b, b.select(valid, q, zeroPair), qPairs,
                                    ValueRange{p, at});
          });
        });
      }
      // Q^T[d][t], pre-scaled by scale * log2(e), once per tile.
      Value qT =
          bf16ScoreDot ? Value() : b.scratch({buf.headDim, tileRows}, f32);
      if (!bf16ScoreDot)
        b.forLoop(b.index(0), b.index(tileRows), [&](Value t) {
          Value g = arith::DivUIOp::create(b, t, b.index(tq));
          Value row = arith::RemUIOp::create(b, t, b.index(tq));
          Value valid = b.cmp(arith::CmpIPredicate::ult, row, rows);
          scf::IfOp::create(
              b, valid,
              [&](OpBuilder &, Location loc) {
                Value hi = headOf(g), qi = b.add(q0, row);
                b.forLoop(b.index(0), b.index(buf.headDim), [&](Value d) {
                  Value q = b.loadF32(buf.query, {bi, hi, qi, d});
                  memref::StoreOp::create(b, b.mulf(q, b.f32(scale * log2e)),
                                          qT, ValueRange{d, t});
                });
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &, Location loc) {
                b.forLoop(b.index(0), b.index(buf.headDim), [&](Value d) {
                  memref::StoreOp::create(b, zero, qT, ValueRange{d, t});
                });
                scf::YieldOp::create(b, loc);
              });
        });
      Value scoresT = b.scratch({tk, tileRows}, f32);
      // The lane-wise max of each row's scores in the current key block,
      // kept by the score kernel's epilogue (the softmax max pass of blocks
      // without masks).
      Value blockMax = b.scratch({tileRows}, f32);
      Value keyCopy = keyNeedsCopy && !bf16ScoreDot
                          ? b.scratch({tk, buf.headDim}, f32)
                          : Value();
      Value minusInfVec = arith::ConstantOp::create(
          b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(negInf)));
      Value zeroVec = arith::ConstantOp::create(
          b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0.0f)));
      SmallVector<int32_t> lanes;
      for (int64_t l = 0; l < width; ++l)
        lanes.push_back(int32_t(l));
      Value iota = arith::ConstantOp::create(
          b, DenseElementsAttr::get(maskType, ArrayRef<int32_t>(lanes)));
      // The lowest and highest query position of the tile.
      Value firstPos = b.add(offset, q0);
      Value lastPos = b.add(firstPos, b.index(tq - 1));
      scf::ForOp::create(
          b, begin, b.max(begin, end), b.index(tk), ValueRange{},
          [&](OpBuilder &, Location, Value kt, ValueRange) {
            Value keys = b.min(b.index(tk), b.sub(end, kt));
            auto keyIndices = [&](Value j) {
              return kvIndices(b, buf, bi, kvHead, b.add(kt, j));
            };
            // bf16/f16 or paged keys: widened into a dense f32 block first.
            if (keyCopy)
              b.forLoop(b.index(0), keys, [&](Value j) {
                Row key{buf.key, {}};
                key.prefix.append(keyIndices(j));
                if (buf.headDim % width == 0) {
                  for (int64_t d = 0; d < buf.headDim; d += width)
                    vector::StoreOp::create(
                        b, loadRowVector(b, key, b.index(d), width), keyCopy,
                        ValueRange{j, b.index(d)});
                } else {
                  b.forLoop(b.index(0), b.index(buf.headDim), [&](Value d) {
                    SmallVector<Value> at(key.prefix.begin(), key.prefix.end());
                    at.push_back(d);
                    memref::StoreOp::create(b, b.loadF32(buf.key, at), keyCopy,
                                            ValueRange{j, d});
                  });
                }
              });
            // 1. S^T = K.Q^T for the block, rows in lanes. Causal: the
            //    row vectors of a head whose rows all precede a register
            //    block's first key (the diagonal block's upper part) are
            //    skipped; the mask below fills them with -inf.
            const int64_t headRowVectors = tq / width;
            auto firstRowVector = [&](Value j) -> Value {
              Value key = b.add(kt, j);
              Value fromFirst = b.sub(key, firstPos);
              Value ahead = b.max(b.index(0), fromFirst);
              Value first = arith::DivUIOp::create(b, ahead, b.index(width));
              return b.min(first, b.index(headRowVectors));
            };
            for (int64_t rv = 0; rv < rowVectors; ++rv)
              vector::StoreOp::create(b, minusInfVec, blockMax,
                                      ValueRange{b.index(rv * width)});
            auto keepMax = [&](Value column, Value m) {
              Value old =
                  vector::LoadOp::create(b, vecType, blockMax, column);
              Value greater = arith::CmpFOp::create(
                  b, arith::CmpFPredicate::OGT, m, old);
              vector::StoreOp::create(b, b.select(greater, m, old), blockMax,
                                      column);
            };
            ScoreLimits limits;
            limits.headRowVectors = headRowVectors;
            if (causal)
              limits.firstRowVector = firstRowVector;
            limits.blockMax = keepMax;
            auto scoreKernel = [&](const ScoreLimits &limits) {
              if (bf16ScoreDot)
                transposedScoresBF16Dot(
                    b, qPairs, rowVectors, keys, buf.headDim, width,
                    [&](Value j) {
                      return Row{buf.key, keyIndices(j)};
                    },
                    scoresT, scale * log2e, scoreBlock, limits);
              else
                transposedScores(
                    b, qT, rowVectors, keys, buf.headDim, width,
                    [&](Value j) {
                      if (keyCopy)
                        return Row{keyCopy, {j}};
                      return Row{buf.key, keyIndices(j)};
                    },
                    scoresT, scoreBlock, limits);
            };
            Value crossesDiagonal;
            if (causal) {
              Value blockEnd = b.add(kt, keys);
              Value lastKey = b.sub(blockEnd, b.index(1));
              crossesDiagonal =
                  b.cmp(arith::CmpIPredicate::sgt, lastKey, firstPos);
            }
            if (limits.firstRowVector) {
              ScoreLimits below = limits;
              below.firstRowVector = nullptr;
              scf::IfOp::create(
                  b, crossesDiagonal,
                  [&](OpBuilder &, Location loc) {
                    scoreKernel(limits);
                    scf::YieldOp::create(b, loc);
                  },
                  [&](OpBuilder &, Location loc) {
                    scoreKernel(below);
                    scf::YieldOp::create(b, loc);
                  });
            } else {
              scoreKernel(limits);
            }
            // 2. Online softmax, `width` rows at a time. Masks only on the
            //    blocks that cross the causal diagonal or the window edge.
            Value needsMask =
                arith::ConstantOp::create(b, b.getBoolAttr(false));
            if (causal)
              needsMask = arith::OrIOp::create(b, needsMask, crossesDiagonal);
            if (window)
              needsMask =
                  arith::OrIOp::create(b, needsMask,
                                       b.cmp(arith::CmpIPredicate::sle, kt,
                                             b.sub(lastPos, b.index(*window))));
            b.forLoop(b.index(0), b.index(rowVectors), [&](Value rv) {
              Value i0 = b.mul(rv, b.index(width));
              Value posBase =
                  b.add(firstPos, arith::RemUIOp::create(b, i0, b.index(tq)));
              Value oldMax =
                  vector::LoadOp::create(b, vecType, rowMax, ValueRange{i0});
              auto maxOf = [&](Value m, Value s) {
                return b.select(
                    arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, s, m),
                    s, m);
              };
              // Lane l of key kj is visible iff l >= kj - posBase (causal)
              // and l < kj - posBase + window; the bounds are clamped to
              // [-1, width] before narrowing to i32.
              auto laneBound = [&](Value v) -> Value {
                v = b.max(b.index(-1), b.min(v, b.index(width)));
                return vector::BroadcastOp::create(
                    b, maskType,
                    arith::IndexCastOp::create(b, b.getI32Type(), v));
              };
              // Without a causal mask or window no key block is masked
              // (and `keep` below would have no condition).
              if (causal || window)
                b.ifThen(needsMask, [&] {
                  b.forLoop(b.index(0), keys, [&](Value j) {
                    Value s = vector::LoadOp::create(b, vecType, scoresT,
                                                     ValueRange{j, i0});
                    Value rel = b.sub(b.add(kt, j), posBase);
                    Value keep;
                    if (causal)
                      keep = arith::CmpIOp::create(b, arith::CmpIPredicate::sge,
                                                   iota, laneBound(rel));
                    if (window) {
                      Value inWindow = arith::CmpIOp::create(
                          b, arith::CmpIPredicate::slt, iota,
                          laneBound(b.add(rel, b.index(*window))));
                      keep = keep ? arith::AndIOp::create(b, keep, inWindow)
                                        .getResult()
                                  : inWindow;
                    }
                    vector::StoreOp::create(b, b.select(keep, s, minusInfVec),
                                            scoresT, ValueRange{j, i0});
                  });
                });
              // Blocks without masks take the score kernel's max; masked
              // ones a pass over the masked scores.
              auto maxPass = [&]() -> Value {
                return b.forLoop(
                    b.index(0), keys, ValueRange{oldMax},
                    [&](Value j, ValueRange m) -> SmallVector<Value> {
                      Value s = vector::LoadOp::create(b, vecType, scoresT,
                                                       ValueRange{j, i0});
                      return {maxOf(m[0], s)};
                    })[0];
              };
              auto keptMax = [&]() -> Value {
                Value m = vector::LoadOp::create(b, vecType, blockMax,
                                                 ValueRange{i0});
                return maxOf(oldMax, m);
              };
              Value newMax;
              if (causal || window) {
                auto ifMasked = scf::IfOp::create(
                    b, needsMask,
                    [&](OpBuilder &, Location loc) {
                      Value m = maxPass();
                      scf::YieldOp::create(b, loc, m);
                    },
                    [&](OpBuilder &, Location loc) {
                      Value m = keptMax();
                      scf::YieldOp::create(b, loc, m);
                    });
                newMax = ifMasked.getResult(0);
              } else {
                newMax = keptMax();
              }
              Value anyValid = arith::CmpFOp::create(
                  b, arith::CmpFPredicate::OGT, newMax, minusInfVec);
              Value safeMax = b.select(anyValid, newMax, zeroVec);
              Value correction = exp2Vector(b, b.subf(oldMax, safeMax));
              Value blockSum = b.forLoop(
                  b.index(0), keys, ValueRange{zeroVec},
                  [&](Value j, ValueRange sum) -> SmallVector<Value> {
                    Value s = vector::LoadOp::create(b, vecType, scoresT,
                                                     ValueRange{j, i0});
                    Value p = exp2Vector(b, b.subf(s, safeMax));
                    vector::StoreOp::create(b, p, scoresT, ValueRange{j, i0});
                    return {b.addf(sum[0], p)};
                  })[0];
              Value oldSum =
                  vector::LoadOp::create(b, vecType, rowSum, ValueRange{i0});
              vector::StoreOp::create(
                  b, b.addf(b.mulf(oldSum, correction), blockSum), rowSum,
                  ValueRange{i0});
              vector::StoreOp::create(b, newMax, rowMax, ValueRange{i0});
              vector::StoreOp::create(b, correction, rowScale, ValueRange{i0});
            });
            // 3. acc = acc * correction + P.V over all the tile's rows.
            //    Causal: a block of rows reads the keys up to its last
            //    row's position (the scores past it are 0).
            auto diagonalKeys = [&](ArrayRef<Value> scratchRows) -> Value {
              Value last;
              for (Value t : scratchRows) {
                Value row = arith::RemUIOp::create(b, t, b.index(tq));
                Value pos = b.add(firstPos, row);
                last = last ? b.max(last, pos) : pos;
              }
              Value next = b.add(last, b.index(1));
              Value seen = b.sub(next, kt);
              Value visible = b.max(b.index(0), seen);
              return b.min(keys, visible);
            };
            llvm::function_ref<Value(ArrayRef<Value>)> keyLimit;
            if (causal)
              keyLimit = diagonalKeys;
            accumulateValues(
                b, acc, rowScale, b.index(tileRows), keys, buf.valueDim, width,
                options.attentionLaneValueRows,
                std::min(options.attentionLaneValueVectors, valueVectors),
                [&](Value t) { return t; },
                [&](Value i, Value j) {
                  return memref::LoadOp::create(b, scoresT, ValueRange{j, i});
                },
                [&](Value j) { return Row{buf.value, keyIndices(j)}; },
                /*bf16Pairs=*/false, keyLimit);
            scf::YieldOp::create(b);
          });
    };

    // Write the tile: final rows, or partials for the merge. `maxScale`
    // brings the row max back to the natural-log domain.
    auto writeTile = [&](float maxScale, bool pairs) {
      // Column d of an accumulator row (kept in bf16 pair order or not).
      auto accAt = [&](Value i, Value d) -> Value {
        Value at = pairs ? bf16PairColumn(b, d, width) : d;
        return memref::LoadOp::create(b, acc, ValueRange{i, at});
      };
      b.forLoop(b.index(0), b.index(groupTiles), [&](Value g) {
        Value hi = headOf(g);
        b.forLoop(b.index(0), rows, [&](Value row) {
          Value qi = b.add(q0, row);
          Value i = b.add(b.mul(g, b.index(tq)), row);
          Value m = memref::LoadOp::create(b, rowMax, ValueRange{i});
          if (maxScale != 1.0f)
            m = b.mulf(m, b.f32(maxScale));
          Value l = memref::LoadOp::create(b, rowSum, ValueRange{i});
          scf::IfOp::create(
              b, isSplit,
              [&](OpBuilder &, Location loc) {
                memref::StoreOp::create(b, m, buf.partialMax,
                                        ValueRange{bi, hi, qi, split});
                memref::StoreOp::create(b, l, buf.partialSum,
                                        ValueRange{bi, hi, qi, split});
                b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
                  Value a = accAt(i, d);
                  memref::StoreOp::create(b, a, buf.partialAcc,
                                          ValueRange{bi, hi, qi, split, d});
                });
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &, Location loc) {
                Value valid = arith::CmpFOp::create(
                    b, arith::CmpFPredicate::OGT, l, zero);
                Value inv = b.select(valid, b.divf(b.f32(1.0f), l), zero);
                b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
                  Value a = accAt(i, d);
                  b.storeF32(b.mulf(a, inv), buf.output, {bi, hi, qi, d});
                });
                if (buf.lse) {
                  Value lse = b.select(
                      valid, b.addf(m, math::LogOp::create(b, l)), minusInf);
                  memref::StoreOp::create(b, lse, buf.lse,
                                          ValueRange{bi, hi, qi});
                }
                scf::YieldOp::create(b, loc);
              });
        });
      });
    };

    if (!lanesPossible || (staticQuerySeq && staticQueries < width)) {
      generalBlocks();
      writeTile(1.0f, valuePairs);
    } else if (staticQuerySeq && staticQueries % tq == 0) {
      laneBlocks();
      writeTile(ln2, false);
    } else {
      // A tile with fewer than `width` rows (decode, the last query
      // block) takes the general path.
      scf::IfOp::create(
          b, b.cmp(arith::CmpIPredicate::sge, rows, b.index(width)),
          [&](OpBuilder &, Location loc) {
            laneBlocks();
            writeTile(ln2, false);
            scf::YieldOp::create(b, loc);
          },
          [&](OpBuilder &, Location loc) {
            generalBlocks();
            writeTile(1.0f, valuePairs);
            scf::YieldOp::create(b, loc);
          });
    }
  });
  // Merge KV splits by log-sum-exp.
  b.ifThen(isSplit, [&] {
    b.parallel({runBatch, heads, querySeq}, [&](ValueRange ivs) {
      Value bi = ivs[0], hi = ivs[1], qi = ivs[2];
      Value minusInf = b.f32(negInf), zero = b.f32(0.0f);
      Value globalMax =
          b.forLoop(b.index(0), splits, ValueRange{minusInf},
                    [&](Value s, ValueRange m) -> SmallVector<Value> {
                      Value v = memref::LoadOp::create(
                          b, buf.partialMax, ValueRange{bi, hi, qi, s});
                      return {b.maxf(m[0], v)};
                    })[0];
      Value valid = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                          globalMax, minusInf);
      // Rescale factor of each split, accumulated sum.
      Value safeMax = b.select(valid, globalMax, zero);
      Value total = b.forLoop(
          b.index(0), splits, ValueRange{zero},
          [&](Value s, ValueRange sum) -> SmallVector<Value> {
            Value m = memref::LoadOp::create(b, buf.partialMax,
                                             ValueRange{bi, hi, qi, s});
            Value l = memref::LoadOp::create(b, buf.partialSum,
                                             ValueRange{bi, hi, qi, s});
            return {b.addf(sum[0], b.mulf(l, b.exp(b.subf(m, safeMax))))};
          })[0];
      Value nonZero =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, total, zero);
      Value inv = b.select(nonZero, b.divf(b.f32(1.0f), total), zero);
      b.forLoop(b.index(0), b.index(buf.valueDim), [&](Value d) {
        Value sum = b.forLoop(
            b.index(0), splits, ValueRange{zero},
            [&](Value s, ValueRange acc) -> SmallVector<Value> {
              Value m = memref::LoadOp::create(b, buf.partialMax,
                                               ValueRange{bi, hi, qi, s});
              Value a = memref::LoadOp::create(b, buf.partialAcc,
                                               ValueRange{bi, hi, qi, s, d});
              return {b.addf(acc[0], b.mulf(a, b.exp(b.subf(m, safeMax))))};
            })[0];
        b.storeF32(b.mulf(sum, inv), buf.output, {bi, hi, qi, d});
      });
      if (buf.lse) {
        Value lse = b.select(
            nonZero, b.addf(safeMax, math::LogOp::create(b, total)), minusInf);
        memref::StoreOp::create(b, lse, buf.lse, ValueRange{bi, hi, qi});
      }
    });
  });

  if (toRows) {
    rewriter.replaceOp(toRows, b.toTensor(rows, rowsType));
    rewriter.eraseOp(op);
    return success();
  }
  SmallVector<Value> results{b.toTensor(buf.output, outType)};
  if (buf.lse)
    results.push_back(b.toTensor(buf.lse, op.getLse().getType()));
  rewriter.replaceOp(op, results);
  return success();
}

void seq::populateAttentionToLoopsPatterns(RewritePatternSet &patterns,
                                           const TilingOptions &options) {
  patterns.add<AttentionLowering>(patterns.getContext(), options);
}
