//===- QuantLinearKernel.cpp - GPU kernels of seq.quantized_linear --------===//
//
// This file builds the kernels of Y = X dequant(W)^T (+ b) over GGUF
// blocks of 32 elements (q8_0, q4_0, q4_1) and K-quant super-blocks of 256
// (q4_k, q6_k, below), packed as the i8 matrix
// W [N, K / 32 * blockBytes] with ggml's byte layout:
//
//   q8_0 (34 bytes): f16 d; i8 qs[32]          element j = d * qs[j]
//   q4_0 (18 bytes): f16 d; u8 qs[16]          element j = d * (nib(j) - 8)
//   q4_1 (20 bytes): f16 d, m; u8 qs[16]       element j = d * nib(j) + m
//
// nib(j) is the low nibble of qs[j] for j < 16, the high nibble of
// qs[j - 16] otherwise. The K-quants pack super-blocks of 256 elements
// (W [N, K / 256 * bytes]) in ggml's layout:
//
//   q4_k (144 bytes): f16 d, dmin; u8 scales[12]; u8 qs[128]
//     sub-block s (32 elements) has 6-bit scale sc and min m unpacked from
//     scales[] as ggml's get_scale_min_k4; element 32s + j is
//     d * sc * nib - dmin * m, nib the low (s even) or high (s odd) nibble
//     of qs[32 (s / 2) + j]
//   q6_k (210 bytes): u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
//     element 128n + 32q + l: d * scales[8n + 2q + l / 16] * (v - 32), v's
//     low 4 bits the low (q < 2) or high nibble of ql[64n + 32 (q % 2) + l],
//     its high 2 bits bits 2q, 2q + 1 of qh[32n + l]
//
// The weights are never expanded in device memory: every form dequantizes
// blocks in registers.
//
// Decode form (a few rows): a warp (wavefront) per output feature n. Lane
// l takes blocks l, l + warp, ... of row n: the f16 scale (and min) as two
// bytes widened to f32, the quants as 16-byte vector loads, unpacked with
// and/shift into f32 vectors and scaled; each input row's 32 values (two
// 16-lane f32 loads) multiply them, and the f32 partial sums of all lanes
// are reduced with xor shuffles. Rows go in groups of decodeRows, so each
// weight byte is read once per group (once per decode step).
//
// K-quant decode form: the warp walks the super-blocks of row n, each lane
// a run of the super-block's bytes that no other lane reads (q4_k: 128 /
// warp qs bytes, both their nibbles; q6_k: 64 / warp qh bytes, the four
// elements each holds with their two ql bytes), the sub-block's scale (and
// min) decoded from the header in registers, the input's matching runs
// multiplied in f32; then the xor-shuffle reduction.
//
// Prefill form: LinearKernel.cpp's tiling with blockK = 32 (one quant
// block per step): the block's threads dequantize the blockN x 32 weight
// tile (a run of 32 / parts elements each, from one vector load) and
// convert the blockM x 32 input tile, both to f16 in workgroup memory,
// between barriers; the warps then run two 16-deep steps of the chip's
// matrix instruction (mma.sync m16n8k16, MFMA 16x16x16) with f32
// accumulators through the GEMM kernels' shared tile step (MmaTileStep.h).
//
// Embedding (seq.quantized_embedding, `qembedding_<format>`): a block per
// id gathers its packed row, each thread a run of embeddingRun elements
// inside one block (sub-block) at a time, dequantized by the same unpacking
// as the linear forms (one vector load of the quants, the header in
// registers) and stored as f32. An id outside [0, V) writes zeros and
// stores SEQRT_CODE_INDEX_OUT_OF_RANGE in the status word, as
// seq.embedding's kernel does.
//
//===----------------------------------------------------------------------===//

#include "MmaTileStep.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/GPU/QuantKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds one kernel body; `b` inserts into the kernel.
class QuantLinearBuilder : IndexMath, LinearKernelFrame {
public:
  QuantLinearBuilder(ImplicitLocOpBuilder &b,
                     const GPUQuantLinearConfig &config, QuantFormat format,
                     QuantKernelMutation mutation)
      : IndexMath(b), config(config), format(format), mutation(mutation),
        blockBytes(seq::blockBytes(format)) {}

  void buildDecode(gpu::GPUFuncOp func, bool hasBias);
  void buildPrefill(gpu::GPUFuncOp func, bool hasBias);
  void buildEmbedding(gpu::GPUFuncOp func);

private:
  Value splatInt(Type type, int64_t value) {
    return arith::ConstantOp::create(
        b, type,
        SplatElementsAttr::get(
            cast<ShapedType>(type),
            b.getIntegerAttr(getElementTypeOrSelf(type), value)));
  }
  Value splatF32(Value scalar, int64_t lanes) {
    return vector::BroadcastOp::create(
        b, VectorType::get({lanes}, b.getF32Type()), scalar);
  }

  /// The header bytes before a block's quants.
  int64_t headerBytes() const { return format == QuantFormat::Q4_1 ? 4 : 2; }
  /// The alignment a block's quants are known to have in the packed rows
  /// (rows are whole blocks; device buffers start aligned).
  uint64_t quantAlignment() const {
    return format == QuantFormat::Q4_1 ? 4 : 2;
  }
  /// The f16 at byte `at` of packed row `row`, widened to f32.
  Value loadF16(Value row, Value at);
  /// The scale and min (q4_1; null otherwise) of the block at byte `offset`
  /// of packed row `row`.
  std::pair<Value, Value> header(Value row, Value offset);
  /// `count` elements of the block at byte `offset` of `row`, starting at
  /// element `first` (a multiple of `count`, which divides 16), as f32
  /// levels: one vector load of `count` bytes.
  Value levels(Value row, Value offset, Value first, int64_t count);
  /// levels() scaled: d * level (+ m).
  Value dequantize(Value row, Value offset, Value first, int64_t count,
                   std::pair<Value, Value> scales);

  bool isKQuant() const {
    return format == QuantFormat::Q4_K || format == QuantFormat::Q6_K;
  }
  /// The byte at `at` of packed row `row`, widened to i32 (unsigned).
  Value byteI32(Value row, Value at);
  /// q4_k: the scale d * sc and negated min -dmin * m of sub-block `s` of
  /// the super-block at byte `offset` of `row` (ggml's get_scale_min_k4).
  std::pair<Value, Value> q4kScales(Value row, Value offset, Value s);
  /// K-quants: `count` elements (a run inside one sub-block) of the
  /// super-block at byte `offset` of `row` from element `i` on, dequantized
  /// to f32.
  Value kRun(Value row, Value offset, Value i, int64_t count);

  /// Sums `value` over the lanes of the warp (xor shuffles).
  Value warpSum(Value value);
  /// Y[row, col] = value (+ bias[col]) when (row, col) is inside Y.
  void storeOutput(Value value, Value row, Value col) {
    storeLinearOutput(b, value, row, col, rowsM, colsN, bias, y);
  }

  const GPUQuantLinearConfig &config;
  QuantFormat format;
  QuantKernelMutation mutation;
  int64_t blockBytes;

  Value lane, warpM, warpN;
};
} // namespace

Value QuantLinearBuilder::loadF16(Value row, Value at) {
  Type i16 = b.getI16Type();
  auto byte = [&](Value offset) -> Value {
    return arith::ExtUIOp::create(
        b, i16, memref::LoadOp::create(b, w, ValueRange{row, offset}));
  };
  // Little-endian: the low byte first. Masks keep the arithmetic exact
  // however a sign-extended byte is held.
  // One op per statement, in the order gcc created them (README.md, "Same
  // output from every host compiler").
  Value lowMask = arith::ConstantIntOp::create(b, i16, 0xFF);
  Value lowByte = byte(at);
  Value low = arith::AndIOp::create(b, lowByte, lowMask);
  Value eight = arith::ConstantIntOp::create(b, i16, 8);
  Value one = c(1);
  Value nextAt = add(at, one);
  Value highByte = byte(nextAt);
  Value high = arith::ShLIOp::create(b, highByte, eight);
  Value bits = arith::OrIOp::create(b, low, high);
  Value half = arith::BitcastOp::create(b, b.getF16Type(), bits);
  return arith::ExtFOp::create(b, b.getF32Type(), half);
}

std::pair<Value, Value> QuantLinearBuilder::header(Value row, Value offset) {
  Value d = loadF16(row, offset);
  Value m =
      format == QuantFormat::Q4_1 ? loadF16(row, add(offset, c(2))) : Value();
  return {d, m};
}

Value QuantLinearBuilder::levels(Value row, Value offset, Value first,
                                 int64_t count) {
  auto i8s = VectorType::get({count}, b.getI8Type());
  auto f32s = VectorType::get({count}, b.getF32Type());
  auto load = [&](Value at) -> Value {
    return vector::LoadOp::create(b, i8s, w, ValueRange{row, at},
                                  /*nontemporal=*/false,
                                  llvm::MaybeAlign(quantAlignment()));
  };
  Value quants = add(offset, c(headerBytes()));
  if (format == QuantFormat::Q8_0)
    return arith::SIToFPOp::create(b, f32s, load(add(quants, first)));
  // q4: elements 0..15 are the low nibbles of qs[0..16), 16..31 the high
  // nibbles; a run of `count` <= 16 elements lies in one half.
  Value high =
      arith::CmpIOp::create(b, arith::CmpIPredicate::uge, first, c(16));
  if (mutation == QuantKernelMutation::SwapNibbles)
    high = arith::XOrIOp::create(
        b, high, arith::ConstantIntOp::create(b, b.getI1Type(), 1));
  Value bytes = load(add(quants, rem(first, 16)));
  Value lowNibbles = arith::AndIOp::create(b, bytes, splatInt(i8s, 0x0F));
  // Arithmetic shift then mask: the high nibble whatever the sign.
  Value nibbleMask = splatInt(i8s, 0x0F);
  Value four = splatInt(i8s, 4);
  Value shifted = arith::ShRSIOp::create(b, bytes, four);
  Value highNibbles = arith::AndIOp::create(b, shifted, nibbleMask);
  Value nibbles = arith::SelectOp::create(b, high, highNibbles, lowNibbles);
  if (format == QuantFormat::Q4_0)
    return arith::SIToFPOp::create(
        b, f32s, arith::SubIOp::create(b, nibbles, splatInt(i8s, 8)));
  return arith::UIToFPOp::create(b, f32s, nibbles);
}

Value QuantLinearBuilder::dequantize(Value row, Value offset, Value first,
                                     int64_t count,
                                     std::pair<Value, Value> scales) {
  Value scale = splatF32(scales.first, count);
  Value unscaled = levels(row, offset, first, count);
  Value value = arith::MulFOp::create(b, unscaled, scale);
  if (scales.second)
    value = arith::AddFOp::create(b, value, splatF32(scales.second, count));
  return value;
}

Value QuantLinearBuilder::byteI32(Value row, Value at) {
  return arith::ExtUIOp::create(
      b, b.getI32Type(), memref::LoadOp::create(b, w, ValueRange{row, at}));
}

std::pair<Value, Value> QuantLinearBuilder::q4kScales(Value row, Value offset,
                                                      Value s) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Value d = loadF16(row, offset);
  Value dmin = loadF16(row, add(offset, c(2)));
  Value base = add(offset, c(4));
  // a = scales[s % 4], e4 = scales[s + 4], e = scales[s]: s < 4: sc = a & 63,
  // m = e4 & 63; s >= 4: sc = (e4 & 15) | (a >> 6) << 4,
  // m = (e4 >> 4) | (e >> 6) << 4.
  Value a = byteI32(row, add(base, rem(s, 4)));
  Value e4 = byteI32(row, add(base, add(s, c(4))));
  Value e = byteI32(row, add(base, s));
  auto i32c = [&](int32_t v) -> Value {
    return arith::ConstantIntOp::create(b, i32, v);
  };
  auto andC = [&](Value v, int32_t mask) -> Value {
    return arith::AndIOp::create(b, v, i32c(mask));
  };
  auto top2 = [&](Value v) -> Value {
    Value shifted = arith::ShRUIOp::create(b, v, i32c(6));
    return arith::ShLIOp::create(b, shifted, i32c(4));
  };
  Value low = ult(s, c(4));
  Value aTop = top2(a);
  Value e4Low = andC(e4, 15);
  Value scHigh = arith::OrIOp::create(b, e4Low, aTop);
  Value sc = arith::SelectOp::create(b, low, andC(a, 63), scHigh);
  Value eTop = top2(e);
  Value shiftFour = i32c(4);
  Value e4High = arith::ShRUIOp::create(b, e4, shiftFour);
  Value mHigh = arith::OrIOp::create(b, e4High, eTop);
  Value m = arith::SelectOp::create(b, low, andC(e4, 63), mHigh);
  // The mutation reads the scale where the min is and the min where the
  // scale is.
  if (mutation == QuantKernelMutation::ScaleOrder)
    std::swap(sc, m);
  Value scale =
      arith::MulFOp::create(b, d, arith::UIToFPOp::create(b, f32, sc));
  Value minimum =
      arith::MulFOp::create(b, dmin, arith::UIToFPOp::create(b, f32, m));
  return {scale, arith::NegFOp::create(b, minimum)};
}

Value QuantLinearBuilder::kRun(Value row, Value offset, Value i,
                               int64_t count) {
  auto i8s = VectorType::get({count}, b.getI8Type());
  auto f32s = VectorType::get({count}, b.getF32Type());
  // Rows are whole super-blocks: q4_k's (144 bytes) keep 16-byte
  // alignment, so a run of `count` quants is `count`-aligned; q6_k's (210
  // bytes) only 2-byte alignment.
  auto load = [&](Value at, uint64_t align) -> Value {
    return vector::LoadOp::create(b, i8s, w, ValueRange{row, at},
                                  /*nontemporal=*/false,
                                  llvm::MaybeAlign(align));
  };
  auto nibbles = [&](Value bytes, Value high) -> Value {
    if (mutation == QuantKernelMutation::SwapNibbles)
      high = arith::XOrIOp::create(
          b, high, arith::ConstantIntOp::create(b, b.getI1Type(), 1));
    Value lowNibbles = arith::AndIOp::create(b, bytes, splatInt(i8s, 0x0F));
    // Arithmetic shift then mask: the high nibble whatever the sign.
    Value nibbleMask = splatInt(i8s, 0x0F);
    Value four = splatInt(i8s, 4);
    Value shifted = arith::ShRSIOp::create(b, bytes, four);
    Value highNibbles = arith::AndIOp::create(b, shifted, nibbleMask);
    return arith::SelectOp::create(b, high, highNibbles, lowNibbles);
  };
  if (format == QuantFormat::Q4_K) {
    Value s = div(i, 32);
    Value iInSub = rem(i, 32);
    Value thirtyTwo = c(32);
    Value pair = div(s, 2);
    Value pairOffset = mul(pair, thirtyTwo);
    Value inQs = add(pairOffset, iInSub);
    Value sixteen = c(16);
    Value qs = add(offset, sixteen);
    Value at = add(qs, inQs);
    Value zero = c(0);
    Value odd = rem(s, 2);
    Value high = arith::CmpIOp::create(b, arith::CmpIPredicate::ne, odd, zero);
    Value levels = arith::UIToFPOp::create(
        b, f32s, nibbles(load(at, std::min<int64_t>(count, 16)), high));
    auto [scale, negMin] = q4kScales(row, offset, s);
    Value negMins = splatF32(negMin, count);
    Value scales = splatF32(scale, count);
    Value scaled = arith::MulFOp::create(b, levels, scales);
    return arith::AddFOp::create(b, scaled, negMins);
  }
  // q6_k.
  Value s = div(i, 16);
  Value n = div(i, 128), q = rem(div(i, 32), 4), l = rem(i, 32);
  Value thirtyTwo = c(32);
  Value qOdd = rem(q, 2);
  Value qOddOffset = mul(qOdd, thirtyTwo);
  Value sixtyFour = c(64);
  Value nOffset = mul(n, sixtyFour);
  Value qlRun = add(nOffset, qOddOffset);
  Value qlInBlock = add(qlRun, l);
  Value qlAt = add(offset, qlInBlock);
  Value qhThirtyTwo = c(32);
  Value nQh = mul(n, qhThirtyTwo);
  Value qhInBlock = add(nQh, l);
  Value qhBase = c(128);
  Value qhRun = add(qhBase, qhInBlock);
  Value qhAt = add(offset, qhRun);
  uint64_t align = std::min<int64_t>(count, 2);
  Value upper = arith::CmpIOp::create(b, arith::CmpIPredicate::uge, q, c(2));
  Value lowBits = nibbles(load(qlAt, align), upper);
  Value shift = vector::BroadcastOp::create(
      b, i8s, arith::IndexCastOp::create(b, b.getI8Type(), mul(q, c(2))));
  Value three = splatInt(i8s, 3);
  Value qhBytes = load(qhAt, align);
  Value qhShifted = arith::ShRUIOp::create(b, qhBytes, shift);
  Value highBits = arith::AndIOp::create(b, qhShifted, three);
  Value levelBias = splatInt(i8s, 32);
  Value four = splatInt(i8s, 4);
  Value highShifted = arith::ShLIOp::create(b, highBits, four);
  Value combined = arith::OrIOp::create(b, lowBits, highShifted);
  Value level = arith::SubIOp::create(b, combined, levelBias);
  Value levels = arith::SIToFPOp::create(b, f32s, level);
  // The mutation takes the scale of the neighbouring sub-block.
  Value scaleIndex = mutation == QuantKernelMutation::ScaleOrder
                         ? arith::XOrIOp::create(b, s, c(1)).getResult()
                         : s;
  Value scaleByte = memref::LoadOp::create(
      b, w, ValueRange{row, add(offset, add(c(192), scaleIndex))});
  Value d = loadF16(row, add(offset, c(208)));
  Value scale = arith::MulFOp::create(
      b, d, arith::SIToFPOp::create(b, b.getF32Type(), scaleByte));
  return arith::MulFOp::create(b, levels, splatF32(scale, count));
}

Value QuantLinearBuilder::warpSum(Value value) {
  int64_t width = config.warpSize;
  // The mutation skips the widest exchange: each half-warp sums only
  // itself.
  int64_t start =
      mutation == QuantKernelMutation::ShuffleOffset ? width / 4 : width / 2;
  for (int64_t offset = start; offset >= 1; offset /= 2) {
    Value other =
        gpu::ShuffleOp::create(b, value, offset, width, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    value = arith::AddFOp::create(b, value, other);
  }
  return value;
}

void QuantLinearBuilder::buildDecode(gpu::GPUFuncOp func, bool hasBias) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  x = func.getArgument(0);
  w = func.getArgument(1);
  bias = hasBias ? func.getArgument(2) : Value();
  y = func.getArgument(func.getNumArguments() - 1);
  Type f32 = b.getF32Type();
  auto f32x16 = VectorType::get({16}, f32);

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  rowsM = memref::DimOp::create(b, x, 0);
  depthK = memref::DimOp::create(b, x, 1);
  colsN = memref::DimOp::create(b, w, 0);
  lane = rem(tid, config.warpSize);
  Value warpInBlock = div(tid, config.warpSize);
  Value warps = c(config.decodeWarps);
  Value firstWarp = mul(blockX, warps);
  Value n = add(firstWarp, warpInBlock);
  // Blocks of 32: lane l takes blocks l, l + warp, ... K-quants: the warp
  // walks the super-blocks together, each lane its runs (element index,
  // length `runLength`) of each: bytes no other lane reads.
  Value blocks;
  int64_t runLength = 0;
  SmallVector<Value> runs;
  if (!isKQuant()) {
    blocks = div(depthK, 32);
  } else if (format == QuantFormat::Q4_K) {
    // qs bytes [j, j + run) hold elements 64p + (j % 32) .. (low nibbles)
    // and 32 further (high nibbles), p = j / 32.
    blocks = div(depthK, 256);
    runLength = 128 / config.warpSize;
    Value j = mul(lane, c(runLength));
    Value jInRun = rem(j, 32);
    Value runStride = c(64);
    Value runIndex = div(j, 32);
    Value runStart = mul(runIndex, runStride);
    Value first = add(runStart, jInRun);
    runs = {first, add(first, c(32))};
  } else {
    // q6_k: qh bytes [j, j + run) hold elements 128 (j / 32) + 32q +
    // (j % 32), q = 0..3.
    blocks = div(depthK, 256);
    runLength = 64 / config.warpSize;
    Value j = mul(lane, c(runLength));
    Value jInRun = rem(j, 32);
    Value runStride = c(128);
    Value runIndex = div(j, 32);
    Value runStart = mul(runIndex, runStride);
    Value first = add(runStart, jInRun);
    for (int64_t q = 0; q < 4; ++q)
      runs.push_back(add(first, c(32 * q)));
  }

  // The whole warp takes this branch or none (n is the warp's), so its
  // shuffles see every lane.
  auto inside = scf::IfOp::create(b, TypeRange{}, ult(n, colsN), false);
  b.setInsertionPointToStart(inside.thenBlock());
  Value rowStep = c(config.decodeRows);
  Value rowBegin = c(0);
  auto rowGroups = scf::ForOp::create(b, rowBegin, rowsM, rowStep);
  b.setInsertionPoint(rowGroups.getBody()->getTerminator());
  Value r0 = rowGroups.getInductionVar();

  SmallVector<Value> inits(config.decodeRows, zeroOf(f32));
  scf::ForOp blockLoop;
  if (isKQuant()) {
    Value blockStep = c(1);
    Value blockBegin = c(0);
    blockLoop = scf::ForOp::create(b, blockBegin, blocks, blockStep, inits);
  } else {
    blockLoop = scf::ForOp::create(b, lane, blocks, c(config.warpSize), inits);
  }
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(blockLoop.getBody());
    Value block = blockLoop.getInductionVar();
    Value offset = mul(block, c(blockBytes));
    // The block's (the lane's runs') weights in registers, and the input
    // columns they multiply.
    SmallVector<Value> weights, columns;
    Value k0;
    if (!isKQuant()) {
      std::pair<Value, Value> scales = header(n, offset);
      weights.push_back(dequantize(n, offset, c(0), 16, scales));
      weights.push_back(dequantize(n, offset, c(16), 16, scales));
      k0 = mul(block, c(32));
    } else {
      k0 = mul(block, c(256));
      for (Value i : runs)
        weights.push_back(kRun(n, offset, i, runLength));
    }
    SmallVector<Value> next;
    for (int64_t t = 0; t < config.decodeRows; ++t) {
      Value acc = blockLoop.getRegionIterArgs()[t];
      Value row = add(r0, c(t));
      auto ifRow = scf::IfOp::create(b, TypeRange{f32}, ult(row, rowsM), true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(ifRow.thenBlock());
      // mulf + addf, not math.fma: that would become a libdevice call.
      Value product;
      if (!isKQuant()) {
        auto loadX = [&](Value col) -> Value {
          return vector::LoadOp::create(b, f32x16, x, ValueRange{row, col},
                                        /*nontemporal=*/false,
                                        llvm::MaybeAlign(16));
        };
        Value sixteen = c(16);
        Value k16 = add(k0, sixteen);
        Value xHigh = loadX(k16);
        Value highProduct = arith::MulFOp::create(b, weights[1], xHigh);
        Value xLow = loadX(k0);
        Value lowProduct = arith::MulFOp::create(b, weights[0], xLow);
        product = arith::AddFOp::create(b, lowProduct, highProduct);
      } else {
        auto xType = VectorType::get({runLength}, f32);
        for (auto [i, weight] : llvm::zip(runs, weights)) {
          Value xs = vector::LoadOp::create(
              b, xType, x, ValueRange{row, add(k0, i)},
              /*nontemporal=*/false, llvm::MaybeAlign(4 * runLength));
          Value term = arith::MulFOp::create(b, weight, xs);
          product = product ? arith::AddFOp::create(b, product, term) : term;
        }
      }
      Value dot =
          vector::ReductionOp::create(b, vector::CombiningKind::ADD, product);
      scf::YieldOp::create(b, ValueRange{arith::AddFOp::create(b, acc, dot)});
      b.setInsertionPointToStart(ifRow.elseBlock());
      scf::YieldOp::create(b, ValueRange{acc});
      next.push_back(ifRow.getResult(0));
    }
    scf::YieldOp::create(b, next);
  }
  Value isLeader =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, c(0));
  for (int64_t t = 0; t < config.decodeRows; ++t) {
    Value sum = warpSum(blockLoop.getResult(t));
    auto leader = scf::IfOp::create(b, TypeRange{}, isLeader, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    storeOutput(sum, add(r0, c(t)), n);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

void QuantLinearBuilder::buildPrefill(gpu::GPUFuncOp func, bool hasBias) {
  const GPULinearConfig &tile = config.tile;
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  Type f32 = b.getF32Type(), f16 = b.getF16Type();
  // X, W, bias, Y, the tiles, tid, M, K, N, m0, n0 (LinearKernelFrame).
  static_cast<LinearKernelFrame &>(*this) =
      beginLinearKernel(b, func, hasBias, tile.blockM, tile.blockN);
  Value warp = div(tid, tile.warpSize);
  lane = rem(tid, tile.warpSize);
  warpM = div(warp, tile.warpsN);
  warpN = rem(warp, tile.warpsN);

  MmaTileMutation tileMutation;
  tileMutation.swapFragmentLanes =
      mutation == QuantKernelMutation::SwapFragmentLanes;
  MmaTileStep tileStep(b, tile, f16, tid, lane, warpM, warpN, tileMutation);
  SmallVector<Value> inits = tileStep.zeroAccumulators(1);

  // Each weight row of the tile is dequantized by `parts` threads, a run of
  // 32 / parts elements each (parts a power of two, so runs never straddle
  // the nibble halves).
  int64_t parts = tile.threads() / tile.blockN;
  int64_t run = 32 / parts;

  Value kStep = c(32);
  Value kBegin = c(0);
  auto loop = scf::ForOp::create(b, kBegin, depthK, kStep, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    // X: f32 -> f16, zero below the last row.
    {
      Value fillStep = c(tile.threads());
      Value fillEnd = c(tile.blockM * 32);
      auto fill = scf::ForOp::create(b, tid, fillEnd, fillStep);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(fill.getBody()->getTerminator());
      Value e = fill.getInductionVar();
      Value r = div(e, 32), col = rem(e, 32);
      Value row = add(m0, r);
      auto ifOp = scf::IfOp::create(b, TypeRange{f16}, ult(row, rowsM), true);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value v = memref::LoadOp::create(b, x, ValueRange{row, add(k0, col)});
      scf::YieldOp::create(b, ValueRange{arith::TruncFOp::create(b, f16, v)});
      b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(b, ValueRange{zeroOf(f16)});
      b.setInsertionPointAfter(ifOp);
      memref::StoreOp::create(b, ifOp.getResult(0), sx, ValueRange{r, col});
    }
    // W: the tile's blocks dequantized in registers, stored as f16.
    {
      Value r = div(tid, parts);
      Value runLength = c(run);
      Value part = rem(tid, parts);
      Value first = mul(part, runLength);
      Value n = add(n0, r);
      auto vecType = VectorType::get({run}, f32);
      auto ifOp = scf::IfOp::create(b, TypeRange{vecType}, ult(n, colsN), true);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        if (isKQuant()) {
          // A 32-deep step lies in one super-block; the thread's run in one
          // sub-block.
          Value superBlockBytes = c(blockBytes);
          Value superBlock = div(k0, 256);
          Value offset = mul(superBlock, superBlockBytes);
          scf::YieldOp::create(
              b, ValueRange{kRun(n, offset, add(rem(k0, 256), first), run)});
        } else {
          Value quantBlockBytes = c(blockBytes);
          Value quantBlock = div(k0, 32);
          Value offset = mul(quantBlock, quantBlockBytes);
          scf::YieldOp::create(b, ValueRange{dequantize(n, offset, first, run,
                                                        header(n, offset))});
        }
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b, ValueRange{zeroOf(vecType)});
      }
      Value halves = arith::TruncFOp::create(b, VectorType::get({run}, f16),
                                             ifOp.getResult(0));
      for (int64_t j = 0; j < run; ++j) {
        Value jOffset = c(j);
        Value col = add(first, jOffset);
        Value half = vector::ExtractOp::create(b, halves, ArrayRef<int64_t>{j});
        memref::StoreOp::create(b, half, sw, ValueRange{r, col});
      }
    }
    gpu::BarrierOp::create(b);
    SmallVector<Value> acc(loop.getRegionIterArgs());
    for (int64_t k = 0; k < 32; k += 16)
      acc = tileStep.step(sx, {sw}, acc, k);
    // The next step overwrites the tiles the other warps may still read.
    gpu::BarrierOp::create(b);
    scf::YieldOp::create(b, acc);
  }

  tileStep.forEachOutput(loop.getResults(), 1, m0, n0,
                         [&](Value row, Value col, ArrayRef<Value> values) {
                           storeOutput(values[0], row, col);
                         });
  gpu::ReturnOp::create(b);
}

void QuantLinearBuilder::buildEmbedding(gpu::GPUFuncOp func) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  w = func.getArgument(0);
  Value ids = func.getArgument(1), out = func.getArgument(2),
        status = func.getArgument(3);
  Type i64 = b.getI64Type();
  int64_t run = config.embeddingRun;
  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value token = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value vocab =
      arith::IndexCastOp::create(b, i64, memref::DimOp::create(b, w, 0));
  Value width = memref::DimOp::create(b, out, 1);
  auto [id, branch] = loadCheckedRowId(b, ids, token, vocab);
  {
    // Thread tid takes runs tid, tid + threads, ... of `run` elements,
    // each inside one block (sub-block), dequantized from one vector load.
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.thenBlock());
    Value row = arith::IndexCastOp::create(b, b.getIndexType(), id);
    Value runStep = c(config.decodeThreads());
    Value runs = div(width, run);
    auto loop = scf::ForOp::create(b, tid, runs, runStep);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value i = mul(loop.getInductionVar(), c(run));
    Value values;
    if (isKQuant()) {
      Value superBlockBytes = c(blockBytes);
      Value superBlock = div(i, 256);
      Value offset = mul(superBlock, superBlockBytes);
      values = kRun(row, offset, rem(i, 256), run);
    } else {
      Value quantBlockBytes = c(blockBytes);
      Value quantBlock = div(i, 32);
      Value offset = mul(quantBlock, quantBlockBytes);
      std::pair<Value, Value> scales = header(row, offset);
      Value first = rem(i, 32);
      values = dequantize(row, offset, first, run, scales);
    }
    for (int64_t j = 0; j < run; ++j) {
      Value jOffset = c(j);
      Value col = add(i, jOffset);
      Value value = vector::ExtractOp::create(b, values, ArrayRef<int64_t>{j});
      memref::StoreOp::create(b, value, out, ValueRange{token, col});
    }
  }
  {
    // An id outside [0, V): a row of zeros and the status word.
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.elseBlock());
    auto loop = scf::ForOp::create(b, tid, width, c(config.decodeThreads()));
    {
      OpBuilder::InsertionGuard body(b);
      b.setInsertionPointToStart(loop.getBody());
      memref::StoreOp::create(b, zeroOf(b.getF32Type()), out,
                              ValueRange{token, loop.getInductionVar()});
    }
    Value zero = c(0);
    Value code = arith::ConstantOp::create(
        b, b.getI32IntegerAttr(kStatusIndexOutOfRange));
    memref::StoreOp::create(b, code, status, ValueRange{zero});
  }
  gpu::ReturnOp::create(b);
}

void seq::buildQuantEmbeddingKernel(OpBuilder &builder,
                                    gpu::GPUModuleOp kernelModule,
                                    StringRef name,
                                    const GPUQuantLinearConfig &config,
                                    QuantFormat format,
                                    QuantKernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  auto words = MemRefType::get({dynamic}, b.getI32Type());
  SmallVector<Type> arguments = {
      MemRefType::get({dynamic, dynamic}, b.getI8Type()), words,
      MemRefType::get({dynamic, dynamic}, b.getF32Type()), words};
  // Grid: a block per id (out's rows).
  gpu::GPUFuncOp func = createKernelFunc(b, name, arguments, TypeRange{},
                                         config.decodeThreads(), {2, 0, 1});
  QuantLinearBuilder(b, config, format, mutation).buildEmbedding(func);
}

void seq::buildQuantLinearKernel(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPUQuantLinearConfig &config,
                                 QuantFormat format, QuantLinearForm form,
                                 bool hasBias, QuantKernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  MLIRContext *context = b.getContext();
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, b.getF32Type());
  SmallVector<Type> arguments = {
      matrix, MemRefType::get({dynamic, dynamic}, b.getI8Type())};
  if (hasBias)
    arguments.push_back(MemRefType::get({dynamic}, b.getF32Type()));
  arguments.push_back(matrix);
  int64_t out = arguments.size() - 1;
  SmallVector<Type> workgroups;
  if (form == QuantLinearForm::Prefill) {
    auto workgroup =
        gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
    const GPULinearConfig &tile = config.tile;
    workgroups.push_back(MemRefType::get({tile.blockM, 32}, b.getF16Type(),
                                         MemRefLayoutAttrInterface(),
                                         workgroup));
    workgroups.push_back(MemRefType::get({tile.blockN, 32}, b.getF16Type(),
                                         MemRefLayoutAttrInterface(),
                                         workgroup));
  }
  auto func = gpu::GPUFuncOp::create(b, b.getLoc(), name,
                                     b.getFunctionType(arguments, {}),
                                     workgroups, TypeRange{});
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  // The NVPTX back end stores each thread's run of 8 dequantized f16 as one
  // 16-byte st.shared.v4: the tiles must be 16-byte aligned (as cp.async
  // tiles).
  alignWorkgroupBuffers(func, kAsyncCopyTileAlignment);
  QuantLinearBuilder kernel(b, config, format, mutation);
  if (form == QuantLinearForm::Decode) {
    func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
        {static_cast<int32_t>(config.decodeThreads()), 1, 1}));
    // grid.x over the output features, decodeWarps per block.
    func->setAttr(kLaunchGridAttrName,
                  b.getDenseI64ArrayAttr({out, 1, config.decodeWarps}));
    kernel.buildDecode(func, hasBias);
    return;
  }
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {static_cast<int32_t>(config.tile.threads()), 1, 1}));
  // grid.x over the columns of Y, grid.y over its rows.
  func->setAttr(kLaunchGridAttrName,
                b.getDenseI64ArrayAttr(
                    {out, 1, config.tile.blockN, out, 0, config.tile.blockM}));
  kernel.buildPrefill(func, hasBias);
}
