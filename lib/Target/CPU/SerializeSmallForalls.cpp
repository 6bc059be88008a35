//===- SerializeSmallForalls.cpp - serial loops for little work -----------===//
//
// seq-serialize-small-foralls: an scf.forall whose estimated work is below
// a threshold runs as serial scf.for loops instead of an OpenMP region;
// with a dynamic trip count the choice is made at run time.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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

/// The cost of a memref.prefetch: the kernels hint the lines they stream
/// from memory (one-row projections, decode attention), whose time is the
/// memory's, not the few instructions counted for them. A 32-byte step of
/// a weight row from memory takes about 5 cycles of one core's ~17 GB/s
/// read bandwidth, about 16 of the counted operations; with it a decode
/// row's 576 x 576 f32 projection (1.3 MB) reaches the default grain.
static constexpr int64_t kPrefetchCost = 16;

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

/// A constant upper bound of the index `v`, when the arithmetic that
/// computes it (constants, loop induction variables, min/max as compare and
/// select, +, *, / and - by a non-negative amount) gives one. An estimate
/// for the cost model only: a subtrahend is assumed non-negative, as the
/// tile loops' offsets and induction variables are.
static std::optional<int64_t> upperBound(Value v, int depth = 0) {
  if (depth > 12)
    return std::nullopt;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c;
  auto ub = [&](Value x) { return upperBound(x, depth + 1); };
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *parent = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(parent)) {
      if (arg != loop.getInductionVar())
        return std::nullopt;
      std::optional<int64_t> u = ub(loop.getUpperBound());
      return u ? std::optional<int64_t>(std::max<int64_t>(*u - 1, 0))
               : std::nullopt;
    }
    if (auto loop = dyn_cast<scf::ForallOp>(parent)) {
      unsigned i = arg.getArgNumber();
      if (i >= loop.getRank())
        return std::nullopt;
      OpFoldResult u = loop.getMixedUpperBound()[i];
      std::optional<int64_t> c =
          isa<Value>(u) ? ub(cast<Value>(u)) : getConstantIntValue(u);
      return c ? std::optional<int64_t>(std::max<int64_t>(*c - 1, 0))
               : std::nullopt;
    }
    return std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto both = [&](auto combine) -> std::optional<int64_t> {
    std::optional<int64_t> a = ub(def->getOperand(0)),
                           b = ub(def->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    return combine(*a, *b);
  };
  if (isa<arith::SelectOp>(def)) {
    std::optional<int64_t> a = ub(def->getOperand(1)),
                           b = ub(def->getOperand(2));
    if (!a || !b)
      return std::nullopt;
    return std::max(*a, *b);
  }
  if (isa<arith::MinSIOp, arith::MinUIOp>(def)) {
    std::optional<int64_t> a = ub(def->getOperand(0)),
                           b = ub(def->getOperand(1));
    if (a && b)
      return std::min(*a, *b);
    return a ? a : b;
  }
  if (isa<arith::MaxSIOp, arith::MaxUIOp>(def))
    return both([](int64_t a, int64_t b) { return std::max(a, b); });
  if (isa<arith::AddIOp>(def))
    return both([](int64_t a, int64_t b) { return addSat(a, b); });
  if (isa<arith::MulIOp>(def))
    return both([](int64_t a, int64_t b) { return mulSat(a, b); });
  if (isa<arith::SubIOp>(def))
    return ub(def->getOperand(0));
  if (isa<arith::DivUIOp, arith::DivSIOp, arith::CeilDivSIOp,
          arith::CeilDivUIOp>(def)) {
    std::optional<int64_t> a = ub(def->getOperand(0));
    std::optional<int64_t> d = getConstantIntValue(def->getOperand(1));
    if (!a || !d || *d <= 0)
      return std::nullopt;
    return (*a + *d - 1) / *d;
  }
  return std::nullopt;
}

/// Operations one execution of `op` runs: nested loops multiplied out by
/// their constant trip counts, or, from a constant start, by an upper bound
/// of a dynamic end where the bounds' arithmetic gives one (a causal
/// attention's key loop), other loops once, the larger branch of a
/// conditional.
static int64_t opCost(Operation &op) {
  if (isa<memref::PrefetchOp>(op))
    return kPrefetchCost;
  int64_t inner = 0;
  for (Region &region : op.getRegions())
    inner = isa<scf::IfOp>(op) ? std::max(inner, regionCost(region))
                               : addSat(inner, regionCost(region));
  int64_t trips = 1;
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    if (std::optional<int64_t> t = constantTrip(
            loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
      trips = *t;
    } else if (std::optional<int64_t> u = upperBound(loop.getUpperBound())) {
      // Only from a constant lower bound: a loop from a computed start is
      // usually the remainder of a peeled loop, whose trips are few.
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      if (step && *step > 0 && lb)
        trips = std::max<int64_t>((*u - *lb + *step - 1) / *step, 1);
    }
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
