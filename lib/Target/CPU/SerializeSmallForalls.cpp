//===- SerializeSmallForalls.cpp - serial loops for little work -----------===//
//
// seq-serialize-small-foralls: an scf.forall whose estimated work is below
// a threshold runs as serial scf.for loops instead of an OpenMP region;
// with a dynamic trip count the choice is made at run time.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQSERIALIZESMALLFORALLS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

/// Saturating multiplication of non-negative estimates.
static int64_t mulSat(int64_t a, int64_t b) {
  int64_t result;
  if (llvm::MulOverflow(a, b, result))
    return std::numeric_limits<int64_t>::max();
  return result;
}

static int64_t addSat(int64_t a, int64_t b) {
  int64_t result;
  if (llvm::AddOverflow(a, b, result))
    return std::numeric_limits<int64_t>::max();
  return result;
}

static int64_t regionCost(Region &region);

/// The trip count of a loop dimension when its bounds are constants.
static std::optional<int64_t> constantTrip(OpFoldResult lb, OpFoldResult ub,
                                           OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Operations one execution of `op` runs: nested loops with constant bounds
/// multiplied out, other loops once, the larger branch of a conditional.
static int64_t opCost(Operation &op) {
  int64_t inner = 0;
  for (Region &region : op.getRegions())
    inner = isa<scf::IfOp>(op) ? std::max(inner, regionCost(region))
                               : addSat(inner, regionCost(region));
  int64_t trips = 1;
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    if (std::optional<int64_t> t = constantTrip(
            loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      trips = *t;
  } else if (auto loop = dyn_cast<scf::ForallOp>(op)) {
    for (auto [lb, ub, step] :
         llvm::zip(loop.getMixedLowerBound(), loop.getMixedUpperBound(),
                   loop.getMixedStep()))
      if (std::optional<int64_t> t = constantTrip(lb, ub, step))
        trips = mulSat(trips, *t);
  }
  return addSat(1, mulSat(trips, inner));
}

static int64_t regionCost(Region &region) {
  int64_t cost = 0;
  for (Block &block : region)
    for (Operation &op : block)
      cost = addSat(cost, opCost(op));
  return cost;
}

/// Replaces `forall` by serial loops.
static void serialize(RewriterBase &rewriter, scf::ForallOp forall) {
  rewriter.setInsertionPoint(forall);
  (void)scf::forallToForLoop(rewriter, forall);
}

namespace mlir {
namespace seq {
namespace {
struct SeqSerializeSmallForallsPass
    : public impl::SeqSerializeSmallForallsBase<SeqSerializeSmallForallsPass> {
  using SeqSerializeSmallForallsBase::SeqSerializeSmallForallsBase;

  void runOnOperation() override {
    SmallVector<scf::ForallOp> foralls;
    // Inner loops first, so that rewriting an outer loop (which clones or
    // moves its body) never invalidates a loop still to be visited.
    getOperation().walk([&](scf::ForallOp forall) {
      if (forall.getNumResults() == 0)
        foralls.push_back(forall);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp forall : foralls) {
      int64_t perIteration = regionCost(forall.getRegion());
      int64_t constantTrips = 1;
      SmallVector<Value> dynamicTrips;
      for (auto [lb, ub, step] :
           llvm::zip(forall.getMixedLowerBound(), forall.getMixedUpperBound(),
                     forall.getMixedStep())) {
        if (std::optional<int64_t> t = constantTrip(lb, ub, step)) {
          constantTrips = mulSat(constantTrips, *t);
          continue;
        }
        rewriter.setInsertionPoint(forall);
        Location loc = forall.getLoc();
        Value l = getValueOrCreateConstantIndexOp(rewriter, loc, lb);
        Value u = getValueOrCreateConstantIndexOp(rewriter, loc, ub);
        Value s = getValueOrCreateConstantIndexOp(rewriter, loc, step);
        dynamicTrips.push_back(arith::CeilDivSIOp::create(
            rewriter, loc, arith::SubIOp::create(rewriter, loc, u, l), s));
      }
      int64_t staticWork = mulSat(constantTrips, perIteration);
      if (staticWork >= minWork)
        continue;
      if (dynamicTrips.empty()) {
        serialize(rewriter, forall);
        continue;
      }
      // Parallel when trips * staticWork >= minWork, i.e. when the
      // dynamic trip count reaches ceil(minWork / staticWork) (products of
      // index values could overflow; this comparison cannot).
      Location loc = forall.getLoc();
      Value trips = dynamicTrips.front();
      // At most 2^31, so that the product of two clamped counts below
      // cannot overflow.
      int64_t boundValue = std::min<int64_t>(
          (minWork + staticWork - 1) / std::max<int64_t>(staticWork, 1),
          int64_t(1) << 31);
      Value bound = arith::ConstantIndexOp::create(rewriter, loc, boundValue);
      Value big = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, trips, bound);
      for (Value t : llvm::drop_begin(dynamicTrips)) {
        // Any further dynamic dimension only adds iterations: compare the
        // product with saturation through max(t, 1) <= bound checks.
        trips = arith::MulIOp::create(
            rewriter, loc, arith::MinSIOp::create(rewriter, loc, trips, bound),
            arith::MinSIOp::create(rewriter, loc, t, bound));
        big = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                    trips, bound);
      }
      auto branch = scf::IfOp::create(rewriter, loc, TypeRange{}, big,
                                      /*withElseRegion=*/true);
      rewriter.setInsertionPoint(branch.thenBlock()->getTerminator());
      rewriter.clone(*forall);
      rewriter.moveOpBefore(forall, branch.elseBlock()->getTerminator());
      serialize(rewriter, forall);
    }
  }
};
} // namespace
} // namespace seq
} // namespace mlir
