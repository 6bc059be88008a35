//===- SeqOps.td - all seq operations ----------------------*- tablegen -*-===//
//
// Umbrella file that includes every seq operation family; used to generate
// the dialect reference in docs/.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQOPS_TD
#define SEQ_IR_SEQOPS_TD

include "seq/IR/SeqAttrs.td"
include "seq/IR/SeqAttentionOps.td"
include "seq/IR/SeqScanOps.td"
include "seq/IR/SeqMoEOps.td"
include "seq/IR/SeqDecodeOps.td"
include "seq/IR/SeqModelOps.td"
include "seq/IR/SeqQuantOps.td"

#endif // SEQ_IR_SEQOPS_TD
