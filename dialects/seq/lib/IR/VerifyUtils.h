//===- VerifyUtils.h - shape checks shared by seq verifiers -----*- C++ -*-===//
//
// Small helpers the seq verifiers use to compare possibly-dynamic shapes and
// to print them in diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_LIB_IR_VERIFYUTILS_H
#define SEQ_LIB_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/ArrayRef.h"
#include <string>

namespace mlir {
namespace seq {

/// True if two extents can be equal: equal, or either is dynamic.
bool extentsCompatible(int64_t a, int64_t b);

/// True if both shapes have the same rank and compatible extents.
bool shapesCompatible(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Renders a shape as `[2, ?, 64]`.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Renders an extent, `?` for dynamic.
std::string formatExtent(int64_t extent);

/// Emits "expects <what> of rank <rank> (<layout>), got rank N" unless
/// `type` has that rank.
LogicalResult verifyRank(Operation *op, RankedTensorType type, int64_t rank,
                         llvm::StringRef what, llvm::StringRef layout);

/// Emits "expects <what> of shape <expected>, got <actual>" unless
/// `type`'s shape is compatible with `expected` (which may hold dynamic
/// extents).
LogicalResult verifyShape(Operation *op, RankedTensorType type,
                          llvm::ArrayRef<int64_t> expected,
                          llvm::StringRef what);

/// True for a finite value > 0 (the constraint on scales, epsilons, ...).
bool isFinitePositive(const llvm::APFloat &value);

/// Renders a type list as `(f32, index)`.
std::string formatTypes(TypeRange types);

} // namespace seq
} // namespace mlir

#endif // SEQ_LIB_IR_VERIFYUTILS_H
