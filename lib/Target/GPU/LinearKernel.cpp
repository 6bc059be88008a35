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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds one kernel body; `b` inserts into the kernel.
class LinearKernelBuilder : IndexMath, LinearKernelFrame {
public:
  LinearKernelBuilder(ImplicitLocOpBuilder &b, const TargetDescription &target,
                      const GPULinearConfig &config, Type elementType,
                      KernelMutation mutation)
      : IndexMath(b), target(target), config(config), elementType(elementType),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func, bool hasBias);

private:
  /// Indices of a tile element: the buffer first with two buffers.
  SmallVector<Value> tileIndices(Value row, Value col) {
    if (stage)
      return {stage, row, col};
    return {row, col};
  }
  TileOperand xOperand() { return {x, sx, m0, rowsM, config.blockM}; }
  TileOperand wOperand() { return {w, sw, n0, colsN, config.blockN}; }

  /// Copies rows [rowBase, rowBase + rows) x [k0, k0 + blockK) of
  /// `operand` into its tile (buffer `stage` with two), zero outside.
  void fillTile(const TileOperand &operand, Value k0) {
    fillTileSync(b, config, elementType, tid, operand, k0, depthK,
                 [&](Value r, Value col) { return tileIndices(r, col); });
  }
  /// cp.async.commit_group: the copies this thread issued since the last
  /// one. (NVVM's op: nvgpu.device_async_create_group names the copies'
  /// tokens, which do not reach out of the branches that issue them.)
  void commitGroup() { NVVM::CpAsyncCommitGroupOp::create(b); }
  /// The K loop of the cp.async form: the final accumulators.
  SmallVector<Value> asyncLoop(MmaTileStep &tileStep, ValueRange inits);

  const TargetDescription &target;
  const GPULinearConfig &config;
  Type elementType;
  KernelMutation mutation;

  /// The buffer of the two-buffer (cp.async) tiles being filled or read;
  /// null with one buffer.
  Value stage;
  Value lane, warpM, warpN;
};
} // namespace

SmallVector<Value> LinearKernelBuilder::asyncLoop(MmaTileStep &tileStep,
                                                  ValueRange inits) {
  // Prologue: the first K step's tiles into buffer 0.
  stage = c(0);
  auto tiles = [&](Value k0) {
    fillTilesAsync(b, config, elementType, tid, xOperand(), wOperand(), k0,
                   depthK,
                   [&](Value r, Value col) { return tileIndices(r, col); });
  };
  auto first = scf::IfOp::create(b, TypeRange{}, ult(c(0), depthK), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    tiles(c(0));
  }
  // Its group (empty when K = 0, or on the synchronous path).
  commitGroup();
  Value kStep = c(config.blockK);
  Value kBegin = c(0);
  auto loop = scf::ForOp::create(b, kBegin, depthK, kStep, inits);
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
  auto prefetch = scf::IfOp::create(b, TypeRange{}, ult(next, depthK), false);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(prefetch.thenBlock());
    stage = arith::SubIOp::create(b, c(1), current);
    tiles(next);
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
  // X, W, bias, Y, the tiles, tid, M, K, N, m0, n0 (LinearKernelFrame).
  static_cast<LinearKernelFrame &>(*this) =
      beginLinearKernel(b, func, hasBias, config.blockM, config.blockN);
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
    Value kStep = c(config.blockK);
    Value kBegin = c(0);
    auto loop = scf::ForOp::create(b, kBegin, depthK, kStep, inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    fillTile(xOperand(), k0);
    fillTile(wOperand(), k0);
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
  // 16-byte cp.async copies need 16-byte aligned shared addresses.
  if (config.asyncCopy)
    alignWorkgroupBuffers(func, kAsyncCopyTileAlignment);
  LinearKernelBuilder(b, target, config, type, mutation).build(func, hasBias);
}
