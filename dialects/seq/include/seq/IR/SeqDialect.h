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

#define GET_ATTRDEF_CLASSES
#include "seq/IR/SeqAttrs.h.inc"

#endif // SEQ_IR_SEQDIALECT_H
