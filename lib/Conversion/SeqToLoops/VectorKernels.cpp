//===- VectorKernels.cpp - register-blocked vector-dialect kernels --------===//

#include "VectorKernels.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::seq;

Value seq::loadRowVector(LoopBuilder &b, const Row &row, Value k,
                         int64_t width) {
  Type element = cast<MemRefType>(row.buffer.getType()).getElementType();
  SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
  indices.push_back(k);
  Value v = vector::LoadOp::create(b, VectorType::get({width}, element),
                                   row.buffer, indices);
  if (element.isF32())
    return v;
  return arith::ExtFOp::create(b, VectorType::get({width}, b.getF32Type()), v);
}

/// `length` rounded down to a multiple of `width`.
static Value wholeVectors(LoopBuilder &b, Value length, int64_t width) {
  Value w = b.index(width);
  return b.mul(arith::DivUIOp::create(b, length, w), w);
}

SmallVector<Value> seq::dotProducts(LoopBuilder &b, ArrayRef<Row> lhs,
                                    ArrayRef<Row> rhs, Value length,
                                    int64_t width, ArrayRef<Row> prefetch,
                                    int64_t localityHint) {
  const size_t count = lhs.size() * rhs.size();
  SmallVector<Value> sums(count, b.f32(0.0f));
  Value vectorEnd = b.index(0);
  if (width > 0) {
    auto type = VectorType::get({width}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
    vectorEnd = wholeVectors(b, length, width);
    auto loop = scf::ForOp::create(
        b, b.index(0), vectorEnd, b.index(width),
        SmallVector<Value>(count, zero),
        [&](OpBuilder &, Location loc, Value k, ValueRange acc) {
          for (const Row &row : prefetch) {
            SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
            indices.push_back(k);
            memref::PrefetchOp::create(b, row.buffer, indices,
                                       /*isWrite=*/false, localityHint,
                                       /*isDataCache=*/true);
          }
          SmallVector<Value> lhsVectors;
          for (const Row &row : lhs)
            lhsVectors.push_back(loadRowVector(b, row, k, width));
          SmallVector<Value> next(count);
          for (auto [j, row] : llvm::enumerate(rhs)) {
            Value y = loadRowVector(b, row, k, width);
            for (auto [i, x] : llvm::enumerate(lhsVectors)) {
              size_t at = i * rhs.size() + j;
              next[at] = vector::FMAOp::create(b, x, y, acc[at]);
            }
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (size_t at = 0; at < count; ++at)
      sums[at] = vector::ReductionOp::create(
          b, vector::CombiningKind::ADD, loop.getResult(at), Value(),
          arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  }
  // Scalar remainder (folded away when the range is whole vectors).
  return b.forLoop(
      vectorEnd, length, sums,
      [&](Value k, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> lhsValues;
        for (const Row &row : lhs) {
          SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
          indices.push_back(k);
          lhsValues.push_back(b.loadF32(row.buffer, indices));
        }
        SmallVector<Value> next(count);
        for (auto [j, row] : llvm::enumerate(rhs)) {
          SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
          indices.push_back(k);
          Value y = b.loadF32(row.buffer, indices);
          for (auto [i, x] : llvm::enumerate(lhsValues)) {
            size_t at = i * rhs.size() + j;
            next[at] = b.addf(acc[at], b.mulf(x, y));
          }
        }
        return next;
      });
}

void seq::forGroups(LoopBuilder &b, Value lo, Value hi, int64_t group,
                    llvm::function_ref<void(Value, int64_t)> body) {
  Value groupsEnd = lo;
  if (group > 1) {
    groupsEnd = b.add(lo, wholeVectors(b, b.sub(hi, lo), group));
    scf::ForOp::create(b, lo, groupsEnd, b.index(group), ValueRange{},
                       [&](OpBuilder &, Location loc, Value i, ValueRange) {
                         body(i, group);
                         scf::YieldOp::create(b, loc);
                       });
  }
  b.forLoop(groupsEnd, hi, [&](Value i) { body(i, 1); });
}

void seq::blockedDots(
    LoopBuilder &b, Value r0, Value r1, Value c0, Value c1, Value length,
    int64_t width, llvm::function_ref<Row(Value r)> lhsRow, ColumnRows rhsRows,
    llvm::function_ref<void(Value r, Value c, ArrayRef<Value>)> out,
    int64_t blockRows, int64_t blockCols, const RowPrefetch &prefetch) {
  forGroups(b, r0, r1, blockRows, [&](Value r, int64_t rowCount) {
    forGroups(b, c0, c1, blockCols, [&](Value c, int64_t colCount) {
      SmallVector<Row> lhs, rhs, ahead;
      for (int64_t i = 0; i < rowCount; ++i)
        lhs.push_back(lhsRow(b.add(r, b.index(i))));
      size_t perCol = 0;
      for (int64_t j = 0; j < colCount; ++j) {
        SmallVector<Row> rows = rhsRows(b.add(c, b.index(j)));
        perCol = rows.size();
        rhs.append(rows.begin(), rows.end());
        // One row: the right-hand rows stream from memory; read the rows
        // `ahead` columns on (clamped to the last) into the caches.
        if (rowCount == 1 && prefetch.ahead > 0) {
          SmallVector<Row> next = rhsRows(
              b.min(b.add(c, b.index(j + prefetch.ahead)), prefetch.last));
          ahead.append(next.begin(), next.end());
        }
      }
      // Several rows: one column of the next tile per full column block.
      bool spread = rowCount > 1 && colCount == blockCols && prefetch.spread;
      if (spread) {
        Value column =
            b.add(prefetch.spread,
                  arith::DivUIOp::create(b, b.sub(c, prefetch.spreadOrigin),
                                         b.index(blockCols)));
        SmallVector<Row> next = rhsRows(b.min(column, prefetch.last));
        ahead.append(next.begin(), next.end());
      }
      SmallVector<Value> dots = dotProducts(b, lhs, rhs, length, width, ahead,
                                            /*localityHint=*/spread ? 2 : 3);
      for (int64_t i = 0; i < rowCount; ++i)
        for (int64_t j = 0; j < colCount; ++j)
          out(b.add(r, b.index(i)), b.add(c, b.index(j)),
              ArrayRef<Value>(dots).slice(i * rhs.size() + j * perCol, perCol));
    });
  });
}

void seq::withTilePrefetch(LoopBuilder &b, const RowPrefetch &prefetch,
                           Value c0, int64_t tileWidth, int64_t blockCols,
                           Value rowTile, Value rows,
                           llvm::function_ref<void(const RowPrefetch &)> body) {
  int64_t perRowTile = tileWidth / blockCols;
  std::optional<int64_t> staticRows =
      rows ? getConstantIntValue(rows) : std::nullopt;
  if (!rowTile || prefetch.ahead <= 0 || perRowTile <= 0 ||
      (staticRows && *staticRows <= 1))
    return body(prefetch);
  // The row tile's share of the next tile: columns [first, first +
  // perRowTile), while they lie in it and in the weight.
  // (One op per statement: the order must not depend on the host
  // compiler's argument evaluation order.)
  Value shareIndex = b.index(perRowTile);
  Value share = b.mul(rowTile, shareIndex);
  Value nextIndex = b.index(tileWidth);
  Value next = b.add(c0, nextIndex);
  Value first = b.add(next, share);
  Value exists = b.cmp(arith::CmpIPredicate::ule, first, prefetch.last);
  Value widthIndex = b.index(tileWidth);
  Value rowShareIndex = b.index(perRowTile);
  Value rowShare = b.mul(rowTile, rowShareIndex);
  Value early = b.cmp(arith::CmpIPredicate::ult, rowShare, widthIndex);
  Value mine = arith::AndIOp::create(b, early, exists);
  RowPrefetch spread = prefetch;
  spread.spread = first;
  spread.spreadOrigin = c0;
  scf::IfOp::create(
      b, mine,
      [&](OpBuilder &, Location loc) {
        body(spread);
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &, Location loc) {
        body(prefetch);
        scf::YieldOp::create(b, loc);
      });
}

void seq::projectRows(LoopBuilder &b, Value r0, Value r1, Value c0, Value c1,
                      Value length, int64_t width,
                      llvm::function_ref<Row(Value r)> lhsRow, Value weight,
                      Value bias, Value y, int64_t prefetchAhead, Value rowTile,
                      Value rows, int64_t tileWidth, int64_t blockRows) {
  constexpr int64_t blockCols = 4;
  Value last =
      prefetchAhead > 0 ? b.sub(b.dim(weight, 0), b.index(1)) : Value();
  withTilePrefetch(
      b, RowPrefetch{prefetchAhead, last}, c0, tileWidth, blockCols, rowTile,
      rows, [&](const RowPrefetch &prefetch) {
        blockedDots(
            b, r0, r1, c0, c1, length, width, lhsRow,
            [&](Value c) {
              return SmallVector<Row>{{weight, {c}}};
            },
            [&](Value r, Value c, ArrayRef<Value> dot) {
              Value sum = bias ? b.addf(dot[0], b.loadF32(bias, {c})) : dot[0];
              b.storeF32(sum, y, {r, c});
            },
            blockRows, blockCols, prefetch);
      });
}
