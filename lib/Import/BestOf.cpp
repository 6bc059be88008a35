//===- BestOf.cpp - best-of-N sampling of imported models -----------------===//
//
// This file implements addBestOfEntry (seqc --best-of=N):
//
//   @generate_best_of(prompt [1,S], seed)
//       -> (tokens [N,T], counts [N], log-probs [N])
//
// N sampled sequences of T = --max-new-tokens tokens in one call: the
// prompt is prefilled once, its state copied to N rows, and a
// seq.decode_loop with batch N samples row r's token t with the counter
// (seed, t, r), the scheme of `generate` (whose single row is row 0). Each
// row stops at its own EOS. The log-prob of a row is the sum over its
// tokens (EOS included) of log softmax(logits)[token], the model's own
// distribution before temperature, accumulated in the loop body from the
// logits each token was drawn from.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"
#include "Entries.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Import/Import.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Builds the entry's IR; `b` inserts into its body.
class BestOfBuilder {
public:
  BestOfBuilder(OpBuilder &b, Location loc, func::FuncOp step,
                func::FuncOp advance, int64_t rows, int64_t tokens)
      : b(b), loc(loc), step(step), advance(advance), rows(rows),
        tokens(tokens) {
    i32 = b.getI32Type();
    f32 = b.getF32Type();
    vocab = stepLogitsType(step).getDimSize(2);
  }

  void build(Value prompt, Value seed, SamplingAttr sampling,
             ArrayRef<int64_t> eos);

private:
  Value cIndex(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cI32(int32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value cF32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  /// `type` with dim 0 = `n`.
  static RankedTensorType withRows(Type type, int64_t n) {
    auto t = cast<RankedTensorType>(type);
    SmallVector<int64_t> shape(t.getShape());
    shape[0] = n;
    return RankedTensorType::get(shape, t.getElementType());
  }
  /// Row `r` of `from` (dim 0), as `from`'s type with one row.
  Value rowOf(Value from, Value r);
  /// `row` written into row `r` of `into`.
  Value insertRow(Value row, Value into, Value r);
  /// log softmax(logits[r, :])[token] in f32 (max-shifted).
  Value logProb(Value logits, Value r, Value token);
  /// True when `token` (i32) is one of `eos`.
  Value isEos(Value token, ArrayRef<int64_t> eos);

  OpBuilder &b;
  Location loc;
  func::FuncOp step, advance;
  int64_t rows, tokens, vocab;
  Type i32, f32;
};
} // namespace

Value BestOfBuilder::rowOf(Value from, Value r) {
  auto type = withRows(from.getType(), 1);
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[0] = r;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  return tensor::ExtractSliceOp::create(b, loc, type, from, offsets, sizes,
                                        strides);
}

Value BestOfBuilder::insertRow(Value row, Value into, Value r) {
  auto type = cast<RankedTensorType>(row.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[0] = r;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  return tensor::InsertSliceOp::create(b, loc, row, into, offsets, sizes,
                                       strides);
}

Value BestOfBuilder::logProb(Value logits, Value r, Value token) {
  Value c0 = cIndex(0), c1 = cIndex(1), cV = cIndex(vocab);
  auto reduce = [&](Value init,
                    function_ref<Value(Value acc, Value x)> fn) -> Value {
    auto loop = scf::ForOp::create(b, loc, c0, cV, c1, ValueRange{init});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value x = tensor::ExtractOp::create(b, loc, logits,
                                        ValueRange{r, loop.getInductionVar()});
    scf::YieldOp::create(b, loc, fn(loop.getRegionIterArgs()[0], x));
    return loop.getResult(0);
  };
  Value max = reduce(cF32(-std::numeric_limits<float>::infinity()),
                     [&](Value acc, Value x) -> Value {
                       return arith::MaximumFOp::create(b, loc, acc, x);
                     });
  Value sum = reduce(cF32(0.0f), [&](Value acc, Value x) -> Value {
    Value e =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, max));
    return arith::AddFOp::create(b, loc, acc, e);
  });
  // Clamped: a pad token after a finished row is never counted, but must
  // not index out of bounds either.
  Value t = arith::IndexCastOp::create(b, loc, b.getIndexType(), token);
  t = arith::MinUIOp::create(b, loc, t, cIndex(vocab - 1));
  Value picked = tensor::ExtractOp::create(b, loc, logits, ValueRange{r, t});
  Value shifted = arith::SubFOp::create(b, loc, picked, max);
  return arith::SubFOp::create(b, loc, shifted,
                               math::LogOp::create(b, loc, sum));
}

Value BestOfBuilder::isEos(Value token, ArrayRef<int64_t> eos) {
  Value hit = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (int64_t id : eos)
    hit = arith::OrIOp::create(
        b, loc, hit,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, token,
                              cI32(static_cast<int32_t>(id))));
  return hit;
}

void BestOfBuilder::build(Value prompt, Value seed, SamplingAttr sampling,
                          ArrayRef<int64_t> eos) {
  auto ids = RankedTensorType::get({1, ShapedType::kDynamic}, i32);
  auto vec = [&](Type element) {
    return RankedTensorType::get({rows}, element);
  };
  auto logitsRows = RankedTensorType::get({rows, vocab}, f32);
  Value c0 = cIndex(0), c1 = cIndex(1);
  // Prefill: the prompt but its last token, then the last token for its
  // logits (the head runs on one row).
  Value S = tensor::DimOp::create(b, loc, prompt, 1);
  Value context =
      arith::SubIOp::create(b, loc, arith::MaxSIOp::create(b, loc, S, c1), c1);
  Value prefix = tensor::ExtractSliceOp::create(
      b, loc, ids, prompt,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), context},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  SmallVector<Value> state =
      advancePrompt(b, loc, advance, prefix, iotaRow(b, loc, context), context);
  auto one = RankedTensorType::get({1, 1}, i32);
  Value last = tensor::ExtractSliceOp::create(
      b, loc, one, prompt, ArrayRef<OpFoldResult>{b.getIndexAttr(0), context},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value lastPos = tensor::FromElementsOp::create(
      b, loc, one,
      ValueRange{arith::IndexCastOp::create(b, loc, i32, context).getResult()});
  SmallVector<Value> out = callStep(b, loc, step, last, lastPos, state,
                                    RankedTensorType::get({1, 1, vocab}, f32));
  Value lastLogits = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({1, vocab}, f32), out[0],
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  // Every row starts from the prompt's logits and state.
  auto copies = [&](Value v) -> Value {
    if (rows == 1)
      return v;
    SmallVector<Value> parts(rows, v);
    return tensor::ConcatOp::create(b, loc, withRows(v.getType(), rows), 0,
                                    parts);
  };
  Value firstLogits = copies(lastLogits);
  Value counter0 = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value first =
      SampleOp::create(b, loc, vec(i32), firstLogits, seed, counter0, sampling);
  SmallVector<Value> init;
  for (Value v : ArrayRef(out).drop_front())
    init.push_back(copies(v));
  // The body's own state: the logits the incoming token was drawn from,
  // the log-prob so far and whether the row has ended.
  size_t modelStates = init.size();
  init.push_back(firstLogits);
  init.push_back(arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec(f32), b.getF32FloatAttr(0.0f))));
  init.push_back(arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec(i32), b.getI32IntegerAttr(0))));
  SmallVector<Type> stateTypes;
  for (Value v : init)
    stateTypes.push_back(v.getType());

  Value sequences, counts, logProbs;
  if (tokens == 1) {
    sequences = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({rows, 1}, i32), first,
        SmallVector<ReassociationIndices>{{0, 1}});
    counts = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vec(i32), b.getI32IntegerAttr(1)));
    logProbs = init[modelStates + 1];
    Value lp = logProbs;
    auto loop =
        scf::ForOp::create(b, loc, c0, cIndex(rows), c1, ValueRange{lp});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value r = loop.getInductionVar();
      Value tok = tensor::ExtractOp::create(b, loc, first, ValueRange{r});
      Value lpr = logProb(firstLogits, r, tok);
      scf::YieldOp::create(b, loc,
                           tensor::InsertOp::create(b, loc, lpr,
                                                    loop.getRegionIterArgs()[0],
                                                    ValueRange{r})
                               .getResult());
    }
    logProbs = loop.getResult(0);
    func::ReturnOp::create(b, loc, ValueRange{sequences, counts, logProbs});
    return;
  }

  Value start = tensor::FromElementsOp::create(
      b, loc, vec(i32),
      SmallVector<Value>(
          rows, arith::IndexCastOp::create(b, loc, i32, S).getResult()));
  auto loop = DecodeLoopOp::create(
      b, loc, RankedTensorType::get({rows, tokens - 1}, i32), vec(i32),
      stateTypes, first, start, seed, init, b.getI64IntegerAttr(tokens - 1),
      b.getDenseI64ArrayAttr(eos), b.getI64IntegerAttr(0),
      /*counter_offset=*/b.getI64IntegerAttr(1), sampling);
  {
    OpBuilder::InsertionGuard guard(b);
    auto column = RankedTensorType::get({rows, 1}, i32);
    SmallVector<Type> argTypes{column, column};
    llvm::append_range(argTypes, stateTypes);
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *body = b.createBlock(&loop.getBody(), {}, argTypes, locs);
    Value prev = body->getArgument(2 + modelStates);
    auto stepLogits = RankedTensorType::get({rows, 1, vocab}, f32);
    SmallVector<Value> carried{
        tensor::EmptyOp::create(b, loc, stepLogits.getShape(), f32)};
    for (size_t s = 0; s < modelStates; ++s)
      carried.push_back(body->getArgument(2 + s));
    carried.push_back(body->getArgument(3 + modelStates));
    carried.push_back(body->getArgument(4 + modelStates));
    // One forward per row: the model functions take one row.
    auto rowLoop = scf::ForOp::create(b, loc, c0, cIndex(rows), c1, carried);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value r = rowLoop.getInductionVar();
    ValueRange iter = rowLoop.getRegionIterArgs();
    Value tokRow = rowOf(body->getArgument(0), r);
    Value posRow = rowOf(body->getArgument(1), r);
    SmallVector<Value> rowState;
    for (size_t s = 0; s < modelStates; ++s)
      rowState.push_back(rowOf(iter[1 + s], r));
    SmallVector<Value> res =
        callStep(b, loc, step, tokRow, posRow, rowState,
                 RankedTensorType::get({1, 1, vocab}, f32));
    SmallVector<Value> next{insertRow(res[0], iter[0], r)};
    for (size_t s = 0; s < modelStates; ++s)
      next.push_back(insertRow(res[1 + s], iter[1 + s], r));
    // The incoming token's log-prob, unless the row had ended.
    Value tok = tensor::ExtractOp::create(b, loc, body->getArgument(0),
                                          ValueRange{r, c0});
    Value accs = iter[1 + modelStates], dones = iter[2 + modelStates];
    Value done = tensor::ExtractOp::create(b, loc, dones, ValueRange{r});
    Value live =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, done, cI32(0));
    Value lp = logProb(prev, r, tok);
    Value acc = tensor::ExtractOp::create(b, loc, accs, ValueRange{r});
    Value added = arith::SelectOp::create(
        b, loc, live, arith::AddFOp::create(b, loc, acc, lp), acc);
    Value ended = arith::OrIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, done, cI32(0)),
        isEos(tok, eos));
    next.push_back(
        tensor::InsertOp::create(b, loc, added, accs, ValueRange{r}));
    next.push_back(tensor::InsertOp::create(
        b, loc, arith::ExtUIOp::create(b, loc, i32, ended).getResult(), dones,
        ValueRange{r}));
    scf::YieldOp::create(b, loc, next);
    b.setInsertionPointAfter(rowLoop);
    SmallVector<Value> yields{rowLoop.getResult(0)};
    for (size_t s = 0; s < modelStates; ++s)
      yields.push_back(rowLoop.getResult(1 + s));
    // The logits the next token is drawn from.
    yields.push_back(tensor::CollapseShapeOp::create(
        b, loc, logitsRows, rowLoop.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1, 2}}));
    yields.push_back(rowLoop.getResult(1 + modelStates));
    yields.push_back(rowLoop.getResult(2 + modelStates));
    YieldOp::create(b, loc, yields);
  }
  ValueRange finals = loop.getFinalState();
  Value prev = finals[modelStates];
  Value accs = finals[modelStates + 1], dones = finals[modelStates + 2];
  Value loopTokens = loop.getTokens();
  Value loopCounts = loop.getNumGenerated();
  // Per row: the last token (drawn in the loop's last step, consumed by no
  // body call) adds its log-prob unless the row had ended; a first token
  // that is an EOS ends the row before the loop's tokens.
  auto rowsInit = RankedTensorType::get({rows, tokens}, i32);
  Value allTokens = tensor::ConcatOp::create(
      b, loc, rowsInit, 1,
      ValueRange{tensor::ExpandShapeOp::create(
                     b, loc, RankedTensorType::get({rows, 1}, i32), first,
                     SmallVector<ReassociationIndices>{{0, 1}}),
                 loopTokens});
  auto fix = scf::ForOp::create(b, loc, c0, cIndex(rows), c1,
                                ValueRange{allTokens, loopCounts, accs});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(fix.getBody());
    Value r = fix.getInductionVar();
    ValueRange iter = fix.getRegionIterArgs();
    Value firstTok = tensor::ExtractOp::create(b, loc, first, ValueRange{r});
    Value firstEos = isEos(firstTok, eos);
    Value lastTok = tensor::ExtractOp::create(
        b, loc, loopTokens, ValueRange{r, cIndex(tokens - 2)});
    Value done = tensor::ExtractOp::create(b, loc, dones, ValueRange{r});
    Value live =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, done, cI32(0));
    Value acc = tensor::ExtractOp::create(b, loc, iter[2], ValueRange{r});
    Value lp = logProb(prev, r, lastTok);
    Value added = arith::SelectOp::create(
        b, loc, live, arith::AddFOp::create(b, loc, acc, lp), acc);
    Value count = tensor::ExtractOp::create(b, loc, iter[1], ValueRange{r});
    count =
        arith::SelectOp::create(b, loc, firstEos, cI32(1),
                                arith::AddIOp::create(b, loc, count, cI32(1)));
    // Blank the row's loop tokens when the first token ended it.
    auto blank = scf::IfOp::create(b, loc, TypeRange{rowsInit}, firstEos,
                                   /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&blank.getThenRegion().front());
      auto padRow = RankedTensorType::get({1, tokens - 1}, i32);
      Value pads = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(padRow, b.getI32IntegerAttr(0)));
      Value blanked = tensor::InsertSliceOp::create(
          b, loc, pads, iter[0], ArrayRef<OpFoldResult>{r, b.getIndexAttr(1)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(tokens - 1)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
      scf::YieldOp::create(b, loc, blanked);
      b.setInsertionPointToStart(&blank.getElseRegion().front());
      scf::YieldOp::create(b, loc, iter[0]);
    }
    scf::YieldOp::create(
        b, loc,
        ValueRange{
            blank.getResult(0),
            tensor::InsertOp::create(b, loc, count, iter[1], ValueRange{r})
                .getResult(),
            tensor::InsertOp::create(b, loc, added, iter[2], ValueRange{r})
                .getResult()});
  }
  func::ReturnOp::create(b, loc, fix.getResults());
}

LogicalResult mlir::seq::addBestOfEntry(ModuleOp module, Location loc,
                                        const ImportOptions &options) {
  if (options.bestOf < 1 || options.bestOf > 1024)
    return emitError(loc) << "--best-of must be in 0 .. 1024, got "
                          << options.bestOf;
  func::FuncOp step = lookupStep(module, "", true);
  func::FuncOp advance = lookupStep(module, "", false);
  if (!step || !advance)
    return emitError(loc) << "--best-of is not built for this model family "
                             "yet (its importer makes no @step function)";
  OpBuilder b(module.getContext());
  Type i32 = b.getI32Type();
  int64_t N = options.bestOf, T = options.maxNewTokens;
  auto ids = RankedTensorType::get({1, ShapedType::kDynamic}, i32);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(
      b, loc, kBestOfEntry,
      b.getFunctionType({ids, b.getI64Type()},
                        {RankedTensorType::get({N, T}, i32),
                         RankedTensorType::get({N}, i32),
                         RankedTensorType::get({N}, b.getF32Type())}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto sampling = SamplingAttr::get(
      b.getContext(), llvm::APFloat(static_cast<float>(options.temperature)),
      options.topK, llvm::APFloat(static_cast<float>(options.topP)));
  auto eos = step->getAttrOfType<DenseI64ArrayAttr>(kStepEosAttr);
  BestOfBuilder(b, loc, step, advance, N, T)
      .build(nonEmptyPrompt(b, loc, body->getArgument(0)), body->getArgument(1),
             sampling, eos ? eos.asArrayRef() : ArrayRef<int64_t>());
  return success();
}
