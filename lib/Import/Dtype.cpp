//===- Dtype.cpp - the importer's --dtype and --kv-cache-dtype ------------===//
//
// This file implements the storage dtypes an import may choose: their names
// and types, the rounding of activations to --dtype, and the check that
// refuses it for the families it is not implemented for
// (docs/design/Import.md, "Activation dtype").
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"

#include "seqc/Import/Import.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::seq;

StringRef mlir::seq::stringifyImportDtype(ImportDtype dtype) {
  switch (dtype) {
  case ImportDtype::F32:
    return "f32";
  case ImportDtype::BF16:
    return "bf16";
  case ImportDtype::F16:
    return "f16";
  }
  llvm_unreachable("unknown ImportDtype");
}

Type mlir::seq::getImportDtypeType(MLIRContext *context, ImportDtype dtype) {
  Builder b(context);
  switch (dtype) {
  case ImportDtype::F32:
    return b.getF32Type();
  case ImportDtype::BF16:
    return b.getBF16Type();
  case ImportDtype::F16:
    return b.getF16Type();
  }
  llvm_unreachable("unknown ImportDtype");
}

LogicalResult mlir::seq::checkActivationDtype(Location loc,
                                              const ImportOptions &options,
                                              StringRef family) {
  if (options.dtype == ImportDtype::F32 || family != "recurrent_gemma")
    return success();
  return emitError(loc) << "--dtype=" << stringifyImportDtype(options.dtype)
                        << ": 2-byte activations are not implemented for "
                        << family
                        << " (its RG-LRU block is not checked against "
                           "transformers in that dtype); --kv-cache-dtype="
                        << stringifyImportDtype(options.dtype)
                        << " keeps its local attention's KV caches in 2 bytes";
}

Value mlir::seq::roundToActivationDtype(OpBuilder &b, Location loc, Value v,
                                        ImportDtype dtype) {
  if (dtype == ImportDtype::F32)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  Type narrow = getImportDtypeType(b.getContext(), dtype);
  // In place on `v` (a fresh op result): no tensor.empty to share.
  auto id = AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{}, ValueRange{v},
             ArrayRef<AffineMap>{id}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value t = arith::TruncFOp::create(nb, nl, narrow, args[0]);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::ExtFOp::create(nb, nl, args[0].getType(), t)
                       .getResult());
             })
      ->getResult(0);
}

double mlir::seq::roundToActivationDtype(double value, ImportDtype dtype) {
  const llvm::fltSemantics *semantics = &llvm::APFloat::IEEEsingle();
  if (dtype == ImportDtype::BF16)
    semantics = &llvm::APFloat::BFloat();
  else if (dtype == ImportDtype::F16)
    semantics = &llvm::APFloat::IEEEhalf();
  llvm::APFloat f(value);
  bool lost;
  f.convert(*semantics, llvm::APFloat::rmNearestTiesToEven, &lost);
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}
