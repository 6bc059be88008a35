//===- LinearKernels.cpp - the seq-gpu-linear-kernels pass ----------------===//
//
// This file implements seq-gpu-linear-kernels: one kernel per element type
// and bias form of the module's seq.linear ops, named on each op.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringSwitch.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPULINEARKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
struct GPULinearKernelsPass
    : public seq::impl::SeqGPULinearKernelsBase<GPULinearKernelsPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // cp.async's commit and wait (sm_80+).
    registry.insert<NVVM::NVVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    std::optional<TargetDescription> description = parseTarget(target, error);
    if (description && !description->isGPU())
      error = "'" + target + "' is not a GPU target";
    if (!description || !description->isGPU()) {
      module.emitError() << "seq-gpu-linear-kernels: " << error;
      return signalPassFailure();
    }
    auto parsedMutation =
        llvm::StringSwitch<std::optional<KernelMutation>>(mutation)
            .Case("none", KernelMutation::None)
            .Case("swap-fragment-lanes", KernelMutation::SwapFragmentLanes)
            .Case("drop-barrier", KernelMutation::DropBarrier)
            .Case("shared-off-by-one", KernelMutation::SharedOffByOne)
            .Case("drop-async-wait", KernelMutation::DropAsyncWait)
            .Case("async-wait-count", KernelMutation::AsyncWaitCount)
            .Default(std::nullopt);
    if (!parsedMutation) {
      module.emitError() << "seq-gpu-linear-kernels: unknown mutation '"
                         << mutation << "'";
      return signalPassFailure();
    }

    OpBuilder builder(module.getBodyRegion());
    gpu::GPUModuleOp kernels;
    bool failed = false;
    module.walk([&](LinearOp op) {
      Type type = op.getInput().getType().getElementType();
      std::optional<LinearElementType> elementType;
      if (type.isF32())
        elementType = LinearElementType::F32;
      else if (type.isF16())
        elementType = LinearElementType::F16;
      else if (type.isBF16())
        elementType = LinearElementType::BF16;
      if (!elementType || op.getWeight().getType().getElementType() != type) {
        op.emitError() << "seq-gpu-linear-kernels: " << description->name()
                       << " runs f32, f16 and bf16 linear layers (input and "
                          "weight of one type), not "
                       << type;
        failed = true;
        return;
      }
      std::string configError;
      std::optional<GPULinearConfig> config =
          selectGPULinearConfig(*description, *elementType, configError);
      if (!config) {
        op.emitError() << "seq-gpu-linear-kernels: " << configError;
        failed = true;
        return;
      }
      std::string typeName;
      llvm::raw_string_ostream(typeName) << type;
      std::string name = "linear_" + typeName + (op.getBias() ? "_bias" : "");
      if (!kernels) {
        builder.setInsertionPointToEnd(module.getBody());
        kernels = gpu::GPUModuleOp::create(builder, module.getLoc(),
                                           kKernelModuleName);
        kernels->setAttr("seq.target",
                         builder.getStringAttr(description->name()));
        module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                        builder.getUnitAttr());
      }
      if (!kernels.lookupSymbol(name))
        buildLinearKernel(builder, kernels, name, *description, *config,
                          *elementType, static_cast<bool>(op.getBias()),
                          *parsedMutation);
      op->setAttr("seq.gpu_kernel",
                  SymbolRefAttr::get(
                      builder.getStringAttr(kKernelModuleName),
                      {FlatSymbolRefAttr::get(builder.getContext(), name)}));
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
