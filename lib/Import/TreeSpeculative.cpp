//===- TreeSpeculative.cpp - tree verification of prompt-lookup drafts ----===//
//
// This file builds the `generate_speculative` entry of an imported model
// for `--prompt-lookup=G --spec-tree=b1,b2,...`: a
// seq.tree_speculative_decode_loop whose draft region fills a static tree
// (b1 children of the root, b2 children of each of those, ...) with
// seq.ngram_tree_draft over the token history, and whose verify region
// calls @tree_step: a copy of the target's @step (and of every function it
// calls) whose attentions carry a mask_mod reading the tree's ancestor
// table (keys below the tree are always visible). The table is a constant
// of the static tree, so no mask tensor flows through the model's
// functions and none of [S, S] is built. Each such attention is then split
// in two merged by log-sum-exp: the prefix below the tree (plain attention,
// the fast path) and the small tree x tree block under the mask_mod (the
// per-score path).
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"
#include "Entries.h"

#include "seq/IR/SeqOps.h"
#include "seqc/Import/Import.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::seq;

/// The prefix of @step's tree-masked copy and of the functions it calls.
static constexpr llvm::StringLiteral kTreePrefix = "tree_";
/// Nodes of a tree built from the command line.
static constexpr int64_t kMaxTreeNodes = 256;

LogicalResult mlir::seq::checkTreeOptions(Location loc,
                                          const ImportOptions &options) {
  if (!options.draftModel.empty())
    return emitError(loc)
           << "--spec-tree verifies a tree of prompt-lookup drafts: a draft "
              "model's tree (its top tokens at each depth) is not built; use "
              "--prompt-lookup=G instead of --draft-model";
  if (options.promptLookup <= 0)
    return emitError(loc) << "--spec-tree needs --prompt-lookup=G (the "
                             "n-gram continuations form the branches)";
  int64_t nodes = 0, level = 1;
  for (int64_t branching : options.specTree) {
    if (branching < 1 || branching > 16)
      return emitError(loc) << "--spec-tree: each depth's branching must be "
                               "in 1 .. 16, got "
                            << branching;
    level *= branching;
    nodes += level;
    if (nodes > kMaxTreeNodes)
      return emitError(loc) << "--spec-tree: the tree has more than "
                            << kMaxTreeNodes << " nodes";
  }
  return success();
}

/// The parents of the nodes 1 .. N of the tree with `branching[d]` children
/// per node at depth d, in breadth-first order (node 0 is the root).
static SmallVector<int64_t> treeParents(ArrayRef<int64_t> branching) {
  SmallVector<int64_t> parents, level{0};
  for (int64_t count : branching) {
    SmallVector<int64_t> next;
    for (int64_t parent : level)
      for (int64_t c = 0; c < count; ++c) {
        parents.push_back(parent);
        next.push_back(static_cast<int64_t>(parents.size()));
      }
    level = std::move(next);
  }
  return parents;
}

/// Adds to `attention` a mask_mod keeping the keys below the tree (start =
/// kv_lengths[b] - Sq) and, for query i, the keys start + j of its
/// ancestors j (table[i, j]).
static LogicalResult maskAttention(AttentionOp attention, ArrayRef<bool> table,
                                   int64_t size) {
  Location loc = attention.getLoc();
  if (!attention.getKvLengths() || attention.isPaged() ||
      attention.getWindow() || !attention.getMaskMod().empty())
    return attention.emitOpError()
           << "cannot be verified as a tree: tree verification needs a "
              "contiguous KV cache with kv_lengths and no sliding window or "
              "mask_mod of its own";
  OpBuilder b(attention.getContext());
  Type index = b.getIndexType();
  Block *block =
      b.createBlock(&attention.getMaskMod(), {}, SmallVector<Type>(4, index),
                    SmallVector<Location>(4, loc));
  Value row = block->getArgument(0), i = block->getArgument(2),
        j = block->getArgument(3);
  auto tableType = RankedTensorType::get({size, size}, b.getI1Type());
  Value mask = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, table));
  Value length = arith::IndexCastOp::create(
      b, loc, index,
      tensor::ExtractOp::create(b, loc, attention.getKvLengths(),
                                ValueRange{row}));
  Value queries = tensor::DimOp::create(b, loc, attention.getQuery(), 2);
  Value start = arith::SubIOp::create(b, loc, length, queries);
  Value prefix =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j, start);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value last = arith::ConstantIndexOp::create(b, loc, size - 1);
  auto clamp = [&](Value v) {
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, v, zero), last);
  };
  Value ancestor = tensor::ExtractOp::create(
      b, loc, mask,
      ValueRange{clamp(i), clamp(arith::SubIOp::create(b, loc, j, start))});
  YieldOp::create(
      b, loc,
      ValueRange{arith::OrIOp::create(b, loc, prefix, ancestor).getResult()});
  return success();
}

/// Splits a tree-verify attention into the prefix (every query sees all
/// the keys below the tree: plain attention with kv_lengths = start, the
/// fast path) and the tree block (the Sq x Sq keys start .. start + Sq - 1
/// under the ancestor table, the per-score path on a small block), merged
/// by log-sum-exp. Needs one batch row (the slice of the tree's keys starts
/// at row 0's start), f32 output, no score_mod and no lse of its own;
/// returns false (nothing changed) otherwise.
static bool splitAttention(AttentionOp attention, ArrayRef<bool> table,
                           int64_t size) {
  Value query = attention.getQuery(), key = attention.getKey(),
        value = attention.getValue(), lengths = attention.getKvLengths();
  auto queryType = cast<RankedTensorType>(query.getType());
  auto outType = cast<RankedTensorType>(attention.getOutput().getType());
  auto lengthsType = cast<RankedTensorType>(lengths.getType());
  if (attention.getLse() || !attention.getScoreMod().empty() ||
      queryType.getDimSize(0) != 1 || lengthsType.getDimSize(0) != 1 ||
      !outType.getElementType().isF32())
    return false;
  OpBuilder b(attention);
  Location loc = attention.getLoc();
  Type index = b.getIndexType(), i32 = b.getI32Type(), f32 = b.getF32Type();
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value sq = tensor::DimOp::create(b, loc, query, 2);
  Value length = arith::IndexCastOp::create(
      b, loc, index,
      tensor::ExtractOp::create(b, loc, lengths, ValueRange{c0}));
  Value capacity = tensor::DimOp::create(b, loc, key, 2);
  // start = len - Sq, kept inside the cache (a verify write past it is
  // reported by its own check).
  Value start = arith::MinSIOp::create(
      b, loc,
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, length, sq),
                             c0),
      arith::MaxSIOp::create(b, loc,
                             arith::SubIOp::create(b, loc, capacity, sq), c0));
  Value prefixLengths = tensor::FromElementsOp::create(
      b, loc, lengthsType,
      ValueRange{arith::IndexCastOp::create(b, loc, i32, start).getResult()});
  SmallVector<int64_t> lseShape(queryType.getShape().take_front(3));
  auto lseType = RankedTensorType::get(lseShape, f32);

  // The prefix: no causal mask (every key below the tree precedes every
  // query).
  auto prefix = AttentionOp::create(b, loc, outType, lseType, query, key, value,
                                    prefixLengths, Value(),
                                    attention.getScaleAttr(), UnitAttr(),
                                    IntegerAttr(), attention.getSoftcapAttr());

  // The tree block: keys start .. start + Sq - 1 under the ancestor table.
  auto block = [&](Value cache) {
    auto type = cast<RankedTensorType>(cache.getType());
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    offsets[2] = start;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, cache);
    sizes[2] = sq;
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    SmallVector<int64_t> shape(type.getShape());
    shape[2] = ShapedType::kDynamic;
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), cache,
        offsets, sizes, strides);
  };
  // Causal: ancestors have lower flat indices (tiles above the diagonal
  // are skipped).
  auto tree = AttentionOp::create(b, loc, outType, lseType, query, block(key),
                                  block(value), Value(), Value(),
                                  attention.getScaleAttr(), b.getUnitAttr(),
                                  IntegerAttr(), attention.getSoftcapAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    Block *mask =
        b.createBlock(&tree.getMaskMod(), {}, SmallVector<Type>(4, index),
                      SmallVector<Location>(4, loc));
    auto tableType = RankedTensorType::get({size, size}, b.getI1Type());
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tableType, table));
    Value last = arith::ConstantIndexOp::create(b, loc, size - 1);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    auto clamp = [&](Value v) {
      return arith::MinSIOp::create(
          b, loc, arith::MaxSIOp::create(b, loc, v, zero), last);
    };
    Value keep = tensor::ExtractOp::create(
        b, loc, constant,
        ValueRange{clamp(mask->getArgument(2)), clamp(mask->getArgument(3))});
    YieldOp::create(b, loc, ValueRange{keep});
  }

  // o = (o1 e^(l1 - m) + o2 e^(l2 - m)) / (e^(l1 - m) + e^(l2 - m)), m =
  // max(l1, l2); l2 is finite (a node sees itself), l1 is -inf for an
  // empty prefix.
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < outType.getRank(); ++d)
    if (outType.isDynamicDim(d))
      dynamic.push_back(
          tensor::DimOp::create(b, loc, prefix.getOutput(), d).getResult());
  Value merged = tensor::GenerateOp::create(
      b, loc, outType, dynamic, [&](OpBuilder &nb, Location l, ValueRange iv) {
        ValueRange head = iv.take_front(3);
        Value o1 = tensor::ExtractOp::create(nb, l, prefix.getOutput(), iv);
        Value o2 = tensor::ExtractOp::create(nb, l, tree.getOutput(), iv);
        Value l1 = tensor::ExtractOp::create(nb, l, prefix.getLse(), head);
        Value l2 = tensor::ExtractOp::create(nb, l, tree.getLse(), head);
        Value m = arith::MaximumFOp::create(nb, l, l1, l2);
        Value w1 =
            math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, l1, m));
        Value w2 =
            math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, l2, m));
        Value sum =
            arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, o1, w1),
                                  arith::MulFOp::create(nb, l, o2, w2));
        tensor::YieldOp::create(
            nb, l,
            arith::DivFOp::create(nb, l, sum,
                                  arith::AddFOp::create(nb, l, w1, w2))
                .getResult());
      });
  attention.getOutput().replaceAllUsesWith(merged);
  attention.erase();
  return true;
}

/// Copies @step and every function it reaches as tree_<name>, with the
/// tree mask on each attention; returns the copy of @step.
static FailureOr<func::FuncOp> treeStep(ModuleOp module, func::FuncOp step,
                                        ArrayRef<bool> table, int64_t size) {
  SymbolTable symbols(module);
  llvm::StringMap<func::FuncOp> copies;
  SmallVector<func::FuncOp> worklist;
  auto copyOf = [&](func::FuncOp original) {
    std::string name = (kTreePrefix + original.getSymName()).str();
    if (auto it = copies.find(name); it != copies.end())
      return it->second;
    func::FuncOp copy = original.clone();
    copy.setSymName(name);
    copy.setPrivate();
    symbols.insert(copy);
    copies[name] = copy;
    worklist.push_back(copy);
    return copy;
  };
  func::FuncOp root = copyOf(step);
  while (!worklist.empty()) {
    func::FuncOp func = worklist.pop_back_val();
    SmallVector<func::CallOp> calls;
    func.walk([&](func::CallOp call) { calls.push_back(call); });
    for (func::CallOp call : calls) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!callee || callee.isExternal())
        continue;
      call.setCalleeAttr(FlatSymbolRefAttr::get(copyOf(callee)));
    }
    SmallVector<AttentionOp> attentions;
    func.walk([&](AttentionOp op) { attentions.push_back(op); });
    for (AttentionOp attention : attentions) {
      if (failed(maskAttention(attention, table, size)))
        return failure();
      // Split off the prefix where the attention has the form for it;
      // otherwise the whole masked attention takes the per-score path.
      (void)splitAttention(attention, table, size);
    }
  }
  return root;
}

/// The draft region: the committed tokens are written into the history
/// [1, L] at their positions (those below L), then seq.ngram_tree_draft
/// fills the tree from the history up to the newest one (column D).
static SmallVector<Value> treeDraft(OpBuilder &b, Location loc, Block *body,
                                    int64_t ngram, ArrayRef<int64_t> parents,
                                    int64_t depth, int64_t L) {
  Type i32 = b.getI32Type();
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value capacity = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(L)));
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  auto columns = scf::ForOp::create(
      b, loc, c0, arith::ConstantIndexOp::create(b, loc, depth + 1),
      arith::ConstantIndexOp::create(b, loc, 1),
      ValueRange{body->getArgument(2)});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(columns.getBody());
    Value j = columns.getInductionVar();
    Value history = columns.getRegionIterArgs()[0];
    Value tok = tensor::ExtractOp::create(b, loc, body->getArgument(0),
                                          ValueRange{c0, j});
    Value pos = tensor::ExtractOp::create(b, loc, body->getArgument(1),
                                          ValueRange{c0, j});
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, pos, capacity),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, pos, zero));
    auto write = scf::IfOp::create(b, loc, TypeRange{history.getType()},
                                   inRange, /*withElseRegion=*/true);
    b.setInsertionPointToStart(&write.getThenRegion().front());
    Value at = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
    scf::YieldOp::create(
        b, loc,
        tensor::InsertOp::create(b, loc, tok, history, ValueRange{c0, at})
            .getResult());
    b.setInsertionPointToStart(&write.getElseRegion().front());
    scf::YieldOp::create(b, loc, history);
    b.setInsertionPointAfter(write);
    scf::YieldOp::create(b, loc, write.getResults());
  }
  Value h2 = columns.getResult(0);
  // lengths = clamp(p + 1, 0, L) for the newest token's position p.
  Value pos = tensor::ExtractOp::create(
      b, loc, body->getArgument(1),
      ValueRange{c0, arith::ConstantIndexOp::create(b, loc, depth)});
  Value next = arith::AddIOp::create(
      b, loc, pos, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1)));
  Value len = arith::MinSIOp::create(b, loc, next, capacity);
  Value lens = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({1}, i32), ValueRange{len});
  auto treeType =
      RankedTensorType::get({1, static_cast<int64_t>(parents.size())}, i32);
  Value tree = NgramTreeDraftOp::create(b, loc, treeType, h2, lens,
                                        b.getI64IntegerAttr(ngram),
                                        b.getDenseI64ArrayAttr(parents));
  return {tree, h2};
}

LogicalResult mlir::seq::addTreeSpeculativeEntry(ModuleOp module, Location loc,
                                                 const ImportOptions &options) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Type i32 = b.getI32Type();
  SmallVector<int64_t> parents = treeParents(options.specTree);
  auto nodes = static_cast<int64_t>(parents.size());
  auto depth = static_cast<int64_t>(options.specTree.size());
  // table[i, j]: node j is node i or one of its ancestors.
  SmallVector<bool> table((nodes + 1) * (nodes + 1), false);
  for (int64_t i = 0; i <= nodes; ++i)
    for (int64_t j = i;; j = parents[j - 1]) {
      table[i * (nodes + 1) + j] = true;
      if (j == 0)
        break;
    }

  func::FuncOp step = lookupStep(module, "", true);
  func::FuncOp advance = lookupStep(module, "", false);
  // Recurrent state cannot be rolled back per branch (it would need one
  // state per tree node): trees are for position-addressed caches only,
  // also now that chain speculation takes SSM and hybrid targets.
  if (step && step->hasAttr(kStepRecurrentAttr))
    return emitError(loc)
           << "--spec-tree: speculative decoding needs a target whose state "
              "is addressed by position (KV caches) to verify a tree; this "
              "model carries recurrent (SSM) state, which a chain verifies: "
              "drop --spec-tree";
  FailureOr<func::FuncOp> verifyStep = treeStep(module, step, table, nodes + 1);
  if (failed(verifyStep))
    return failure();
  int64_t vocab = stepLogitsType(step).getDimSize(2);
  int64_t N = options.maxNewTokens;
  int64_t capacity = stepCapacity(step);

  auto ids = RankedTensorType::get({1, ShapedType::kDynamic}, i32);
  auto one = RankedTensorType::get({1}, i32);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(
      b, loc, kSpeculativeEntry,
      b.getFunctionType({ids, b.getI64Type()},
                        {RankedTensorType::get({1, N}, i32), one, one, one}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value prompt = nonEmptyPrompt(b, loc, body->getArgument(0));
  // As the chain entry: the prompt but its last token fills the caches and
  // the history; the loop starts from the last token.
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value S = tensor::DimOp::create(b, loc, prompt, 1);
  Value context =
      arith::SubIOp::create(b, loc, arith::MaxSIOp::create(b, loc, S, c1), c1);
  auto slice = [&](Value source, OpFoldResult offset, OpFoldResult size) {
    return tensor::ExtractSliceOp::create(
        b, loc, ids, source, ArrayRef<OpFoldResult>{b.getIndexAttr(0), offset},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), size},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  };
  Value prefix = slice(prompt, b.getIndexAttr(0), context);
  SmallVector<Value> verifyInit =
      advancePrompt(b, loc, advance, prefix, iotaRow(b, loc, context), context);
  auto historyType = RankedTensorType::get({1, capacity}, i32);
  Value history = zeroTensor(b, loc, historyType);
  Value kept = arith::MinSIOp::create(
      b, loc, context, arith::ConstantIndexOp::create(b, loc, capacity));
  Value head = slice(prefix, b.getIndexAttr(0), kept);
  Value draftInit = tensor::InsertSliceOp::create(
      b, loc, head, history,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), kept},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
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

  auto eos = step->getAttrOfType<DenseI64ArrayAttr>(kStepEosAttr);
  // Sampled verification: the n-gram tree is deterministic, so each node's
  // draft distribution is the point mass on its token (no draft logits).
  auto sampling = SamplingAttr::get(
      ctx, llvm::APFloat(static_cast<float>(options.temperature)), options.topK,
      llvm::APFloat(static_cast<float>(options.topP)));
  bool sampled = !sampling.isGreedy();
  SmallVector<Type> verifyTypes;
  for (Value v : verifyInit)
    verifyTypes.push_back(v.getType());
  auto loop = TreeSpeculativeDecodeLoopOp::create(
      b, loc, RankedTensorType::get({1, N}, i32), one, one, one,
      TypeRange{historyType}, verifyTypes, first, start,
      sampled ? body->getArgument(1) : Value(), ValueRange{draftInit},
      verifyInit, b.getDenseI64ArrayAttr(parents), DenseI64ArrayAttr(),
      b.getI64IntegerAttr(N), eos ? eos : b.getDenseI64ArrayAttr({}),
      b.getI64IntegerAttr(0), b.getI64IntegerAttr(0),
      sampled ? sampling : SamplingAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    auto column = [&](int64_t n) { return RankedTensorType::get({1, n}, i32); };
    SmallVector<Type> argTypes{column(depth + 1), column(depth + 1),
                               historyType};
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *draftBody = b.createBlock(&loop.getDraft(), {}, argTypes, locs);
    YieldOp::create(b, loc,
                    treeDraft(b, loc, draftBody, options.promptLookup, parents,
                              depth, capacity));

    argTypes = {column(nodes + 1), column(nodes + 1),
                RankedTensorType::get({nodes + 1, nodes + 1}, b.getI1Type())};
    llvm::append_range(argTypes, verifyTypes);
    locs.assign(argTypes.size(), loc);
    Block *verifyBody = b.createBlock(&loop.getVerify(), {}, argTypes, locs);
    // The mask argument is the table @tree_step's attentions hold.
    YieldOp::create(
        b, loc,
        callStep(b, loc, *verifyStep, verifyBody->getArgument(0),
                 verifyBody->getArgument(1),
                 verifyBody->getArguments().drop_front(3),
                 RankedTensorType::get({1, nodes + 1, vocab}, b.getF32Type())));
  }
  func::ReturnOp::create(b, loc,
                         ValueRange{loop.getTokens(), loop.getNumGenerated(),
                                    loop.getNumVerifySteps(),
                                    loop.getNumAccepted()});
  return success();
}
