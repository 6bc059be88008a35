//===- QuantToLoops.cpp - block-quantized linear and embedding ------------===//
//
// This file lowers seq.quantized_linear and seq.quantized_embedding onto
// the kernels of QuantKernels.h; the weights are never expanded in memory.
//
// The linear layer is tiled like seq.linear: an scf.forall over tiles of 16
// output features (outermost, so one thread's consecutive tiles share their
// weights) by tiles of rows; inside a tile, register blocks of rows x
// features (TilingOptions::quantBlockRows etc., chosen per target by
// KernelDispatch; one row x quantDecodeFeatures at the end of the rows,
// e.g. decode) unpack each weight block once and use it for every row of
// the block, with all accumulators in registers. One-row blocks prefetch
// the weight rows quantPrefetchRows ahead. With TilingOptions::int8Activations
// (q8_0, q4_0, q4_1) the activation rows are first quantized to 8 bits per
// block, once, and the tiles use integer dot products (QuantInt8.cpp).
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "QuantKernels.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

using namespace mlir;
using namespace mlir::seq;

namespace {
struct QuantizedLinearLowering : TiledPattern<QuantizedLinearOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(QuantizedLinearOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(op.getInput());
    Value packed = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, packed);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    int64_t k = op.getInput().getType().getShape().back();
    Value rows = b.dim(x, 0), n = b.dim(packed, 0);
    std::optional<Int8Rows> xq;
    if (options.int8Activations && int8ActivationFormat(op.getFormat()) &&
        op.getInput().getType().getElementType().isF32()) {
      // Every activation row quantized once, before the projection tiles.
      xq = allocInt8Rows(b, rows, k);
      b.parallel({b.divUp(rows, options.quantRowTile)}, [&](ValueRange ivs) {
        Value r0, r1;
        std::tie(r0, r1) = b.blockBounds(ivs[0], options.quantRowTile, rows);
        b.forLoop(r0, r1,
                  [&](Value r) { quantizeRowInt8(b, x, r, k, *xq, r); });
      });
    }
    b.parallel({b.divUp(n, options.quantFeatureTile),
                b.divUp(rows, options.quantRowTile)},
               [&](ValueRange ivs) {
                 Value n0, n1, r0, r1;
                 std::tie(n0, n1) =
                     b.blockBounds(ivs[0], options.quantFeatureTile, n);
                 std::tie(r0, r1) =
                     b.blockBounds(ivs[1], options.quantRowTile, rows);
                 if (xq)
                   quantizedProjectRowsInt8(b, op.getFormat(), options, r0, r1,
                                            n0, n1, k, *xq, packed, bias, y);
                 else
                   quantizedProjectRows(b, op.getFormat(), options, r0, r1, n0,
                                        n1, k, x, b.index(0), packed, bias, y);
               });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};

struct QuantizedEmbeddingLowering : TiledPattern<QuantizedEmbeddingOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(QuantizedEmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value table = b.buffer(op.getTable());
    Value ids = b.buffer(op.getIds());
    RankedTensorType type = op.getOutput().getType();
    QuantFormat format = op.getFormat();
    int64_t numBlocks =
        op.getTable().getType().getDimSize(1) / blockBytes(format);
    int64_t width = numBlocks * blockElements(format);
    Value output = b.gatherRows(op, type, ids, b.dim(table, 0), b.index(width),
                                [&](Value id, Value rows, Value n) {
                                  dequantizeRow(b, format, options.vectorWidth,
                                                table, id, width, rows, n);
                                });
    rewriter.replaceOp(op, b.toTensor(output, type));
    return success();
  }
};
} // namespace

void seq::populateQuantToLoopsPatterns(RewritePatternSet &patterns,
                                       const TilingOptions &options) {
  patterns.add<QuantizedLinearLowering, QuantizedEmbeddingLowering>(
      patterns.getContext(), options);
}
