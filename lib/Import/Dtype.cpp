//===- Dtype.cpp - the importer's --dtype and --kv-cache-dtype ------------===//
//
// This file implements the storage dtypes an import may choose: their names
// and types, and the check that refuses activation dtypes other than f32
// (docs/design/Import.md, "KV-cache dtype").
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"

#include "seqc/Import/Import.h"

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
                                              const ImportOptions &options) {
  if (options.dtype == ImportDtype::F32)
    return success();
  return emitError(loc)
         << "--dtype=" << stringifyImportDtype(options.dtype)
         << ": activations in 2 bytes are not implemented (seq.linear and "
            "seq.embedding need the activations in the weights' dtype, "
            "seq.quantized_linear and seq.quantized_embedding, which read "
            "every bf16/f16/GGUF matrix, take f32 activations only); "
            "--kv-cache-dtype="
         << stringifyImportDtype(options.dtype)
         << " keeps the KV caches in 2 bytes";
}
