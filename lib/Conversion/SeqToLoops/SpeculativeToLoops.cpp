//===- SpeculativeToLoops.cpp - speculative decoding as loops -------------===//
//
// This file lowers seq.speculative_decode_loop to an scf.for over at most
// max_new_tokens verify steps (each emits at least one token per active
// row) carrying the draft and the verify state; steps after every row
// finished are skipped.
//
// A step inlines the draft region K + 1 times (each call's state is kept:
// the draft state of a row is the one after the call that consumed its
// last accepted draft token) and the verify region once. Every random draw
// is a seq.sample, so draws follow seq.sample's Philox scheme: the K draft
// tokens, the K acceptance tests (a two-way draw between accept with
// probability min(1, p/q) and reject) and the final token (from the
// residual max(0, p - q), or from p after K acceptances), counters
// c .. c + 2K with c = counter_offset + step * (2K + 1). Greedy acceptance
// compares the draft tokens with the target's argmax (a greedy seq.sample
// of all K + 1 rows of verify logits). The rejection rule reads P and Q as
// the distributions seq.sample draws from: temperature, then its top-k /
// top-p filter (SamplingFilter.h), renormalized.
//
// Adaptive K (the adaptive_k attribute): each row carries its draft length
// k; acceptance stops at k, and the draft calls past the largest k + 1
// among the generating rows are skipped (an scf.if around each call after
// the first: the verify call keeps its K + 1 columns, so only draft calls
// are saved). The num_drafted result sums each row's k over its verify
// steps.
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

using namespace mlir;
using namespace mlir::seq;
using namespace mlir::seq::speculative;

namespace {

/// The chain's buffers beyond the shared ones.
struct LoopBuffers : StepBuffers {
  Value drafts; // [B, K] i32 this step's proposals
  Value stepK;  // [B] i32 each row's draft length (adaptive K), else null
  Value drafted; // [B] i32 result: the k of each verify step, summed
};

struct SpeculativeDecodeLoopLowering
    : OpRewritePattern<SpeculativeDecodeLoopOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SpeculativeDecodeLoopOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    LoopInfo info = loopInfo(b, op);
    LoopBuffers buf;
    static_cast<StepBuffers &>(buf) = allocateBuffers(b, info);
    buf.drafts = memref::AllocOp::create(
        b,
        MemRefType::get({ShapedType::kDynamic,
                         static_cast<int64_t>(op.getNumSpeculativeTokens())},
                        b.getI32Type()),
        ValueRange{b.dim(buf.last, 0)});
    if (op.getAdaptiveK()) {
      Value batch = b.dim(buf.last, 0);
      buf.stepK = memref::AllocOp::create(
          b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
          ValueRange{batch});
      auto draftedType = cast<RankedTensorType>(op.getNumDrafted().getType());
      SmallVector<Value> dynamic;
      if (draftedType.isDynamicDim(0))
        dynamic.push_back(batch);
      buf.drafted = b.allocResult(draftedType, dynamic);
      b.forLoop(b.index(0), batch, [&](Value r) {
        memref::StoreOp::create(
            b, b.i32(static_cast<int32_t>(op.getNumSpeculativeTokens())),
            buf.stepK, r);
        memref::StoreOp::create(b, b.i32(0), buf.drafted, r);
      });
    }
    SmallVector<Value> init(op.getDraftInit());
    llvm::append_range(init, op.getVerifyInit());
    SmallVector<Value> finalState =
        buildStepLoop(b, info, buf, init, [&](Value step, ValueRange state) {
          return lowerStep(b, op, info, buf, step, state);
        });
    SmallVector<Value> values = results(b, info, buf, finalState);
    if (buf.drafted)
      values.insert(values.begin() + 4,
                    b.toTensor(buf.drafted, cast<RankedTensorType>(
                                                op.getNumDrafted().getType())));
    rewriter.replaceOp(op, values);
    return success();
  }

private:
  /// Row r's draft length this step: k[r] with adaptive K, else K.
  static Value rowK(LoopBuilder &b, SpeculativeDecodeLoopOp op,
                    LoopBuffers &buf, Value r) {
    if (buf.stepK)
      return b.loadIndex(buf.stepK, {r});
    return b.index(op.getNumSpeculativeTokens());
  }

  static LoopInfo loopInfo(LoopBuilder &b, SpeculativeDecodeLoopOp op) {
    return {b.buffer(op.getFirstTokens()),
            b.buffer(op.getStartPositions()),
            op.getTokens().getType(),
            op.getNumGenerated().getType(),
            op.getNumVerifySteps().getType(),
            op.getNumAccepted().getType(),
            static_cast<int64_t>(op.getMaxNewTokens()),
            static_cast<int32_t>(op.getPadTokenIdAttr().getInt()),
            op.getEosTokenIds()};
  }

  /// A counter c + offset as i64, c = counter_offset + step * (2K + 1).
  static Value counter(LoopBuilder &b, SpeculativeDecodeLoopOp op, Value step,
                       int64_t offset) {
    int64_t k = op.getNumSpeculativeTokens();
    Value s = arith::IndexCastOp::create(b, b.getI64Type(), step);
    Value base = arith::MulIOp::create(
        b, s, arith::ConstantOp::create(b, b.getI64IntegerAttr(2 * k + 1)));
    return arith::AddIOp::create(
        b, base,
        arith::ConstantOp::create(
            b, b.getI64IntegerAttr(op.getCounterOffset() + offset)));
  }

  /// A float natural log.
  static Value log(LoopBuilder &b, Value x) {
    return math::LogOp::create(b, x);
  }

  /// Sets numAccepted and bonus per row from the verify logits [B, K+1, V]
  /// and the draft logits (each [B, V]).
  static void accept(LoopBuilder &b, SpeculativeDecodeLoopOp op,
                     LoopBuffers &buf, Value step, Value batch,
                     Value verifyLogits, ArrayRef<Value> draftLogits) {
    int64_t k = op.getNumSpeculativeTokens();
    Type i32 = b.getI32Type();
    SamplingAttr sampling = op.getSampling();
    auto tokenVec = [&](int64_t rows) {
      return RankedTensorType::get({rows}, i32);
    };
    if (sampling.isGreedy()) {
      // The target's choice after each prefix: argmax of every row.
      Value flat = collapseLogits(b, verifyLogits);
      int64_t rows = cast<RankedTensorType>(flat.getType()).getDimSize(0);
      Value choice =
          b.buffer(SampleOp::create(b, tokenVec(rows), flat, op.getSeed(),
                                    counter(b, op, step, 0), sampling));
      // The chain d1 .. dK is the tree whose node i + 1 has the parent i.
      SmallVector<int64_t> parents = llvm::to_vector(llvm::seq<int64_t>(0, k));
      acceptGreedyPath(b, buf, batch, parents, buf.drafts, choice,
                       /*path=*/Value(), /*cap=*/buf.stepK);
      return;
    }

    // Sampling: P (target) and Q (draft) as the filtered probabilities,
    // row i * B + r for step i of row r.
    Value vl = b.buffer(verifyLogits);
    Value vocab = b.dim(vl, 2);
    auto probsType = MemRefType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type());
    Value rows = b.mul(b.index(k + 1), batch);
    Value p = memref::AllocOp::create(b, probsType, ValueRange{rows, vocab});
    Value q = memref::AllocOp::create(b, probsType, ValueRange{rows, vocab});
    auto at = [&](Value i, Value r) { return b.add(b.mul(i, batch), r); };
    SmallVector<Value> dl;
    for (Value logits : draftLogits)
      dl.push_back(b.buffer(logits));
    b.forLoop(b.index(0), batch, [&](Value r) {
      for (int64_t i = 0; i <= k; ++i) {
        filteredSoftmaxRow(b, vl, {r, b.index(i)}, p, at(b.index(i), r), vocab,
                           sampling);
        if (i < k)
          filteredSoftmaxRow(b, dl[i], {r}, q, at(b.index(i), r), vocab,
                             sampling);
      }
    });

    // Acceptance test i: a draw between [log a, log(1 - a)], a = min(1,
    // P_i(d_i) / Q_i(d_i)); token 0 (accept) has probability a.
    auto unitTemperature = SamplingAttr::get(b.getContext(), APFloat(1.0f),
                                             /*top_k=*/0, APFloat(1.0f));
    auto pairType =
        RankedTensorType::get({ShapedType::kDynamic, 2}, b.getF32Type());
    auto rejects = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic, k}, i32), ValueRange{batch});
    for (int64_t i = 0; i < k; ++i) {
      Value pair = memref::AllocOp::create(
          b, MemRefType::get({ShapedType::kDynamic, 2}, b.getF32Type()),
          ValueRange{batch});
      b.forLoop(b.index(0), batch, [&](Value r) {
        Value d = b.loadIndex(buf.drafts, {r, b.index(i)});
        Value pd =
            memref::LoadOp::create(b, p, ValueRange{at(b.index(i), r), d});
        Value qd =
            memref::LoadOp::create(b, q, ValueRange{at(b.index(i), r), d});
        Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, qd,
                                               b.f32(0.0f));
        Value a = b.select(
            positive, arith::MinimumFOp::create(b, b.f32(1.0f), b.divf(pd, qd)),
            b.f32(1.0f));
        memref::StoreOp::create(b, log(b, a), pair, ValueRange{r, b.index(0)});
        memref::StoreOp::create(b, log(b, b.subf(b.f32(1.0f), a)), pair,
                                ValueRange{r, b.index(1)});
      });
      Value draw = b.buffer(SampleOp::create(
          b, tokenVec(ShapedType::kDynamic), b.toTensor(pair, pairType),
          op.getSeed(), counter(b, op, step, k + i), unitTemperature));
      b.forLoop(b.index(0), batch, [&](Value r) {
        memref::StoreOp::create(b, memref::LoadOp::create(b, draw, r), rejects,
                                ValueRange{r, b.index(i)});
      });
    }

    // n = the number of leading acceptances; the last token comes from
    // normalize(max(0, P_{n+1} - Q_{n+1})) (n < K) or P_{K+1}, as logits.
    Value final = memref::AllocOp::create(
        b,
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                        b.getF32Type()),
        ValueRange{batch, vocab});
    b.forLoop(b.index(0), batch, [&](Value r) {
      Value n = b.forLoop(
          b.index(0), b.index(k), ValueRange{b.index(k)},
          [&](Value i, ValueRange carried) -> SmallVector<Value> {
            Value rejected = b.cmp(
                arith::CmpIPredicate::ne,
                memref::LoadOp::create(b, rejects, ValueRange{r, i}), b.i32(0));
            Value unset =
                b.cmp(arith::CmpIPredicate::eq, carried[0], b.index(k));
            return {b.select(arith::AndIOp::create(b, rejected, unset), i,
                             carried[0])};
          })[0];
      // Acceptance stops at the row's draft length.
      Value cap = rowK(b, op, buf, r);
      if (buf.stepK)
        n = b.min(n, cap);
      memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, n),
                              buf.numAccepted, r);
      Value residual = b.cmp(arith::CmpIPredicate::slt, n, cap);
      Value qRow = at(b.min(n, b.index(k - 1)), r);
      Value pRow = at(n, r);
      auto qAt = [&](Value v) {
        return b.select(residual,
                        memref::LoadOp::create(b, q, ValueRange{qRow, v}),
                        b.f32(0.0f));
      };
      Value mass = b.forLoop(
          b.index(0), vocab, ValueRange{b.f32(0.0f)},
          [&](Value v, ValueRange s) -> SmallVector<Value> {
            Value pv = memref::LoadOp::create(b, p, ValueRange{pRow, v});
            return {b.addf(s[0], b.maxf(b.subf(pv, qAt(v)), b.f32(0.0f)))};
          })[0];
      // A residual without mass (P <= Q everywhere, up to rounding) is
      // never reached in exact arithmetic; P itself is then the answer.
      Value useResidual = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                mass, b.f32(0.0f));
      b.forLoop(b.index(0), vocab, [&](Value v) {
        Value pv = memref::LoadOp::create(b, p, ValueRange{pRow, v});
        Value rv = b.maxf(b.subf(pv, qAt(v)), b.f32(0.0f));
        memref::StoreOp::create(b, log(b, b.select(useResidual, rv, pv)), final,
                                ValueRange{r, v});
      });
    });
    Value finalDraw = b.buffer(SampleOp::create(
        b, tokenVec(ShapedType::kDynamic),
        b.toTensor(final, RankedTensorType::get(
                              {ShapedType::kDynamic, ShapedType::kDynamic},
                              b.getF32Type())),
        op.getSeed(), counter(b, op, step, 2 * k), unitTemperature));
    b.forLoop(b.index(0), batch, [&](Value r) {
      memref::StoreOp::create(b, memref::LoadOp::create(b, finalDraw, r),
                              buf.bonus, r);
    });
  }

  /// Writes each row's accepted draft tokens and its final token (up to an
  /// EOS or max_new_tokens) and advances the row.
  static void emit(LoopBuilder &b, SpeculativeDecodeLoopOp op,
                   const LoopInfo &info, LoopBuffers &buf, Value batch) {
    int64_t k = op.getNumSpeculativeTokens();
    auto adapt = [&](Value r, Value n, Value) {
      if (!buf.stepK)
        return;
      // k = n == k ? min(k + 1, K) : max(n, 1).
      Value k32 = memref::LoadOp::create(b, buf.stepK, r);
      memref::StoreOp::create(
          b,
          arith::AddIOp::create(b, memref::LoadOp::create(b, buf.drafted, r),
                                k32),
          buf.drafted, r);
      Value n32 = arith::IndexCastOp::create(b, b.getI32Type(), n);
      Value all = b.cmp(arith::CmpIPredicate::eq, n32, k32);
      Value grown =
          arith::MinSIOp::create(b, arith::AddIOp::create(b, k32, b.i32(1)),
                                 b.i32(static_cast<int32_t>(k)));
      Value shrunk = arith::MaxSIOp::create(b, n32, b.i32(1));
      memref::StoreOp::create(b, b.select(all, grown, shrunk), buf.stepK, r);
    };
    emitAccepted(
        b, info, buf, batch,
        [&](Value r, Value j, Value n, Value bonus) {
          Value isDraft = b.cmp(arith::CmpIPredicate::ult, j, n);
          Value draft = memref::LoadOp::create(
              b, buf.drafts, ValueRange{r, b.min(j, b.index(k - 1))});
          return b.select(isDraft, draft, bonus);
        },
        adapt);
  }

  /// Row r of the result is row r of candidates[numAccepted[r]]
  /// (`perStep`: candidates is one tensor [B, K + 1, S...] whose entry
  /// numAccepted[r] is taken); `init` has the result type.
  static Value selectRows(LoopBuilder &b, LoopBuffers &buf, Value batch,
                          ArrayRef<Value> candidates, bool perStep,
                          Value init) {
    auto type = cast<RankedTensorType>(init.getType());
    return b.forLoop(
        b.index(0), batch, ValueRange{init},
        [&](Value r, ValueRange carried) -> SmallVector<Value> {
          Value n = b.loadIndex(buf.numAccepted, {r});
          Value source = candidates.back();
          for (int64_t i = static_cast<int64_t>(candidates.size()) - 2; i >= 0;
               --i)
            source = b.select(b.cmp(arith::CmpIPredicate::eq, n, b.index(i)),
                              candidates[i], source);
          SmallVector<OpFoldResult> offsets, sizes, strides;
          offsets.push_back(r);
          if (perStep)
            offsets.push_back(n);
          SmallVector<OpFoldResult> stateSizes =
              tensor::getMixedSizes(b, b.getLoc(), carried[0]);
          sizes.push_back(b.getIndexAttr(1));
          if (perStep)
            sizes.push_back(b.getIndexAttr(1));
          for (OpFoldResult size : ArrayRef(stateSizes).drop_front()) {
            offsets.push_back(b.getIndexAttr(0));
            sizes.push_back(size);
          }
          strides.assign(offsets.size(), b.getIndexAttr(1));
          SmallVector<int64_t> rowShape(type.getShape());
          rowShape[0] = 1;
          auto rowType = RankedTensorType::get(rowShape, type.getElementType());
          Value row = tensor::ExtractSliceOp::create(b, rowType, source,
                                                     offsets, sizes, strides);
          SmallVector<OpFoldResult> outOffsets{r}, outSizes{b.getIndexAttr(1)};
          for (OpFoldResult size : ArrayRef(stateSizes).drop_front()) {
            outOffsets.push_back(b.getIndexAttr(0));
            outSizes.push_back(size);
          }
          SmallVector<OpFoldResult> outStrides(outOffsets.size(),
                                               b.getIndexAttr(1));
          return {tensor::InsertSliceOp::create(b, row, carried[0], outOffsets,
                                                outSizes, outStrides)
                      .getResult()};
        })[0];
  }

  /// One verify step on the carried (draft..., verify...) state; returns
  /// the new state.
  static SmallVector<Value> lowerStep(LoopBuilder &b,
                                      SpeculativeDecodeLoopOp op,
                                      const LoopInfo &info, LoopBuffers &buf,
                                      Value step, ValueRange state) {
    int64_t k = op.getNumSpeculativeTokens();
    Type i32 = b.getI32Type();
    size_t numDraft = op.getDraftInit().size();
    Value batch = b.dim(buf.last, 0);
    int64_t staticBatch = op.getFirstTokens().getType().getDimSize(0);
    auto stepType = [&](int64_t s) {
      return RankedTensorType::get({staticBatch, s}, i32);
    };

    // Adaptive K: the largest k among the rows still generating.
    Value kMax;
    if (buf.stepK)
      kMax = b.forLoop(
          b.index(0), batch, ValueRange{b.i32(0)},
          [&](Value r, ValueRange m) -> SmallVector<Value> {
            Value active =
                b.cmp(arith::CmpIPredicate::eq,
                      memref::LoadOp::create(b, buf.done, r), b.i32(0));
            Value kr = memref::LoadOp::create(b, buf.stepK, r);
            return {
                b.select(active, arith::MaxSIOp::create(b, m[0], kr), m[0])};
          })[0];

    // Draft: K + 1 calls; the state after call i is snapshots[i - 1].
    Value prevLogits;
    SmallVector<Value> draftState(state.take_front(numDraft));
    SmallVector<SmallVector<Value>> snapshots;
    SmallVector<Value> draftLogits;
    Value current = generate(b, stepType(1), batch, [&](Value r, Value) {
      return memref::LoadOp::create(b, buf.last, r);
    });
    for (int64_t i = 1; i <= k + 1; ++i) {
      Value positions = generate(b, stepType(1), batch, [&](Value r, Value) {
        return arith::AddIOp::create(b, memref::LoadOp::create(b, buf.pos, r),
                                     b.i32(static_cast<int32_t>(i - 1)));
      });
      SmallVector<Value> args{current, positions};
      llvm::append_range(args, draftState);
      SmallVector<Value> yielded;
      if (kMax && i > 1) {
        // Adaptive K: call i runs when some row drafts i - 1 tokens or
        // more; otherwise the previous call's results stand in (no row
        // reads them: acceptance stops at its k, and the rollback takes
        // the state after call n + 1 <= k + 1).
        SmallVector<Value> previous{prevLogits};
        llvm::append_range(previous, draftState);
        auto runs =
            scf::IfOp::create(b, ValueRange(previous).getTypes(),
                              b.cmp(arith::CmpIPredicate::sle,
                                    b.i32(static_cast<int32_t>(i - 1)), kMax),
                              /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&runs.getThenRegion().front());
        scf::YieldOp::create(b, b.inlineRegion(op.getDraft(), args));
        b.setInsertionPointToStart(&runs.getElseRegion().front());
        scf::YieldOp::create(b, previous);
        yielded.assign(runs.getResults().begin(), runs.getResults().end());
      } else {
        yielded = b.inlineRegion(op.getDraft(), args);
      }
      prevLogits = yielded[0];
      draftState.assign(yielded.begin() + 1, yielded.end());
      snapshots.push_back(draftState);
      if (i > k)
        break;
      Value flat = collapseLogits(b, yielded[0]);
      draftLogits.push_back(flat);
      Value proposal = b.buffer(SampleOp::create(
          b, RankedTensorType::get({staticBatch}, i32), flat, op.getSeed(),
          counter(b, op, step, i - 1), op.getSampling()));
      b.forLoop(b.index(0), batch, [&](Value r) {
        memref::StoreOp::create(b, memref::LoadOp::create(b, proposal, r),
                                buf.drafts, ValueRange{r, b.index(i - 1)});
      });
      current = generate(b, stepType(1), batch, [&](Value r, Value) {
        return memref::LoadOp::create(b, buf.drafts,
                                      ValueRange{r, b.index(i - 1)});
      });
    }

    // Verify [last, d1 .. dK] at [p .. p + K] in one call.
    Value verifyTokens =
        generate(b, stepType(k + 1), batch, [&](Value r, Value j) {
          Value isLast = b.cmp(arith::CmpIPredicate::eq, j, b.index(0));
          Value draft = memref::LoadOp::create(
              b, buf.drafts,
              ValueRange{r, b.max(b.sub(j, b.index(1)), b.index(0))});
          return b.select(isLast, memref::LoadOp::create(b, buf.last, r),
                          draft);
        });
    Value verifyPositions =
        generate(b, stepType(k + 1), batch, [&](Value r, Value j) {
          return arith::AddIOp::create(b, memref::LoadOp::create(b, buf.pos, r),
                                       arith::IndexCastOp::create(b, i32, j));
        });
    SmallVector<Value> args{verifyTokens, verifyPositions};
    llvm::append_range(args, state.drop_front(numDraft));
    SmallVector<Value> verified = b.inlineRegion(op.getVerify(), args);

    accept(b, op, buf, step, batch, verified[0], draftLogits);
    emit(b, op, info, buf, batch);

    // Roll back: the draft state after the call that consumed d_n (call
    // n + 1), the verify state after n + 1 tokens.
    SmallVector<Value> next;
    for (size_t j = 0; j < numDraft; ++j) {
      SmallVector<Value> candidates;
      for (ArrayRef<Value> snapshot : snapshots)
        candidates.push_back(snapshot[j]);
      next.push_back(selectRows(b, buf, batch, candidates, /*perStep=*/false,
                                candidates.back()));
    }
    for (auto [old, result] : llvm::zip(state.drop_front(numDraft),
                                        ValueRange(verified).drop_front())) {
      if (old.getType() == result.getType())
        next.push_back(result);
      else
        next.push_back(
            selectRows(b, buf, batch, {result}, /*perStep=*/true, old));
    }
    return next;
  }
};

/// Per row: scan the history's n-gram starts in order and keep the latest
/// one that matches the last ngram_size tokens.
struct NgramDraftLowering : OpRewritePattern<NgramDraftOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NgramDraftOp op,
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
    b.parallel({rows}, [&](ValueRange ivs) {
      Value r = ivs[0];
      // n = clamp(lengths[r], 0, L).
      Value n = b.min(b.max(b.loadIndex(lengths, {r}), b.index(0)), capacity);
      Value lastAt = b.max(b.sub(n, b.index(1)), b.index(0));
      Value nonEmpty = b.cmp(arith::CmpIPredicate::sgt, n, b.index(0));
      Value last = b.select(
          nonEmpty, memref::LoadOp::create(b, history, ValueRange{r, lastAt}),
          b.i32(0));
      // Starts i in [0, n - g): the token after the n-gram is i + g < n.
      Value starts = b.max(b.sub(n, b.index(g)), b.index(0));
      Value found = b.forLoop(
          b.index(0), starts, ValueRange{last},
          [&](Value i, ValueRange carried) -> SmallVector<Value> {
            Value same =
                b.cmp(arith::CmpIPredicate::eq, b.index(0), b.index(0));
            for (int64_t j = 0; j < g; ++j) {
              Value at = memref::LoadOp::create(
                  b, history, ValueRange{r, b.add(i, b.index(j))});
              Value tail = memref::LoadOp::create(
                  b, history,
                  ValueRange{r, b.add(b.sub(n, b.index(g)), b.index(j))});
              same = arith::AndIOp::create(
                  b, same, b.cmp(arith::CmpIPredicate::eq, at, tail));
            }
            Value next = memref::LoadOp::create(
                b, history, ValueRange{r, b.add(i, b.index(g))});
            return {b.select(same, next, carried[0])};
          })[0];
      memref::StoreOp::create(b, found, tokens, r);
    });
    rewriter.replaceOp(op, b.toTensor(tokens, outType));
    return success();
  }
};
} // namespace

void seq::populateSpeculativeToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<SpeculativeDecodeLoopLowering, NgramDraftLowering>(
      patterns.getContext());
}
