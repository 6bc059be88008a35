//===- SeqToLoops.cpp - the convert-seq-to-loops pass ---------------------===//
//
// This file implements convert-seq-to-loops: it declares an external
// memref.global per seq.parameter, applies every family's lowering
// patterns, then the head-layout folds (HeadLayoutFolds.cpp), and reports
// any seq op that has no lowering yet.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "QuantKernels.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Conversion/Passes.h"
#include "seqc/Target/KernelDispatch.h"
#include "seqrt/Abi.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/ScopeExit.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_CONVERTSEQTOLOOPS
#include "seqc/Conversion/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace mlir {
namespace seq {
namespace {
struct ConvertSeqToLoopsPass
    : public impl::ConvertSeqToLoopsBase<ConvertSeqToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(module.getBodyRegion());
    for (auto parameter :
         llvm::make_early_inc_range(module.getOps<ParameterOp>())) {
      auto type = cast<RankedTensorType>(parameter.getType());
      builder.setInsertionPoint(parameter);
      memref::GlobalOp::create(
          builder, parameter.getLoc(),
          (seqrt::abi::kParamPrefix + parameter.getSymName()).str(),
          /*sym_visibility=*/StringAttr(),
          MemRefType::get(type.getShape(), type.getElementType()),
          /*initial_value=*/Attribute(), /*constant=*/false,
          builder.getI64IntegerAttr(64));
    }

    // Tile sizes come from the target (KernelDispatch); an option given
    // explicitly (>= 0; > 0 for tile sizes) overrides its choice.
    TargetDescription target = describeCPU(
        vectorWidth >= 0 ? vectorWidth : TargetDescription().vectorWidth);
    TilingOptions tiling = selectTiling(target);
    if (queryTile > 0)
      tiling.queryTile = queryTile;
    if (keyTile > 0)
      tiling.keyTile = keyTile;
    if (minParallelTiles > 0)
      tiling.minParallelTiles = minParallelTiles;
    if (minKeysPerSplit > 0)
      tiling.minKeysPerSplit = minKeysPerSplit;
    if (scanChunk >= 0)
      tiling.scanChunk = scanChunk;
    tiling.int8Activations = quantActivations == "int8";
    tiling.x86Avx2 = x86Avx2;
    tiling.x86Avx512Bf16 = x86Avx512Bf16;
    if (quantActivations != "f32" && quantActivations != "int8") {
      module.emitError("quant-activations must be f32 or int8, not '")
          << quantActivations << "'";
      return signalPassFailure();
    }
    if (tiling.int8Activations && tiling.x86Avx2)
      declareX86Intrinsics(module);
    if (!runtimeChecks)
      module->setAttr(LoopBuilder::kNoRuntimeChecksAttr,
                      UnitAttr::get(&getContext()));
    auto clearMark = llvm::make_scope_exit(
        [&] { module->removeAttr(LoopBuilder::kNoRuntimeChecksAttr); });
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    // Fusions first, while the chains they match still exist.
    RewritePatternSet fusions(&getContext());
    populateFusedToLoopsPatterns(fusions, tiling);
    (void)applyPatternsGreedily(module, std::move(fusions), config);
    RewritePatternSet normFusions(&getContext());
    populateFusedNormToLoopsPatterns(normFusions, tiling);
    (void)applyPatternsGreedily(module, std::move(normFusions), config);

    RewritePatternSet patterns(&getContext());
    populateAttentionToLoopsPatterns(patterns, tiling);
    populateModelToLoopsPatterns(patterns, tiling);
    populateQuantToLoopsPatterns(patterns, tiling);
    populateScanToLoopsPatterns(patterns, tiling);
    populateConvToLoopsPatterns(patterns);
    populateMoEToLoopsPatterns(patterns, tiling);
    populateDecodeToLoopsPatterns(patterns);
    populateSpeculativeToLoopsPatterns(patterns);
    populateTreeSpeculativeToLoopsPatterns(patterns);
    populateBeamSearchToLoopsPatterns(patterns);
    (void)applyPatternsGreedily(module, std::move(patterns), config);
    // The importer's head transposes around the lowered ops: views and
    // in-place writes instead of copies.
    RewritePatternSet layout(&getContext());
    populateHeadLayoutFoldPatterns(layout);
    (void)applyPatternsGreedily(module, std::move(layout), config);
    if (tiling.int8Activations && tiling.x86Avx2)
      eraseUnusedX86Intrinsics(module);

    bool failed = false;
    module.walk([&](Operation *op) {
      if (isa<ParameterOp>(op) || !isa<SeqDialect>(op->getDialect()))
        return WalkResult::advance();
      // The lowerings need static extents where they size tile scratch.
      StringRef reason = "this form is not supported by the tiled lowering";
      if (isa<AttentionOp>(op))
        reason = "the head dims (and a paged cache's block size) must be "
                 "static";
      else if (isa<RopeOp>(op))
        reason = "the head dim must be static";
      op->emitError() << "convert-seq-to-loops: cannot lower '" << op->getName()
                      << "': " << reason;
      failed = true;
      return WalkResult::skip();
    });
    for (auto parameter :
         llvm::make_early_inc_range(module.getOps<ParameterOp>()))
      parameter.erase();
    if (failed)
      signalPassFailure();
  }
};
} // namespace
} // namespace seq
} // namespace mlir
