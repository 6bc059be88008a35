//===- Passes.h - seq conversion passes -------------------------*- C++ -*-===//
//
// This file declares the passes that lower seq ops towards code.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_CONVERSION_PASSES_H
#define SEQC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace seq {

#define GEN_PASS_DECL
#include "seqc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqc/Conversion/Passes.h.inc"

} // namespace seq
} // namespace mlir

#endif // SEQC_CONVERSION_PASSES_H
