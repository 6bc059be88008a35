//===- QuantLinearKernels.cpp - the seq-gpu-quant-kernels pass ------------===//
//
// This file implements seq-gpu-quant-kernels: one kernel per format, form
// (decode or prefill, from the op's row count) and bias of the module's
// seq.quantized_linear ops, and one per format of its
// seq.quantized_embedding ops, named on each op.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/GPU/QuantKernels.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::seq;
namespace host = seqrt::gpuhost;

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
           "a prefill form on dequantized f16 tiles; and of "
           "seq.quantized_embedding: a gather dequantizing the selected rows "
           "(docs/design/GPU.md)";
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
                     "swap-fragment-lanes, shuffle-offset, scale-order) that "
                     "the emulator "
                     "must catch"),
      llvm::cl::init("none")};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    StringRef pass = getArgument();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, pass, target);
    if (failed(description))
      return signalPassFailure();
    FailureOr<QuantKernelMutation> parsedMutation =
        parseMutationOption<QuantKernelMutation>(
            module, pass, mutation,
            {{"none", QuantKernelMutation::None},
             {"swap-nibbles", QuantKernelMutation::SwapNibbles},
             {"swap-fragment-lanes", QuantKernelMutation::SwapFragmentLanes},
             {"shuffle-offset", QuantKernelMutation::ShuffleOffset},
             {"scale-order", QuantKernelMutation::ScaleOrder}});
    if (failed(parsedMutation))
      return signalPassFailure();

    OpBuilder builder(module.getBodyRegion());
    gpu::GPUModuleOp kernels =
        module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName);
    bool failed = false;
    // The format and the mapping of `op`, or failure after an error.
    auto prepare = [&](Operation *op, QuantFormat format,
                       StringRef what) -> std::optional<GPUQuantLinearConfig> {
      if (format != QuantFormat::Q8_0 && format != QuantFormat::Q4_0 &&
          format != QuantFormat::Q4_1 && format != QuantFormat::Q4_K &&
          format != QuantFormat::Q6_K) {
        op->emitError() << pass << ": " << description->name()
                        << " runs q8_0, q4_0, q4_1, q4_k and q6_k quantized "
                        << what << ", not " << stringifyQuantFormat(format);
        failed = true;
        return std::nullopt;
      }
      std::string configError;
      std::optional<GPUQuantLinearConfig> config =
          selectGPUQuantLinearConfig(*description, configError);
      if (!config) {
        op->emitError() << pass << ": " << configError;
        failed = true;
        return std::nullopt;
      }
      if (!kernels)
        kernels = getOrCreateKernelModule(builder, module, *description);
      return config;
    };
    module.walk([&](Operation *op) {
      if (auto embedding = dyn_cast<QuantizedEmbeddingOp>(op)) {
        QuantFormat format = embedding.getFormat();
        std::optional<GPUQuantLinearConfig> config =
            prepare(op, format, "embeddings");
        if (!config)
          return;
        std::string name =
            (host::kQuantEmbeddingKernelPrefix + stringifyQuantFormat(format))
                .str();
        if (!kernels.lookupSymbol(name))
          buildQuantEmbeddingKernel(builder, kernels, name, *config, format,
                                    *parsedMutation);
        recordKernel(op, name);
        return;
      }
      auto linear = dyn_cast<QuantizedLinearOp>(op);
      if (!linear)
        return;
      QuantFormat format = linear.getFormat();
      std::optional<GPUQuantLinearConfig> config =
          prepare(op, format, "linear layers");
      if (!config)
        return;
      // Rows: every dimension of the input but the last (static: the
      // verifier of the op and the launch plans need them).
      auto input = cast<RankedTensorType>(linear.getInput().getType());
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
          (host::kQuantLinearKernelPrefix + stringifyQuantFormat(format) +
           (form == QuantLinearForm::Decode ? host::kQuantDecodeForm
                                            : host::kQuantPrefillForm) +
           (linear.getBias() ? host::kQuantBiasSuffix : ""))
              .str();
      if (!kernels.lookupSymbol(name))
        buildQuantLinearKernel(builder, kernels, name, *config, format, form,
                               static_cast<bool>(linear.getBias()),
                               *parsedMutation);
      recordKernel(op, name);
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
