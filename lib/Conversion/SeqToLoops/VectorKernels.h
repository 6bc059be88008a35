//===- VectorKernels.h - register-blocked vector-dialect kernels -*- C++
//-*-===//
//
// The inner kernels of the tiled lowerings, written with `vector` ops so the
// register blocking is explicit rather than left to LLVM's loop vectoriser:
// dot products of a few rows against a few rows with every accumulator in a
// register and each loaded vector reused across the block, and the
// rescale-and-accumulate update of flash attention's output rows.
//
// Every kernel takes the target's f32 lane count (`width`, from
// TilingOptions::vectorWidth); 0 means scalar loops.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_VECTORKERNELS_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_VECTORKERNELS_H

#include "LoopBuilder.h"

namespace mlir {
namespace seq {

/// The elements `buffer[prefix..., k]` of a buffer whose innermost dimension
/// is contiguous.
struct Row {
  Value buffer;
  SmallVector<Value, 4> prefix;
};

/// `width` elements of `row` from `k` on, widened to vector<width x f32>.
Value loadRowVector(LoopBuilder &b, const Row &row, Value k, int64_t width);

/// f32 dot products of every `lhs` row with every `rhs` row over the
/// innermost range [0, length): result[i * rhs.size() + j]. Whole vectors
/// use `width`-lane FMAs with all lhs.size() * rhs.size() accumulators in
/// registers (each loaded vector feeds rhs.size() or lhs.size() FMAs) and a
/// horizontal add at the end; the remainder past the last whole vector (the
/// whole range when width is 0) runs scalar. Each whole-vector step also
/// prefetches the same elements of the `prefetch` rows (a hint that never
/// faults; `localityHint` 3: into L1, 2: into L2).
SmallVector<Value> dotProducts(LoopBuilder &b, ArrayRef<Row> lhs,
                               ArrayRef<Row> rhs, Value length, int64_t width,
                               ArrayRef<Row> prefetch = {},
                               int64_t localityHint = 3);

/// The scalar tail of dotProducts: sums[i * rhs.size() + j] plus
/// lhs[i][k] * rhs[j][k] over k in [from, length), as one scf.for.
SmallVector<Value> scalarDotTail(LoopBuilder &b, ArrayRef<Row> lhs,
                                 ArrayRef<Row> rhs, Value from, Value length,
                                 ArrayRef<Value> sums);

/// Visits [lo, hi) as groups of `group` consecutive indices and then the
/// remainder one at a time: body(start, count) with count `group` or 1.
/// Requires lo <= hi.
void forGroups(LoopBuilder &b, Value lo, Value hi, int64_t group,
               llvm::function_ref<void(Value, int64_t)> body);

/// The rows of a projection's right-hand side at output column `c` (one
/// weight row, or several for fused projections such as gate and up).
using ColumnRows = llvm::function_ref<SmallVector<Row>(Value c)>;

/// Software prefetch of a block's right-hand rows. One-row blocks (decode
/// streams its weights): those of column min(c + ahead, last) while column
/// c is computed (into L1); ahead 0: none. Blocks of several rows (prefill
/// reuses its weights from cache, but reads each from memory once): with
/// `spread` set, the full column block at column c prefetches (into L2)
/// the rows of the one column min(spread + (c - spreadOrigin) / blockCols,
/// last); see withTilePrefetch.
struct RowPrefetch {
  int64_t ahead = 0;
  Value last;
  Value spread, spreadOrigin;
};

/// Emits `body` for the tile of columns [c0, c0 + tileWidth) and row tile
/// `rowTile` of a tile loop whose row tiles of one column tile run in
/// order (columns outermost): while the next column tile's weight rows
/// are still to be read, the first row tiles each prefetch
/// tileWidth / blockCols of its columns, one per column block of
/// `blockCols` (so the rows arrive while this tile computes instead of
/// stalling the next one); later row tiles, `prefetch.ahead` 0, or `rows`
/// (the loop's row count) known to be 1 run `body(prefetch)` without it.
void withTilePrefetch(LoopBuilder &b, const RowPrefetch &prefetch, Value c0,
                      int64_t tileWidth, int64_t blockCols, Value rowTile,
                      Value rows,
                      llvm::function_ref<void(const RowPrefetch &)> body);

/// Visits every (r, c) in [r0, r1) x [c0, c1) with the dot products of
/// lhsRow(r) against each of rhsRows(c) over [0, length), computed in
/// register blocks of `blockRows` x `blockCols` (remainders singly):
/// out(r, c, dots). With width 8 a 2 x 4 block keeps 8 accumulators and
/// loads 6 vectors per 8 FMAs instead of 2 per FMA. Blocks of one row
/// (decode) prefetch as `prefetch` says.
void blockedDots(
    LoopBuilder &b, Value r0, Value r1, Value c0, Value c1, Value length,
    int64_t width, llvm::function_ref<Row(Value r)> lhsRow, ColumnRows rhsRows,
    llvm::function_ref<void(Value r, Value c, ArrayRef<Value>)> out,
    int64_t blockRows = 2, int64_t blockCols = 4,
    const RowPrefetch &prefetch = {});

/// A projection tile: y[r, c] = lhsRow(r) . weight[c, :] (+ bias[c]) for
/// (r, c) in [r0, r1) x [c0, c1), in register blocks of `blockRows` rows x
/// 4 columns;
/// one-row blocks prefetch the weight rows `prefetchAhead` on (0: none).
/// With `rowTile` (the tile's index among the row tiles of its column
/// tile, [c0, c0 + tileWidth), of a loop over `rows` rows), the next column
/// tile's weight rows are prefetched as withTilePrefetch says.
void projectRows(LoopBuilder &b, Value r0, Value r1, Value c0, Value c1,
                 Value length, int64_t width,
                 llvm::function_ref<Row(Value r)> lhsRow, Value weight,
                 Value bias, Value y, int64_t prefetchAhead = 0,
                 Value rowTile = Value(), Value rows = Value(),
                 int64_t tileWidth = 0, int64_t blockRows = 2);

/// The transpose of a square block of f32 held as `rows` (n vectors of n
/// lanes, n a power of two: 16 on AVX-512, 8 on AVX2): result[i] lane j =
/// rows[j] lane i. log2(n) stages of n two-source vector.shuffles, each
/// swapping the off-diagonal sub-blocks of one size (16 x 16: 64
/// shuffles, which LLVM selects as vshuff32x4 / vshufps / vpermt2ps). For
/// kernels whose registers hold one layout and whose memory wants the
/// other (the panel kernel's packing and epilogue), so loads and stores
/// stay whole vectors instead of gathers and scatters.
SmallVector<Value> transposeSquare(LoopBuilder &b, ArrayRef<Value> rows);

/// `value` as an f32 constant shaped like `like` (a scalar, or a splat of
/// like's vector type).
Value splatLike(LoopBuilder &b, float value, Value like);

/// buffer[c] (1-D, any float type) widened to f32, shaped like `like`: a
/// scalar, or the elements [c, c + lanes) as a vector when `like` is one.
Value loadLike(LoopBuilder &b, Value buffer, Value c, Value like);

/// Stores an f32 scalar or vector at buffer[indices] (a vector: along the
/// innermost dimension), narrowed to the buffer's element type.
void storeLike(LoopBuilder &b, Value value, Value buffer, ValueRange indices);

/// The prefill projections' panel kernel (TilingOptions::linearPanel*).
/// Rows are packed transposed, `lanes` = linearPanelVectors x vectorWidth
/// rows per panel: a new heap buffer xT [ceil(rows / lanes)][k][lanes] of
/// f32 with xT[p][i][l] = x[p * lanes + l, i] (zero past the last row),
/// filled in one parallel pass over panels: whole vectorWidth x
/// vectorWidth blocks are loaded as rows of x and stored transposed
/// (transposeSquare), the last k % vectorWidth elements scalar. `x` is
/// [rows, k], any float type.
Value packRowPanels(LoopBuilder &b, const TilingOptions &options, Value x,
                    Value rows, Value k);

/// The sums of one column of a panel tile: y[r, c] = combine(c, sums) with
/// sums[i] = x[r] . rhsRows(c)[i], f32 scalars, or (the epilogue's whole
/// blocks) vectors of the vectorWidth columns from c on; combine returns
/// the same shape (splatLike and loadLike build either).
using PanelCombine = llvm::function_ref<Value(Value c, ArrayRef<Value> sums)>;

/// Rows per tile of the panel kernel: as many whole panels as a depth
/// block has elements (linearPanelDepth rows, at least one panel), so a
/// tile's packed rows of one depth block (depth x depth f32: 256 KiB at
/// 256) stay in L2 while each register block's weight rows (its depth
/// block) stay in L1 across the tile's panels.
int64_t panelChunkRows(const TilingOptions &options);

/// Features per tile of the panel kernel for a reduction of `k`:
/// linearPanelWideFeatureTile when k is known to exceed
/// linearPanelWideDepth, else linearPanelFeatureTile.
int64_t panelFeatureTile(const TilingOptions &options, Value k);

/// One tile of a prefill projection on the panel kernel: the rows of
/// chunk `chunk` of `xT` (packRowPanels; panels [chunk * C, min(panels,
/// (chunk + 1) * C)), C = panelChunkRows / lanes) x columns [c0, c1) (at most
/// panelFeatureTile of them), each column `perCol` right-hand rows
/// (1; gate and up: 2) of `k` elements (f32, or bf16/f16 converted to f32
/// once per depth block into a stack copy). Register blocks of
/// linearPanelFeatures right-hand rows x linearPanelVectors row vectors:
/// per step of the reduction, that many vector loads of xT and one
/// broadcast element per right-hand row, each feeding linearPanelVectors
/// FMAs; the reduction runs in blocks of linearPanelDepth, and within one
/// a register block runs over every panel of the chunk before the next
/// block (its weight rows stay in L1), the accumulators of the tile kept
/// in a stack tile between them. y[r, c] = combine(c, sums) is stored
/// (narrowed to y's type) for the chunk's real rows: whole vectorWidth x
/// vectorWidth blocks of (rows, columns) transposed in registers and
/// combined and stored as vectors along the columns, the rest scalar.
void projectPanel(LoopBuilder &b, const TilingOptions &options, Value xT,
                  Value chunk, Value rows, Value c0, Value c1, Value k,
                  ColumnRows rhsRows, int64_t perCol, PanelCombine combine,
                  Value y);

/// Every tile of a projection of `rows` packed rows (`xT`) onto `n`
/// columns on the panel kernel, in one parallel loop over (feature tiles,
/// chunks), feature tiles outermost.
void projectPanels(LoopBuilder &b, const TilingOptions &options, Value xT,
                   Value rows, Value k, Value n, ColumnRows rhsRows,
                   int64_t perCol, PanelCombine combine, Value y);

/// A whole projection y = x . weight^T (+ bias) on the panel kernel: x
/// ([rows, k]) packed, then projectPanels.
void projectPanels(LoopBuilder &b, const TilingOptions &options, Value x,
                   Value rows, Value k, Value weight, Value bias, Value y);

/// Whether a projection of `rows` rows takes the panel kernel: an i1, or
/// null when it never does (no panel rows configured or no vectors).
Value usePanels(LoopBuilder &b, const TilingOptions &options, Value rows);

/// `panel()` when `usePanels` holds, else `other()` (just `other()` when it
/// never does).
void ifPanels(LoopBuilder &b, const TilingOptions &options, Value rows,
              llvm::function_ref<void()> panel,
              llvm::function_ref<void()> other);

/// A whole projection y = x . weight^T (+ bias) of `rows` rows of x
/// ([rows, k]) onto `n` columns: the panel kernel when ifPanels says so,
/// else the dot-product tiles (linearFeatureTile features x linearRowTile
/// rows, weight blocks outermost so consecutive tiles reuse the same
/// weight rows from cache).
void projectAllRows(LoopBuilder &b, const TilingOptions &options, Value x,
                    Value rows, Value k, Value n, Value weight, Value bias,
                    Value y);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_VECTORKERNELS_H
