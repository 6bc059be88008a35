//===- MmaTileStep.cpp - the shared matrix tile step of GPU GEMMs ---------===//
//
// This file implements MmaTileStep (MmaTileStep.h): the fragment loads
// from workgroup tiles, the matrix instruction (or f32 FMAs) of one K
// step, the walk over a lane's accumulators that the GEMM epilogues
// share, and the linear kernels' K-step tile fill. The tile step's
// operands are created in a fixed order (each value before the op that
// uses it, left to right where an expression has several), so those
// kernels are the same whatever order a compiler evaluates arguments in;
// the tile fill keeps the expressions of the two kernels it came from
// (scripts/gpu-kernel-snapshot.sh showed their IR unchanged).
//
//===----------------------------------------------------------------------===//

#include "MmaTileStep.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::seq;

MmaTileStep::MmaTileStep(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                         Type elementType, Value tid, Value lane, Value warpM,
                         Value warpN, MmaTileMutation mutation)
    : IndexMath(b), config(config), elementType(elementType), tid(tid),
      lane(lane), warpM(warpM), warpN(warpN), mutation(mutation) {
  stepKind = !config.instruction                                 ? Kind::Fma
             : StringRef(config.instruction->name) == "mma.sync" ? Kind::MmaSync
                                                                 : Kind::Mfma;
  warpRows = config.blockM / config.warpsM;
  warpCols = config.blockN / config.warpsN;
}

Value MmaTileStep::load(Value tile, Value row, Value col) {
  if (stage)
    return memref::LoadOp::create(b, tile, ValueRange{stage, row, col});
  return memref::LoadOp::create(b, tile, ValueRange{row, col});
}

int64_t MmaTileStep::tilesPerOperand() const {
  if (stepKind == Kind::Fma)
    return config.blockM * config.blockN / config.threads();
  return (warpRows / config.instruction->m) *
         (warpCols / config.instruction->n);
}

SmallVector<Value> MmaTileStep::zeroAccumulators(int64_t operands) {
  Type f32 = b.getF32Type();
  Type accType = stepKind == Kind::MmaSync ? Type(VectorType::get({2, 2}, f32))
                 : stepKind == Kind::Mfma  ? Type(VectorType::get({4}, f32))
                                           : f32;
  SmallVector<Value> inits;
  for (int64_t i = 0; i < tilesPerOperand() * operands; ++i)
    inits.push_back(zeroOf(accType));
  return inits;
}

SmallVector<Value> MmaTileStep::step(Value aTile, ArrayRef<Value> bTiles,
                                     ValueRange acc,
                                     std::optional<int64_t> k0) {
  switch (stepKind) {
  case Kind::MmaSync:
    return stepMmaSync(aTile, bTiles, acc, k0);
  case Kind::Mfma:
    return stepMfma(aTile, bTiles, acc, k0);
  case Kind::Fma:
    return stepFma(aTile, bTiles, acc);
  }
  llvm_unreachable("unknown tile step");
}

SmallVector<Value> MmaTileStep::stepMmaSync(Value aTile, ArrayRef<Value> bTiles,
                                            ValueRange acc,
                                            std::optional<int64_t> k0) {
  const MatrixInstruction &mma = *config.instruction;
  int64_t subM = warpRows / mma.m, subN = warpCols / mma.n;
  int64_t perB = subM * subN;
  Value g = div(lane, 4), t = rem(lane, 4);
  // 2t (+ k0): the lane's first k column.
  Value kOffset = k0 ? c(*k0) : Value();
  Value twoT = mul(t, c(2));
  if (kOffset)
    twoT = add(twoT, kOffset);
  SmallVector<Value> result(acc.size());
  for (int64_t ms = 0; ms < subM; ++ms) {
    Value a = zeroOf(VectorType::get({4, 2}, elementType));
    Value msOffset = c(ms * mma.m);
    Value rowBase = add(mul(warpM, c(warpRows)), msOffset);
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t j = 0; j < 2; ++j) {
        // The swapped-lanes mutation exchanges the roles of the register
        // index bits (rows <-> the k halves).
        int64_t rowHalf = r % 2, colHalf = r / 2;
        if (mutation.swapFragmentLanes)
          std::swap(rowHalf, colHalf);
        Value half = c(8 * rowHalf);
        Value row = add(add(rowBase, g), half);
        if (mutation.sharedOffByOne)
          row = add(row, c(1));
        Value col = add(twoT, c(j + 8 * colHalf));
        a = vector::InsertOp::create(b, load(aTile, row, col), a,
                                     ArrayRef<int64_t>{r, j});
      }
    for (auto [which, tile] : llvm::enumerate(bTiles))
      for (int64_t ns = 0; ns < subN; ++ns) {
        Value bFrag = zeroOf(VectorType::get({2, 2}, elementType));
        Value nsOffset = c(ns * mma.n);
        Value n = add(add(mul(warpN, c(warpCols)), nsOffset), g);
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t j = 0; j < 2; ++j)
            bFrag = vector::InsertOp::create(
                b, load(tile, n, add(twoT, c(j + 8 * r))), bFrag,
                ArrayRef<int64_t>{r, j});
        int64_t index = which * perB + ms * subN + ns;
        result[index] = nvgpu::MmaSyncOp::create(
            b, a, bFrag, acc[index], ArrayRef<int64_t>{mma.m, mma.n, mma.k});
      }
  }
  return result;
}

SmallVector<Value> MmaTileStep::stepMfma(Value aTile, ArrayRef<Value> bTiles,
                                         ValueRange acc,
                                         std::optional<int64_t> k0) {
  const MatrixInstruction &mfma = *config.instruction;
  int64_t subM = warpRows / mfma.m, subN = warpCols / mfma.n;
  int64_t perB = subM * subN;
  Value i = rem(lane, 16), q = div(lane, 16);
  if (mutation.swapFragmentLanes) {
    // Lanes numbered down the k groups instead of across the rows.
    i = div(lane, 4);
    q = rem(lane, 4);
  }
  // 4q (+ k0): the lane's first k column of A (and of B, whose lanes are
  // never swapped).
  Value kOffset = k0 ? c(*k0) : Value();
  Value k4 = mul(q, c(4));
  if (kOffset)
    k4 = add(k4, kOffset);
  auto fragType = VectorType::get({4}, elementType);
  SmallVector<Value> aFrags, result(acc.size());
  for (int64_t ms = 0; ms < subM; ++ms) {
    Value a = zeroOf(fragType);
    Value msOffset = c(ms * mfma.m);
    Value row = add(add(mul(warpM, c(warpRows)), msOffset), i);
    if (mutation.sharedOffByOne)
      row = add(row, c(1));
    for (int64_t j = 0; j < 4; ++j)
      a = vector::InsertOp::create(b, load(aTile, row, add(k4, c(j))), a,
                                   ArrayRef<int64_t>{j});
    aFrags.push_back(a);
  }
  // With a k offset, B's first k column once; without, per element.
  Value bK4;
  if (kOffset) {
    Value offset = c(*k0);
    Value four = c(4);
    bK4 = add(mul(div(lane, 16), four), offset);
  }
  auto bColumn = [&](int64_t j) {
    if (bK4)
      return add(bK4, c(j));
    Value jValue = c(j);
    Value four = c(4);
    return add(mul(div(lane, 16), four), jValue);
  };
  for (auto [which, tile] : llvm::enumerate(bTiles))
    for (int64_t ms = 0; ms < subM; ++ms)
      for (int64_t ns = 0; ns < subN; ++ns) {
        Value bFrag = zeroOf(fragType);
        Value lane16 = rem(lane, 16);
        Value nsOffset = c(ns * mfma.n);
        Value n = add(add(mul(warpN, c(warpCols)), nsOffset), lane16);
        for (int64_t j = 0; j < 4; ++j)
          bFrag = vector::InsertOp::create(b, load(tile, n, bColumn(j)), bFrag,
                                           ArrayRef<int64_t>{j});
        int64_t index = which * perB + ms * subN + ns;
        result[index] = amdgpu::MFMAOp::create(
            b, acc[index].getType(), b.getI32IntegerAttr(mfma.m),
            b.getI32IntegerAttr(mfma.n), b.getI32IntegerAttr(mfma.k),
            b.getI32IntegerAttr(1), aFrags[ms], bFrag, acc[index],
            b.getI32IntegerAttr(0), b.getI32IntegerAttr(0),
            amdgpu::MFMAPermBAttr::get(b.getContext(),
                                       amdgpu::MFMAPermB::none));
      }
  return result;
}

SmallVector<Value> MmaTileStep::stepFma(Value aTile, ArrayRef<Value> bTiles,
                                        ValueRange acc) {
  int64_t perB = (int64_t)acc.size() / (int64_t)bTiles.size();
  Value step = c(1), upper = c(config.blockK), lower = c(0);
  auto loop = scf::ForOp::create(b, lower, upper, step, acc);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value k = loop.getInductionVar();
  SmallVector<Value> next;
  for (Value tile : bTiles)
    for (int64_t e = 0; e < perB; ++e) {
      Value index = add(tid, c(e * config.threads()));
      Value row = div(index, config.blockN);
      Value col = rem(index, config.blockN);
      if (mutation.sharedOffByOne)
        row = add(row, c(1));
      Value bValue = load(tile, col, k);
      Value aValue = load(aTile, row, k);
      Value product = arith::MulFOp::create(b, aValue, bValue);
      next.push_back(arith::AddFOp::create(
          b, loop.getRegionIterArgs()[next.size()], product));
    }
  scf::YieldOp::create(b, next);
  return SmallVector<Value>(loop.getResults());
}

Value MmaTileStep::outputBase(Value origin, Value warpIndex, int64_t warpExtent,
                              Value offset) {
  Value base = mul(warpIndex, c(warpExtent));
  if (origin)
    base = add(origin, base);
  return add(base, offset);
}

void MmaTileStep::forEachOutput(
    ValueRange acc, int64_t operands, Value rowOrigin, Value colOrigin,
    function_ref<void(Value, Value, ArrayRef<Value>)> fn) {
  int64_t perB = tilesPerOperand();
  auto values = [&](int64_t i, ArrayRef<int64_t> position) {
    SmallVector<Value> v;
    for (int64_t w = 0; w < operands; ++w) {
      Value a = acc[w * perB + i];
      v.push_back(position.empty()
                      ? a
                      : vector::ExtractOp::create(b, a, position).getResult());
    }
    return v;
  };
  if (stepKind == Kind::MmaSync) {
    const MatrixInstruction &mma = *config.instruction;
    Value g = div(lane, 4), t = rem(lane, 4);
    int64_t subN = warpCols / mma.n;
    for (int64_t i = 0; i < perB; ++i) {
      int64_t ms = i / subN, ns = i % subN;
      Value msOffset = c(ms * mma.m);
      Value rowBase = outputBase(rowOrigin, warpM, warpRows, add(msOffset, g));
      Value twoT = mul(t, c(2));
      Value nsOffset = c(ns * mma.n);
      Value colBase =
          outputBase(colOrigin, warpN, warpCols, add(nsOffset, twoT));
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          Value col = add(colBase, c(j));
          Value row = add(rowBase, c(8 * r));
          fn(row, col, values(i, {r, j}));
        }
    }
    return;
  }
  if (stepKind == Kind::Mfma) {
    const MatrixInstruction &mfma = *config.instruction;
    int64_t subN = warpCols / mfma.n;
    Value i16 = rem(lane, 16);
    Value four = c(4);
    Value q4 = mul(div(lane, 16), four);
    for (int64_t i = 0; i < perB; ++i) {
      int64_t ms = i / subN, ns = i % subN;
      Value msOffset = c(ms * mfma.m);
      Value rowBase = outputBase(rowOrigin, warpM, warpRows, add(msOffset, q4));
      Value nsOffset = c(ns * mfma.n);
      Value col = outputBase(colOrigin, warpN, warpCols, add(nsOffset, i16));
      for (int64_t j = 0; j < 4; ++j) {
        Value row = add(rowBase, c(j));
        fn(row, col, values(i, {j}));
      }
    }
    return;
  }
  for (int64_t e = 0; e < perB; ++e) {
    Value index = add(tid, c(e * config.threads()));
    Value col = rem(index, config.blockN);
    if (colOrigin)
      col = add(colOrigin, col);
    Value row = div(index, config.blockN);
    if (rowOrigin)
      row = add(rowOrigin, row);
    fn(row, col, values(e, {}));
  }
}

void seq::storeLinearOutput(ImplicitLocOpBuilder &b, Value value, Value row,
                            Value col, Value rows, Value cols, Value bias,
                            Value y) {
  Value colInside =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, col, cols);
  Value rowInside =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, rows);
  Value inside = arith::AndIOp::create(b, rowInside, colInside);
  auto ifOp = scf::IfOp::create(b, TypeRange{}, inside, false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  Type f32 = b.getF32Type();
  Type outType = cast<MemRefType>(y.getType()).getElementType();
  if (bias) {
    Value bv = memref::LoadOp::create(b, bias, ValueRange{col});
    if (bv.getType() != f32)
      bv = arith::ExtFOp::create(b, f32, bv);
    value = arith::AddFOp::create(b, value, bv);
  }
  if (outType != f32)
    value = arith::TruncFOp::create(b, outType, value);
  memref::StoreOp::create(b, value, y, ValueRange{row, col});
}

void seq::fillTileSync(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                       Type elementType, Value tid, const TileOperand &operand,
                       Value k0, Value depthK, TileIndexFn indices) {
  IndexMath m(b);
  // One op per statement, in the order gcc created them (README.md, "Same
  // output from every host compiler").
  Value threads = m.c(config.threads());
  Value elements = m.c(operand.rows * config.blockK);
  auto loop = scf::ForOp::create(b, tid, elements, threads);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value e = loop.getInductionVar();
  Value r = m.div(e, config.blockK), col = m.rem(e, config.blockK);
  Value row = m.add(operand.rowBase, r), k = m.add(k0, col);
  Value kInside = m.ult(k, depthK);
  Value rowInside = m.ult(row, operand.rowLimit);
  Value inside = arith::AndIOp::create(b, rowInside, kInside).getResult();
  auto ifOp = scf::IfOp::create(b, TypeRange{elementType}, inside,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(
        b, memref::LoadOp::create(b, operand.source, ValueRange{row, k})
               .getResult());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, m.zeroOf(elementType));
  }
  memref::StoreOp::create(b, ifOp.getResult(0), operand.tile, indices(r, col));
}

void seq::fillTilesAsync(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                         Type elementType, Value tid, const TileOperand &x,
                         const TileOperand &w, Value k0, Value depthK,
                         TileIndexFn indices) {
  IndexMath m(b);
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  int64_t vec = kAsyncCopyTileAlignment / elementBytes;
  int64_t perRow = config.blockK / vec;
  int64_t xChunks = x.rows * perRow;
  int64_t total = (x.rows + w.rows) * perRow;
  int64_t threads = config.threads();
  Value zero = m.c(0);
  Value partial = m.rem(depthK, vec);
  Value aligned =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, partial, zero);
  auto ifOp = scf::IfOp::create(b, TypeRange{}, aligned, true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // Chunk e of an operand: row e / perRow, column (e % perRow) * vec.
  auto copy = [&](const TileOperand &operand, Value e) {
    Value r = m.div(e, perRow);
    Value vecElements = m.c(vec);
    Value chunk = m.rem(e, perRow);
    Value col = m.mul(chunk, vecElements);
    Value row = m.add(operand.rowBase, r), k = m.add(k0, col);
    Value kInside = m.ult(k, depthK);
    Value rowInside = m.ult(row, operand.rowLimit);
    Value inside = arith::AndIOp::create(b, rowInside, kInside);
    // Rows past the limit and chunks past K: zero-filled (source size 0)
    // from an in-bounds address.
    Value none = m.c(0);
    Value whole = m.c(vec);
    Value srcElements = arith::SelectOp::create(b, inside, whole, none);
    Value srcRow =
        m.minU(row, arith::SubIOp::create(b, operand.rowLimit, m.c(1)));
    Value srcK = m.minU(k, arith::SubIOp::create(b, depthK, m.c(vec)));
    nvgpu::DeviceAsyncCopyOp::create(b, operand.tile, indices(r, col),
                                     operand.source, ValueRange{srcRow, srcK},
                                     b.getIndexAttr(vec), srcElements,
                                     b.getUnitAttr());
  };
  for (int64_t i = 0; i * threads < total; ++i) {
    Value e = m.add(tid, m.c(i * threads));
    auto issue = [&] {
      auto side =
          scf::IfOp::create(b, TypeRange{}, m.ult(e, m.c(xChunks)), true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(side.thenBlock());
      copy(x, e);
      b.setInsertionPointToStart(side.elseBlock());
      copy(w, arith::SubIOp::create(b, e, m.c(xChunks)));
    };
    // The last round may have fewer chunks than threads.
    if ((i + 1) * threads > total) {
      auto some =
          scf::IfOp::create(b, TypeRange{}, m.ult(e, m.c(total)), false);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(some.thenBlock());
      issue();
    } else {
      issue();
    }
  }
  // Rows that are not whole 16-byte chunks: element by element.
  b.setInsertionPointToStart(ifOp.elseBlock());
  fillTileSync(b, config, elementType, tid, x, k0, depthK, indices);
  fillTileSync(b, config, elementType, tid, w, k0, depthK, indices);
}

LinearKernelFrame seq::beginLinearKernel(ImplicitLocOpBuilder &b,
                                         gpu::GPUFuncOp func, bool hasBias,
                                         int64_t blockM, int64_t blockN) {
  LinearKernelFrame frame;
  frame.x = func.getArgument(0);
  frame.w = func.getArgument(1);
  frame.bias = hasBias ? func.getArgument(2) : Value();
  frame.y = func.getArgument(func.getNumArguments() - 1);
  frame.sx = func.getWorkgroupAttributions()[0];
  frame.sw = func.getWorkgroupAttributions()[1];
  IndexMath math(b);
  frame.tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  frame.rowsM = memref::DimOp::create(b, frame.x, 0);
  frame.depthK = memref::DimOp::create(b, frame.x, 1);
  frame.colsN = memref::DimOp::create(b, frame.w, 0);
  Value tileM = math.c(blockM);
  frame.m0 = math.mul(blockY, tileM);
  Value tileN = math.c(blockN);
  frame.n0 = math.mul(blockX, tileN);
  return frame;
}
