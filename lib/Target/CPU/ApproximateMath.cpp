//===- ApproximateMath.cpp - inline polynomial exp ------------------------===//
//
// seq-approximate-math: f32 math.exp (and vector math.log1p) becomes
// MLIR's polynomial approximation so that the loops around it vectorise.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQAPPROXIMATEMATH
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

namespace {
struct SeqApproximateMathPass
    : seq::impl::SeqApproximateMathBase<SeqApproximateMathPass> {
  void runOnOperation() override {
    // Vector log1p (the channel-lane scans' softplus) too, through the
    // log approximation it expands to; scalar log1p stays a libm call.
    auto selected = [](StringRef name) {
      return name == "math.exp" || name == "math.log1p" || name == "math.log";
    };
    SmallVector<Operation *> exps;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::ExpOp>(op) ||
          (isa<math::Log1pOp>(op) && isa<VectorType>(op->getResultTypes()[0])))
        exps.push_back(op);
    });
    if (exps.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, selected);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(exps, std::move(patterns), config)))
      signalPassFailure();
  }
};
} // namespace
