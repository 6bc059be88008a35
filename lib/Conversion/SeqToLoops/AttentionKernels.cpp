//===- AttentionKernels.cpp - flash-attention CPU micro-kernels -----------===//
//
// This file implements the vector kernels of the CPU flash-attention tile:
// the transposed score block, the vector exp2 of the online softmax and the
// register-blocked P.V update.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::seq;

void seq::forGroupSizes(LoopBuilder &b, Value lo, Value hi,
                        ArrayRef<int64_t> sizes,
                        llvm::function_ref<void(Value, int64_t)> body) {
  Value start = lo;
  for (int64_t size : sizes) {
    if (size == 1) {
      b.forLoop(start, hi, [&](Value i) { body(i, 1); });
      return;
    }
    Value step = b.index(size);
    Value whole =
        b.mul(arith::DivUIOp::create(b, b.sub(hi, start), step), step);
    Value groupsEnd = b.add(start, whole);
    scf::ForOp::create(b, start, groupsEnd, step, ValueRange{},
                       [&](OpBuilder &, Location loc, Value i, ValueRange) {
                         body(i, size);
                         scf::YieldOp::create(b, loc);
                       });
    start = groupsEnd;
  }
}

Value seq::exp2Vector(LoopBuilder &b, Value x) {
  auto type = cast<VectorType>(x.getType());
  auto intType = VectorType::get(type.getShape(), b.getI32Type());
  auto splat = [&](float v) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getF32FloatAttr(v)));
  };
  auto splatInt = [&](int32_t v) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(intType, b.getI32IntegerAttr(v)));
  };
  // Clamp to [-127, 127] (compare-and-select: one vmaxps/vminps each; -inf
  // and NaN become -127, i.e. 0).
  Value lo = splat(-127.0f), hi = splat(127.0f);
  x = b.select(arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, lo), x,
               lo);
  x = b.select(arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, hi), x,
               hi);
  Value n = math::RoundEvenOp::create(b, x);
  Value f = arith::SubFOp::create(b, x, n);
  // Cephes exp2f: 2^f = 1 + f * P(f) on [-0.5, 0.5].
  static const float kP[] = {1.535336188319500e-4f, 1.339887440266574e-3f,
                             9.618437357674640e-3f, 5.550332471162809e-2f,
                             2.402264791363012e-1f, 6.931472028550421e-1f};
  Value p = splat(kP[0]);
  for (float c : ArrayRef(kP).drop_front())
    p = vector::FMAOp::create(b, p, f, splat(c));
  p = vector::FMAOp::create(b, p, f, splat(1.0f));
  // 2^n in the exponent bits: n = -127 gives the bit pattern of +0.
  Value e = arith::FPToSIOp::create(b, intType, n);
  Value mantissaBits = splatInt(23);
  Value biased = arith::AddIOp::create(b, e, splatInt(127));
  e = arith::ShLIOp::create(b, biased, mantissaBits);
  Value scale = arith::BitcastOp::create(b, type, e);
  return arith::MulFOp::create(b, p, scale);
}

/// The sizes of forGroupSizes for register blocks of up to `block`: block,
/// then the powers of two below it down to 1.
static SmallVector<int64_t> blockSizes(int64_t block) {
  SmallVector<int64_t> sizes{block};
  for (int64_t size : {4, 2, 1})
    if (size < block)
      sizes.push_back(size);
  return sizes;
}

/// The register-block skeleton of the transposed score kernels: for each
/// block of up to block.keys keys x block.rowVectors row vectors (columns
/// of `width` rows), a loop over `steps` carries one accumulator per key
/// and row vector; per step, loadQ(step, column) once per row vector and
/// loadKey(row, step) once per key feed dot(acc, q, k) for each pair, and
/// scoresT[j][column..] = finish(sum) after the loop.
static void scoreRegisterBlocks(
    LoopBuilder &b, int64_t rowVectors, Value keys, Value steps,
    int64_t width, ScoreBlock block, llvm::function_ref<Row(Value j)> keyRow,
    llvm::function_ref<Value(Value step, Value column)> loadQ,
    llvm::function_ref<Value(const Row &row, Value step)> loadKey,
    llvm::function_ref<Value(Value acc, Value q, Value k)> dot,
    llvm::function_ref<Value(Value sum)> finish, Value scoresT,
    const ScoreLimits &limits) {
  auto type = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  forGroupSizes(
      b, b.index(0), keys, blockSizes(block.keys), [&](Value j, int64_t kc) {
        SmallVector<Value> keyIndex;
        SmallVector<Row> keyRows;
        for (int64_t k = 0; k < kc; ++k) {
          keyIndex.push_back(b.add(j, b.index(k)));
          keyRows.push_back(keyRow(keyIndex.back()));
        }
        auto rowBlocks = [&](Value lo, Value hi,
                             llvm::function_ref<void(Value, int64_t)> body) {
          forGroupSizes(b, lo, hi, blockSizes(block.rowVectors), body);
        };
        auto headRows = [&](llvm::function_ref<void(Value, int64_t)> body) {
          if (!limits.firstRowVector) {
            Value lo = b.index(0);
            Value hi = b.index(rowVectors);
            rowBlocks(lo, hi, body);
            return;
          }
          const int64_t per =
              limits.headRowVectors ? limits.headRowVectors : rowVectors;
          Value first = limits.firstRowVector(j);
          if (per == rowVectors) {
            rowBlocks(first, b.index(rowVectors), body);
            return;
          }
          Value heads = b.index(rowVectors / per);
          b.forLoop(b.index(0), heads, [&](Value g) {
            Value base = b.mul(g, b.index(per));
            Value lo = b.add(base, first);
            Value hi = b.add(base, b.index(per));
            rowBlocks(lo, hi, body);
          });
        };
        headRows(
            [&](Value rv, int64_t rc) {
              SmallVector<Value> columns;
              for (int64_t r = 0; r < rc; ++r) {
                Value rowVector = b.add(rv, b.index(r));
                columns.push_back(b.mul(rowVector, b.index(width)));
              }
              auto loop = scf::ForOp::create(
                  b, b.index(0), steps, b.index(1),
                  SmallVector<Value>(kc * rc, zero),
                  [&](OpBuilder &, Location loc, Value step, ValueRange acc) {
                    SmallVector<Value> q;
                    for (Value c : columns)
                      q.push_back(loadQ(step, c));
                    SmallVector<Value> next;
                    for (const Row &row : keyRows) {
                      Value k = loadKey(row, step);
                      for (Value qv : q)
                        next.push_back(dot(acc[next.size()], qv, k));
                    }
                    scf::YieldOp::create(b, loc, next);
                  });
              SmallVector<Value> maxima(rc);
              for (int64_t k = 0; k < kc; ++k)
                for (int64_t r = 0; r < rc; ++r) {
                  Value s = finish(loop.getResult(k * rc + r));
                  vector::StoreOp::create(b, s, scoresT,
                                          ValueRange{keyIndex[k], columns[r]});
                  if (!limits.blockMax)
                    continue;
                  if (!maxima[r]) {
                    maxima[r] = s;
                    continue;
                  }
                  Value greater = arith::CmpFOp::create(
                      b, arith::CmpFPredicate::OGT, s, maxima[r]);
                  maxima[r] = b.select(greater, s, maxima[r]);
                }
              if (limits.blockMax)
                for (int64_t r = 0; r < rc; ++r)
                  limits.blockMax(columns[r], maxima[r]);
            });
      });
}

void seq::transposedScores(LoopBuilder &b, Value qT, int64_t rowVectors,
                           Value keys, int64_t headDim, int64_t width,
                           llvm::function_ref<Row(Value j)> keyRow,
                           Value scoresT, ScoreBlock block,
                           const ScoreLimits &limits) {
  transposedScores(b, qT, rowVectors, keys, b.index(headDim), width, keyRow,
                   scoresT, block, limits);
}

void seq::transposedScores(LoopBuilder &b, Value qT, int64_t rowVectors,
                           Value keys, Value depth, int64_t width,
                           llvm::function_ref<Row(Value j)> keyRow,
                           Value scoresT, ScoreBlock block,
                           const ScoreLimits &limits) {
  auto type = VectorType::get({width}, b.getF32Type());
  scoreRegisterBlocks(
      b, rowVectors, keys, depth, width, block, keyRow,
      [&](Value d, Value c) -> Value {
        return vector::LoadOp::create(b, type, qT, ValueRange{d, c});
      },
      [&](const Row &row, Value d) -> Value {
        SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
        indices.push_back(d);
        return vector::BroadcastOp::create(b, type,
                                           b.loadF32(row.buffer, indices));
      },
      [&](Value acc, Value q, Value k) -> Value {
        return vector::FMAOp::create(b, k, q, acc);
      },
      [](Value sum) { return sum; }, scoresT, limits);
}

void seq::transposedScoresBF16Dot(LoopBuilder &b, Value qPairs,
                                  int64_t rowVectors, Value keys,
                                  int64_t headDim, int64_t width,
                                  llvm::function_ref<Row(Value j)> keyRow,
                                  Value scoresT, float scale,
                                  ScoreBlock block,
                                  const ScoreLimits &limits) {
  assert(headDim % 2 == 0 && supportsBF16Dot(width) &&
         "vdpbf16ps scores need whole bf16 pairs");
  auto type = VectorType::get({width}, b.getF32Type());
  auto pairsType = VectorType::get({2 * width}, b.getBF16Type());
  auto intType = VectorType::get({width}, b.getI32Type());
  auto onePair = VectorType::get({2}, b.getBF16Type());
  auto oneInt = VectorType::get({1}, b.getI32Type());
  Value scaleV = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(scale)));
  scoreRegisterBlocks(
      b, rowVectors, keys, b.index(headDim / 2), width, block, keyRow,
      [&](Value p, Value c) -> Value {
        return vector::LoadOp::create(b, pairsType, qPairs,
                                      ValueRange{p, b.mul(c, b.index(2))});
      },
      [&](const Row &row, Value p) -> Value {
        // The key's pair (2p, 2p + 1) as one 32-bit lane, broadcast to
        // every lane (a vpbroadcastd from memory).
        SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
        indices.push_back(b.mul(p, b.index(2)));
        Value pair = vector::LoadOp::create(b, onePair, row.buffer, indices);
        Value bits = vector::ExtractOp::create(
            b, vector::BitCastOp::create(b, oneInt, pair),
            ArrayRef<int64_t>{0});
        return vector::BitCastOp::create(
            b, pairsType, vector::BroadcastOp::create(b, intType, bits));
      },
      [&](Value acc, Value q, Value k) -> Value {
        return x86vector::DotBF16Op::create(b, type, acc, q, k);
      },
      [&](Value sum) -> Value {
        return arith::MulFOp::create(b, sum, scaleV);
      },
      scoresT, limits);
}

SmallVector<Value> seq::splitBF16Pairs(LoopBuilder &b, const Row &row, Value k,
                                       int64_t width) {
  auto pairType = VectorType::get({2 * width}, b.getBF16Type());
  auto intType = VectorType::get({width}, b.getI32Type());
  auto type = VectorType::get({width}, b.getF32Type());
  SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
  indices.push_back(k);
  Value pairs = vector::BitCastOp::create(
      b, intType, vector::LoadOp::create(b, pairType, row.buffer, indices));
  auto splat = [&](int32_t v) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(intType, b.getI32IntegerAttr(v)));
  };
  // A bf16 is the high half of its f32: the even element (low half of the
  // pair) shifted up, the odd one with the low half cleared.
  Value even = arith::ShLIOp::create(b, pairs, splat(16));
  Value odd = arith::AndIOp::create(b, pairs, splat(int32_t(0xffff0000u)));
  return {arith::BitcastOp::create(b, type, even),
          arith::BitcastOp::create(b, type, odd)};
}

bool seq::supportsBF16Dot(int64_t width) {
  return width == 4 || width == 8 || width == 16;
}

Value seq::bf16PairColumn(LoopBuilder &b, Value d, int64_t width) {
  Value within = arith::RemUIOp::create(b, d, b.index(2 * width));
  Value odd = arith::RemUIOp::create(b, within, b.index(2));
  // One op per statement, in the order gcc evaluated the nested form (the
  // order of argument evaluation differs between host compilers).
  Value half = arith::DivUIOp::create(b, within, b.index(2));
  Value oddOffset = b.mul(odd, b.index(width));
  Value pairBase = b.sub(d, within);
  return b.add(b.add(pairBase, oddOffset), half);
}

/// One level of the transposed sum of `width` dot-product accumulators:
/// x holds the partial sums of the first half of a key set, y of the second
/// (level 0: one key each). Levels 0 and 1 add neighbouring lanes inside
/// each 4-lane chunk (vhaddps: [x0+x1, x2+x3, y0+y1, y2+y3] per chunk), so
/// after level 1 lane 4c + k of chunk c holds key k's sum over that chunk;
/// the levels above add the chunk halves of each block of chunks, so the
/// last level leaves key k's whole sum in lane k.
static Value combineSums(LoopBuilder &b, Value x, Value y, int64_t level,
                         int64_t width) {
  SmallVector<int64_t> lo, hi;
  if (level < 2) {
    for (int64_t c = 0; c < width; c += 4) {
      lo.append({c, c + 2, width + c, width + c + 2});
      hi.append({c + 1, c + 3, width + c + 1, width + c + 3});
    }
  } else {
    // Blocks of `block` lanes (level 2: all chunks), halves folded.
    int64_t block = width >> (level - 2), half = block / 2;
    for (int64_t from : {int64_t(0), width})
      for (int64_t start = 0; start < width; start += block)
        for (int64_t l = 0; l < half; ++l) {
          lo.push_back(from + start + l);
          hi.push_back(from + start + half + l);
        }
  }
  Value a = vector::ShuffleOp::create(b, x, y, lo);
  Value c = vector::ShuffleOp::create(b, x, y, hi);
  return arith::AddFOp::create(b, a, c);
}

void seq::groupScores(
    LoopBuilder &b, ArrayRef<Row> queries, Value keys, int64_t headDim,
    int64_t width, llvm::function_ref<Row(Value j)> keyRow,
    llvm::function_ref<void(int64_t g, Value j0, Value scores)> store,
    llvm::function_ref<void(Value j)> prefetch, bool bf16PairLoads) {
  assert(width >= 4 && llvm::isPowerOf2_64(width) && headDim % width == 0 &&
         "groupScores needs whole vectors of a power-of-two width >= 4");
  auto type = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
  const int64_t heads = queries.size();
  Value last = b.sub(keys, b.index(1));
  // bf16 queries and keys: 2 * width elements per load, split into their
  // even and odd elements as f32 by a shift and a mask of the 32-bit pairs
  // (one load and two integer ops per 2 * width elements, where widening
  // takes a zero-extending shuffle and a shift per width elements). The
  // dot product sums the even and odd products into one accumulator.
  const bool bf16Pairs = bf16PairLoads && headDim % (2 * width) == 0;
  const int64_t step = bf16Pairs ? 2 * width : width;
  auto evenOdd = [&](const Row &row, Value d) {
    return splitBF16Pairs(b, row, d, width);
  };
  Value end = b.mul(b.divUp(keys, width), b.index(width));
  scf::ForOp::create(
      b, b.index(0), end, b.index(width), ValueRange{},
      [&](OpBuilder &, Location loc, Value j0, ValueRange) {
        for (int64_t h0 = 0; h0 < heads; h0 += 4) {
          const int64_t hc = std::min<int64_t>(4, heads - h0);
          // Per head, a stack of (level, partial sums) merged like a
          // binary counter.
          SmallVector<SmallVector<std::pair<int64_t, Value>>> stacks(hc);
          for (int64_t k = 0; k < width; k += 2) {
            Value pair[2] = {b.min(b.add(j0, b.index(k)), last),
                             b.min(b.add(j0, b.index(k + 1)), last)};
            if (prefetch)
              for (Value j : pair)
                prefetch(j);
            Row rows[2] = {keyRow(pair[0]), keyRow(pair[1])};
            auto loop = scf::ForOp::create(
                b, b.index(0), b.index(headDim), b.index(step),
                SmallVector<Value>(2 * hc, zero),
                [&](OpBuilder &, Location loc, Value d, ValueRange acc) {
                  SmallVector<Value> next;
                  if (bf16Pairs) {
                    SmallVector<Value> kv[2] = {evenOdd(rows[0], d),
                                                evenOdd(rows[1], d)};
                    for (int64_t h = 0; h < hc; ++h) {
                      SmallVector<Value> q = evenOdd(queries[h0 + h], d);
                      for (int64_t r = 0; r < 2; ++r) {
                        Value sum = acc[next.size()];
                        for (int64_t half = 0; half < 2; ++half)
                          sum = vector::FMAOp::create(b, q[half], kv[r][half],
                                                      sum);
                        next.push_back(sum);
                      }
                    }
                    scf::YieldOp::create(b, loc, next);
                    return;
                  }
                  Value kv[2] = {loadRowVector(b, rows[0], d, width),
                                 loadRowVector(b, rows[1], d, width)};
                  for (int64_t h = 0; h < hc; ++h) {
                    Value q = loadRowVector(b, queries[h0 + h], d, width);
                    for (int64_t r = 0; r < 2; ++r)
                      next.push_back(
                          vector::FMAOp::create(b, q, kv[r], acc[next.size()]));
                  }
                  scf::YieldOp::create(b, loc, next);
                });
            for (int64_t h = 0; h < hc; ++h) {
              auto &stack = stacks[h];
              for (int64_t r = 0; r < 2; ++r) {
                std::pair<int64_t, Value> top{0, loop.getResult(2 * h + r)};
                while (!stack.empty() && stack.back().first == top.first) {
                  top = {top.first + 1,
                         combineSums(b, stack.back().second, top.second,
                                     top.first, width)};
                  stack.pop_back();
                }
                stack.push_back(top);
              }
            }
          }
          for (int64_t h = 0; h < hc; ++h)
            store(h0 + h, j0, stacks[h].back().second);
        }
        scf::YieldOp::create(b, loc);
      });
}

void seq::prefetchRow(LoopBuilder &b, const Row &row, int64_t elements) {
  Type element = cast<MemRefType>(row.buffer.getType()).getElementType();
  const int64_t bytes =
      std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
  const int64_t line = std::max<int64_t>(1, 64 / bytes);
  for (int64_t at = 0; at < elements; at += line) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(b.index(at));
    memref::PrefetchOp::create(b, row.buffer, indices, /*isWrite=*/false,
                               /*localityHint=*/3, /*isDataCache=*/true);
  }
}

void seq::accumulateValues(LoopBuilder &b, Value acc, Value rowScale,
                           Value rows, Value keys, int64_t valueDim,
                           int64_t width, int64_t rowBlock, int64_t vectors,
                           llvm::function_ref<Value(Value)> scratchRow,
                           llvm::function_ref<Value(Value i, Value j)> scoreAt,
                           llvm::function_ref<Row(Value j)> valueRow,
                           bool bf16Pairs,
                           llvm::function_ref<Value(ArrayRef<Value>)> keyLimit) {
  auto type = VectorType::get({width}, b.getF32Type());
  const int64_t span = vectors * width;
  assert((!bf16Pairs || vectors % 2 == 0) &&
         "bf16 pairs take two vectors per load");
  SmallVector<int64_t> sizes{rowBlock};
  for (int64_t size : {4, 2, 1})
    if (size < rowBlock)
      sizes.push_back(size);
  forGroupSizes(b, b.index(0), rows, sizes, [&](Value t, int64_t count) {
    SmallVector<Value> rowIndex;
    for (int64_t r = 0; r < count; ++r)
      rowIndex.push_back(scratchRow(b.add(t, b.index(r))));
    Value rowKeys = keyLimit ? keyLimit(rowIndex) : keys;
    scf::ForOp::create(
        b, b.index(0), b.index(valueDim), b.index(span), ValueRange{},
        [&](OpBuilder &, Location loc, Value d0, ValueRange) {
          SmallVector<Value> columns, inits;
          for (int64_t c = 0; c < vectors; ++c)
            columns.push_back(b.add(d0, b.index(c * width)));
          for (Value i : rowIndex) {
            Value scale = vector::BroadcastOp::create(
                b, type, memref::LoadOp::create(b, rowScale, ValueRange{i}));
            for (Value d : columns)
              inits.push_back(arith::MulFOp::create(
                  b, vector::LoadOp::create(b, type, acc, ValueRange{i, d}),
                  scale));
          }
          auto loop = scf::ForOp::create(
              b, b.index(0), rowKeys, b.index(1), inits,
              [&](OpBuilder &, Location loc, Value j, ValueRange sums) {
                Row value = valueRow(j);
                SmallVector<Value> vs;
                if (bf16Pairs) {
                  for (int64_t c = 0; c < vectors; c += 2)
                    llvm::append_range(
                        vs, splitBF16Pairs(b, value, columns[c], width));
                } else {
                  for (Value d : columns)
                    vs.push_back(loadRowVector(b, value, d, width));
                }
                SmallVector<Value> next;
                for (auto [r, i] : llvm::enumerate(rowIndex)) {
                  Value p = vector::BroadcastOp::create(b, type, scoreAt(i, j));
                  for (auto [c, v] : llvm::enumerate(vs))
                    next.push_back(
                        vector::FMAOp::create(b, p, v, sums[r * vectors + c]));
                }
                scf::YieldOp::create(b, loc, next);
              });
          for (auto [r, i] : llvm::enumerate(rowIndex))
            for (auto [c, d] : llvm::enumerate(columns))
              vector::StoreOp::create(b, loop.getResult(r * vectors + c), acc,
                                      ValueRange{i, d});
          scf::YieldOp::create(b, loc);
        });
  });
}
