//===- Speculative.cpp - speculative decoding of imported models ----------===//
//
// This file implements importCheckpoint: a checkpoint import (a Hugging
// Face directory or a GGUF file) followed by the entries that need more
// than one model's builder:
//
//   @generate_speculative(prompt [1,S], seed)
//       -> (tokens [1,N], count [1], verify steps [1], accepted drafts [1]
//           [, drafted tokens [1] with --adaptive-k])
//
// a seq.speculative_decode_loop whose verify region is the target's @step
// over K + 1 tokens and whose draft region is a second imported model
// (--draft-model, merged into the module with its symbols prefixed
// "draft_" and its parameter keys "draft/") or prompt lookup
// (--prompt-lookup=G, seq.ngram_draft over the token history). Best-of-N
// (--best-of) is BestOf.cpp.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"
#include "Entries.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Import/Import.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;

/// Imports `path`: a Hugging Face directory or a GGUF file.
static OwningOpRef<ModuleOp> importOne(MLIRContext *ctx, StringRef path,
                                       const ImportOptions &options) {
  if (isHuggingFaceDirectory(path))
    return importHuggingFace(ctx, path, options);
  if (isGgufFile(path))
    return importGguf(ctx, path, options);
  emitError(FileLineColLoc::get(ctx, path, 0, 0))
      << "not a model: expected a Hugging Face model directory (with a "
         "config.json) or a GGUF file";
  return nullptr;
}

func::FuncOp mlir::seq::lookupStep(ModuleOp module, StringRef prefix,
                                   bool withHead) {
  return module.lookupSymbol<func::FuncOp>(
      (prefix + (withHead ? "step" : "advance")).str());
}

RankedTensorType mlir::seq::stepLogitsType(func::FuncOp step) {
  return cast<RankedTensorType>(step.getFunctionType().getResult(0));
}

int64_t mlir::seq::stepCapacity(func::FuncOp step) {
  auto attr = step->getAttrOfType<IntegerAttr>(kStepCapacityAttr);
  return attr ? attr.getInt() : 0;
}

Value mlir::seq::zeroTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  // alloc_tensor, not tensor.empty: CSE must not merge two states.
  Value empty =
      bufferization::AllocTensorOp::create(b, loc, type, ValueRange{});
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(type.getElementType())));
  return linalg::FillOp::create(b, loc, zero, empty)->getResult(0);
}

Value mlir::seq::iotaRow(OpBuilder &b, Location loc, Value S) {
  Type i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, ShapedType::kDynamic}, i32, ValueRange{S});
  auto map = AffineMap::getMultiDimIdentityMap(2, b.getContext());
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{map},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange) {
               Value i = linalg::IndexOp::create(nb, nl, 1);
               Value v = arith::IndexCastOp::create(nb, nl, i32, i);
               linalg::YieldOp::create(nb, nl, v);
             })
      ->getResult(0);
}

SmallVector<Value> mlir::seq::callStep(OpBuilder &b, Location loc,
                                       func::FuncOp step, Value tokens,
                                       Value positions, ValueRange state,
                                       RankedTensorType logitsType) {
  auto ids = RankedTensorType::get({1, ShapedType::kDynamic}, b.getI32Type());
  SmallVector<Value> args{tensor::CastOp::create(b, loc, ids, tokens),
                          tensor::CastOp::create(b, loc, ids, positions)};
  llvm::append_range(args, state);
  auto call = func::CallOp::create(b, loc, step, args);
  SmallVector<Value> out(call.getResults());
  if (logitsType)
    out[0] = tensor::CastOp::create(b, loc, logitsType, out[0]);
  return out;
}

Value mlir::seq::nonEmptyPrompt(OpBuilder &b, Location loc, Value prompt) {
  auto ids = cast<RankedTensorType>(prompt.getType());
  Value S = tensor::DimOp::create(b, loc, prompt, 1);
  Value empty =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, S,
                            arith::ConstantIndexOp::create(b, loc, 0));
  auto branch = scf::IfOp::create(b, loc, TypeRange{ids}, empty,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  auto one = RankedTensorType::get({1, 1}, b.getI32Type());
  Value pad = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(one, b.getI32IntegerAttr(0)));
  scf::YieldOp::create(b, loc,
                       tensor::CastOp::create(b, loc, ids, pad).getResult());
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, loc, prompt);
  return branch.getResult(0);
}

SmallVector<Value> mlir::seq::advancePrompt(OpBuilder &b, Location loc,
                                            func::FuncOp advance, Value tokens,
                                            Value positions, Value count) {
  SmallVector<Value> zeros;
  SmallVector<Type> types;
  for (Type t : advance.getFunctionType().getInputs().drop_front(2)) {
    zeros.push_back(zeroTensor(b, loc, cast<RankedTensorType>(t)));
    types.push_back(t);
  }
  // A one-token prompt leaves nothing to advance over: the states stay
  // zero (a forward over no tokens would read positions that are not
  // there).
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, count,
                                    arith::ConstantIndexOp::create(b, loc, 0));
  auto branch = scf::IfOp::create(b, loc, types, any, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&branch.getThenRegion().front());
  scf::YieldOp::create(
      b, loc, callStep(b, loc, advance, tokens, positions, zeros, nullptr));
  b.setInsertionPointToStart(&branch.getElseRegion().front());
  scf::YieldOp::create(b, loc, zeros);
  return SmallVector<Value>(branch.getResults());
}

/// Moves the draft model's functions and parameters into `target`: its
/// public entries are dropped, every other symbol is prefixed "draft_" and
/// every parameter key (and stacked part) "draft/", so that the two weight
/// sets bind from two sources (seqrt_bind_weights_prefixed).
static void mergeDraft(ModuleOp target, ModuleOp draft) {
  SmallVector<func::FuncOp> entries;
  for (auto func : draft.getOps<func::FuncOp>())
    if (func.isPublic())
      entries.push_back(func);
  for (func::FuncOp func : entries)
    func.erase();
  MLIRContext *ctx = draft.getContext();
  for (Operation &op : llvm::make_early_inc_range(*draft.getBody())) {
    auto name = op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (!name)
      continue;
    auto renamed = StringAttr::get(ctx, kDraftSymbolPrefix + name.getValue());
    (void)SymbolTable::replaceAllSymbolUses(&op, renamed, draft);
    SymbolTable::setSymbolName(&op, renamed);
    if (auto param = dyn_cast<ParameterOp>(op)) {
      param.setKey((kDraftKeyPrefix + param.getKey()).str());
      if (std::optional<ArrayAttr> parts = param.getParts()) {
        SmallVector<std::string> keys;
        for (Attribute part : *parts)
          keys.push_back(
              (kDraftKeyPrefix + cast<StringAttr>(part).getValue()).str());
        param.setPartsAttr(Builder(ctx).getStrArrayAttr(
            SmallVector<StringRef>(keys.begin(), keys.end())));
      }
    }
  }
  for (Operation &op : llvm::make_early_inc_range(*draft.getBody()))
    op.moveBefore(target.getBody(), target.getBody()->end());
  // The tensors the draft's importer left out, keyed as its parameters.
  if (auto ignored =
          draft->getAttrOfType<ArrayAttr>(seqrt::abi::kIgnoredWeightsAttr)) {
    SmallVector<std::string> names;
    if (auto own =
            target->getAttrOfType<ArrayAttr>(seqrt::abi::kIgnoredWeightsAttr))
      for (Attribute name : own)
        names.push_back(cast<StringAttr>(name).getValue().str());
    for (Attribute name : ignored)
      names.push_back(
          (kDraftKeyPrefix + cast<StringAttr>(name).getValue()).str());
    target->setAttr(seqrt::abi::kIgnoredWeightsAttr,
                    Builder(ctx).getStrArrayAttr(
                        SmallVector<StringRef>(names.begin(), names.end())));
  }
}

/// The draft region of prompt lookup: the history [1, L] as draft state;
/// the incoming token is written at its position (when it is below L),
/// seq.ngram_draft proposes from the history up to it, and the logits are
/// one-hot (0 at the proposal, -inf elsewhere).
static SmallVector<Value> promptLookupDraft(OpBuilder &b, Location loc,
                                            Block *body, int64_t ngram,
                                            int64_t L, int64_t vocab) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value history = body->getArgument(2);
  Value tok = tensor::ExtractOp::create(b, loc, body->getArgument(0),
                                        ValueRange{c0, c0});
  Value pos = tensor::ExtractOp::create(b, loc, body->getArgument(1),
                                        ValueRange{c0, c0});
  Value capacity = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(L)));
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value inRange = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, pos, capacity),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, pos, zero));
  auto write = scf::IfOp::create(b, loc, TypeRange{history.getType()}, inRange,
                                 /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&write.getThenRegion().front());
    Value at = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
    Value written =
        tensor::InsertOp::create(b, loc, tok, history, ValueRange{c0, at});
    scf::YieldOp::create(b, loc, written);
    b.setInsertionPointToStart(&write.getElseRegion().front());
    scf::YieldOp::create(b, loc, history);
  }
  Value h2 = write.getResult(0);
  // lengths = clamp(pos + 1, 0, L) (ngram_draft clamps too).
  Value next = arith::AddIOp::create(
      b, loc, pos, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1)));
  Value len = arith::MinSIOp::create(b, loc, next, capacity);
  auto one = RankedTensorType::get({1}, i32);
  Value lens = tensor::FromElementsOp::create(b, loc, one, ValueRange{len});
  Value draft =
      NgramDraftOp::create(b, loc, one, h2, lens, b.getI64IntegerAttr(ngram));
  Value proposal = tensor::ExtractOp::create(b, loc, draft, ValueRange{c0});
  auto logitsType = RankedTensorType::get({1, 1, vocab}, f32);
  auto logits = tensor::GenerateOp::create(b, loc, logitsType, ValueRange{});
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> idx(3, b.getIndexType());
    SmallVector<Location> locs(3, loc);
    Block *gen = b.createBlock(&logits.getBody(), {}, idx, locs);
    Value v = arith::IndexCastOp::create(b, loc, i32, gen->getArgument(2));
    Value hit =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, proposal);
    Value hot = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    Value cold = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
    tensor::YieldOp::create(
        b, loc, arith::SelectOp::create(b, loc, hit, hot, cold).getResult());
  }
  return {logits.getResult(), h2};
}

/// Adds @generate_speculative to `module` (the target, with the draft
/// model merged when `withDraftModel`).
static LogicalResult buildSpeculativeEntry(ModuleOp module, Location loc,
                                           const ImportOptions &options,
                                           bool withDraftModel) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Type i32 = b.getI32Type();
  func::FuncOp step = lookupStep(module, "", true);
  func::FuncOp advance = lookupStep(module, "", false);
  RankedTensorType logits = stepLogitsType(step);
  int64_t vocab = logits.getDimSize(2), K = options.numSpeculativeTokens;
  int64_t N = options.maxNewTokens;
  int64_t capacity = stepCapacity(step);
  func::FuncOp draftStep, draftAdvance;
  if (withDraftModel) {
    draftStep = lookupStep(module, kDraftSymbolPrefix, true);
    draftAdvance = lookupStep(module, kDraftSymbolPrefix, false);
  }

  auto ids = RankedTensorType::get({1, ShapedType::kDynamic}, i32);
  auto one = RankedTensorType::get({1}, i32);
  b.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> resultTypes{RankedTensorType::get({1, N}, i32), one, one,
                                one};
  if (options.adaptiveSpeculation)
    resultTypes.push_back(one); // drafted tokens (the k of each step, summed)
  auto func = func::FuncOp::create(
      b, loc, kSpeculativeEntry,
      b.getFunctionType({ids, b.getI64Type()}, resultTypes));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value prompt = nonEmptyPrompt(b, loc, body->getArgument(0));
  Value seed = body->getArgument(1);
  // The prompt but its last token fills the states; the loop starts from
  // the last token, which neither model has consumed.
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value S = tensor::DimOp::create(b, loc, prompt, 1);
  Value context =
      arith::SubIOp::create(b, loc, arith::MaxSIOp::create(b, loc, S, c1), c1);
  Value prefix = tensor::ExtractSliceOp::create(
      b, loc, ids, prompt,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), context},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value positions = iotaRow(b, loc, context);
  auto prefill = [&](func::FuncOp f) {
    return advancePrompt(b, loc, f, prefix, positions, context);
  };
  SmallVector<Value> verifyInit = prefill(advance), draftInit;
  if (withDraftModel) {
    draftInit = prefill(draftAdvance);
  } else {
    // The history: the prompt's first `context` tokens (at most L).
    auto historyType = RankedTensorType::get({1, capacity}, i32);
    Value history = zeroTensor(b, loc, historyType);
    Value kept = arith::MinSIOp::create(
        b, loc, context, arith::ConstantIndexOp::create(b, loc, capacity));
    Value head = tensor::ExtractSliceOp::create(
        b, loc, ids, prefix,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), kept},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    draftInit.push_back(tensor::InsertSliceOp::create(
        b, loc, head, history,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), kept},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)}));
  }
  Value last = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1, 1}, i32), prompt,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), context},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  Value first = tensor::CollapseShapeOp::create(
      b, loc, one, last, SmallVector<ReassociationIndices>{{0, 1}});
  Value start = tensor::FromElementsOp::create(
      b, loc, one,
      ValueRange{arith::IndexCastOp::create(b, loc, i32, context).getResult()});

  auto sampling = SamplingAttr::get(
      ctx, llvm::APFloat(static_cast<float>(options.temperature)), options.topK,
      llvm::APFloat(static_cast<float>(options.topP)));
  auto eos = step->getAttrOfType<DenseI64ArrayAttr>(kStepEosAttr);
  SmallVector<Type> draftTypes, verifyTypes;
  for (Value v : draftInit)
    draftTypes.push_back(v.getType());
  for (Value v : verifyInit)
    verifyTypes.push_back(v.getType());
  // Adaptive K: the num_drafted result [1] is the entry's output 4.
  bool adaptive = options.adaptiveSpeculation;
  auto loop = SpeculativeDecodeLoopOp::create(
      b, loc, RankedTensorType::get({1, N}, i32), one, one, one,
      adaptive ? Type(one) : Type(), draftTypes, verifyTypes, first, start,
      seed, draftInit, verifyInit, b.getI64IntegerAttr(K),
      b.getI64IntegerAttr(N), eos ? eos : b.getDenseI64ArrayAttr({}),
      b.getI64IntegerAttr(0), b.getI64IntegerAttr(0), sampling,
      adaptive ? b.getUnitAttr() : UnitAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    auto column = [&](int64_t n) { return RankedTensorType::get({1, n}, i32); };
    SmallVector<Type> argTypes{column(1), column(1)};
    llvm::append_range(argTypes, draftTypes);
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *draftBody = b.createBlock(&loop.getDraft(), {}, argTypes, locs);
    SmallVector<Value> yields =
        withDraftModel
            ? callStep(b, loc, draftStep, draftBody->getArgument(0),
                       draftBody->getArgument(1),
                       draftBody->getArguments().drop_front(2),
                       RankedTensorType::get({1, 1, vocab}, b.getF32Type()))
            : promptLookupDraft(b, loc, draftBody, options.promptLookup,
                                capacity, vocab);
    YieldOp::create(b, loc, yields);

    argTypes = {column(K + 1), column(K + 1)};
    llvm::append_range(argTypes, verifyTypes);
    locs.assign(argTypes.size(), loc);
    Block *verifyBody = b.createBlock(&loop.getVerify(), {}, argTypes, locs);
    // A target with recurrent state verifies with @step_verify, whose
    // recurrent states come after each of the K + 1 tokens ([1, ?, ...],
    // made [1, K + 1, ...]): the loop keeps entry n, the accepted length.
    func::FuncOp verifyStep = step;
    if (step->hasAttr(kStepRecurrentAttr))
      verifyStep = module.lookupSymbol<func::FuncOp>(kVerifyStepName);
    SmallVector<Value> verified = callStep(
        b, loc, verifyStep, verifyBody->getArgument(0),
        verifyBody->getArgument(1), verifyBody->getArguments().drop_front(2),
        RankedTensorType::get({1, K + 1, vocab}, b.getF32Type()));
    for (auto [result, type] :
         llvm::zip_equal(MutableArrayRef(verified).drop_front(), verifyTypes)) {
      if (result.getType() == type)
        continue;
      auto perStep = cast<RankedTensorType>(result.getType());
      SmallVector<int64_t> shape(perStep.getShape());
      shape[1] = K + 1;
      result = tensor::CastOp::create(
          b, loc, RankedTensorType::get(shape, perStep.getElementType()),
          result);
    }
    YieldOp::create(b, loc, verified);
  }
  SmallVector<Value> results{loop.getTokens(), loop.getNumGenerated(),
                             loop.getNumVerifySteps(), loop.getNumAccepted()};
  if (Value drafted = loop.getNumDrafted())
    results.push_back(drafted);
  func::ReturnOp::create(b, loc, results);
  return success();
}

/// Checks the speculative options and that `module` can be a target.
static LogicalResult checkSpeculative(ModuleOp module, Location loc,
                                      const ImportOptions &options) {
  bool draft = !options.draftModel.empty();
  if (draft && options.promptLookup > 0)
    return emitError(loc) << "--draft-model and --prompt-lookup are "
                             "exclusive: the speculative entry has one draft";
  if (options.numSpeculativeTokens < 1 || options.numSpeculativeTokens > 64)
    return emitError(loc) << "--num-speculative-tokens must be in 1 .. 64, got "
                          << options.numSpeculativeTokens;
  if (options.promptLookup < 0 || options.promptLookup > 64)
    return emitError(loc) << "--prompt-lookup must be in 0 .. 64, got "
                          << options.promptLookup;
  if (options.adaptiveSpeculation && !options.specTree.empty())
    return emitError(loc) << "--adaptive-k adapts a chain of drafts; it does "
                             "not apply to --spec-tree";
  func::FuncOp step = lookupStep(module, "", true);
  if (!step || !lookupStep(module, "", false))
    return emitError(loc) << "speculative decoding is not built for this "
                             "model family yet (its importer makes no @step "
                             "function)";
  if (step->hasAttr(kStepRecurrentAttr) &&
      !module.lookupSymbol<func::FuncOp>(kVerifyStepName))
    return emitError(loc)
           << "speculative decoding needs the target's recurrent state after "
              "each verified token for rollback: Mamba, Mamba-2 and Jamba "
              "targets return it, this model's RG-LRU blocks do not yet; use "
              "it as the draft model instead";
  if (stepCapacity(step) <= 0)
    return emitError(loc) << "speculative decoding: the target has no "
                             "sequence capacity";
  return success();
}

OwningOpRef<ModuleOp>
mlir::seq::importCheckpoint(MLIRContext *ctx, StringRef path,
                            const ImportOptions &options) {
  OwningOpRef<ModuleOp> module = importOne(ctx, path, options);
  if (!module)
    return nullptr;
  Location loc = FileLineColLoc::get(ctx, path, 0, 0);
  bool draft = !options.draftModel.empty();
  if (!options.specTree.empty() && failed(checkTreeOptions(loc, options)))
    return nullptr;
  if (options.adaptiveSpeculation && !draft && options.promptLookup <= 0) {
    emitError(loc) << "--adaptive-k needs --draft-model or --prompt-lookup";
    return nullptr;
  }
  if (draft || options.promptLookup > 0) {
    if (failed(checkSpeculative(*module, loc, options)))
      return nullptr;
    func::FuncOp step = lookupStep(*module, "", true);
    if (draft) {
      // The draft's caches hold what the target's do.
      ImportOptions draftOptions = options;
      draftOptions.draftModel.clear();
      draftOptions.promptLookup = 0;
      draftOptions.numBeams = 0;
      draftOptions.bestOf = 0;
      draftOptions.maxSeqLen = stepCapacity(step);
      OwningOpRef<ModuleOp> draftModule =
          importOne(ctx, options.draftModel, draftOptions);
      if (!draftModule)
        return nullptr;
      Location draftLoc = FileLineColLoc::get(ctx, options.draftModel, 0, 0);
      func::FuncOp draftStep = lookupStep(*draftModule, "", true);
      if (!draftStep || !lookupStep(*draftModule, "", false)) {
        emitError(draftLoc) << "--draft-model: this model family cannot be a "
                               "draft yet (its importer makes no @step "
                               "function)";
        return nullptr;
      }
      int64_t vocab = stepLogitsType(step).getDimSize(2);
      int64_t draftVocab = stepLogitsType(draftStep).getDimSize(2);
      if (vocab != draftVocab) {
        emitError(draftLoc) << "--draft-model: the draft's vocabulary has "
                            << draftVocab << " tokens, the target's " << vocab
                            << "; both must share one tokenizer";
        return nullptr;
      }
      mergeDraft(*module, *draftModule);
    }
    if (failed(options.specTree.empty()
                   ? buildSpeculativeEntry(*module, loc, options, draft)
                   : addTreeSpeculativeEntry(*module, loc, options)))
      return nullptr;
  }
  if (options.bestOf != 0 && failed(addBestOfEntry(*module, loc, options)))
    return nullptr;
  // The generating entries' prompt must hold a token: the runtime rejects
  // an empty one (seqrt::abi::kNonEmptyAttr) before the call.
  for (StringRef name : {StringRef("generate"), StringRef("generate_beams"),
                         StringRef(kSpeculativeEntry), StringRef(kBestOfEntry)})
    if (auto func = module->lookupSymbol<func::FuncOp>(name))
      if (func.getNumArguments() > 0 &&
          isa<RankedTensorType>(func.getArgumentTypes()[0]))
        func.setArgAttr(0, seqrt::abi::kNonEmptyAttr, UnitAttr::get(ctx));
  return module;
}
