//===- DecodeToLoops.cpp - sampling and the decode loop as loops ----------===//
//
// This file lowers seq.sample and seq.decode_loop.
//
// Sampling (per row, in parallel over rows): greedy is an argmax (lowest
// index on ties). Otherwise, with z = logits / temperature and
// p = exp(z - max z): top-k keeps p >= the k-th largest p, top-p then keeps
// the highest p whose mass reaches top_p of the kept mass (thresholds found
// exactly by bisection over the bit patterns of non-negative floats), and
// the token is the first index whose running kept mass exceeds u * total,
// with u from Philox-4x32-10 keyed by the seed and counted by (counter,
// row). No sort and no [B, V] temporary.
//
// The decode loop is an scf.for over max_new_tokens steps carrying the
// body's state; steps after every row finished are skipped.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "SamplingFilter.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds the Philox-4x32-10 uniform draw in [0, 1).
struct Philox {
  static Value uniform(LoopBuilder &b, Value seed, Value counter, Value row) {
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    auto c32 = [&](uint32_t v) {
      return arith::ConstantOp::create(b, b.getIntegerAttr(i32, v));
    };
    auto lo32 = [&](Value v64) { return arith::TruncIOp::create(b, i32, v64); };
    auto hi32 = [&](Value v64) {
      return lo32(arith::ShRUIOp::create(
          b, v64, arith::ConstantOp::create(b, b.getI64IntegerAttr(32))));
    };
    Value k0 = lo32(seed), k1 = hi32(seed);
    Value rowI64 = arith::IndexCastUIOp::create(b, i64, row);
    Value c[4] = {lo32(counter), hi32(counter), lo32(rowI64), c32(0)};
    const uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
    for (int round = 0; round < 10; ++round) {
      // One op per statement, in the order gcc created them (README.md,
      // "Same output from every host compiler").
      auto mul = [&](uint32_t m, Value x) {
        Value wideX = arith::ExtUIOp::create(b, i64, x);
        Value factor = arith::ConstantOp::create(b, b.getI64IntegerAttr(m));
        Value wide = arith::MulIOp::create(b, factor, wideX);
        Value low = lo32(wide);
        Value high = hi32(wide);
        return std::make_pair(high, low);
      };
      auto [hi0, lo0] = mul(m0, c[0]);
      auto [hi1, lo1] = mul(m1, c[2]);
      Value n0 =
          arith::XOrIOp::create(b, arith::XOrIOp::create(b, hi1, c[1]), k0);
      Value n2 =
          arith::XOrIOp::create(b, arith::XOrIOp::create(b, hi0, c[3]), k1);
      c[0] = n0, c[1] = lo1, c[2] = n2, c[3] = lo0;
      k0 = arith::AddIOp::create(b, k0, c32(0x9E3779B9u));
      k1 = arith::AddIOp::create(b, k1, c32(0xBB67AE85u));
    }
    // 24 high bits of the first word -> [0, 1).
    Value bits = arith::ShRUIOp::create(b, c[0], c32(8));
    Value asFloat = arith::UIToFPOp::create(b, b.getF32Type(), bits);
    return arith::MulFOp::create(b, asFloat, b.f32(1.0f / 16777216.0f));
  }
};
} // namespace

Value seq::keptMass(LoopBuilder &b, Value probs, Value row, Value vocab,
                    Value threshold, Value floor) {
  Value zero = b.f32(0.0f);
  return b.forLoop(
      b.index(0), vocab, ValueRange{zero},
      [&](Value v, ValueRange sum) -> SmallVector<Value> {
        Value p = memref::LoadOp::create(b, probs, ValueRange{row, v});
        Value aboveFloor =
            arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, p, floor);
        Value aboveThreshold =
            arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, p, threshold);
        Value keep = arith::AndIOp::create(b, aboveThreshold, aboveFloor);
        return {b.addf(sum[0], b.select(keep, p, zero))};
      })[0];
}

/// Number of p[v] >= threshold.
static Value countAtLeast(LoopBuilder &b, Value probs, Value row, Value vocab,
                          Value threshold) {
  Value none = b.index(0);
  Value begin = b.index(0);
  return b.forLoop(begin, vocab, ValueRange{none},
                   [&](Value v, ValueRange n) -> SmallVector<Value> {
                     Value p =
                         memref::LoadOp::create(b, probs, ValueRange{row, v});
                     Value ge = arith::CmpFOp::create(
                         b, arith::CmpFPredicate::OGE, p, threshold);
                     Value zero = b.index(0);
                     Value one = b.index(1);
                     Value counted = b.select(ge, one, zero);
                     return {b.add(n[0], counted)};
                   })[0];
}

/// The largest non-negative float t (as bits in [lo, hi]) with pred(t).
/// pred must be monotone: true for small t, false for large t.
static Value bisectBits(LoopBuilder &b, Value lo, Value hi,
                        llvm::function_ref<Value(Value)> pred) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Value halvings = b.index(32);
  Value begin = b.index(0);
  auto range = b.forLoop(
      begin, halvings, ValueRange{lo, hi},
      [&](Value, ValueRange bounds) -> SmallVector<Value> {
        Value l = bounds[0], h = bounds[1];
        // mid = l + (h - l + 1) / 2, rounding up so the loop ends at l == h.
        Value shift = arith::ConstantOp::create(b, b.getIntegerAttr(i32, 1));
        Value one = arith::ConstantOp::create(b, b.getIntegerAttr(i32, 1));
        Value width = arith::SubIOp::create(b, h, l);
        Value widthPlusOne = arith::AddIOp::create(b, width, one);
        Value half = arith::ShRUIOp::create(b, widthPlusOne, shift);
        Value mid = arith::AddIOp::create(b, l, half);
        Value ok = pred(arith::BitcastOp::create(b, f32, mid));
        Value newLo = b.select(ok, mid, l);
        Value newHi =
            b.select(ok, h,
                     arith::SubIOp::create(b, mid,
                                           arith::ConstantOp::create(
                                               b, b.getIntegerAttr(i32, 1))));
        return {newLo, newHi};
      });
  return arith::BitcastOp::create(b, f32, range[0]);
}

Value seq::samplingThreshold(LoopBuilder &b, Value probs, Value row,
                             Value vocab, int64_t topK, float topP) {
  Type i32 = b.getI32Type();
  Value zeroBits = arith::ConstantOp::create(b, b.getIntegerAttr(i32, 0));
  Value oneBits = arith::ConstantOp::create(
      b, b.getIntegerAttr(i32, 0x3F800000)); // 1.0f, the largest p
  Value floor = b.f32(0.0f);
  if (topK > 0) {
    Value k = b.index(topK);
    floor = bisectBits(b, zeroBits, oneBits, [&](Value t) {
      return b.cmp(arith::CmpIPredicate::sge,
                   countAtLeast(b, probs, row, vocab, t), k);
    });
  }
  Value threshold = floor;
  if (topP < 1.0f) {
    Value p = b.f32(topP);
    Value mass = keptMass(b, probs, row, vocab, floor, floor);
    Value target = b.mulf(mass, p);
    threshold = bisectBits(b, zeroBits, oneBits, [&](Value t) {
      return arith::CmpFOp::create(b, arith::CmpFPredicate::OGE,
                                   keptMass(b, probs, row, vocab, t, floor),
                                   target);
    });
    threshold = b.maxf(threshold, floor);
  }
  return threshold;
}

namespace {
struct SampleLowering : OpRewritePattern<SampleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SampleOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Value logits = b.buffer(op.getLogits());
    RankedTensorType outType = op.getTokens().getType();
    Value rows = b.dim(logits, 0), vocab = b.dim(logits, 1);
    SmallVector<Value> dynamic;
    if (outType.isDynamicDim(0))
      dynamic.push_back(rows);
    Value tokens = b.allocResult(outType, dynamic);
    SamplingAttr sampling = op.getSampling();
    const float negInf = -std::numeric_limits<float>::infinity();
    Type i32 = b.getI32Type();

    // Row argmax (lowest index on ties). A row with a NaN, or an empty
    // vocabulary (dynamic V = 0), has no answer: it raises kInvalidLogits
    // (the check rides the argmax loop: one unordered compare per logit).
    Operation *anchor = op;
    auto argmax = [&](Value row) {
      Value noNaN = b.i32(0);
      Value lowest = b.f32(negInf);
      Value firstIndex = b.index(0);
      Value begin = b.index(0);
      auto best = b.forLoop(
          begin, vocab, ValueRange{lowest, firstIndex, noNaN},
          [&](Value v, ValueRange carried) -> SmallVector<Value> {
            Value x = b.loadF32(logits, {row, v});
            Value better = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                 x, carried[0]);
            Value nan = arith::ExtUIOp::create(
                b, b.getI32Type(),
                arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, x, x));
            return {b.select(better, x, carried[0]),
                    b.select(better, v, carried[1]),
                    arith::OrIOp::create(b, carried[2], nan)};
          });
      b.ifThen(b.cmp(arith::CmpIPredicate::eq, vocab, b.index(0)), [&] {
        b.raiseStatus(anchor, kInvalidLogits,
                      "no token to sample in row %ld: empty vocabulary", {row});
      });
      b.ifThen(b.cmp(arith::CmpIPredicate::ne, best[2], b.i32(0)), [&] {
        b.raiseStatus(anchor, kInvalidLogits,
                      "no token to sample in row %ld: NaN among its %ld "
                      "logits",
                      {row, vocab});
      });
      return best;
    };

    if (sampling.isGreedy()) {
      b.parallel({rows}, [&](ValueRange ivs) {
        Value index = argmax(ivs[0])[1];
        memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, index),
                                tokens, ivs[0]);
      });
      rewriter.replaceOp(op, b.toTensor(tokens, outType));
      return success();
    }

    float invTemperature = 1.0f / sampling.getTemperature().convertToFloat();
    int64_t topK = sampling.getTopK();
    float topP = sampling.getTopP().convertToFloat();
    Value probs = memref::AllocOp::create(
        b,
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                        b.getF32Type()),
        ValueRange{rows, vocab});
    Value seed = op.getSeed(), counter = op.getCounter();
    b.parallel({rows}, [&](ValueRange ivs) {
      Value row = ivs[0];
      Value maxLogit = argmax(row)[0];
      b.forLoop(b.index(0), vocab, [&](Value v) {
        Value scale = b.f32(invTemperature);
        Value logit = b.loadF32(logits, {row, v});
        Value z = b.mulf(b.subf(logit, maxLogit), scale);
        memref::StoreOp::create(b, b.exp(z), probs, ValueRange{row, v});
      });
      Value threshold = samplingThreshold(b, probs, row, vocab, topK, topP);
      Value total = keptMass(b, probs, row, vocab, threshold, threshold);
      Value u = Philox::uniform(b, seed, counter, row);
      Value target = b.mulf(u, total);
      // First kept index whose running mass exceeds the target; the last
      // kept index if rounding leaves none.
      Value noMass = b.f32(0.0f);
      Value unsetIndex = b.index(-1);
      Value lastKept = b.index(0);
      Value begin = b.index(0);
      auto pick = b.forLoop(
          begin, vocab, ValueRange{noMass, unsetIndex, lastKept},
          [&](Value v, ValueRange carried) -> SmallVector<Value> {
            Value p = memref::LoadOp::create(b, probs, ValueRange{row, v});
            Value kept = arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, p,
                                               threshold);
            Value mass = b.addf(carried[0], b.select(kept, p, b.f32(0.0f)));
            Value unset =
                b.cmp(arith::CmpIPredicate::slt, carried[1], b.index(0));
            Value past = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                               mass, target);
            Value keptUnset = arith::AndIOp::create(b, kept, unset);
            Value crosses = arith::AndIOp::create(b, keptUnset, past);
            return {mass, b.select(crosses, v, carried[1]),
                    b.select(kept, v, carried[2])};
          });
      Value chosen =
          b.select(b.cmp(arith::CmpIPredicate::slt, pick[1], b.index(0)),
                   pick[2], pick[1]);
      memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, chosen),
                              tokens, ValueRange{row});
    });
    rewriter.replaceOp(op, b.toTensor(tokens, outType));
    return success();
  }
};

struct DecodeLoopLowering : OpRewritePattern<DecodeLoopOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DecodeLoopOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type();
    RankedTensorType tokensType = op.getTokens().getType();
    RankedTensorType countType = op.getNumGenerated().getType();
    Value first = b.buffer(op.getFirstTokens());
    Value start = b.buffer(op.getStartPositions());
    Value batch = b.dim(first, 0);
    int64_t maxNew = op.getMaxNewTokens();
    int32_t pad = op.getPadTokenIdAttr().getInt();
    ArrayRef<int64_t> eos = op.getEosTokenIds();

    SmallVector<Value> dynamic;
    if (tokensType.isDynamicDim(0))
      dynamic.push_back(batch);
    Value tokens = b.allocResult(tokensType, dynamic);
    Value counts = b.allocResult(countType, dynamic);
    auto vecType = MemRefType::get({ShapedType::kDynamic}, i32);
    Value last = memref::AllocOp::create(b, vecType, ValueRange{batch});
    Value pos = memref::AllocOp::create(b, vecType, ValueRange{batch});
    Value done = memref::AllocOp::create(b, vecType, ValueRange{batch});
    Value zero32 = b.i32(0), one32 = b.i32(1), pad32 = b.i32(pad);
    b.forLoop(b.index(0), batch, [&](Value r) {
      memref::StoreOp::create(b, memref::LoadOp::create(b, first, r), last, r);
      memref::StoreOp::create(b, memref::LoadOp::create(b, start, r), pos, r);
      memref::StoreOp::create(b, zero32, done, r);
      memref::StoreOp::create(b, zero32, counts, r);
      Value steps = b.index(maxNew);
      Value stepBegin = b.index(0);
      b.forLoop(stepBegin, steps, [&](Value s) {
        memref::StoreOp::create(b, pad32, tokens, ValueRange{r, s});
      });
    });

    Block &body = op.getBody().front();
    auto stepType = cast<RankedTensorType>(body.getArgument(0).getType());
    // A [B, 1] i32 tensor read from a [B] buffer.
    auto column = [&](Value buffer) {
      SmallVector<Value> sizes;
      if (stepType.isDynamicDim(0))
        sizes.push_back(batch);
      return tensor::GenerateOp::create(
          b, stepType, sizes, [&](OpBuilder &, Location loc, ValueRange ij) {
            tensor::YieldOp::create(
                b, loc, memref::LoadOp::create(b, buffer, ij[0]).getResult());
          });
    };

    Value steps = b.index(maxNew);
    Value stepBegin = b.index(0);
    SmallVector<Value> finalState = b.forLoop(
        stepBegin, steps, op.getInitState(),
        [&](Value step, ValueRange state) -> SmallVector<Value> {
          Value noneActive = b.i32(0);
          Value rowBegin = b.index(0);
          Value active =
              b.forLoop(rowBegin, batch, ValueRange{noneActive},
                        [&](Value r, ValueRange any) -> SmallVector<Value> {
                          Value d = memref::LoadOp::create(b, done, r);
                          return {arith::OrIOp::create(
                              b, any[0], arith::XOrIOp::create(b, d, one32))};
                        })[0];
          Value anyActive = b.cmp(arith::CmpIPredicate::ne, active, zero32);
          auto branch = scf::IfOp::create(b, state.getTypes(), anyActive,
                                          /*withElseRegion=*/true);
          {
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
            IRMapping mapping;
            mapping.map(body.getArgument(0), column(last));
            mapping.map(body.getArgument(1), column(pos));
            mapping.map(body.getArguments().drop_front(2), state);
            for (Operation &inner : body.without_terminator())
              b.clone(inner, mapping);
            auto yield = cast<YieldOp>(body.getTerminator());
            Value logits = mapping.lookupOrDefault(yield.getValues()[0]);
            auto logitsType = cast<RankedTensorType>(logits.getType());
            auto rowsType = RankedTensorType::get(
                {logitsType.getDimSize(0), logitsType.getDimSize(2)},
                logitsType.getElementType());
            Value flat = tensor::CollapseShapeOp::create(
                b, rowsType, logits,
                ArrayRef<ReassociationIndices>{{0, 1}, {2}});
            Value offset = arith::ConstantOp::create(
                b, b.getI64IntegerAttr(op.getCounterOffset()));
            Value step64 = arith::IndexCastOp::create(b, b.getI64Type(), step);
            Value counter = arith::AddIOp::create(b, step64, offset);
            Value next = SampleOp::create(
                b, RankedTensorType::get({stepType.getDimSize(0)}, i32), flat,
                op.getSeed(), counter, op.getSampling());
            Value nextBuf = b.buffer(next);
            b.forLoop(b.index(0), batch, [&](Value r) {
              Value isDone = b.cmp(arith::CmpIPredicate::ne,
                                   memref::LoadOp::create(b, done, r), zero32);
              Value token = b.select(isDone, pad32,
                                     memref::LoadOp::create(b, nextBuf, r));
              memref::StoreOp::create(b, token, tokens, ValueRange{r, step});
              Value count = memref::LoadOp::create(b, counts, r);
              memref::StoreOp::create(
                  b,
                  b.select(isDone, count,
                           arith::AddIOp::create(b, count, one32)),
                  counts, r);
              Value stop = isDone;
              for (int64_t id : eos)
                stop = arith::OrIOp::create(
                    b, stop,
                    b.cmp(arith::CmpIPredicate::eq, token,
                          b.i32(static_cast<int32_t>(id))));
              memref::StoreOp::create(b, arith::ExtUIOp::create(b, i32, stop),
                                      done, r);
              memref::StoreOp::create(b, token, last, r);
              memref::StoreOp::create(
                  b,
                  arith::AddIOp::create(b, memref::LoadOp::create(b, pos, r),
                                        one32),
                  pos, r);
            });
            SmallVector<Value> newState;
            for (Value v : yield.getValues().drop_front())
              newState.push_back(mapping.lookupOrDefault(v));
            if (needsThenYield)
              scf::YieldOp::create(b, newState);
            if (moveInto(branch.getElseRegion()))
              scf::YieldOp::create(b, state);
          }
          return SmallVector<Value>(branch.getResults());
        });

    SmallVector<Value> results{b.toTensor(tokens, tokensType),
                               b.toTensor(counts, countType)};
    llvm::append_range(results, finalState);
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void seq::populateDecodeToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<SampleLowering, DecodeLoopLowering>(patterns.getContext());
}
