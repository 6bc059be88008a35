//===- PagedBeams.cpp - a paged copy of an imported model's forward -------===//
//
// `seqc --num-beams=N --kv-cache-block-size=BS` keeps the KV caches of
// `generate_beams` in block pools read through a block table, so that the
// beam reorder of seq.beam_search_loop permutes table rows and copies only
// a partly filled block on write instead of gathering whole cache rows
// (docs/design/DecodeLoop.md, "Beams over a paged KV cache").
//
// The model's functions take contiguous caches [1, H, Capacity, D]. This
// file copies @forward and every function it reaches that writes a cache
// as paged_<name>: each cache argument becomes a pool [NumBlocks, H, BS, D],
// each function gains the block table row [1, MaxBlocks] i32 as its last
// argument, and its seq.cache_write and the seq.attention reading the
// written cache take that table. Other state (Mamba conv and SSM states,
// RG-LRU states) is left as it is: the loop gathers it by rows.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::seq;

/// The prefix of the paged copies.
static constexpr llvm::StringLiteral kPagedPrefix = "paged_";

namespace {
struct PagedCopier {
  ModuleOp module;
  SymbolTable symbols;
  int64_t numBlocks, blockSize, maxBlocks;
  /// Original function name -> its paged copy and the arguments paged.
  llvm::StringMap<std::pair<func::FuncOp, llvm::SmallVector<unsigned>>> done;

  PagedCopier(ModuleOp module, int64_t numBlocks, int64_t blockSize,
              int64_t maxBlocks)
      : module(module), symbols(module), numBlocks(numBlocks),
        blockSize(blockSize), maxBlocks(maxBlocks) {}

  RankedTensorType poolType(RankedTensorType cache) {
    return RankedTensorType::get(
        {numBlocks, cache.getDimSize(1), blockSize, cache.getDimSize(3)},
        cache.getElementType());
  }

  /// Whether `func` or a function it calls writes a KV cache.
  bool writesCache(func::FuncOp func, llvm::SmallPtrSetImpl<Operation *> &seen) {
    if (!seen.insert(func).second)
      return false;
    bool found = false;
    func.walk([&](Operation *op) {
      if (isa<CacheWriteOp>(op))
        found = true;
      else if (auto call = dyn_cast<func::CallOp>(op))
        if (auto callee = symbols.lookup<func::FuncOp>(call.getCallee()))
          if (!callee.isExternal() && writesCache(callee, seen))
            found = true;
    });
    return found;
  }

  /// The paged copy of `original` (made once), with the indices of its
  /// arguments that became pools; the table row is its last argument.
  FailureOr<std::pair<func::FuncOp, llvm::SmallVector<unsigned>>>
  copy(func::FuncOp original) {
    if (auto it = done.find(original.getSymName()); it != done.end())
      return it->second;
    func::FuncOp func = original.clone();
    func.setSymName((kPagedPrefix + original.getSymName()).str());
    func.setPrivate();
    symbols.insert(func);
    if (!func.getBody().hasOneBlock())
      return func.emitOpError("cannot be paged: more than one block");
    Block &body = func.getBody().front();
    auto tableType =
        RankedTensorType::get({1, maxBlocks}, IntegerType::get(
                                                  func.getContext(), 32));
    Value table = body.addArgument(tableType, func.getLoc());
    llvm::SmallVector<unsigned> paged;
    auto markPaged = [&](Value v, Operation *user) -> LogicalResult {
      auto arg = dyn_cast<BlockArgument>(v);
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!arg || arg.getOwner() != &body || !type || type.getRank() != 4 ||
          type.getDimSize(0) != 1)
        return user->emitOpError()
               << "cannot be paged for --kv-cache-block-size: its cache is "
                  "not a [1, H, Capacity, D] argument of the function";
      if (!llvm::is_contained(paged, arg.getArgNumber()))
        paged.push_back(arg.getArgNumber());
      return success();
    };

    // Calls first: a callee that writes a cache is paged and called with
    // this function's table row.
    SmallVector<func::CallOp> calls;
    func.walk([&](func::CallOp call) { calls.push_back(call); });
    for (func::CallOp call : calls) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      llvm::SmallPtrSet<Operation *, 8> seen;
      if (!callee || callee.isExternal() || !writesCache(callee, seen))
        continue;
      auto pagedCallee = copy(callee);
      if (failed(pagedCallee))
        return failure();
      for (unsigned i : pagedCallee->second)
        if (failed(markPaged(call.getOperand(i), call)))
          return failure();
      SmallVector<Value> operands(call.getOperands());
      operands.push_back(table);
      OpBuilder b(call);
      auto newCall = func::CallOp::create(b, call.getLoc(),
                                          pagedCallee->first, operands);
      call.replaceAllUsesWith(newCall.getResults());
      call.erase();
    }
    // The cache writes of this function and the attentions reading them.
    SmallVector<CacheWriteOp> writes;
    func.walk([&](CacheWriteOp op) { writes.push_back(op); });
    for (CacheWriteOp write : writes) {
      if (write.getBlockTable())
        return write.emitOpError("is already paged");
      if (failed(markPaged(write.getCache(), write)))
        return failure();
      write.getBlockTableMutable().assign(table);
      write.getResult().setType(
          poolType(cast<RankedTensorType>(write.getCache().getType())));
      // Copied first: assigning an attention's block table resizes its
      // operand storage, which frees the use being iterated (ASan:
      // heap-use-after-free in hf_beam_search_paged.test).
      SmallVector<Operation *> users(write.getResult().getUsers());
      for (Operation *user : users) {
        auto attention = dyn_cast<AttentionOp>(user);
        if (attention) {
          if (!attention.getKvLengths())
            return attention.emitOpError(
                "cannot be paged for --kv-cache-block-size: it has no "
                "kv_lengths (a paged cache's keys are MaxBlocks * BlockSize)");
          if (!attention.isPaged())
            attention.getBlockTableMutable().assign(table);
        } else if (!isa<func::ReturnOp>(user)) {
          return user->emitOpError(
              "cannot be paged for --kv-cache-block-size: it reads a KV "
              "cache, which only seq.attention may");
        }
      }
    }
    // The pools' types; every use of a paged argument must be one of the
    // rewritten ops.
    for (unsigned i : paged) {
      BlockArgument arg = body.getArgument(i);
      for (Operation *user : arg.getUsers())
        if (!isa<CacheWriteOp, func::CallOp>(user))
          return user->emitOpError(
              "cannot be paged for --kv-cache-block-size: it reads a KV "
              "cache, which only seq.cache_write and seq.attention may");
      arg.setType(poolType(cast<RankedTensorType>(arg.getType())));
    }
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    func.setFunctionType(FunctionType::get(
        func.getContext(), body.getArgumentTypes(), ret.getOperandTypes()));
    llvm::sort(paged);
    done[original.getSymName()] = {func, paged};
    return done[original.getSymName()];
  }
};
} // namespace

FailureOr<PagedForward> mlir::seq::pagedForwardCopy(ModuleOp module,
                                                    func::FuncOp forward,
                                                    int64_t numBlocks,
                                                    int64_t blockSize,
                                                    int64_t maxBlocks) {
  PagedCopier copier(module, numBlocks, blockSize, maxBlocks);
  auto result = copier.copy(forward);
  if (failed(result))
    return failure();
  return PagedForward{result->first, result->second};
}
