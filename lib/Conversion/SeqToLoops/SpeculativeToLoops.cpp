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
// of all K + 1 rows of verify logits).
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {

/// The buffers of one lowered loop (per row unless noted).
struct LoopBuffers {
  Value tokens, counts, steps, accepted; // results
  Value last, pos, done;                 // [B] i32 loop state
  Value drafts;                          // [B, K] i32 this step's proposals
  Value numAccepted, bonus;              // [B] i32 this step's outcome
};

struct SpeculativeDecodeLoopLowering
    : OpRewritePattern<SpeculativeDecodeLoopOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SpeculativeDecodeLoopOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type();
    int64_t k = op.getNumSpeculativeTokens();
    int64_t maxNew = op.getMaxNewTokens();
    int32_t pad = op.getPadTokenIdAttr().getInt();
    Value first = b.buffer(op.getFirstTokens());
    Value start = b.buffer(op.getStartPositions());
    Value batch = b.dim(first, 0);
    auto alloc = [&](RankedTensorType type) {
      SmallVector<Value> dynamic;
      if (type.isDynamicDim(0))
        dynamic.push_back(batch);
      return b.allocResult(type, dynamic);
    };

    LoopBuffers buf;
    buf.tokens = alloc(op.getTokens().getType());
    buf.counts = alloc(op.getNumGenerated().getType());
    buf.steps = alloc(op.getNumVerifySteps().getType());
    buf.accepted = alloc(op.getNumAccepted().getType());
    auto vecType = MemRefType::get({ShapedType::kDynamic}, i32);
    buf.last = memref::AllocOp::create(b, vecType, ValueRange{batch});
    buf.pos = memref::AllocOp::create(b, vecType, ValueRange{batch});
    buf.done = memref::AllocOp::create(b, vecType, ValueRange{batch});
    buf.numAccepted = memref::AllocOp::create(b, vecType, ValueRange{batch});
    buf.bonus = memref::AllocOp::create(b, vecType, ValueRange{batch});
    buf.drafts = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic, k}, i32), ValueRange{batch});
    Value zero32 = b.i32(0), pad32 = b.i32(pad);
    b.forLoop(b.index(0), batch, [&](Value r) {
      memref::StoreOp::create(b, memref::LoadOp::create(b, first, r), buf.last,
                              r);
      memref::StoreOp::create(b, memref::LoadOp::create(b, start, r), buf.pos,
                              r);
      for (Value v : {buf.done, buf.counts, buf.steps, buf.accepted})
        memref::StoreOp::create(b, zero32, v, r);
      b.forLoop(b.index(0), b.index(maxNew), [&](Value s) {
        memref::StoreOp::create(b, pad32, buf.tokens, ValueRange{r, s});
      });
    });

    SmallVector<Value> init(op.getDraftInit());
    llvm::append_range(init, op.getVerifyInit());
    SmallVector<Value> finalState = b.forLoop(
        b.index(0), b.index(maxNew), init,
        [&](Value step, ValueRange state) -> SmallVector<Value> {
          Value active = b.forLoop(
              b.index(0), batch, ValueRange{zero32},
              [&](Value r, ValueRange any) -> SmallVector<Value> {
                Value d = memref::LoadOp::create(b, buf.done, r);
                return {arith::OrIOp::create(
                    b, any[0], arith::XOrIOp::create(b, d, b.i32(1)))};
              })[0];
          Value anyActive = b.cmp(arith::CmpIPredicate::ne, active, zero32);
          auto branch = scf::IfOp::create(b, state.getTypes(), anyActive,
                                          /*withElseRegion=*/true);
          OpBuilder::InsertionGuard guard(b);
          // Without carried state the branches already end in a yield.
          auto moveInto = [&](Region &region) {
            Block &block = region.front();
            if (!block.empty() &&
                block.back().hasTrait<OpTrait::IsTerminator>()) {
              b.setInsertionPoint(&block.back());
              return false;
            }
            b.setInsertionPointToEnd(&block);
            return true;
          };
          bool needsThenYield = moveInto(branch.getThenRegion());
          SmallVector<Value> next = lowerStep(b, op, buf, step, state);
          if (needsThenYield)
            scf::YieldOp::create(b, next);
          if (moveInto(branch.getElseRegion()))
            scf::YieldOp::create(b, state);
          return SmallVector<Value>(branch.getResults());
        });

    SmallVector<Value> results{
        b.toTensor(buf.tokens, op.getTokens().getType()),
        b.toTensor(buf.counts, op.getNumGenerated().getType()),
        b.toTensor(buf.steps, op.getNumVerifySteps().getType()),
        b.toTensor(buf.accepted, op.getNumAccepted().getType())};
    llvm::append_range(results, finalState);
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  /// A [B, S] i32 tensor whose element (r, j) is `element(r, j)`.
  static Value generate(LoopBuilder &b, RankedTensorType type, Value batch,
                        llvm::function_ref<Value(Value, Value)> element) {
    SmallVector<Value> sizes;
    if (type.isDynamicDim(0))
      sizes.push_back(batch);
    return tensor::GenerateOp::create(
        b, type, sizes, [&](OpBuilder &, Location loc, ValueRange ij) {
          tensor::YieldOp::create(b, loc, element(ij[0], ij[1]));
        });
  }

  /// Logits [B, S, V] viewed as [B * S, V].
  static Value collapseLogits(LoopBuilder &b, Value logits) {
    auto type = cast<RankedTensorType>(logits.getType());
    int64_t rows = ShapedType::isDynamic(type.getDimSize(0)) ||
                           ShapedType::isDynamic(type.getDimSize(1))
                       ? ShapedType::kDynamic
                       : type.getDimSize(0) * type.getDimSize(1);
    return tensor::CollapseShapeOp::create(
        b,
        RankedTensorType::get({rows, type.getDimSize(2)},
                              type.getElementType()),
        logits, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
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

  /// Stores softmax(src[prefix..., :] / temperature) into
  /// dst[dstPrefix..., :] (the distribution seq.sample draws from).
  static void softmaxRow(LoopBuilder &b, Value src, ValueRange prefix,
                         Value dst, ValueRange dstPrefix, Value vocab,
                         float invTemperature) {
    auto at = [](ValueRange prefix, Value v) {
      SmallVector<Value> indices(prefix);
      indices.push_back(v);
      return indices;
    };
    const float negInf = -std::numeric_limits<float>::infinity();
    Value max =
        b.forLoop(b.index(0), vocab, ValueRange{b.f32(negInf)},
                  [&](Value v, ValueRange m) -> SmallVector<Value> {
                    return {b.maxf(m[0], b.loadF32(src, at(prefix, v)))};
                  })[0];
    Value sum =
        b.forLoop(b.index(0), vocab, ValueRange{b.f32(0.0f)},
                  [&](Value v, ValueRange s) -> SmallVector<Value> {
                    Value e =
                        b.exp(b.mulf(b.subf(b.loadF32(src, at(prefix, v)), max),
                                     b.f32(invTemperature)));
                    memref::StoreOp::create(b, e, dst, at(dstPrefix, v));
                    return {b.addf(s[0], e)};
                  })[0];
    b.forLoop(b.index(0), vocab, [&](Value v) {
      Value e = memref::LoadOp::create(b, dst, at(dstPrefix, v));
      memref::StoreOp::create(b, b.divf(e, sum), dst, at(dstPrefix, v));
    });
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
      b.forLoop(b.index(0), batch, [&](Value r) {
        Value base = b.mul(r, b.index(k + 1));
        auto found = b.forLoop(
            b.index(0), b.index(k), ValueRange{b.index(k), b.i32(0)},
            [&](Value i, ValueRange carried) -> SmallVector<Value> {
              Value target = memref::LoadOp::create(b, choice, b.add(base, i));
              Value draft =
                  memref::LoadOp::create(b, buf.drafts, ValueRange{r, i});
              Value differs = b.cmp(arith::CmpIPredicate::ne, target, draft);
              Value first = arith::AndIOp::create(
                  b, differs,
                  b.cmp(arith::CmpIPredicate::eq, carried[1], b.i32(0)));
              return {
                  b.select(first, i, carried[0]),
                  arith::OrIOp::create(
                      b, carried[1], arith::ExtUIOp::create(b, i32, differs))};
            });
        Value n = found[0];
        memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, n),
                                buf.numAccepted, r);
        memref::StoreOp::create(
            b, memref::LoadOp::create(b, choice, b.add(base, n)), buf.bonus, r);
      });
      return;
    }

    // Sampling: P (target) and Q (draft) as probabilities.
    float invTemperature = 1.0f / sampling.getTemperature().convertToFloat();
    Value vl = b.buffer(verifyLogits);
    Value vocab = b.dim(vl, 2);
    auto probsType = MemRefType::get(
        {k + 1, ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type());
    Value p = memref::AllocOp::create(b, probsType, ValueRange{batch, vocab});
    Value q = memref::AllocOp::create(b, probsType, ValueRange{batch, vocab});
    SmallVector<Value> dl;
    for (Value logits : draftLogits)
      dl.push_back(b.buffer(logits));
    b.forLoop(b.index(0), batch, [&](Value r) {
      for (int64_t i = 0; i <= k; ++i) {
        softmaxRow(b, vl, {r, b.index(i)}, p, {b.index(i), r}, vocab,
                   invTemperature);
        if (i < k)
          softmaxRow(b, dl[i], {r}, q, {b.index(i), r}, vocab, invTemperature);
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
        Value pd = memref::LoadOp::create(b, p, ValueRange{b.index(i), r, d});
        Value qd = memref::LoadOp::create(b, q, ValueRange{b.index(i), r, d});
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
      memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, n),
                              buf.numAccepted, r);
      Value residual = b.cmp(arith::CmpIPredicate::slt, n, b.index(k));
      Value qRow = b.min(n, b.index(k - 1));
      auto qAt = [&](Value v) {
        return b.select(residual,
                        memref::LoadOp::create(b, q, ValueRange{qRow, r, v}),
                        b.f32(0.0f));
      };
      Value mass = b.forLoop(
          b.index(0), vocab, ValueRange{b.f32(0.0f)},
          [&](Value v, ValueRange s) -> SmallVector<Value> {
            Value pv = memref::LoadOp::create(b, p, ValueRange{n, r, v});
            return {b.addf(s[0], b.maxf(b.subf(pv, qAt(v)), b.f32(0.0f)))};
          })[0];
      // A residual without mass (P <= Q everywhere, up to rounding) is
      // never reached in exact arithmetic; P itself is then the answer.
      Value useResidual = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                mass, b.f32(0.0f));
      b.forLoop(b.index(0), vocab, [&](Value v) {
        Value pv = memref::LoadOp::create(b, p, ValueRange{n, r, v});
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
  static void emit(LoopBuilder &b, SpeculativeDecodeLoopOp op, LoopBuffers &buf,
                   Value batch) {
    int64_t k = op.getNumSpeculativeTokens();
    Type i32 = b.getI32Type();
    Value zero32 = b.i32(0), one32 = b.i32(1);
    b.forLoop(b.index(0), batch, [&](Value r) {
      Value n32 = memref::LoadOp::create(b, buf.numAccepted, r);
      Value n = arith::IndexCastOp::create(b, b.getIndexType(), n32);
      Value bonus = memref::LoadOp::create(b, buf.bonus, r);
      Value wasActive = b.cmp(arith::CmpIPredicate::eq,
                              memref::LoadOp::create(b, buf.done, r), zero32);
      // A finished row keeps its position, so verify writes stay within
      // max_new_tokens + K positions past its start.
      b.ifThen(wasActive, [&] {
        auto bump = [&](Value buffer, Value by) {
          memref::StoreOp::create(
              b,
              arith::AddIOp::create(b, memref::LoadOp::create(b, buffer, r),
                                    by),
              buffer, r);
        };
        bump(buf.steps, one32);
        bump(buf.accepted, n32);
        bump(buf.pos, arith::AddIOp::create(b, n32, one32));
        memref::StoreOp::create(b, bonus, buf.last, r);
      });
      b.forLoop(b.index(0), b.index(k + 1), [&](Value j) {
        Value isDraft = b.cmp(arith::CmpIPredicate::ult, j, n);
        Value draft = memref::LoadOp::create(
            b, buf.drafts, ValueRange{r, b.min(j, b.index(k - 1))});
        Value token = b.select(isDraft, draft, bonus);
        Value writes = arith::AndIOp::create(
            b, b.cmp(arith::CmpIPredicate::ule, j, n),
            b.cmp(arith::CmpIPredicate::eq,
                  memref::LoadOp::create(b, buf.done, r), zero32));
        b.ifThen(writes, [&] {
          Value count = memref::LoadOp::create(b, buf.counts, r);
          memref::StoreOp::create(
              b, token, buf.tokens,
              ValueRange{
                  r, arith::IndexCastOp::create(b, b.getIndexType(), count)});
          Value next = arith::AddIOp::create(b, count, one32);
          memref::StoreOp::create(b, next, buf.counts, r);
          Value stop = b.cmp(arith::CmpIPredicate::sge, next,
                             b.i32(static_cast<int32_t>(op.getMaxNewTokens())));
          for (int64_t id : op.getEosTokenIds())
            stop = arith::OrIOp::create(b, stop,
                                        b.cmp(arith::CmpIPredicate::eq, token,
                                              b.i32(static_cast<int32_t>(id))));
          memref::StoreOp::create(b, arith::ExtUIOp::create(b, i32, stop),
                                  buf.done, r);
        });
      });
    });
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
                                      LoopBuffers &buf, Value step,
                                      ValueRange state) {
    int64_t k = op.getNumSpeculativeTokens();
    Type i32 = b.getI32Type();
    size_t numDraft = op.getDraftInit().size();
    Value batch = b.dim(buf.last, 0);
    int64_t staticBatch = op.getFirstTokens().getType().getDimSize(0);
    auto stepType = [&](int64_t s) {
      return RankedTensorType::get({staticBatch, s}, i32);
    };

    // Draft: K + 1 calls; the state after call i is snapshots[i - 1].
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
      SmallVector<Value> yielded = b.inlineRegion(op.getDraft(), args);
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
    emit(b, op, buf, batch);

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
