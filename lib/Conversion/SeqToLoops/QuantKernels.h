//===- QuantKernels.h - kernels over block-quantized weights ----*- C++ -*-===//
//
// The inner kernels of seq.quantized_linear and seq.quantized_embedding
// (and of fusions into them): packed GGUF blocks are unpacked to f32 in
// registers, block by block, and never written back to memory.
//
// Every kernel takes the target's f32 lane count (TilingOptions::
// vectorWidth); 0 means scalar loops.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_QUANTKERNELS_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_QUANTKERNELS_H

#include "LoopBuilder.h"
#include "seq/IR/SeqDialect.h"

namespace mlir {
namespace seq {

/// The chunk width for a target's f32 lane count: whole chunks must tile
/// the 16 nibble bytes of a q4 block, so widths above 16 use 16 and widths
/// that do not divide 16 use scalars (0).
int64_t quantLanes(int64_t vectorWidth);

/// A projection tile over packed weights: for (r, c) in [r0, r1) x [c0, c1),
/// y[r, c] = x[r - xRow0, :K] . dequant(packed[c]) (+ bias[c]), in register
/// blocks of 4 rows x 2 features (1 x 4 for the remaining rows) that unpack
/// each weight block once for all their rows.
void quantizedProjectRows(LoopBuilder &b, QuantFormat format,
                          int64_t vectorWidth, Value r0, Value r1, Value c0,
                          Value c1, int64_t k, Value x, Value xRow0,
                          Value packed, Value bias, Value y);

/// y[yRow, :K] = dequant(packed[row]).
void dequantizeRow(LoopBuilder &b, QuantFormat format, int64_t vectorWidth,
                   Value packed, Value row, int64_t k, Value y, Value yRow);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_QUANTKERNELS_H
