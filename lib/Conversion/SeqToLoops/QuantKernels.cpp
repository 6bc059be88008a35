//===- QuantKernels.cpp - kernels over block-quantized weights ------------===//
//
// This file implements the inner kernels of the quantized lowerings. The
// packed weights stay packed: every block is read as bytes, its f16 scale
// (and min) widened to f32, and its 4- or 8-bit values unpacked to f32 in
// registers (vector.load of i8, andi/shrui, sitofp/uitofp), so a decode step
// reads each weight byte once. The K-quants (q4_k, q6_k) decode each
// sub-block's scale (and min) once as scalars, then unpack its quants the
// same way. Half-precision weights (f16, bf16) are read `lanes` values at a
// time as bytes, bitcast to their float type and widened to f32.
//
//===----------------------------------------------------------------------===//

#include "QuantKernels.h"
#include "VectorKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Reads the blocks of one packed format, `lanes` elements at a time (a
/// vector<lanes x ...>, or scalars when `lanes` is 0).
///
/// A block is `loads` byte groups of `lanes` bytes after its header; group
/// `g` holds `parts` chunks of `lanes` elements: for q8_0 one chunk (bytes
/// are elements), for q4_0/q4_1 two (the low nibbles are elements
/// g * lanes.., the high nibbles 16 + g * lanes..).
class BlockReader {
public:
  BlockReader(LoopBuilder &b, QuantFormat format, int64_t lanes)
      : b(b), format(format), lanes(lanes), elements(blockElements(format)),
        bytes(blockBytes(format)) {}

  int64_t blockElementCount() const { return elements; }
  int64_t blockByteCount() const { return bytes; }
  /// Byte groups per block.
  int64_t loads() const {
    return (format == QuantFormat::Q8_0 ? elements : elements / 2) /
           std::max<int64_t>(lanes, 1);
  }
  /// Chunks per byte group.
  int64_t parts() const { return format == QuantFormat::Q8_0 ? 1 : 2; }
  /// Offset of chunk (g, part) in the block's elements.
  Value elementOffset(Value g, int64_t part) {
    Value offset = b.mul(g, b.index(std::max<int64_t>(lanes, 1)));
    return part ? b.add(offset, b.index(elements / 2)) : offset;
  }

  /// The scale and min (q4_1; zero otherwise) of the block at byte
  /// `offset` of packed row `row`, as f32 splats of the chunk type.
  std::pair<Value, Value> header(Value packed, Value row, Value offset) {
    Value d = loadF16(packed, row, offset);
    Value m = format == QuantFormat::Q4_1
                  ? loadF16(packed, row, b.add(offset, b.index(2)))
                  : Value();
    return {splat(d), m ? splat(m) : Value()};
  }

  /// The bytes of group `g` of the block at byte `offset` of `row`.
  Value loadGroup(Value packed, Value row, Value offset, Value g) {
    Value at = b.add(b.add(offset, b.index(headerBytes())),
                     b.mul(g, b.index(std::max<int64_t>(lanes, 1))));
    if (lanes == 0)
      return memref::LoadOp::create(b, packed, ValueRange{row, at});
    return vector::LoadOp::create(b, VectorType::get({lanes}, b.getI8Type()),
                                  packed, ValueRange{row, at});
  }

  /// Chunk `part` of a loaded group as its integer levels in f32: `qs` for
  /// q8_0, `nibble - 8` for q4_0, `nibble` for q4_1 (the value is
  /// `d * level (+ m)`).
  Value levels(Value group, int64_t part) {
    Type i8 = chunkType(b.getI8Type()), f32 = chunkType(b.getF32Type());
    if (format == QuantFormat::Q8_0)
      return arith::SIToFPOp::create(b, f32, group);
    Value nibble =
        part ? Value(arith::ShRUIOp::create(b, group, constant(i8, 4)))
             : Value(arith::AndIOp::create(b, group, constant(i8, 0x0F)));
    if (format == QuantFormat::Q4_0)
      return arith::SIToFPOp::create(
          b, f32, arith::SubIOp::create(b, nibble, constant(i8, 8)));
    return arith::UIToFPOp::create(b, f32, nibble);
  }

  /// Whether the format is a K-quant: super-blocks of subBlocks()
  /// sub-blocks, each with its own scale (and min), read by subHeader() and
  /// subLevels() instead of header(), loadGroup() and levels().
  bool isKQuant() const {
    return format == QuantFormat::Q4_K || format == QuantFormat::Q6_K;
  }
  /// Sub-blocks per K-quant super-block: 8 of 32 elements (q4_k), 16 of 16
  /// (q6_k).
  int64_t subBlocks() const { return format == QuantFormat::Q4_K ? 8 : 16; }
  int64_t subElements() const { return elements / subBlocks(); }
  /// Chunks per sub-block.
  int64_t subLoads() const {
    return subElements() / std::max<int64_t>(lanes, 1);
  }

  /// The scale and negated min (q4_k; null for q6_k) of sub-block `s` of the
  /// super-block at byte `offset` of packed row `row`, as f32 splats of the
  /// chunk type: element value = scale * level (+ negated min).
  std::pair<Value, Value> subHeader(Value packed, Value row, Value offset,
                                    Value s) {
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    auto byteAt = [&](Value at) -> Value {
      return memref::LoadOp::create(b, packed, ValueRange{row, at});
    };
    if (format == QuantFormat::Q6_K) {
      // f16 d at 208; i8 scales[16] at 192.
      Value d = loadF16(packed, row, b.add(offset, b.index(208)));
      Value sc = arith::SIToFPOp::create(
          b, f32, byteAt(b.add(offset, b.add(b.index(192), s))));
      return {splat(b.mulf(d, sc)), Value()};
    }
    // q4_k: f16 d, dmin; 12 bytes of 6-bit scales and mins at 4, decoded as
    // ggml's get_scale_min_k4. With a = scales[s % 4], c = scales[s + 4],
    // e = scales[s]: s < 4: sc = a & 63, m = c & 63; s >= 4:
    // sc = (c & 15) | (a >> 6) << 4, m = (c >> 4) | (e >> 6) << 4.
    Value d = loadF16(packed, row, offset);
    Value dmin = loadF16(packed, row, b.add(offset, b.index(2)));
    Value base = b.add(offset, b.index(4));
    auto scaleByte = [&](Value index) -> Value {
      return arith::ExtUIOp::create(b, i32, byteAt(b.add(base, index)));
    };
    Value a = scaleByte(arith::AndIOp::create(b, s, b.index(3)));
    Value c = scaleByte(b.add(s, b.index(4)));
    Value e = scaleByte(s);
    auto andC = [&](Value v, int32_t mask) -> Value {
      return arith::AndIOp::create(b, v, b.i32(mask));
    };
    auto shr = [&](Value v, int32_t bits) -> Value {
      return arith::ShRUIOp::create(b, v, b.i32(bits));
    };
    auto top2 = [&](Value v) -> Value {
      return arith::ShLIOp::create(b, shr(v, 6), b.i32(4));
    };
    Value low = b.cmp(arith::CmpIPredicate::ult, s, b.index(4));
    Value sc = b.select(low, andC(a, 63),
                        arith::OrIOp::create(b, andC(c, 15), top2(a)));
    Value m =
        b.select(low, andC(c, 63), arith::OrIOp::create(b, shr(c, 4), top2(e)));
    Value scale = b.mulf(d, arith::UIToFPOp::create(b, f32, sc));
    Value negMin = arith::NegFOp::create(
        b, b.mulf(dmin, arith::UIToFPOp::create(b, f32, m)));
    return {splat(scale), splat(negMin)};
  }

  /// Chunk `e` of sub-block `s` of the super-block at byte `offset` of
  /// `row` as its integer levels in f32: the 4-bit quant (q4_k) or the
  /// 6-bit quant - 32 (q6_k). Its elements start at s * subElements() +
  /// e * lanes of the super-block.
  Value subLevels(Value packed, Value row, Value offset, Value s, Value e) {
    Type i8 = chunkType(b.getI8Type()), f32 = chunkType(b.getF32Type());
    Value inSub = b.mul(e, b.index(std::max<int64_t>(lanes, 1)));
    auto shift = [&](Value amount) -> Value {
      Value bits = arith::IndexCastOp::create(b, b.getI8Type(), amount);
      return splat(bits);
    };
    auto shr = [&](Value v, Value amount) -> Value {
      return arith::ShRUIOp::create(b, v, amount);
    };
    if (format == QuantFormat::Q4_K) {
      // qs[128] at 16: sub-blocks 2p, 2p + 1 are the low and high nibbles
      // of qs[32p..32p + 32).
      Value pair = arith::ShRUIOp::create(b, s, b.index(1));
      Value at = b.add(b.add(offset, b.index(16)),
                       b.add(b.mul(pair, b.index(32)), inSub));
      Value amount = b.mul(arith::AndIOp::create(b, s, b.index(1)), b.index(4));
      Value nibble = arith::AndIOp::create(
          b, shr(loadBytes(packed, row, at), shift(amount)), constant(i8, 15));
      return arith::UIToFPOp::create(b, f32, nibble);
    }
    // q6_k: element 128n + 32q + l (l < 32) of the super-block is in
    // sub-block s = 8n + 2q + l / 16. Its low 4 bits are the low (q < 2) or
    // high (q >= 2) nibble of ql[64n + 32(q % 2) + l], its high 2 bits bits
    // 2q, 2q + 1 of qh[32n + l] (qh at 128).
    Value n = arith::ShRUIOp::create(b, s, b.index(3));
    Value q = arith::AndIOp::create(b, arith::ShRUIOp::create(b, s, b.index(1)),
                                    b.index(3));
    Value l = b.add(b.mul(arith::AndIOp::create(b, s, b.index(1)), b.index(16)),
                    inSub);
    Value qlAt =
        b.add(offset, b.add(b.add(b.mul(n, b.index(64)),
                                  b.mul(arith::AndIOp::create(b, q, b.index(1)),
                                        b.index(32))),
                            l));
    Value qhAt =
        b.add(offset, b.add(b.index(128), b.add(b.mul(n, b.index(32)), l)));
    Value lowAmount =
        b.mul(arith::ShRUIOp::create(b, q, b.index(1)), b.index(4));
    Value highAmount = b.mul(q, b.index(2));
    Value low = arith::AndIOp::create(
        b, shr(loadBytes(packed, row, qlAt), shift(lowAmount)),
        constant(i8, 15));
    Value high = arith::ShLIOp::create(
        b,
        arith::AndIOp::create(
            b, shr(loadBytes(packed, row, qhAt), shift(highAmount)),
            constant(i8, 3)),
        constant(i8, 4));
    Value level = arith::SubIOp::create(b, arith::OrIOp::create(b, low, high),
                                        constant(i8, 32));
    return arith::SIToFPOp::create(b, f32, level);
  }

  /// Whether the format is a plain half-precision float (f16, bf16): blocks
  /// of one element, read by halfChunk() instead of the block readers.
  bool isHalf() const {
    return format == QuantFormat::F16 || format == QuantFormat::BF16;
  }

  /// Elements [at, at + lanes) (one when scalar) of half-precision `row`
  /// as f32: the 2 * lanes bytes at byte 2 * at, bitcast to f16 (widened by
  /// extf) or bf16 (the high half of an f32).
  Value halfChunk(Value packed, Value row, Value at) {
    Value byteAt = b.mul(at, b.index(2));
    Type i16 = chunkType(b.getI16Type());
    Value bits;
    if (lanes == 0) {
      auto byte = [&](Value offset) {
        return arith::ExtUIOp::create(
            b, i16, memref::LoadOp::create(b, packed, ValueRange{row, offset}));
      };
      bits = arith::OrIOp::create(
          b, byte(byteAt),
          arith::ShLIOp::create(b, byte(b.add(byteAt, b.index(1))),
                                constant(i16, 8)));
    } else {
      Value raw =
          vector::LoadOp::create(b, VectorType::get({2 * lanes}, b.getI8Type()),
                                 packed, ValueRange{row, byteAt});
      bits = vector::BitCastOp::create(b, cast<VectorType>(i16), raw);
    }
    Type f32 = chunkType(b.getF32Type());
    if (format == QuantFormat::F16) {
      Value half = arith::BitcastOp::create(b, chunkType(b.getF16Type()), bits);
      return arith::ExtFOp::create(b, f32, half);
    }
    Type i32 = chunkType(b.getI32Type());
    Value wide = arith::ShLIOp::create(b, arith::ExtUIOp::create(b, i32, bits),
                                       constant(i32, 16));
    return arith::BitcastOp::create(b, f32, wide);
  }

  /// Chunk `e` of sub-block `s` as dequantized f32 values.
  Value subDequantize(Value packed, Value row, Value offset, Value s, Value e,
                      std::pair<Value, Value> header) {
    Value scaled = b.mulf(subLevels(packed, row, offset, s, e), header.first);
    return header.second ? b.addf(scaled, header.second) : scaled;
  }

  /// Offset of chunk `e` of sub-block `s` in the super-block's elements.
  Value subElementOffset(Value s, Value e) {
    return b.add(b.mul(s, b.index(subElements())),
                 b.mul(e, b.index(std::max<int64_t>(lanes, 1))));
  }

  /// Chunk `part` of a loaded group as dequantized f32 values.
  Value dequantize(Value group, int64_t part, Value d, Value m) {
    Value scaled = b.mulf(levels(group, part), d);
    return m ? b.addf(scaled, m) : scaled;
  }

  /// The chunk type for element type `element`.
  Type chunkType(Type element) const {
    return lanes ? Type(VectorType::get({lanes}, element)) : element;
  }

  /// `lanes` f32 elements of `buffer[row, at..]`.
  Value loadF32s(Value buffer, Value row, Value at) {
    if (lanes == 0)
      return b.loadF32(buffer, {row, at});
    return loadRowVector(b, Row{buffer, {row}}, at, lanes);
  }

  /// Stores `lanes` f32 elements to `buffer[row, at..]`.
  void storeF32s(Value value, Value buffer, Value row, Value at) {
    if (lanes == 0)
      return b.storeF32(value, buffer, {row, at});
    vector::StoreOp::create(b, value, buffer, ValueRange{row, at});
  }

  /// acc + x * y.
  Value fma(Value x, Value y, Value acc) {
    if (lanes == 0)
      return b.addf(acc, b.mulf(x, y));
    return vector::FMAOp::create(b, x, y, acc);
  }

  /// A zero chunk accumulator.
  Value zero() {
    Type f32 = chunkType(b.getF32Type());
    return constant(f32, 0.0f);
  }

  /// The f32 sum of an accumulator's lanes.
  Value reduce(Value acc) {
    if (lanes == 0)
      return acc;
    return vector::ReductionOp::create(
        b, vector::CombiningKind::ADD, acc, Value(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  }

private:
  int64_t headerBytes() const { return format == QuantFormat::Q4_1 ? 4 : 2; }

  /// `lanes` bytes (one when scalar) of `row` from byte `at`.
  Value loadBytes(Value packed, Value row, Value at) {
    if (lanes == 0)
      return memref::LoadOp::create(b, packed, ValueRange{row, at});
    return vector::LoadOp::create(b, VectorType::get({lanes}, b.getI8Type()),
                                  packed, ValueRange{row, at});
  }

  /// The little-endian f16 at bytes [offset, offset + 2) of `row`, as f32.
  Value loadF16(Value packed, Value row, Value offset) {
    Type i16 = b.getI16Type();
    auto byte = [&](Value at) {
      return arith::ExtUIOp::create(
          b, i16, memref::LoadOp::create(b, packed, ValueRange{row, at}));
    };
    Value lo = byte(offset), hi = byte(b.add(offset, b.index(1)));
    Value bits = arith::OrIOp::create(
        b, lo,
        arith::ShLIOp::create(
            b, hi, arith::ConstantOp::create(b, b.getI16IntegerAttr(8))));
    Value half = arith::BitcastOp::create(b, b.getF16Type(), bits);
    return arith::ExtFOp::create(b, b.getF32Type(), half);
  }

  Value splat(Value scalar) {
    if (lanes == 0)
      return scalar;
    return vector::BroadcastOp::create(
        b, VectorType::get({lanes}, scalar.getType()), scalar);
  }

  Value constant(Type type, double value) {
    Type element = getElementTypeOrSelf(type);
    TypedAttr attr = isa<FloatType>(element)
                         ? TypedAttr(b.getFloatAttr(element, value))
                         : TypedAttr(b.getIntegerAttr(element, int64_t(value)));
    if (auto vector = dyn_cast<VectorType>(type))
      attr = DenseElementsAttr::get(vector, Attribute(attr));
    return arith::ConstantOp::create(b, attr);
  }

  LoopBuilder &b;
  QuantFormat format;
  int64_t lanes, elements, bytes;
};

} // namespace

int64_t seq::quantLanes(int64_t vectorWidth) {
  if (vectorWidth >= 16)
    return 16;
  return vectorWidth > 0 && 16 % vectorWidth == 0 ? vectorWidth : 0;
}

/// The packed rows `ahead` rows after each of `cols`, clamped to the last
/// row of `packed`, for prefetchBlock (empty when `ahead` is 0).
SmallVector<Value> seq::prefetchRows(LoopBuilder &b, Value packed,
                                     ArrayRef<Value> cols, int64_t ahead) {
  SmallVector<Value> rows;
  if (ahead <= 0)
    return rows;
  Value last = b.sub(b.dim(packed, 0), b.index(1));
  for (Value col : cols)
    rows.push_back(b.min(b.add(col, b.index(ahead)), last));
  return rows;
}

void seq::prefetchBlock(LoopBuilder &b, Value packed, ArrayRef<Value> rows,
                        Value offset) {
  for (Value row : rows)
    memref::PrefetchOp::create(b, packed, ValueRange{row, offset},
                               /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
}

/// Dot products of rows [r, r + rowCount) of `x` with packed rows
/// [c, c + colCount) of `packed` over `numBlocks` blocks:
/// result[i * colCount + j]. Each weight chunk is unpacked once and used for
/// every row.
///
/// With several rows each chunk is dequantized (scaled) once and shared by
/// the rows. A single row (decode) instead accumulates the block's integer
/// levels times x and scales once per block:
/// acc += d * sum(level * x) (+ m * sum(x) for q4_1), which saves the
/// per-chunk scaling at the cost of one more accumulator per output.
/// `xRow` is the row of `x` that row `r` reads.
static SmallVector<Value> quantizedDots(LoopBuilder &b, BlockReader &reader,
                                        Value x, Value xRow, int64_t rowCount,
                                        Value packed, Value c, int64_t colCount,
                                        Value numBlocks, int64_t prefetch) {
  const int64_t count = rowCount * colCount;
  const bool scaleBlocks = rowCount == 1;
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < rowCount; ++i)
    rows.push_back(b.add(xRow, b.index(i)));
  for (int64_t j = 0; j < colCount; ++j)
    cols.push_back(b.add(c, b.index(j)));
  SmallVector<Value> ahead =
      prefetchRows(b, packed, cols, scaleBlocks ? prefetch : 0);
  SmallVector<Value> inits(count, reader.zero());
  SmallVector<Value> accs = b.forLoop(
      b.index(0), numBlocks, inits,
      [&](Value block, ValueRange blockAccs) -> SmallVector<Value> {
        Value byteOffset = b.mul(block, b.index(reader.blockByteCount()));
        Value elementBase = b.mul(block, b.index(reader.blockElementCount()));
        prefetchBlock(b, packed, ahead, byteOffset);
        SmallVector<std::pair<Value, Value>> headers;
        for (Value col : cols)
          headers.push_back(reader.header(packed, col, byteOffset));
        // Scaled: the running sums. Per block: the block's level dot
        // products, then (q4_1) the sum of x over the block.
        SmallVector<Value> inner(blockAccs.begin(), blockAccs.end());
        bool withMin = scaleBlocks && headers.front().second;
        if (scaleBlocks)
          inner.assign(count, reader.zero());
        if (withMin)
          inner.push_back(reader.zero());
        SmallVector<Value> sums = b.forLoop(
            b.index(0), b.index(reader.loads()), inner,
            [&](Value g, ValueRange acc) -> SmallVector<Value> {
              SmallVector<Value> next(acc.begin(), acc.end());
              SmallVector<Value> groups;
              for (Value col : cols)
                groups.push_back(reader.loadGroup(packed, col, byteOffset, g));
              for (int64_t part = 0; part < reader.parts(); ++part) {
                Value at = b.add(elementBase, reader.elementOffset(g, part));
                SmallVector<Value> xs;
                for (Value row : rows)
                  xs.push_back(reader.loadF32s(x, row, at));
                if (withMin)
                  next[count] = b.addf(next[count], xs.front());
                for (int64_t j = 0; j < colCount; ++j) {
                  Value w = scaleBlocks ? reader.levels(groups[j], part)
                                        : reader.dequantize(groups[j], part,
                                                            headers[j].first,
                                                            headers[j].second);
                  for (int64_t i = 0; i < rowCount; ++i)
                    next[i * colCount + j] =
                        reader.fma(xs[i], w, next[i * colCount + j]);
                }
              }
              return next;
            });
        if (!scaleBlocks)
          return sums;
        SmallVector<Value> next(blockAccs.begin(), blockAccs.end());
        for (int64_t j = 0; j < colCount; ++j) {
          next[j] = reader.fma(sums[j], headers[j].first, next[j]);
          if (withMin)
            next[j] = reader.fma(sums[count], headers[j].second, next[j]);
        }
        return next;
      });
  SmallVector<Value> sums;
  for (Value acc : accs)
    sums.push_back(reader.reduce(acc));
  return sums;
}

/// quantizedDots for the half-precision formats: `k` elements, `lanes` at a
/// time, each weight chunk widened to f32 once for every row.
static SmallVector<Value> halfDots(LoopBuilder &b, BlockReader &reader, Value x,
                                   Value xRow, int64_t rowCount, Value packed,
                                   Value c, int64_t colCount, int64_t k,
                                   int64_t lanes) {
  const int64_t count = rowCount * colCount;
  const int64_t step = std::max<int64_t>(lanes, 1);
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < rowCount; ++i)
    rows.push_back(b.add(xRow, b.index(i)));
  for (int64_t j = 0; j < colCount; ++j)
    cols.push_back(b.add(c, b.index(j)));
  SmallVector<Value> inits(count, reader.zero());
  SmallVector<Value> accs =
      b.forLoop(b.index(0), b.index(k / step), inits,
                [&](Value e, ValueRange acc) -> SmallVector<Value> {
                  SmallVector<Value> next(acc.begin(), acc.end());
                  Value at = b.mul(e, b.index(step));
                  SmallVector<Value> xs;
                  for (Value row : rows)
                    xs.push_back(reader.loadF32s(x, row, at));
                  for (int64_t j = 0; j < colCount; ++j) {
                    Value w = reader.halfChunk(packed, cols[j], at);
                    for (int64_t i = 0; i < rowCount; ++i)
                      next[i * colCount + j] =
                          reader.fma(xs[i], w, next[i * colCount + j]);
                  }
                  return next;
                });
  SmallVector<Value> sums;
  for (Value acc : accs)
    sums.push_back(reader.reduce(acc));
  return sums;
}

/// The chunk width for `format` over rows of `k` elements: quantLanes, or
/// scalars for a half-precision row that whole chunks do not tile.
static int64_t formatLanes(QuantFormat format, int64_t vectorWidth, int64_t k) {
  int64_t lanes = quantLanes(vectorWidth);
  bool half = format == QuantFormat::F16 || format == QuantFormat::BF16;
  return half && lanes && k % lanes != 0 ? 0 : lanes;
}

/// quantizedDots for the K-quants: per super-block and sub-block, the
/// sub-block's scale (and min) is decoded once per feature as a scalar, then
/// its chunks are unpacked, dequantized and accumulated in f32 for every
/// row.
static SmallVector<Value> kQuantDots(LoopBuilder &b, BlockReader &reader,
                                     Value x, Value xRow, int64_t rowCount,
                                     Value packed, Value c, int64_t colCount,
                                     Value numBlocks) {
  const int64_t count = rowCount * colCount;
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < rowCount; ++i)
    rows.push_back(b.add(xRow, b.index(i)));
  for (int64_t j = 0; j < colCount; ++j)
    cols.push_back(b.add(c, b.index(j)));
  SmallVector<Value> inits(count, reader.zero());
  SmallVector<Value> accs = b.forLoop(
      b.index(0), numBlocks, inits,
      [&](Value block, ValueRange blockAccs) -> SmallVector<Value> {
        Value byteOffset = b.mul(block, b.index(reader.blockByteCount()));
        Value elementBase = b.mul(block, b.index(reader.blockElementCount()));
        return b.forLoop(
            b.index(0), b.index(reader.subBlocks()), blockAccs,
            [&](Value s, ValueRange subAccs) -> SmallVector<Value> {
              SmallVector<std::pair<Value, Value>> headers;
              for (Value col : cols)
                headers.push_back(reader.subHeader(packed, col, byteOffset, s));
              return b.forLoop(
                  b.index(0), b.index(reader.subLoads()), subAccs,
                  [&](Value e, ValueRange acc) -> SmallVector<Value> {
                    SmallVector<Value> next(acc.begin(), acc.end());
                    Value at =
                        b.add(elementBase, reader.subElementOffset(s, e));
                    SmallVector<Value> xs;
                    for (Value row : rows)
                      xs.push_back(reader.loadF32s(x, row, at));
                    for (int64_t j = 0; j < colCount; ++j) {
                      Value w = reader.subDequantize(
                          packed, cols[j], byteOffset, s, e, headers[j]);
                      for (int64_t i = 0; i < rowCount; ++i)
                        next[i * colCount + j] =
                            reader.fma(xs[i], w, next[i * colCount + j]);
                    }
                    return next;
                  });
            });
      });
  SmallVector<Value> sums;
  for (Value acc : accs)
    sums.push_back(reader.reduce(acc));
  return sums;
}

void seq::quantizedProjectRows(LoopBuilder &b, QuantFormat format,
                               const TilingOptions &tiling, Value r0, Value r1,
                               Value c0, Value c1, int64_t k, Value x,
                               Value xRow0, Value packed, Value bias, Value y) {
  int64_t lanes = formatLanes(format, tiling.vectorWidth, k);
  BlockReader reader(b, format, lanes);
  Value numBlocks = b.index(k / blockElements(format));
  // A block of rowCount > 1 rows takes quantBlockRows * quantBlockFeatures
  // / rowCount features (as many accumulators as a whole block).
  auto rowBlock = [&](Value r, int64_t rowCount) {
    int64_t blockCols =
        rowCount > 1
            ? std::max(tiling.quantBlockFeatures,
                       tiling.quantBlockRows * tiling.quantBlockFeatures /
                           rowCount)
            : tiling.quantDecodeFeatures;
    forGroups(b, c0, c1, blockCols, [&](Value c, int64_t colCount) {
      Value xRow = b.sub(r, xRow0);
      SmallVector<Value> dots =
          reader.isHalf() ? halfDots(b, reader, x, xRow, rowCount, packed, c,
                                     colCount, k, lanes)
          : reader.isKQuant()
              ? kQuantDots(b, reader, x, xRow, rowCount, packed, c, colCount,
                           numBlocks)
              : quantizedDots(b, reader, x, xRow, rowCount, packed, c, colCount,
                              numBlocks, tiling.quantPrefetchRows);
      for (int64_t i = 0; i < rowCount; ++i)
        for (int64_t j = 0; j < colCount; ++j) {
          Value col = b.add(c, b.index(j));
          Value sum = dots[i * colCount + j];
          if (bias)
            sum = b.addf(sum, b.loadF32(bias, {col}));
          b.storeF32(sum, y, {b.add(r, b.index(i)), col});
        }
    });
  };
  // Whole blocks of quantBlockRows rows, then the rest in blocks of half as
  // many while they last (4, 2 after 8), then single rows: the few rows of
  // a speculative verify call (K + 1 = 5) share each unpacked weight block
  // instead of all running one at a time as decode rows do (5 rows cost
  // 5 one-row GEMVs, more than a block of 8; bench/results/
  // spec-2026-12-01-s10.md).
  Value lo = r0;
  for (int64_t group = tiling.quantBlockRows; group > 1; group /= 2) {
    Value whole = b.mul(
        arith::DivUIOp::create(b, b.sub(r1, lo), b.index(group)).getResult(),
        b.index(group));
    Value end = b.add(lo, whole);
    scf::ForOp::create(b, lo, end, b.index(group), ValueRange{},
                       [&](OpBuilder &, Location loc, Value i, ValueRange) {
                         rowBlock(i, group);
                         scf::YieldOp::create(b, loc);
                       });
    lo = end;
  }
  b.forLoop(lo, r1, [&](Value i) { rowBlock(i, 1); });
}

void seq::dequantizeRow(LoopBuilder &b, QuantFormat format, int64_t vectorWidth,
                        Value packed, Value row, int64_t k, Value y,
                        Value yRow) {
  int64_t lanes = formatLanes(format, vectorWidth, k);
  BlockReader reader(b, format, lanes);
  if (reader.isHalf()) {
    int64_t step = std::max<int64_t>(lanes, 1);
    b.forLoop(b.index(0), b.index(k / step), [&](Value e) {
      Value at = b.mul(e, b.index(step));
      reader.storeF32s(reader.halfChunk(packed, row, at), y, yRow, at);
    });
    return;
  }
  b.forLoop(b.index(0), b.index(k / blockElements(format)), [&](Value block) {
    Value byteOffset = b.mul(block, b.index(reader.blockByteCount()));
    Value elementBase = b.mul(block, b.index(reader.blockElementCount()));
    if (reader.isKQuant()) {
      b.forLoop(b.index(0), b.index(reader.subBlocks()), [&](Value s) {
        std::pair<Value, Value> header =
            reader.subHeader(packed, row, byteOffset, s);
        b.forLoop(b.index(0), b.index(reader.subLoads()), [&](Value e) {
          reader.storeF32s(
              reader.subDequantize(packed, row, byteOffset, s, e, header), y,
              yRow, b.add(elementBase, reader.subElementOffset(s, e)));
        });
      });
      return;
    }
    std::pair<Value, Value> scale = reader.header(packed, row, byteOffset);
    b.forLoop(b.index(0), b.index(reader.loads()), [&](Value g) {
      Value group = reader.loadGroup(packed, row, byteOffset, g);
      for (int64_t part = 0; part < reader.parts(); ++part)
        reader.storeF32s(
            reader.dequantize(group, part, scale.first, scale.second), y, yRow,
            b.add(elementBase, reader.elementOffset(g, part)));
    });
  });
}
