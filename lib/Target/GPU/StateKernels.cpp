//===- StateKernels.cpp - GPU kernels of seq.embedding, cache_write -------===//
//
// This file builds the GPU kernels of the two ops that move rows between a
// model's state and its activations:
//
// * `embedding_<type>`: table [V, D], ids [N] (i32), out [N, D],
//   status [1] (i32). A block per id, its threads striding over the row
//   (coalesced). An id outside [0, V) writes a row of zeros and stores
//   SEQRT_CODE_INDEX_OUT_OF_RANGE (1) in status, which the host turns into
//   the CPU's error after the synchronization.
// * `cache_write_<type>`: update [B, H, S, D], positions [B] (i32),
//   cache [B, H, Cap, D] (written in place), status [1] (i32). A block per
//   (step s, head, batch row) writes update[b, h, s, :] to
//   cache[b, h, positions[b] + s, :]; a batch row whose positions[b] < 0
//   or positions[b] + S > Cap writes nothing and stores
//   SEQRT_CODE_CACHE_OVERFLOW (2) in status, as the CPU lowering raises
//   kCacheOverflow. Paged caches (a block table) have no GPU kernel yet.
//
// Every thread that sees the bad index stores the same code (global
// memory; no workgroup memory, no barrier). Rows are copied in their own
// type, so the kernels are exact.
//
//===----------------------------------------------------------------------===//

#include "StateKernels.h"

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// A kernel with no workgroup memory; `b` is left at the start of its body.
gpu::GPUFuncOp createKernel(ImplicitLocOpBuilder &b, StringRef name,
                            ArrayRef<Type> arguments, int64_t threads,
                            ArrayRef<int64_t> grid) {
  gpu::GPUFuncOp func =
      createKernelFunc(b, name, arguments, TypeRange{}, threads, grid);
  b.setInsertionPointToStart(&func.getBody().front());
  return func;
}

Value index(ImplicitLocOpBuilder &b, int64_t value) {
  return IndexMath(b).c(value);
}

/// Stores `code` in status[0].
void storeStatus(ImplicitLocOpBuilder &b, Value status, int32_t code) {
  Value first = index(b, 0);
  Value codeValue = arith::ConstantOp::create(b, b.getI32IntegerAttr(code));
  memref::StoreOp::create(b, codeValue, status, ValueRange{first});
}

void buildEmbeddingKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                          StringRef name, const GPUElementwiseConfig &config,
                          Type elementType) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, elementType);
  auto words = MemRefType::get({dynamic}, b.getI32Type());
  // Grid: one block per id (out's rows).
  gpu::GPUFuncOp func = createKernel(b, name, {matrix, words, matrix, words},
                                     config.threads, {2, 0, 1});
  Value table = func.getArgument(0), ids = func.getArgument(1),
        out = func.getArgument(2), status = func.getArgument(3);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value vocab = arith::IndexCastOp::create(b, b.getI64Type(),
                                           memref::DimOp::create(b, table, 0));
  Value width = memref::DimOp::create(b, out, 1);
  auto [id, branch] = loadCheckedRowId(b, ids, row, vocab);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.thenBlock());
    Value source = arith::IndexCastOp::create(b, b.getIndexType(), id);
    auto loop = scf::ForOp::create(b, tid, width, index(b, config.threads));
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    memref::StoreOp::create(
        b, memref::LoadOp::create(b, table, ValueRange{source, c}), out,
        ValueRange{row, c});
  }
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.elseBlock());
    auto loop = scf::ForOp::create(b, tid, width, index(b, config.threads));
    {
      OpBuilder::InsertionGuard body(b);
      b.setInsertionPointToStart(loop.getBody());
      memref::StoreOp::create(
          b, arith::ConstantOp::create(b, b.getFloatAttr(elementType, 0.0)),
          out, ValueRange{row, loop.getInductionVar()});
    }
    storeStatus(b, status, kStatusIndexOutOfRange);
  }
  gpu::ReturnOp::create(b);
}

void buildCacheWriteKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                           StringRef name, const GPUElementwiseConfig &config,
                           Type elementType) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  auto tensor4 =
      MemRefType::get({dynamic, dynamic, dynamic, dynamic}, elementType);
  auto words = MemRefType::get({dynamic}, b.getI32Type());
  // Grid: (S, H, B) of the update.
  gpu::GPUFuncOp func =
      createKernel(b, name, {tensor4, words, tensor4, words}, config.threads,
                   {0, 2, 1, 0, 1, 1, 0, 0, 1});
  Value update = func.getArgument(0), positions = func.getArgument(1),
        cache = func.getArgument(2), status = func.getArgument(3);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value step = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value head = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  auto i64 = [&](Value v) {
    return arith::IndexCastOp::create(b, b.getI64Type(), v);
  };
  Value steps = i64(memref::DimOp::create(b, update, 2));
  Value capacity = i64(memref::DimOp::create(b, cache, 2));
  Value width = memref::DimOp::create(b, update, 3);
  Value start = arith::ExtSIOp::create(
      b, b.getI64Type(),
      memref::LoadOp::create(b, positions, ValueRange{batch}));
  Value zero64 = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
  // positions[b] + S <= Cap in i64: no overflow from an i32 position.
  Value end = arith::AddIOp::create(b, start, steps);
  Value endFits =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sle, end, capacity);
  Value nonNegative =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sge, start, zero64);
  Value fits = arith::AndIOp::create(b, nonNegative, endFits);
  auto branch = scf::IfOp::create(b, TypeRange{}, fits, true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.thenBlock());
    Value slot = arith::AddIOp::create(
        b, arith::IndexCastOp::create(b, b.getIndexType(), start), step);
    auto loop = scf::ForOp::create(b, tid, width, index(b, config.threads));
    b.setInsertionPointToStart(loop.getBody());
    Value c = loop.getInductionVar();
    memref::StoreOp::create(
        b, memref::LoadOp::create(b, update, ValueRange{batch, head, step, c}),
        cache, ValueRange{batch, head, slot, c});
  }
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(branch.elseBlock());
    storeStatus(b, status, kStatusCacheOverflow);
  }
  gpu::ReturnOp::create(b);
}
} // namespace

FailureOr<std::string>
seq::buildStateKernel(Operation *op, gpu::GPUModuleOp kernelModule,
                      const GPUElementwiseConfig &config) {
  OpBuilder builder(op->getContext());
  if (auto embedding = dyn_cast<EmbeddingOp>(op)) {
    Type type = embedding.getOutput().getType().getElementType();
    std::string name =
        seqrt::gpuhost::kEmbeddingKernelPrefix + kernelTypeName(type);
    if (!kernelModule.lookupSymbol(name))
      buildEmbeddingKernel(builder, kernelModule, name, config, type);
    return name;
  }
  auto write = cast<CacheWriteOp>(op);
  if (write.getBlockTable()) {
    write.emitError() << "seq-gpu-elementwise-kernels: a paged KV cache "
                         "(block_table) has no GPU kernel yet";
    return failure();
  }
  Type type = write.getResult().getType().getElementType();
  std::string name =
      seqrt::gpuhost::kCacheWriteKernelPrefix + kernelTypeName(type);
  if (!kernelModule.lookupSymbol(name))
    buildCacheWriteKernel(builder, kernelModule, name, config, type);
  return name;
}
