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

int64_t seq::panelChunkRows(const TilingOptions &options) {
  const int64_t lanes = options.linearPanelVectors * options.vectorWidth;
  return lanes * std::max<int64_t>(1, options.linearPanelDepth / lanes);
}

Value seq::packRowPanels(LoopBuilder &b, Value x, Value rows, Value k,
                         int64_t lanes) {
  Type f32 = b.getF32Type();
  Value panels = b.divUp(rows, lanes);
  Value xT = memref::AllocOp::create(
      b,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, lanes}, f32),
      ValueRange{panels, k}, b.getI64IntegerAttr(64));
  Value zero = b.f32(0.0f);
  b.parallel({panels}, [&](ValueRange ivs) {
    Value t0 = b.mul(ivs[0], b.index(lanes));
    Value last = b.sub(rows, b.index(1));
    // Each row read contiguously; the panel written a column at a time.
    b.forLoop(b.index(0), b.index(lanes), [&](Value l) {
      Value t = b.add(t0, l);
      Value valid = b.cmp(arith::CmpIPredicate::ult, t, rows);
      Value row = b.min(t, last);
      b.forLoop(b.index(0), k, [&](Value i) {
        Value v = b.loadF32(x, {row, i});
        Value masked = b.select(valid, v, zero);
        memref::StoreOp::create(b, masked, xT, ValueRange{ivs[0], i, l});
      });
    });
  });
  return xT;
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
  Value chunkLanes = b.mul(chunkPanelsHere, b.index(lanes));
  const int64_t tile = options.linearPanelFeatureTile;
  const int64_t depthBlock = options.linearPanelDepth;
  const int64_t blockCols =
      std::max<int64_t>(1, options.linearPanelFeatures / perCol);
  Type f32 = b.getF32Type();
  auto type = VectorType::get({width}, f32);
  Value zeroV = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  // The tile's accumulators between depth blocks, zeroed.
  Value acc = b.scratch({tile * perCol, chunkPanels * lanes}, f32);
  Value count = b.sub(c1, c0);
  Value accRows = b.mul(count, b.index(perCol));
  b.forLoop(b.index(0), accRows, [&](Value i) {
    scf::ForOp::create(
        b, b.index(0), chunkLanes, b.index(width), ValueRange{},
        [&](OpBuilder &, Location loc, Value lane, ValueRange) {
          vector::StoreOp::create(b, zeroV, acc, ValueRange{i, lane});
          scf::YieldOp::create(b, loc);
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
        forGroupSizes(b, c0, c1, {blockCols, 1}, [&](Value c, int64_t cols) {
          // The block's right-hand rows and their accumulator rows.
          SmallVector<Row> rhs;
          SmallVector<Value> accRow;
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
          // The chunk's panels one after the other against the block's
          // rows (in L1 across them).
          b.forLoop(p0, p1, [&](Value panel) {
            Value offset = b.sub(panel, p0);
            Value base = b.mul(offset, b.index(lanes));
            SmallVector<Value> columns, accColumns, init;
            for (int64_t v = 0; v < vectors; ++v) {
              columns.push_back(b.index(v * width));
              accColumns.push_back(b.add(base, columns.back()));
            }
            for (Value at : accRow)
              for (Value column : accColumns)
                init.push_back(vector::LoadOp::create(b, type, acc,
                                                      ValueRange{at, column}));
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
              for (Value column : accColumns)
                vector::StoreOp::create(b, loop.getResult(at++), acc,
                                        ValueRange{row, column});
          });
        });
        scf::YieldOp::create(b, loc);
      });
  (void)depthLoop;
  // The chunk's real rows, each a run of consecutive columns of y.
  Value t0 = b.mul(p0, b.index(lanes));
  Value t1 = b.min(rows, b.mul(p1, b.index(lanes)));
  b.forLoop(t0, t1, [&](Value t) {
    Value lane = b.sub(t, t0);
    b.forLoop(b.index(0), count, [&](Value j) {
      SmallVector<Value> sums;
      Value first = b.mul(j, b.index(perCol));
      for (int64_t i = 0; i < perCol; ++i) {
        Value at = b.add(first, b.index(i));
        sums.push_back(memref::LoadOp::create(b, acc, ValueRange{at, lane}));
      }
      Value c = b.add(c0, j);
      b.storeF32(combine(c, sums), y, {t, c});
    });
  });
}

void seq::projectPanels(LoopBuilder &b, const TilingOptions &options, Value xT,
                        Value rows, Value k, Value n, ColumnRows rhsRows,
                        int64_t perCol, PanelCombine combine, Value y) {
  const int64_t lanes = options.linearPanelVectors * options.vectorWidth;
  const int64_t tile = options.linearPanelFeatureTile;
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
  const int64_t lanes = options.linearPanelVectors * options.vectorWidth;
  Value xT = packRowPanels(b, x, rows, k, lanes);
  Value n = b.dim(weight, 0);
  projectPanels(
      b, options, xT, rows, k, n,
      [&](Value c) {
        return SmallVector<Row>{{weight, {c}}};
      },
      1,
      [&](Value c, ArrayRef<Value> sums) {
        return bias ? b.addf(sums[0], b.loadF32(bias, {c})) : sums[0];
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
  std::optional<int64_t> known = getConstantIntValue(rows);
  if (auto dim = rows.getDefiningOp<memref::DimOp>())
    if (std::optional<int64_t> at = dim.getConstantIndex()) {
      auto type = cast<MemRefType>(dim.getSource().getType());
      if (!type.isDynamicDim(*at))
        known = type.getDimSize(*at);
    }
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
