//===- LinearKernel.cpp - the GPU kernel of seq.linear --------------------===//
//
// This file builds the linear-layer kernel Y = X W^T (+ b) in its mapped
// form: one block per output tile, blockK-deep tiles of X and W staged in
// workgroup memory between barriers, and each warp (wavefront) computing
// its quarter with the chip's matrix instruction. Fragments are loaded
// from shared memory per lane in the instruction's register layout:
//
//   mma.sync m16n8k16 (PTX ISA, "Matrix Fragments for mma.m16n8k16"),
//   group g = lane / 4, t = lane % 4:
//     A (vector<4x2>) register r, element j: row g + 8 (r % 2),
//                                            col 2t + j + 8 (r / 2)
//     B (vector<2x2>) register r, element j: k 2t + j + 8r, col g
//     C (vector<2x2>) register r, element j: row g + 8r, col 2t + j
//   MFMA 16x16x16 (CDNA3 ISA, wave64), i = lane % 16, q = lane / 16:
//     A (vector<4>) element j: row i, k 4q + j
//     B (vector<4>) element j: k 4q + j, col i
//     D (vector<4>) element j: row 4q + j, col i
//
// With cp.async (sm_80+, config.asyncCopy) the tiles have two buffers
// (memref<2 x rows x blockK>): a K step waits for its own copies
// (cp.async.wait_group 0), passes one barrier (every thread's copies have
// landed and every warp has finished the previous step, which read the
// other buffer), issues the 16-byte copies of the next step into the
// other buffer (zero-filled past M, N and K by the copy's source size)
// and computes, so the next tiles are in flight during the matrix
// instructions. Rows whose length K is not a multiple of 16 bytes cannot
// be copied in 16-byte pieces: the kernel checks K at run time and copies
// those tiles element by element into the same buffers. HIP (gfx942 has
// no asynchronous global-to-LDS copy of this kind) keeps one buffer, two
// barriers per step and the synchronous copy.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds one kernel body; `b` inserts into the kernel.
class LinearKernelBuilder {
public:
  LinearKernelBuilder(ImplicitLocOpBuilder &b, const TargetDescription &target,
                      const GPULinearConfig &config, Type elementType,
                      KernelMutation mutation)
      : b(b), target(target), config(config), elementType(elementType),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func, bool hasBias);

private:
  Value c(int64_t value) { return arith::ConstantIndexOp::create(b, value); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, c(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, c(y)); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value zeroOf(Type type) {
    return arith::ConstantOp::create(b, type, b.getZeroAttr(type));
  }
  Value minU(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value load(Value memref, Value row, Value col) {
    return memref::LoadOp::create(b, memref, ValueRange{row, col});
  }
  /// Indices of a tile element: the buffer first with two buffers.
  SmallVector<Value, 3> tileIndices(Value row, Value col) {
    if (stage)
      return {stage, row, col};
    return {row, col};
  }
  /// Element (row, col) of the tile the current K step computes on.
  Value loadTile(Value tile, Value row, Value col) {
    return memref::LoadOp::create(b, tile, tileIndices(row, col));
  }

  /// Copies rows [rowBase, rowBase + rows) x [k0, k0 + blockK) of `source`
  /// into `tile`, zero outside `rowLimit` x K: thread tid copies elements
  /// tid, tid + threads, ...
  void fillTile(Value source, Value tile, Value rowBase, Value rowLimit,
                int64_t rows, Value k0);
  /// cp.async: issues the 16-byte copies of the X and W tiles of the K
  /// step at k0 into buffer `stage` (when K is a whole number of 16-byte
  /// chunks, else copies them synchronously).
  void fillTilesAsync(Value k0);
  /// cp.async.commit_group: the copies this thread issued since the last
  /// one. (NVVM's op: nvgpu.device_async_create_group names the copies'
  /// tokens, which do not reach out of the branches that issue them.)
  void commitGroup() { NVVM::CpAsyncCommitGroupOp::create(b); }
  /// The K loop of the cp.async form: the final accumulators.
  SmallVector<Value> asyncLoop(ValueRange inits, bool isMmaSync, bool isMfma);
  /// One blockK step of each variant: the updated accumulators.
  SmallVector<Value> stepMmaSync(ValueRange acc);
  SmallVector<Value> stepMfma(ValueRange acc);
  SmallVector<Value> stepFma(ValueRange acc);
  /// Y[row, col] = acc (+ bias[col]) when (row, col) is inside Y.
  void storeOutput(Value value, Value row, Value col);

  ImplicitLocOpBuilder &b;
  const TargetDescription &target;
  const GPULinearConfig &config;
  Type elementType;
  KernelMutation mutation;

  Value x, w, bias, y, sx, sw;
  /// The buffer of the two-buffer (cp.async) tiles being filled or read;
  /// null with one buffer.
  Value stage;
  Value tid, lane, warpM, warpN, m0, n0, rowsM, depthK, colsN;
};
} // namespace

void LinearKernelBuilder::fillTile(Value source, Value tile, Value rowBase,
                                   Value rowLimit, int64_t rows, Value k0) {
  auto loop =
      scf::ForOp::create(b, tid, c(rows * config.blockK), c(config.threads()));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value e = loop.getInductionVar();
  Value r = div(e, config.blockK), col = rem(e, config.blockK);
  Value row = add(rowBase, r), k = add(k0, col);
  Value inside =
      arith::AndIOp::create(b, lt(row, rowLimit), lt(k, depthK)).getResult();
  auto ifOp = scf::IfOp::create(b, TypeRange{elementType}, inside,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, load(source, row, k));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, zeroOf(elementType));
  }
  memref::StoreOp::create(b, ifOp.getResult(0), tile, tileIndices(r, col));
}

void LinearKernelBuilder::fillTilesAsync(Value k0) {
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  int64_t vec = 16 / elementBytes, perRow = config.blockK / vec;
  int64_t xChunks = config.blockM * perRow;
  int64_t total = (config.blockM + config.blockN) * perRow;
  int64_t threads = config.threads();
  Value aligned = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                        rem(depthK, vec), c(0));
  auto ifOp = scf::IfOp::create(b, TypeRange{}, aligned, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    // Thread tid copies chunks tid, tid + threads, ...: X's first, then
    // W's (xChunks is a whole number of warps, so a warp takes one side).
    auto copy = [&](Value source, Value tile, Value rowBase, Value rowLimit,
                    Value e) {
      Value r = div(e, perRow), col = mul(rem(e, perRow), c(vec));
      Value row = add(rowBase, r), k = add(k0, col);
      Value inside = arith::AndIOp::create(b, lt(row, rowLimit), lt(k, depthK));
      // Rows past M (N) and chunks past K are zero-filled (source size
      // 0) from an in-bounds address.
      Value srcElements = arith::SelectOp::create(b, inside, c(vec), c(0));
      Value srcRow = minU(row, arith::SubIOp::create(b, rowLimit, c(1)));
      Value srcK = minU(k, arith::SubIOp::create(b, depthK, c(vec)));
      nvgpu::DeviceAsyncCopyOp::create(
          b, tile, tileIndices(r, col), source, ValueRange{srcRow, srcK},
          b.getIndexAttr(vec), srcElements, b.getUnitAttr());
    };
    for (int64_t i = 0; i * threads < total; ++i) {
      Value e = add(tid, c(i * threads));
      auto issue = [&] {
        auto side = scf::IfOp::create(b, TypeRange{}, lt(e, c(xChunks)), true);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(side.thenBlock());
        copy(x, sx, m0, rowsM, e);
        b.setInsertionPointToStart(side.elseBlock());
        copy(w, sw, n0, colsN, arith::SubIOp::create(b, e, c(xChunks)));
      };
      if ((i + 1) * threads > total) {
        auto some = scf::IfOp::create(b, TypeRange{}, lt(e, c(total)), false);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(some.thenBlock());
        issue();
      } else {
        issue();
      }
    }
    b.setInsertionPointToStart(ifOp.elseBlock());
    fillTile(x, sx, m0, rowsM, config.blockM, k0);
    fillTile(w, sw, n0, colsN, config.blockN, k0);
  }
}

SmallVector<Value> LinearKernelBuilder::asyncLoop(ValueRange inits,
                                                  bool isMmaSync, bool isMfma) {
  // Prologue: the first K step's tiles into buffer 0.
  stage = c(0);
  auto first = scf::IfOp::create(b, TypeRange{}, lt(c(0), depthK), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    fillTilesAsync(c(0));
  }
  // Its group (empty when K = 0, or on the synchronous path).
  commitGroup();
  auto loop = scf::ForOp::create(b, c(0), depthK, c(config.blockK), inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  Value current = rem(div(k0, config.blockK), 2);
  // cp.async.wait_group 0: this thread's copies of this step have landed.
  if (mutation != KernelMutation::DropAsyncWait)
    NVVM::CpAsyncWaitGroupOp::create(
        b, mutation == KernelMutation::AsyncWaitCount ? 1 : 0);
  // Every thread's copies have landed, and every warp is done with the
  // other buffer (read by the previous step).
  if (mutation != KernelMutation::DropBarrier)
    gpu::BarrierOp::create(b);
  Value next = add(k0, c(config.blockK));
  auto prefetch = scf::IfOp::create(b, TypeRange{}, lt(next, depthK), false);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(prefetch.thenBlock());
    stage = arith::SubIOp::create(b, c(1), current);
    fillTilesAsync(next);
    commitGroup();
  }
  stage = current;
  ValueRange acc = loop.getRegionIterArgs();
  SmallVector<Value> result = isMmaSync ? stepMmaSync(acc)
                              : isMfma  ? stepMfma(acc)
                                        : stepFma(acc);
  scf::YieldOp::create(b, result);
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> LinearKernelBuilder::stepMmaSync(ValueRange acc) {
  const MatrixInstruction &mma = *config.instruction;
  int64_t warpRows = config.blockM / config.warpsM;
  int64_t warpCols = config.blockN / config.warpsN;
  int64_t subM = warpRows / mma.m, subN = warpCols / mma.n;
  Value g = div(lane, 4), t = rem(lane, 4);
  Value twoT = mul(t, c(2));
  SmallVector<Value> result;
  for (int64_t ms = 0; ms < subM; ++ms) {
    auto aType = VectorType::get({4, 2}, elementType);
    Value a = zeroOf(aType);
    Value rowBase = add(mul(warpM, c(warpRows)), c(ms * mma.m));
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t j = 0; j < 2; ++j) {
        // The swapped-lanes mutation exchanges the roles of the register
        // index bits (rows <-> the k halves).
        int64_t rowHalf = r % 2, colHalf = r / 2;
        if (mutation == KernelMutation::SwapFragmentLanes)
          std::swap(rowHalf, colHalf);
        Value row = add(add(rowBase, g), c(8 * rowHalf));
        if (mutation == KernelMutation::SharedOffByOne)
          row = add(row, c(1));
        Value col = add(twoT, c(j + 8 * colHalf));
        a = vector::InsertOp::create(b, loadTile(sx, row, col), a,
                                     ArrayRef<int64_t>{r, j});
      }
    for (int64_t ns = 0; ns < subN; ++ns) {
      auto bType = VectorType::get({2, 2}, elementType);
      Value bFrag = zeroOf(bType);
      Value n = add(add(mul(warpN, c(warpCols)), c(ns * mma.n)), g);
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j)
          bFrag = vector::InsertOp::create(
              b, loadTile(sw, n, add(twoT, c(j + 8 * r))), bFrag,
              ArrayRef<int64_t>{r, j});
      result.push_back(
          nvgpu::MmaSyncOp::create(b, a, bFrag, acc[ms * subN + ns],
                                   ArrayRef<int64_t>{mma.m, mma.n, mma.k}));
    }
  }
  return result;
}

SmallVector<Value> LinearKernelBuilder::stepMfma(ValueRange acc) {
  const MatrixInstruction &mfma = *config.instruction;
  int64_t warpRows = config.blockM / config.warpsM;
  int64_t warpCols = config.blockN / config.warpsN;
  int64_t subM = warpRows / mfma.m, subN = warpCols / mfma.n;
  Value i = rem(lane, 16), q = div(lane, 16);
  if (mutation == KernelMutation::SwapFragmentLanes) {
    // Lanes numbered down the k groups instead of across the rows.
    i = div(lane, 4);
    q = rem(lane, 4);
  }
  Value k4 = mul(q, c(4));
  auto fragType = VectorType::get({4}, elementType);
  SmallVector<Value> aFrags, result;
  for (int64_t ms = 0; ms < subM; ++ms) {
    Value a = zeroOf(fragType);
    Value row = add(add(mul(warpM, c(warpRows)), c(ms * mfma.m)), i);
    if (mutation == KernelMutation::SharedOffByOne)
      row = add(row, c(1));
    for (int64_t j = 0; j < 4; ++j)
      a = vector::InsertOp::create(b, loadTile(sx, row, add(k4, c(j))), a,
                                   ArrayRef<int64_t>{j});
    aFrags.push_back(a);
  }
  for (int64_t ms = 0; ms < subM; ++ms)
    for (int64_t ns = 0; ns < subN; ++ns) {
      Value bFrag = zeroOf(fragType);
      Value n =
          add(add(mul(warpN, c(warpCols)), c(ns * mfma.n)), rem(lane, 16));
      for (int64_t j = 0; j < 4; ++j)
        bFrag = vector::InsertOp::create(
            b, loadTile(sw, n, add(mul(div(lane, 16), c(4)), c(j))), bFrag,
            ArrayRef<int64_t>{j});
      result.push_back(amdgpu::MFMAOp::create(
          b, acc[ms * subN + ns].getType(), b.getI32IntegerAttr(mfma.m),
          b.getI32IntegerAttr(mfma.n), b.getI32IntegerAttr(mfma.k),
          b.getI32IntegerAttr(1), aFrags[ms], bFrag, acc[ms * subN + ns],
          b.getI32IntegerAttr(0), b.getI32IntegerAttr(0),
          amdgpu::MFMAPermBAttr::get(b.getContext(), amdgpu::MFMAPermB::none)));
    }
  return result;
}

SmallVector<Value> LinearKernelBuilder::stepFma(ValueRange acc) {
  int64_t perThread = (int64_t)acc.size();
  auto loop = scf::ForOp::create(b, c(0), c(config.blockK), c(1), acc);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value k = loop.getInductionVar();
  SmallVector<Value> next;
  for (int64_t e = 0; e < perThread; ++e) {
    Value index = add(tid, c(e * config.threads()));
    Value row = div(index, config.blockN), col = rem(index, config.blockN);
    if (mutation == KernelMutation::SharedOffByOne)
      row = add(row, c(1));
    Value product =
        arith::MulFOp::create(b, loadTile(sx, row, k), loadTile(sw, col, k));
    next.push_back(
        arith::AddFOp::create(b, loop.getRegionIterArgs()[e], product));
  }
  scf::YieldOp::create(b, next);
  return SmallVector<Value>(loop.getResults());
}

void LinearKernelBuilder::storeOutput(Value value, Value row, Value col) {
  Value inside = arith::AndIOp::create(b, lt(row, rowsM), lt(col, colsN));
  auto ifOp = scf::IfOp::create(b, TypeRange{}, inside, false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  Type f32 = b.getF32Type();
  if (bias) {
    Value bv = memref::LoadOp::create(b, bias, ValueRange{col});
    if (elementType != f32)
      bv = arith::ExtFOp::create(b, f32, bv);
    value = arith::AddFOp::create(b, value, bv);
  }
  if (elementType != f32)
    value = arith::TruncFOp::create(b, elementType, value);
  memref::StoreOp::create(b, value, y, ValueRange{row, col});
}

void LinearKernelBuilder::build(gpu::GPUFuncOp func, bool hasBias) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  x = func.getArgument(0);
  w = func.getArgument(1);
  bias = hasBias ? func.getArgument(2) : Value();
  y = func.getArgument(func.getNumArguments() - 1);
  sx = func.getWorkgroupAttributions()[0];
  sw = func.getWorkgroupAttributions()[1];

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  rowsM = memref::DimOp::create(b, x, 0);
  depthK = memref::DimOp::create(b, x, 1);
  colsN = memref::DimOp::create(b, w, 0);
  m0 = mul(blockY, c(config.blockM));
  n0 = mul(blockX, c(config.blockN));
  Value warp = div(tid, config.warpSize);
  lane = rem(tid, config.warpSize);
  warpM = div(warp, config.warpsN);
  warpN = rem(warp, config.warpsN);

  // Accumulators (f32) carried through the K loop.
  Type f32 = b.getF32Type();
  SmallVector<Value> inits;
  bool isMmaSync =
      config.instruction && StringRef(config.instruction->name) == "mma.sync";
  bool isMfma =
      config.instruction && StringRef(config.instruction->name) == "mfma";
  int64_t warpRows = config.blockM / config.warpsM;
  int64_t warpCols = config.blockN / config.warpsN;
  int64_t tiles = 0;
  Type accType = f32;
  if (config.instruction) {
    tiles =
        (warpRows / config.instruction->m) * (warpCols / config.instruction->n);
    accType =
        isMmaSync ? VectorType::get({2, 2}, f32) : VectorType::get({4}, f32);
  } else {
    tiles = config.blockM * config.blockN / config.threads();
  }
  for (int64_t i = 0; i < tiles; ++i)
    inits.push_back(zeroOf(accType));

  SmallVector<Value> acc;
  if (config.asyncCopy) {
    acc = asyncLoop(inits, isMmaSync, isMfma);
  } else {
    auto loop = scf::ForOp::create(b, c(0), depthK, c(config.blockK), inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    fillTile(x, sx, m0, rowsM, config.blockM, k0);
    fillTile(w, sw, n0, colsN, config.blockN, k0);
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    ValueRange carried = loop.getRegionIterArgs();
    SmallVector<Value> next = isMmaSync ? stepMmaSync(carried)
                              : isMfma  ? stepMfma(carried)
                                        : stepFma(carried);
    // The next step overwrites the tiles the other warps may still read.
    gpu::BarrierOp::create(b);
    scf::YieldOp::create(b, next);
    acc.assign(loop.getResults().begin(), loop.getResults().end());
  }

  if (isMmaSync) {
    const MatrixInstruction &mma = *config.instruction;
    Value g = div(lane, 4), t = rem(lane, 4);
    int64_t subN = warpCols / mma.n;
    for (int64_t i = 0; i < tiles; ++i) {
      int64_t ms = i / subN, ns = i % subN;
      Value rowBase =
          add(add(m0, mul(warpM, c(warpRows))), add(c(ms * mma.m), g));
      Value colBase = add(add(n0, mul(warpN, c(warpCols))),
                          add(c(ns * mma.n), mul(t, c(2))));
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j)
          storeOutput(
              vector::ExtractOp::create(b, acc[i], ArrayRef<int64_t>{r, j}),
              add(rowBase, c(8 * r)), add(colBase, c(j)));
    }
  } else if (isMfma) {
    const MatrixInstruction &mfma = *config.instruction;
    int64_t subN = warpCols / mfma.n;
    Value i16 = rem(lane, 16), q4 = mul(div(lane, 16), c(4));
    for (int64_t i = 0; i < tiles; ++i) {
      int64_t ms = i / subN, ns = i % subN;
      Value rowBase =
          add(add(m0, mul(warpM, c(warpRows))), add(c(ms * mfma.m), q4));
      Value col =
          add(add(n0, mul(warpN, c(warpCols))), add(c(ns * mfma.n), i16));
      for (int64_t j = 0; j < 4; ++j)
        storeOutput(vector::ExtractOp::create(b, acc[i], ArrayRef<int64_t>{j}),
                    add(rowBase, c(j)), col);
    }
  } else {
    for (int64_t e = 0; e < tiles; ++e) {
      Value index = add(tid, c(e * config.threads()));
      storeOutput(acc[e], add(m0, div(index, config.blockN)),
                  add(n0, rem(index, config.blockN)));
    }
  }
  gpu::ReturnOp::create(b);
}

void seq::buildLinearKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const TargetDescription &target,
                            const GPULinearConfig &config,
                            LinearElementType elementType, bool hasBias,
                            KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type type = elementType == LinearElementType::F32   ? b.getF32Type()
              : elementType == LinearElementType::F16 ? Type(b.getF16Type())
                                                      : b.getBF16Type();
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, type);
  SmallVector<Type> arguments = {matrix, matrix};
  if (hasBias)
    arguments.push_back(MemRefType::get({dynamic}, type));
  arguments.push_back(matrix);
  auto tileShape = [&](int64_t rows) -> SmallVector<int64_t> {
    if (config.asyncCopy)
      return {2, rows, config.blockK};
    return {rows, config.blockK};
  };
  auto tileX = workgroupMemRefType(tileShape(config.blockM), type);
  auto tileW = workgroupMemRefType(tileShape(config.blockN), type);
  int64_t out = arguments.size() - 1;
  // grid.x over the columns of Y, grid.y over its rows.
  auto func =
      createKernelFunc(b, name, arguments, {tileX, tileW}, config.threads(),
                       {out, 1, config.blockN, out, 0, config.blockM});
  LinearKernelBuilder(b, target, config, type, mutation).build(func, hasBias);
}
