//===- Entries.h - entries built over imported models' steps ----*- C++ -*-===//
//
// Helpers shared by the entries that call the private @step / @advance
// functions every builder makes (Speculative.cpp, BestOf.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_ENTRIES_H
#define SEQC_LIB_IMPORT_ENTRIES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace seq {

/// The entry speculative decoding adds, and the prefixes of a merged draft
/// model's symbols and parameter keys.
inline constexpr llvm::StringLiteral kSpeculativeEntry = "generate_speculative";
inline constexpr llvm::StringLiteral kDraftSymbolPrefix = "draft_";
inline constexpr llvm::StringLiteral kDraftKeyPrefix = "draft/";
/// The entry best-of-N adds (BestOf.cpp).
inline constexpr llvm::StringLiteral kBestOfEntry = "generate_best_of";

/// `prefix`@step (logits and states) or `prefix`@advance (states only), or
/// null.
func::FuncOp lookupStep(ModuleOp module, StringRef prefix, bool withHead);
/// @step's logits type [1, ?, V].
RankedTensorType stepLogitsType(func::FuncOp step);
/// @step's KV-cache capacity (0 if it has none).
int64_t stepCapacity(func::FuncOp step);

/// A zero-filled tensor of its own buffer.
Value zeroTensor(OpBuilder &b, Location loc, RankedTensorType type);
/// [[0, 1, ..., S-1]] as i32 [1, ?].
Value iotaRow(OpBuilder &b, Location loc, Value S);
/// `prompt` [1, ?], or the single token 0 (the pad id) when it is empty:
/// the entries read its last token. (The runtime rejects an empty prompt
/// before the call: importCheckpoint marks it seqrt::abi::kNonEmptyAttr;
/// this keeps a direct call of the code in bounds.)
Value nonEmptyPrompt(OpBuilder &b, Location loc, Value prompt);
/// `advance` over the first `count` (index) tokens [1, count] at
/// `positions` from zero states; zero states when `count` is 0.
SmallVector<Value> advancePrompt(OpBuilder &b, Location loc,
                                 func::FuncOp advance, Value tokens,
                                 Value positions, Value count);
/// Calls `step` (or advance) on tokens and positions [1, n] (cast to
/// [1, ?]) and `state`; with `logitsType`, result 0 is cast to it.
SmallVector<Value> callStep(OpBuilder &b, Location loc, func::FuncOp step,
                            Value tokens, Value positions, ValueRange state,
                            RankedTensorType logitsType);

struct ImportOptions;
/// Checks --spec-tree's options: prompt lookup, greedy, a tree of at most
/// 256 nodes (TreeSpeculative.cpp).
LogicalResult checkTreeOptions(Location loc, const ImportOptions &options);
/// Adds @generate_speculative verifying a tree of prompt-lookup drafts
/// (options.specTree: children per node at each depth), with @tree_step:
/// @step with the tree's ancestor mask on its attentions.
LogicalResult addTreeSpeculativeEntry(ModuleOp module, Location loc,
                                      const ImportOptions &options);
/// Adds @generate_best_of(prompt [1,S], seed) -> (tokens [N,T], counts [N],
/// log-probs [N]) with N = options.bestOf (BestOf.cpp).
LogicalResult addBestOfEntry(ModuleOp module, Location loc,
                             const ImportOptions &options);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_ENTRIES_H
