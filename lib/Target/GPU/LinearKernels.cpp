//===- LinearKernels.cpp - the seq-gpu-linear-kernels pass ----------------===//
//
// This file implements seq-gpu-linear-kernels: one kernel per element type
// and bias form of the module's seq.linear ops, named on each op.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/KernelDispatchWgmma.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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
    // cp.async's commit and wait (sm_80+); wgmma and its accumulator
    // structs (sm_90a).
    registry.insert<NVVM::NVVMDialect, LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-linear-kernels", target);
    if (failed(description))
      return signalPassFailure();
    FailureOr<KernelMutation> parsedMutation =
        parseMutationOption<KernelMutation>(
            module, "seq-gpu-linear-kernels", mutation,
            {{"none", KernelMutation::None},
             {"swap-fragment-lanes", KernelMutation::SwapFragmentLanes},
             {"drop-barrier", KernelMutation::DropBarrier},
             {"shared-off-by-one", KernelMutation::SharedOffByOne},
             {"drop-async-wait", KernelMutation::DropAsyncWait},
             {"async-wait-count", KernelMutation::AsyncWaitCount},
             // The wgmma kernel's own (sm_90a, below).
             {"wgmma-descriptor-stride", KernelMutation::None},
             {"drop-wgmma-wait", KernelMutation::None},
             {"drop-wgmma-fence", KernelMutation::None},
             {"drop-proxy-fence", KernelMutation::None}});
    if (failed(parsedMutation))
      return signalPassFailure();
    WgmmaMutation wgmmaMutation =
        llvm::StringSwitch<WgmmaMutation>(mutation.getValue())
            .Case("wgmma-descriptor-stride", WgmmaMutation::DescriptorStride)
            .Case("drop-wgmma-wait", WgmmaMutation::DropWait)
            .Case("drop-wgmma-fence", WgmmaMutation::DropFence)
            .Case("drop-proxy-fence", WgmmaMutation::DropProxyFence)
            .Default(WgmmaMutation::None);

    OpBuilder builder(module.getBodyRegion());
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
      // sm_90a: the warpgroup form on wgmma.
      std::optional<GPULinearConfig> wgmma =
          selectGPULinearWgmmaConfig(*description, *elementType);
      if (!config) {
        op.emitError() << "seq-gpu-linear-kernels: " << configError;
        failed = true;
        return;
      }
      std::string name = std::string(seqrt::gpuhost::kLinearKernelPrefix) +
                         kernelTypeName(type) + (op.getBias() ? "_bias" : "");
      gpu::GPUModuleOp kernels =
          getOrCreateKernelModule(builder, module, *description);
      if (kernels.lookupSymbol(name)) {
      } else if (wgmma) {
        buildLinearKernelWgmma(builder, kernels, name, *wgmma, *elementType,
                               static_cast<bool>(op.getBias()), *parsedMutation,
                               wgmmaMutation);
      } else {
        buildLinearKernel(builder, kernels, name, *description, *config,
                          *elementType, static_cast<bool>(op.getBias()),
                          *parsedMutation);
      }
      recordKernel(op, name);
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
