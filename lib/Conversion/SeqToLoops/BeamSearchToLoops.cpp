//===- BeamSearchToLoops.cpp - seq.beam_search_loop as loops --------------===//
//
// This file lowers seq.beam_search_loop: the body on B * num_beams rows in
// an scf.for over the steps, and per step and item, in order, the steps
// of transformers' `_beam_search` (generation/utils.py, 5.x):
//
//   - log-probabilities: log_softmax of the rows' logits plus the running
//     beams' scores (step 0 expands each item's first logits from beam 0,
//     the other beams start at -1e9);
//   - the top K = max(2, 1 + #eos) * num_beams of num_beams * V, by score
//     descending, ties to the lowest flat index (K passes, each the best
//     element below the previous pick: no sort, no [V] temporary);
//   - the running beams: the num_beams best of the candidates, those that
//     hit a stop (EOS, or the last step) pushed down by 1e9;
//   - the finished beams: the num_beams best of the old finished beams and
//     the candidates divided by length ** length_penalty, masked by 1e9
//     unless they are among the num_beams best and just hit a stop, and
//     when the early-stopping rule closed the item;
//   - the state reorder: every state tensor gathered on dim 0 by the
//     running beams' parent rows (a fresh tensor each step); with a block
//     table, the paged caches are not gathered: the table rows are
//     permuted over reference-counted blocks, full blocks shared, the
//     partly filled tail block of a parent taken over by its first child
//     and copied into a fresh block (from a free list) for the others;
//   - the stop: no item can improve, every item is full (early_stopping =
//     "true"), or every candidate hit a stop.
//
// Scores are f32 as in transformers (float32 log_softmax and sums); the
// length penalty is computed in f64 and divides in f32, as torch divides a
// float32 tensor by a Python float.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// The score transformers adds to exclude an entry (`* -1.0e9`).
constexpr float kExcluded = -1.0e9f;

struct BeamSearchLoopLowering : OpRewritePattern<BeamSearchLoopOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BeamSearchLoopOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    Type i32 = b.getI32Type(), f32 = b.getF32Type(), f64 = b.getF64Type();
    const int64_t beams = op.getNumBeams();
    const int64_t numCand = op.getNumCandidates();
    const int64_t maxNew = op.getMaxNewTokens();
    const int32_t pad = static_cast<int32_t>(op.getPadTokenIdAttr().getInt());
    const double penalty = op.getLengthPenalty().convertToDouble();
    const StringRef early = op.getEarlyStopping();
    const bool earlyTrue = early == "true";
    const bool bestAtMax = early == "never" && penalty > 0.0;
    ArrayRef<int64_t> eos = op.getEosTokenIds();
    Operation *anchor = op;

    Value first = b.buffer(op.getFirstLogits());
    Value start = b.buffer(op.getStartPositions());
    Value batch = b.dim(first, 0), vocab = b.dim(first, 1);
    Value beamsV = b.index(beams), candV = b.index(numCand);
    Value rows = b.mul(batch, beamsV);
    Value zero = b.index(0), one = b.index(1);
    Value zero32 = b.i32(0), one32 = b.i32(1), pad32 = b.i32(pad);
    Value excluded = b.f32(kExcluded), zeroF = b.f32(0.0f);
    const float inf = std::numeric_limits<float>::infinity();

    // Results.
    SmallVector<Value> dynBatch;
    if (op.getSequences().getType().isDynamicDim(0))
      dynBatch.push_back(batch);
    Value finSeq = b.allocResult(op.getSequences().getType(), dynBatch);
    Value finScore = b.allocResult(op.getScores().getType(), dynBatch);
    Value finLen = b.allocResult(op.getLengths().getType(), dynBatch);

    // Scratch, sized by the batch.
    auto alloc = [&](ArrayRef<int64_t> tail, Type type, Value lead) -> Value {
      SmallVector<int64_t> shape{ShapedType::kDynamic};
      llvm::append_range(shape, tail);
      return memref::AllocOp::create(b, MemRefType::get(shape, type),
                                     ValueRange{lead});
    };
    Value runSeq = alloc({beams, maxNew}, i32, batch);
    Value runScore = alloc({beams}, f32, batch);
    Value finDone = alloc({beams}, i32, batch);
    Value candSeq = alloc({numCand, maxNew}, i32, batch);
    Value candScore = alloc({numCand}, f32, batch);
    Value candParent = alloc({numCand}, b.getIndexType(), batch);
    Value candTok = alloc({numCand}, i32, batch);
    Value candHit = alloc({numCand}, i32, batch);
    Value ranked = alloc({beams + numCand}, f32, batch);
    Value tmpSeq = alloc({beams, maxNew}, i32, batch);
    Value tmpScore = alloc({beams}, f32, batch);
    Value tmpLen = alloc({beams}, i32, batch);
    Value tmpDone = alloc({beams}, i32, batch);
    Value unsat = alloc({}, i32, batch);
    Value lastTok = alloc({}, i32, rows);
    Value pos = alloc({}, i32, rows);
    Value parentRow = alloc({}, b.getIndexType(), rows);
    Value going = memref::AllocaOp::create(b, MemRefType::get({1}, i32));
    Value logp = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32),
        ValueRange{rows, vocab});

    // Initial state: running beam 0 at score 0, the others at -1e9;
    // finished slots empty at -1e9; every sequence padding.
    b.forLoop(zero, batch, [&](Value item) {
      memref::StoreOp::create(b, one32, unsat, item);
      b.forLoop(zero, beamsV, [&](Value k) {
        Value isFirst = b.cmp(arith::CmpIPredicate::eq, k, zero);
        memref::StoreOp::create(b, b.select(isFirst, zeroF, excluded), runScore,
                                ValueRange{item, k});
        memref::StoreOp::create(b, excluded, finScore, ValueRange{item, k});
        memref::StoreOp::create(b, zero32, finLen, ValueRange{item, k});
        memref::StoreOp::create(b, zero32, finDone, ValueRange{item, k});
        b.forLoop(zero, b.index(maxNew), [&](Value t) {
          memref::StoreOp::create(b, pad32, runSeq, ValueRange{item, k, t});
          memref::StoreOp::create(b, pad32, finSeq, ValueRange{item, k, t});
        });
      });
      b.forLoop(zero, candV, [&](Value c) {
        b.forLoop(zero, b.index(maxNew), [&](Value t) {
          memref::StoreOp::create(b, pad32, candSeq, ValueRange{item, c, t});
        });
      });
    });
    memref::StoreOp::create(b, one32, going, zero);

    // logp[r, v] = log_softmax(logits[src(r)])[v] + runScore[r]: the
    // float32 log_softmax (x - max) - log(sum exp(x - max)). A NaN raises
    // kInvalidLogits (its row then never wins a comparison).
    auto computeLogp = [&](Value logits, bool fromFirst) {
      b.forLoop(zero, rows, [&](Value r) {
        Value item = arith::DivUIOp::create(b, r, beamsV);
        Value k = arith::RemUIOp::create(b, r, beamsV);
        Value src = fromFirst ? item : r;
        auto load = [&](Value v) {
          return fromFirst ? b.loadF32(logits, {src, v})
                           : b.loadF32(logits, {src, zero, v});
        };
        auto maxAndNaN = b.forLoop(
            zero, vocab, ValueRange{b.f32(-inf), zero32},
            [&](Value v, ValueRange acc) -> SmallVector<Value> {
              Value x = load(v);
              Value nan = arith::ExtUIOp::create(
                  b, i32,
                  arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, x, x));
              return {arith::MaximumFOp::create(b, acc[0], x),
                      arith::OrIOp::create(b, acc[1], nan)};
            });
        b.ifThen(b.cmp(arith::CmpIPredicate::ne, maxAndNaN[1], zero32), [&] {
          b.raiseStatus(anchor, kInvalidLogits,
                        "NaN in the logits of beam row %ld (of %ld tokens)",
                        {r, vocab});
        });
        Value maxX = maxAndNaN[0];
        Value sum = b.forLoop(
            zero, vocab, ValueRange{zeroF},
            [&](Value v, ValueRange acc) -> SmallVector<Value> {
              return {arith::AddFOp::create(
                  b, acc[0], b.exp(arith::SubFOp::create(b, load(v), maxX)))};
            })[0];
        Value logSum = math::LogOp::create(b, sum);
        Value base = memref::LoadOp::create(b, runScore, ValueRange{item, k});
        b.forLoop(zero, vocab, [&](Value v) {
          Value lp = arith::SubFOp::create(
              b, arith::SubFOp::create(b, load(v), maxX), logSum);
          memref::StoreOp::create(b, arith::AddFOp::create(b, lp, base), logp,
                                  ValueRange{r, v});
        });
      });
    };

    // The `n` best of `count` values read by `value(i)`, descending, ties to
    // the lowest i: pass j takes the best value ordered after pass j-1's
    // pick. Calls `take(j, i, value)`; a pass that finds nothing (only
    // NaNs left) takes index 0.
    auto selectTop = [&](int64_t n, Value count,
                         function_ref<Value(Value)> value,
                         function_ref<void(Value, Value, Value)> take) {
      // One op per statement, in the order gcc created them (README.md,
      // "Same output from every host compiler").
      Value firstBound = b.f32(inf);
      Value noIndex = b.index(-1);
      Value passes = b.index(n);
      b.forLoop(
          zero, passes, ValueRange{firstBound, noIndex},
          [&](Value j, ValueRange prev) -> SmallVector<Value> {
            auto best = b.forLoop(
                zero, count, ValueRange{b.f32(-inf), b.index(-1)},
                [&](Value i, ValueRange cur) -> SmallVector<Value> {
                  Value x = value(i);
                  Value laterIndex =
                      b.cmp(arith::CmpIPredicate::sgt, i, prev[1]);
                  Value tie = arith::CmpFOp::create(
                      b, arith::CmpFPredicate::OEQ, x, prev[0]);
                  Value laterTie = arith::AndIOp::create(b, tie, laterIndex);
                  Value below = arith::CmpFOp::create(
                      b, arith::CmpFPredicate::OLT, x, prev[0]);
                  Value after = arith::OrIOp::create(b, below, laterTie);
                  Value none = b.cmp(arith::CmpIPredicate::slt, cur[1], zero);
                  Value above = arith::CmpFOp::create(
                      b, arith::CmpFPredicate::OGT, x, cur[0]);
                  Value better = arith::OrIOp::create(b, above, none);
                  Value pick = arith::AndIOp::create(b, after, better);
                  return {b.select(pick, x, cur[0]), b.select(pick, i, cur[1])};
                });
            Value idx = b.select(
                b.cmp(arith::CmpIPredicate::slt, best[1], zero), zero, best[1]);
            Value val = value(idx);
            take(j, idx, val);
            return {val, idx};
          });
    };

    auto isEos = [&](Value tok) {
      Value hit = arith::ConstantOp::create(b, b.getBoolAttr(false));
      for (int64_t id : eos)
        hit = arith::OrIOp::create(b, hit,
                                   b.cmp(arith::CmpIPredicate::eq, tok,
                                         b.i32(static_cast<int32_t>(id))));
      return hit;
    };
    // f32(double(n) ** length_penalty) for an index n.
    auto penaltyOf = [&](Value n) {
      Value asF64 = arith::UIToFPOp::create(
          b, f64, arith::IndexCastUIOp::create(b, b.getI64Type(), n));
      Value powered = math::PowFOp::create(
          b, asF64, arith::ConstantOp::create(b, b.getF64FloatAttr(penalty)));
      return arith::TruncFOp::create(b, f32, powered);
    };
    auto copySeq = [&](Value from, ValueRange fromIdx, Value to,
                       ValueRange toIdx) {
      b.forLoop(zero, b.index(maxNew), [&](Value t) {
        SmallVector<Value> src(fromIdx), dst(toIdx);
        src.push_back(t);
        dst.push_back(t);
        memref::StoreOp::create(b, memref::LoadOp::create(b, from, src), to,
                                dst);
      });
    };

    // One selection step `s` (index) over `logp`.
    auto selectStep = [&](Value s) {
      Value generated = b.add(s, one); // cur_len + 1 - prompt length
      Value lastStep =
          b.cmp(arith::CmpIPredicate::eq, generated, b.index(maxNew));
      Value lengthDiv = penaltyOf(generated);
      Value bestLen = bestAtMax ? b.index(maxNew) : generated;
      Value bestDiv = penaltyOf(bestLen);
      Value flatCount = b.mul(beamsV, vocab);
      b.forLoop(zero, batch, [&](Value item) {
        Value rowBase = b.mul(item, beamsV);
        // c. The top K continuations of all beams.
        selectTop(
            numCand, flatCount,
            [&](Value i) {
              Value k = arith::DivUIOp::create(b, i, vocab);
              Value v = arith::RemUIOp::create(b, i, vocab);
              return memref::LoadOp::create(b, logp,
                                            ValueRange{b.add(rowBase, k), v})
                  .getResult();
            },
            [&](Value c, Value i, Value score) {
              Value k = arith::DivUIOp::create(b, i, vocab);
              Value tok = arith::IndexCastOp::create(
                  b, i32, arith::RemUIOp::create(b, i, vocab));
              copySeq(runSeq, {item, k}, candSeq, {item, c});
              memref::StoreOp::create(b, tok, candSeq, ValueRange{item, c, s});
              memref::StoreOp::create(b, score, candScore, ValueRange{item, c});
              memref::StoreOp::create(b, k, candParent, ValueRange{item, c});
              memref::StoreOp::create(b, tok, candTok, ValueRange{item, c});
              // d. EOS or the maximum length.
              Value hit = arith::OrIOp::create(b, isEos(tok), lastStep);
              memref::StoreOp::create(b, arith::ExtUIOp::create(b, i32, hit),
                                      candHit, ValueRange{item, c});
            });
        auto hitOf = [&](Value c) {
          return b.cmp(arith::CmpIPredicate::ne,
                       memref::LoadOp::create(b, candHit, ValueRange{item, c}),
                       zero32);
        };
        // e. The running beams of the next step.
        selectTop(
            beams, candV,
            [&](Value c) {
              Value score =
                  memref::LoadOp::create(b, candScore, ValueRange{item, c});
              return arith::AddFOp::create(b, score,
                                           b.select(hitOf(c), excluded, zeroF))
                  .getResult();
            },
            [&](Value k, Value c, Value score) {
              copySeq(candSeq, {item, c}, runSeq, {item, k});
              memref::StoreOp::create(b, score, runScore, ValueRange{item, k});
              Value row = b.add(rowBase, k);
              Value parent =
                  memref::LoadOp::create(b, candParent, ValueRange{item, c});
              memref::StoreOp::create(b, b.add(rowBase, parent), parentRow,
                                      row);
              memref::StoreOp::create(
                  b, memref::LoadOp::create(b, candTok, ValueRange{item, c}),
                  lastTok, row);
            });
        // f. The finished beams: the old ones, then the candidates scored
        // with the length penalty and the masks, ranked together.
        Value full = arith::ConstantOp::create(b, b.getBoolAttr(false));
        if (earlyTrue)
          full = b.cmp(
              arith::CmpIPredicate::ne,
              b.forLoop(zero, beamsV, ValueRange{one32},
                        [&](Value k, ValueRange acc) -> SmallVector<Value> {
                          return {arith::AndIOp::create(
                              b, acc[0],
                              memref::LoadOp::create(b, finDone,
                                                     ValueRange{item, k}))};
                        })[0],
              zero32);
        Value closed = b.cmp(arith::CmpIPredicate::eq,
                             memref::LoadOp::create(b, unsat, item), zero32);
        b.forLoop(zero, beamsV, [&](Value k) {
          memref::StoreOp::create(
              b, memref::LoadOp::create(b, finScore, ValueRange{item, k}),
              ranked, ValueRange{item, k});
        });
        b.forLoop(zero, candV, [&](Value c) {
          Value isBeam = b.cmp(arith::CmpIPredicate::slt, c, beamsV);
          Value hitEos = hitOf(c);
          Value justDone = arith::AndIOp::create(b, hitEos, isBeam);
          Value x = arith::DivFOp::create(
              b, memref::LoadOp::create(b, candScore, ValueRange{item, c}),
              lengthDiv);
          x = arith::AddFOp::create(b, x, b.select(full, excluded, zeroF));
          x = arith::AddFOp::create(b, x, b.select(closed, excluded, zeroF));
          x = arith::AddFOp::create(b, x, b.select(justDone, zeroF, excluded));
          memref::StoreOp::create(b, x, ranked,
                                  ValueRange{item, b.add(beamsV, c)});
        });
        selectTop(
            beams, b.index(beams + numCand),
            [&](Value m) {
              return memref::LoadOp::create(b, ranked, ValueRange{item, m})
                  .getResult();
            },
            [&](Value k, Value m, Value score) {
              memref::StoreOp::create(b, score, tmpScore, ValueRange{item, k});
              Value old = b.cmp(arith::CmpIPredicate::slt, m, beamsV);
              b.ifThen(old, [&] {
                copySeq(finSeq, {item, m}, tmpSeq, {item, k});
                memref::StoreOp::create(
                    b, memref::LoadOp::create(b, finLen, ValueRange{item, m}),
                    tmpLen, ValueRange{item, k});
                memref::StoreOp::create(
                    b, memref::LoadOp::create(b, finDone, ValueRange{item, m}),
                    tmpDone, ValueRange{item, k});
              });
              b.ifThen(arith::XOrIOp::create(
                           b, old,
                           arith::ConstantOp::create(b, b.getBoolAttr(true))),
                       [&] {
                         Value c = b.sub(m, beamsV);
                         copySeq(candSeq, {item, c}, tmpSeq, {item, k});
                         memref::StoreOp::create(
                             b, arith::IndexCastOp::create(b, i32, generated),
                             tmpLen, ValueRange{item, k});
                         Value isBeam =
                             b.cmp(arith::CmpIPredicate::slt, c, beamsV);
                         Value hitEos = hitOf(c);
                         Value justDone =
                             arith::AndIOp::create(b, hitEos, isBeam);
                         memref::StoreOp::create(
                             b, arith::ExtUIOp::create(b, i32, justDone),
                             tmpDone, ValueRange{item, k});
                       });
            });
        b.forLoop(zero, beamsV, [&](Value k) {
          copySeq(tmpSeq, {item, k}, finSeq, {item, k});
          for (auto [from, to] :
               {std::pair{tmpScore, finScore}, std::pair{tmpLen, finLen},
                std::pair{tmpDone, finDone}})
            memref::StoreOp::create(
                b, memref::LoadOp::create(b, from, ValueRange{item, k}), to,
                ValueRange{item, k});
        });
        // g. Can the running beams still beat the worst finished one?
        Value bestRunning = arith::DivFOp::create(
            b, memref::LoadOp::create(b, runScore, ValueRange{item, zero}),
            bestDiv);
        Value worst = b.forLoop(
            zero, beamsV, ValueRange{b.f32(inf)},
            [&](Value k, ValueRange acc) -> SmallVector<Value> {
              return {arith::MinimumFOp::create(
                  b, acc[0],
                  memref::LoadOp::create(b, finScore, ValueRange{item, k}))};
            })[0];
        Value improvable = b.forLoop(
            zero, beamsV, ValueRange{zero32},
            [&](Value k, ValueRange acc) -> SmallVector<Value> {
              Value done =
                  b.cmp(arith::CmpIPredicate::ne,
                        memref::LoadOp::create(b, finDone, ValueRange{item, k}),
                        zero32);
              Value bound = b.select(done, worst, excluded);
              Value better = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                                   bestRunning, bound);
              return {arith::OrIOp::create(
                  b, acc[0], arith::ExtUIOp::create(b, i32, better))};
            })[0];
        memref::StoreOp::create(
            b,
            arith::AndIOp::create(b, memref::LoadOp::create(b, unsat, item),
                                  improvable),
            unsat, item);
      });
      // The whole search goes on while some item can improve, some item
      // is not full (early_stopping = "true") and some candidate can go on.
      auto reduce = [&](Value count, Value init, bool isAnd,
                        function_ref<Value(Value)> element) {
        return b.forLoop(
            zero, count, ValueRange{init},
            [&](Value i, ValueRange acc) -> SmallVector<Value> {
              Value e = element(i);
              return {isAnd ? arith::AndIOp::create(b, acc[0], e).getResult()
                            : arith::OrIOp::create(b, acc[0], e).getResult()};
            })[0];
      };
      Value improvable = reduce(batch, zero32, false, [&](Value item) {
        return memref::LoadOp::create(b, unsat, item).getResult();
      });
      Value allHit = reduce(b.mul(batch, candV), one32, true, [&](Value i) {
        Value item = arith::DivUIOp::create(b, i, candV);
        Value c = arith::RemUIOp::create(b, i, candV);
        return memref::LoadOp::create(b, candHit, ValueRange{item, c})
            .getResult();
      });
      Value go = arith::AndIOp::create(b, improvable,
                                       arith::XOrIOp::create(b, allHit, one32));
      if (earlyTrue) {
        Value allFull = reduce(b.mul(batch, beamsV), one32, true, [&](Value i) {
          Value item = arith::DivUIOp::create(b, i, beamsV);
          Value k = arith::RemUIOp::create(b, i, beamsV);
          return memref::LoadOp::create(b, finDone, ValueRange{item, k})
              .getResult();
        });
        go = arith::AndIOp::create(b, go,
                                   arith::XOrIOp::create(b, allFull, one32));
      }
      memref::StoreOp::create(b, go, going, zero);
    };

    // Paged caches: the loop-owned block table `table` [rows, MaxBlocks]
    // (its next value built in `nextTable`), a reference count per block,
    // the free blocks as a stack, and per row the tail to allocate and the
    // copy-on-write source and destination.
    std::optional<uint64_t> tableIndex = op.getBlockTable();
    ArrayRef<int64_t> pagedIndices = op.getPagedCaches();
    Value table, nextTable, refs, freeList, freeTop, claimed, needBlock,
        cowFrom, cowTo, maxBlocks, numBlocks, blockSize;
    RankedTensorType tableType;
    int64_t poolBlocks = 0, poolBlockSize = 0;
    if (tableIndex) {
      Value init = op.getInitState()[*tableIndex];
      tableType = cast<RankedTensorType>(init.getType());
      Value pool = op.getInitState()[pagedIndices.front()];
      poolBlocks = cast<RankedTensorType>(pool.getType()).getDimSize(0);
      poolBlockSize = cast<RankedTensorType>(pool.getType()).getDimSize(2);
      maxBlocks = b.dim(init, 1);
      numBlocks = b.dim(pool, 0);
      blockSize = b.dim(pool, 2);
      // A dynamic BlockSize of 0 (reported at entry) is taken as 1 so that
      // nothing divides by zero; the loop-owned tables get at least one
      // column so that a dynamic MaxBlocks of 0 (reported) reads in bounds.
      if (ShapedType::isDynamic(poolBlockSize))
        blockSize = b.max(blockSize, one);
      Value tableColumns = b.max(maxBlocks, one);
      auto dyn2 = MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                  i32);
      table = memref::AllocOp::create(b, dyn2, ValueRange{rows, tableColumns});
      nextTable =
          memref::AllocOp::create(b, dyn2, ValueRange{rows, tableColumns});
      refs = alloc({}, i32, numBlocks);
      freeList = alloc({}, b.getIndexType(), numBlocks);
      freeTop = memref::AllocaOp::create(
          b, MemRefType::get({1}, b.getIndexType()));
      claimed = alloc({}, i32, rows);
      needBlock = alloc({}, i32, rows);
      cowFrom = alloc({}, b.getIndexType(), rows);
      cowTo = alloc({}, b.getIndexType(), rows);
    }
    auto isPaged = [&](int64_t i) {
      return llvm::is_contained(pagedIndices, i);
    };

    // The block-table permutation after selection step `s` (index): every
    // row then holds L = start + s positions, L / BlockSize full blocks
    // (shared with its parent's: reference counted, never copied) and a
    // tail block for position L on, its own. Step 0 reads the entry's
    // table, in which only beam 0's rows hold blocks (the prompt's).
    // Returns per row the filled slots to copy from cowFrom to cowTo.
    auto permuteTable = [&](Value s, bool atEntry) {
      auto lengthOf = [&](Value item) {
        Value l = b.add(b.loadIndex(start, {item}), s);
        return b.max(l, zero);
      };
      if (atEntry) {
        // The verifier's rules on the table and the pool, for the extents
        // it could not see (a dynamic MaxBlocks of 0 would leave nowhere
        // to write the generated tokens).
        if (ShapedType::isDynamic(poolBlockSize))
          b.raiseUnless(anchor,
                        b.cmp(arith::CmpIPredicate::sgt,
                              b.dim(op.getInitState()[pagedIndices.front()], 2),
                              zero),
                        kCacheOverflow, "paged caches with BlockSize 0");
        if (tableType.isDynamicDim(1) ||
            ShapedType::isDynamic(poolBlockSize)) {
          Value reported = b.index(op.getMaxNewTokens());
          Value newTokens = b.index(op.getMaxNewTokens());
          Value addressed = b.mul(maxBlocks, blockSize);
          Value fits = b.cmp(arith::CmpIPredicate::sge, addressed, newTokens);
          b.raiseUnless(
              anchor, fits, kCacheOverflow,
              "the block table addresses MaxBlocks * BlockSize = %ld * %ld "
              "positions, fewer than max_new_tokens (%ld)",
              {maxBlocks, blockSize, reported});
        }
        if (ShapedType::isDynamic(poolBlocks) ||
            ShapedType::isDynamic(poolBlockSize) ||
            tableType.isDynamicDim(0)) {
          Value newTokens = b.index(op.getMaxNewTokens());
          Value slack = b.sub(blockSize, one);
          Value positions = b.add(slack, newTokens);
          Value perBeam = arith::CeilDivUIOp::create(b, positions, blockSize);
          b.raiseUnless(anchor,
                        b.cmp(arith::CmpIPredicate::uge, numBlocks,
                              b.mul(rows, perBeam)),
                        kCacheOverflow,
                        "the block pool of %ld blocks is smaller than B * "
                        "num_beams * ceil((BlockSize - 1 + max_new_tokens) "
                        "/ BlockSize) = %ld * %ld",
                        {numBlocks, rows, perBeam});
        }
        Value initTable = b.buffer(op.getInitState()[*tableIndex]);
        b.forLoop(zero, numBlocks, [&](Value blk) {
          memref::StoreOp::create(b, zero32, refs, blk);
        });
        b.forLoop(zero, batch, [&](Value item) {
          Value row = b.mul(item, beamsV);
          Value length = lengthOf(item);
          Value held = arith::CeilDivUIOp::create(b, length, blockSize);
          b.raiseUnless(anchor,
                        b.cmp(arith::CmpIPredicate::ule, held, maxBlocks),
                        kCacheOverflow,
                        "a prompt of %ld positions needs %ld blocks of %ld "
                        "slots, more than the block table's %ld",
                        {length, held, blockSize, maxBlocks});
          Value heldC = b.min(held, maxBlocks);
          b.forLoop(zero, maxBlocks, [&](Value j) {
            Value id = memref::LoadOp::create(b, initTable, ValueRange{row, j});
            Value idIndex = b.indexCast(id);
            Value belowEnd =
                b.cmp(arith::CmpIPredicate::slt, idIndex, numBlocks);
            Value nonNegative = b.cmp(arith::CmpIPredicate::sge, id, zero32);
            Value inPool = arith::AndIOp::create(b, nonNegative, belowEnd);
            Value live = b.cmp(arith::CmpIPredicate::ult, j, heldC);
            b.ifThen(live, [&] {
              b.raiseUnless(anchor, inPool, kIndexOutOfRange,
                            "block table entry %ld of beam row %ld is %ld, "
                            "outside the pool of %ld blocks",
                            {j, row, id, numBlocks});
            });
            // Entries outside the pool are read as block 0 (unchecked
            // builds stay in bounds).
            id = b.select(inPool, id, zero32);
            memref::StoreOp::create(b, id, table, ValueRange{row, j});
            b.ifThen(live, [&] {
              Value idx = b.indexCast(id);
              Value count = memref::LoadOp::create(b, refs, idx);
              memref::StoreOp::create(
                  b, arith::AddIOp::create(b, count, one32), refs, idx);
            });
          });
        });
        // A partly filled prompt block is written by the next step: it must
        // be its row's alone (full blocks may be shared, e.g. a common
        // prefix).
        b.forLoop(zero, batch, [&](Value item) {
          Value row = b.mul(item, beamsV);
          Value length = lengthOf(item);
          Value full = arith::DivUIOp::create(b, length, blockSize);
          Value inTable = b.cmp(arith::CmpIPredicate::ult, full, maxBlocks);
          Value tail = arith::RemUIOp::create(b, length, blockSize);
          Value hasTail = b.cmp(arith::CmpIPredicate::ne, tail, zero);
          Value partial = arith::AndIOp::create(b, hasTail, inTable);
          b.ifThen(partial, [&] {
            Value id = memref::LoadOp::create(b, table, ValueRange{row, full});
            Value count = memref::LoadOp::create(b, refs, b.indexCast(id));
            b.raiseUnless(anchor,
                          b.cmp(arith::CmpIPredicate::eq, count, one32),
                          kIndexOutOfRange,
                          "the partly filled prompt block %ld of beam row %ld "
                          "is shared with another row",
                          {id, row});
          });
        });
        // The free blocks, lowest id on top.
        memref::StoreOp::create(b, zero, freeTop, zero);
        b.forLoop(zero, numBlocks, [&](Value i) {
          Value blk = b.sub(b.sub(numBlocks, one), i);
          Value isFree = b.cmp(arith::CmpIPredicate::eq,
                               memref::LoadOp::create(b, refs, blk), zero32);
          b.ifThen(isFree, [&] {
            Value top = memref::LoadOp::create(b, freeTop, zero);
            memref::StoreOp::create(b, blk, freeList, top);
            memref::StoreOp::create(b, b.add(top, one), freeTop, zero);
          });
        });
      }
      // Per item: full = L / BlockSize shared blocks, rem = L % BlockSize
      // filled slots of the tail (block `full`), which exists when
      // full < MaxBlocks (else the next write overflows the table, which
      // seq.cache_write reports); an old row holds held = ceil(L /
      // BlockSize) blocks, a new one full + hasTail.
      struct Extent {
        Value full, rem, hasTail, held, newHeld;
      };
      auto extentOf = [&](Value item) {
        Value length = lengthOf(item);
        Value full = arith::DivUIOp::create(b, length, blockSize);
        Value rem = arith::RemUIOp::create(b, length, blockSize);
        Value hasTail = b.cmp(arith::CmpIPredicate::ult, full, maxBlocks);
        Value fullC = b.min(full, maxBlocks);
        Value partial = b.cmp(arith::CmpIPredicate::ne, rem, zero);
        Value withTail = b.add(fullC, one);
        Value tailHeld = arith::AndIOp::create(b, partial, hasTail);
        Value held = b.select(tailHeld, withTail, fullC);
        Value newHeld = b.select(hasTail, b.add(fullC, one), fullC);
        return Extent{fullC, rem, hasTail, held, newHeld};
      };
      auto parentOf = [&](Value r) -> Value {
        if (atEntry)
          return b.mul(arith::DivUIOp::create(b, r, beamsV), beamsV);
        return memref::LoadOp::create(b, parentRow, r);
      };
      auto addRef = [&](Value id, int32_t delta) {
        Value idx = b.indexCast(id);
        Value change = b.i32(delta);
        Value old = memref::LoadOp::create(b, refs, idx);
        Value count = arith::AddIOp::create(b, old, change);
        memref::StoreOp::create(b, count, refs, idx);
        return count;
      };
      b.forLoop(zero, rows, [&](Value r) {
        memref::StoreOp::create(b, zero32, claimed, r);
      });
      // 1. Each row takes its parent's full blocks; the first child of a
      // parent takes over its partly filled tail, the others (and every
      // row when no tail is partly filled) need a fresh block.
      b.forLoop(zero, rows, [&](Value r) {
        Value item = arith::DivUIOp::create(b, r, beamsV);
        Extent e = extentOf(item);
        Value p = parentOf(r);
        b.forLoop(zero, e.full, [&](Value j) {
          Value id = memref::LoadOp::create(b, table, ValueRange{p, j});
          memref::StoreOp::create(b, id, nextTable, ValueRange{r, j});
          addRef(id, 1);
        });
        Value partial = b.cmp(arith::CmpIPredicate::ne, e.rem, zero);
        Value firstChild = b.cmp(arith::CmpIPredicate::eq,
                                 memref::LoadOp::create(b, claimed, p), zero32);
        Value takeOver = arith::AndIOp::create(
            b, arith::AndIOp::create(b, partial, firstChild), e.hasTail);
        Value tailIdx = b.min(e.full, b.max(b.sub(maxBlocks, one), zero));
        Value tail = memref::LoadOp::create(b, table, ValueRange{p, tailIdx});
        b.ifThen(takeOver, [&] {
          memref::StoreOp::create(b, one32, claimed, p);
          memref::StoreOp::create(b, tail, nextTable, ValueRange{r, e.full});
          addRef(tail, 1);
        });
        Value fresh = arith::AndIOp::create(
            b, e.hasTail,
            arith::XOrIOp::create(
                b, takeOver,
                arith::ConstantOp::create(b, b.getBoolAttr(true))));
        memref::StoreOp::create(b, arith::ExtUIOp::create(b, i32, fresh),
                                needBlock, r);
        memref::StoreOp::create(b, b.indexCast(tail), cowFrom, r);
        memref::StoreOp::create(b, zero, cowTo, r);
      });
      // 2. The old rows let go of their blocks; unreferenced ones are free.
      b.forLoop(zero, rows, [&](Value q) {
        auto release = [&] {
          Value item = arith::DivUIOp::create(b, q, beamsV);
          Extent e = extentOf(item);
          b.forLoop(zero, e.held, [&](Value j) {
            Value id = memref::LoadOp::create(b, table, ValueRange{q, j});
            Value count = addRef(id, -1);
            b.ifThen(b.cmp(arith::CmpIPredicate::eq, count, zero32), [&] {
              Value top = memref::LoadOp::create(b, freeTop, zero);
              memref::StoreOp::create(b, b.indexCast(id), freeList, top);
              memref::StoreOp::create(b, b.add(top, one), freeTop, zero);
            });
          });
        };
        if (!atEntry)
          return release();
        Value beam0 = b.cmp(arith::CmpIPredicate::eq,
                            arith::RemUIOp::create(b, q, beamsV), zero);
        b.ifThen(beam0, release);
      });
      // 3. Fresh tail blocks from the free list; the rest of each row
      // points at block 0 (never read: kv_lengths masks it).
      b.forLoop(zero, rows, [&](Value r) {
        Value item = arith::DivUIOp::create(b, r, beamsV);
        Extent e = extentOf(item);
        Value need = b.cmp(arith::CmpIPredicate::ne,
                           memref::LoadOp::create(b, needBlock, r), zero32);
        b.ifThen(need, [&] {
          Value top = memref::LoadOp::create(b, freeTop, zero);
          Value dry = b.cmp(arith::CmpIPredicate::eq, top, zero);
          b.ifThen(dry, [&] {
            b.raiseStatus(anchor, kCacheOverflow,
                          "the block pool of %ld blocks ran dry: beam row "
                          "%ld needs a block for position %ld",
                          {numBlocks, r,
                           b.add(b.mul(e.full, blockSize), e.rem)});
          });
          // A dry pool (reported) reuses block 0 rather than read out of
          // bounds.
          Value newTop = b.select(dry, zero, b.sub(top, one));
          Value blk = b.select(
              dry, zero, memref::LoadOp::create(b, freeList, newTop));
          memref::StoreOp::create(b, newTop, freeTop, zero);
          Value id = arith::IndexCastOp::create(b, i32, blk);
          memref::StoreOp::create(b, id, nextTable, ValueRange{r, e.full});
          memref::StoreOp::create(b, one32, refs, blk);
          memref::StoreOp::create(b, blk, cowTo, r);
        });
        b.forLoop(e.newHeld, maxBlocks, [&](Value j) {
          memref::StoreOp::create(b, zero32, nextTable, ValueRange{r, j});
        });
      });
      memref::CopyOp::create(b, nextTable, table);
    };

    // The copy-on-write of the paged caches after permuteTable: the
    // L % BlockSize filled slots of each fresh tail's source block (zero
    // slots for a row that took over its parent's tail or starts a new
    // block).
    auto copyOnWrite = [&](Value s, Value pool) {
      auto type = cast<RankedTensorType>(pool.getType());
      return b.forLoop(
          zero, rows, ValueRange{pool},
          [&](Value r, ValueRange acc) -> SmallVector<Value> {
            Value item = arith::DivUIOp::create(b, r, beamsV);
            Value length = b.max(b.add(b.loadIndex(start, {item}), s), zero);
            Value rem = arith::RemUIOp::create(b, length, blockSize);
            Value copies = b.cmp(arith::CmpIPredicate::ne,
                                 memref::LoadOp::create(b, needBlock, r),
                                 zero32);
            Value slots = b.select(copies, rem, zero);
            Value from = memref::LoadOp::create(b, cowFrom, r);
            Value to = memref::LoadOp::create(b, cowTo, r);
            SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
            for (int64_t d : {1, 2, 3}) {
              if (d == 2)
                sizes.push_back(slots);
              else if (type.isDynamicDim(d))
                sizes.push_back(b.dim(acc[0], d));
              else
                sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
            }
            SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
            SmallVector<OpFoldResult> src{from, b.getIndexAttr(0),
                                          b.getIndexAttr(0), b.getIndexAttr(0)};
            SmallVector<OpFoldResult> dst{to, b.getIndexAttr(0),
                                          b.getIndexAttr(0), b.getIndexAttr(0)};
            // Only a row that copies touches the pool: the slice goes
            // through a temporary (bufferization cannot tell that source
            // and destination blocks differ), which a row copying nothing
            // would otherwise allocate too.
            Value any = arith::AndIOp::create(
                b, copies, b.cmp(arith::CmpIPredicate::ne, rem, zero));
            auto copy = scf::IfOp::create(b, TypeRange{acc[0].getType()}, any,
                                          /*withElseRegion=*/true);
            {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPointToStart(&copy.getThenRegion().front());
              Value block = tensor::ExtractSliceOp::create(b, acc[0], src,
                                                           sizes, unit);
              scf::YieldOp::create(b, tensor::InsertSliceOp::create(
                                          b, block, acc[0], dst, sizes, unit)
                                          .getResult());
              b.setInsertionPointToStart(&copy.getElseRegion().front());
              scf::YieldOp::create(b, acc[0]);
            }
            return {copy.getResult(0)};
          })[0];
    };

    // The block table as the body sees it: a snapshot of `table`.
    auto tableTensor = [&] {
      SmallVector<Value> sizes;
      if (tableType.isDynamicDim(0))
        sizes.push_back(rows);
      if (tableType.isDynamicDim(1))
        sizes.push_back(maxBlocks);
      return tensor::GenerateOp::create(
                 b, tableType, sizes,
                 [&](OpBuilder &, Location loc, ValueRange ij) {
                   tensor::YieldOp::create(
                       b, loc,
                       memref::LoadOp::create(b, table, ij).getResult());
                 })
          .getResult();
    };

    // The state reordered after selection step `s`: the block table
    // permuted and the paged caches copied on write, every other state
    // tensor gathered on dim 0 by `parentRow` into a fresh tensor.
    auto reorder = [&](ValueRange state, Value s, bool atEntry) {
      if (tableIndex)
        permuteTable(s, atEntry);
      SmallVector<Value> out;
      for (auto [i, tensor] : llvm::enumerate(state)) {
        if (tableIndex && i == *tableIndex) {
          out.push_back(tableTensor());
          continue;
        }
        if (isPaged(i)) {
          out.push_back(copyOnWrite(s, tensor));
          continue;
        }
        auto type = cast<RankedTensorType>(tensor.getType());
        SmallVector<Value> dynamic;
        SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
        SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0));
        SmallVector<OpFoldResult> unit(type.getRank(), b.getIndexAttr(1));
        for (int64_t d = 0; d < type.getRank(); ++d) {
          Value extent;
          if (type.isDynamicDim(d)) {
            extent = tensor::DimOp::create(b, tensor, d);
            dynamic.push_back(extent);
          }
          if (d > 0)
            sizes.push_back(extent ? OpFoldResult(extent)
                                   : b.getIndexAttr(type.getDimSize(d)));
        }
        Value fresh = tensor::EmptyOp::create(b, type.getShape(),
                                              type.getElementType(), dynamic);
        out.push_back(b.forLoop(
            zero, rows, ValueRange{fresh},
            [&](Value r, ValueRange acc) -> SmallVector<Value> {
              SmallVector<OpFoldResult> from(zeros), to(zeros);
              from[0] = memref::LoadOp::create(b, parentRow, r).getResult();
              to[0] = r;
              auto sliceType = RankedTensorType::get(
                  [&] {
                    SmallVector<int64_t> shape(type.getShape());
                    shape[0] = 1;
                    return shape;
                  }(),
                  type.getElementType());
              Value slice = tensor::ExtractSliceOp::create(b, sliceType, tensor,
                                                           from, sizes, unit);
              return {tensor::InsertSliceOp::create(b, slice, acc[0], to, sizes,
                                                    unit)
                          .getResult()};
            })[0]);
      }
      return out;
    };

    // Step 0: the first logits, expanded from beam 0.
    computeLogp(first, /*fromFirst=*/true);
    selectStep(zero);
    SmallVector<Value> state0 = reorder(op.getInitState(), zero, true);

    // Steps 1 .. max_new_tokens - 1: the body on the running beams' last
    // tokens at position start + s - 1.
    Block &body = op.getBody().front();
    auto stepType = cast<RankedTensorType>(body.getArgument(0).getType());
    auto column = [&](Value buffer) {
      SmallVector<Value> sizes;
      if (stepType.isDynamicDim(0))
        sizes.push_back(rows);
      return tensor::GenerateOp::create(
          b, stepType, sizes, [&](OpBuilder &, Location loc, ValueRange ij) {
            tensor::YieldOp::create(
                b, loc, memref::LoadOp::create(b, buffer, ij[0]).getResult());
          });
    };
    b.forLoop(
        one, b.index(maxNew), state0,
        [&](Value s, ValueRange state) -> SmallVector<Value> {
          Value active = b.cmp(arith::CmpIPredicate::ne,
                               memref::LoadOp::create(b, going, zero), zero32);
          auto branch = scf::IfOp::create(b, state.getTypes(), active,
                                          /*withElseRegion=*/true);
          OpBuilder::InsertionGuard guard(b);
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
          Value offset = arith::IndexCastOp::create(b, i32, b.sub(s, one));
          b.forLoop(zero, rows, [&](Value r) {
            Value item = arith::DivUIOp::create(b, r, beamsV);
            memref::StoreOp::create(
                b,
                arith::AddIOp::create(b, memref::LoadOp::create(b, start, item),
                                      offset),
                pos, r);
          });
          SmallVector<Value> args{column(lastTok), column(pos)};
          llvm::append_range(args, state);
          SmallVector<Value> yielded = b.inlineRegion(op.getBody(), args);
          computeLogp(b.buffer(yielded[0]), /*fromFirst=*/false);
          selectStep(s);
          SmallVector<Value> next =
              reorder(ArrayRef<Value>(yielded).drop_front(), s, false);
          if (needsThenYield)
            scf::YieldOp::create(b, next);
          if (moveInto(branch.getElseRegion()))
            scf::YieldOp::create(b, state);
          return SmallVector<Value>(branch.getResults());
        });

    rewriter.replaceOp(op, {b.toTensor(finSeq, op.getSequences().getType()),
                            b.toTensor(finScore, op.getScores().getType()),
                            b.toTensor(finLen, op.getLengths().getType())});
    return success();
  }
};
} // namespace

void seq::populateBeamSearchToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<BeamSearchLoopLowering>(patterns.getContext());
}
