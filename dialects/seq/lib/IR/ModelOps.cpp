//===- ModelOps.cpp - parameters, norms, rope, embedding, linear ----------===//
//
// This file implements verification and canonicalization of the model ops
// that surround attention, scans and MoE in a graph.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqModelOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ParameterOp / GetParameterOp
//===----------------------------------------------------------------------===//

LogicalResult ParameterOp::verify() {
  if (getKey().empty())
    return emitOpError("expects a non-empty weights-file key");
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return emitOpError("expects a statically shaped parameter type");
  std::optional<QuantFormat> quant = getQuant();
  if (std::optional<ArrayAttr> parts = getParts()) {
    if (quant)
      return emitOpError("expects `parts` without `quant` (quantized "
                         "parameters bind whole)");
    if (type.getRank() < 2 ||
        static_cast<int64_t>(parts->size()) != type.getDimSize(0))
      return emitOpError() << "expects one part per row of the first "
                              "dimension of a parameter of rank >= 2, got "
                           << parts->size() << " parts for " << type;
    llvm::StringSet<> seen;
    for (Attribute part : *parts) {
      StringRef key = cast<StringAttr>(part).getValue();
      if (key.empty())
        return emitOpError("expects non-empty part keys");
      if (!seen.insert(key).second)
        return emitOpError()
               << "expects distinct part keys, '" << key << "' is repeated";
    }
  }
  if (!quant) {
    if (type.getElementType().isInteger(8))
      return emitOpError("expects an i8 parameter to name its `quant` format "
                         "(i8 parameters hold packed quantized blocks)");
    return success();
  }
  StringRef name = stringifyQuantFormat(*quant);
  if (!type.getElementType().isInteger(8) || type.getRank() != 2)
    return emitOpError() << "expects a " << name
                         << " parameter of type tensor<N x RB x i8> (packed "
                            "rows), got "
                         << type;
  int64_t bytes = blockBytes(*quant);
  if (type.getDimSize(1) % bytes != 0)
    return emitOpError() << "expects the packed row size ("
                         << type.getDimSize(1)
                         << " bytes) to be a whole number of " << name
                         << " blocks (" << bytes << " bytes each)";
  return success();
}

LogicalResult
GetParameterOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto parameter =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!parameter)
    return emitOpError() << "expects " << getNameAttr()
                         << " to name a seq.parameter";
  if (parameter.getType() != getType())
    return emitOpError() << "expects result type " << getType()
                         << " to equal the parameter type "
                         << parameter.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// Checks a per-channel vector (`weight`, `bias`) against the last dimension
/// of `input`.
static LogicalResult verifyChannelVector(Operation *op, Value input,
                                         Value vector, StringRef what) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto vectorType = cast<RankedTensorType>(vector.getType());
  if (inputType.getRank() < 1)
    return op->emitOpError("expects input of rank >= 1");
  return verifyShape(op, vectorType, {inputType.getShape().back()}, what);
}

static LogicalResult verifyEpsilon(Operation *op, APFloat epsilon) {
  if (!isFinitePositive(epsilon))
    return op->emitOpError("expects a finite, positive epsilon");
  return success();
}

LogicalResult RMSNormOp::verify() {
  if (failed(verifyChannelVector(*this, getInput(), getWeight(), "weight [D]")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyChannelVector(*this, getInput(), getWeight(), "weight [D]")))
    return failure();
  if (getBias() &&
      failed(verifyChannelVector(*this, getInput(), getBias(), "bias [D]")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  if (failed(verifyRank(op, inputType, 4, "input", "[B, H, S, D]")) ||
      failed(verifyShape(op, getPositions().getType(),
                         {inputType.getDimSize(0), inputType.getDimSize(2)},
                         "positions [B, S]")))
    return failure();
  if (!isFinitePositive(getTheta()))
    return emitOpError("expects a finite, positive theta");
  std::optional<ArrayRef<float>> invFreq = getInvFreq();
  if (invFreq)
    for (float f : *invFreq)
      if (!std::isfinite(f) || f <= 0.0f)
        return emitOpError("expects finite, positive inv_freq values");
  FloatAttr ntkFactor = getNtkFactorAttr();
  IntegerAttr ntkMax = getNtkMaxPositionsAttr();
  if (static_cast<bool>(ntkFactor) != static_cast<bool>(ntkMax))
    return emitOpError("expects ntk_factor and ntk_max_positions together");
  if (ntkFactor) {
    float f = ntkFactor.getValue().convertToFloat();
    if (!std::isfinite(f) || f < 1.0f)
      return emitOpError("expects a finite ntk_factor >= 1, got ") << f;
    if (ntkMax.getInt() <= 0)
      return emitOpError("expects a positive ntk_max_positions, got ")
             << ntkMax.getInt();
    if (invFreq)
      return emitOpError("expects inv_freq or dynamic NTK scaling "
                         "(ntk_factor), not both");
  }
  int64_t headDim = inputType.getDimSize(3);
  IntegerAttr rotary = getRotaryDimAttr();
  // Without the attribute the rotary dim is the (possibly dynamic) head dim.
  if (!rotary && ShapedType::isDynamic(headDim))
    return success();
  int64_t rotaryDim = rotary ? rotary.getInt() : headDim;
  if (rotaryDim <= 0 || rotaryDim % 2 != 0)
    return emitOpError() << "expects an even, positive rotary dim, got "
                         << rotaryDim;
  if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
    return emitOpError() << "expects rotary_dim (" << rotaryDim
                         << ") to be at most head_dim (" << headDim << ")";
  if (invFreq && static_cast<int64_t>(invFreq->size()) != rotaryDim / 2)
    return emitOpError() << "expects " << rotaryDim / 2
                         << " inv_freq values (rotary dim / 2), got "
                         << invFreq->size();
  // Dynamic NTK: the exponent R / (R - 2) needs R > 2.
  if (getNtkFactorAttr() && rotaryDim <= 2)
    return emitOpError() << "expects a rotary dim above 2 with ntk_factor "
                            "(the base's exponent is R / (R - 2)), got "
                         << rotaryDim;
  return success();
}

namespace {
/// `rotary_dim` equal to the head dim is the default.
struct DropFullRotaryDim : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    IntegerAttr rotary = op.getRotaryDimAttr();
    if (!rotary || rotary.getInt() != op.getInput().getType().getDimSize(3))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeRotaryDimAttr(); });
    return success();
  }
};
} // namespace

void RopeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<DropFullRotaryDim>(context);
}

//===----------------------------------------------------------------------===//
// EmbeddingOp / LinearOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  Operation *op = getOperation();
  RankedTensorType tableType = getTable().getType();
  if (failed(verifyRank(op, tableType, 2, "table", "[V, D]")))
    return failure();
  if (getOutput().getType().getElementType() != tableType.getElementType())
    return emitOpError("expects the output element type to be the table's");
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(tableType.getDimSize(1));
  return verifyShape(op, getOutput().getType(), expected, "output [ids..., D]");
}

LogicalResult LinearOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  RankedTensorType weightType = getWeight().getType();
  if (inputType.getRank() < 1)
    return emitOpError("expects input of rank >= 1 ([..., K])");
  if (failed(verifyRank(op, weightType, 2, "weight", "[N, K]")))
    return failure();
  Type elementType = inputType.getElementType();
  if (weightType.getElementType() != elementType ||
      getOutput().getType().getElementType() != elementType ||
      (getBias() && getBias().getType().getElementType() != elementType))
    return emitOpError("expects input, weight, bias and output to share an "
                       "element type");
  int64_t k = inputType.getShape().back();
  if (!extentsCompatible(k, weightType.getDimSize(1)))
    return emitOpError() << "expects input K (" << formatExtent(k)
                         << ") to match weight K ("
                         << formatExtent(weightType.getDimSize(1)) << ")";
  int64_t n = weightType.getDimSize(0);
  if (getBias() &&
      failed(verifyShape(op, getBias().getType(), {n}, "bias [N]")))
    return failure();
  SmallVector<int64_t> expected(inputType.getShape().drop_back());
  expected.push_back(n);
  return verifyShape(op, getOutput().getType(), expected, "output [..., N]");
}
