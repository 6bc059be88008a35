//===- VerifyUtils.cpp - shape checks shared by seq verifiers -------------===//
//
// This file implements the shape helpers used by the seq op verifiers.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

bool seq::extentsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

bool seq::shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip_equal(a, b))
    if (!extentsCompatible(x, y))
      return false;
  return true;
}

std::string seq::formatExtent(int64_t extent) {
  return ShapedType::isDynamic(extent) ? "?" : std::to_string(extent);
}

std::string seq::formatShape(ArrayRef<int64_t> shape) {
  std::string result = "[";
  llvm::raw_string_ostream os(result);
  llvm::interleaveComma(shape, os,
                        [&](int64_t extent) { os << formatExtent(extent); });
  os << "]";
  return result;
}

bool seq::isFinitePositive(const APFloat &value) {
  return value.isFinite() && !value.isNegative() && !value.isZero();
}

std::string seq::formatTypes(TypeRange types) {
  std::string result = "(";
  llvm::raw_string_ostream os(result);
  llvm::interleaveComma(types, os);
  os << ")";
  return result;
}

LogicalResult seq::verifyRank(Operation *op, RankedTensorType type,
                              int64_t rank, StringRef what, StringRef layout) {
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "expects " << what << " of rank " << rank << " ("
                           << layout << "), got rank " << type.getRank();
}

LogicalResult seq::verifyShape(Operation *op, RankedTensorType type,
                               ArrayRef<int64_t> expected, StringRef what) {
  if (shapesCompatible(type.getShape(), expected))
    return success();
  return op->emitOpError() << "expects " << what << " of shape "
                           << formatShape(expected) << ", got "
                           << formatShape(type.getShape());
}
