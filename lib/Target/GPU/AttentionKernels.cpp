//===- AttentionKernels.cpp - the seq-gpu-attention-kernels pass ----------===//
//
// This file implements seq-gpu-attention-kernels: the kernels of each
// seq.attention (the prefill form, or the split-KV form and its merge when
// KernelDispatch splits the keys: the decode form for a few query rows),
// named on the op.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/KernelDispatchWgmma.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUATTENTIONKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
struct GPUAttentionKernelsPass
    : public seq::impl::SeqGPUAttentionKernelsBase<GPUAttentionKernelsPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // cp.async's commit and wait (sm_80+); wgmma, its accumulator structs
    // and the register-A form's inline assembly (sm_90a).
    registry.insert<NVVM::NVVMDialect, LLVM::LLVMDialect>();
  }

  /// Why `op` has no GPU kernel, or "" when it has one.
  static std::string unsupported(AttentionOp op) {
    if (op.getBlockTable() && op.getKey().getType().isDynamicDim(2))
      return "paged KV with a dynamic block size";
    if (op.getKvLengths() &&
        !op.getKvLengths().getType().getElementType().isInteger(32))
      return "i64 kv_lengths (the kernels read i32)";
    if (!op.getScoreMod().empty() || !op.getMaskMod().empty())
      return "score or mask regions";
    if (op.getLse())
      return "an lse result";
    RankedTensorType query = op.getQuery().getType();
    if (ShapedType::isDynamic(query.getDimSize(3)) ||
        ShapedType::isDynamic(op.getValue().getType().getDimSize(3)) ||
        ShapedType::isDynamic(op.getGroupSize()))
      return "dynamic head dims or head counts";
    Type type = query.getElementType();
    if (!type.isF16() && !type.isBF16())
      return "f32 storage (the kernels run f16 and bf16)";
    if (op.getKey().getType().getElementType() != type ||
        op.getValue().getType().getElementType() != type ||
        op.getOutput().getType().getElementType() != type)
      return "mixed element types";
    return "";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-attention-kernels", target);
    if (failed(description))
      return signalPassFailure();
    // The ragged kernels' own mutations; the others are the shared ones.
    RaggedMutation raggedMutation =
        llvm::StringSwitch<RaggedMutation>(mutation)
            .Case("kv-length-off-by-one", RaggedMutation::KvLengthOffByOne)
            .Case("ignore-kv-lengths", RaggedMutation::IgnoreKvLengths)
            .Default(RaggedMutation::None);
    // The window's own (AttentionScoreMods::windowOffByOne).
    bool windowOffByOne = mutation == "window-off-by-one";
    // The paged kernels' own.
    PagedMutation pagedMutation =
        llvm::StringSwitch<PagedMutation>(mutation)
            .Case("block-index-off-by-one", PagedMutation::BlockIndexOffByOne)
            .Case("unchecked-block-ids", PagedMutation::UncheckedBlockIds)
            .Default(PagedMutation::None);
    bool ownMutation = raggedMutation != RaggedMutation::None ||
                       windowOffByOne || pagedMutation != PagedMutation::None;
    FailureOr<KernelMutation> parsedMutation =
        parseMutationOption<KernelMutation>(
            module, "seq-gpu-attention-kernels",
            ownMutation ? StringRef("none") : StringRef(mutation),
            {{"none", KernelMutation::None},
             {"swap-fragment-lanes", KernelMutation::SwapFragmentLanes},
             {"drop-barrier", KernelMutation::DropBarrier},
             {"shared-off-by-one", KernelMutation::SharedOffByOne},
             {"drop-async-wait", KernelMutation::DropAsyncWait},
             {"async-wait-count", KernelMutation::AsyncWaitCount}});
    if (failed(parsedMutation))
      return signalPassFailure();
    if (splits < 0) {
      module.emitError() << "seq-gpu-attention-kernels: negative splits";
      return signalPassFailure();
    }

    OpBuilder builder(module.getBodyRegion());
    bool failed = false;
    module.walk([&](AttentionOp op) {
      std::string why = unsupported(op);
      if (!why.empty()) {
        op.emitError() << "seq-gpu-attention-kernels: " << description->name()
                       << " has no attention kernel for " << why << " yet";
        failed = true;
        return;
      }
      RankedTensorType query = op.getQuery().getType();
      RankedTensorType key = op.getKey().getType();
      Type type = query.getElementType();
      LinearElementType elementType =
          type.isF16() ? LinearElementType::F16 : LinearElementType::BF16;
      auto extent = [](int64_t d) {
        return ShapedType::isDynamic(d) ? int64_t(0) : d;
      };
      // Paged: K and V are [NumBlocks, Hkv, BS, D] caches; the logical KV
      // length (what the split count comes from) is MaxBlocks x BS.
      int64_t blockSize = op.isPaged() ? key.getDimSize(2) : 0;
      int64_t keys = extent(key.getDimSize(2));
      if (blockSize)
        keys = extent(op.getBlockTable().getType().getDimSize(1)) * blockSize;
      std::string configError;
      std::optional<GPUAttentionConfig> config = selectGPUAttentionConfig(
          *description, elementType, op.getGroupSize(), query.getDimSize(3),
          op.getValue().getType().getDimSize(3), extent(query.getDimSize(0)),
          extent(key.getDimSize(1)), extent(query.getDimSize(2)), keys,
          configError,
          /*allowDecode=*/decode && splits != 1);
      if (!config) {
        op.emitError() << "seq-gpu-attention-kernels: " << configError;
        failed = true;
        return;
      }
      if (splits > 0)
        config->splits = splits;
      // sm_90a: the prefill form on wgmma (KernelDispatchWgmma.h).
      if (config->splits == 1 && !config->decode)
        if (std::optional<GPUAttentionConfig> wgmma =
                selectGPUAttentionWgmmaConfig(*description, elementType,
                                              *config))
          config = wgmma;
      std::string typeName = type.isF16() ? "f16" : "bf16";
      float scale = op.getEffectiveScale();
      bool ragged = static_cast<bool>(op.getKvLengths());
      AttentionScoreMods mods = attentionScoreMods(op);
      mods.windowOffByOne = windowOffByOne;
      std::string name = attentionKernelName(
          *config, elementType, op.getCausal(),
          op.getScaleAttr() ? std::optional<float>(scale) : std::nullopt, mods);
      if (ragged)
        name += kRaggedAttentionSuffix;
      if (blockSize)
        name += pagedAttentionSuffix(blockSize);
      gpu::GPUModuleOp kernels =
          getOrCreateKernelModule(builder, module, *description);
      SmallVector<std::pair<std::string, AttentionKernelKind>> wanted;
      if (config->splits > 1 && config->decode) {
        wanted.push_back({name + "_decode", AttentionKernelKind::SplitPartial});
        wanted.push_back(
            {"attention_merge_" + typeName, AttentionKernelKind::Merge});
      } else if (config->splits > 1) {
        wanted.push_back({name + "_split", AttentionKernelKind::SplitPartial});
        wanted.push_back(
            {"attention_merge_" + typeName, AttentionKernelKind::Merge});
      } else {
        wanted.push_back({name, AttentionKernelKind::Prefill});
      }
      SmallVector<std::string> names;
      for (auto &[kernelName, kind] : wanted) {
        bool missing = !kernels.lookupSymbol(kernelName);
        if (missing && blockSize && kind != AttentionKernelKind::Merge)
          buildPagedAttentionKernel(builder, kernels, kernelName, *config,
                                    elementType, kind, op.getCausal(), scale,
                                    ragged, blockSize, *parsedMutation,
                                    raggedMutation, pagedMutation, mods);
        else if (missing && ragged && kind != AttentionKernelKind::Merge)
          buildRaggedAttentionKernel(builder, kernels, kernelName, *config,
                                     elementType, kind, op.getCausal(), scale,
                                     *parsedMutation, raggedMutation, mods);
        else if (missing)
          buildAttentionKernel(builder, kernels, kernelName, *config,
                               elementType, kind, op.getCausal(), scale,
                               *parsedMutation, mods);
        names.push_back(kernelName);
      }
      recordKernels(op, names);
      op->setAttr("seq.split_kv", builder.getI64IntegerAttr(config->splits));
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace

AttentionScoreMods seq::attentionScoreMods(AttentionOp op) {
  AttentionScoreMods mods;
  // The verifier requires a positive window.
  if (IntegerAttr window = op.getWindowAttr())
    mods.window = window.getInt();
  if (std::optional<APFloat> softcap = op.getSoftcap())
    mods.softcap = softcap->convertToFloat();
  return mods;
}

std::string seq::attentionKernelName(const GPUAttentionConfig &config,
                                     LinearElementType elementType, bool causal,
                                     std::optional<float> explicitScale,
                                     const AttentionScoreMods &mods) {
  std::string name = llvm::formatv(
      "attention_{0}_g{1}_d{2}_dv{3}_q{4}",
      elementType == LinearElementType::F16 ? "f16" : "bf16",
      config.groupSize, config.headDim, config.valueDim,
      config.positionsPerBlock);
  if (causal)
    name += "_causal";
  if (explicitScale) {
    uint32_t bits;
    std::memcpy(&bits, &*explicitScale, 4);
    name += "_s" + llvm::utohexstr(bits, /*LowerCase=*/true);
  }
  if (mods.window)
    name += "_w" + std::to_string(*mods.window);
  if (mods.softcap) {
    uint32_t bits;
    std::memcpy(&bits, &*mods.softcap, 4);
    name += "_sc" + llvm::utohexstr(bits, /*LowerCase=*/true);
  }
  return name;
}
