//===- HeadLayoutFolds.cpp - head transposes as views, not copies ---------===//
//
// This file implements the last phase of convert-seq-to-loops on the CPU:
// the `linalg.transpose`s between a projection's [B, S, H, D] rows and the
// [B, H, S, D] heads that rope, seq.cache_write and seq.attention take
// (the importer's toHeads) stop being copies:
//
// - a transposed tensor read only by scalar loads (the rope loops) is read
//   through a `memref.transpose` view of the untransposed buffer;
// - a transposed tensor written into a slice of another tensor (the
//   cache write of V) is transposed straight into that slice, which
//   bufferizes in place: the KV-cache scatter is the only copy left.
//
// The attention's own output is stored in [B, S, H, D] by its lowering
// (AttentionToLoops.cpp). Every rewrite is exact (element moves only).
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::seq;

namespace {

/// `value` as `type` (a tensor.cast when they differ; the caller checked
/// that they are cast-compatible).
Value castTo(PatternRewriter &rewriter, Location loc, Value value,
             RankedTensorType type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(rewriter, loc, type, value);
}

/// The OpFoldResults with constant values as attributes (static shapes).
SmallVector<OpFoldResult> folded(ArrayRef<OpFoldResult> values) {
  SmallVector<OpFoldResult> out;
  for (OpFoldResult v : values)
    out.push_back(isa<Value>(v) ? getAsOpFoldResult(cast<Value>(v)) : v);
  return out;
}

/// to_buffer(linalg.transpose(x)) read only by memref.load / memref.dim
/// -> memref.transpose(to_buffer(x)): the loads index through permuted
/// strides instead of reading a transposed copy.
struct ReadTransposeThroughView : OpRewritePattern<bufferization::ToBufferOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(bufferization::ToBufferOp op,
                                PatternRewriter &rewriter) const override {
    auto transpose = op.getTensor().getDefiningOp<linalg::TransposeOp>();
    if (!transpose || !transpose.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not a transposed tensor");
    auto type = cast<MemRefType>(op.getType());
    if (!op.getReadOnly() || !type.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "not a read-only identity buffer");
    if (!llvm::all_of(op->getUsers(), [](Operation *user) {
          return isa<memref::LoadOp, memref::DimOp>(user);
        }))
      return rewriter.notifyMatchFailure(op, "read by more than loads");

    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(transpose.getInput().getType());
    auto inputBuffer =
        MemRefType::get(inputType.getShape(), inputType.getElementType());
    Value input = bufferization::ToBufferOp::create(
        rewriter, loc, inputBuffer, transpose.getInput(), /*read_only=*/true);
    AffineMap permutation = AffineMap::getPermutationMap(
        transpose.getPermutation(), rewriter.getContext());
    Value view = memref::TransposeOp::create(rewriter, loc, input,
                                             AffineMapAttr::get(permutation));
    for (Operation *user : llvm::make_early_inc_range(op->getUsers())) {
      if (auto load = dyn_cast<memref::LoadOp>(user)) {
        rewriter.setInsertionPoint(load);
        rewriter.replaceOpWithNewOp<memref::LoadOp>(load, view,
                                                    load.getIndices());
      } else {
        auto dim = cast<memref::DimOp>(user);
        rewriter.setInsertionPoint(dim);
        rewriter.replaceOpWithNewOp<memref::DimOp>(dim, view, dim.getIndex());
      }
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// extract_slice(linalg.transpose(x)) -> linalg.transpose(extract_slice(x)):
/// only the slice is moved (and the next pattern can then move it into
/// its destination).
struct SliceBeforeTranspose : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto transpose = op.getSource().getDefiningOp<linalg::TransposeOp>();
    if (!transpose || !transpose.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not a slice of a transpose");
    if (!op.hasUnitStride() ||
        op.getType().getRank() != op.getSourceType().getRank())
      return rewriter.notifyMatchFailure(op, "strided or rank-reducing");
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<OpFoldResult> offsets = folded(op.getMixedOffsets());
    SmallVector<OpFoldResult> sizes = folded(op.getMixedSizes());
    // Result dim i is input dim perm[i].
    SmallVector<OpFoldResult> inOffsets(perm.size()), inSizes(perm.size());
    for (auto [i, p] : llvm::enumerate(perm)) {
      inOffsets[p] = offsets[i];
      inSizes[p] = sizes[i];
    }
    SmallVector<int64_t> staticSizes;
    SmallVector<Value> dynamicSizes;
    dispatchIndexOpFoldResults(sizes, dynamicSizes, staticSizes);
    if (!tensor::CastOp::areCastCompatible(op.getType(),
                                           op.getType().clone(staticSizes)))
      return rewriter.notifyMatchFailure(op, "incompatible slice types");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> unit(perm.size(), rewriter.getIndexAttr(1));
    Value inSlice = tensor::ExtractSliceOp::create(
        rewriter, loc, transpose.getInput(), inOffsets, inSizes, unit);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         op.getType().getElementType());
    Value moved =
        linalg::TransposeOp::create(rewriter, loc, inSlice, init, perm)
            ->getResult(0);
    rewriter.replaceOp(op, castTo(rewriter, loc, moved, op.getType()));
    return success();
  }
};

/// insert_slice(linalg.transpose(x, tensor.empty), dest) ->
/// insert_slice(linalg.transpose(x, extract_slice(dest)), dest): the
/// transpose writes its destination's slice (in place once bufferized)
/// instead of a new tensor that is then copied there.
struct TransposeIntoDestination : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto cast = op.getSource().getDefiningOp<tensor::CastOp>();
    if (cast && !cast->hasOneUse())
      return rewriter.notifyMatchFailure(op, "the cast has other uses");
    Value source = cast ? cast.getSource() : op.getSource();
    auto transpose = source.getDefiningOp<linalg::TransposeOp>();
    if (!transpose || !transpose.hasPureTensorSemantics() ||
        !transpose->hasOneUse() ||
        !transpose.getInit().getDefiningOp<tensor::EmptyOp>())
      return rewriter.notifyMatchFailure(op, "not a transpose into new");
    if (!op.hasUnitStride() ||
        op.getSourceType().getRank() != op.getDestType().getRank())
      return rewriter.notifyMatchFailure(op, "strided or rank-expanding");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> offsets = folded(op.getMixedOffsets());
    SmallVector<OpFoldResult> sizes = folded(op.getMixedSizes());
    SmallVector<OpFoldResult> unit(sizes.size(), rewriter.getIndexAttr(1));
    RankedTensorType sliceType =
        tensor::ExtractSliceOp::inferResultType(op.getDestType(), sizes);
    // The input shaped as the slice, un-permuted.
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<int64_t> inShape(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      inShape[p] = sliceType.getDimSize(i);
    auto inType = RankedTensorType::get(inShape, sliceType.getElementType());
    if (!tensor::CastOp::areCastCompatible(transpose.getInput().getType(),
                                           inType) ||
        !tensor::CastOp::areCastCompatible(sliceType, op.getSourceType()))
      return rewriter.notifyMatchFailure(op, "incompatible slice types");
    Value input = castTo(rewriter, loc, transpose.getInput(), inType);
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, loc, sliceType, op.getDest(), offsets, sizes, unit);
    Value moved = linalg::TransposeOp::create(rewriter, loc, input, slice, perm)
                      ->getResult(0);
    Value result = castTo(rewriter, loc, moved, op.getSourceType());
    rewriter.modifyOpInPlace(op, [&] { op.getSourceMutable().assign(result); });
    return success();
  }
};

} // namespace

void seq::populateHeadLayoutFoldPatterns(RewritePatternSet &patterns) {
  patterns.add<ReadTransposeThroughView, SliceBeforeTranspose,
               TransposeIntoDestination>(patterns.getContext());
  // Extents asked of a transpose (the cache write's steps) read from its
  // init instead, so that nothing keeps the copy alive.
  tensor::DimOp::getCanonicalizationPatterns(patterns, patterns.getContext());
}
