//===- ScanOps.cpp - linear recurrence operations -------------------------===//
//
// This file implements verification of seq.scan and seq.scan_step, which
// share their iteration-space rules and regions, and of seq.causal_conv1d.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

#include "mlir/IR/AffineExpr.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqScanOps.cpp.inc"

/// Decomposes an indexing-map result into (iteration dim, divisor): `d` is
/// (d, 1), `d floordiv c` with c > 0 is (d, c). Anything else would read
/// outside the input or at positions the verifier cannot bound.
static FailureOr<std::pair<unsigned, int64_t>> getDimAccess(AffineExpr expr) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return std::make_pair(dim.getPosition(), int64_t{1});
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary || binary.getKind() != AffineExprKind::FloorDiv)
    return failure();
  auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
  auto divisor = dyn_cast<AffineConstantExpr>(binary.getRHS());
  if (!dim || !divisor || divisor.getValue() <= 0)
    return failure();
  return std::make_pair(dim.getPosition(), divisor.getValue());
}

/// The extents of the iteration space (b, [t,] s1..sk) of a scan-like op,
/// or failure after a diagnostic. `numSeqDims` is 2 for seq.scan (b, t) and
/// 1 for seq.scan_step (b).
template <typename ScanLikeOp>
static FailureOr<SmallVector<int64_t>> getIterationSpace(ScanLikeOp op) {
  constexpr unsigned numSeqDims = ScanLikeOp::kNumSequenceDims;
  RankedTensorType initType = op.getInit().getType();
  if (initType.getRank() < 1)
    return op.emitOpError("expects init of rank >= 1 ([B, S...])");
  if (op.getFinalState().getType() != initType)
    return op.emitOpError()
           << "expects final_state type " << op.getFinalState().getType()
           << " to equal init type " << initType;
  SmallVector<int64_t> space{initType.getDimSize(0)};
  if (numSeqDims == 2)
    space.push_back(op.getOutput().getType().getDimSize(1));
  llvm::append_range(space, initType.getShape().drop_front());
  return space;
}

template <typename ScanLikeOp>
static LogicalResult verifyScanLike(ScanLikeOp op) {
  constexpr unsigned numSeqDims = ScanLikeOp::kNumSequenceDims;
  Operation *operation = op.getOperation();
  if (numSeqDims == 2 && op.getOutput().getType().getRank() < 2)
    return op.emitOpError("expects output of rank >= 2 ([B, T, ...])");
  FailureOr<SmallVector<int64_t>> space = getIterationSpace(op);
  if (failed(space))
    return failure();
  unsigned numDims = space->size();

  ArrayRef<Attribute> maps = op.getIndexingMaps().getValue();
  if (maps.size() != op.getInputs().size())
    return op.emitOpError()
           << "expects one indexing map per input (" << op.getInputs().size()
           << " inputs, " << maps.size() << " maps)";
  for (auto [index, mapAttr, input] : llvm::enumerate(maps, op.getInputs())) {
    AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (map.getNumDims() != numDims || map.getNumSymbols() != 0)
      return op.emitOpError()
             << "expects indexing map #" << index << " to have " << numDims
             << " dimensions and no symbols (the iteration space "
             << (numSeqDims == 2 ? "(b, t, s...)" : "(b, s...)") << ")";
    if (map.getNumResults() != inputType.getRank())
      return op.emitOpError()
             << "expects indexing map #" << index << " to have "
             << inputType.getRank() << " results (the rank of input #" << index
             << "), got " << map.getNumResults();
    for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
      FailureOr<std::pair<unsigned, int64_t>> access = getDimAccess(expr);
      if (failed(access)) {
        std::string rendered;
        llvm::raw_string_ostream os(rendered);
        expr.print(os);
        return op.emitOpError()
               << "expects result " << dim << " of indexing map #" << index
               << " to be an iteration dimension, or one floordiv a "
                  "positive constant (grouped inputs), got "
               << rendered;
      }
      auto [position, divisor] = *access;
      int64_t extent = (*space)[position];
      int64_t actual = inputType.getDimSize(dim);
      if (divisor == 1) {
        if (!extentsCompatible(actual, extent))
          return op.emitOpError()
                 << "expects dimension " << dim << " of input #" << index
                 << " (" << formatExtent(actual)
                 << ") to match iteration dimension " << position << " ("
                 << formatExtent(extent) << ")";
        continue;
      }
      if (ShapedType::isDynamic(extent))
        continue;
      if (extent % divisor != 0 || !extentsCompatible(actual, extent / divisor))
        return op.emitOpError()
               << "expects dimension " << dim << " of input #" << index << " ("
               << formatExtent(actual) << ") to be iteration dimension "
               << position << " (" << extent << ") divided exactly by "
               << divisor;
    }
  }

  ArrayRef<int64_t> reductionDims = op.getReductionDims();
  if (!reductionDims.empty() && op.getReadout().empty())
    return op.emitOpError("expects reduction dims only with a readout region");
  llvm::SmallBitVector reduced(numDims);
  for (int64_t dim : reductionDims) {
    if (dim < numSeqDims || dim >= numDims || reduced.test(dim))
      return op.emitOpError()
             << "expects reduction dims to be distinct state dimensions of "
                "the iteration space (in ["
             << numSeqDims << ", " << numDims << "))";
    reduced.set(dim);
  }
  SmallVector<int64_t> outputShape;
  for (unsigned dim = 0; dim < numDims; ++dim)
    if (!reduced.test(dim))
      outputShape.push_back((*space)[dim]);
  return verifyShape(operation, op.getOutput().getType(), outputShape,
                     "output");
}

template <typename ScanLikeOp>
static LogicalResult verifyScanLikeRegions(ScanLikeOp op) {
  SmallVector<Type> inputElementTypes;
  for (Value input : op.getInputs())
    inputElementTypes.push_back(
        cast<RankedTensorType>(input.getType()).getElementType());
  Type stateType = op.getInit().getType().getElementType();

  Block &step = op.getStep().front();
  if (step.getArgumentTypes() != TypeRange(inputElementTypes))
    return op.emitOpError() << "expects step to take one scalar per input "
                            << formatTypes(inputElementTypes) << ", got "
                            << formatTypes(step.getArgumentTypes());
  auto stepYield = dyn_cast<YieldOp>(step.getTerminator());
  if (!stepYield ||
      stepYield.getValues().getTypes() != TypeRange({stateType, stateType}))
    return op.emitOpError() << "expects step to yield (decay, input) of the "
                               "state element type "
                            << stateType;

  if (op.getReadout().empty()) {
    if (op.getOutput().getType().getElementType() != stateType)
      return op.emitOpError() << "expects the output element type to be the "
                                 "state element type "
                              << stateType << " without a readout";
    return success();
  }
  Block &readout = op.getReadout().front();
  SmallVector<Type> readoutArgs{stateType};
  llvm::append_range(readoutArgs, inputElementTypes);
  if (readout.getArgumentTypes() != TypeRange(readoutArgs))
    return op.emitOpError()
           << "expects readout to take the state element then one scalar "
              "per input "
           << formatTypes(readoutArgs) << ", got "
           << formatTypes(readout.getArgumentTypes());
  Type outputType = op.getOutput().getType().getElementType();
  auto readoutYield = dyn_cast<YieldOp>(readout.getTerminator());
  if (!readoutYield ||
      readoutYield.getValues().getTypes() != TypeRange(outputType))
    return op.emitOpError() << "expects readout to yield one " << outputType;
  return success();
}

LogicalResult ScanOp::verify() { return verifyScanLike(*this); }
LogicalResult ScanOp::verifyRegions() { return verifyScanLikeRegions(*this); }
LogicalResult ScanStepOp::verify() { return verifyScanLike(*this); }
LogicalResult ScanStepOp::verifyRegions() {
  return verifyScanLikeRegions(*this);
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  RankedTensorType weightType = getWeight().getType();
  if (failed(verifyRank(op, inputType, 3, "input", "[B, S, C]")) ||
      failed(verifyRank(op, weightType, 2, "weight", "[C, K]")))
    return failure();
  int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(2);
  int64_t kernel = weightType.getDimSize(1);
  if (ShapedType::isDynamic(kernel) || kernel < 1)
    return emitOpError("expects a static kernel size K >= 1, got ")
           << formatExtent(kernel);
  if (failed(verifyShape(op, weightType, {channels, kernel}, "weight [C, K]")))
    return failure();
  if (getBias() &&
      failed(verifyShape(op, getBias().getType(), {channels}, "bias [C]")))
    return failure();
  RankedTensorType finalType = getFinalState().getType();
  if (failed(verifyShape(op, finalType, {batch, kernel - 1, channels},
                         "final_state [B, K-1, C]")))
    return failure();
  if (getState()) {
    RankedTensorType stateType = getState().getType();
    if (failed(verifyShape(op, stateType, {batch, kernel - 1, channels},
                           "state [B, K-1, C]")))
      return failure();
    if (stateType.getElementType() != finalType.getElementType())
      return emitOpError("expects state and final_state of one element type, "
                         "got ")
             << stateType.getElementType() << " and "
             << finalType.getElementType();
  }
  return success();
}
