//===- SeqDialect.h - seq dialect, enums and attributes ---------*- C++ -*-===//
//
// This file declares the seq dialect with its enumerations and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQDIALECT_H
#define SEQ_IR_SEQDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "seq/IR/SeqDialect.h.inc"
#include "seq/IR/SeqEnums.h.inc"

namespace mlir {
namespace seq {
/// Elements per block of a block-quantized format (ggml's QK_*).
int64_t blockElements(QuantFormat format);
/// Bytes per block of a block-quantized format (sizeof(block_*) in ggml).
int64_t blockBytes(QuantFormat format);
} // namespace seq
} // namespace mlir

#define GET_ATTRDEF_CLASSES
#include "seq/IR/SeqAttrs.h.inc"

#endif // SEQ_IR_SEQDIALECT_H
