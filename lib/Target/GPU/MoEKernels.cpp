//===- MoEKernels.cpp - the seq-gpu-moe-kernels pass ----------------------===//
//
// This file implements seq-gpu-moe-kernels: the kernels of seq.moe_route,
// seq.moe_dispatch and seq.moe_experts (MoERouteKernel.cpp,
// MoEExpertKernel.cpp), named on each op.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/MoEKernels.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <cstring>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUMOEKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

static std::optional<LinearElementType> linearType(Type type) {
  if (type.isF32())
    return LinearElementType::F32;
  if (type.isF16())
    return LinearElementType::F16;
  if (type.isBF16())
    return LinearElementType::BF16;
  return std::nullopt;
}

namespace {
struct GPUMoEKernelsPass
    : public seq::impl::SeqGPUMoEKernelsBase<GPUMoEKernelsPass> {
  using Base::Base;

  void runOnOperation() override;
  // GELU's polynomial approximations (math dialect, then llvm.intr.fma).
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registry.insert<math::MathDialect, LLVM::LLVMDialect>();
  }

private:
  gpu::GPUModuleOp kernelModule(OpBuilder &builder) {
    return getOrCreateKernelModule(builder, getOperation(), *description);
  }
  LogicalResult route(MoeRouteOp op, OpBuilder &builder);
  LogicalResult dispatch(MoeDispatchOp op, OpBuilder &builder);
  LogicalResult experts(MoeExpertsOp op, OpBuilder &builder);
  LogicalResult groupedMatmul(GroupedMatmulOp op, OpBuilder &builder);

  std::optional<TargetDescription> description;
  KernelMutation parsedMutation = KernelMutation::None;
};
} // namespace

LogicalResult GPUMoEKernelsPass::route(MoeRouteOp op, OpBuilder &builder) {
  std::string error;
  std::optional<GPURowConfig> config = selectGPURowConfig(
      *description, /*hidden=*/0, /*blockPerRow=*/false, error);
  if (!config)
    return op.emitError() << "seq-gpu-moe-kernels: " << error;
  MoERouteSpec spec;
  spec.logitsType = op.getLogits().getType().getElementType();
  if (op.getBias())
    spec.biasType = op.getBias().getType().getElementType();
  spec.topK = op.getTopK();
  spec.scoring = op.getScoring();
  spec.normalize =
      op.getNormalize() && spec.scoring != RouterScoring::TopKSoftmax;
  if (auto scaling = op.getRoutedScaling())
    spec.scaling = scaling->convertToFloat();
  std::string name = std::string(seqrt::gpuhost::kMoeRouteKernelPrefix) +
                     kernelTypeName(spec.logitsType) + "_" +
                     stringifyRouterScoring(spec.scoring).str() +
                     seqrt::gpuhost::kMoeTopKTag + std::to_string(spec.topK);
  if (spec.normalize)
    name += "_norm";
  if (spec.biasType)
    name += "_bias_" + kernelTypeName(spec.biasType);
  if (spec.scaling)
    name += "_s" + kernelFloatTag(*spec.scaling);
  if (auto groups = op.getNumGroups()) {
    spec.numGroups = *groups;
    spec.topkGroups = op.getTopkGroups().value_or(*groups);
    // The group scores live in registers, unrolled per group.
    if (spec.numGroups > 64)
      return op.emitError()
             << "seq-gpu-moe-kernels: " << description->name()
             << " routes at most 64 expert groups, not " << spec.numGroups;
    name += "_g" + std::to_string(spec.numGroups) + "_" +
            std::to_string(spec.topkGroups);
  }
  gpu::GPUModuleOp module = kernelModule(builder);
  if (!module.lookupSymbol(name))
    buildMoERouteKernel(builder, module, name, *config, spec, parsedMutation);
  recordKernel(op, name);
  return success();
}

LogicalResult GPUMoEKernelsPass::dispatch(MoeDispatchOp op,
                                          OpBuilder &builder) {
  std::string error;
  std::optional<GPURowConfig> config = selectGPURowConfig(
      *description, ShapedType::kDynamic, /*blockPerRow=*/true, error);
  if (!config)
    return op.emitError() << "seq-gpu-moe-kernels: " << error;
  int64_t numExperts = op.getNumExperts();
  // Two i32 words per expert in workgroup memory.
  if (numExperts > 4096)
    return op.emitError() << "seq-gpu-moe-kernels: " << description->name()
                          << " dispatches at most 4096 experts, not "
                          << numExperts;
  std::optional<float> capacity;
  if (auto factor = op.getCapacityFactor())
    capacity = factor->convertToFloat();
  std::string name = std::string(seqrt::gpuhost::kMoeDispatchKernelPrefix) +
                     (seqrt::gpuhost::kMoeExpertsTag + 1) +
                     std::to_string(numExperts);
  if (capacity)
    name += "_cap" + kernelFloatTag(*capacity);
  gpu::GPUModuleOp module = kernelModule(builder);
  if (!module.lookupSymbol(name))
    buildMoEDispatchKernel(builder, module, name, *config, numExperts, capacity,
                           parsedMutation);
  recordKernel(op, name);
  return success();
}

LogicalResult GPUMoEKernelsPass::experts(MoeExpertsOp op, OpBuilder &builder) {
  FfnActivation activation = op.getActivation();
  // gate/up kernels of gated activations, up kernels of GELU.
  bool gated = isGatedActivation(activation);
  std::string activationTag = stringifyFfnActivation(activation).str() + "_";
  Type inputType = op.getInput().getType().getElementType();
  Type weightType = op.getUp().getType().getElementType();
  Type sharedType =
      op.getSharedUp() ? op.getSharedUp().getType().getElementType() : Type();
  // The matrix instruction when input and weights are one f16/bf16 type;
  // else f32 FMAs with both widened.
  auto configFor = [&](Type weights) -> std::optional<GPULinearConfig> {
    Type compute = (inputType == weights && !inputType.isF32())
                       ? inputType
                       : Float32Type::get(op.getContext());
    std::string error;
    std::optional<GPULinearConfig> config =
        selectGPULinearConfig(*description, *linearType(compute), error);
    if (!config)
      op.emitError() << "seq-gpu-moe-kernels: " << error;
    return config;
  };
  std::optional<GPULinearConfig> config = configFor(weightType);
  if (!config)
    return failure();
  std::string error;
  std::optional<GPUElementwiseConfig> combine =
      selectGPUElementwiseConfig(*description, error);
  if (!combine)
    return op.emitError() << "seq-gpu-moe-kernels: " << error;

  auto suffix = [&](Type weights) {
    std::string s = kernelTypeName(inputType);
    if (weights != inputType)
      s += "_" + kernelTypeName(weights);
    return s;
  };
  Type hType =
      config->instruction ? inputType : Float32Type::get(op.getContext());
  gpu::GPUModuleOp module = kernelModule(builder);
  SmallVector<std::string> names;
  // First the tile list of the routed GEMMs (both take config's rows per
  // tile).
  std::string tilesName = std::string(seqrt::gpuhost::kMoeTilesKernelPrefix) +
                          (seqrt::gpuhost::kMoeRowTileTag + 1) +
                          std::to_string(config->blockM);
  if (!module.lookupSymbol(tilesName))
    buildMoETileListKernel(builder, module, tilesName, *config, parsedMutation);
  names.push_back(tilesName);
  auto add = [&](const GPULinearConfig &c, MoEGemmKind kind, StringRef name,
                 Type in, Type weights) {
    if (!module.lookupSymbol(name) &&
        failed(buildMoEGemmKernel(builder, module, name, c, kind, activation,
                                  in, weights, parsedMutation)))
      return failure();
    names.push_back(name.str());
    return success();
  };
  if (failed(add(*config, MoEGemmKind::GateUp,
                 (gated ? seqrt::gpuhost::kMoeGateUpKernelPrefix
                        : seqrt::gpuhost::kMoeUpKernelPrefix) +
                     activationTag + suffix(weightType),
                 inputType,
                 weightType)) ||
      failed(add(*config, MoEGemmKind::Down,
                 seqrt::gpuhost::kMoeDownKernelPrefix + suffix(weightType),
                 hType, weightType)))
    return failure();
  if (sharedType) {
    std::optional<GPULinearConfig> sharedConfig = configFor(sharedType);
    if (!sharedConfig)
      return failure();
    Type sharedH = sharedConfig->instruction
                       ? inputType
                       : Float32Type::get(op.getContext());
    if (failed(add(*sharedConfig, MoEGemmKind::SharedGateUp,
                   (gated ? seqrt::gpuhost::kMoeSharedGateUpKernelPrefix
                          : seqrt::gpuhost::kMoeSharedUpKernelPrefix) +
                       activationTag + suffix(sharedType),
                   inputType, sharedType)) ||
        failed(add(*sharedConfig, MoEGemmKind::SharedDown,
                   seqrt::gpuhost::kMoeSharedDownKernelPrefix +
                       suffix(sharedType),
                   sharedH,
                   sharedType)))
      return failure();
  }
  std::string combineName = seqrt::gpuhost::kMoeCombineKernelPrefix +
                            kernelTypeName(inputType) +
                            (sharedType ? "_shared" : "");
  if (!module.lookupSymbol(combineName))
    buildMoECombineKernel(builder, module, combineName, *combine, inputType,
                          static_cast<bool>(sharedType));
  names.push_back(combineName);
  recordKernels(op, names);
  return success();
}

LogicalResult GPUMoEKernelsPass::groupedMatmul(GroupedMatmulOp op,
                                               OpBuilder &builder) {
  // The matrix instruction for f16/bf16 (input and weight share the type),
  // f32 FMAs for f32: the down kernel's GEMM, rows in place.
  Type type = op.getInput().getType().getElementType();
  std::string error;
  std::optional<GPULinearConfig> config =
      selectGPULinearConfig(*description, *linearType(type), error);
  if (!config)
    return op.emitError() << "seq-gpu-moe-kernels: " << error;
  std::string name =
      seqrt::gpuhost::kGroupedMatmulKernelPrefix + kernelTypeName(type);
  gpu::GPUModuleOp module = kernelModule(builder);
  if (!module.lookupSymbol(name) &&
      failed(buildMoEGemmKernel(builder, module, name, *config,
                                MoEGemmKind::Grouped, FfnActivation::SwiGLU,
                                type, type, parsedMutation)))
    return failure();
  recordKernel(op, name);
  return success();
}

void GPUMoEKernelsPass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<TargetDescription> parsed =
      parseGPUTargetOption(module, "seq-gpu-moe-kernels", target);
  if (failed(parsed))
    return signalPassFailure();
  description = *parsed;
  FailureOr<KernelMutation> mutationKind = parseMutationOption<KernelMutation>(
      module, "seq-gpu-moe-kernels", mutation,
      {{"none", KernelMutation::None},
       {"shuffle-offset", KernelMutation::ShuffleOffset},
       {"drop-barrier", KernelMutation::DropBarrier},
       {"swap-fragment-lanes", KernelMutation::SwapFragmentLanes},
       {"group-offset-off-by-one", KernelMutation::GroupOffsetOffByOne},
       {"tile-list-off-by-one", KernelMutation::TileListOffByOne}});
  if (failed(mutationKind))
    return signalPassFailure();
  parsedMutation = *mutationKind;
  OpBuilder builder(module.getBodyRegion());
  bool failed = false;
  module.walk([&](Operation *op) {
    LogicalResult result = success();
    if (auto r = dyn_cast<MoeRouteOp>(op))
      result = route(r, builder);
    else if (auto d = dyn_cast<MoeDispatchOp>(op))
      result = dispatch(d, builder);
    else if (auto e = dyn_cast<MoeExpertsOp>(op))
      result = experts(e, builder);
    else if (auto g = dyn_cast<GroupedMatmulOp>(op))
      result = groupedMatmul(g, builder);
    failed |= mlir::failed(result);
  });
  if (failed)
    signalPassFailure();
}
