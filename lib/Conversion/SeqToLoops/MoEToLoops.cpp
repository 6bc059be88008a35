//===- MoEToLoops.cpp - mixture-of-experts ops as loop nests --------------===//
//
// This file lowers the MoE ops to the tiled IR:
//
// * seq.moe_route: one tile per token; K passes of an argmax over the E
//   selection scores (descending, lowest index on ties), optionally
//   restricted to the best groups.
// * seq.moe_dispatch: a sequential, stable counting sort of the T * K slots
//   by expert with optional capacity (O(T * K + E) work).
// * seq.grouped_matmul: tiles of (row, column block); each row multiplies
//   only the weight of the group that owns it, rows owned by no group are
//   zero.
// * seq.moe_experts: the groups (`expert_offsets`) are walked once to map
//   every kept slot to its expert, to order the slots by expert and to cut
//   each expert's run into row blocks (TilingOptions::moeRowTile slots);
//   then three phases of independent tiles, each writing its own
//   rows/columns: (row block, hidden block) -> hbuf[T*K, F] =
//   act(gate_e x) * up_e x, (row block, model block) -> ybuf[T*K, Dm] =
//   w * down_e hbuf, and (token, model block) -> out = sum_k ybuf[t*K + k],
//   all in f32. Row blocks of at least moePanelMinRows slots (prefill)
//   keep their slots in vector lanes: the tokens are gathered transposed
//   once per block and a tile is broadcast-FMAs of weight elements
//   (transposedScores, AttentionKernels.h) with SiLU(gate) * up on
//   vectors, no horizontal sums. Smaller blocks (decode) use register
//   blocks of slots x features (moeBlockRows x moeBlockFeatures) of dot
//   products. Either way a weight row is read once per row block (once per
//   call for decode). Even one token (decode) spreads over F/64 + Dm/64
//   tiles per slot. The work is T * K expert FFNs, never T * E. bf16
//   weights: the dot-product blocks widen each 64-byte line into its even
//   and odd elements against activations in that (pair-split) order and
//   prefetch the rows ahead; the panel blocks widen a register block's
//   rows into an f32 stack copy a chunk at a time.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"
#include "LoopBuilder.h"
#include "Patterns.h"
#include "VectorKernels.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Conversion/ActivationMath.h"
#include "seqc/Transforms/CheckReport.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::seq;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Extent `dim` of a buffer: a constant where the type knows it, so that
/// temporaries sized by it get a static shape.
static Value extent(LoopBuilder &b, Value shaped, int64_t dim) {
  auto type = cast<ShapedType>(shaped.getType());
  if (!type.isDynamicDim(dim))
    return b.index(type.getDimSize(dim));
  return b.dim(shaped, dim);
}

/// A heap temporary of `elementType` with extents `sizes` (static where the
/// value is a constant). The deallocation pipeline frees it.
static Value heap(LoopBuilder &b, ArrayRef<Value> sizes, Type elementType) {
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (Value size : sizes) {
    if (std::optional<int64_t> c = getConstantIntValue(size)) {
      shape.push_back(*c);
    } else {
      shape.push_back(ShapedType::kDynamic);
      dynamic.push_back(size);
    }
  }
  return memref::AllocOp::create(b, MemRefType::get(shape, elementType),
                                 dynamic, b.getI64IntegerAttr(64));
}

/// Allocates the result `type`, taking each dynamic extent `i` from
/// `extents[i]`.
static Value allocResult(LoopBuilder &b, RankedTensorType type,
                         ArrayRef<Value> extents) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(extents[i]);
  return b.allocResult(type, dynamic);
}

static Value andI(LoopBuilder &b, Value x, Value y) {
  return arith::AndIOp::create(b, x, y);
}

static Value cmpf(LoopBuilder &b, arith::CmpFPredicate predicate, Value x,
                  Value y) {
  return arith::CmpFOp::create(b, predicate, x, y);
}

static Value toI32(LoopBuilder &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI32Type(), index);
}

/// 1 / (1 + exp(-x)).
static Value sigmoid(LoopBuilder &b, Value x) {
  Value one = b.f32(1.0f);
  return b.divf(one, b.addf(one, b.exp(arith::NegFOp::create(b, x))));
}


/// `lo <= v < hi` on indices.
static Value inRange(LoopBuilder &b, Value v, Value lo, Value hi) {
  Value belowHi = b.cmp(arith::CmpIPredicate::slt, v, hi);
  Value atLeastLo = b.cmp(arith::CmpIPredicate::sge, v, lo);
  return andI(b, atLeastLo, belowHi);
}

/// Whether `offsets[0 .. groups]` are group bounds into `limit` items:
/// `0 <= offsets[0] <= offsets[1] <= ... <= offsets[groups] <= limit` (one
/// pass over the E + 1 offsets, before the tiles).
static Value offsetsValid(LoopBuilder &b, Value offsets, Value groups,
                          Value limit) {
  Value zero = b.index(0), one = b.index(1);
  Value first = b.loadIndex(offsets, {zero});
  Value init = b.cmp(arith::CmpIPredicate::sge, first, zero);
  auto [valid, last] = [&] {
    SmallVector<Value> r = b.forLoop(
        zero, groups, ValueRange{init, first},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          Value next = b.loadIndex(offsets, {b.add(e, one)});
          return {
              andI(b, acc[0], b.cmp(arith::CmpIPredicate::sle, acc[1], next)),
              next};
        });
    return std::make_pair(r[0], r[1]);
  }();
  return andI(b, valid, b.cmp(arith::CmpIPredicate::sle, last, limit));
}

/// Reports the first entry of `offsets[0 .. groups]` (named `name`) that
/// breaks `0 <= offsets[0] <= ... <= offsets[groups] <= limit` as
/// kIndexOutOfRange through `anchor`, unless `ok` (offsetsValid) holds: a
/// second pass over the offsets, only after the first found them invalid.
static void raiseUnlessOffsetsValid(LoopBuilder &b, Operation *anchor, Value ok,
                                    Value offsets, Value groups, Value limit,
                                    StringRef name, StringRef limitName) {
  if (!LoopBuilder::runtimeChecksEnabled(anchor))
    return;
  b.ifThen(
      arith::XOrIOp::create(b, ok,
                            arith::ConstantOp::create(b, b.getBoolAttr(true))),
      [&] {
        Value zero = b.index(0), one = b.index(1);
        std::string entry = escapeFormat(name) + "[%ld]=%ld";
        b.forLoop(zero, b.add(groups, one), [&](Value e) {
          Value value = b.loadIndex(offsets, {e});
          Value before = b.max(b.sub(e, one), zero);
          Value previous = b.loadIndex(offsets, {before});
          b.raiseUnless(anchor, b.cmp(arith::CmpIPredicate::sge, value, zero),
                        kIndexOutOfRange, entry + " is negative", {e, value});
          b.raiseUnless(anchor,
                        b.cmp(arith::CmpIPredicate::sge, value, previous),
                        kIndexOutOfRange, entry + " < " + entry,
                        {e, value, before, previous});
          b.raiseUnless(anchor, b.cmp(arith::CmpIPredicate::sle, value, limit),
                        kIndexOutOfRange,
                        entry + " > %ld " + escapeFormat(limitName),
                        {e, value, limit});
        });
      });
}

/// The first unblocked position of the best score in `scores[row, lo:hi]`
/// (`blocked` holds i8 flags of the same shape), or -1 if all are blocked.
/// "Best" is the largest score, the lowest position among equal ones.
static std::pair<Value, Value> argmaxUnblocked(LoopBuilder &b, Value scores,
                                               Value blocked, Value row,
                                               Value lo, Value hi) {
  Value none = b.index(-1);
  Value zero8 = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
  SmallVector<Value> best = b.forLoop(
      lo, hi, ValueRange{b.f32(0.0f), none},
      [&](Value i, ValueRange acc) -> SmallVector<Value> {
        Value v = memref::LoadOp::create(b, scores, ValueRange{row, i});
        Value open = arith::CmpIOp::create(
            b, arith::CmpIPredicate::eq,
            memref::LoadOp::create(b, blocked, ValueRange{row, i}), zero8);
        Value first = b.cmp(arith::CmpIPredicate::eq, acc[1], none);
        Value greater = cmpf(b, arith::CmpFPredicate::OGT, v, acc[0]);
        Value take = andI(b, open, arith::OrIOp::create(b, first, greater));
        return {b.select(take, v, acc[0]), b.select(take, i, acc[1])};
      });
  return {best[0], best[1]};
}

/// The position of element `k` of a row of `length` elements in its
/// pair-split copy: each whole block of 2 x width elements holds its even
/// elements first, then its odd ones (the order in which splitBF16Pairs
/// widens a line of bf16 weights); elements past the last whole block stay
/// in place.
static Value pairSplitPosition(LoopBuilder &b, Value k, Value length,
                               int64_t width) {
  Value span = b.index(2 * width);
  Value whole = b.mul(arith::DivUIOp::create(b, length, span), span);
  Value inBlock = arith::RemUIOp::create(b, k, span);
  Value blockStart = b.sub(k, inBlock);
  Value half = arith::DivUIOp::create(b, inBlock, b.index(2));
  Value odd = arith::RemUIOp::create(b, inBlock, b.index(2));
  Value oddOffset = b.mul(odd, b.index(width));
  Value split = b.add(blockStart, b.add(oddOffset, half));
  Value inWhole = b.cmp(arith::CmpIPredicate::ult, k, whole);
  return b.select(inWhole, split, k);
}

/// dotProducts for bf16 right-hand rows and f32 left-hand rows in
/// pair-split order (pairSplitPosition): per step one 64-byte line of each
/// right-hand row (2 x width bf16) is widened by a shift and a mask into
/// its even and odd elements (splitBF16Pairs), which meet the left-hand
/// rows' even and odd vectors of the block. The same sums as dotProducts
/// in another order of addition; the elements past the last whole block
/// run scalar in natural order. Each step also prefetches the same line of
/// the `prefetch` rows (into L1).
static SmallVector<Value> pairSplitDots(LoopBuilder &b, ArrayRef<Row> lhs,
                                        ArrayRef<Row> rhs, Value length,
                                        int64_t width, ArrayRef<Row> prefetch) {
  const size_t count = lhs.size() * rhs.size();
  auto type = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  Value span = b.index(2 * width);
  Value whole = b.mul(arith::DivUIOp::create(b, length, span), span);
  Value lo = b.index(0);
  auto loop = scf::ForOp::create(
      b, lo, whole, span, SmallVector<Value>(count, zero),
      [&](OpBuilder &, Location loc, Value k, ValueRange acc) {
        for (const Row &row : prefetch) {
          SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
          indices.push_back(k);
          memref::PrefetchOp::create(b, row.buffer, indices,
                                     /*isWrite=*/false, /*localityHint=*/3,
                                     /*isDataCache=*/true);
        }
        SmallVector<std::pair<Value, Value>> lhsVectors;
        Value oddAt = b.add(k, b.index(width));
        for (const Row &row : lhs) {
          Value even = loadRowVector(b, row, k, width);
          Value odd = loadRowVector(b, row, oddAt, width);
          lhsVectors.push_back({even, odd});
        }
        SmallVector<Value> next(count);
        for (auto [j, row] : llvm::enumerate(rhs)) {
          SmallVector<Value> halves = splitBF16Pairs(b, row, k, width);
          for (auto [i, x] : llvm::enumerate(lhsVectors)) {
            size_t at = i * rhs.size() + j;
            Value sum = vector::FMAOp::create(b, x.first, halves[0], acc[at]);
            next[at] = vector::FMAOp::create(b, x.second, halves[1], sum);
          }
        }
        scf::YieldOp::create(b, loc, next);
      });
  SmallVector<Value> sums;
  for (size_t at = 0; at < count; ++at) {
    Value sum = vector::ReductionOp::create(
        b, vector::CombiningKind::ADD, loop.getResult(at), Value(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    sums.push_back(sum);
  }
  return scalarDotTail(b, lhs, rhs, whole, length, sums);
}

/// Whether `buffer` (a weight tensor) holds bf16.
static bool isBF16Buffer(Value buffer) {
  return buffer && cast<MemRefType>(buffer.getType()).getElementType().isBF16();
}

/// The dot products of rows [r0, r1) (slots of one expert) with the
/// columns [c0, c1) of that expert (rhsRows(c): one weight row, or gate and
/// up) over [0, length), as register blocks of `cols` columns x `rows`
/// rows: the column groups run outermost, so their weight rows stay in L1
/// while every row group of the block passes over them. out(r, c, dots).
/// With `pairSplit` (bf16 weight rows, left-hand rows in pair-split
/// order) the blocks run pairSplitDots, and while columns [c, c + cols)
/// are read the rows of column min(c + j + ahead, last) are prefetched
/// (ahead > 0; decode streams its weights once).
static void
expertBlockDots(LoopBuilder &b, Value r0, Value r1, Value c0, Value c1,
                Value length, int64_t width,
                llvm::function_ref<Row(Value r)> lhsRow, ColumnRows rhsRows,
                llvm::function_ref<void(Value r, Value c, ArrayRef<Value>)> out,
                int64_t rows, int64_t cols, bool pairSplit = false,
                int64_t ahead = 0, Value last = Value()) {
  SmallVector<int64_t> colSizes{cols}, rowSizes{rows};
  if (cols > 1)
    colSizes.push_back(1);
  if (rows > 1)
    rowSizes.push_back(1);
  forGroupSizes(b, c0, c1, colSizes, [&](Value c, int64_t colCount) {
    SmallVector<Row> rhs, prefetch;
    size_t perCol = 0;
    for (int64_t j = 0; j < colCount; ++j) {
      Value col = b.add(c, b.index(j));
      SmallVector<Row> colRows = rhsRows(col);
      perCol = colRows.size();
      rhs.append(colRows.begin(), colRows.end());
      if (pairSplit && ahead > 0) {
        Value later = b.min(b.add(col, b.index(ahead)), last);
        SmallVector<Row> laterRows = rhsRows(later);
        prefetch.append(laterRows.begin(), laterRows.end());
      }
    }
    forGroupSizes(b, r0, r1, rowSizes, [&](Value r, int64_t rowCount) {
      SmallVector<Row> lhs;
      for (int64_t i = 0; i < rowCount; ++i)
        lhs.push_back(lhsRow(b.add(r, b.index(i))));
      SmallVector<Value> dots =
          pairSplit ? pairSplitDots(b, lhs, rhs, length, width, prefetch)
                    : dotProducts(b, lhs, rhs, length, width);
      for (int64_t i = 0; i < rowCount; ++i)
        for (int64_t j = 0; j < colCount; ++j) {
          Value col = b.add(c, b.index(j));
          Value row = b.add(r, b.index(i));
          out(row, col,
              ArrayRef<Value>(dots).slice(i * rhs.size() + j * perCol, perCol));
        }
    });
  });
}

/// The panel kernel of the expert FFN phases: for every source s (a
/// weight tensor: gate and up, or down), every feature j in [0, features)
/// and every slot lane i of the `rowVectors * width` lanes of xT
/// ([depth][lanes] f32), outs[s][j][i] = sum_d xT[d][i] * rowOf(s, j)[d].
/// Weight elements that are not f32 (bf16) are widened as they are
/// broadcast. A register block is up to `broadcasts` weight rows (features
/// x sources: gate and up of a feature share the block) x 2 slot vectors:
/// per step d, 2 xT loads and one broadcast per row feed 2 x broadcasts
/// FMAs, and the sources' sums come out of one pass over xT.
static void panelScores(LoopBuilder &b, Value xT, int64_t rowVectors,
                        Value features, Value depth, int64_t width,
                        int64_t broadcasts, int64_t sources,
                        llvm::function_ref<Row(int64_t source, Value j)> rowOf,
                        ArrayRef<Value> outs, int64_t convertDepth = 0) {
  auto type = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  SmallVector<int64_t> sizes;
  for (int64_t n = std::max<int64_t>(1, broadcasts / sources); n > 1;
       n = n > 4 ? n / 2 : n - 1)
    sizes.push_back(n);
  sizes.push_back(1);
  // Weight rows that are not f32 (bf16): with convertDepth, the register
  // block's rows are widened convertDepth elements at a time into an f32
  // stack copy (vector loads and extensions, about 1/8 of an instruction
  // per element), and the broadcasts read the copy (a broadcast from
  // memory, no shift and no GPR-to-vector move per element).
  Value zeroIndex = b.index(0);
  const bool narrow = convertDepth > 0 &&
                      !cast<MemRefType>(rowOf(0, zeroIndex).buffer.getType())
                           .getElementType()
                           .isF32();
  Value copy;
  if (narrow)
    copy = b.scratch({broadcasts / sources * sources, convertDepth},
                     b.getF32Type());
  forGroupSizes(b, b.index(0), features, sizes, [&](Value j, int64_t count) {
    SmallVector<Value> featureIndex;
    SmallVector<Row> rows; // [feature][source]
    for (int64_t k = 0; k < count; ++k) {
      featureIndex.push_back(b.add(j, b.index(k)));
      for (int64_t src = 0; src < sources; ++src)
        rows.push_back(rowOf(src, featureIndex.back()));
    }
    Value first = b.index(0);
    Value vectors = b.index(rowVectors);
    forGroupSizes(b, first, vectors, {2, 1}, [&](Value rv, int64_t rc) {
      SmallVector<Value> columns;
      for (int64_t r = 0; r < rc; ++r) {
        Value vector = b.add(rv, b.index(r));
        Value lanes = b.index(width);
        columns.push_back(b.mul(vector, lanes));
      }
      Value lo = b.index(0);
      Value step = b.index(1);
      if (narrow) {
        Value chunk = b.index(convertDepth);
        auto outer = scf::ForOp::create(
            b, lo, depth, chunk, SmallVector<Value>(rows.size() * rc, zero),
            [&](OpBuilder &, Location loc, Value d0, ValueRange acc0) {
              Value n = b.min(chunk, b.sub(depth, d0));
              Value w = b.index(width);
              Value whole = b.mul(arith::DivUIOp::create(b, n, w), w);
              for (auto [r, row] : llvm::enumerate(rows)) {
                Value slot = b.index(r);
                scf::ForOp::create(
                    b, lo, whole, w, ValueRange{},
                    [&](OpBuilder &, Location loc, Value v, ValueRange) {
                      Value at = b.add(d0, v);
                      Value x = loadRowVector(b, row, at, width);
                      vector::StoreOp::create(b, x, copy, ValueRange{slot, v});
                      scf::YieldOp::create(b, loc);
                    });
                b.forLoop(whole, n, [&](Value v) {
                  SmallVector<Value> indices(row.prefix.begin(),
                                             row.prefix.end());
                  indices.push_back(b.add(d0, v));
                  Value x = b.loadF32(row.buffer, indices);
                  memref::StoreOp::create(b, x, copy, ValueRange{slot, v});
                });
              }
              auto inner = scf::ForOp::create(
                  b, lo, n, step, acc0,
                  [&](OpBuilder &, Location loc, Value d, ValueRange acc) {
                    Value at = b.add(d0, d);
                    SmallVector<Value> x;
                    for (Value c : columns) {
                      Value v = vector::LoadOp::create(b, type, xT,
                                                       ValueRange{at, c});
                      x.push_back(v);
                    }
                    SmallVector<Value> next;
                    for (size_t r = 0; r < rows.size(); ++r) {
                      Value slot = b.index(r);
                      Value element =
                          memref::LoadOp::create(b, copy, ValueRange{slot, d});
                      Value wv = vector::BroadcastOp::create(b, type, element);
                      for (Value xv : x) {
                        Value sum =
                            vector::FMAOp::create(b, wv, xv, acc[next.size()]);
                        next.push_back(sum);
                      }
                    }
                    scf::YieldOp::create(b, loc, next);
                  });
              scf::YieldOp::create(b, loc, inner.getResults());
            });
        for (int64_t k = 0; k < count; ++k)
          for (int64_t src = 0; src < sources; ++src)
            for (int64_t r = 0; r < rc; ++r) {
              Value sum = outer.getResult((k * sources + src) * rc + r);
              vector::StoreOp::create(b, sum, outs[src],
                                      ValueRange{featureIndex[k], columns[r]});
            }
        return;
      }
      auto loop = scf::ForOp::create(
          b, lo, depth, step, SmallVector<Value>(rows.size() * rc, zero),
          [&](OpBuilder &, Location loc, Value d, ValueRange acc) {
            SmallVector<Value> x;
            for (Value c : columns) {
              Value v = vector::LoadOp::create(b, type, xT, ValueRange{d, c});
              x.push_back(v);
            }
            SmallVector<Value> next;
            for (const Row &row : rows) {
              SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
              indices.push_back(d);
              Value element = b.loadF32(row.buffer, indices);
              Value w = vector::BroadcastOp::create(b, type, element);
              for (Value xv : x) {
                Value sum = vector::FMAOp::create(b, w, xv, acc[next.size()]);
                next.push_back(sum);
              }
            }
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t k = 0; k < count; ++k)
        for (int64_t src = 0; src < sources; ++src)
          for (int64_t r = 0; r < rc; ++r) {
            Value sum = loop.getResult((k * sources + src) * rc + r);
            vector::StoreOp::create(b, sum, outs[src],
                                    ValueRange{featureIndex[k], columns[r]});
          }
    });
  });
}

namespace {

//===----------------------------------------------------------------------===//
// seq.moe_route
//===----------------------------------------------------------------------===//

struct MoeRouteLowering : OpRewritePattern<MoeRouteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoeRouteOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value logits = b.buffer(op.getLogits());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RouterScoring scoring = op.getScoring();
    const int64_t topK = op.getTopK();
    Value tokens = extent(b, logits, 0), experts = extent(b, logits, 1);
    Value kExtent = b.index(topK);

    RankedTensorType weightsType = op.getWeights().getType();
    RankedTensorType expertsType = op.getExperts().getType();
    Value weights = allocResult(b, weightsType, {tokens, kExtent});
    Value chosen = allocResult(b, expertsType, {tokens, kExtent});

    // Per token: the selection score of every expert and whether it can no
    // longer be chosen (taken, or outside the selected groups).
    Type f32 = b.getF32Type(), i8 = b.getI8Type();
    Value select = heap(b, {tokens, experts}, f32);
    Value blocked = heap(b, {tokens, experts}, i8);
    std::optional<uint64_t> numGroups = op.getNumGroups();
    Value groupScore, groupTaken;
    if (numGroups) {
      Value groups = b.index(*numGroups);
      groupScore = heap(b, {tokens, groups}, f32);
      groupTaken = heap(b, {tokens, groups}, i8);
    }
    std::optional<float> scaling;
    if (auto s = op.getRoutedScaling())
      scaling = s->convertToFloat();
    const bool normalize =
        op.getNormalize() && scoring != RouterScoring::TopKSoftmax;
    const float negInf = -std::numeric_limits<float>::infinity();

    b.parallel({tokens}, [&](ValueRange ivs) {
      Value t = ivs[0];
      Value zero = b.index(0);
      Value zero8 = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
      Value one8 = arith::ConstantOp::create(b, b.getI8IntegerAttr(1));

      // 1. Selection scores.
      Value rowMax, rowSum;
      if (scoring == RouterScoring::Softmax) {
        rowMax = b.forLoop(zero, experts, ValueRange{b.f32(negInf)},
                           [&](Value e, ValueRange m) -> SmallVector<Value> {
                             return {b.maxf(m[0], b.loadF32(logits, {t, e}))};
                           })[0];
        rowSum =
            b.forLoop(zero, experts, ValueRange{b.f32(0.0f)},
                      [&](Value e, ValueRange s) -> SmallVector<Value> {
                        Value p =
                            b.exp(b.subf(b.loadF32(logits, {t, e}), rowMax));
                        memref::StoreOp::create(b, p, select, ValueRange{t, e});
                        return {b.addf(s[0], p)};
                      })[0];
      }
      b.forLoop(zero, experts, [&](Value e) {
        Value s;
        if (scoring == RouterScoring::Softmax) {
          s = b.divf(memref::LoadOp::create(b, select, ValueRange{t, e}),
                     rowSum);
        } else if (scoring == RouterScoring::Sigmoid) {
          s = sigmoid(b, b.loadF32(logits, {t, e}));
          if (bias)
            s = b.addf(s, b.loadF32(bias, {e}));
        } else {
          s = b.loadF32(logits, {t, e});
        }
        memref::StoreOp::create(b, s, select, ValueRange{t, e});
        memref::StoreOp::create(b, zero8, blocked, ValueRange{t, e});
      });

      // 2. Grouped top-k: only experts of the `topk_groups` best groups
      //    stay eligible.
      if (numGroups) {
        Value groups = b.index(*numGroups);
        Value perGroup = arith::DivUIOp::create(b, experts, groups);
        Value groupSize = b.max(b.index(1), perGroup);
        const bool topTwo = scoring == RouterScoring::Sigmoid;
        b.forLoop(zero, groups, [&](Value g) {
          Value first = b.mul(g, groupSize);
          // The best and second best score of the group.
          SmallVector<Value> best = b.forLoop(
              zero, groupSize, ValueRange{b.f32(negInf), b.f32(negInf)},
              [&](Value i, ValueRange m) -> SmallVector<Value> {
                Value v = memref::LoadOp::create(
                    b, select, ValueRange{t, b.add(first, i)});
                Value above1 = cmpf(b, arith::CmpFPredicate::OGT, v, m[0]);
                Value above2 = cmpf(b, arith::CmpFPredicate::OGT, v, m[1]);
                Value second =
                    b.select(above1, m[0], b.select(above2, v, m[1]));
                return {b.select(above1, v, m[0]), second};
              });
          Value score = best[0];
          if (topTwo) {
            Value bestTwo = b.addf(best[0], best[1]);
            Value hasTwo =
                b.cmp(arith::CmpIPredicate::sge, groupSize, b.index(2));
            score = b.select(hasTwo, bestTwo, best[0]);
          }
          memref::StoreOp::create(b, score, groupScore, ValueRange{t, g});
          memref::StoreOp::create(b, zero8, groupTaken, ValueRange{t, g});
        });
        b.forLoop(zero, b.index(*op.getTopkGroups()), [&](Value) {
          Value g = argmaxUnblocked(b, groupScore, groupTaken, t, zero, groups)
                        .second;
          b.ifThen(b.cmp(arith::CmpIPredicate::sge, g, zero), [&] {
            memref::StoreOp::create(b, one8, groupTaken, ValueRange{t, g});
          });
        });
        // groupTaken marks the selected groups: block the others' experts.
        b.forLoop(zero, experts, [&](Value e) {
          Value g = arith::DivUIOp::create(b, e, groupSize);
          Value valid = b.cmp(arith::CmpIPredicate::ult, g, groups);
          Value gSafe = b.min(g, b.sub(groups, b.index(1)));
          Value selected = arith::CmpIOp::create(
              b, arith::CmpIPredicate::ne,
              memref::LoadOp::create(b, groupTaken, ValueRange{t, gSafe}),
              zero8);
          Value eligible = andI(b, valid, selected);
          memref::StoreOp::create(b, b.select(eligible, zero8, one8), blocked,
                                  ValueRange{t, e});
        });
      }

      // 3. K passes of argmax: experts in descending selection score,
      //    lowest index first on ties. The weight is the unbiased score
      //    (the raw logit for topk_softmax).
      b.forLoop(zero, kExtent, [&](Value k) {
        Value e = argmaxUnblocked(b, select, blocked, t, zero, experts).second;
        Value found = b.cmp(arith::CmpIPredicate::sge, e, zero);
        Value eSafe = b.select(found, e, zero);
        Value w;
        if (scoring == RouterScoring::Softmax)
          w = memref::LoadOp::create(b, select, ValueRange{t, eSafe});
        else if (scoring == RouterScoring::Sigmoid)
          w = sigmoid(b, b.loadF32(logits, {t, eSafe}));
        else
          w = b.loadF32(logits, {t, eSafe});
        Value missing =
            b.f32(scoring == RouterScoring::TopKSoftmax ? negInf : 0.0f);
        memref::StoreOp::create(b, b.select(found, w, missing), weights,
                                ValueRange{t, k});
        memref::StoreOp::create(b, toI32(b, e), chosen, ValueRange{t, k});
        b.ifThen(found, [&] {
          memref::StoreOp::create(b, one8, blocked, ValueRange{t, e});
        });
      });

      // 4. Softmax over the K chosen logits, or renormalisation; then the
      //    routed scaling.
      Value factor = scaling ? b.f32(*scaling) : Value();
      auto loadW = [&](Value k) {
        return memref::LoadOp::create(b, weights, ValueRange{t, k});
      };
      if (scoring == RouterScoring::TopKSoftmax) {
        Value m = b.forLoop(zero, kExtent, ValueRange{b.f32(negInf)},
                            [&](Value k, ValueRange a) -> SmallVector<Value> {
                              return {b.maxf(a[0], loadW(k))};
                            })[0];
        Value sum =
            b.forLoop(zero, kExtent, ValueRange{b.f32(0.0f)},
                      [&](Value k, ValueRange a) -> SmallVector<Value> {
                        return {b.addf(a[0], b.exp(b.subf(loadW(k), m)))};
                      })[0];
        b.forLoop(zero, kExtent, [&](Value k) {
          Value w = b.divf(b.exp(b.subf(loadW(k), m)), sum);
          if (factor)
            w = b.mulf(w, factor);
          memref::StoreOp::create(b, w, weights, ValueRange{t, k});
        });
      } else if (normalize || factor) {
        Value denominator;
        if (normalize) {
          Value sum =
              b.forLoop(zero, kExtent, ValueRange{b.f32(0.0f)},
                        [&](Value k, ValueRange a) -> SmallVector<Value> {
                          return {b.addf(a[0], loadW(k))};
                        })[0];
          // As Hugging Face DeepSeek-V3: guards 0 / 0, no effect otherwise.
          denominator = b.addf(sum, b.f32(1e-20f));
        }
        b.forLoop(zero, kExtent, [&](Value k) {
          Value w = loadW(k);
          if (denominator)
            w = b.divf(w, denominator);
          if (factor)
            w = b.mulf(w, factor);
          memref::StoreOp::create(b, w, weights, ValueRange{t, k});
        });
      }
    });
    rewriter.replaceOp(op, {b.toTensor(weights, weightsType),
                            b.toTensor(chosen, expertsType)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.moe_dispatch
//===----------------------------------------------------------------------===//

struct MoeDispatchLowering : OpRewritePattern<MoeDispatchOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoeDispatchOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value choice = b.buffer(op.getExperts());
    const int64_t numExperts = op.getNumExperts();
    Value tokens = extent(b, choice, 0), topK = extent(b, choice, 1);
    Value slots = b.mul(tokens, topK);
    Value experts = b.index(numExperts);
    RankedTensorType permType = op.getPermutation().getType();
    RankedTensorType offsetsType = op.getExpertOffsets().getType();
    Value perm = allocResult(b, permType, {slots});
    Value offsets = allocResult(b, offsetsType, {b.index(numExperts + 1)});
    Value zero = b.index(0), one = b.index(1);

    // C = ceil(f * T * K / E), evaluated in f64 in this order.
    Value capacity;
    if (auto factor = op.getCapacityFactor()) {
      Type f64 = b.getF64Type();
      auto toF64 = [&](Value index) -> Value {
        return arith::SIToFPOp::create(
            b, f64, arith::IndexCastOp::create(b, b.getI64Type(), index));
      };
      Value f = arith::ConstantOp::create(
          b, b.getF64FloatAttr(factor->convertToDouble()));
      Value c = arith::MulFOp::create(b, f, toF64(tokens));
      c = arith::MulFOp::create(b, c, toF64(topK));
      c = arith::DivFOp::create(b, c, toF64(experts));
      c = math::CeilOp::create(b, c);
      capacity = b.max(
          zero, b.indexCast(arith::FPToSIOp::create(b, b.getI64Type(), c)));
    }

    // count[e]: kept slots of expert e; later the next free position of
    // its group.
    Value count = heap(b, {experts}, b.getIndexType());
    b.forLoop(zero, experts, [&](Value e) {
      memref::StoreOp::create(b, zero, count, ValueRange{e});
    });
    // The expert of a slot, and whether it is a valid one (ids outside
    // [0, E) are dropped).
    auto expertOf = [&](Value t, Value k) -> std::pair<Value, Value> {
      Value e = b.loadIndex(choice, {t, k});
      Value valid = inRange(b, e, zero, experts);
      return {b.select(valid, e, zero), valid};
    };
    b.forLoop(zero, tokens, [&](Value t) {
      b.forLoop(zero, topK, [&](Value k) {
        auto [e, valid] = expertOf(t, k);
        Value n = memref::LoadOp::create(b, count, ValueRange{e});
        Value keep = valid;
        if (capacity)
          keep = andI(b, keep, b.cmp(arith::CmpIPredicate::slt, n, capacity));
        memref::StoreOp::create(b, b.select(keep, b.add(n, one), n), count,
                                ValueRange{e});
      });
    });
    // Exclusive prefix sum: offsets, and each group's first position.
    Value kept = b.forLoop(
        zero, experts, ValueRange{zero},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          Value n = memref::LoadOp::create(b, count, ValueRange{e});
          memref::StoreOp::create(b, toI32(b, acc[0]), offsets, ValueRange{e});
          memref::StoreOp::create(b, acc[0], count, ValueRange{e});
          return {b.add(acc[0], n)};
        })[0];
    memref::StoreOp::create(b, toI32(b, kept), offsets, ValueRange{experts});
    // Scatter the slots in slot order: the first C of each expert into its
    // group, the rest after offsets[E].
    b.forLoop(
        zero, tokens, ValueRange{kept},
        [&](Value t, ValueRange outer) -> SmallVector<Value> {
          return b.forLoop(
              zero, topK, outer,
              [&](Value k, ValueRange acc) -> SmallVector<Value> {
                auto [e, valid] = expertOf(t, k);
                Value next = memref::LoadOp::create(b, count, ValueRange{e});
                Value end = b.loadIndex(offsets, {b.add(e, one)});
                Value keep =
                    andI(b, valid, b.cmp(arith::CmpIPredicate::slt, next, end));
                Value pos = b.select(keep, next, acc[0]);
                memref::StoreOp::create(b, toI32(b, b.add(b.mul(t, topK), k)),
                                        perm, ValueRange{pos});
                memref::StoreOp::create(b,
                                        b.select(keep, b.add(next, one), next),
                                        count, ValueRange{e});
                return {b.select(keep, acc[0], b.add(acc[0], one))};
              });
        });
    rewriter.replaceOp(
        op, {b.toTensor(perm, permType), b.toTensor(offsets, offsetsType)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.grouped_matmul
//===----------------------------------------------------------------------===//

struct GroupedMatmulLowering : TiledPattern<GroupedMatmulOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(GroupedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value weight = b.buffer(op.getWeight());
    Value offsets = b.buffer(op.getOffsets());
    Value rows = extent(b, input, 0), depth = extent(b, input, 1);
    Value experts = extent(b, weight, 0), cols = extent(b, weight, 1);
    RankedTensorType outType = op.getOutput().getType();
    Value output = allocResult(b, outType, {rows, cols});
    const int64_t block = options.groupedMatmulFeatureTile;
    // Dynamic extents the verifier checks when static: the input's K is the
    // weight's and there are E + 1 offsets (else kShapeMismatch, no tile
    // runs). Offsets that are negative, decreasing or past the rows raise
    // kIndexOutOfRange (the tiles only ever read rows they own).
    SmallVector<LoopBuilder::Check> ok{
        b.sameExtent(input, 1, "input K", weight, 2, "weight K")};
    if (cast<ShapedType>(offsets.getType()).isDynamicDim(0) ||
        cast<ShapedType>(weight.getType()).isDynamicDim(0)) {
      Value count = b.dim(offsets, 0), want = b.add(experts, b.index(1));
      ok.push_back({b.cmp(arith::CmpIPredicate::eq, count, want),
                    "%ld offsets for %ld groups (want groups + 1)",
                    {count, experts}});
    }
    b.guarded(op, ok, kShapeMismatch, [&] {
      raiseUnlessOffsetsValid(b, op, offsetsValid(b, offsets, experts, rows),
                              offsets, experts, rows, "offsets", "rows");
      b.parallel({rows, b.divUp(cols, block)}, [&](ValueRange ivs) {
        Value row = ivs[0], n0 = b.mul(ivs[1], b.index(block));
        Value n1 = b.min(cols, b.add(n0, b.index(block)));
        Value zero = b.index(0), one = b.index(1);
        // The group that owns the row: offsets[e] <= row < offsets[e + 1].
        Value owner =
            b.forLoop(zero, experts, ValueRange{b.index(-1)},
                      [&](Value e, ValueRange acc) -> SmallVector<Value> {
                        Value lo = b.loadIndex(offsets, {e});
                        Value hi = b.loadIndex(offsets, {b.add(e, one)});
                        return {b.select(inRange(b, row, lo, hi), e, acc[0])};
                      })[0];
        Value owned = b.cmp(arith::CmpIPredicate::sge, owner, zero);
        scf::IfOp::create(
            b, owned,
            [&](OpBuilder &, Location loc) {
              blockedDots(
                  b, row, b.add(row, one), n0, n1, depth, options.vectorWidth,
                  [&](Value r) { return Row{input, {r}}; },
                  [&](Value c) {
                    return SmallVector<Row>{{weight, {owner, c}}};
                  },
                  [&](Value r, Value c, ArrayRef<Value> dot) {
                    b.storeF32(dot[0], output, {r, c});
                  },
                  /*blockRows=*/1, /*blockCols=*/8);
              scf::YieldOp::create(b, loc);
            },
            [&](OpBuilder &, Location loc) {
              // Past offsets[E] (or owned by no group): zero.
              b.forLoop(n0, n1, [&](Value col) {
                b.storeF32(b.f32(0.0f), output, {row, col});
              });
              scf::YieldOp::create(b, loc);
            });
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.moe_experts
//===----------------------------------------------------------------------===//

/// `a * b` on extents, a constant where both are.
static Value mulExtents(LoopBuilder &b, Value x, Value y) {
  std::optional<int64_t> cx = getConstantIntValue(x);
  std::optional<int64_t> cy = getConstantIntValue(y);
  if (cx && cy)
    return b.index(*cx * *cy);
  return b.mul(x, y);
}

struct MoeExpertsLowering : TiledPattern<MoeExpertsOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(MoeExpertsOp op,
                                PatternRewriter &rewriter) const override {
    // Features per tile of the expert FFN and combine phases.
    const int64_t block = options.moeFeatureTile;
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value weights = b.buffer(op.getWeights());
    Value perm = b.buffer(op.getPermutation());
    Value offsets = b.buffer(op.getExpertOffsets());
    Value gate = op.getGate() ? b.buffer(op.getGate()) : Value();
    Value up = b.buffer(op.getUp());
    Value down = b.buffer(op.getDown());
    FfnActivation activation = op.getActivation();
    Value tokens = extent(b, input, 0), model = extent(b, input, 1);
    Value topK = extent(b, weights, 1);
    Value experts = extent(b, up, 0), hidden = extent(b, up, 1);
    Value permSize = extent(b, perm, 0);
    Value slots = mulExtents(b, tokens, topK); // T * K
    RankedTensorType outType = op.getOutput().getType();
    Value output = allocResult(b, outType, {tokens, model});
    Value zero = b.index(0), one = b.index(1), none = b.index(-1);
    Value zeroF = b.f32(0.0f);
    Type f32 = b.getF32Type(), indexType = b.getIndexType();

    // Dynamic extents the verifier checks when static (else
    // kShapeMismatch and no tile runs): weights [T, K], permutation
    // [T * K], expert_offsets [E + 1], every expert weight [E, F, Dm] /
    // [E, Dm, F] and the shared experts' [Fs, Dm] / [Dm, Fs].
    SmallVector<LoopBuilder::Check> agree{
        b.extentIs(weights, 0, "weights extent 0", tokens, "tokens"),
        b.extentIs(perm, 0, "permutation length", slots, "tokens x top_k"),
        b.extentIs(offsets, 0, "expert_offsets length", b.add(experts, one),
                   "experts + 1"),
        b.extentIs(up, 2, "up extent 2", model, "model width"),
        b.extentIs(down, 0, "down extent 0", experts, "experts"),
        b.extentIs(down, 1, "down extent 1", model, "model width"),
        b.extentIs(down, 2, "down extent 2", hidden, "hidden width")};
    if (gate)
      llvm::append_range(
          agree,
          ArrayRef<LoopBuilder::Check>{
              b.extentIs(gate, 0, "gate extent 0", experts, "experts"),
              b.extentIs(gate, 1, "gate extent 1", hidden, "hidden width"),
              b.extentIs(gate, 2, "gate extent 2", model, "model width")});
    if (op.getSharedUp()) {
      Value sgate = op.getSharedGate() ? b.buffer(op.getSharedGate()) : Value();
      Value sup = b.buffer(op.getSharedUp());
      Value sdown = b.buffer(op.getSharedDown());
      Value width = extent(b, sup, 0);
      llvm::append_range(agree, ArrayRef<LoopBuilder::Check>{
                                    b.extentIs(sup, 1, "shared up extent 1",
                                               model, "model width"),
                                    b.extentIs(sdown, 0, "shared down extent 0",
                                               model, "model width"),
                                    b.extentIs(sdown, 1, "shared down extent 1",
                                               width, "shared hidden width")});
      if (sgate)
        llvm::append_range(agree,
                           ArrayRef<LoopBuilder::Check>{
                               b.extentIs(sgate, 0, "shared gate extent 0",
                                          width, "shared hidden width"),
                               b.extentIs(sgate, 1, "shared gate extent 1",
                                          model, "model width")});
    }
    b.guarded(op, agree, kShapeMismatch, [&] {
      // Offsets that are negative, decreasing or past the permutation, and
      // permutation entries of a group outside [0, T * K), raise
      // kIndexOutOfRange (the passes below only use in-range ones); a slot
      // listed twice raises kShapeMismatch (pass 1).
      Value offsetsOk = offsetsValid(b, offsets, experts, permSize);
      raiseUnlessOffsetsValid(b, op, offsetsOk, offsets, experts, permSize,
                              "expert_offsets", "permutation entries");

      // 1. slotExpert[s]: the group that keeps slot s, -1 if it was dropped.
      //    Expert e owns permutation[expert_offsets[e] : expert_offsets[e +
      //    1]].
      Value slotExpert = heap(b, {slots}, indexType);
      b.forLoop(zero, slots, [&](Value s) {
        memref::StoreOp::create(b, none, slotExpert, ValueRange{s});
      });
      b.forLoop(zero, experts, [&](Value e) {
        Value lo = b.max(zero, b.min(b.loadIndex(offsets, {e}), permSize));
        Value hi =
            b.max(lo, b.min(b.loadIndex(offsets, {b.add(e, one)}), permSize));
        b.forLoop(lo, hi, [&](Value i) {
          Value s = b.loadIndex(perm, {i});
          scf::IfOp::create(
              b, inRange(b, s, zero, slots),
              [&](OpBuilder &, Location loc) {
                // slotExpert is the bitmap of the slots seen so far: a slot
                // listed twice (the permutation is none) raises
                // kShapeMismatch and keeps its first group (unless the
                // offsets, whose groups then overlap, raised already).
                Value seen =
                    memref::LoadOp::create(b, slotExpert, ValueRange{s});
                scf::IfOp::create(
                    b, b.cmp(arith::CmpIPredicate::eq, seen, none),
                    [&](OpBuilder &, Location loc) {
                      memref::StoreOp::create(b, e, slotExpert, ValueRange{s});
                      scf::YieldOp::create(b, loc);
                    },
                    [&](OpBuilder &, Location loc) {
                      b.ifThen(offsetsOk, [&] {
                        b.raiseStatus(op, kShapeMismatch,
                                      "permutation[%ld] lists slot %ld, "
                                      "which expert %ld listed already",
                                      {i, s, seen});
                      });
                      scf::YieldOp::create(b, loc);
                    });
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &, Location loc) {
                b.raiseStatus(op, kIndexOutOfRange,
                              "permutation[%ld]=%ld outside the %ld slots "
                              "(tokens x top_k)",
                              {i, s, slots});
                scf::YieldOp::create(b, loc);
              });
        });
      });
      //    order: the slots grouped by expert (stable counting sort of
      //    slotExpert, dropped slots last). It is a permutation of [0, T * K)
      //    whatever the operands hold, so the tiles below write disjoint rows;
      //    neighbouring tiles share an expert and so its weight block in cache.
      std::optional<int64_t> numExperts = getConstantIntValue(experts);
      Value bucketCount =
          numExperts ? b.index(*numExperts + 1) : b.add(experts, one);
      Value count = heap(b, {bucketCount}, indexType);
      Value order = heap(b, {slots}, indexType);
      auto bucketOf = [&](Value s) {
        Value e = memref::LoadOp::create(b, slotExpert, ValueRange{s});
        return b.select(b.cmp(arith::CmpIPredicate::sge, e, zero), e, experts);
      };
      b.forLoop(zero, bucketCount, [&](Value e) {
        memref::StoreOp::create(b, zero, count, ValueRange{e});
      });
      b.forLoop(zero, slots, [&](Value s) {
        Value e = bucketOf(s);
        Value n = memref::LoadOp::create(b, count, ValueRange{e});
        memref::StoreOp::create(b, b.add(n, one), count, ValueRange{e});
      });
      b.forLoop(zero, bucketCount, ValueRange{zero},
                [&](Value e, ValueRange acc) -> SmallVector<Value> {
                  Value n = memref::LoadOp::create(b, count, ValueRange{e});
                  memref::StoreOp::create(b, acc[0], count, ValueRange{e});
                  return {b.add(acc[0], n)};
                });
      b.forLoop(zero, slots, [&](Value s) {
        Value e = bucketOf(s);
        Value pos = memref::LoadOp::create(b, count, ValueRange{e});
        memref::StoreOp::create(b, s, order, ValueRange{pos});
        memref::StoreOp::create(b, b.add(pos, one), count, ValueRange{e});
      });

      // Row blocks: runs of at most `rowTile` consecutive positions of
      // `order` that belong to one expert (after the loop above, count[e]
      // is the end of expert e's run). A tile multiplies one block by one
      // feature block of its expert, so each weight row it loads serves
      // every row of the block (the tokens are grouped per expert); decode
      // (one or two slots per expert) reads each chosen expert's rows once.
      // (Cutting an expert's last run of 17-31 slots into 16 + the rest
      // measured 1.15x slower at T64 with the fused 12-row blocks,
      // bench/results/cpu-moe-2026-12-01-s11.md.)
      const int64_t rowTile = options.moeRowTile;
      const int64_t width = options.vectorWidth;
      const int64_t panelVectors =
          width > 0 ? llvm::divideCeil(rowTile, width) : 0;
      const bool panels =
          options.moePanelMinRows > 0 && panelVectors >= 1 && panelVectors <= 2;
      Value maxBlocks = b.add(b.divUp(slots, rowTile), experts);
      Value blockStart = heap(b, {maxBlocks}, indexType);
      Value blockEnd = heap(b, {maxBlocks}, indexType);
      Value blockExpert = heap(b, {maxBlocks}, indexType);
      // Groups of up to moe{Up,Down}BlockGroup consecutive blocks of one
      // expert: the expert FFN phases run their tiles as (group, feature
      // block, block of the group), so a group's activation planes stay
      // in L2 while its expert's weight blocks stream past once
      // (TilingOptions).
      const int64_t upGroup = std::max<int64_t>(1, options.moeUpBlockGroup);
      const int64_t downGroup = std::max<int64_t>(1, options.moeDownBlockGroup);
      Value upFirst, upCount, downFirst, downCount;
      if (upGroup > 1) {
        upFirst = heap(b, {maxBlocks}, indexType);
        upCount = heap(b, {maxBlocks}, indexType);
      }
      if (downGroup > 1) {
        downFirst = heap(b, {maxBlocks}, indexType);
        downCount = heap(b, {maxBlocks}, indexType);
      }
      SmallVector<Value> counted = b.forLoop(
          zero, experts, ValueRange{zero, zero, zero},
          [&](Value e, ValueRange acc) -> SmallVector<Value> {
            // count[e - 1], read at max(e - 1, 0): expert 0's read of
            // count[-1] was out of bounds (found by --bounds-checks,
            // test/Integration/CPU/checks/hostile_under_checks.mlir).
            Value previous = memref::LoadOp::create(
                b, count, ValueRange{b.max(b.sub(e, one), zero)});
            Value isFirst = b.cmp(arith::CmpIPredicate::eq, e, zero);
            Value lo = b.select(isFirst, zero, previous);
            Value hi = memref::LoadOp::create(b, count, ValueRange{e});
            Value length = b.sub(hi, lo);
            Value n = b.divUp(length, rowTile);
            b.forLoop(zero, n, [&](Value i) {
              Value at = b.add(acc[0], i);
              Value p0 = b.add(lo, b.mul(i, b.index(rowTile)));
              memref::StoreOp::create(b, p0, blockStart, ValueRange{at});
              Value p1 = b.min(hi, b.add(p0, b.index(rowTile)));
              memref::StoreOp::create(b, p1, blockEnd, ValueRange{at});
              memref::StoreOp::create(b, e, blockExpert, ValueRange{at});
            });
            // The expert's groups of blocks [acc[0], acc[0] + n).
            auto addGroups = [&](Value first, Value groupCount, int64_t size,
                                 Value at) -> Value {
              if (size == 1)
                return at;
              Value groups = b.divUp(n, size);
              b.forLoop(zero, groups, [&](Value j) {
                Value g = b.add(at, j);
                Value offset = b.mul(j, b.index(size));
                Value start = b.add(acc[0], offset);
                Value left = b.sub(n, offset);
                Value members = b.min(left, b.index(size));
                memref::StoreOp::create(b, start, first, ValueRange{g});
                memref::StoreOp::create(b, members, groupCount, ValueRange{g});
              });
              return b.add(at, groups);
            };
            Value upAt = addGroups(upFirst, upCount, upGroup, acc[1]);
            Value downAt = addGroups(downFirst, downCount, downGroup, acc[2]);
            Value blocks = b.add(acc[0], n);
            return {blocks, upAt, downAt};
          });
      Value numBlocks = counted[0];
      // Tiles of (block, feature block), visited as (group, feature block,
      // block of the group): body(feature block, block).
      auto forBlockTiles = [&](Value featureBlocks, int64_t size, Value first,
                               Value groupCount, Value groups,
                               llvm::function_ref<void(Value, Value)> body) {
        if (size == 1) {
          b.parallel({numBlocks, featureBlocks},
                     [&](ValueRange ivs) { body(ivs[1], ivs[0]); });
          return;
        }
        b.parallel({groups, featureBlocks, b.index(size)}, [&](ValueRange ivs) {
          Value members =
              memref::LoadOp::create(b, groupCount, ValueRange{ivs[0]});
          Value inGroup = b.cmp(arith::CmpIPredicate::ult, ivs[2], members);
          b.ifThen(inGroup, [&] {
            Value start = memref::LoadOp::create(b, first, ValueRange{ivs[0]});
            body(ivs[1], b.add(start, ivs[2]));
          });
        });
      };
      auto tokenAt = [&](Value p) {
        Value s = memref::LoadOp::create(b, order, ValueRange{p});
        return arith::DivUIOp::create(b, s, topK).getResult();
      };

      // Panel blocks: a block of at least moePanelMinRows slots keeps its
      // slots in the lanes of `panelVectors` vectors: its tokens are
      // gathered transposed once (xT[block][Dm][lanes], zero past the
      // block), so a tile is broadcast-FMAs of weight elements against
      // xT / hT vectors (transposedScores: up to 6 features x 2 vectors,
      // no horizontal sums) and its weight rows are read once per block.
      // Smaller blocks (decode) keep the dot-product register blocks.
      const int64_t lanes = panelVectors * width;
      Value xT, hT;
      if (panels) {
        xT = heap(b, {maxBlocks, model, b.index(lanes)}, f32);
        hT = heap(b, {maxBlocks, hidden, b.index(lanes)}, f32);
      }
      auto blockOf = [&](Value i) {
        Value expert = memref::LoadOp::create(b, blockExpert, ValueRange{i});
        Value end = memref::LoadOp::create(b, blockEnd, ValueRange{i});
        Value start = memref::LoadOp::create(b, blockStart, ValueRange{i});
        return std::make_tuple(start, end, expert);
      };
      auto isPanel = [&](Value p0, Value p1) {
        Value minRows = b.index(options.moePanelMinRows);
        return b.cmp(arith::CmpIPredicate::sge, b.sub(p1, p0), minRows);
      };
      // The [depth][lanes] plane of `buffer` ([blocks][depth][lanes]) that
      // belongs to block `i`.
      auto plane = [&](Value buffer, Value i, Value depth) -> Value {
        auto type = cast<MemRefType>(buffer.getType());
        SmallVector<OpFoldResult> offsets{i, b.getIndexAttr(0),
                                          b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), depth,
                                        b.getIndexAttr(lanes)};
        SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
        auto resultType = memref::SubViewOp::inferRankReducedResultType(
            {ShapedType::kDynamic, lanes}, type, offsets, sizes, strides);
        return memref::SubViewOp::create(b, cast<MemRefType>(resultType),
                                         buffer, offsets, sizes, strides);
      };
      // Runs `body(vectors)` with the vectors a panel block of p1 - p0 slots
      // needs (one when they fit one vector).
      auto withVectors = [&](Value p0, Value p1,
                             llvm::function_ref<void(int64_t)> body) {
        if (panelVectors == 1)
          return body(1);
        Value widthV = b.index(width);
        Value fitsOne = b.cmp(arith::CmpIPredicate::sle, b.sub(p1, p0), widthV);
        scf::IfOp::create(
            b, fitsOne,
            [&](OpBuilder &, Location loc) {
              body(1);
              scf::YieldOp::create(b, loc);
            },
            [&](OpBuilder &, Location loc) {
              body(2);
              scf::YieldOp::create(b, loc);
            });
      };
      auto ifPanel = [&](Value p0, Value p1, llvm::function_ref<void()> panel,
                         llvm::function_ref<void()> other) {
        if (!panels)
          return other();
        scf::IfOp::create(
            b, isPanel(p0, p1),
            [&](OpBuilder &, Location loc) {
              panel();
              scf::YieldOp::create(b, loc);
            },
            [&](OpBuilder &, Location loc) {
              other();
              scf::YieldOp::create(b, loc);
            });
      };
      if (panels) {
        b.parallel({numBlocks}, [&](ValueRange ivs) {
          auto [p0, p1, e] = blockOf(ivs[0]);
          (void)e;
          b.ifThen(isPanel(p0, p1), [&] {
            Value last = b.sub(p1, one);
            b.forLoop(zero, b.index(lanes), [&](Value i) {
              Value p = b.add(p0, i);
              Value valid = b.cmp(arith::CmpIPredicate::ult, p, p1);
              Value t = tokenAt(b.min(p, last));
              b.forLoop(zero, model, [&](Value k) {
                Value x = b.select(valid, b.loadF32(input, {t, k}), zeroF);
                memref::StoreOp::create(b, x, xT, ValueRange{ivs[0], k, i});
              });
            });
          });
        });
      }

      // The hidden activation from the gate and up sums.
      auto activate = [&](Value g, Value u) -> Value {
        switch (activation) {
        case FfnActivation::SwiGLU:
          return b.mulf(b.mulf(g, sigmoid(b, g)), u);
        case FfnActivation::GeGLU:
          return b.mulf(buildGelu(b, g, /*tanhForm=*/false), u);
        case FfnActivation::GeLU:
          return buildGelu(b, u, /*tanhForm=*/false);
        }
        llvm_unreachable("unknown FFN activation");
      };

      // 2. Tiles of (block of hidden features, row block): the expert's
      //    hidden activation of each position's token, hbuf[p, f] (f32,
      //    rows in `order`) or, for panel blocks, hT[block, f, lane], gate
      //    and up in one register block. The row blocks run innermost, so
      //    the blocks of one expert reuse its weight block from cache.
      //    With panels only the last block of an expert can be smaller
      //    than moePanelMinRows (the others have rowTile slots), so hbuf
      //    holds moePanelMinRows - 1 rows per expert instead of one per
      //    slot: no per-call buffer of T * K * F floats that the panel
      //    blocks never touch (14.7 MB at T512, F3584, top-2; with it the
      //    call's temporaries outgrew malloc's trim threshold and every
      //    call faulted its pages in again).
      const bool compactHidden =
          panels && options.moeRowTile >= options.moePanelMinRows;
      const int64_t rowsPerExpert = options.moePanelMinRows - 1;
      // Decode (fewer slots than that) keeps one row per slot.
      Value expertRows = b.mul(experts, b.index(rowsPerExpert));
      Value perExpert =
          compactHidden ? b.cmp(arith::CmpIPredicate::ult, expertRows, slots)
                        : Value();
      Value hbuf = heap(
          b, {compactHidden ? b.min(expertRows, slots) : slots, hidden}, f32);
      // The hbuf row of position p of the dot-path block [p0, ...) of
      // expert e.
      auto hiddenRow = [&](Value p, Value p0, Value e) -> Value {
        if (!compactHidden)
          return p;
        Value offset = b.sub(p, p0);
        Value firstRow = b.mul(e, b.index(rowsPerExpert));
        return b.select(perExpert, b.add(firstRow, offset), p);
      };
      // Dot-path blocks with bf16 weights (pairSplitDots): the gate/up
      // phase reads f32 copies of the input rows in pair-split order (one
      // pass over the T x Dm inputs), and with a bf16 down projection the
      // hidden rows are stored in that order, so a 64-byte line of bf16
      // weights is widened by a shift and a mask and meets two activation
      // vectors (no per-element zero extension).
      const bool pairUp = options.moeBF16PairDots && width > 0 &&
                          isBF16Buffer(up) && (!gate || isBF16Buffer(gate));
      const bool pairDown =
          options.moeBF16PairDots && width > 0 && isBF16Buffer(down);
      Value xPairs;
      if (pairUp) {
        xPairs = heap(b, {tokens, model}, f32);
        b.parallel({tokens}, [&](ValueRange ivs) {
          b.forLoop(zero, model, [&](Value k) {
            Value x = b.loadF32(input, {ivs[0], k});
            Value at = pairSplitPosition(b, k, model, width);
            memref::StoreOp::create(b, x, xPairs, ValueRange{ivs[0], at});
          });
        });
      }
      const int64_t ahead = options.moeDecodePrefetchRows;
      Value lastHidden = b.sub(hidden, one);
      Value lastModel = b.sub(model, one);
      forBlockTiles(
          b.divUp(hidden, block), upGroup, upFirst, upCount, counted[1],
          [&](Value featureBlock, Value blk) {
            auto [p0, p1, e] = blockOf(blk);
            Value f0 = b.mul(featureBlock, b.index(block));
            Value f1 = b.min(hidden, b.add(f0, b.index(block)));
            ifPanel(
                p0, p1,
                [&] {
                  withVectors(p0, p1, [&](int64_t vectors) {
                    Value xs = plane(xT, blk, model);
                    Value us = b.scratch({block, lanes}, f32);
                    Value gs = gate ? b.scratch({block, lanes}, f32) : Value();
                    Value features = b.sub(f1, f0);
                    // Gate and up of a feature in one register block.
                    SmallVector<Value> sourceWeights{up}, outs{us};
                    if (gate) {
                      sourceWeights.push_back(gate);
                      outs.push_back(gs);
                    }
                    panelScores(
                        b, xs, vectors, features, model, width,
                        options.moePanelBroadcasts, sourceWeights.size(),
                        [&](int64_t src, Value j) {
                          return Row{sourceWeights[src], {e, b.add(f0, j)}};
                        },
                        outs, options.moePanelConvertDepth);
                    auto type = VectorType::get({width}, f32);
                    Value log2e = arith::ConstantOp::create(
                        b, DenseElementsAttr::get(
                               type, b.getF32FloatAttr(float(M_LOG2E))));
                    Value oneV = arith::ConstantOp::create(
                        b,
                        DenseElementsAttr::get(type, b.getF32FloatAttr(1.0f)));
                    b.forLoop(zero, features, [&](Value j) {
                      Value f = b.add(f0, j);
                      for (int64_t v = 0; v < vectors; ++v) {
                        Value lane = b.index(v * width);
                        if (activation != FfnActivation::SwiGLU) {
                          // GELU: lane by lane (erf has no vector kernel).
                          b.forLoop(
                              lane, b.add(lane, b.index(width)), [&](Value l) {
                                Value u = memref::LoadOp::create(
                                    b, us, ValueRange{j, l});
                                Value g = gs ? memref::LoadOp::create(
                                                   b, gs, ValueRange{j, l})
                                                   .getResult()
                                             : u;
                                memref::StoreOp::create(b, activate(g, u), hT,
                                                        ValueRange{blk, f, l});
                              });
                          continue;
                        }
                        // SiLU(g) * u = g * u / (1 + 2^(-g log2 e)) on vectors.
                        Value u = vector::LoadOp::create(b, type, us,
                                                         ValueRange{j, lane});
                        Value g = vector::LoadOp::create(b, type, gs,
                                                         ValueRange{j, lane});
                        Value ex = exp2Vector(
                            b, arith::MulFOp::create(
                                   b, arith::NegFOp::create(b, g), log2e));
                        Value denom = arith::AddFOp::create(b, oneV, ex);
                        Value gu = arith::MulFOp::create(b, g, u);
                        Value h = arith::DivFOp::create(b, gu, denom);
                        vector::StoreOp::create(b, h, hT,
                                                ValueRange{blk, f, lane});
                      }
                    });
                  });
                },
                [&] {
                  expertBlockDots(
                      b, p0, p1, f0, f1, model, options.vectorWidth,
                      [&](Value p) {
                        return Row{pairUp ? xPairs : input, {tokenAt(p)}};
                      },
                      [&](Value f) {
                        SmallVector<Row> rows{{up, {e, f}}};
                        if (gate)
                          rows.push_back({gate, {e, f}});
                        return rows;
                      },
                      [&](Value p, Value f, ArrayRef<Value> dots) {
                        Value row = hiddenRow(p, p0, e);
                        Value h = activate(gate ? dots[1] : dots[0], dots[0]);
                        Value at = pairDown
                                       ? pairSplitPosition(b, f, hidden, width)
                                       : f;
                        memref::StoreOp::create(b, h, hbuf,
                                                ValueRange{row, at});
                      },
                      options.moeBlockRows,
                      gate ? options.moeBlockFeatures
                           : 2 * options.moeBlockFeatures,
                      pairUp, ahead, lastHidden);
                });
          });

      // 3. Tiles of (block of model features, row block): the expert's
      //    output for each position's slot s, scaled by its routing weight
      //    and scattered to its slot row: ybuf[s, d] = w[s] * down_e[d, :] .
      //    hbuf[p, :] (hT for panel blocks). Dropped slots are in no block
      //    (the combine skips them).
      Value ybuf = heap(b, {slots, model}, f32);
      auto storeSlot = [&](Value p, Value d, Value y) {
        Value s = memref::LoadOp::create(b, order, ValueRange{p});
        Value t = arith::DivUIOp::create(b, s, topK);
        Value k = arith::RemUIOp::create(b, s, topK);
        memref::StoreOp::create(b, b.mulf(b.loadF32(weights, {t, k}), y), ybuf,
                                ValueRange{s, d});
      };
      forBlockTiles(
          b.divUp(model, block), downGroup, downFirst, downCount, counted[2],
          [&](Value featureBlock, Value blk) {
            auto [p0, p1, e] = blockOf(blk);
            Value d0 = b.mul(featureBlock, b.index(block));
            Value d1 = b.min(model, b.add(d0, b.index(block)));
            ifPanel(
                p0, p1,
                [&] {
                  withVectors(p0, p1, [&](int64_t vectors) {
                    Value ys = b.scratch({block, lanes}, f32);
                    Value features = b.sub(d1, d0);
                    panelScores(
                        b, plane(hT, blk, hidden), vectors, features, hidden,
                        width, options.moePanelBroadcasts, 1,
                        [&](int64_t, Value j) {
                          return Row{down, {e, b.add(d0, j)}};
                        },
                        ys, options.moePanelConvertDepth);
                    b.forLoop(zero, b.sub(p1, p0), [&](Value i) {
                      b.forLoop(zero, features, [&](Value j) {
                        Value y =
                            memref::LoadOp::create(b, ys, ValueRange{j, i});
                        Value d = b.add(d0, j);
                        storeSlot(b.add(p0, i), d, y);
                      });
                    });
                  });
                },
                [&] {
                  expertBlockDots(
                      b, p0, p1, d0, d1, hidden, options.vectorWidth,
                      [&](Value p) {
                        return Row{hbuf, {hiddenRow(p, p0, e)}};
                      },
                      [&](Value d) {
                        return SmallVector<Row>{{down, {e, d}}};
                      },
                      [&](Value p, Value d, ArrayRef<Value> y) {
                        storeSlot(p, d, y[0]);
                      },
                      options.moeBlockRows, 2 * options.moeBlockFeatures,
                      pairDown, ahead, lastModel);
                });
          });

      // Shared experts (always on, weight 1): hidden [T, Fs] and output
      // [T, Dm] with the same tiling, read by the combine below.
      Value sharedOut;
      if (op.getSharedUp()) {
        Value sgate =
            op.getSharedGate() ? b.buffer(op.getSharedGate()) : Value();
        Value sup = b.buffer(op.getSharedUp());
        Value sdown = b.buffer(op.getSharedDown());
        Value width = extent(b, sup, 0);
        Value sharedHidden = heap(b, {tokens, width}, f32);
        sharedOut = heap(b, {tokens, model}, f32);
        b.parallel({b.divUp(width, block), tokens}, [&](ValueRange ivs) {
          Value t = ivs[1], f0 = b.mul(ivs[0], b.index(block));
          Value f1 = b.min(width, b.add(f0, b.index(block)));
          blockedDots(
              b, t, b.add(t, one), f0, f1, model, options.vectorWidth,
              [&](Value r) { return Row{input, {r}}; },
              [&](Value f) {
                SmallVector<Row> rows;
                if (sgate)
                  rows.push_back({sgate, {f}});
                rows.push_back({sup, {f}});
                return rows;
              },
              [&](Value, Value f, ArrayRef<Value> dots) {
                Value u = dots.back(), h;
                if (activation == FfnActivation::SwiGLU)
                  h = b.mulf(b.mulf(dots[0], sigmoid(b, dots[0])), u);
                else if (activation == FfnActivation::GeGLU)
                  h = b.mulf(buildGelu(b, dots[0], /*tanhForm=*/false), u);
                else
                  h = buildGelu(b, u, /*tanhForm=*/false);
                memref::StoreOp::create(b, h, sharedHidden, ValueRange{t, f});
              },
              /*blockRows=*/1, /*blockCols=*/sgate ? 4 : 8);
        });
        b.parallel({b.divUp(model, block), tokens}, [&](ValueRange ivs) {
          Value t = ivs[1], d0 = b.mul(ivs[0], b.index(block));
          Value d1 = b.min(model, b.add(d0, b.index(block)));
          blockedDots(
              b, t, b.add(t, one), d0, d1, width, options.vectorWidth,
              [&](Value r) { return Row{sharedHidden, {r}}; },
              [&](Value d) { return SmallVector<Row>{{sdown, {d}}}; },
              [&](Value, Value d, ArrayRef<Value> y) {
                memref::StoreOp::create(b, y[0], sharedOut, ValueRange{t, d});
              },
              /*blockRows=*/1, /*blockCols=*/8);
        });
      }

      // 4. Tiles of (token, block of model features): the sum of the
      //    token's kept (weighted) slots, out[t, d] = sum_k ybuf[tK + k, d]
      //    (+ the shared experts' output).
      b.parallel({tokens, b.divUp(model, block)}, [&](ValueRange ivs) {
        Value t = ivs[0];
        Value d0 = b.mul(ivs[1], b.index(block));
        Value d1 = b.min(model, b.add(d0, b.index(block)));
        Value first = b.mul(t, topK);
        b.forLoop(d0, d1, [&](Value d) {
          Value init =
              sharedOut ? memref::LoadOp::create(b, sharedOut, ValueRange{t, d})
                              .getResult()
                        : zeroF;
          Value sum = b.forLoop(
              zero, topK, ValueRange{init},
              [&](Value k, ValueRange acc) -> SmallVector<Value> {
                Value s = b.add(first, k);
                Value e = memref::LoadOp::create(b, slotExpert, ValueRange{s});
                Value term = memref::LoadOp::create(b, ybuf, ValueRange{s, d});
                Value kept = b.cmp(arith::CmpIPredicate::sge, e, zero);
                return {b.select(kept, b.addf(acc[0], term), acc[0])};
              })[0];
          b.storeF32(sum, output, {t, d});
        });
      });
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};
} // namespace

void mlir::seq::populateMoEToLoopsPatterns(RewritePatternSet &patterns,
                                           const TilingOptions &options) {
  patterns.add<MoeRouteLowering, MoeDispatchLowering>(patterns.getContext());
  patterns.add<GroupedMatmulLowering, MoeExpertsLowering>(patterns.getContext(),
                                                          options);
}
