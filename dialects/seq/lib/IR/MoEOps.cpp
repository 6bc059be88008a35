//===- MoEOps.cpp - mixture-of-experts operations -------------------------===//
//
// This file implements verification and canonicalization of the MoE ops:
// seq.moe_route, seq.moe_dispatch, seq.grouped_matmul and seq.moe_experts.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/PatternMatch.h"
#include <limits>

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.cpp.inc"

/// Product of two extents, dynamic if either is.
static int64_t mulExtents(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b)
             ? ShapedType::kDynamic
             : a * b;
}

/// `e + 1`, dynamic if `e` is.
static int64_t plusOne(int64_t e) {
  return ShapedType::isDynamic(e) ? ShapedType::kDynamic : e + 1;
}

//===----------------------------------------------------------------------===//
// MoeRouteOp
//===----------------------------------------------------------------------===//

LogicalResult MoeRouteOp::verify() {
  Operation *op = getOperation();
  RankedTensorType logitsType = getLogits().getType();
  if (failed(verifyRank(op, logitsType, 2, "logits", "[T, E]")))
    return failure();
  int64_t tokens = logitsType.getDimSize(0);
  int64_t experts = logitsType.getDimSize(1);
  int64_t topK = getTopK();
  if (!ShapedType::isDynamic(experts) && topK > experts)
    return emitOpError() << "expects top_k (" << topK
                         << ") to be at most the number of experts (" << experts
                         << ")";
  if (failed(verifyShape(op, getWeights().getType(), {tokens, topK},
                         "weights [T, K]")) ||
      failed(verifyShape(op, getExperts().getType(), {tokens, topK},
                         "experts [T, K]")))
    return failure();
  if (auto bias = getBias()) {
    if (getScoring() != RouterScoring::Sigmoid)
      return emitOpError("expects a selection bias only with sigmoid scoring");
    if (failed(verifyShape(op, bias.getType(), {experts}, "bias [E]")))
      return failure();
  }
  IntegerAttr groups = getNumGroupsAttr();
  IntegerAttr topkGroups = getTopkGroupsAttr();
  if (static_cast<bool>(groups) != static_cast<bool>(topkGroups))
    return emitOpError("expects num_groups and topk_groups together");
  if (groups) {
    int64_t g = groups.getInt(), kg = topkGroups.getInt();
    if (g <= 0 || kg <= 0 || kg > g)
      return emitOpError() << "expects 0 < topk_groups (" << kg
                           << ") <= num_groups (" << g << ")";
    if (!ShapedType::isDynamic(experts)) {
      if (experts % g != 0)
        return emitOpError()
               << "expects num_groups (" << g
               << ") to divide the number of experts (" << experts << ")";
      if (topK > kg * (experts / g))
        return emitOpError()
               << "expects top_k (" << topK
               << ") to be at most the experts in the " << kg
               << " selected groups (" << kg * (experts / g) << ")";
    }
  }
  if (auto scaling = getRoutedScaling(); scaling && !isFinitePositive(*scaling))
    return emitOpError("expects a finite, positive routed_scaling");
  return success();
}

namespace {
/// softmax over all experts, top-k, renormalise == top-k of the logits, then
/// softmax over the k chosen; the latter never exponentiates all E logits.
struct NormalizedSoftmaxToTopKSoftmax : OpRewritePattern<MoeRouteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoeRouteOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getScoring() != RouterScoring::Softmax || !op.getNormalize() ||
        op.getNumGroups())
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.setScoring(RouterScoring::TopKSoftmax);
      op.setNormalize(false);
    });
    return success();
  }
};

/// top_k_softmax weights already sum to one: `normalize` is a no-op.
struct DropRedundantNormalize : OpRewritePattern<MoeRouteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoeRouteOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getScoring() != RouterScoring::TopKSoftmax || !op.getNormalize())
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.setNormalize(false); });
    return success();
  }
};
} // namespace

void MoeRouteOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                             MLIRContext *context) {
  patterns.add<NormalizedSoftmaxToTopKSoftmax, DropRedundantNormalize>(context);
}

//===----------------------------------------------------------------------===//
// MoeDispatchOp
//===----------------------------------------------------------------------===//

LogicalResult MoeDispatchOp::verify() {
  Operation *op = getOperation();
  RankedTensorType expertsType = getExperts().getType();
  if (failed(verifyRank(op, expertsType, 2, "experts", "[T, K]")))
    return failure();
  // Offsets are i32, so the expert count must fit too.
  if (getNumExperts() >= std::numeric_limits<int32_t>::max())
    return emitOpError() << "expects fewer than 2^31 - 1 experts, got "
                         << getNumExperts();
  int64_t slots =
      mulExtents(expertsType.getDimSize(0), expertsType.getDimSize(1));
  if (failed(verifyShape(op, getPermutation().getType(), {slots},
                         "permutation [T * K]")) ||
      failed(verifyShape(op, getExpertOffsets().getType(),
                         {static_cast<int64_t>(getNumExperts()) + 1},
                         "expert_offsets [E + 1]")))
    return failure();
  if (auto factor = getCapacityFactor(); factor && !isFinitePositive(*factor))
    return emitOpError("expects a finite, positive capacity_factor");
  return success();
}

//===----------------------------------------------------------------------===//
// GroupedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult GroupedMatmulOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  RankedTensorType weightType = getWeight().getType();
  if (failed(verifyRank(op, inputType, 2, "input", "[R, K]")) ||
      failed(verifyRank(op, weightType, 3, "weight", "[E, N, K]")))
    return failure();
  if (inputType.getElementType() != weightType.getElementType() ||
      getOutput().getType().getElementType() != inputType.getElementType())
    return emitOpError("expects input, weight and output to share an element "
                       "type");
  if (!extentsCompatible(inputType.getDimSize(1), weightType.getDimSize(2)))
    return emitOpError() << "expects input K ("
                         << formatExtent(inputType.getDimSize(1))
                         << ") to match weight K ("
                         << formatExtent(weightType.getDimSize(2)) << ")";
  if (failed(verifyShape(op, getOffsets().getType(),
                         {plusOne(weightType.getDimSize(0))},
                         "offsets [E + 1]")))
    return failure();
  return verifyShape(op, getOutput().getType(),
                     {inputType.getDimSize(0), weightType.getDimSize(1)},
                     "output [R, N]");
}

//===----------------------------------------------------------------------===//
// MoeExpertsOp
//===----------------------------------------------------------------------===//

/// Expert weights of `type` serve an input of `input`: the same type, or a
/// 2-byte float read widened.
static bool isWeightElementType(Type type, Type input) {
  return type == input || isa<BFloat16Type, Float16Type>(type);
}

LogicalResult MoeExpertsOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  RankedTensorType weightsType = getWeights().getType();
  RankedTensorType upType = getUp().getType();
  RankedTensorType downType = getDown().getType();
  if (failed(verifyRank(op, inputType, 2, "input", "[T, Dm]")) ||
      failed(verifyRank(op, weightsType, 2, "weights", "[T, K]")) ||
      failed(verifyRank(op, upType, 3, "up", "[E, F, Dm]")) ||
      failed(verifyRank(op, downType, 3, "down", "[E, Dm, F]")))
    return failure();
  Type elementType = inputType.getElementType();
  if (getOutput().getType().getElementType() != elementType)
    return emitOpError("expects input and output to share an element type");
  // Expert weights share one type: the input's, or 2-byte floats widened as
  // they are read (half-precision checkpoints with f32 activations).
  Type weightType = upType.getElementType();
  if (downType.getElementType() != weightType ||
      (getGate() && getGate().getType().getElementType() != weightType) ||
      !isWeightElementType(weightType, elementType))
    return emitOpError("expects the expert weights to share one element "
                       "type, the input's or bf16/f16");
  int64_t tokens = inputType.getDimSize(0);
  int64_t model = inputType.getDimSize(1);
  int64_t experts = upType.getDimSize(0);
  int64_t hidden = upType.getDimSize(1);
  if (failed(verifyShape(op, weightsType, {tokens, weightsType.getDimSize(1)},
                         "weights [T, K]")) ||
      failed(verifyShape(op, getPermutation().getType(),
                         {mulExtents(tokens, weightsType.getDimSize(1))},
                         "permutation [T * K]")) ||
      failed(verifyShape(op, getExpertOffsets().getType(), {plusOne(experts)},
                         "expert_offsets [E + 1]")) ||
      failed(
          verifyShape(op, upType, {experts, hidden, model}, "up [E, F, Dm]")) ||
      failed(verifyShape(op, downType, {experts, model, hidden},
                         "down [E, Dm, F]")) ||
      failed(verifyShape(op, getOutput().getType(), {tokens, model},
                         "output [T, Dm]")))
    return failure();
  bool gated = getActivation() != FfnActivation::GeLU;
  if (gated && !getGate())
    return emitOpError() << "expects a gate weight for "
                         << stringifyFfnActivation(getActivation());
  if (!gated && getGate())
    return emitOpError("expects no gate weight for gelu");
  if (getGate() &&
      failed(verifyShape(op, getGate().getType(), {experts, hidden, model},
                         "gate [E, F, Dm]")))
    return failure();
  return verifySharedExperts(gated, model, elementType);
}

LogicalResult MoeExpertsOp::verifySharedExperts(bool gated, int64_t model,
                                                Type elementType) {
  Operation *op = getOperation();
  Value sharedGate = getSharedGate(), sharedUp = getSharedUp();
  Value sharedDown = getSharedDown();
  if (!sharedUp && !sharedDown && !sharedGate)
    return success();
  if (!sharedUp || !sharedDown)
    return emitOpError("expects shared_up and shared_down together");
  if (gated != static_cast<bool>(sharedGate))
    return emitOpError() << "expects a shared_gate exactly when the "
                            "activation is gated ("
                         << stringifyFfnActivation(getActivation()) << ")";
  Type weightType = cast<RankedTensorType>(sharedUp.getType()).getElementType();
  for (Value weight : {sharedGate, sharedUp, sharedDown})
    if (weight &&
        cast<RankedTensorType>(weight.getType()).getElementType() != weightType)
      return emitOpError("expects the shared expert weights to share one "
                         "element type, the input's or bf16/f16");
  if (!isWeightElementType(weightType, elementType))
    return emitOpError("expects the shared expert weights to share one "
                       "element type, the input's or bf16/f16");
  auto upType = cast<RankedTensorType>(sharedUp.getType());
  if (failed(verifyRank(op, upType, 2, "shared_up", "[Fs, Dm]")))
    return failure();
  int64_t width = upType.getDimSize(0);
  if (failed(verifyShape(op, upType, {width, model}, "shared_up [Fs, Dm]")) ||
      failed(verifyShape(op, cast<RankedTensorType>(sharedDown.getType()),
                         {model, width}, "shared_down [Dm, Fs]")) ||
      (sharedGate &&
       failed(verifyShape(op, cast<RankedTensorType>(sharedGate.getType()),
                          {width, model}, "shared_gate [Fs, Dm]"))))
    return failure();
  return success();
}

namespace {
/// moe_experts(x, ...) + down(silu(gate(x)) * up(x)) -> moe_experts with the
/// dense FFN as shared-expert operands, computed in the same kernel.
struct FoldSharedExpert : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto experts = add->getOperand(side).getDefiningOp<MoeExpertsOp>();
      auto down = add->getOperand(1 - side).getDefiningOp<LinearOp>();
      if (!experts || !down || experts.getSharedUp() ||
          experts.getActivation() != FfnActivation::SwiGLU ||
          !experts->hasOneUse() || !down->hasOneUse() || down.getBias())
        continue;
      Value x = experts.getInput();
      auto act = down.getInput().getDefiningOp<SwiGLUOp>();
      if (!act || !act->hasOneUse())
        continue;
      auto gate = act.getGate().getDefiningOp<LinearOp>();
      auto up = act.getUp().getDefiningOp<LinearOp>();
      if (!gate || !up || gate.getInput() != x || up.getInput() != x ||
          gate.getBias() || up.getBias() || !gate->hasOneUse() ||
          !up->hasOneUse() || down.getOutput().getType() != add.getType())
        continue;
      rewriter.replaceOpWithNewOp<MoeExpertsOp>(
          add, add.getType(), x, experts.getWeights(),
          experts.getPermutation(), experts.getExpertOffsets(),
          experts.getGate(), experts.getUp(), experts.getDown(),
          gate.getWeight(), up.getWeight(), down.getWeight(),
          experts.getActivationAttr());
      return success();
    }
    return failure();
  }
};
} // namespace

void MoeExpertsOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                               MLIRContext *context) {
  patterns.add<FoldSharedExpert>(context);
}
