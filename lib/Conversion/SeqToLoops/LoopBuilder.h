//===- LoopBuilder.h - terse loop-nest construction for lowerings -*- C++
//-*-===//
//
// A builder with the handful of helpers every seq-to-loops lowering needs:
// index and f32 constants, buffers for tensor operands, f32 loads/stores
// that widen/narrow the storage type, and loop constructors taking lambdas.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_LOOPBUILDER_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_LOOPBUILDER_H

#include "seqc/Target/KernelDispatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <tuple>
#include <utility>

namespace mlir {
namespace seq {

/// Runtime error codes written to `__seq_status` (see seqrt.h).
enum StatusCode : int32_t {
  kIndexOutOfRange = 1,
  kCacheOverflow = 2,
  kInvalidLogits = 3,
  kShapeMismatch = 4,
  // 5 (out of memory) is raised by seq-cpu-entry-points after allocations.
};

class LoopBuilder : public ImplicitLocOpBuilder {
public:
  LoopBuilder(Location loc, OpBuilder &builder)
      : ImplicitLocOpBuilder(loc, builder) {}

  Value index(int64_t value);
  Value f32(float value);
  Value i32(int32_t value);

  /// [tile * block, min(extent, (tile + 1) * block)): the range of block
  /// `tile` of a dimension of `extent` elements.
  std::pair<Value, Value> blockBounds(Value tile, int64_t block, Value extent);

  /// Index arithmetic.
  Value add(Value a, Value b);
  Value sub(Value a, Value b);
  Value mul(Value a, Value b);
  Value divUp(Value a, int64_t b);
  Value min(Value a, Value b);
  Value max(Value a, Value b);
  Value indexCast(Value integer);
  Value cmp(arith::CmpIPredicate predicate, Value a, Value b);
  Value select(Value cond, Value a, Value b);

  /// f32 arithmetic with fast-math contract/reassoc where it is safe.
  Value addf(Value a, Value b);
  Value subf(Value a, Value b);
  Value mulf(Value a, Value b);
  Value divf(Value a, Value b);
  Value maxf(Value a, Value b);
  Value exp(Value a);

  /// A read-only buffer view of a tensor operand.
  Value buffer(Value tensor);
  /// Allocates a buffer for a result of `type` whose dynamic extents are
  /// `dynamicSizes` (in order).
  Value allocResult(RankedTensorType type, ValueRange dynamicSizes);
  /// A tile-local scratch buffer (stack).
  Value scratch(ArrayRef<int64_t> shape, Type elementType);
  /// The tensor view of a buffer written by a lowering.
  Value toTensor(Value buffer, RankedTensorType type);
  /// Extent `dim` of a memref or tensor as an index.
  Value dim(Value shaped, int64_t dim);
  /// A contiguous buffer viewed as `[prod(leading dims), last dim]`.
  Value collapseRows(Value buffer);
  /// A contiguous buffer viewed as one dimension.
  Value flatten(Value buffer);
  /// The result buffer of a projection `[..., N]` of `input` `[..., K]` by
  /// `weight` `[N, K]` (dynamic extents taken from them).
  Value allocProjection(RankedTensorType type, Value input, Value weight);
  /// Clones a single-block region here, its arguments bound to
  /// `arguments`, and returns the values its terminator yields.
  SmallVector<Value> inlineRegion(Region &region, ValueRange arguments);

  /// Loads an element as f32 (widening bf16/f16).
  Value loadF32(Value memref, ValueRange indices);
  /// Stores an f32 value, narrowing to the buffer's element type.
  void storeF32(Value value, Value memref, ValueRange indices);
  /// Loads an i32 element as an index.
  Value loadIndex(Value memref, ValueRange indices);

  /// scf.for from lb to ub with unit step.
  void forLoop(Value lb, Value ub, llvm::function_ref<void(Value)> body);
  /// scf.for carrying values; `body` returns the next iteration's values.
  SmallVector<Value>
  forLoop(Value lb, Value ub, ValueRange inits,
          llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body);
  /// scf.forall over [0, ub) per dimension: independent tiles.
  void parallel(ValueRange ubs, llvm::function_ref<void(ValueRange)> body);
  /// scf.if without results.
  void ifThen(Value cond, llvm::function_ref<void()> body);

  /// Whether the run-time checks are compiled (convert-seq-to-loops
  /// `runtime-checks`, default true; false marks the module with
  /// kNoRuntimeChecksAttr while it runs). Without them raiseStatus emits
  /// nothing and guarded() and gatherRows() run their bodies unguarded;
  /// the clamps that keep a failed check's accesses in bounds stay.
  static bool runtimeChecksEnabled(Operation *anchor);
  static constexpr llvm::StringLiteral kNoRuntimeChecksAttr =
      "seq.no_runtime_checks";

  /// Reports `code` in the call's status with the message "<anchor's op>
  /// at <location>: <format>", `format` a printf format (`%ld` per integer
  /// or index value, `%g` per float) of `values` (CheckReport.h). Nothing
  /// without run-time checks. The first report of a call wins.
  void raiseStatus(Operation *anchor, int32_t code, StringRef format,
                   ValueRange values = {});
  /// raiseStatus unless the i1 `ok` holds (a branch around the report).
  void raiseUnless(Operation *anchor, Value ok, int32_t code, StringRef format,
                   ValueRange values = {});

  /// A run-time check of what the verifiers check only on static extents:
  /// `ok` an i1 (null when the verifier settled it) and the message of its
  /// failure.
  struct Check {
    Value ok;
    std::string format;
    SmallVector<Value> values;
  };
  /// That extent `da` of `a` (named `nameA` in the message, e.g. "input K")
  /// equals extent `db` of `b`; no condition when both are static.
  Check sameExtent(Value a, int64_t da, StringRef nameA, Value b, int64_t db,
                   StringRef nameB);
  /// That extent `d` of `shaped` equals `extent` (named `nameExtent`); no
  /// condition when both are constant.
  Check extentIs(Value shaped, int64_t d, StringRef name, Value extent,
                 StringRef nameExtent);
  /// The conjunction of `conditions` (nulls skipped); null if none is left.
  Value allOf(ArrayRef<Value> conditions);
  Value allOf(ArrayRef<Check> checks);
  /// Runs `body` only when every check holds and otherwise raises `code`
  /// with the message of the first check that failed (one scf.if around
  /// the whole computation, so the checks cost nothing inside the loops);
  /// just `body` when no check has a condition.
  void guarded(Operation *anchor, ArrayRef<Check> checks, int32_t code,
               llvm::function_ref<void()> body);

  /// The gather shared by the embedding lowerings: allocates `type`
  /// ([..., width], leading extents from `ids`), and for each flattened id
  /// in 0 .. vocab-1 (in parallel) calls `copyRow(id, rows, n)` to fill row
  /// n of the [N, width] view `rows`; an id outside the vocabulary raises
  /// kIndexOutOfRange through `anchor`'s module status. Returns the buffer.
  Value
  gatherRows(Operation *anchor, RankedTensorType type, Value ids, Value vocab,
             Value width,
             llvm::function_ref<void(Value id, Value rows, Value n)> copyRow);
};

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_LOOPBUILDER_H
