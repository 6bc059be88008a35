//===- MmaTileStep.h - the shared matrix tile step of GPU GEMMs -*- C++ -*-===//
//
// This file declares the tile step that the GPU GEMM kernels share (the
// linear kernel, the quantized linear kernel's prefill form and the MoE
// grouped GEMMs): per K step, each warp (wavefront) loads its fragments
// from the block's workgroup tiles in the matrix instruction's register
// layout and issues mma.sync m16n8k16 (CUDA) or MFMA 16x16x16 (HIP), or,
// without a matrix instruction, per-thread f32 FMAs; after the K loop, the
// epilogue walks the lane's accumulator elements with their (row, column)
// in the output, and linear outputs are stored with their bias. The
// linear kernels' K-step tile fill (the sm_80 and sm_90a forms: 16-byte
// cp.async copies, or element by element when rows are not whole 16-byte
// chunks) is here too (fillTilesAsync).
//
// The layouts (PTX ISA "Matrix Fragments for mma.m16n8k16"; CDNA3 ISA,
// wave64 MFMA), g = lane / 4, t = lane % 4, i = lane % 16, q = lane / 16:
//
//   mma.sync A (vector<4x2>) register r, element j: row g + 8 (r % 2),
//                                                   col 2t + j + 8 (r / 2)
//            B (vector<2x2>) register r, element j: k 2t + j + 8r, col g
//            C (vector<2x2>) register r, element j: row g + 8r, col 2t + j
//   MFMA     A (vector<4>) element j: row i, k 4q + j
//            B (vector<4>) element j: k 4q + j, col i
//            D (vector<4>) element j: row 4q + j, col i
//
// Tiles are row-major [rows, depth] in workgroup memory: A is [blockM,
// depth] (the input rows), each B [blockN, depth] (weight rows: B's
// column n is tile row n). Two-buffer tiles ([2, rows, depth], cp.async)
// take the buffer index as their first subscript (setStage).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_GPU_MMATILESTEP_H
#define SEQC_LIB_TARGET_GPU_MMATILESTEP_H

#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/KernelDispatch.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace mlir {
namespace seq {

/// Deliberate bugs of the tile step for the emulator's mutation tests.
struct MmaTileMutation {
  /// A-fragment registers in the wrong order (mma.sync: the row and k
  /// halves exchanged; MFMA: lanes numbered down the k groups).
  bool swapFragmentLanes = false;
  /// The A tile read one row off.
  bool sharedOffByOne = false;
};

/// The tile step of one kernel: `config` gives the block tile, the warp
/// grid and the matrix instruction (none: f32 FMAs); `elementType` is the
/// tiles' element type.
class MmaTileStep : IndexMath {
public:
  enum class Kind { MmaSync, Mfma, Fma };

  MmaTileStep(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
              Type elementType, Value tid, Value lane, Value warpM, Value warpN,
              MmaTileMutation mutation = {});

  Kind kind() const { return stepKind; }
  /// Accumulators per B operand of a lane: matrix-instruction tiles
  /// (vector<2x2xf32> / vector<4xf32>) or f32 outputs (FMA).
  int64_t tilesPerOperand() const;
  /// Zero accumulators for `operands` B tiles, operand-major.
  SmallVector<Value> zeroAccumulators(int64_t operands);

  /// The buffer index of two-buffer tiles; null for one buffer.
  void setStage(Value stage) { this->stage = stage; }

  /// One matrix-instruction step: the fragments of columns [k0, k0 + 16)
  /// of `aTile` and of each of `bTiles` (every B tile shares the A
  /// fragments), the accumulators `acc` (operand-major) updated.
  /// Without k0 the columns start at 0. FMA: all config.blockK columns.
  SmallVector<Value> step(Value aTile, ArrayRef<Value> bTiles, ValueRange acc,
                          std::optional<int64_t> k0 = std::nullopt);

  /// Calls `fn(row, col, values)` for each accumulator element of the lane:
  /// its row and column in the block's tile (plus `rowOrigin` and
  /// `colOrigin` when they are given) and its value for each of the
  /// `operands` B tiles.
  void forEachOutput(ValueRange acc, int64_t operands, Value rowOrigin,
                     Value colOrigin,
                     function_ref<void(Value, Value, ArrayRef<Value>)> fn);

private:
  Value load(Value tile, Value row, Value col);

  SmallVector<Value> stepMmaSync(Value aTile, ArrayRef<Value> bTiles,
                                 ValueRange acc, std::optional<int64_t> k0);
  SmallVector<Value> stepMfma(Value aTile, ArrayRef<Value> bTiles,
                              ValueRange acc, std::optional<int64_t> k0);
  SmallVector<Value> stepFma(Value aTile, ArrayRef<Value> bTiles,
                             ValueRange acc);
  /// warpIndex * warpExtent (+ origin) + offset: a warp's output row or
  /// column base.
  Value outputBase(Value origin, Value warpIndex, int64_t warpExtent,
                   Value offset);

  const GPULinearConfig &config;
  Type elementType;
  Value tid, lane, warpM, warpN;
  MmaTileMutation mutation;
  Kind stepKind;
  Value stage;
  int64_t warpRows, warpCols;
};

/// One operand of a linear K step: rows [rowBase, rowBase + rows) of the
/// row-major matrix `source` [rowLimit, K] go into workgroup tile `tile`.
struct TileOperand {
  Value source, tile, rowBase, rowLimit;
  int64_t rows;
};

/// The indices of element (row, col) of a tile (with the buffer index
/// first for two-buffer tiles, or in the wgmma core-matrix layout).
using TileIndexFn = function_ref<SmallVector<Value>(Value, Value)>;

/// Copies columns [k0, k0 + config.blockK) of `operand`'s rows into its
/// tile, element by element, zero outside rowLimit x depthK: thread `tid`
/// of config.threads() copies elements tid, tid + threads, ... (row-major).
void fillTileSync(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                  Type elementType, Value tid, const TileOperand &operand,
                  Value k0, Value depthK, TileIndexFn indices);

/// The X and W tiles of the K step at k0 by cp.async (sm_80+): when K is a
/// whole number of 16-byte chunks, thread `tid` issues the 16-byte copies
/// (cp.async.cg) of chunks tid, tid + threads, ... (X's first, then W's:
/// X's chunk count is a whole number of warps, so a warp takes one side),
/// rows past the limit and chunks past K zero-filled by a source size of 0
/// from an in-bounds address; otherwise fillTileSync of both. The tiles
/// must be aligned to kAsyncCopyTileAlignment (alignWorkgroupBuffers).
void fillTilesAsync(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                    Type elementType, Value tid, const TileOperand &x,
                    const TileOperand &w, Value k0, Value depthK,
                    TileIndexFn indices);

/// The linear epilogue: y[row, col] = value (+ bias[col]) when row < rows
/// and col < cols; the bias is widened to f32 and the sum rounded to y's
/// element type when that is not f32. `bias` may be null.
void storeLinearOutput(ImplicitLocOpBuilder &b, Value value, Value row,
                       Value col, Value rows, Value cols, Value bias, Value y);

/// What a GEMM-family kernel (Y = X W^T (+ b): the linear kernels, sm_80
/// and sm_90a, and the quantized prefill kernel) reads first: its
/// arguments X, W, the bias (null without) and Y (the last), its two
/// workgroup tiles, and, created in this order at `b`'s insertion point,
/// the thread id, the block ids x and y, M = dim(X, 0), K = dim(X, 1),
/// N = dim(W, 0) and the tile origin m0 = block y * blockM, n0 = block x *
/// blockN.
struct LinearKernelFrame {
  Value x, w, bias, y, sx, sw;
  Value tid, rowsM, depthK, colsN, m0, n0;
};
LinearKernelFrame beginLinearKernel(ImplicitLocOpBuilder &b,
                                    gpu::GPUFuncOp func, bool hasBias,
                                    int64_t blockM, int64_t blockN);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_TARGET_GPU_MMATILESTEP_H
