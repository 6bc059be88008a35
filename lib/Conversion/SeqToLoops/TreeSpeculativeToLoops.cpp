//===- TreeSpeculativeToLoops.cpp - tree speculative decoding as loops ----===//
//
// This file lowers seq.tree_speculative_decode_loop and seq.ngram_tree_draft
// to loops. A verify step inlines the draft region once (it proposes the
// whole flattened tree from the committed tokens) and the verify region
// once on [last, tree...] with depth-based positions and the constant
// ancestor mask of the static tree. Greedy acceptance walks the tree from
// the root: the nodes are topologically ordered, so one pass over them in
// index order, moving to a node when its parent is the current node and
// its token is the target's argmax there, finds the longest agreeing path
// (the lowest-index child first). The accepted path's entries of every
// verify state are then copied from the tree's verify positions p + node
// to the consecutive positions p + 1 .. p + n (node >= k for the k-th path
// node, and path nodes increase, so copying in order never overwrites a
// source still to be read).
//
// Sampled acceptance (multi-draft speculative sampling, SpecInfer) walks
// the same pass with a residual distribution R per row: R starts as the
// target's filtered distribution at the root; each child u of the current
// node (index order) is accepted with probability min(1, R(t_u) /
// Q_u(t_u)) (a two-way seq.sample with counter c + u - 1), which moves to
// u with R = P_u; a rejection makes R = normalize(max(0, R - Q_u)). The
// last token is a seq.sample of log R with counter c + N, c =
// counter_offset + step * (N + 1). Q_u is the filtered distribution of
// the draft logits of node u, or the point mass on its token. The
// discardable unit attribute seq.test_no_residual_update (testing only)
// skips the residual update, a wrong rule that
// tree_speculative_sampled.mlir's negative control must catch.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "SpeculativeCommon.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;
using namespace mlir::seq::speculative;

namespace {

/// The tree's buffers beyond the shared ones.
struct TreeBuffers : StepBuffers {
  Value committed, committedPos; // [B, D + 1] the draft's input
  Value path;                    // [B, D + 1] accepted nodes
};

/// Moves entry `from` of dim `dim` of row `r` of `state` to `to`.
static Value moveEntry(LoopBuilder &b, Value state, int64_t dim, Value r,
                       Value from, Value to) {
  auto type = cast<RankedTensorType>(state.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, b.getLoc(), state);
  SmallVector<OpFoldResult> src(type.getRank(), b.getIndexAttr(0)), dst;
  src[0] = r;
  sizes[0] = b.getIndexAttr(1);
  sizes[dim] = b.getIndexAttr(1);
  dst = src;
  src[dim] = from;
  dst[dim] = to;
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  SmallVector<int64_t> sliceShape(type.getShape());
  sliceShape[0] = 1;
  sliceShape[dim] = 1;
  auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
  Value slice =
      tensor::ExtractSliceOp::create(b, sliceType, state, src, sizes, strides);
  return tensor::InsertSliceOp::create(b, slice, state, dst, sizes, strides);
}

struct TreeSpeculativeDecodeLoopLowering
    : OpRewritePattern<TreeSpeculativeDecodeLoopOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TreeSpeculativeDecodeLoopOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type();
    int64_t depth = op.getMaxDepth();
    LoopInfo info{b.buffer(op.getFirstTokens()),
                  b.buffer(op.getStartPositions()),
                  op.getTokens().getType(),
                  op.getNumGenerated().getType(),
                  op.getNumVerifySteps().getType(),
                  op.getNumAccepted().getType(),
                  static_cast<int64_t>(op.getMaxNewTokens()),
                  static_cast<int32_t>(op.getPadTokenIdAttr().getInt()),
                  op.getEosTokenIds()};
    TreeBuffers buf;
    static_cast<StepBuffers &>(buf) = allocateBuffers(b, info);
    Value batch = b.dim(buf.last, 0);
    auto rowsType = MemRefType::get({ShapedType::kDynamic, depth + 1}, i32);
    for (Value *v : {&buf.committed, &buf.committedPos, &buf.path})
      *v = memref::AllocOp::create(b, rowsType, ValueRange{batch});
    b.forLoop(b.index(0), batch, [&](Value r) {
      Value tok = memref::LoadOp::create(b, buf.last, r);
      Value at = memref::LoadOp::create(b, buf.pos, r);
      b.forLoop(b.index(0), b.index(depth + 1), [&](Value j) {
        memref::StoreOp::create(b, tok, buf.committed, ValueRange{r, j});
        memref::StoreOp::create(b, at, buf.committedPos, ValueRange{r, j});
        memref::StoreOp::create(b, b.i32(0), buf.path, ValueRange{r, j});
      });
    });

    SmallVector<Value> init(op.getDraftInit());
    llvm::append_range(init, op.getVerifyInit());
    SmallVector<Value> finalState =
        buildStepLoop(b, info, buf, init, [&](Value step, ValueRange state) {
          return lowerStep(b, op, info, buf, step, state);
        });
    rewriter.replaceOp(op, results(b, info, buf, finalState));
    return success();
  }

private:
  /// Writes each active row's accepted tokens and its final token (up to an
  /// EOS or max_new_tokens), records them as the draft's next input and
  /// advances the row.
  static void emit(LoopBuilder &b, TreeSpeculativeDecodeLoopOp op,
                   const LoopInfo &info, TreeBuffers &buf, Value batch,
                   Value tree) {
    int64_t depth = op.getMaxDepth();
    Type i32 = b.getI32Type();
    // Token j of this step: path node j + 1's, then the bonus.
    auto tokenAt = [&](Value r, Value j, Value n, Value bonus) {
      Value isDraft = b.cmp(arith::CmpIPredicate::ult, j, n);
      Value node = b.loadIndex(
          buf.path, {r, b.min(b.add(j, b.index(1)), b.index(depth))});
      // Past the path the node is stale: clamp it into the tree.
      Value column = b.min(b.max(b.sub(node, b.index(1)), b.index(0)),
                           b.index(op.getNumNodes() - 1));
      Value draft = memref::LoadOp::create(b, tree, ValueRange{r, column});
      return b.select(isDraft, draft, bonus);
    };
    emitAccepted(
        b, info, buf, batch, tokenAt, [&](Value r, Value n, Value bonus) {
          Value p = memref::LoadOp::create(b, buf.pos, r);
          b.forLoop(b.index(0), b.index(depth + 1), [&](Value j) {
            Value at = b.min(j, n);
            memref::StoreOp::create(b, tokenAt(r, at, n, bonus), buf.committed,
                                    ValueRange{r, j});
            Value atPos = arith::AddIOp::create(
                b, p,
                arith::AddIOp::create(b, arith::IndexCastOp::create(b, i32, at),
                                      b.i32(1)));
            memref::StoreOp::create(b, atPos, buf.committedPos,
                                    ValueRange{r, j});
          });
        });
  }

  /// Copies the accepted path's entries of `state` (positions in `dim`)
  /// from p + path[k] to p + k, k = 1 .. n, for each row.
  static Value compact(LoopBuilder &b, TreeBuffers &buf, Value batch,
                       Value state, int64_t dim) {
    return b.forLoop(
        b.index(0), batch, ValueRange{state},
        [&](Value r, ValueRange rowState) -> SmallVector<Value> {
          Value p = b.loadIndex(buf.pos, {r});
          Value n = b.loadIndex(buf.numAccepted, {r});
          return b.forLoop(
              b.index(1), b.add(n, b.index(1)), rowState,
              [&](Value k, ValueRange carried) -> SmallVector<Value> {
                // Positions past the state's extent (a verify write that
                // overflowed, reported by its own check) are not read.
                Value from = b.add(p, b.loadIndex(buf.path, {r, k}));
                Value inside = b.cmp(arith::CmpIPredicate::ult, from,
                                     b.dim(carried[0], dim));
                auto guard = scf::IfOp::create(b, carried.getTypes(), inside,
                                               /*withElseRegion=*/true);
                OpBuilder::InsertionGuard insertion(b);
                b.setInsertionPointToStart(&guard.getThenRegion().front());
                scf::YieldOp::create(
                    b, moveEntry(b, carried[0], dim, r, from, b.add(p, k)));
                b.setInsertionPointToStart(&guard.getElseRegion().front());
                scf::YieldOp::create(b, carried[0]);
                return {guard.getResult(0)};
              });
        })[0];
  }

  /// A counter c + offset as i64, c = counter_offset + step * (N + 1).
  static Value counter(LoopBuilder &b, TreeSpeculativeDecodeLoopOp op,
                       Value step, Value offset) {
    Value s = arith::IndexCastOp::create(b, b.getI64Type(), step);
    Value base = arith::MulIOp::create(
        b, s,
        arith::ConstantOp::create(b,
                                  b.getI64IntegerAttr(op.getNumNodes() + 1)));
    Value shift = arith::AddIOp::create(
        b, arith::IndexCastOp::create(b, b.getI64Type(), offset),
        arith::ConstantOp::create(b,
                                  b.getI64IntegerAttr(op.getCounterOffset())));
    return arith::AddIOp::create(b, base, shift);
  }

  /// Sampled acceptance: sets numAccepted, bonus and path per row from the
  /// verify logits [B, N + 1, V], the tree [B, N] and the draft logits
  /// [B, N, V] (null: each node's Q is the point mass on its token).
  static void acceptSampled(LoopBuilder &b, TreeSpeculativeDecodeLoopOp op,
                            TreeBuffers &buf, Value step, Value batch,
                            Value tree, Value draftLogits, Value verifyLogits) {
    int64_t nodes = op.getNumNodes();
    ArrayRef<int64_t> parents = op.getTreeParents();
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    SamplingAttr sampling = op.getSamplingAttr();
    int64_t staticBatch = op.getFirstTokens().getType().getDimSize(0);
    Value vl = b.buffer(verifyLogits);
    Value dl = draftLogits ? b.buffer(draftLogits) : Value();
    Value vocab = b.dim(vl, 2);
    auto rowsType =
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32);
    // R (the residual, one row per batch row), Q (the node's draft
    // distribution), the acceptance probability and the current node.
    Value residual =
        memref::AllocOp::create(b, rowsType, ValueRange{batch, vocab});
    Value q = memref::AllocOp::create(b, rowsType, ValueRange{batch, vocab});
    Value ratio = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, f32), ValueRange{batch});
    Value current = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, i32), ValueRange{batch});
    b.forLoop(b.index(0), batch, [&](Value r) {
      filteredSoftmaxRow(b, vl, {r, b.index(0)}, residual, r, vocab, sampling);
      memref::StoreOp::create(b, b.i32(0), current, r);
      memref::StoreOp::create(b, b.i32(0), buf.numAccepted, r);
      memref::StoreOp::create(b, b.i32(0), buf.path, ValueRange{r, b.index(0)});
    });
    auto parentsType = RankedTensorType::get({nodes}, i32);
    SmallVector<int32_t> parents32(parents.begin(), parents.end());
    Value parentTable = arith::ConstantOp::create(
        b, DenseElementsAttr::get(parentsType, ArrayRef<int32_t>(parents32)));
    auto unitTemperature = SamplingAttr::get(b.getContext(), APFloat(1.0f),
                                             /*top_k=*/0, APFloat(1.0f));
    const float negInf = -std::numeric_limits<float>::infinity();
    auto log = [&](Value x) -> Value { return math::LogOp::create(b, x); };
    bool updateResidual = !op->hasAttr("seq.test_no_residual_update");

    // Node u (1-based) in index order: parents and earlier siblings first.
    b.forLoop(b.index(1), b.index(nodes + 1), [&](Value u) {
      Value column = b.sub(u, b.index(1));
      Value parent = tensor::ExtractOp::create(b, parentTable, column);
      auto atCurrent = [&](Value r) {
        return b.cmp(arith::CmpIPredicate::eq,
                     memref::LoadOp::create(b, current, r), parent);
      };
      // Q_u(t_u): the draft's filtered distribution, or 1 (point mass).
      auto qOf = [&](Value r, Value v, Value token) -> Value {
        if (dl)
          return memref::LoadOp::create(b, q, ValueRange{r, v});
        return b.select(b.cmp(arith::CmpIPredicate::eq,
                              arith::IndexCastOp::create(b, i32, v), token),
                        b.f32(1.0f), b.f32(0.0f));
      };
      b.forLoop(b.index(0), batch, [&](Value r) {
        memref::StoreOp::create(b, b.f32(0.0f), ratio, r);
        b.ifThen(atCurrent(r), [&] {
          Value token = memref::LoadOp::create(b, tree, ValueRange{r, column});
          // A token outside the vocabulary (a faulty draft) is rejected.
          Value t = arith::IndexCastOp::create(b, b.getIndexType(), token);
          Value inside = arith::AndIOp::create(
              b, b.cmp(arith::CmpIPredicate::sge, token, b.i32(0)),
              b.cmp(arith::CmpIPredicate::ult, t, vocab));
          t = b.select(inside, t, b.index(0));
          if (dl)
            filteredSoftmaxRow(b, dl, {r, column}, q, r, vocab, sampling);
          Value qt = qOf(r, t, token);
          Value rt = memref::LoadOp::create(b, residual, ValueRange{r, t});
          Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                 qt, b.f32(0.0f));
          Value a = b.select(
              positive,
              arith::MinimumFOp::create(b, b.f32(1.0f), b.divf(rt, qt)),
              b.f32(1.0f));
          memref::StoreOp::create(b, b.select(inside, a, b.f32(0.0f)), ratio,
                                  r);
        });
      });
      // Token 0 (accept) with probability a, token 1 (reject) otherwise.
      auto pairType = RankedTensorType::get({staticBatch, 2}, f32);
      Value pair = generate(b, pairType, batch, [&](Value r, Value j) {
        Value a = memref::LoadOp::create(b, ratio, r);
        Value isAccept = b.cmp(arith::CmpIPredicate::eq, j, b.index(0));
        return log(b.select(isAccept, a, b.subf(b.f32(1.0f), a)));
      });
      Value draw = b.buffer(SampleOp::create(
          b, RankedTensorType::get({staticBatch}, i32), pair, op.getSeed(),
          counter(b, op, step, column), unitTemperature));
      b.forLoop(b.index(0), batch, [&](Value r) {
        Value accepted = b.cmp(arith::CmpIPredicate::eq,
                               memref::LoadOp::create(b, draw, r), b.i32(0));
        b.ifThen(atCurrent(r), [&] {
          auto branch = scf::IfOp::create(b, TypeRange{}, accepted,
                                          /*withElseRegion=*/true);
          OpBuilder::InsertionGuard guard(b);
          // Accepted: move to u; R = P_u.
          b.setInsertionPointToStart(&branch.getThenRegion().front());
          Value u32 = arith::IndexCastOp::create(b, i32, u);
          memref::StoreOp::create(b, u32, current, r);
          Value n = arith::AddIOp::create(
              b, memref::LoadOp::create(b, buf.numAccepted, r), b.i32(1));
          memref::StoreOp::create(b, n, buf.numAccepted, r);
          memref::StoreOp::create(b, u32, buf.path,
                                  ValueRange{r, arith::IndexCastOp::create(
                                                    b, b.getIndexType(), n)});
          filteredSoftmaxRow(b, vl, {r, u}, residual, r, vocab, sampling);
          // Rejected: R = normalize(max(0, R - Q_u)); a residual without
          // mass (R <= Q up to rounding, never reached in exact
          // arithmetic) keeps R.
          b.setInsertionPointToStart(&branch.getElseRegion().front());
          if (!updateResidual)
            return;
          Value token = memref::LoadOp::create(b, tree, ValueRange{r, column});
          auto rest = [&](Value v) {
            Value rv = memref::LoadOp::create(b, residual, ValueRange{r, v});
            return b.maxf(b.subf(rv, qOf(r, v, token)), b.f32(0.0f));
          };
          Value mass =
              b.forLoop(b.index(0), vocab, ValueRange{b.f32(0.0f)},
                        [&](Value v, ValueRange sum) -> SmallVector<Value> {
                          return {b.addf(sum[0], rest(v))};
                        })[0];
          Value useRest = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                mass, b.f32(0.0f));
          b.ifThen(useRest, [&] {
            b.forLoop(b.index(0), vocab, [&](Value v) {
              memref::StoreOp::create(b, b.divf(rest(v), mass), residual,
                                      ValueRange{r, v});
            });
          });
        });
      });
    });

    // The last token: a draw from R (as log-probabilities) with c + N.
    auto finalType = RankedTensorType::get(
        {staticBatch,
         cast<RankedTensorType>(verifyLogits.getType()).getDimSize(2)},
        f32);
    SmallVector<Value> sizes;
    if (finalType.isDynamicDim(0))
      sizes.push_back(batch);
    if (finalType.isDynamicDim(1))
      sizes.push_back(vocab);
    Value logR = tensor::GenerateOp::create(
        b, finalType, sizes, [&](OpBuilder &, Location loc, ValueRange rv) {
          Value x = memref::LoadOp::create(b, residual, rv);
          Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                 x, b.f32(0.0f));
          tensor::YieldOp::create(b, loc,
                                  b.select(positive, log(x), b.f32(negInf)));
        });
    Value finalDraw = b.buffer(SampleOp::create(
        b, RankedTensorType::get({staticBatch}, i32), logR, op.getSeed(),
        counter(b, op, step, b.index(nodes)), unitTemperature));
    b.forLoop(b.index(0), batch, [&](Value r) {
      memref::StoreOp::create(b, memref::LoadOp::create(b, finalDraw, r),
                              buf.bonus, r);
    });
  }

  /// One verify step on the carried (draft..., verify...) state; returns
  /// the new state.
  static SmallVector<Value> lowerStep(LoopBuilder &b,
                                      TreeSpeculativeDecodeLoopOp op,
                                      const LoopInfo &info, TreeBuffers &buf,
                                      Value step, ValueRange state) {
    int64_t nodes = op.getNumNodes();
    int64_t depth = op.getMaxDepth();
    SmallVector<int64_t> depths = op.getNodeDepths();
    ArrayRef<int64_t> parents = op.getTreeParents();
    Type i32 = b.getI32Type();
    size_t numDraft = op.getDraftInit().size();
    Value batch = b.dim(buf.last, 0);
    int64_t staticBatch = op.getFirstTokens().getType().getDimSize(0);
    auto stepType = [&](int64_t s) {
      return RankedTensorType::get({staticBatch, s}, i32);
    };

    // Draft: the committed tokens in, the flattened tree out.
    Value draftTokens =
        generate(b, stepType(depth + 1), batch, [&](Value r, Value j) {
          return memref::LoadOp::create(b, buf.committed, ValueRange{r, j});
        });
    Value draftPositions =
        generate(b, stepType(depth + 1), batch, [&](Value r, Value j) {
          return memref::LoadOp::create(b, buf.committedPos, ValueRange{r, j});
        });
    SmallVector<Value> args{draftTokens, draftPositions};
    llvm::append_range(args, state.take_front(numDraft));
    SmallVector<Value> drafted = b.inlineRegion(op.getDraft(), args);
    Value tree = b.buffer(drafted[0]);
    // Sampled verification may get the draft's logits after the tree.
    bool draftLogits = op.isSampled() && op.hasDraftLogits();

    // Verify [last, tree...] at p + depth, with the ancestor mask.
    SmallVector<int32_t> depth32(depths.begin(), depths.end());
    auto depthType = RankedTensorType::get({nodes + 1}, i32);
    Value depthTable = arith::ConstantOp::create(
        b, DenseElementsAttr::get(depthType, ArrayRef<int32_t>(depth32)));
    SmallVector<bool> mask((nodes + 1) * (nodes + 1), false);
    for (int64_t i = 0; i <= nodes; ++i)
      for (int64_t j = i;; j = parents[j - 1]) {
        mask[i * (nodes + 1) + j] = true;
        if (j == 0)
          break;
      }
    auto maskType =
        RankedTensorType::get({nodes + 1, nodes + 1}, b.getI1Type());
    Value maskTable = arith::ConstantOp::create(
        b, DenseElementsAttr::get(maskType, ArrayRef<bool>(mask)));
    Value verifyTokens =
        generate(b, stepType(nodes + 1), batch, [&](Value r, Value j) {
          Value isRoot = b.cmp(arith::CmpIPredicate::eq, j, b.index(0));
          Value node = memref::LoadOp::create(
              b, tree, ValueRange{r, b.max(b.sub(j, b.index(1)), b.index(0))});
          return b.select(isRoot, memref::LoadOp::create(b, buf.last, r), node);
        });
    Value verifyPositions =
        generate(b, stepType(nodes + 1), batch, [&](Value r, Value j) {
          return arith::AddIOp::create(
              b, memref::LoadOp::create(b, buf.pos, r),
              tensor::ExtractOp::create(b, depthTable, ValueRange{j}));
        });
    SmallVector<Value> verifyArgs{verifyTokens, verifyPositions, maskTable};
    llvm::append_range(verifyArgs, state.drop_front(numDraft));
    SmallVector<Value> verified = b.inlineRegion(op.getVerify(), verifyArgs);

    if (op.isSampled()) {
      acceptSampled(b, op, buf, step, batch, tree,
                    draftLogits ? drafted[1] : Value(), verified[0]);
    } else {
      // The target's choice at every node: argmax of every logits row.
      Value flat = collapseLogits(b, verified[0]);
      int64_t rows = cast<RankedTensorType>(flat.getType()).getDimSize(0);
      Value zero64 = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
      auto greedy = SamplingAttr::get(b.getContext(), APFloat(0.0f),
                                      /*top_k=*/0, APFloat(1.0f));
      Value choice = b.buffer(SampleOp::create(
          b, RankedTensorType::get({rows}, i32), flat, zero64, zero64, greedy));
      acceptGreedyPath(b, buf, batch, parents, tree, choice, buf.path,
                       /*cap=*/Value());
    }

    // Compaction reads this step's positions: before emit advances them.
    SmallVector<Value> next(drafted.begin() + (draftLogits ? 2 : 1),
                            drafted.end());
    for (auto [i, result] : llvm::enumerate(ValueRange(verified).drop_front()))
      next.push_back(compact(b, buf, batch, result, op.getCacheDim(i)));
    emit(b, op, info, buf, batch, tree);
    return next;
  }
};

/// Per row and node (in index order, so parents and earlier siblings are
/// known): scan the n-gram's matches from the latest and keep the first
/// whose continuation follows the parent's path to a new sibling token.
struct NgramTreeDraftLowering : OpRewritePattern<NgramTreeDraftOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NgramTreeDraftOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value history = b.buffer(op.getHistory());
    Value lengths = b.buffer(op.getLengths());
    RankedTensorType outType = op.getTokens().getType();
    Value rows = b.dim(history, 0), capacity = b.dim(history, 1);
    SmallVector<Value> dynamic;
    if (outType.isDynamicDim(0))
      dynamic.push_back(rows);
    Value tokens = b.allocResult(outType, dynamic);
    int64_t g = op.getNgramSize();
    ArrayRef<int64_t> parents = op.getTreeParents();
    // Static tree facts: each node's depth, ancestors and earlier siblings.
    SmallVector<int64_t> depths{0};
    for (int64_t parent : parents)
      depths.push_back(depths[parent] + 1);
    b.parallel({rows}, [&](ValueRange ivs) {
      Value r = ivs[0];
      Value n = b.min(b.max(b.loadIndex(lengths, {r}), b.index(0)), capacity);
      Value nonEmpty = b.cmp(arith::CmpIPredicate::sgt, n, b.index(0));
      Value last =
          b.select(nonEmpty,
                   memref::LoadOp::create(
                       b, history,
                       ValueRange{r, b.max(b.sub(n, b.index(1)), b.index(0))}),
                   b.i32(0));
      Value tail = b.max(b.sub(n, b.index(g)), b.index(0));
      auto tokenOf = [&](int64_t node) -> Value {
        if (node == 0)
          return last;
        return memref::LoadOp::create(b, tokens,
                                      ValueRange{r, b.index(node - 1)});
      };
      for (auto [i, parent] : llvm::enumerate(parents)) {
        auto node = static_cast<int64_t>(i) + 1;
        int64_t d = depths[node];
        // The parent's path below the root, shallowest first.
        SmallVector<int64_t> path;
        for (int64_t a = parent; a != 0; a = parents[a - 1])
          path.insert(path.begin(), a);
        SmallVector<int64_t> siblings;
        for (int64_t s = 1; s < node; ++s)
          if (parents[s - 1] == parent)
            siblings.push_back(s);
        SmallVector<Value> pathTokens, siblingTokens;
        for (int64_t a : path)
          pathTokens.push_back(tokenOf(a));
        for (int64_t s : siblings)
          siblingTokens.push_back(tokenOf(s));
        // Starts s in [0, n - g - d + 1): the candidate s + g + d - 1 < n.
        Value starts = b.max(b.sub(tail, b.index(d - 1)), b.index(0));
        Value fallback = tokenOf(parent);
        // Scan from the latest start down; the first hit stays.
        auto found = b.forLoop(
            b.index(0), starts, ValueRange{fallback, b.i32(0)},
            [&](Value k, ValueRange carried) -> SmallVector<Value> {
              Value s = b.sub(b.sub(starts, b.index(1)), k);
              SmallVector<Value> same;
              for (int64_t j = 0; j < g; ++j)
                same.push_back(b.cmp(
                    arith::CmpIPredicate::eq,
                    memref::LoadOp::create(b, history,
                                           ValueRange{r, b.add(s, b.index(j))}),
                    memref::LoadOp::create(
                        b, history, ValueRange{r, b.add(tail, b.index(j))})));
              for (auto [j, t] : llvm::enumerate(pathTokens))
                same.push_back(
                    b.cmp(arith::CmpIPredicate::eq,
                          memref::LoadOp::create(
                              b, history,
                              ValueRange{r, b.add(s, b.index(g + int64_t(j)))}),
                          t));
              Value candidate = memref::LoadOp::create(
                  b, history, ValueRange{r, b.add(s, b.index(g + d - 1))});
              for (Value t : siblingTokens)
                same.push_back(b.cmp(arith::CmpIPredicate::ne, candidate, t));
              same.push_back(
                  b.cmp(arith::CmpIPredicate::eq, carried[1], b.i32(0)));
              Value hit = b.allOf(same);
              return {b.select(hit, candidate, carried[0]),
                      b.select(hit, b.i32(1), carried[1])};
            });
        memref::StoreOp::create(b, found[0], tokens,
                                ValueRange{r, b.index(node - 1)});
      }
    });
    rewriter.replaceOp(op, b.toTensor(tokens, outType));
    return success();
  }
};
} // namespace

void seq::populateTreeSpeculativeToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<TreeSpeculativeDecodeLoopLowering, NgramTreeDraftLowering>(
      patterns.getContext());
}
