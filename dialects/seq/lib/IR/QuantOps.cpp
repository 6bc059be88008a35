//===- QuantOps.cpp - linear and embedding over quantized weights ---------===//
//
// This file implements verification of seq.quantized_linear and
// seq.quantized_embedding: the packed weight's row size must be the
// unpacked width in whole blocks of the op's format.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "seq/IR/SeqOps.h"

using namespace mlir;
using namespace mlir::seq;

#define GET_OP_CLASSES
#include "seq/IR/SeqQuantOps.cpp.inc"

/// Checks a packed `[rows, RB]` weight: rank 2 and a static row size in
/// whole blocks of `format`.
static LogicalResult verifyPackedMatrix(Operation *op, RankedTensorType type,
                                        QuantFormat format, StringRef what,
                                        StringRef layout) {
  if (failed(verifyRank(op, type, 2, what, layout)))
    return failure();
  int64_t rowBytes = type.getDimSize(1);
  if (ShapedType::isDynamic(rowBytes))
    return op->emitOpError()
           << "expects a static packed row size (" << what << " dim 1)";
  int64_t bytes = blockBytes(format);
  if (rowBytes % bytes != 0)
    return op->emitOpError()
           << "expects the packed row size (" << rowBytes
           << " bytes) to be a whole number of " << stringifyQuantFormat(format)
           << " blocks (" << bytes << " bytes each)";
  return success();
}

LogicalResult QuantizedLinearOp::verify() {
  Operation *op = getOperation();
  RankedTensorType inputType = getInput().getType();
  RankedTensorType weightType = getWeight().getType();
  QuantFormat format = getFormat();
  StringRef name = stringifyQuantFormat(format);
  if (inputType.getRank() < 1)
    return emitOpError("expects input of rank >= 1 ([..., K])");
  int64_t k = inputType.getShape().back();
  if (ShapedType::isDynamic(k))
    return emitOpError("expects a static K (the input's last dimension)");
  int64_t elements = blockElements(format);
  if (k % elements != 0)
    return emitOpError() << "expects K (" << k << ") to be a multiple of the "
                         << name << " block size (" << elements << ")";
  if (failed(verifyPackedMatrix(op, weightType, format, "weight", "[N, RB]")))
    return failure();
  int64_t rowBytes = k / elements * blockBytes(format);
  if (weightType.getDimSize(1) != rowBytes)
    return emitOpError() << "expects weight [N, RB] with RB = K / " << elements
                         << " * " << blockBytes(format) << " = " << rowBytes
                         << " bytes for " << name << " and K = " << k
                         << ", got RB = " << weightType.getDimSize(1);
  int64_t n = weightType.getDimSize(0);
  if (getBias() &&
      failed(verifyShape(op, getBias().getType(), {n}, "bias [N]")))
    return failure();
  SmallVector<int64_t> expected(inputType.getShape().drop_back());
  expected.push_back(n);
  return verifyShape(op, getOutput().getType(), expected, "output [..., N]");
}

LogicalResult QuantizedEmbeddingOp::verify() {
  Operation *op = getOperation();
  RankedTensorType tableType = getTable().getType();
  QuantFormat format = getFormat();
  if (failed(verifyPackedMatrix(op, tableType, format, "table", "[V, RB]")))
    return failure();
  int64_t width =
      tableType.getDimSize(1) / blockBytes(format) * blockElements(format);
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(width);
  return verifyShape(op, getOutput().getType(), expected, "output [ids..., D]");
}
