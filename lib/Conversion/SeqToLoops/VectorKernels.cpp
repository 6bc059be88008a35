//===- VectorKernels.cpp - register-blocked vector-dialect kernels --------===//

#include "VectorKernels.h"
#include "AttentionKernels.h"
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
  return scalarDotTail(b, lhs, rhs, vectorEnd, length, sums);
}

SmallVector<Value> seq::scalarDotTail(LoopBuilder &b, ArrayRef<Row> lhs,
                                      ArrayRef<Row> rhs, Value from,
                                      Value length, ArrayRef<Value> sums) {
  const size_t count = lhs.size() * rhs.size();
  return b.forLoop(
      from, length, sums,
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

int64_t seq::panelChunkRows(const TilingOptions &options) {
  const int64_t lanes = options.linearPanelVectors * options.vectorWidth;
  return lanes * std::max<int64_t>(1, options.linearPanelDepth / lanes);
}

SmallVector<Value> seq::transposeSquare(LoopBuilder &b,
                                        ArrayRef<Value> rows) {
  const int64_t n = rows.size();
  assert(llvm::isPowerOf2_64(n) && "transposeSquare of a non-power-of-two");
  SmallVector<Value> r(rows.begin(), rows.end());
  // Stage s: in each 2s x 2s block, rows i and i + s swap their
  // off-diagonal s x s sub-blocks (element (i, j + s) with (i + s, j)).
  for (int64_t s = n / 2; s >= 1; s /= 2) {
    SmallVector<int64_t> top(n), bottom(n);
    for (int64_t j = 0; j < n; ++j) {
      top[j] = (j & s) ? n + j - s : j;
      bottom[j] = (j & s) ? n + j : j + s;
    }
    for (int64_t i = 0; i < n; ++i) {
      if (i & s)
        continue;
      Value a = r[i], c = r[i + s];
      Value upper = vector::ShuffleOp::create(b, a, c, top);
      Value lower = vector::ShuffleOp::create(b, a, c, bottom);
      r[i] = upper;
      r[i + s] = lower;
    }
  }
  return r;
}

Value seq::splatLike(LoopBuilder &b, float value, Value like) {
  auto type = dyn_cast<VectorType>(like.getType());
  if (!type)
    return b.f32(value);
  return arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(value)));
}

Value seq::loadLike(LoopBuilder &b, Value buffer, Value c, Value like) {
  auto type = dyn_cast<VectorType>(like.getType());
  if (!type)
    return b.loadF32(buffer, {c});
  return loadRowVector(b, Row{buffer, {}}, c, type.getNumElements());
}

void seq::storeLike(LoopBuilder &b, Value value, Value buffer,
                    ValueRange indices) {
  auto type = dyn_cast<VectorType>(value.getType());
  if (!type)
    return b.storeF32(value, buffer, indices);
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  if (element != type.getElementType())
    value = arith::TruncFOp::create(
        b, VectorType::get(type.getShape(), element), value);
  vector::StoreOp::create(b, value, buffer, indices);
}

Value seq::packRowPanels(LoopBuilder &b, const TilingOptions &options, Value x,
                         Value rows, Value k) {
  const int64_t width = options.vectorWidth;
  const int64_t lanes = options.linearPanelVectors * width;
  Type f32 = b.getF32Type();
  Value panels = b.divUp(rows, lanes);
  Value xT = memref::AllocOp::create(
      b,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, lanes}, f32),
      ValueRange{panels, k}, b.getI64IntegerAttr(64));
  Value zero = b.f32(0.0f);
  auto type = VectorType::get({width}, f32);
  Value zeroV = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  const bool square = llvm::isPowerOf2_64(width);
  b.parallel({panels}, [&](ValueRange ivs) {
    Value t0 = b.mul(ivs[0], b.index(lanes));
    Value last = b.sub(rows, b.index(1));
    Value kWhole = square ? wholeVectors(b, k, width) : b.index(0);
    // Each group of `width` rows: whole width x width blocks read as rows
    // of x and stored transposed, then the last columns one at a time.
    for (int64_t g = 0; g < lanes / width; ++g) {
      SmallVector<Value> valid, row, lane;
      for (int64_t l = 0; l < width; ++l) {
        Value at = b.index(g * width + l);
        Value t = b.add(t0, at);
        valid.push_back(b.cmp(arith::CmpIPredicate::ult, t, rows));
        row.push_back(b.min(t, last));
        lane.push_back(at);
      }
      Value begin = b.index(0);
      Value step = b.index(width);
      if (square)
        scf::ForOp::create(
            b, begin, kWhole, step, ValueRange{},
            [&](OpBuilder &, Location loc, Value i, ValueRange) {
              SmallVector<Value> block;
              for (int64_t l = 0; l < width; ++l) {
                Value v = loadRowVector(b, Row{x, {row[l]}}, i, width);
                block.push_back(b.select(valid[l], v, zeroV));
              }
              SmallVector<Value> columns = transposeSquare(b, block);
              for (int64_t e = 0; e < width; ++e) {
                Value at = b.add(i, b.index(e));
                vector::StoreOp::create(b, columns[e], xT,
                                        ValueRange{ivs[0], at, lane[0]});
              }
              scf::YieldOp::create(b, loc);
            });
      b.forLoop(kWhole, k, [&](Value i) {
        for (int64_t l = 0; l < width; ++l) {
          Value v = b.loadF32(x, {row[l], i});
          Value masked = b.select(valid[l], v, zero);
          memref::StoreOp::create(b, masked, xT,
                                  ValueRange{ivs[0], i, lane[l]});
        }
      });
    }
  });
  return xT;
}

/// The value of an index known at compile time (a constant, or the dim
/// of a static extent).
static std::optional<int64_t> staticIndex(Value v) {
  std::optional<int64_t> known = getConstantIntValue(v);
  if (auto dim = v.getDefiningOp<memref::DimOp>())
    if (std::optional<int64_t> at = dim.getConstantIndex()) {
      auto type = cast<MemRefType>(dim.getSource().getType());
      if (!type.isDynamicDim(*at))
        known = type.getDimSize(*at);
    }
  return known;
}

int64_t seq::panelFeatureTile(const TilingOptions &options, Value k) {
  std::optional<int64_t> depth = staticIndex(k);
  if (options.linearPanelWideDepth > 0 && depth &&
      *depth > options.linearPanelWideDepth)
    return std::max<int64_t>(1, options.linearPanelWideFeatureTile);
  return options.linearPanelFeatureTile;
}

void seq::projectPanel(LoopBuilder &b, const TilingOptions &options, Value xT,
                       Value chunk, Value rows, Value c0, Value c1, Value k,
                       ColumnRows rhsRows, int64_t perCol, PanelCombine combine,
                       Value y) {
  const int64_t width = options.vectorWidth;
  const int64_t vectors = options.linearPanelVectors;
  const int64_t lanes = vectors * width;
  const int64_t chunkPanels = panelChunkRows(options) / lanes;
  // Panels [p0, p1) of the chunk.
  Value p0 = b.mul(chunk, b.index(chunkPanels));
  Value panelCount = b.divUp(rows, lanes);
  Value p1 = b.min(panelCount, b.add(p0, b.index(chunkPanels)));
  Value chunkPanelsHere = b.sub(p1, p0);
  const int64_t tile = panelFeatureTile(options, k);
  const int64_t depthBlock = options.linearPanelDepth;
  const int64_t blockCols =
      std::max<int64_t>(1, options.linearPanelFeatures / perCol);
  Type f32 = b.getF32Type();
  auto type = VectorType::get({width}, f32);
  Value zeroV = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  // The tile's accumulators between depth blocks, zeroed: acc[panel of
  // the chunk][right-hand row][lane], so a register block's accumulators
  // of one panel are contiguous.
  Value acc = b.scratch({chunkPanels, tile * perCol, lanes}, f32);
  Value count = b.sub(c1, c0);
  Value accRows = b.mul(count, b.index(perCol));
  b.forLoop(b.index(0), chunkPanelsHere, [&](Value p) {
    b.forLoop(b.index(0), accRows, [&](Value i) {
      for (int64_t v = 0; v < vectors; ++v) {
        Value lane = b.index(v * width);
        vector::StoreOp::create(b, zeroV, acc, ValueRange{p, i, lane});
      }
    });
  });
  // Narrow weights: each depth block of the tile's rows widened once into
  // an f32 stack copy that the broadcasts read.
  Type element =
      cast<MemRefType>(rhsRows(c0).front().buffer.getType()).getElementType();
  const bool widen = !element.isF32();
  Value wide = widen ? b.scratch({tile * perCol, depthBlock}, f32) : Value();
  auto depthLoop = scf::ForOp::create(
      b, b.index(0), k, b.index(depthBlock), ValueRange{},
      [&](OpBuilder &, Location loc, Value d0, ValueRange) {
        Value d1 = b.min(k, b.add(d0, b.index(depthBlock)));
        if (widen) {
          Value depth = b.sub(d1, d0);
          Value vectorEnd = wholeVectors(b, depth, width);
          b.forLoop(b.index(0), count, [&](Value j) {
            SmallVector<Row> from = rhsRows(b.add(c0, j));
            Value first = b.mul(j, b.index(perCol));
            for (int64_t i = 0; i < perCol; ++i) {
              Value at = b.add(first, b.index(i));
              scf::ForOp::create(
                  b, b.index(0), vectorEnd, b.index(width), ValueRange{},
                  [&](OpBuilder &, Location loc2, Value e, ValueRange) {
                    Value v = loadRowVector(b, from[i], b.add(d0, e), width);
                    vector::StoreOp::create(b, v, wide, ValueRange{at, e});
                    scf::YieldOp::create(b, loc2);
                  });
              b.forLoop(vectorEnd, depth, [&](Value e) {
                SmallVector<Value> indices(from[i].prefix.begin(),
                                           from[i].prefix.end());
                indices.push_back(b.add(d0, e));
                Value v = b.loadF32(from[i].buffer, indices);
                memref::StoreOp::create(b, v, wide, ValueRange{at, e});
              });
            }
          });
        }
        // The right-hand rows of the register block of columns [c, c +
        // cols) and their accumulator rows.
        auto blockRows = [&](Value c, int64_t cols, SmallVector<Row> &rhs,
                             SmallVector<Value> &accRow) {
          for (int64_t j = 0; j < cols; ++j) {
            Value col = b.add(c, b.index(j));
            Value local = b.sub(col, c0);
            SmallVector<Row> from = rhsRows(col);
            Value first = b.mul(local, b.index(perCol));
            for (int64_t i = 0; i < perCol; ++i) {
              Value at = b.add(first, b.index(i));
              accRow.push_back(at);
              rhs.push_back(widen ? Row{wide, {at}} : from[i]);
            }
          }
        };
        // One register block against one panel over the depth block.
        auto runBlock = [&](Value panel, ArrayRef<Row> rhs,
                            ArrayRef<Value> accRow) {
          Value offset = b.sub(panel, p0);
          SmallVector<Value> columns, init;
          for (int64_t v = 0; v < vectors; ++v)
            columns.push_back(b.index(v * width));
          for (Value at : accRow)
            for (Value column : columns)
              init.push_back(vector::LoadOp::create(
                  b, type, acc, ValueRange{offset, at, column}));
          auto loop = scf::ForOp::create(
              b, d0, d1, b.index(1), init,
              [&](OpBuilder &, Location loc2, Value d, ValueRange sums) {
                SmallVector<Value> xs;
                for (Value column : columns)
                  xs.push_back(vector::LoadOp::create(
                      b, type, xT, ValueRange{panel, d, column}));
                Value at = widen ? b.sub(d, d0) : d;
                SmallVector<Value> next;
                for (const Row &row : rhs) {
                  SmallVector<Value> indices(row.prefix.begin(),
                                             row.prefix.end());
                  indices.push_back(at);
                  Value w = b.loadF32(row.buffer, indices);
                  Value wv = vector::BroadcastOp::create(b, type, w);
                  for (Value xv : xs)
                    next.push_back(
                        vector::FMAOp::create(b, wv, xv, sums[next.size()]));
                }
                scf::YieldOp::create(b, loc2, next);
              });
          size_t at = 0;
          for (Value row : accRow)
            for (Value column : columns)
              vector::StoreOp::create(b, loop.getResult(at++), acc,
                                      ValueRange{offset, row, column});
        };
        forGroupSizes(b, c0, c1, {blockCols, 1}, [&](Value c, int64_t cols) {
          SmallVector<Row> rhs;
          SmallVector<Value> accRow;
          blockRows(c, cols, rhs, accRow);
          // The chunk's panels one after the other against the block's
          // rows (in L1 across them).
          b.forLoop(p0, p1,
                    [&](Value panel) { runBlock(panel, rhs, accRow); });
        });
        scf::YieldOp::create(b, loc);
      });
  (void)depthLoop;
  // The chunk's real rows [t0, t1): whole width x width blocks of (rows,
  // columns) transposed in registers and stored as vectors along y's
  // rows, the rest one element at a time.
  Value t0 = b.mul(p0, b.index(lanes));
  Value t1 = b.min(rows, b.mul(p1, b.index(lanes)));
  auto scalarBlock = [&](Value ta, Value tb, Value ja) {
    b.forLoop(ta, tb, [&](Value t) {
      Value tile = b.sub(t, t0);
      Value lanesIndex = b.index(lanes);
      Value panel = arith::DivUIOp::create(b, tile, lanesIndex);
      Value lane = arith::RemUIOp::create(b, tile, lanesIndex);
      b.forLoop(ja, count, [&](Value j) {
        SmallVector<Value> sums;
        Value first = b.mul(j, b.index(perCol));
        for (int64_t i = 0; i < perCol; ++i) {
          Value at = b.add(first, b.index(i));
          sums.push_back(
              memref::LoadOp::create(b, acc, ValueRange{panel, at, lane}));
        }
        Value c = b.add(c0, j);
        storeLike(b, combine(c, sums), y, {t, c});
      });
    });
  };
  if (!llvm::isPowerOf2_64(width)) {
    scalarBlock(t0, t1, b.index(0));
    return;
  }
  Value rowsHere = b.sub(t1, t0);
  Value tWhole = b.add(t0, wholeVectors(b, rowsHere, width));
  Value jWhole = wholeVectors(b, count, width);
  scf::ForOp::create(
      b, t0, tWhole, b.index(width), ValueRange{},
      [&](OpBuilder &, Location loc, Value t, ValueRange) {
        Value tile = b.sub(t, t0);
        Value lanesIndex = b.index(lanes);
        Value panel = arith::DivUIOp::create(b, tile, lanesIndex);
        Value lane = arith::RemUIOp::create(b, tile, lanesIndex);
        Value begin = b.index(0);
        Value step = b.index(width);
        scf::ForOp::create(
            b, begin, jWhole, step, ValueRange{},
            [&](OpBuilder &, Location loc2, Value j, ValueRange) {
              // columns[i][r]: the sums of right-hand row i of columns
              // [j, j + width) for row t + r.
              SmallVector<SmallVector<Value>> columns;
              for (int64_t i = 0; i < perCol; ++i) {
                SmallVector<Value> block;
                for (int64_t jj = 0; jj < width; ++jj) {
                  Value col = b.add(j, b.index(jj));
                  Value first = b.mul(col, b.index(perCol));
                  Value at = b.add(first, b.index(i));
                  block.push_back(vector::LoadOp::create(
                      b, type, acc, ValueRange{panel, at, lane}));
                }
                columns.push_back(transposeSquare(b, block));
              }
              Value c = b.add(c0, j);
              for (int64_t r = 0; r < width; ++r) {
                SmallVector<Value> sums;
                for (int64_t i = 0; i < perCol; ++i)
                  sums.push_back(columns[i][r]);
                Value out = combine(c, sums);
                Value row = b.add(t, b.index(r));
                storeLike(b, out, y, {row, c});
              }
              scf::YieldOp::create(b, loc2);
            });
        Value tEnd = b.add(t, b.index(width));
        scalarBlock(t, tEnd, jWhole);
        scf::YieldOp::create(b, loc);
      });
  scalarBlock(tWhole, t1, b.index(0));
}

void seq::projectPanels(LoopBuilder &b, const TilingOptions &options, Value xT,
                        Value rows, Value k, Value n, ColumnRows rhsRows,
                        int64_t perCol, PanelCombine combine, Value y) {
  const int64_t tile = panelFeatureTile(options, k);
  const int64_t chunkRows = panelChunkRows(options);
  // Feature tiles outermost: a thread's consecutive tiles share the
  // weight rows across the chunks.
  b.parallel({b.divUp(n, tile), b.divUp(rows, chunkRows)}, [&](ValueRange ivs) {
    Value c0, c1;
    std::tie(c0, c1) = b.blockBounds(ivs[0], tile, n);
    projectPanel(b, options, xT, ivs[1], rows, c0, c1, k, rhsRows, perCol,
                 combine, y);
  });
}

void seq::projectPanels(LoopBuilder &b, const TilingOptions &options, Value x,
                        Value rows, Value k, Value weight, Value bias,
                        Value y) {
  Value xT = packRowPanels(b, options, x, rows, k);
  Value n = b.dim(weight, 0);
  projectPanels(
      b, options, xT, rows, k, n,
      [&](Value c) {
        return SmallVector<Row>{{weight, {c}}};
      },
      1,
      [&](Value c, ArrayRef<Value> sums) {
        if (!bias)
          return sums[0];
        Value add = loadLike(b, bias, c, sums[0]);
        return b.addf(sums[0], add);
      },
      y);
}

/// Whether `options` configure the panel kernel at all.
static bool panelsConfigured(const TilingOptions &options) {
  return options.linearPanelMinRows > 0 && options.vectorWidth > 0 &&
         options.linearPanelVectors > 0 && options.linearPanelFeatureTile > 0 &&
         options.linearPanelDepth > 0;
}

Value seq::usePanels(LoopBuilder &b, const TilingOptions &options, Value rows) {
  if (!panelsConfigured(options))
    return Value();
  Value minRows = b.index(options.linearPanelMinRows);
  return b.cmp(arith::CmpIPredicate::sge, rows, minRows);
}

void seq::ifPanels(LoopBuilder &b, const TilingOptions &options, Value rows,
                   llvm::function_ref<void()> panel,
                   llvm::function_ref<void()> other) {
  if (!panelsConfigured(options))
    return other();
  // Static row counts choose at compile time.
  std::optional<int64_t> known = staticIndex(rows);
  if (known)
    return *known >= options.linearPanelMinRows ? panel() : other();
  scf::IfOp::create(
      b, usePanels(b, options, rows),
      [&](OpBuilder &, Location loc) {
        panel();
        scf::YieldOp::create(b, loc);
      },
      [&](OpBuilder &, Location loc) {
        other();
        scf::YieldOp::create(b, loc);
      });
}

void seq::projectAllRows(LoopBuilder &b, const TilingOptions &options, Value x,
                         Value rows, Value k, Value n, Value weight,
                         Value bias, Value y) {
  const int64_t block = options.linearFeatureTile,
                rowBlock = options.linearRowTile;
  ifPanels(
      b, options, rows,
      [&] { projectPanels(b, options, x, rows, k, weight, bias, y); },
      [&] {
        b.parallel({b.divUp(n, block), b.divUp(rows, rowBlock)},
                   [&](ValueRange ivs) {
                     Value n0, n1;
                     std::tie(n0, n1) = b.blockBounds(ivs[0], block, n);
                     Value r0, r1;
                     std::tie(r0, r1) = b.blockBounds(ivs[1], rowBlock, rows);
                     projectRows(
                         b, r0, r1, n0, n1, k, options.vectorWidth,
                         [&](Value r) { return Row{x, {r}}; }, weight, bias,
                         y, options.linearPrefetchRows, ivs[1], rows, block,
                         rowBlock);
                   });
      });
}
