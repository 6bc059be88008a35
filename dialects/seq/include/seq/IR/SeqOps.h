//===- SeqOps.h - seq operations --------------------------------*- C++ -*-===//
//
// This file declares all operations of the seq dialect.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQOPS_H
#define SEQ_IR_SEQOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "seq/IR/SeqDialect.h"

namespace mlir {
namespace seq {
// Ops that `seq.yield` names as parents before their declarations.
class ScanOp;
class ScanStepOp;
class DecodeLoopOp;
class SpeculativeDecodeLoopOp;
class TreeSpeculativeDecodeLoopOp;
class BeamSearchLoopOp;
} // namespace seq
} // namespace mlir

#define GET_OP_CLASSES
#include "seq/IR/SeqAttentionOps.h.inc"
#define GET_OP_CLASSES
#include "seq/IR/SeqScanOps.h.inc"
#define GET_OP_CLASSES
#include "seq/IR/SeqMoEOps.h.inc"
#define GET_OP_CLASSES
#include "seq/IR/SeqDecodeOps.h.inc"
#define GET_OP_CLASSES
#include "seq/IR/SeqModelOps.h.inc"
#define GET_OP_CLASSES
#include "seq/IR/SeqQuantOps.h.inc"

#endif // SEQ_IR_SEQOPS_H
