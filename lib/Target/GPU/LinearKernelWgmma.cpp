//===- LinearKernelWgmma.cpp - the sm_90a linear kernel on wgmma ----------===//
//
// This file builds the sm_90a form of the linear-layer kernel Y = X W^T
// (+ b): one warpgroup (4 warps, 128 threads) per 64 x 64 tile of Y, on
// wgmma.mma_async m64n64k16 with f32 accumulators (PTX ISA, "Asynchronous
// Warpgroup Level Matrix Multiply-Accumulate"). Both operands are read by
// the instruction from shared memory through 64-bit matrix descriptors
// built in the kernel; nothing is staged in registers.
//
// Shared layout (no swizzle, the "interleave" mode of the descriptor):
// X and W tiles are K-major (A row-major, B "column-major", i.e. W's rows)
// and stored as 8 x 8 core matrices of 8 rows by 16 bytes, each 128
// contiguous bytes: element (row, k) of a tile with blockK = 32 lies at
//   ((row / 8) * 4 + k / 8) * 128 + (row % 8) * 16 + (k % 8) * 2 bytes,
// the memref<2 x rows/8 x 4 x 8 x 8> (buffer, row group, k group, row, k).
// A descriptor names one k16 slice: start address (the k group 2j),
// leading byte offset 128 (the next core matrix along K) and stride byte
// offset 512 (the next 8-row group). Why no swizzle: a 16-byte cp.async
// chunk is exactly one core-matrix row, so the copies and the descriptors
// describe the same bytes with no XOR pattern to get wrong (the 128-byte
// swizzle suits TMA boxes of 64-element rows, which seqc's launch ABI
// does not carry), and a core matrix is 128 contiguous bytes, so each one
// wgmma reads covers the 32 banks once.
//
// Accumulator (PTX ISA, "Register fragment layout for wgmma .m64nNk16",
// D): thread t of the warpgroup, warp w = t / 32, lane l = t % 32, holds
// N / 2 f32 registers; register i is
//   row 16 w + l / 4 + 8 ((i / 2) % 2), column 8 (i / 4) + 2 (l % 4) + i % 2.
//
// Per K step of 32 (two buffers, as the sm_80 cp.async form): wait for
// this thread's copies (cp.async.wait_group 0), fence.proxy.async (the
// copies and stores were made through the generic proxy; wgmma reads
// through the async proxy), one barrier (every thread's data is in and
// fenced; every wgmma of the previous step, which read the other buffer,
// has completed), the copies of the next step into the other buffer,
// wgmma.fence, two wgmma.mma_async (k16 each) chained on one accumulator,
// wgmma.commit_group and wgmma.wait_group 0 (the accumulator is only read
// after it, and the next step overwrites the buffer they read only after
// the next barrier).
//
// Nothing here has run on a GPU: the emulator (Emulator.cpp, with the
// PTX semantics of descriptors, fragments and the async wgmma) and ptxas
// for sm_90a are the evidence.
//
//===----------------------------------------------------------------------===//

#include "MmaTileStep.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Bytes of one core matrix (8 rows of 16 bytes).
constexpr int64_t kCoreMatrixBytes = 128;

class WgmmaLinearBuilder : IndexMath, LinearKernelFrame {
public:
  WgmmaLinearBuilder(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                     Type elementType, KernelMutation mutation,
                     WgmmaMutation wgmmaMutation)
      : IndexMath(b), config(config), elementType(elementType),
        mutation(mutation), wgmmaMutation(wgmmaMutation) {}

  void build(gpu::GPUFuncOp func, bool hasBias);

private:
  /// The tile indices of element (row, k) of buffer `stage`.
  SmallVector<Value> tileIndices(Value stage, Value row, Value k) {
    return {stage, div(row, 8), div(k, 8), rem(row, 8), rem(k, 8)};
  }
  /// Copies the X and W tiles of the K step at k0 into buffer `stage`:
  /// 16-byte cp.async chunks (one core-matrix row each) when rows of K
  /// elements are whole chunks, else element by element (MmaTileStep.h).
  void fillTiles(Value stage, Value k0) {
    fillTilesAsync(b, config, elementType, tid,
                   {x, sx, m0, rowsM, config.blockM},
                   {w, sw, n0, colsN, config.blockN}, k0, depthK,
                   [&](Value r, Value k) { return tileIndices(stage, r, k); });
  }
  /// The descriptor of k16 slice `slice` of buffer `stage` of `tile`
  /// (`rows` rows).
  Value descriptor(Value tileBase, int64_t rows, Value stage, int64_t slice);

  const GPULinearConfig &config;
  Type elementType;
  KernelMutation mutation;
  WgmmaMutation wgmmaMutation;

  Value baseX, baseW;
};
} // namespace

Value WgmmaLinearBuilder::descriptor(Value tileBase, int64_t rows, Value stage,
                                     int64_t slice) {
  int64_t elementBytes = elementType.getIntOrFloatBitWidth() / 8;
  int64_t stageBytes = rows * config.blockK * elementBytes;
  // The k16 slice starts 2 core matrices along K per slice.
  // One op per statement, in the order gcc created them (README.md, "Same
  // output from every host compiler").
  Value sliceOffset = c(slice * 2 * kCoreMatrixBytes);
  Value stageSize = c(stageBytes);
  Value stageOffset = mul(stage, stageSize);
  Value stageStart = add(tileBase, stageOffset);
  Value start = add(stageStart, sliceOffset);
  int64_t leading = kCoreMatrixBytes;
  int64_t stride = config.blockK / 8 * kCoreMatrixBytes;
  if (wgmmaMutation == WgmmaMutation::DescriptorStride)
    stride /= 2;
  // Bits 0-13: (address & 0x3FFFF) >> 4; 16-29: leading byte offset >> 4;
  // 32-45: stride byte offset >> 4; base offset 0; bits 62-63: swizzle
  // mode 0 (none).
  Value four = c(4);
  Value addressMask = c(0x3FFFF);
  Value masked = arith::AndIOp::create(b, start, addressMask);
  Value address = arith::ShRUIOp::create(b, masked, four);
  int64_t fields = ((leading >> 4) << 16) | ((stride >> 4) << 32);
  Value desc = arith::OrIOp::create(b, address, c(fields));
  return arith::IndexCastOp::create(b, b.getI64Type(), desc);
}

void WgmmaLinearBuilder::build(gpu::GPUFuncOp func, bool hasBias) {
  const MatrixInstruction &mma = *config.instruction;
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  // X, W, bias, Y, the tiles, tid, M, K, N, m0, n0 (LinearKernelFrame).
  static_cast<LinearKernelFrame &>(*this) =
      beginLinearKernel(b, func, hasBias, config.blockM, config.blockN);
  // Shared-window addresses of the tiles (for the descriptors).
  baseX = memref::ExtractAlignedPointerAsIndexOp::create(b, sx);
  baseW = memref::ExtractAlignedPointerAsIndexOp::create(b, sw);

  Type f32 = b.getF32Type();
  int64_t registers = mma.m * config.blockN / mma.threads;
  auto accType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(registers, f32));
  Value zero = LLVM::ZeroOp::create(b, accType);
  NVVM::WGMMATypes type =
      elementType.isBF16() ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
  auto shape =
      NVVM::MMAShapeAttr::get(b.getContext(), mma.m, config.blockN, mma.k);

  // Prologue: the first K step's tiles into buffer 0, committed as a group
  // (empty when K = 0 or on the element-by-element path).
  auto first = scf::IfOp::create(b, TypeRange{}, ult(c(0), depthK), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value k0 = c(0);
    Value stage0 = c(0);
    fillTiles(stage0, k0);
  }
  NVVM::CpAsyncCommitGroupOp::create(b);

  Value kStep = c(config.blockK);
  Value kBegin = c(0);
  auto loop = scf::ForOp::create(b, kBegin, depthK, kStep, ValueRange{zero});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    Value current = rem(div(k0, config.blockK), 2);
    NVVM::CpAsyncWaitGroupOp::create(b, 0);
    // The copies landed and the stores were made through the generic
    // proxy; wgmma reads shared memory through the async proxy.
    if (wgmmaMutation != WgmmaMutation::DropProxyFence)
      NVVM::FenceProxyOp::create(
          b,
          NVVM::ProxyKindAttr::get(b.getContext(),
                                   NVVM::ProxyKind::async_shared),
          NVVM::SharedSpaceAttr::get(b.getContext(),
                                     NVVM::SharedSpace::shared_cta));
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    Value next = add(k0, c(config.blockK));
    auto prefetch = scf::IfOp::create(b, TypeRange{}, ult(next, depthK), false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(prefetch.thenBlock());
      fillTiles(arith::SubIOp::create(b, c(1), current), next);
      NVVM::CpAsyncCommitGroupOp::create(b);
    }
    if (wgmmaMutation != WgmmaMutation::DropFence)
      NVVM::WgmmaFenceAlignedOp::create(b);
    Value acc = loop.getRegionIterArgs()[0];
    for (int64_t slice = 0; slice < config.blockK / mma.k; ++slice) {
      // (Built in this order: op creation stays deterministic.)
      Value descX = descriptor(baseX, config.blockM, current, slice);
      Value descW = descriptor(baseW, config.blockN, current, slice);
      acc = NVVM::WgmmaMmaAsyncOp::create(
          b, accType, acc, descX, descW, shape, type, type,
          NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
          NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
          NVVM::MMALayout::row, NVVM::MMALayout::col,
          /*satfinite=*/nullptr);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b);
    if (wgmmaMutation != WgmmaMutation::DropWait)
      NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    scf::YieldOp::create(b, acc);
  }

  // The accumulator fragment of thread tid into Y.
  Value warp = div(tid, config.warpSize), lane = rem(tid, config.warpSize);
  Value laneRow = div(lane, 4);
  Value sixteen = c(16);
  Value warpRow = mul(warp, sixteen);
  Value warpBase = add(m0, warpRow);
  Value rowBase = add(warpBase, laneRow);
  Value two = c(2);
  Value laneCol = rem(lane, 4);
  Value laneColOffset = mul(laneCol, two);
  Value colBase = add(n0, laneColOffset);
  for (int64_t i = 0; i < registers; ++i) {
    int64_t rowHalf = (i / 2) % 2, colOdd = i % 2;
    if (mutation == KernelMutation::SwapFragmentLanes)
      std::swap(rowHalf, colOdd);
    Value value = LLVM::ExtractValueOp::create(b, loop.getResult(0),
                                               ArrayRef<int64_t>{i});
    Value row = add(rowBase, c(8 * rowHalf));
    Value col = add(colBase, c(8 * (i / 4) + colOdd));
    storeLinearOutput(b, value, row, col, rowsM, colsN, bias, y);
  }
  gpu::ReturnOp::create(b);
}

void seq::buildLinearKernelWgmma(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPULinearConfig &config,
                                 LinearElementType elementType, bool hasBias,
                                 KernelMutation mutation,
                                 WgmmaMutation wgmmaMutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type type = elementType == LinearElementType::F16 ? Type(b.getF16Type())
                                                    : b.getBF16Type();
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, type);
  SmallVector<Type> arguments = {matrix, matrix};
  if (hasBias)
    arguments.push_back(MemRefType::get({dynamic}, type));
  arguments.push_back(matrix);
  // Two buffers of core matrices: (buffer, row group, k group, row, k).
  auto tile = [&](int64_t rows) {
    return workgroupMemRefType({2, rows / 8, config.blockK / 8, 8, 8}, type);
  };
  int64_t out = arguments.size() - 1;
  auto func = createKernelFunc(
      b, name, arguments, {tile(config.blockM), tile(config.blockN)},
      config.threads(), {out, 1, config.blockN, out, 0, config.blockM});
  // Descriptors drop the low 4 bits of the address and the cp.async
  // copies need 16: the tiles are aligned to a whole core matrix.
  alignWorkgroupBuffers(func, kCoreMatrixBytes);
  WgmmaLinearBuilder(b, config, type, mutation, wgmmaMutation)
      .build(func, hasBias);
}
