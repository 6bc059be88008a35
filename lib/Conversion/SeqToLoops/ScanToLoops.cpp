//===- ScanToLoops.cpp - linear recurrences as tiled loops ----------------===//
//
// This file lowers seq.scan and seq.scan_step. Independent tiles are the
// batch rows and the state elements that the readout does not reduce (the
// channels, e.g. Mamba's d); each tile keeps its slice of the state (e.g.
// the d_state vector) in a scratch buffer and walks the sequence, so the
// state never leaves the tile between steps. The step and readout regions
// are inlined at each point: no decay tensor over the sequence is built.
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "ScanSSD.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include <functional>

using namespace mlir;
using namespace mlir::seq;

/// The indices at which `map` reads its input at iteration point `point`.
static SmallVector<Value> inputIndices(LoopBuilder &b, AffineMap map,
                                       ValueRange point) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      indices.push_back(point[dim.getPosition()]);
      continue;
    }
    indices.push_back(affine::AffineApplyOp::create(
        b, AffineMap::get(map.getNumDims(), 0, expr), point));
  }
  return indices;
}

/// Loads every input's scalar at iteration point `point`.
static SmallVector<Value> loadInputs(LoopBuilder &b, ArrayRef<Value> inputs,
                                     ArrayAttr maps, ValueRange point) {
  SmallVector<Value> scalars;
  for (auto [input, mapAttr] : llvm::zip_equal(inputs, maps)) {
    AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
    scalars.push_back(
        memref::LoadOp::create(b, input, inputIndices(b, map, point)));
  }
  return scalars;
}

/// Whether `op` can run on vectors of lanes by cloning it with vector
/// types: a pure elementwise op (or constant) on scalars.
static bool isLaneWise(Operation &op) {
  if (op.getNumRegions() != 0 || !isPure(&op))
    return false;
  if (!isa<arith::ConstantOp>(op) && !op.hasTrait<OpTrait::Elementwise>())
    return false;
  auto scalar = [](Type type) { return type.isIntOrFloat(); };
  return llvm::all_of(op.getOperandTypes(), scalar) &&
         llvm::all_of(op.getResultTypes(), scalar);
}

/// `scalar` in every lane of a `width`-lane vector.
static Value splat(LoopBuilder &b, Value scalar, int64_t width) {
  return vector::BroadcastOp::create(
      b, VectorType::get({width}, scalar.getType()), scalar);
}

/// Clones the lane-wise `op` on `width`-lane vectors: its operands are
/// looked up in `mapping` (values from outside the region are splat), its
/// results mapped to the vector results.
static void cloneOnLanes(LoopBuilder &b, Operation &op, IRMapping &mapping,
                         int64_t width) {
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto type = VectorType::get({width}, constant.getType());
    mapping.map(constant.getResult(),
                arith::ConstantOp::create(
                    b, DenseElementsAttr::get(type, constant.getValue())));
    return;
  }
  SmallVector<Value> operands;
  for (Value v : op.getOperands()) {
    Value lanes = mapping.lookupOrNull(v);
    operands.push_back(lanes ? lanes : splat(b, v, width));
  }
  SmallVector<Type> types;
  for (Type type : op.getResultTypes())
    types.push_back(VectorType::get({width}, type));
  OperationState state(b.getLoc(), op.getName(), operands, types,
                       op.getAttrs());
  mapping.map(op.getResults(), b.create(state)->getResults());
}

/// Nested scf.for loops over [0, ubs[i]) calling `body` with the indices.
static void nestedLoops(LoopBuilder &b, ArrayRef<Value> ubs,
                        SmallVector<Value> &ivs,
                        llvm::function_ref<void(ValueRange)> body) {
  if (ivs.size() == ubs.size()) {
    body(ivs);
    return;
  }
  b.forLoop(b.index(0), ubs[ivs.size()], [&](Value iv) {
    ivs.push_back(iv);
    nestedLoops(b, ubs, ivs, body);
    ivs.pop_back();
  });
}

namespace {
/// Shortest sequence chunk worth running in parallel with its neighbours.
constexpr int64_t kMinChunk = 64;

/// The value of an extent known at compile time: a constant, or the
/// `memref.dim` of a static dimension.
static std::optional<int64_t> staticExtent(Value extent) {
  if (std::optional<int64_t> constant = getConstantIntValue(extent))
    return constant;
  auto dim = extent.getDefiningOp<memref::DimOp>();
  if (!dim)
    return std::nullopt;
  std::optional<int64_t> index = dim.getConstantIndex();
  auto type = cast<ShapedType>(dim.getSource().getType());
  if (!index || type.isDynamicDim(*index))
    return std::nullopt;
  return type.getDimSize(*index);
}

template <typename ScanLikeOp>
struct ScanLowering : OpRewritePattern<ScanLikeOp> {
  ScanLowering(MLIRContext *context, const TilingOptions &tiling)
      : OpRewritePattern<ScanLikeOp>(context), tiling(tiling) {}
  TilingOptions tiling;
  static constexpr bool hasTime = ScanLikeOp::kNumSequenceDims == 2;

  LogicalResult matchAndRewrite(ScanLikeOp op,
                                PatternRewriter &rewriter) const override {
    LoopBuilder b(op.getLoc(), rewriter);
    SmallVector<Value> inputs;
    for (Value input : op.getInputs())
      inputs.push_back(b.buffer(input));
    Value init = b.buffer(op.getInit());
    RankedTensorType stateType = op.getInit().getType();
    RankedTensorType outType = op.getOutput().getType();
    Type stateElement = stateType.getElementType();
    Type outElement = outType.getElementType();
    int64_t stateRank = stateType.getRank() - 1;
    const unsigned seqDims = ScanLikeOp::kNumSequenceDims;

    Value batch = b.dim(init, 0);
    Value steps = hasTime ? Value() : b.index(1);
    if constexpr (hasTime) {
      // T from the first input that reads the time dimension, else the
      // output type.
      steps =
          outType.isDynamicDim(1) ? Value() : b.index(outType.getDimSize(1));
      for (auto [input, mapAttr] :
           llvm::zip_equal(inputs, op.getIndexingMaps().getValue())) {
        if (steps)
          break;
        AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
        for (auto [i, expr] : llvm::enumerate(map.getResults()))
          if (auto dim = dyn_cast<AffineDimExpr>(expr);
              dim && dim.getPosition() == 1) {
            steps = b.dim(input, i);
            break;
          }
      }
      if (!steps)
        return rewriter.notifyMatchFailure(op, "cannot size the time dim");
    }
    SmallVector<Value> stateExtents;
    for (int64_t i = 0; i < stateRank; ++i)
      stateExtents.push_back(b.dim(init, i + 1));

    llvm::SmallBitVector reduced(stateRank);
    for (int64_t dim : op.getReductionDims())
      reduced.set(dim - seqDims);
    SmallVector<int64_t> keptDims, reducedDims;
    for (int64_t i = 0; i < stateRank; ++i)
      (reduced.test(i) ? reducedDims : keptDims).push_back(i);

    // Results.
    bool hasReadout = !op.getReadout().empty();
    SmallVector<Value> outSizes{batch};
    if (hasTime)
      outSizes.push_back(steps);
    if (hasReadout) {
      for (int64_t i : keptDims)
        outSizes.push_back(stateExtents[i]);
    } else {
      llvm::append_range(outSizes, stateExtents);
    }
    SmallVector<Value> outDynamic, stateDynamic;
    for (auto [i, size] : llvm::enumerate(outSizes))
      if (outType.isDynamicDim(i))
        outDynamic.push_back(size);
    for (int64_t i = 0; i < stateType.getRank(); ++i)
      if (stateType.isDynamicDim(i))
        stateDynamic.push_back(i == 0 ? batch : stateExtents[i - 1]);
    Value output = b.allocResult(outType, outDynamic);
    Value finalState = b.allocResult(stateType, stateDynamic);

    // The verifier checks the inputs' extents against the iteration space
    // only when they are static: at run time an input read through a plain
    // dimension must have that extent (e.g. the same T as the others), and
    // one read through a compound expression (`h floordiv 4`) must hold
    // its value at the last point; otherwise kShapeMismatch and no tile
    // runs (batch 0), so nothing is read out of bounds.
    SmallVector<Value> iterationExtents{batch};
    if (hasTime)
      iterationExtents.push_back(steps);
    llvm::append_range(iterationExtents, stateExtents);
    SmallVector<LoopBuilder::Check> agree;
    for (auto [number, input, mapAttr] :
         llvm::enumerate(inputs, op.getIndexingMaps().getValue())) {
      AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
      auto inputType = cast<MemRefType>(input.getType());
      std::string name = ("input " + Twine(number) + " extent ").str();
      for (auto [i, expr] : llvm::enumerate(map.getResults())) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
          Value want = iterationExtents[dim.getPosition()];
          // Static on both sides: the verifier checked it.
          if (!inputType.isDynamicDim(i) && staticExtent(want))
            continue;
          Value extent = b.dim(input, i);
          agree.push_back({b.cmp(arith::CmpIPredicate::eq, extent, want),
                           name + std::to_string(i) +
                               " is %ld, the iteration space's d" +
                               std::to_string(dim.getPosition()) + " %ld",
                           {extent, want}});
          continue;
        }
        if (!inputType.isDynamicDim(i) &&
            llvm::all_of(iterationExtents, [](Value v) {
              return getConstantIntValue(v).has_value();
            }))
          continue;
        SmallVector<Value> last;
        for (Value extent : iterationExtents)
          last.push_back(b.sub(extent, b.index(1)));
        Value at = affine::AffineApplyOp::create(
            b, AffineMap::get(map.getNumDims(), 0, expr), last);
        Value extent = b.dim(input, i);
        agree.push_back(
            {b.cmp(arith::CmpIPredicate::slt, at, extent),
             name + std::to_string(i) + " is %ld, too short for index %ld",
             {extent, at}});
      }
    }
    SmallVector<Value> tileBounds{batch};
    if (Value ok = b.allOf(agree)) {
      b.ifThen(arith::XOrIOp::create(
                   b, ok, arith::ConstantOp::create(b, b.getBoolAttr(true))),
               [&] {
                 for (const LoopBuilder::Check &check : agree)
                   b.raiseUnless(op, check.ok, kShapeMismatch, check.format,
                                 check.values);
               });
      tileBounds[0] = b.select(ok, batch, b.index(0));
    }
    // Mamba-2's form (one scalar decay per head): the chunked matmul form.
    if constexpr (std::is_same_v<ScanLikeOp, ScanOp>) {
      if (std::optional<SSDForm> form = matchSSD(op);
          form && tiling.scanChunk > 0) {
        lowerSSD(b, op, *form, inputs, init, output, finalState, tileBounds[0],
                 steps, tiling);
        rewriter.replaceOp(op, {b.toTensor(output, outType),
                                b.toTensor(finalState, stateType)});
        return success();
      }
    }
    // Without a readout every state element is its own tile.
    SmallVector<int64_t> tileDims =
        hasReadout ? keptDims : SmallVector<int64_t>();
    SmallVector<int64_t> innerDims =
        hasReadout ? reducedDims : SmallVector<int64_t>();
    if (!hasReadout)
      for (int64_t i = 0; i < stateRank; ++i)
        tileDims.push_back(i);
    for (int64_t i : tileDims)
      tileBounds.push_back(stateExtents[i]);
    SmallVector<Value> innerBounds;
    for (int64_t i : innerDims)
      innerBounds.push_back(stateExtents[i]);
    Value innerSize = b.index(1);
    for (Value v : innerBounds)
      innerSize = b.mul(innerSize, v);
    ArrayAttr maps = op.getIndexingMaps();

    // Channel lanes: when every step and readout op is lane-wise, a tile
    // runs `width` consecutive points of the last tile dimension (Mamba's
    // channels d, Mamba-2's head channels p), one per vector lane, so the
    // step's math (softplus, exp(dt * A)) and the readout's sum over the
    // reduced dimensions run on vectors with no horizontal sum. The output
    // is contiguous along that dimension (it is the output's last one).
    const int64_t width = tiling.vectorWidth;
    auto laneWiseBlock = [](Region &region) {
      return region.empty() ||
             llvm::all_of(region.front().without_terminator(), isLaneWise);
    };
    const bool lanes = width > 1 && !tileDims.empty() &&
                       laneWiseBlock(op.getStep()) &&
                       laneWiseBlock(op.getReadout());
    // The lane dimension, its position in the iteration space, its extent,
    // and whether every tile has all lanes (no masks).
    const int64_t laneDim = lanes ? tileDims.back() : -1;
    const unsigned lanePos = lanes ? laneDim + seqDims : 0;
    Value laneExtent = lanes ? stateExtents[laneDim] : Value();
    bool allLanes = false;
    if (lanes) {
      std::optional<int64_t> extent = staticExtent(laneExtent);
      allLanes = extent && *extent % width == 0;
      tileBounds.back() = b.divUp(laneExtent, width);
    }
    // Elements of a tile's state (and carries): every lane of every inner
    // point, lane-minor.
    Value laneCount = b.index(lanes ? width : 1);
    Value carrySize = b.mul(innerSize, laneCount);
    bool reverse = false;
    if constexpr (hasTime)
      reverse = op.getReverse();

    // Sequence chunks, only when the tiles alone cannot fill the machine:
    // phase 1 scans chunk 0 from `init` and every other chunk from a zero
    // state, keeping each chunk's end state E and decay product P; phase 2
    // passes the state across chunks (S[c+1] = E[c] + P[c] * S[c]); phase 3
    // re-runs chunks 1.. from S[c], writing their outputs.
    Value numTiles = b.index(1);
    for (Value v : tileBounds)
      numTiles = b.mul(numTiles, v);
    Value chunks = b.index(1);
    if (hasTime) {
      Value wanted = arith::CeilDivUIOp::create(
          b, b.index(tiling.minParallelTiles), b.max(numTiles, b.index(1)));
      Value bySize = arith::DivUIOp::create(b, steps, b.index(kMinChunk));
      chunks = b.max(b.index(1), b.min(wanted, bySize));
    }
    Value chunkLen = arith::CeilDivUIOp::create(b, steps, chunks);
    Value isChunked = b.cmp(arith::CmpIPredicate::ugt, chunks, b.index(1));
    Value carryChunks = b.select(isChunked, chunks, b.index(0));
    auto carryType = MemRefType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
        stateElement);
    SmallVector<Value> carrySizes{numTiles, carryChunks, carrySize};
    Value endStates = memref::AllocOp::create(b, carryType, carrySizes);
    Value decays = memref::AllocOp::create(b, carryType, carrySizes);
    Value startStates = memref::AllocOp::create(b, carryType, carrySizes);

    // Step work that does not depend on the reduced state dimensions
    // (Mamba's softplus(dt) per (t, d), not per state element n): the
    // inputs whose maps read no reduced dimension and the pure step ops
    // that use only them (and values from outside the step) are loaded and
    // computed once per (tile, step), before the walk over the reduced
    // points.
    Block &stepBlock = op.getStep().front();
    SmallVector<bool> invariantInput;
    for (Attribute mapAttr : maps) {
      AffineMap map = cast<AffineMapAttr>(mapAttr).getValue();
      invariantInput.push_back(llvm::none_of(innerDims, [&](int64_t dim) {
        return llvm::any_of(map.getResults(), [&](AffineExpr expr) {
          return expr.isFunctionOfDim(dim + seqDims);
        });
      }));
    }
    llvm::SmallPtrSet<Operation *, 8> hoisted;
    auto isInvariant = [&](Value v) {
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() != &stepBlock ||
               invariantInput[arg.getArgNumber()];
      Operation *def = v.getDefiningOp();
      return def->getBlock() != &stepBlock || hoisted.contains(def);
    };
    for (Operation &stepOp : stepBlock.without_terminator())
      if (stepOp.getNumRegions() == 0 && isPure(&stepOp) &&
          llvm::all_of(stepOp.getOperands(), isInvariant))
        hoisted.insert(&stepOp);

    enum class Start { Init, Zero, Carried };

    // With lanes, step work that does not depend on t either (Mamba's
    // A = -exp(A_log)) runs once per chunk: per tile when it reads no
    // reduced dimension, else once per reduced point into a tile table
    // (`width` lanes per point: A transposed to channel lanes) that the
    // steps read.
    SmallVector<bool> timeInput;
    for (Attribute mapAttr : maps)
      timeInput.push_back(
          !hasTime ||
          cast<AffineMapAttr>(mapAttr).getValue().isFunctionOfDim(1));
    llvm::SmallPtrSet<Operation *, 8> timeFree;
    auto isTimeFree = [&](Value v) {
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() != &stepBlock || !timeInput[arg.getArgNumber()];
      Operation *def = v.getDefiningOp();
      return def->getBlock() != &stepBlock || timeFree.contains(def);
    };
    if (lanes)
      for (Operation &stepOp : stepBlock.without_terminator())
        if (llvm::all_of(stepOp.getOperands(), isTimeFree))
          timeFree.insert(&stepOp);
    // The table-level values (time-free, reading a reduced dimension) that
    // per-point work uses: each gets a table.
    SmallVector<Value> tabled;
    {
      Block *readout =
          op.getReadout().empty() ? nullptr : &op.getReadout().front();
      auto perPoint = [&](OpOperand &use) {
        Operation *user = use.getOwner();
        return user->getBlock() != &stepBlock ||
               user == stepBlock.getTerminator() ||
               (!timeFree.contains(user) && !hoisted.contains(user));
      };
      for (BlockArgument arg : stepBlock.getArguments()) {
        unsigned i = arg.getArgNumber();
        if (!lanes || timeInput[i] || invariantInput[i])
          continue;
        bool readByReadout =
            readout && !readout->getArgument(i + 1).use_empty();
        if (readByReadout || llvm::any_of(arg.getUses(), perPoint))
          tabled.push_back(arg);
      }
      for (Operation &stepOp : stepBlock.without_terminator())
        if (timeFree.contains(&stepOp) && !hoisted.contains(&stepOp))
          for (Value result : stepOp.getResults())
            if (llvm::any_of(result.getUses(), perPoint))
              tabled.push_back(result);
    }
    enum class Level { Chunk, Table, Step, Point };
    auto inputLevel = [&](unsigned i) {
      if (!timeInput[i])
        return invariantInput[i] ? Level::Chunk : Level::Table;
      return invariantInput[i] ? Level::Step : Level::Point;
    };
    auto opLevel = [&](Operation &stepOp) {
      if (timeFree.contains(&stepOp))
        return hoisted.contains(&stepOp) ? Level::Chunk : Level::Table;
      return hoisted.contains(&stepOp) ? Level::Step : Level::Point;
    };
    auto laneType = [&](Type element) {
      return VectorType::get({width}, element);
    };
    // The lanes of input `i` at `point` (its lane coordinate the tile's
    // first channel `v0`, `valid` lanes in range, `mask` their mask when a
    // tile may be partial): a splat when its map ignores the lane
    // dimension, a (masked) vector load when the lane dimension is its
    // last index, else one load per lane (lanes past the end clamped).
    auto loadLanes = [&](unsigned i, ArrayRef<Value> point, Value mask) {
      AffineMap map = cast<AffineMapAttr>(maps[i]).getValue();
      Value input = inputs[i];
      Type element = cast<MemRefType>(input.getType()).getElementType();
      if (!map.isFunctionOfDim(lanePos))
        return splat(
            b, memref::LoadOp::create(b, input, inputIndices(b, map, point)),
            width);
      auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
      bool contiguous =
          last && last.getPosition() == lanePos &&
          llvm::none_of(map.getResults().drop_back(), [&](AffineExpr expr) {
            return expr.isFunctionOfDim(lanePos);
          });
      if (contiguous) {
        SmallVector<Value> indices = inputIndices(b, map, point);
        if (!mask)
          return Value(
              vector::LoadOp::create(b, laneType(element), input, indices));
        Value zero = arith::ConstantOp::create(
            b, DenseElementsAttr::get(laneType(element),
                                      b.getFloatAttr(element, 0.0)));
        return Value(vector::MaskedLoadOp::create(b, laneType(element), input,
                                                  indices, mask, zero));
      }
      SmallVector<Value> perLane;
      SmallVector<Value> at(point.begin(), point.end());
      Value lastLane = b.sub(laneExtent, b.index(1));
      for (int64_t l = 0; l < width; ++l) {
        at[lanePos] = b.min(b.add(point[lanePos], b.index(l)), lastLane);
        perLane.push_back(
            memref::LoadOp::create(b, input, inputIndices(b, map, at)));
      }
      return Value(
          vector::FromElementsOp::create(b, laneType(element), perLane));
    };
    auto scratchLanes = [&](Value buffer, Value flat) {
      Type element = cast<MemRefType>(buffer.getType()).getElementType();
      return vector::LoadOp::create(b, laneType(element), buffer,
                                    ValueRange{b.mul(flat, laneCount)})
          .getResult();
    };
    auto storeScratchLanes = [&](Value value, Value buffer, Value flat) {
      vector::StoreOp::create(b, value, buffer,
                              ValueRange{b.mul(flat, laneCount)});
    };
    // Runs steps [s0, s1) of `tile` from the given start state and returns
    // the scratch buffers holding the end state and (if asked) the decay
    // product.
    auto runScalar = [&](ValueRange tile, Value tileIndex, Value chunk,
                         Value s0, Value s1, Start start, bool writeOutputs,
                         bool trackDecay) -> std::pair<Value, Value> {
      Value bi = tile[0];
      auto statePoint = [&](ValueRange inner) {
        SmallVector<Value> s(stateRank);
        for (auto [k, dim] : llvm::enumerate(tileDims))
          s[dim] = tile[k + 1];
        for (auto [k, dim] : llvm::enumerate(innerDims))
          s[dim] = inner[k];
        return s;
      };
      auto flatInner = [&](ValueRange inner) {
        Value flat = b.index(0);
        for (auto [k, v] : llvm::enumerate(inner))
          flat = b.add(b.mul(flat, innerBounds[k]), v);
        return flat;
      };
      auto scratchType = MemRefType::get({ShapedType::kDynamic}, stateElement);
      Value state =
          memref::AllocaOp::create(b, scratchType, ValueRange{innerSize});
      Value decay = trackDecay ? memref::AllocaOp::create(b, scratchType,
                                                          ValueRange{innerSize})
                                     .getResult()
                               : Value();
      SmallVector<Value> ivs;
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        Value flat = flatInner(inner);
        Value h;
        if (start == Start::Init) {
          SmallVector<Value> index{bi};
          llvm::append_range(index, statePoint(inner));
          h = memref::LoadOp::create(b, init, index);
        } else if (start == Start::Zero) {
          h = arith::ConstantOp::create(b, b.getFloatAttr(stateElement, 0.0));
        } else {
          h = memref::LoadOp::create(b, startStates,
                                     ValueRange{tileIndex, chunk, flat});
        }
        memref::StoreOp::create(b, h, state, ValueRange{flat});
        if (decay)
          memref::StoreOp::create(
              b,
              arith::ConstantOp::create(b, b.getFloatAttr(stateElement, 1.0)),
              decay, ValueRange{flat});
      });
      b.forLoop(s0, s1, [&](Value step) {
        Value t = reverse ? b.sub(b.sub(steps, b.index(1)), step) : step;
        Value zero =
            arith::ConstantOp::create(b, b.getFloatAttr(b.getF32Type(), 0.0));
        // Once per step: the invariant inputs (read at reduced index 0,
        // which their maps ignore) and the hoisted step ops.
        SmallVector<Value> zeros(innerDims.size(), b.index(0));
        SmallVector<Value> outerPoint{bi};
        if (hasTime)
          outerPoint.push_back(t);
        llvm::append_range(outerPoint, statePoint(zeros));
        SmallVector<Value> invariantScalars(inputs.size());
        IRMapping stepInvariants;
        for (auto [i, input] : llvm::enumerate(inputs)) {
          if (!invariantInput[i])
            continue;
          invariantScalars[i] =
              loadInputs(b, {input}, b.getArrayAttr({maps[i]}), outerPoint)[0];
          stepInvariants.map(stepBlock.getArgument(i), invariantScalars[i]);
        }
        for (Operation &stepOp : stepBlock.without_terminator())
          if (hoisted.contains(&stepOp))
            b.clone(stepOp, stepInvariants);
        auto body = [&](ValueRange inner, Value acc) -> Value {
          SmallVector<Value> s = statePoint(inner);
          SmallVector<Value> point{bi};
          if (hasTime)
            point.push_back(t);
          llvm::append_range(point, s);
          SmallVector<Value> scalars(invariantScalars);
          IRMapping mapping = stepInvariants;
          for (auto [i, input] : llvm::enumerate(inputs)) {
            if (invariantInput[i])
              continue;
            scalars[i] =
                loadInputs(b, {input}, b.getArrayAttr({maps[i]}), point)[0];
            mapping.map(stepBlock.getArgument(i), scalars[i]);
          }
          for (Operation &stepOp : stepBlock.without_terminator())
            if (!hoisted.contains(&stepOp))
              b.clone(stepOp, mapping);
          SmallVector<Value> ab;
          for (Value v : stepBlock.getTerminator()->getOperands())
            ab.push_back(mapping.lookupOrDefault(v));
          Value flat = flatInner(inner);
          Value h = memref::LoadOp::create(b, state, ValueRange{flat});
          Value next = arith::AddFOp::create(
              b, arith::MulFOp::create(b, ab[0], h), ab[1]);
          memref::StoreOp::create(b, next, state, ValueRange{flat});
          if (decay) {
            Value d = memref::LoadOp::create(b, decay, ValueRange{flat});
            memref::StoreOp::create(b, arith::MulFOp::create(b, d, ab[0]),
                                    decay, ValueRange{flat});
          }
          if (!writeOutputs)
            return acc;
          if (!hasReadout) {
            memref::StoreOp::create(b, next, output, point);
            return acc;
          }
          SmallVector<Value> readoutArgs{next};
          llvm::append_range(readoutArgs, scalars);
          Value value = b.inlineRegion(op.getReadout(), readoutArgs)[0];
          if (!value.getType().isF32())
            value = arith::ExtFOp::create(b, b.getF32Type(), value);
          return b.addf(acc, value);
        };
        // Walk the inner (reduced) state points, accumulating the readout.
        std::function<Value(SmallVector<Value> &, Value)> walk =
            [&](SmallVector<Value> &inner, Value acc) -> Value {
          if (inner.size() == innerBounds.size())
            return body(inner, acc);
          return b.forLoop(
              b.index(0), innerBounds[inner.size()], ValueRange{acc},
              [&](Value iv, ValueRange carried) -> SmallVector<Value> {
                inner.push_back(iv);
                Value r = walk(inner, carried[0]);
                inner.pop_back();
                return {r};
              })[0];
        };
        SmallVector<Value> inner;
        Value sum = walk(inner, zero);
        if (hasReadout && writeOutputs) {
          SmallVector<Value> outIndex{bi};
          if (hasTime)
            outIndex.push_back(t);
          llvm::append_range(outIndex, tile.drop_front());
          if (outElement != sum.getType())
            sum = arith::TruncFOp::create(b, outElement, sum);
          memref::StoreOp::create(b, sum, output, outIndex);
        }
      });
      return {state, decay};
    };
    // runChunk with channel lanes: `tile`'s lane coordinate is a block of
    // `width` channels; the scratch state holds `width` lanes per inner
    // point, lane-minor.
    auto runLanes = [&](ValueRange tile, Value tileIndex, Value chunk, Value s0,
                        Value s1, Start start, bool writeOutputs,
                        bool trackDecay) -> std::pair<Value, Value> {
      Value bi = tile[0];
      Value v0 = b.mul(tile.back(), laneCount);
      Value mask;
      if (!allLanes)
        mask = vector::CreateMaskOp::create(
            b, VectorType::get({width}, b.getI1Type()),
            ValueRange{b.min(laneCount, b.sub(laneExtent, v0))});
      auto statePoint = [&](ValueRange inner) {
        SmallVector<Value> s(stateRank);
        for (auto [k, dim] : llvm::enumerate(tileDims))
          s[dim] = tile[k + 1];
        s[laneDim] = v0;
        for (auto [k, dim] : llvm::enumerate(innerDims))
          s[dim] = inner[k];
        return s;
      };
      auto iterationPoint = [&](Value t, ValueRange inner) {
        SmallVector<Value> point{bi};
        if (hasTime)
          point.push_back(t);
        llvm::append_range(point, statePoint(inner));
        return point;
      };
      auto flatInner = [&](ValueRange inner) {
        Value flat = b.index(0);
        for (auto [k, v] : llvm::enumerate(inner))
          flat = b.add(b.mul(flat, innerBounds[k]), v);
        return flat;
      };
      auto scratchType = MemRefType::get({ShapedType::kDynamic}, stateElement);
      Value state =
          memref::AllocaOp::create(b, scratchType, ValueRange{carrySize});
      Value decay = trackDecay ? memref::AllocaOp::create(b, scratchType,
                                                          ValueRange{carrySize})
                                     .getResult()
                               : Value();
      VectorType stateLanes = laneType(stateElement);
      SmallVector<Value> ivs;
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        Value flat = flatInner(inner);
        Value h;
        if (start == Start::Init) {
          // init[b, s...]: the lane dimension is rarely its last (Mamba's
          // [B, D, N]); one load per lane, once per chunk.
          SmallVector<Value> index{bi};
          llvm::append_range(index, statePoint(inner));
          SmallVector<Value> perLane;
          Value lastLane = b.sub(laneExtent, b.index(1));
          for (int64_t l = 0; l < width; ++l) {
            index[laneDim + 1] = b.min(b.add(v0, b.index(l)), lastLane);
            perLane.push_back(memref::LoadOp::create(b, init, index));
          }
          h = vector::FromElementsOp::create(b, stateLanes, perLane);
        } else if (start == Start::Zero) {
          h = arith::ConstantOp::create(
              b, DenseElementsAttr::get(stateLanes,
                                        b.getFloatAttr(stateElement, 0.0)));
        } else {
          h = vector::LoadOp::create(
              b, stateLanes, startStates,
              ValueRange{tileIndex, chunk, b.mul(flat, laneCount)});
        }
        storeScratchLanes(h, state, flat);
        if (decay)
          storeScratchLanes(
              arith::ConstantOp::create(
                  b, DenseElementsAttr::get(stateLanes,
                                            b.getFloatAttr(stateElement, 1.0))),
              decay, flat);
      });
      // Chunk level: time-free inputs that ignore the reduced dimensions
      // and the step ops on them.
      SmallVector<Value> zeros(innerDims.size(), b.index(0));
      Value t0 = b.index(0);
      IRMapping chunkValues;
      for (unsigned i = 0; i < inputs.size(); ++i)
        if (lanes && inputLevel(i) == Level::Chunk)
          chunkValues.map(stepBlock.getArgument(i),
                          loadLanes(i, iterationPoint(t0, zeros), mask));
      for (Operation &stepOp : stepBlock.without_terminator())
        if (opLevel(stepOp) == Level::Chunk)
          cloneOnLanes(b, stepOp, chunkValues, width);
      // Table level: the time-free values per inner point.
      SmallVector<Value> tables;
      for (Value v : tabled)
        tables.push_back(memref::AllocaOp::create(
            b, MemRefType::get({ShapedType::kDynamic}, v.getType()),
            ValueRange{carrySize}));
      if (!tabled.empty()) {
        SmallVector<Value> tableIvs;
        nestedLoops(b, innerBounds, tableIvs, [&](ValueRange inner) {
          IRMapping values = chunkValues;
          for (unsigned i = 0; i < inputs.size(); ++i)
            if (inputLevel(i) == Level::Table)
              values.map(stepBlock.getArgument(i),
                         loadLanes(i, iterationPoint(t0, inner), mask));
          for (Operation &stepOp : stepBlock.without_terminator())
            if (opLevel(stepOp) == Level::Table)
              cloneOnLanes(b, stepOp, values, width);
          Value flat = flatInner(inner);
          for (auto [v, table] : llvm::zip_equal(tabled, tables))
            storeScratchLanes(values.lookup(v), table, flat);
        });
      }
      auto storeOutput = [&](Value value, ArrayRef<Value> index) {
        if (mask)
          vector::MaskedStoreOp::create(b, output, index, mask, value);
        else
          vector::StoreOp::create(b, value, output, index);
      };
      b.forLoop(s0, s1, [&](Value step) {
        Value t = reverse ? b.sub(b.sub(steps, b.index(1)), step) : step;
        // Step level: once per step.
        IRMapping stepValues = chunkValues;
        for (unsigned i = 0; i < inputs.size(); ++i)
          if (inputLevel(i) == Level::Step)
            stepValues.map(stepBlock.getArgument(i),
                           loadLanes(i, iterationPoint(t, zeros), mask));
        for (Operation &stepOp : stepBlock.without_terminator())
          if (opLevel(stepOp) == Level::Step)
            cloneOnLanes(b, stepOp, stepValues, width);
        auto body = [&](ValueRange inner, Value acc) -> Value {
          SmallVector<Value> point = iterationPoint(t, inner);
          Value flat = flatInner(inner);
          IRMapping values = stepValues;
          for (unsigned i = 0; i < inputs.size(); ++i)
            if (inputLevel(i) == Level::Point)
              values.map(stepBlock.getArgument(i), loadLanes(i, point, mask));
          for (auto [v, table] : llvm::zip_equal(tabled, tables))
            values.map(v, scratchLanes(table, flat));
          for (Operation &stepOp : stepBlock.without_terminator())
            if (opLevel(stepOp) == Level::Point)
              cloneOnLanes(b, stepOp, values, width);
          SmallVector<Value> ab;
          for (Value v : stepBlock.getTerminator()->getOperands()) {
            Value lanesOf = values.lookupOrNull(v);
            ab.push_back(lanesOf ? lanesOf : splat(b, v, width));
          }
          Value h = scratchLanes(state, flat);
          Value next = vector::FMAOp::create(b, ab[0], h, ab[1]);
          storeScratchLanes(next, state, flat);
          if (decay)
            storeScratchLanes(
                arith::MulFOp::create(b, scratchLanes(decay, flat), ab[0]),
                decay, flat);
          if (!writeOutputs)
            return acc;
          if (!hasReadout) {
            storeOutput(next, point);
            return acc;
          }
          Block &readout = op.getReadout().front();
          IRMapping readoutValues;
          readoutValues.map(readout.getArgument(0), next);
          for (unsigned i = 0; i < inputs.size(); ++i) {
            BlockArgument arg = readout.getArgument(i + 1);
            if (arg.use_empty())
              continue;
            readoutValues.map(arg, values.lookup(stepBlock.getArgument(i)));
          }
          for (Operation &readoutOp : readout.without_terminator())
            cloneOnLanes(b, readoutOp, readoutValues, width);
          Value value = readout.getTerminator()->getOperand(0);
          Value lanesOf = readoutValues.lookupOrNull(value);
          value = lanesOf ? lanesOf : splat(b, value, width);
          if (!getElementTypeOrSelf(value).isF32())
            value = arith::ExtFOp::create(b, laneType(b.getF32Type()), value);
          return arith::AddFOp::create(b, acc, value);
        };
        std::function<Value(SmallVector<Value> &, Value)> walk =
            [&](SmallVector<Value> &inner, Value acc) -> Value {
          if (inner.size() == innerBounds.size())
            return body(inner, acc);
          return b.forLoop(
              b.index(0), innerBounds[inner.size()], ValueRange{acc},
              [&](Value iv, ValueRange carried) -> SmallVector<Value> {
                inner.push_back(iv);
                Value r = walk(inner, carried[0]);
                inner.pop_back();
                return {r};
              })[0];
        };
        SmallVector<Value> inner;
        Value zero = arith::ConstantOp::create(
            b, DenseElementsAttr::get(laneType(b.getF32Type()),
                                      b.getF32FloatAttr(0.0f)));
        Value sum = walk(inner, zero);
        if (hasReadout && writeOutputs) {
          SmallVector<Value> outIndex{bi};
          if (hasTime)
            outIndex.push_back(t);
          llvm::append_range(outIndex, tile.drop_front().drop_back());
          outIndex.push_back(v0);
          if (outElement != b.getF32Type())
            sum = arith::TruncFOp::create(b, laneType(outElement), sum);
          storeOutput(sum, outIndex);
        }
      });
      return {state, decay};
    };
    // storeState with channel lanes: carries are copied as vectors; the
    // final state takes one store per valid lane.
    auto storeLanes = [&](ValueRange tile, Value scratch, Value target,
                          Value tileIndex, Value chunk) {
      Value v0 = b.mul(tile.back(), laneCount);
      Value valid = b.min(laneCount, b.sub(laneExtent, v0));
      SmallVector<Value> ivs;
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        Value flat = b.index(0);
        for (auto [k, v] : llvm::enumerate(inner))
          flat = b.add(b.mul(flat, innerBounds[k]), v);
        if (target != finalState) {
          vector::StoreOp::create(
              b, scratchLanes(scratch, flat), target,
              ValueRange{tileIndex, chunk, b.mul(flat, laneCount)});
          return;
        }
        b.forLoop(b.index(0), valid, [&](Value l) {
          Value h = memref::LoadOp::create(
              b, scratch, ValueRange{b.add(b.mul(flat, laneCount), l)});
          SmallVector<Value> index(stateRank + 1);
          index[0] = tile[0];
          for (auto [k, dim] : llvm::enumerate(tileDims))
            index[dim + 1] = tile[k + 1];
          index[laneDim + 1] = b.add(v0, l);
          for (auto [k, dim] : llvm::enumerate(innerDims))
            index[dim + 1] = inner[k];
          memref::StoreOp::create(b, h, finalState, index);
        });
      });
    };
    // Copies a scratch state out: to the final state, or a carry buffer.
    auto storeScalar = [&](ValueRange tile, Value scratch, Value target,
                           Value tileIndex, Value chunk) {
      SmallVector<Value> ivs;
      nestedLoops(b, innerBounds, ivs, [&](ValueRange inner) {
        Value flat = b.index(0);
        for (auto [k, v] : llvm::enumerate(inner))
          flat = b.add(b.mul(flat, innerBounds[k]), v);
        Value h = memref::LoadOp::create(b, scratch, ValueRange{flat});
        if (target != finalState) {
          memref::StoreOp::create(b, h, target,
                                  ValueRange{tileIndex, chunk, flat});
          return;
        }
        SmallVector<Value> index(stateRank + 1);
        index[0] = tile[0];
        for (auto [k, dim] : llvm::enumerate(tileDims))
          index[dim + 1] = tile[k + 1];
        for (auto [k, dim] : llvm::enumerate(innerDims))
          index[dim + 1] = inner[k];
        memref::StoreOp::create(b, h, finalState, index);
      });
    };
    auto runChunk = [&](ValueRange tile, Value tileIndex, Value chunk, Value s0,
                        Value s1, Start start, bool writeOutputs,
                        bool trackDecay) {
      if (lanes)
        return runLanes(tile, tileIndex, chunk, s0, s1, start, writeOutputs,
                        trackDecay);
      return runScalar(tile, tileIndex, chunk, s0, s1, start, writeOutputs,
                       trackDecay);
    };
    auto storeState = [&](ValueRange tile, Value scratch, Value target,
                          Value tileIndex, Value chunk) {
      if (lanes)
        storeLanes(tile, scratch, target, tileIndex, chunk);
      else
        storeScalar(tile, scratch, target, tileIndex, chunk);
    };
    auto linearTile = [&](ValueRange tile) {
      Value index = b.index(0);
      for (auto [k, v] : llvm::enumerate(tile))
        index = b.add(b.mul(index, tileBounds[k]), v);
      return index;
    };

    SmallVector<Value> phase1Bounds(tileBounds);
    phase1Bounds.push_back(chunks);
    b.parallel(phase1Bounds, [&](ValueRange ivs) {
      ValueRange tile = ivs.drop_back();
      Value chunk = ivs.back();
      Value tileIndex = linearTile(tile);
      Value s0 = b.mul(chunk, chunkLen);
      Value s1 = b.min(steps, b.add(s0, chunkLen));
      Value first = b.cmp(arith::CmpIPredicate::eq, chunk, b.index(0));
      scf::IfOp::create(
          b, first,
          [&](OpBuilder &, Location loc) {
            auto [state, decay] = runChunk(tile, tileIndex, chunk, s0, s1,
                                           Start::Init, true, false);
            scf::IfOp::create(
                b, isChunked,
                [&](OpBuilder &, Location l) {
                  storeState(tile, state, endStates, tileIndex, chunk);
                  scf::YieldOp::create(b, l);
                },
                [&](OpBuilder &, Location l) {
                  storeState(tile, state, finalState, tileIndex, chunk);
                  scf::YieldOp::create(b, l);
                });
            scf::YieldOp::create(b, loc);
          },
          [&](OpBuilder &, Location loc) {
            auto [state, decay] = runChunk(tile, tileIndex, chunk, s0, s1,
                                           Start::Zero, false, true);
            storeState(tile, state, endStates, tileIndex, chunk);
            storeState(tile, decay, decays, tileIndex, chunk);
            scf::YieldOp::create(b, loc);
          });
    });
    b.ifThen(isChunked, [&] {
      // Phase 2: true start states of chunks 1.., in order.
      b.parallel({numTiles}, [&](ValueRange ivs) {
        Value tileIndex = ivs[0];
        b.forLoop(b.index(0), carrySize, [&](Value flat) {
          Value carried = memref::LoadOp::create(
              b, endStates, ValueRange{tileIndex, b.index(0), flat});
          b.forLoop(b.index(1), chunks, ValueRange{carried},
                    [&](Value c, ValueRange h) -> SmallVector<Value> {
                      memref::StoreOp::create(b, h[0], startStates,
                                              ValueRange{tileIndex, c, flat});
                      Value e = memref::LoadOp::create(
                          b, endStates, ValueRange{tileIndex, c, flat});
                      Value p = memref::LoadOp::create(
                          b, decays, ValueRange{tileIndex, c, flat});
                      return {arith::AddFOp::create(
                          b, e, arith::MulFOp::create(b, p, h[0]))};
                    });
        });
      });
      // Phase 3: re-run chunks 1.. from their start states.
      SmallVector<Value> phase3Bounds(tileBounds);
      phase3Bounds.push_back(b.sub(chunks, b.index(1)));
      b.parallel(phase3Bounds, [&](ValueRange ivs) {
        ValueRange tile = ivs.drop_back();
        Value chunk = b.add(ivs.back(), b.index(1));
        Value tileIndex = linearTile(tile);
        Value s0 = b.mul(chunk, chunkLen);
        Value s1 = b.min(steps, b.add(s0, chunkLen));
        auto [state, decay] = runChunk(tile, tileIndex, chunk, s0, s1,
                                       Start::Carried, true, false);
        Value lastChunk =
            b.cmp(arith::CmpIPredicate::eq, chunk, b.sub(chunks, b.index(1)));
        b.ifThen(lastChunk, [&] {
          storeState(tile, state, finalState, tileIndex, chunk);
        });
      });
    });
    rewriter.replaceOp(
        op, {b.toTensor(output, outType), b.toTensor(finalState, stateType)});
    return success();
  }
};
} // namespace

void seq::populateScanToLoopsPatterns(RewritePatternSet &patterns,
                                      const TilingOptions &tiling) {
  patterns.add<ScanLowering<ScanOp>, ScanLowering<ScanStepOp>>(
      patterns.getContext(), tiling);
}
