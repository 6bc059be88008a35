//===- SampleKernels.cpp - GPU kernels of seq.sample ----------------------===//
//
// This file implements seq-gpu-sample-kernels and the greedy sampling
// kernel it builds (temperature, top-k and top-p sampling: SampleKernel.cpp):
// a block per row of logits [B, V] finds the row's
// argmax (lowest index on ties, as the CPU) with per-thread strided scans,
// a shuffle reduction of (value, index, NaN flag) per warp and the warps'
// results combined through workgroup memory after a barrier. A row with a
// NaN or an empty vocabulary has no answer: its token is -1, which the
// host reports as the CPU does (kInvalidLogits, "sampling from invalid
// logits").
//
//===----------------------------------------------------------------------===//

#include "SampleKernel.h"
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
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"

#include <limits>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUSAMPLEKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
/// A candidate: the best value, its index (i32) and whether a NaN was seen.
struct Best {
  Value value, index, nan;
};

class ArgmaxKernelBuilder : IndexMath {
public:
  ArgmaxKernelBuilder(ImplicitLocOpBuilder &b, const GPURowConfig &config,
                      Type elementType, KernelMutation mutation)
      : IndexMath(b), config(config), elementType(elementType),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func);

private:
  Value i32(int32_t value) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(value));
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  /// `other` replaces `best` when larger, or equal at a lower index.
  Best combine(const Best &best, const Best &other) {
    Value greater = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                          other.value, best.value);
    Value tie = arith::AndIOp::create(
        b,
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, other.value,
                              best.value),
        arith::CmpIOp::create(b, arith::CmpIPredicate::slt, other.index,
                              best.index));
    Value take = arith::OrIOp::create(b, greater, tie);
    return {select(take, other.value, best.value),
            select(take, other.index, best.index),
            arith::OrIOp::create(b, best.nan, other.nan)};
  }
  Value shuffle(Value v, int64_t offset) {
    return gpu::ShuffleOp::create(b, v, offset, config.warpSize,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }

  const GPURowConfig &config;
  Type elementType;
  KernelMutation mutation;
};
} // namespace

void ArgmaxKernelBuilder::build(gpu::GPUFuncOp func) {
  b.setInsertionPointToStart(&func.getBody().front());
  Value logits = func.getArgument(0), tokens = func.getArgument(1);
  Value sharedValue = func.getWorkgroupAttributions()[0];
  Value sharedIndex = func.getWorkgroupAttributions()[1];
  Value sharedNaN = func.getWorkgroupAttributions()[2];
  Type f32 = b.getF32Type(), i32Type = b.getI32Type();

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value warp = arith::DivUIOp::create(b, tid, c(config.warpSize));
  Value lane = arith::RemUIOp::create(b, tid, c(config.warpSize));
  Value vocab = memref::DimOp::create(b, logits, 1);
  Value vocab32 = arith::IndexCastOp::create(b, i32Type, vocab);

  // Each thread scans elements tid, tid + threads, ...; the sentinel index
  // V loses every tie, so an all -inf row answers 0 as on the CPU.
  Value negInf = arith::ConstantOp::create(
      b, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  auto loop = scf::ForOp::create(b, tid, vocab, c(config.threads()),
                                 ValueRange{negInf, vocab32, i32(0)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value x = memref::LoadOp::create(b, logits,
                                     ValueRange{row, loop.getInductionVar()});
    if (!elementType.isF32())
      x = arith::ExtFOp::create(b, f32, x);
    Value isNaN = arith::ExtUIOp::create(
        b, i32Type, arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, x, x));
    Best current{loop.getRegionIterArgs()[0], loop.getRegionIterArgs()[1],
                 loop.getRegionIterArgs()[2]};
    Best next = combine(
        current,
        {x, arith::IndexCastOp::create(b, i32Type, loop.getInductionVar()),
         isNaN});
    scf::YieldOp::create(b, ValueRange{next.value, next.index, next.nan});
  }
  Best best{loop.getResult(0), loop.getResult(1), loop.getResult(2)};

  // The warp's best: a butterfly over the three values.
  int64_t start = mutation == KernelMutation::ShuffleOffset
                      ? config.warpSize / 4
                      : config.warpSize / 2;
  for (int64_t offset = start; offset >= 1; offset /= 2)
    best =
        combine(best, {shuffle(best.value, offset), shuffle(best.index, offset),
                       shuffle(best.nan, offset)});

  auto leader = scf::IfOp::create(
      b, TypeRange{},
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, c(0)), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(b, best.value, sharedValue, ValueRange{warp});
    memref::StoreOp::create(b, best.index, sharedIndex, ValueRange{warp});
    memref::StoreOp::create(b, best.nan, sharedNaN, ValueRange{warp});
  }
  if (mutation != KernelMutation::DropBarrier)
    gpu::BarrierOp::create(b);

  // Thread 0 combines the warps in order and writes the token.
  auto first = scf::IfOp::create(
      b, TypeRange{},
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, c(0)), false);
  b.setInsertionPointToStart(first.thenBlock());
  Best total{memref::LoadOp::create(b, sharedValue, ValueRange{c(0)}),
             memref::LoadOp::create(b, sharedIndex, ValueRange{c(0)}),
             memref::LoadOp::create(b, sharedNaN, ValueRange{c(0)})};
  for (int64_t w = 1; w < config.warps; ++w)
    total = combine(total,
                    {memref::LoadOp::create(b, sharedValue, ValueRange{c(w)}),
                     memref::LoadOp::create(b, sharedIndex, ValueRange{c(w)}),
                     memref::LoadOp::create(b, sharedNaN, ValueRange{c(w)})});
  Value invalid = arith::OrIOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::ne, total.nan, i32(0)),
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, vocab32, i32(0)));
  memref::StoreOp::create(b, select(invalid, i32(-1), total.index), tokens,
                          ValueRange{row});
  b.setInsertionPointAfter(first);
  gpu::ReturnOp::create(b);
}

namespace {
struct GPUSampleKernelsPass
    : public seq::impl::SeqGPUSampleKernelsBase<GPUSampleKernelsPass> {
  using Base::Base;

  // The sampling kernel's polynomial exp uses llvm.intr.fma (kept here
  // rather than in Passes.td's dependentDialects).
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registry.insert<LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    std::optional<TargetDescription> description = parseTarget(target, error);
    std::optional<GPURowConfig> config;
    if (description)
      config = selectGPURowConfig(*description, ShapedType::kDynamic,
                                  /*blockPerRow=*/true, error);
    if (!config) {
      module.emitError() << "seq-gpu-sample-kernels: " << error;
      return signalPassFailure();
    }
    // The sampling kernel's own mutations (SampleKernel.h) leave the
    // shared ones at none.
    auto sampleMutation =
        llvm::StringSwitch<SampleMutation>(mutation)
            .Case("philox-counter", SampleMutation::PhiloxCounter)
            .Case("cumsum-off-by-one", SampleMutation::CumsumOffByOne)
            .Default(SampleMutation::None);
    FailureOr<KernelMutation> parsedMutation =
        sampleMutation != SampleMutation::None
            ? FailureOr<KernelMutation>(KernelMutation::None)
            : parseMutationOption<KernelMutation>(
                  module, "seq-gpu-sample-kernels", mutation,
                  {{"none", KernelMutation::None},
                   {"shuffle-offset", KernelMutation::ShuffleOffset},
                   {"drop-barrier", KernelMutation::DropBarrier}});
    if (failed(parsedMutation))
      return signalPassFailure();
    OpBuilder builder(module.getBodyRegion());
    module.walk([&](SampleOp op) {
      SamplingAttr sampling = op.getSampling();
      Type type = op.getLogits().getType().getElementType();
      std::string typeName = kernelTypeName(type);
      std::string name = seqrt::gpuhost::kArgmaxKernelPrefix + typeName;
      gpu::GPUModuleOp kernels =
          getOrCreateKernelModule(builder, module, *description);
      if (!sampling.isGreedy()) {
        // The parameters are constants of the kernel: its name holds them
        // (temperature and top_p as f32 bits).
        float temperature = sampling.getTemperature().convertToFloat();
        float topP = sampling.getTopP().convertToFloat();
        name.clear();
        llvm::raw_string_ostream os(name);
        os << "sample_" << typeName << "_t"
           << llvm::format_hex_no_prefix(llvm::bit_cast<uint32_t>(temperature),
                                         8)
           << "_k" << sampling.getTopK() << "_p"
           << llvm::format_hex_no_prefix(llvm::bit_cast<uint32_t>(topP), 8);
        if (!kernels.lookupSymbol(name))
          buildSampleKernel(builder, kernels, name, *config, type, temperature,
                            sampling.getTopK(), topP, sampleMutation);
        recordKernel(op, name);
        return;
      }
      if (!kernels.lookupSymbol(name)) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToEnd(kernels.getBody());
        ImplicitLocOpBuilder b(kernels.getLoc(), builder);
        int64_t dynamic = ShapedType::kDynamic;
        auto words = [&](Type element) {
          return workgroupMemRefType({config->warps}, element);
        };
        // grid.x over the rows (the tokens).
        auto func =
            createKernelFunc(b, name,
                             {MemRefType::get({dynamic, dynamic}, type),
                              MemRefType::get({dynamic}, b.getI32Type())},
                             {words(b.getF32Type()), words(b.getI32Type()),
                              words(b.getI32Type())},
                             config->threads(), {1, 0, 1});
        ArgmaxKernelBuilder(b, *config, type, *parsedMutation).build(func);
      }
      recordKernel(op, name);
    });
  }
};
} // namespace
