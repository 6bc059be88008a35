//===- QuantInt8.cpp - quantized projections on 8-bit activations ---------===//
//
// This file implements the int8-activation path of seq.quantized_linear
// (TilingOptions::int8Activations), llama.cpp's scheme: every 32-element
// block of an activation row is quantized once per call to 8 bits with an
// f32 scale (d = max|x| / 127, q = round-half-away(x / d), as ggml's
// quantize_row_q8_0 but with d kept in f32), then each weight block's
// integer dot product with it is exact in i32 and scaled once per block:
//
//   q8_0, q4_0: y += dw * dx * sum(qw * qx)
//   q4_1:       y += dw * dx * sum(qw * qx) + mw * dx * sum(qx)
//
// The weights are read as bytes and their nibbles unpacked in registers.
// On targets with AVX2 the 32-byte dot products are vpmaddubsw + vpmaddwd
// (a signed weight enters as |w| with its sign moved onto x by vpsignb, so
// the u8 x s8 pair sums never saturate: |w| <= 128, |x| <= 127); elsewhere
// they are portable vector code with the same i32 results.
//
//===----------------------------------------------------------------------===//

#include "QuantKernels.h"
#include "VectorKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::seq;

/// Elements per activation block (the block of q8_0, q4_0 and q4_1).
static constexpr int64_t kBlock = 32;

bool seq::int8ActivationFormat(QuantFormat format) {
  return format == QuantFormat::Q8_0 || format == QuantFormat::Q4_0 ||
         format == QuantFormat::Q4_1;
}

Int8Rows seq::allocInt8Rows(LoopBuilder &b, Value rows, int64_t k) {
  auto alloc = [&](int64_t width, Type element) -> Value {
    return memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic, width}, element),
        ValueRange{rows}, b.getI64IntegerAttr(64));
  };
  Type f32 = b.getF32Type();
  Value q = alloc(k, b.getI8Type()), scale = alloc(k / kBlock, f32);
  // The block sums transposed ([K/32, rows]): a register block reads the
  // sums of its rows for one block as one vector.
  Value sum = memref::AllocOp::create(
      b, MemRefType::get({k / kBlock, ShapedType::kDynamic}, f32),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  return {q, scale, sum};
}

void seq::quantizeRowInt8(LoopBuilder &b, Value src, Value srcRow, int64_t k,
                          const Int8Rows &dst, Value dstRow) {
  Type f32 = b.getF32Type();
  auto vf32 = VectorType::get({kBlock}, f32);
  auto vi8 = VectorType::get({kBlock}, b.getI8Type());
  auto vi32 = VectorType::get({kBlock}, b.getI32Type());
  b.forLoop(b.index(0), b.index(k / kBlock), [&](Value block) {
    Value at = b.mul(block, b.index(kBlock));
    Value x = vector::LoadOp::create(b, vf32, src, ValueRange{srcRow, at});
    Value amax = vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF,
                                             math::AbsFOp::create(b, x));
    // No fast-math flags: the quantized values are ggml's, bit for bit.
    Value d = arith::DivFOp::create(b, amax, b.f32(127.0f));
    Value isZero =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, d, b.f32(0.0f));
    Value inv = arith::SelectOp::create(
        b, isZero, b.f32(0.0f), arith::DivFOp::create(b, b.f32(1.0f), d));
    Value scaled =
        arith::MulFOp::create(b, x, vector::BroadcastOp::create(b, vf32, inv));
    Value q = arith::FPToSIOp::create(b, vi8, math::RoundOp::create(b, scaled));
    vector::StoreOp::create(b, q, dst.q, ValueRange{dstRow, at});
    Value sum = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                            arith::ExtSIOp::create(b, vi32, q));
    memref::StoreOp::create(b, d, dst.scale, ValueRange{dstRow, block});
    memref::StoreOp::create(
        b, arith::MulFOp::create(b, d, arith::SIToFPOp::create(b, f32, sum)),
        dst.sum, ValueRange{block, dstRow});
  });
}

namespace {
/// Reads 32-element weight blocks as 32 bytes of integer levels and forms
/// their dot products with quantized activation blocks.
class Int8Dot {
public:
  Int8Dot(LoopBuilder &b, QuantFormat format, bool avx2)
      : b(b), format(format), avx2(avx2) {}

  int64_t blockBytes() const { return seq::blockBytes(format); }
  bool hasMin() const { return format == QuantFormat::Q4_1; }
  /// Whether the levels are signed (q8_0, q4_0) or unsigned nibbles (q4_1).
  bool isSigned() const { return format != QuantFormat::Q4_1; }

  /// The block header at byte `offset` of `row` as f32: its scale d and
  /// (q4_1) min m, read as one little-endian load of 2 or 4 bytes (per-byte
  /// loads invite the SLP vectorizer to gather the headers of several
  /// columns with SSE4a insertq, which is slow on some machines).
  std::pair<Value, Value> header(Value packed, Value row, Value offset) {
    int64_t halves = hasMin() ? 2 : 1;
    Value bytes =
        vector::LoadOp::create(b, VectorType::get({2 * halves}, b.getI8Type()),
                               packed, ValueRange{row, offset});
    Value bits = vector::BitCastOp::create(
        b, VectorType::get({halves}, b.getF16Type()), bytes);
    Value wide = arith::ExtFOp::create(
        b, VectorType::get({halves}, b.getF32Type()), bits);
    Value d = vector::ExtractOp::create(b, wide, ArrayRef<int64_t>{0});
    Value m =
        hasMin()
            ? Value(vector::ExtractOp::create(b, wide, ArrayRef<int64_t>{1}))
            : Value();
    return {d, m};
  }

  /// The 32 levels of the block at byte `offset` of `row`: qs (q8_0),
  /// nibble - 8 (q4_0) or nibble (q4_1), elements 0..15 from the low
  /// nibbles and 16..31 from the high ones.
  Value levels(Value packed, Value row, Value offset) {
    auto vi8 = VectorType::get({kBlock}, b.getI8Type());
    if (format == QuantFormat::Q8_0)
      return vector::LoadOp::create(b, vi8, packed,
                                    ValueRange{row, b.add(offset, b.index(2))});
    auto half = VectorType::get({kBlock / 2}, b.getI8Type());
    Value at = b.add(offset, b.index(hasMin() ? 4 : 2));
    Value bytes = vector::LoadOp::create(b, half, packed, ValueRange{row, at});
    Value low = arith::AndIOp::create(b, bytes, splat8(half, 0x0F));
    Value high = arith::ShRUIOp::create(b, bytes, splat8(half, 4));
    SmallVector<int64_t> order;
    for (int64_t i = 0; i < kBlock; ++i)
      order.push_back(i);
    Value nibbles = vector::ShuffleOp::create(b, low, high, order);
    if (format == QuantFormat::Q4_0)
      return arith::SubIOp::create(b, nibbles, splat8(vi8, 8));
    return nibbles;
  }

  /// The i32 dot product of 32 weight levels with 32 activation levels, as
  /// 8 partial sums (lane l: elements 4l..4l+3).
  Value dot(Value w, Value x) {
    auto vi16 = VectorType::get({16}, b.getI16Type());
    auto vi32x8 = VectorType::get({8}, b.getI32Type());
    if (avx2) {
      Value uw = w, sx = x;
      if (isSigned()) {
        uw = math::AbsIOp::create(b, w);
        sx = intrinsic("llvm.x86.avx2.psign.b", x.getType(), {x, w});
      }
      Value pairs = intrinsic("llvm.x86.avx2.pmadd.ub.sw", vi16, {uw, sx});
      Value ones = arith::ConstantOp::create(
          b, DenseElementsAttr::get(vi16, b.getI16IntegerAttr(1).getValue()));
      return intrinsic("llvm.x86.avx2.pmadd.wd", vi32x8, {pairs, ones});
    }
    auto vi32 = VectorType::get({kBlock}, b.getI32Type());
    Value wide = isSigned() ? Value(arith::ExtSIOp::create(b, vi32, w))
                            : Value(arith::ExtUIOp::create(b, vi32, w));
    Value products =
        arith::MulIOp::create(b, wide, arith::ExtSIOp::create(b, vi32, x));
    // Lane l: products 4l .. 4l + 3, as four strided shuffles.
    Value sum;
    for (int64_t part = 0; part < 4; ++part) {
      SmallVector<int64_t> lanes;
      for (int64_t l = 0; l < 8; ++l)
        lanes.push_back(4 * l + part);
      Value picked = vector::ShuffleOp::create(b, products, products, lanes);
      sum = sum ? Value(arith::AddIOp::create(b, sum, picked)) : picked;
    }
    return sum;
  }

private:
  Value splat8(VectorType type, int64_t value) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getI8IntegerAttr(value).getValue()));
  }

  /// A call of an LLVM intrinsic through a func.func declaration of that
  /// name (declareX86Intrinsics): unlike llvm.call_intrinsic, a func.call
  /// has the known memory effects the buffer deallocation passes need, and
  /// LLVM recognises the declaration as the intrinsic by its name.
  Value intrinsic(StringRef name, Type result, ValueRange args) {
    return func::CallOp::create(b, name, TypeRange{result}, args).getResult(0);
  }

  LoopBuilder &b;
  QuantFormat format;
  bool avx2;
};
} // namespace

/// Dot products of quantized activation rows [xRow, xRow + rowCount) with
/// packed rows [c, c + colCount): result[i * colCount + j]. Each weight
/// block is unpacked once for all rows; the accumulators are 8 f32 lanes per
/// output, reduced at the end. A block's integer sums are scaled as
/// (sums * dx) * dw: dx is broadcast from memory (a load, no shuffle) and dw
/// once per feature, instead of a scalar dw * dx broadcast per output.
/// q4_1's min term, mw * dx * sum(qx) per block, accumulates per feature in
/// one vector over the block's rows (the sums are stored transposed), not
/// in a scalar per output.
static SmallVector<Value> int8Dots(LoopBuilder &b, Int8Dot &dot,
                                   const Int8Rows &x, Value xRow,
                                   int64_t rowCount, Value packed, Value c,
                                   int64_t colCount, int64_t numBlocks,
                                   int64_t prefetch) {
  const int64_t count = rowCount * colCount;
  auto vf32 = VectorType::get({8}, b.getF32Type());
  auto vrows = VectorType::get({rowCount}, b.getF32Type());
  SmallVector<Value> rows, cols;
  for (int64_t i = 0; i < rowCount; ++i)
    rows.push_back(b.add(xRow, b.index(i)));
  for (int64_t j = 0; j < colCount; ++j)
    cols.push_back(b.add(c, b.index(j)));
  SmallVector<Value> ahead =
      prefetchRows(b, packed, cols, rowCount == 1 ? prefetch : 0);
  auto zeros = [&](VectorType type) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f).getValue()));
  };
  SmallVector<Value> inits(count, zeros(vf32));
  if (dot.hasMin())
    inits.append(colCount, zeros(vrows));
  auto vi8 = VectorType::get({kBlock}, b.getI8Type());
  SmallVector<Value> accs = b.forLoop(
      b.index(0), b.index(numBlocks), inits,
      [&](Value block, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> next(acc.begin(), acc.end());
        Value offset = b.mul(block, b.index(dot.blockBytes()));
        Value at = b.mul(block, b.index(kBlock));
        prefetchBlock(b, packed, ahead, offset);
        SmallVector<Value> xq;
        for (Value row : rows)
          xq.push_back(
              vector::LoadOp::create(b, vi8, x.q, ValueRange{row, at}));
        Value xs = dot.hasMin() ? Value(vector::LoadOp::create(
                                      b, vrows, x.sum, ValueRange{block, xRow}))
                                : Value();
        for (int64_t j = 0; j < colCount; ++j) {
          Value w = dot.levels(packed, cols[j], offset);
          auto [dw, mw] = dot.header(packed, cols[j], offset);
          Value dwv = vector::BroadcastOp::create(b, vf32, dw);
          for (int64_t i = 0; i < rowCount; ++i) {
            int64_t o = i * colCount + j;
            Value sums = arith::SIToFPOp::create(b, vf32, dot.dot(w, xq[i]));
            Value dx = vector::BroadcastOp::create(
                b, vf32, b.loadF32(x.scale, {rows[i], block}));
            next[o] = vector::FMAOp::create(
                b, arith::MulFOp::create(b, sums, dx), dwv, next[o]);
          }
          if (mw)
            next[count + j] = vector::FMAOp::create(
                b, vector::BroadcastOp::create(b, vrows, mw), xs,
                next[count + j]);
        }
        return next;
      });
  SmallVector<Value> sums;
  for (int64_t o = 0; o < count; ++o) {
    Value sum = vector::ReductionOp::create(
        b, vector::CombiningKind::ADD, accs[o], Value(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    if (dot.hasMin())
      sum = b.addf(sum,
                   vector::ExtractOp::create(b, accs[count + o % colCount],
                                             ArrayRef<int64_t>{o / colCount}));
    sums.push_back(sum);
  }
  return sums;
}

void seq::quantizedProjectRowsInt8(LoopBuilder &b, QuantFormat format,
                                   const TilingOptions &tiling, Value r0,
                                   Value r1, Value c0, Value c1, int64_t k,
                                   const Int8Rows &x, Value packed, Value bias,
                                   Value y) {
  Int8Dot dot(b, format, tiling.x86Avx2);
  int64_t numBlocks = k / kBlock;
  forGroups(b, r0, r1, tiling.quantInt8BlockRows,
            [&](Value r, int64_t rowCount) {
              int64_t blockCols = rowCount > 1 ? tiling.quantInt8BlockFeatures
                                               : tiling.quantDecodeFeatures;
              forGroups(b, c0, c1, blockCols, [&](Value c, int64_t colCount) {
                SmallVector<Value> dots =
                    int8Dots(b, dot, x, r, rowCount, packed, c, colCount,
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
            });
}

void seq::declareX86Intrinsics(ModuleOp module) {
  OpBuilder b(module.getBodyRegion());
  MLIRContext *context = module.getContext();
  auto v32i8 = VectorType::get({32}, IntegerType::get(context, 8));
  auto v16i16 = VectorType::get({16}, IntegerType::get(context, 16));
  auto v8i32 = VectorType::get({8}, IntegerType::get(context, 32));
  auto declare = [&](StringRef name, TypeRange args, Type result) {
    if (module.lookupSymbol(name))
      return;
    auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(args, result));
    fn.setPrivate();
  };
  declare("llvm.x86.avx2.pmadd.ub.sw", {v32i8, v32i8}, v16i16);
  declare("llvm.x86.avx2.pmadd.wd", {v16i16, v16i16}, v8i32);
  declare("llvm.x86.avx2.psign.b", {v32i8, v32i8}, v32i8);
}

void seq::eraseUnusedX86Intrinsics(ModuleOp module) {
  for (StringRef name : {"llvm.x86.avx2.pmadd.ub.sw", "llvm.x86.avx2.pmadd.wd",
                         "llvm.x86.avx2.psign.b"}) {
    Operation *fn = module.lookupSymbol(name);
    if (fn && SymbolTable::symbolKnownUseEmpty(fn, module))
      fn->erase();
  }
}
