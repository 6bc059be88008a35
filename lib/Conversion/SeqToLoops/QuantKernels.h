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

#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace seq {

/// The chunk width for a target's f32 lane count: whole chunks must tile
/// the 16 nibble bytes of a q4 block, so widths above 16 use 16 and widths
/// that do not divide 16 use scalars (0).
int64_t quantLanes(int64_t vectorWidth);

/// A projection tile over packed weights: for (r, c) in [r0, r1) x [c0, c1),
/// y[r, c] = x[r - xRow0, :K] . dequant(packed[c]) (+ bias[c]), in register
/// blocks of tiling.quantBlockRows rows x quantBlockFeatures features
/// (1 x quantDecodeFeatures for the remaining rows) that unpack each weight
/// block once for all their rows; f32 chunks of tiling.vectorWidth lanes.
void quantizedProjectRows(LoopBuilder &b, QuantFormat format,
                          const TilingOptions &tiling, Value r0, Value r1,
                          Value c0, Value c1, int64_t k, Value x, Value xRow0,
                          Value packed, Value bias, Value y);

/// The packed rows `ahead` rows after each of `cols` (clamped to the last
/// row of `packed`): where prefetchBlock reads ahead; empty when `ahead`
/// is 0.
SmallVector<Value> prefetchRows(LoopBuilder &b, Value packed,
                                ArrayRef<Value> cols, int64_t ahead);

/// Prefetches the bytes at `offset` of each of `rows` of `packed` into the
/// caches (memref.prefetch, a hint that never faults).
void prefetchBlock(LoopBuilder &b, Value packed, ArrayRef<Value> rows,
                   Value offset);

/// Activation rows quantized to 8 bits per 32-element block (the
/// int8-activation path, QuantInt8.cpp): q [rows, K] i8, scale [rows, K/32]
/// f32 (x ~ scale * q), sum [K/32, rows] f32 (scale * the block's sum of q,
/// transposed: one block's sums of consecutive rows are contiguous).
struct Int8Rows {
  Value q, scale, sum;
};

/// Whether `format` has an int8-activation kernel (q8_0, q4_0, q4_1).
bool int8ActivationFormat(QuantFormat format);

/// Heap buffers for `rows` quantized activation rows of `k` elements.
Int8Rows allocInt8Rows(LoopBuilder &b, Value rows, int64_t k);

/// Quantizes f32 row `srcRow` of `src` ([*, K]) into row `dstRow` of `dst`,
/// per 32-element block as ggml's quantize_row_q8_0 (d = max|x| / 127,
/// q = round-half-away(x * (1 / d))), with d kept in f32.
void quantizeRowInt8(LoopBuilder &b, Value src, Value srcRow, int64_t k,
                     const Int8Rows &dst, Value dstRow);

/// quantizedProjectRows on quantized activations: y[r, c] for (r, c) in
/// [r0, r1) x [c0, c1) from row r of `x`, with integer block dot products
/// (vpmaddubsw/vpmaddwd when tiling.x86Avx2, portable vector code
/// otherwise), in register blocks of tiling.quantInt8BlockRows rows x
/// quantInt8BlockFeatures features (1 x quantDecodeFeatures for the
/// remaining rows).
void quantizedProjectRowsInt8(LoopBuilder &b, QuantFormat format,
                              const TilingOptions &tiling, Value r0, Value r1,
                              Value c0, Value c1, int64_t k, const Int8Rows &x,
                              Value packed, Value bias, Value y);

/// Declares (erases when unused) the LLVM intrinsics the AVX2 int8 kernels
/// call as private func.func declarations named as the intrinsics.
void declareX86Intrinsics(ModuleOp module);
void eraseUnusedX86Intrinsics(ModuleOp module);

/// y[yRow, :K] = dequant(packed[row]).
void dequantizeRow(LoopBuilder &b, QuantFormat format, int64_t vectorWidth,
                   Value packed, Value row, int64_t k, Value y, Value yRow);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_QUANTKERNELS_H
