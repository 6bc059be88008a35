//===- QuantLinearKernels.cpp - the seq-gpu-quant-kernels pass ------------===//
//
// This file implements seq-gpu-quant-kernels: one kernel per format, form
// (decode or prefill, from the op's row count) and bias of the module's
// seq.quantized_linear ops, named on each op.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/QuantKernels.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::seq;

std::optional<GPUQuantLinearConfig>
seq::selectGPUQuantLinearConfig(const TargetDescription &target,
                                std::string &error) {
  std::optional<GPULinearConfig> tile =
      selectGPULinearConfig(target, LinearElementType::F16, error);
  if (!tile)
    return std::nullopt;
  GPUQuantLinearConfig config;
  config.warpSize = target.warpSize;
  // Prefill: KernelDispatch's f16 tile, one 32-element quant block deep
  // (two K steps of the 16-deep matrix instruction per dequantized block).
  tile->blockK = 32;
  if (tile->sharedBytes(2) > target.sharedMemoryPerBlock ||
      tile->threads() % tile->blockN || 32 % (tile->threads() / tile->blockN)) {
    error = "the quantized linear tiles do not fit '" + target.name() + "'";
    return std::nullopt;
  }
  config.tile = *tile;
  // Decode: 4 warps (wavefronts) per block, a warp per output feature,
  // up to 8 rows (the decode step and short speculative runs).
  config.decodeRows = 8;
  config.decodeWarps = 4;
  return config;
}

namespace {
/// Written as a C++ pass (not ODS): see createSeqGPUQuantKernels.
struct GPUQuantKernelsPass
    : public PassWrapper<GPUQuantKernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GPUQuantKernelsPass)

  GPUQuantKernelsPass() = default;
  GPUQuantKernelsPass(const GPUQuantKernelsPass &other) : PassWrapper(other) {}
  GPUQuantKernelsPass(StringRef targetName, StringRef mutationName) {
    target = targetName.str();
    mutation = mutationName.str();
  }

  StringRef getArgument() const override { return "seq-gpu-quant-kernels"; }
  StringRef getDescription() const override {
    return "Generates the GPU kernels of seq.quantized_linear (q8_0, q4_0, "
           "q4_1, q4_k, q6_k): a decode form streaming the packed blocks and "
           "a prefill form on dequantized f16 tiles (docs/design/GPU.md)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, gpu::GPUDialect, memref::MemRefDialect,
                    scf::SCFDialect, vector::VectorDialect, nvgpu::NVGPUDialect,
                    amdgpu::AMDGPUDialect>();
  }

  Option<std::string> target{*this, "target",
                             llvm::cl::desc("The GPU target (cuda:<sm>, "
                                            "hip:<gfx>)"),
                             llvm::cl::init("cuda:sm_80")};
  Option<std::string> mutation{
      *this, "mutation",
      llvm::cl::desc("Test only: a deliberate bug (swap-nibbles, "
                     "swap-fragment-lanes, shuffle-offset) that the emulator "
                     "must catch"),
      llvm::cl::init("none")};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    std::optional<TargetDescription> description = parseTarget(target, error);
    if (description && !description->isGPU())
      error = "'" + target.getValue() + "' is not a GPU target";
    if (!description || !description->isGPU()) {
      module.emitError() << "seq-gpu-quant-kernels: " << error;
      return signalPassFailure();
    }
    auto parsedMutation =
        llvm::StringSwitch<std::optional<QuantKernelMutation>>(mutation)
            .Case("none", QuantKernelMutation::None)
            .Case("swap-nibbles", QuantKernelMutation::SwapNibbles)
            .Case("swap-fragment-lanes", QuantKernelMutation::SwapFragmentLanes)
            .Case("shuffle-offset", QuantKernelMutation::ShuffleOffset)
            .Case("scale-order", QuantKernelMutation::ScaleOrder)
            .Default(std::nullopt);
    if (!parsedMutation) {
      module.emitError() << "seq-gpu-quant-kernels: unknown mutation '"
                         << mutation << "'";
      return signalPassFailure();
    }

    OpBuilder builder(module.getBodyRegion());
    gpu::GPUModuleOp kernels =
        module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName);
    bool failed = false;
    module.walk([&](QuantizedLinearOp op) {
      QuantFormat format = op.getFormat();
      if (format != QuantFormat::Q8_0 && format != QuantFormat::Q4_0 &&
          format != QuantFormat::Q4_1 && format != QuantFormat::Q4_K &&
          format != QuantFormat::Q6_K) {
        op.emitError() << "seq-gpu-quant-kernels: " << description->name()
                       << " runs q8_0, q4_0, q4_1, q4_k and q6_k quantized "
                          "linear layers, not "
                       << stringifyQuantFormat(format);
        failed = true;
        return;
      }
      std::string configError;
      std::optional<GPUQuantLinearConfig> config =
          selectGPUQuantLinearConfig(*description, configError);
      if (!config) {
        op.emitError() << "seq-gpu-quant-kernels: " << configError;
        failed = true;
        return;
      }
      // Rows: every dimension of the input but the last (static: the
      // verifier of the op and the launch plans need them).
      auto input = cast<RankedTensorType>(op.getInput().getType());
      int64_t rows = 1;
      for (int64_t d : input.getShape().drop_back())
        rows = ShapedType::isDynamic(d) || ShapedType::isDynamic(rows)
                   ? ShapedType::kDynamic
                   : rows * d;
      QuantLinearForm form =
          !ShapedType::isDynamic(rows) && rows <= config->decodeRows
              ? QuantLinearForm::Decode
              : QuantLinearForm::Prefill;
      std::string name =
          ("qlinear_" + stringifyQuantFormat(format) +
           (form == QuantLinearForm::Decode ? "_decode" : "_prefill") +
           (op.getBias() ? "_bias" : ""))
              .str();
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
        buildQuantLinearKernel(builder, kernels, name, *config, format, form,
                               static_cast<bool>(op.getBias()),
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

std::unique_ptr<Pass> seq::createSeqGPUQuantKernels(StringRef target,
                                                    StringRef mutation) {
  return std::make_unique<GPUQuantKernelsPass>(target, mutation);
}

void seq::registerSeqGPUQuantKernels() {
  PassRegistration<GPUQuantKernelsPass>();
}
