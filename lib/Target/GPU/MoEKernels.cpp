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

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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

private:
  gpu::GPUModuleOp kernelModule(OpBuilder &builder) {
    return getOrCreateKernelModule(builder, getOperation(), *description);
  }
  LogicalResult route(MoeRouteOp op, OpBuilder &builder);
  LogicalResult dispatch(MoeDispatchOp op, OpBuilder &builder);
  LogicalResult experts(MoeExpertsOp op, OpBuilder &builder);

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
  std::string name = "moe_route_" + kernelTypeName(spec.logitsType) + "_" +
                     stringifyRouterScoring(spec.scoring).str() + "_k" +
                     std::to_string(spec.topK);
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
  std::string name = "moe_dispatch_e" + std::to_string(numExperts);
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
  if (op.getActivation() != FfnActivation::SwiGLU)
    return op.emitError() << "seq-gpu-moe-kernels: " << description->name()
                          << " has no kernel for "
                          << stringifyFfnActivation(op.getActivation())
                          << " experts yet (swiglu only)";
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
  auto add = [&](const GPULinearConfig &c, MoEGemmKind kind, StringRef name,
                 Type in, Type weights) {
    if (!module.lookupSymbol(name))
      buildMoEGemmKernel(builder, module, name, c, kind, in, weights,
                         parsedMutation);
    names.push_back(name.str());
  };
  add(*config, MoEGemmKind::GateUp, "moe_gate_up_swiglu_" + suffix(weightType),
      inputType, weightType);
  add(*config, MoEGemmKind::Down, "moe_down_" + suffix(weightType), hType,
      weightType);
  if (sharedType) {
    std::optional<GPULinearConfig> sharedConfig = configFor(sharedType);
    if (!sharedConfig)
      return failure();
    Type sharedH = sharedConfig->instruction
                       ? inputType
                       : Float32Type::get(op.getContext());
    add(*sharedConfig, MoEGemmKind::SharedGateUp,
        "moe_shared_gate_up_swiglu_" + suffix(sharedType), inputType,
        sharedType);
    add(*sharedConfig, MoEGemmKind::SharedDown,
        "moe_shared_down_" + suffix(sharedType), sharedH, sharedType);
  }
  std::string combineName = "moe_combine_" + kernelTypeName(inputType) +
                            (sharedType ? "_shared" : "");
  if (!module.lookupSymbol(combineName))
    buildMoECombineKernel(builder, module, combineName, *combine, inputType,
                          static_cast<bool>(sharedType));
  names.push_back(combineName);
  recordKernels(op, names);
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
       {"group-offset-off-by-one", KernelMutation::GroupOffsetOffByOne}});
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
    failed |= mlir::failed(result);
  });
  if (failed)
    signalPassFailure();
}
