//===- NormKernels.cpp - GPU kernels of seq.rms_norm and seq.layer_norm ---===//
//
// This file implements seq-gpu-norm-kernels and the kernel it builds: a
// row normalisation over the last dimension of X [R, H] with f32
// statistics. A warp (wavefront) reduces its lanes' partial sums with
// `gpu.shuffle xor` (offsets warpSize/2 .. 1); with a block per row, lane
// 0 of each warp writes the warp's sum to workgroup memory and, after a
// barrier, every thread adds the warps' sums in the same order.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUNORMKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds one kernel body; `b` inserts into the kernel.
class NormKernelBuilder : IndexMath {
public:
  NormKernelBuilder(ImplicitLocOpBuilder &b, const GPURowConfig &config,
                    Type elementType, KernelMutation mutation)
      : IndexMath(b), config(config), elementType(elementType),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func, bool layerNorm, bool hasBias, float epsilon);

private:
  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value loadF32(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, memref, indices);
    return elementType.isF32() ? v
                               : arith::ExtFOp::create(b, b.getF32Type(), v);
  }
  /// Sum over the row of f(x) for the elements this thread owns.
  Value threadSum(function_ref<Value(Value)> f);
  /// The row's sum of every thread's `partial`, in every thread; `slot`
  /// picks the workgroup words of a block-per-row reduction.
  Value rowSum(Value partial, int64_t slot);

  const GPURowConfig &config;
  Type elementType;
  KernelMutation mutation;

  Value x, row, first, limit, stride, shared, warp, lane;
};
} // namespace

Value NormKernelBuilder::threadSum(function_ref<Value(Value)> f) {
  auto loop = scf::ForOp::create(b, first, limit, stride, ValueRange{f32(0)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value v = loadF32(x, {row, loop.getInductionVar()});
  scf::YieldOp::create(
      b, ValueRange{arith::AddFOp::create(b, loop.getRegionIterArgs()[0], f(v))
                        .getResult()});
  b.setInsertionPointAfter(loop);
  return loop.getResult(0);
}

Value NormKernelBuilder::rowSum(Value partial, int64_t slot) {
  int64_t width = config.warpSize;
  // Butterfly: after offsets w/2, ..., 1 every lane holds the warp's sum.
  // The mutation skips the widest exchange: each half-warp sums only
  // itself.
  int64_t start =
      mutation == KernelMutation::ShuffleOffset ? width / 4 : width / 2;
  for (int64_t offset = start; offset >= 1; offset /= 2) {
    Value other =
        gpu::ShuffleOp::create(b, partial, offset, width, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    partial = arith::AddFOp::create(b, partial, other);
  }
  if (!config.blockPerRow)
    return partial;
  Value isLeader =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, c(0));
  auto ifOp = scf::IfOp::create(b, TypeRange{}, isLeader, false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    memref::StoreOp::create(
        b, partial, shared,
        ValueRange{arith::AddIOp::create(b, warp, c(slot * config.warps))});
  }
  if (mutation != KernelMutation::DropBarrier)
    gpu::BarrierOp::create(b);
  Value sum = f32(0);
  for (int64_t w = 0; w < config.warps; ++w)
    sum = arith::AddFOp::create(
        b, sum,
        memref::LoadOp::create(b, shared,
                               ValueRange{c(slot * config.warps + w)}));
  return sum;
}

void NormKernelBuilder::build(gpu::GPUFuncOp func, bool layerNorm, bool hasBias,
                              float epsilon) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  x = func.getArgument(0);
  Value weight = func.getArgument(1);
  Value bias = hasBias ? func.getArgument(2) : Value();
  Value y = func.getArgument(func.getNumArguments() - 1);
  if (config.blockPerRow)
    shared = func.getWorkgroupAttributions()[0];

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  warp = arith::DivUIOp::create(b, tid, c(config.warpSize));
  lane = arith::RemUIOp::create(b, tid, c(config.warpSize));
  Value rows = memref::DimOp::create(b, x, 0);
  Value width = memref::DimOp::create(b, x, 1);
  if (config.blockPerRow) {
    row = blockX;
    first = tid;
    stride = c(config.threads());
  } else {
    row = arith::AddIOp::create(
        b, arith::MulIOp::create(b, blockX, c(config.warps)), warp);
    first = lane;
    stride = c(config.warpSize);
  }
  // Every lane reaches the shuffles (and barriers); a warp past the last
  // row loops over nothing and stores nothing.
  Value inside = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, rows);
  limit = arith::SelectOp::create(b, inside, width, c(0));
  // A row past the end reads nothing; keep its index in bounds anyway.
  row = arith::SelectOp::create(b, inside, row, c(0));

  Value widthF = arith::UIToFPOp::create(
      b, b.getF32Type(), arith::IndexCastOp::create(b, b.getI64Type(), width));
  Value mean = f32(0);
  int64_t slot = 0;
  if (layerNorm)
    mean = arith::DivFOp::create(
        b, rowSum(threadSum([](Value v) { return v; }), slot++), widthF);
  Value squares = rowSum(threadSum([&](Value v) -> Value {
                           Value d = arith::SubFOp::create(b, v, mean);
                           return arith::MulFOp::create(b, d, d);
                         }),
                         slot);
  Value epsilonValue = f32(epsilon);
  Value meanSquare = arith::DivFOp::create(b, squares, widthF);
  Value variance = arith::AddFOp::create(b, meanSquare, epsilonValue);
  // 1 / sqrt: llvm.intr.sqrt is sqrt.rn.f32 (NVPTX) and v_sqrt_f32 with
  // its correction (AMDGPU), no device library.
  Value root = LLVM::SqrtOp::create(b, b.getF32Type(), variance);
  Value one = f32(1.0f);
  Value inv = arith::DivFOp::create(b, one, root);

  auto loop = scf::ForOp::create(b, first, limit, stride);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value col = loop.getInductionVar();
    Value v = arith::MulFOp::create(
        b, arith::SubFOp::create(b, loadF32(x, {row, col}), mean), inv);
    v = arith::MulFOp::create(b, v, loadF32(weight, {col}));
    if (bias)
      v = arith::AddFOp::create(b, v, loadF32(bias, {col}));
    if (!elementType.isF32())
      v = arith::TruncFOp::create(b, elementType, v);
    memref::StoreOp::create(b, v, y, ValueRange{row, col});
  }
  gpu::ReturnOp::create(b);
}

void seq::buildNormKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                          StringRef name, const GPURowConfig &config,
                          Type elementType, bool layerNorm, bool hasBias,
                          float epsilon, KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, elementType);
  auto vector = MemRefType::get({dynamic}, elementType);
  SmallVector<Type> arguments = {matrix, vector};
  if (hasBias)
    arguments.push_back(vector);
  arguments.push_back(matrix);
  SmallVector<Type> workgroups;
  if (config.blockPerRow)
    workgroups.push_back(workgroupMemRefType(
        {(layerNorm ? 2 : 1) * config.warps}, b.getF32Type()));
  int64_t out = arguments.size() - 1;
  // grid.x over the rows of Y.
  auto func = createKernelFunc(b, name, arguments, workgroups, config.threads(),
                               {out, 0, config.rowsPerBlock()});
  NormKernelBuilder(b, config, elementType, mutation)
      .build(func, layerNorm, hasBias, epsilon);
}

namespace {
struct GPUNormKernelsPass
    : public seq::impl::SeqGPUNormKernelsBase<GPUNormKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-norm-kernels", target);
    if (failed(description))
      return signalPassFailure();
    FailureOr<KernelMutation> parsedMutation =
        parseMutationOption<KernelMutation>(
            module, "seq-gpu-norm-kernels", mutation,
            {{"none", KernelMutation::None},
             {"shuffle-offset", KernelMutation::ShuffleOffset},
             {"drop-barrier", KernelMutation::DropBarrier}});
    if (failed(parsedMutation))
      return signalPassFailure();

    OpBuilder builder(module.getBodyRegion());
    bool failed = false;
    module.walk([&](Operation *op) {
      auto rms = dyn_cast<RMSNormOp>(op);
      auto layer = dyn_cast<LayerNormOp>(op);
      if (!rms && !layer)
        return;
      Value input = rms ? rms.getInput() : layer.getInput();
      Value weight = rms ? rms.getWeight() : layer.getWeight();
      Value bias = layer ? layer.getBias() : Value();
      float epsilon =
          (rms ? rms.getEpsilon() : layer.getEpsilon()).convertToFloat();
      auto inputType = cast<RankedTensorType>(input.getType());
      Type type = inputType.getElementType();
      if (getElementTypeOrSelf(weight.getType()) != type ||
          (bias && getElementTypeOrSelf(bias.getType()) != type)) {
        op->emitError() << "seq-gpu-norm-kernels: " << description->name()
                        << " runs norms whose input, weight and bias have "
                           "one type";
        failed = true;
        return;
      }
      std::string configError;
      std::optional<GPURowConfig> config = selectGPURowConfig(
          *description, inputType.getShape().back(), blockPerRow, configError);
      if (!config) {
        op->emitError() << "seq-gpu-norm-kernels: " << configError;
        failed = true;
        return;
      }
      // Epsilon is in the code: its f32 bits name the kernel.
      std::string name = llvm::formatv(
          "{0}{1}{2}_{3}_eps{4}",
          rms ? seqrt::gpuhost::kRmsNormKernelPrefix
              : seqrt::gpuhost::kLayerNormKernelPrefix,
          kernelTypeName(type), bias ? "_bias" : "",
          config->blockPerRow ? "block" : "warp", kernelFloatTag(epsilon));
      gpu::GPUModuleOp kernels =
          getOrCreateKernelModule(builder, module, *description);
      if (!kernels.lookupSymbol(name))
        buildNormKernel(builder, kernels, name, *config, type, !rms,
                        static_cast<bool>(bias), epsilon, *parsedMutation);
      recordKernel(op, name);
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
