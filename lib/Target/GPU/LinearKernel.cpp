//===- LinearKernel.cpp - the GPU kernel of seq.linear --------------------===//
//
// This file builds the linear-layer kernel Y = X W^T (+ b) in its mapped
// form: one block per output tile, blockK-deep tiles of X and W staged in
// workgroup memory between barriers, and each warp (wavefront) computing
// its quarter with the chip's matrix instruction through the tile step the
// GEMM kernels share (MmaTileStep.h: the fragment loads in the
// instruction's register layouts, mma.sync m16n8k16 / MFMA 16x16x16 or
// f32 FMAs, and the epilogue's walk over the accumulators).
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

#include "MmaTileStep.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
  SmallVector<Value> asyncLoop(MmaTileStep &tileStep, ValueRange inits);

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

SmallVector<Value> LinearKernelBuilder::asyncLoop(MmaTileStep &tileStep,
                                                  ValueRange inits) {
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
  tileStep.setStage(stage);
  SmallVector<Value> result = tileStep.step(sx, {sw}, loop.getRegionIterArgs());
  scf::YieldOp::create(b, result);
  return SmallVector<Value>(loop.getResults());
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

  MmaTileMutation tileMutation;
  tileMutation.swapFragmentLanes =
      mutation == KernelMutation::SwapFragmentLanes;
  tileMutation.sharedOffByOne = mutation == KernelMutation::SharedOffByOne;
  MmaTileStep tileStep(b, config, elementType, tid, lane, warpM, warpN,
                       tileMutation);
  // Accumulators (f32) carried through the K loop.
  SmallVector<Value> inits = tileStep.zeroAccumulators(1);

  SmallVector<Value> acc;
  if (config.asyncCopy) {
    acc = asyncLoop(tileStep, inits);
  } else {
    auto loop = scf::ForOp::create(b, c(0), depthK, c(config.blockK), inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    fillTile(x, sx, m0, rowsM, config.blockM, k0);
    fillTile(w, sw, n0, colsN, config.blockN, k0);
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    SmallVector<Value> next = tileStep.step(sx, {sw}, loop.getRegionIterArgs());
    // The next step overwrites the tiles the other warps may still read.
    gpu::BarrierOp::create(b);
    scf::YieldOp::create(b, next);
    acc.assign(loop.getResults().begin(), loop.getResults().end());
  }

  tileStep.forEachOutput(
      acc, 1, m0, n0, [&](Value row, Value col, ArrayRef<Value> values) {
        storeLinearOutput(b, values[0], row, col, rowsM, colsN, bias, y);
      });
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
