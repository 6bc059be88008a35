//===- ScanKernels.cpp - GPU kernels of seq.scan and seq.scan_step --------===//
//
// This file implements seq-gpu-scan-kernels and the kernel it builds: a
// linear recurrence h = a * h + b whose state is [B, D], [B, D, N]
// (Mamba-1's selective scan and its decode step) or [B, H, P, N] (Mamba-2:
// a state per head, its scalar decay and B/C read per (head, n)). A group
// of lanes (N rounded up to a power of two, at most a warp) owns one
// (batch row, channel) -- with heads, one (batch row, head, p): lane per
// (head, p, n) -- one lane per state element, and keeps its state in
// registers while the block walks the sequence in chunks of `group` steps.
// With heads, grid.z walks the heads and grid.x the P channels of each.
//
// The op's step and readout regions are compiled into the kernel, split by
// what their values depend on:
//  * invariant (neither the time nor N varies them, e.g. A = -exp(A_log)):
//    computed once per lane before the sequence loop;
//  * row (the time but not N, e.g. softplus(dt), x): computed once per
//    (step, channel): at the start of a chunk lane j computes step j of the
//    chunk, and the group takes it from lane j with `gpu.shuffle idx` when
//    it reaches step j;
//  * lane (the rest, e.g. exp(dt * A), B * x, the state update): per lane
//    and step.
// The readout is summed over N with `gpu.shuffle xor`; lane j keeps the sum
// of step j and the chunk's outputs are stored together. math.exp, log,
// log1p become llvm.intr.exp2/log2 (ex2.approx.f32, v_exp_f32; no device
// library). The final state is written at the end. seq.scan_step (decode)
// runs the same regions once, with the state in and out.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUSCANKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
enum class ScanMutation {
  None,
  ShuffleOffset, ///< the N reduction skips its widest shuffle
  ShareLane,     ///< row values taken from the wrong lane of the group
  DropElement,   ///< a lane's partial y leaves out its last state element
};

/// What a region value depends on (bit set): the time, the state's last
/// dimension.
enum : unsigned { kDependsOnTime = 1, kDependsOnLane = 2 };

enum class Phase { Invariant, Row, Lane };

/// The parts of a seq.scan or seq.scan_step the kernel needs.
struct ScanView {
  Operation *op = nullptr;
  bool isStep = false, reverse = false;
  ValueRange inputs;
  Value init;
  SmallVector<AffineMap> maps;
  bool reduce = false;
  Region *step = nullptr, *readout = nullptr;
  Type outputElement, finalElement;
  int64_t outputRank = 0;
  /// Iteration dimensions: batch, time (-1 for scan_step), head (-1 unless
  /// the state is [B, H, P, N]), channel, lane (-1 for a [B, D] state).
  int64_t timeDim = -1, headDim = -1, channelDim = -1, laneDim = -1;
};

/// The values the op's step and readout regions use from outside the op,
/// in the order they are first used.
SmallVector<Value> outsideValues(const ScanView &view) {
  SmallVector<Value> values;
  for (Region *region : {view.step, view.readout}) {
    if (!region)
      continue;
    region->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands())
        if (!region->isAncestor(operand.getParentRegion()) &&
            !llvm::is_contained(values, operand))
          values.push_back(operand);
    });
  }
  return values;
}

Phase phaseOf(unsigned mask) {
  if (!(mask & kDependsOnTime))
    return Phase::Invariant;
  return (mask & kDependsOnLane) ? Phase::Lane : Phase::Row;
}

/// Whether the kernel can compute `op` of a step or readout region.
bool isSupportedRegionOp(Operation &op) {
  if (op.getNumRegions() != 0)
    return false;
  if (isa<arith::ArithDialect>(op.getDialect()))
    return true;
  return isa<math::ExpOp, math::Exp2Op, math::LogOp, math::Log2Op,
             math::Log1pOp, math::SqrtOp, math::RsqrtOp, seq::YieldOp>(op);
}

/// Builds one scan kernel body; `b` inserts into the kernel.
class ScanKernelBuilder : IndexMath {
public:
  ScanKernelBuilder(ImplicitLocOpBuilder &b, const ScanView &view,
                    const GPUScanConfig &config, ScanMutation mutation)
      : IndexMath(b), view(view), config(config), mutation(mutation) {}

  LogicalResult build(gpu::GPUFuncOp func);

private:
  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value i32(Value index) {
    return arith::IndexCastOp::create(b, b.getI32Type(), index);
  }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value toF32(Value v) {
    return v.getType().isF32() ? v
                               : arith::ExtFOp::create(b, b.getF32Type(), v);
  }
  Value fromF32(Value v, Type type) {
    return type.isF32() ? v : arith::TruncFOp::create(b, type, v);
  }

  /// Classifies every value of the regions (masks, phases).
  void classify();
  /// The index of iteration point `point` through `expr`.
  FailureOr<Value> expand(AffineExpr expr, ArrayRef<Value> point);
  /// Loads input `i` at `point` (clamped in bounds by the caller).
  FailureOr<Value> loadInput(unsigned i, ArrayRef<Value> point);
  /// Emits the ops of `region` whose phase passes `filter` into `mapping`.
  LogicalResult emitOps(Region &region, IRMapping &mapping,
                        function_ref<bool(Operation *)> filter);
  /// One op of a region in GPU form (math lowered to exp2/log2/sqrt).
  LogicalResult emitOp(Operation &op, IRMapping &mapping);
  /// `v` of lane `source` of the warp (any 32-bit-or-narrower scalar).
  FailureOr<Value> shuffleIdx(Value v, Value source);
  /// The sum of `v` (f32) over the group's lanes, in every lane.
  Value groupSum(Value v);
  /// The state update and readout of one step: {new state, readout}.
  FailureOr<std::pair<Value, Value>>
  stepAndReadout(IRMapping &stepMap, IRMapping &readoutMap, Value h,
                 function_ref<bool(Operation *)> filter);

  const ScanView &view;
  const GPUScanConfig &config;
  ScanMutation mutation;

  DenseMap<Value, unsigned> masks;
  DenseMap<Operation *, Phase> phases;
  SmallVector<Value> inputArgs;
  Value stateArg, outputArg, finalArg;
};
} // namespace

void ScanKernelBuilder::classify() {
  SmallVector<unsigned> inputMasks;
  for (AffineMap map : view.maps) {
    unsigned mask = 0;
    if (view.timeDim >= 0 && map.isFunctionOfDim(view.timeDim))
      mask |= kDependsOnTime;
    if (view.laneDim >= 0 && map.isFunctionOfDim(view.laneDim))
      mask |= kDependsOnLane;
    inputMasks.push_back(mask);
  }
  auto walkRegion = [&](Region &region, unsigned firstInput) {
    Block &block = region.front();
    for (auto [i, arg] : llvm::enumerate(block.getArguments()))
      masks[arg] = i < firstInput ? (kDependsOnTime | kDependsOnLane)
                                  : inputMasks[i - firstInput];
    for (Operation &op : block) {
      unsigned mask = 0;
      for (Value operand : op.getOperands())
        mask |= masks.lookup(operand);
      for (Value result : op.getResults())
        masks[result] = mask;
      phases[&op] = phaseOf(mask);
    }
  };
  walkRegion(*view.step, 0);
  if (view.readout)
    walkRegion(*view.readout, 1);
}

FailureOr<Value> ScanKernelBuilder::expand(AffineExpr expr,
                                           ArrayRef<Value> point) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return point[dim.getPosition()];
  if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
    if (constant.getValue() < 0)
      return failure();
    return c(constant.getValue());
  }
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return failure();
  FailureOr<Value> lhs = expand(binary.getLHS(), point);
  FailureOr<Value> rhs = expand(binary.getRHS(), point);
  if (failed(lhs) || failed(rhs))
    return failure();
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return add(*lhs, *rhs);
  case AffineExprKind::Mul:
    return mul(*lhs, *rhs);
  case AffineExprKind::FloorDiv:
  case AffineExprKind::CeilDiv:
  case AffineExprKind::Mod: {
    // Non-negative indices by positive constants only.
    auto divisor = dyn_cast<AffineConstantExpr>(binary.getRHS());
    if (!divisor || divisor.getValue() <= 0)
      return failure();
    if (expr.getKind() == AffineExprKind::Mod)
      return Value(arith::RemUIOp::create(b, *lhs, *rhs));
    if (expr.getKind() == AffineExprKind::CeilDiv)
      return Value(arith::DivUIOp::create(
          b, add(*lhs, c(divisor.getValue() - 1)), *rhs));
    return Value(arith::DivUIOp::create(b, *lhs, *rhs));
  }
  default:
    return failure();
  }
}

FailureOr<Value> ScanKernelBuilder::loadInput(unsigned i,
                                              ArrayRef<Value> point) {
  SmallVector<Value> indices;
  for (AffineExpr expr : view.maps[i].getResults()) {
    FailureOr<Value> index = expand(expr, point);
    if (failed(index))
      return view.op->emitError()
             << "seq-gpu-scan-kernels: input " << i << "'s map "
             << AffineMapAttr::get(view.maps[i])
             << " has an expression the kernel cannot index";
    indices.push_back(*index);
  }
  return Value(memref::LoadOp::create(b, inputArgs[i], indices));
}

LogicalResult ScanKernelBuilder::emitOp(Operation &op, IRMapping &mapping) {
  return emitGPURegionOp(b, op, mapping, "seq-gpu-scan-kernels",
                         "a scan region");
}

LogicalResult
ScanKernelBuilder::emitOps(Region &region, IRMapping &mapping,
                           function_ref<bool(Operation *)> filter) {
  for (Operation &op : region.front().without_terminator())
    if (filter(&op) && failed(emitOp(op, mapping)))
      return failure();
  return success();
}

FailureOr<Value> ScanKernelBuilder::shuffleIdx(Value v, Value source) {
  Type type = v.getType();
  Value wide = v;
  if (isa<FloatType>(type) && !type.isF32())
    wide = arith::ExtFOp::create(b, b.getF32Type(), v);
  else if (type.isIndex())
    wide = i32(v);
  else if (type.isInteger(1) ||
           (type.isInteger() && type.getIntOrFloatBitWidth() < 32))
    wide = arith::ExtUIOp::create(b, b.getI32Type(), v);
  else if (!type.isF32() && !type.isInteger(32))
    return view.op->emitError() << "seq-gpu-scan-kernels: cannot share a "
                                << type << " value between lanes";
  Value warpSize = c(config.warpSize);
  Value width = i32(warpSize);
  Value sourceLane = i32(source);
  Value shared =
      gpu::ShuffleOp::create(b, wide, sourceLane, width, gpu::ShuffleMode::IDX)
          .getShuffleResult();
  if (type == wide.getType())
    return shared;
  if (isa<FloatType>(type))
    return Value(arith::TruncFOp::create(b, type, shared));
  if (type.isIndex())
    return Value(arith::IndexCastOp::create(b, type, shared));
  return Value(arith::TruncIOp::create(b, type, shared));
}

Value ScanKernelBuilder::groupSum(Value v) {
  // Butterfly over offsets group/2 .. 1: xor stays inside the group. The
  // mutation skips the widest exchange (each half group sums itself).
  int64_t start = mutation == ScanMutation::ShuffleOffset ? config.group / 4
                                                          : config.group / 2;
  for (int64_t offset = start; offset >= 1; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, v, offset, config.warpSize,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = arith::AddFOp::create(b, v, other);
  }
  return v;
}

FailureOr<std::pair<Value, Value>>
ScanKernelBuilder::stepAndReadout(IRMapping &stepMap, IRMapping &readoutMap,
                                  Value h,
                                  function_ref<bool(Operation *)> filter) {
  if (failed(emitOps(*view.step, stepMap, filter)))
    return failure();
  Operation *yield = view.step->front().getTerminator();
  Value decay = stepMap.lookup(yield->getOperand(0));
  Value input = stepMap.lookup(yield->getOperand(1));
  // h = a * h + b, in the state's type, as the CPU lowering.
  Value next =
      arith::AddFOp::create(b, arith::MulFOp::create(b, decay, h), input);
  if (!view.readout)
    return std::make_pair(next, next);
  readoutMap.map(view.readout->front().getArgument(0), next);
  if (failed(emitOps(*view.readout, readoutMap, filter)))
    return failure();
  Value r =
      readoutMap.lookup(view.readout->front().getTerminator()->getOperand(0));
  return std::make_pair(next, r);
}

LogicalResult ScanKernelBuilder::build(gpu::GPUFuncOp func) {
  b.setInsertionPointToStart(&func.getBody().front());
  unsigned numInputs = view.inputs.size();
  for (unsigned i = 0; i < numInputs; ++i)
    inputArgs.push_back(func.getArgument(i));
  stateArg = func.getArgument(numInputs);
  outputArg = func.getArgument(numInputs + 1);
  finalArg = func.getArgument(numInputs + 2);
  classify();

  int64_t group = config.group;
  // Each lane holds `perLane` state elements, n = lane + e * group (one
  // unless N exceeds the warp).
  int64_t perLane = config.perLane;
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = arith::RemUIOp::create(b, tid, c(config.warpSize));
  Value n = arith::RemUIOp::create(b, tid, c(group));
  Value groupBase = arith::SubIOp::create(b, lane, n);
  Value groupValue = c(group);
  Value groupInBlock = arith::DivUIOp::create(b, tid, groupValue);
  Value channelsPerBlock = c(config.channelsPerBlock());
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value blockChannel = mul(blockX, channelsPerBlock);
  Value channel = add(blockChannel, groupInBlock);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  // With heads ([B, H, P, N]): the head is grid.z, the channels are P.
  bool heads = view.headDim >= 0;
  Value head = heads ? gpu::BlockIdOp::create(b, gpu::Dimension::z) : Value();
  int64_t channelStateDim = heads ? 2 : 1;
  Value channels = memref::DimOp::create(b, stateArg, channelStateDim);
  Value channelActive = ult(channel, channels);
  Value laneCount =
      view.laneDim >= 0
          ? Value(memref::DimOp::create(b, stateArg, channelStateDim + 1))
          : Value();
  // Element e of this lane: its n, whether it exists, and n clamped.
  // Inactive elements (past the channels or N) compute on element 0 and
  // store nothing; every lane reaches every shuffle. A lane past N keeps
  // its group's channel: it computes the per-step values of a chunk step
  // for the group (N below the group size, e.g. 20 of 32).
  SmallVector<Value> ns, actives, nCs;
  for (int64_t e = 0; e < perLane; ++e) {
    Value ne = n;
    if (e > 0) {
      Value offset = c(e * group);
      ne = add(n, offset);
    }
    Value active = channelActive;
    if (laneCount)
      active = arith::AndIOp::create(b, active, ult(ne, laneCount));
    ns.push_back(ne);
    actives.push_back(active);
  }
  Value channelC = select(channelActive, channel, c(0));
  for (int64_t e = 0; e < perLane; ++e)
    nCs.push_back(select(actives[e], ns[e], c(0)));
  auto point = [&](Value t, int64_t e) {
    SmallVector<Value> p = {batch};
    if (view.timeDim >= 0)
      p.push_back(t);
    if (heads)
      p.push_back(head);
    p.push_back(channelC);
    if (view.laneDim >= 0)
      p.push_back(nCs[e]);
    return p;
  };
  auto statePoint = [&](Value ch, Value nn) {
    SmallVector<Value> p = {batch};
    if (heads)
      p.push_back(head);
    p.push_back(ch);
    if (view.laneDim >= 0)
      p.push_back(nn);
    return p;
  };
  // An output element: time `t` (none for scan_step), channel `ch`, lane
  // `nn` (none for a readout reduced over N).
  auto outputPoint = [&](Value t, Value ch, Value nn) {
    SmallVector<Value> p = {batch};
    if (t)
      p.push_back(t);
    if (heads)
      p.push_back(head);
    p.push_back(ch);
    if (nn)
      p.push_back(nn);
    return p;
  };
  auto inputMask = [&](unsigned i) {
    return masks.lookup(view.step->front().getArgument(i));
  };
  auto inputPhase = [&](unsigned i) { return phaseOf(inputMask(i)); };
  auto mapInput = [&](IRMapping &stepMap, IRMapping &readoutMap, unsigned i,
                      Value v) {
    stepMap.map(view.step->front().getArgument(i), v);
    if (view.readout)
      readoutMap.map(view.readout->front().getArgument(i + 1), v);
  };
  auto storeOutput = [&](Value v, ValueRange indices) {
    memref::StoreOp::create(b, fromF32(toF32(v), view.outputElement), outputArg,
                            indices);
  };
  auto ifThen = [&](Value cond, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  };
  // Element e > 0 re-emits only what depends on N; the rest is element 0's
  // (its mapping copied after element 0's ops).
  auto laneOnly = [&](int64_t e, function_ref<bool(Phase)> filter) {
    return [&, e, filter](Operation *op) {
      if (!filter(phases.lookup(op)))
        return false;
      return e == 0 || (op->getNumResults() != 0 &&
                        (masks.lookup(op->getResult(0)) & kDependsOnLane));
    };
  };
  // The sum over this lane's elements of the readout (f32), then over the
  // group. The drop-element mutation leaves out the lane's last element.
  auto reduceReadout = [&](ArrayRef<Value> rs) {
    Value zero = f32(0.0f);
    Value partial;
    int64_t count = static_cast<int64_t>(rs.size());
    if (mutation == ScanMutation::DropElement && count > 1)
      --count;
    for (int64_t e = 0; e < count; ++e) {
      Value rF32 = toF32(rs[e]);
      Value term = select(actives[e], rF32, zero);
      partial = partial ? Value(arith::AddFOp::create(b, partial, term)) : term;
    }
    return groupSum(partial);
  };
  auto storeFinal = [&](ArrayRef<Value> hs) {
    for (int64_t e = 0; e < perLane; ++e)
      ifThen(actives[e], [&] {
        memref::StoreOp::create(b, hs[e], finalArg, statePoint(channel, ns[e]));
      });
  };

  SmallVector<Value> h0s;
  for (int64_t e = 0; e < perLane; ++e)
    h0s.push_back(
        memref::LoadOp::create(b, stateArg, statePoint(channelC, nCs[e])));

  // Everything that varies with neither the time nor N: once per lane
  // (scan_step: everything, there is no time); what varies with N but not
  // the time: once per element.
  SmallVector<IRMapping> invSteps(perLane), invReadouts(perLane);
  // Constants the regions use from outside the op (the canonicalizer
  // hoists them out of the regions): cloned into the kernel once.
  for (Value outside : outsideValues(view))
    if (!invSteps[0].contains(outside)) {
      Value copy = b.clone(*outside.getDefiningOp())->getResult(0);
      invSteps[0].map(outside, copy);
      invReadouts[0].map(outside, copy);
    }
  auto isInvariant = [](Phase p) { return p == Phase::Invariant; };
  // Loads element e's invariant inputs (e > 0: those that vary with N).
  auto loadInvariants = [&](int64_t e) -> LogicalResult {
    for (unsigned i = 0; i < numInputs; ++i)
      if (inputPhase(i) == Phase::Invariant &&
          (e == 0 || (inputMask(i) & kDependsOnLane))) {
        FailureOr<Value> v = loadInput(i, point(c(0), e));
        if (failed(v))
          return failure();
        mapInput(invSteps[e], invReadouts[e], i, *v);
      }
    return success();
  };

  if (view.isStep) {
    auto all = [](Phase) { return true; };
    SmallVector<Value> nexts, rs;
    for (int64_t e = 0; e < perLane; ++e) {
      if (e > 0) {
        invSteps[e] = invSteps[0];
        invReadouts[e] = invReadouts[0];
      }
      if (failed(loadInvariants(e)))
        return failure();
      FailureOr<std::pair<Value, Value>> result = stepAndReadout(
          invSteps[e], invReadouts[e], h0s[e], laneOnly(e, all));
      if (failed(result))
        return failure();
      nexts.push_back(result->first);
      rs.push_back(result->second);
    }
    if (view.reduce) {
      Value sum = reduceReadout(rs);
      ifThen(arith::AndIOp::create(
                 b, channelActive,
                 arith::CmpIOp::create(b, arith::CmpIPredicate::eq, n, c(0))),
             [&] { storeOutput(sum, outputPoint({}, channel, {})); });
    } else {
      for (int64_t e = 0; e < perLane; ++e)
        ifThen(actives[e],
               [&] { storeOutput(rs[e], statePoint(channel, ns[e])); });
    }
    storeFinal(nexts);
    gpu::ReturnOp::create(b);
    return success();
  }

  for (int64_t e = 0; e < perLane; ++e) {
    if (e > 0) {
      invSteps[e] = invSteps[0];
      invReadouts[e] = invReadouts[0];
    }
    if (failed(loadInvariants(e)) ||
        failed(emitOps(*view.step, invSteps[e], laneOnly(e, isInvariant))) ||
        (view.readout && failed(emitOps(*view.readout, invReadouts[e],
                                        laneOnly(e, isInvariant)))))
      return failure();
  }

  Value steps = memref::DimOp::create(b, outputArg, 1);
  Value last = arith::SubIOp::create(b, steps, c(1));
  // Step s of the walk is time s, or T-1-s when reversed; s clamped to the
  // sequence (a clamped step's results are discarded).
  auto timeOf = [&](Value s) -> Value {
    Value clamped = arith::MinUIOp::create(b, s, last);
    return view.reverse ? arith::SubIOp::create(b, last, clamped) : clamped;
  };

  Value chunkStep = c(group);
  Value chunkStart = c(0);
  auto chunks =
      scf::ForOp::create(b, chunkStart, steps, chunkStep, ValueRange(h0s));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(chunks.getBody());
    Value start = chunks.getInductionVar();
    ValueRange hs = chunks.getRegionIterArgs();

    // Row phase: this lane computes step `n` of the chunk.
    Value mine = add(start, n);
    Value mineValid = ult(mine, steps);
    Value myTime = timeOf(mine);
    IRMapping rowStep = invSteps[0], rowReadout = invReadouts[0];
    for (unsigned i = 0; i < numInputs; ++i)
      if (inputPhase(i) == Phase::Row) {
        FailureOr<Value> v = loadInput(i, point(myTime, 0));
        if (failed(v))
          return failure();
        mapInput(rowStep, rowReadout, i, *v);
      }
    auto isRow = [](Phase p) { return p == Phase::Row; };
    auto rowOps = [&](Operation *op) { return isRow(phases.lookup(op)); };
    if (failed(emitOps(*view.step, rowStep, rowOps)) ||
        (view.readout && failed(emitOps(*view.readout, rowReadout, rowOps))))
      return failure();

    // The row values the lane phase uses (row block arguments and results
    // with a lane-phase or terminator user).
    auto neededByLane = [&](Value v) {
      for (Operation *user : v.getUsers())
        if (user->hasTrait<OpTrait::IsTerminator>() ||
            phases.lookup(user) == Phase::Lane)
          return true;
      return false;
    };
    SmallVector<std::pair<Value, Value>> shared; // (region value, row value)
    auto collect = [&](Region &region, IRMapping &rowMap) {
      Block &block = region.front();
      for (Value arg : block.getArguments())
        if (phaseOf(masks.lookup(arg)) == Phase::Row && neededByLane(arg))
          shared.push_back({arg, rowMap.lookup(arg)});
      for (Operation &op : block.without_terminator())
        if (phases.lookup(&op) == Phase::Row)
          for (Value result : op.getResults())
            if (neededByLane(result))
              shared.push_back({result, rowMap.lookup(result)});
    };
    collect(*view.step, rowStep);
    if (view.readout)
      collect(*view.readout, rowReadout);

    // Lane phase: the chunk's steps in order.
    Value keptInit = f32(0.0f);
    Value walkStep = c(1);
    Value walkEnd = c(group);
    Value walkStart = c(0);
    SmallVector<Value> walkInit(hs.begin(), hs.end());
    walkInit.push_back(keptInit);
    auto walk =
        scf::ForOp::create(b, walkStart, walkEnd, walkStep, walkInit);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(walk.getBody());
      Value k = walk.getInductionVar();
      ValueRange hks = walk.getRegionIterArgs().take_front(perLane);
      Value kept = walk.getRegionIterArgs()[perLane];
      Value s = add(start, k);
      Value valid = ult(s, steps);
      Value time = timeOf(s);
      // Step k's row values live in lane k of the group; the mutation
      // takes them from the next lane.
      Value source = add(groupBase, k);
      if (mutation == ScanMutation::ShareLane) {
        Value groupSize = c(group);
        Value one = c(1);
        Value nextK = add(k, one);
        Value nextLane = arith::RemUIOp::create(b, nextK, groupSize);
        source = add(groupBase, nextLane);
      }
      // Shared once, used by every element of the lane.
      IRMapping sharedStep, sharedReadout;
      for (auto [value, rowValue] : shared) {
        // A group of one lane computed its own step.
        FailureOr<Value> v = group == 1 ? FailureOr<Value>(rowValue)
                                        : shuffleIdx(rowValue, source);
        if (failed(v))
          return failure();
        // A region value maps in its own region's mapping.
        if (value.getParentRegion() == view.step)
          sharedStep.map(value, *v);
        else
          sharedReadout.map(value, *v);
      }
      auto isLane = [](Phase p) { return p == Phase::Lane; };
      auto laneOps = [&](Operation *op) { return isLane(phases.lookup(op)); };
      SmallVector<Value> nexts, rs;
      for (int64_t e = 0; e < perLane; ++e) {
        IRMapping laneStep = invSteps[e], laneReadout = invReadouts[e];
        for (auto &[from, to] : sharedStep.getValueMap())
          laneStep.map(from, to);
        for (auto &[from, to] : sharedReadout.getValueMap())
          laneReadout.map(from, to);
        for (unsigned i = 0; i < numInputs; ++i)
          if (inputPhase(i) == Phase::Lane) {
            FailureOr<Value> v = loadInput(i, point(time, e));
            if (failed(v))
              return failure();
            mapInput(laneStep, laneReadout, i, *v);
          }
        FailureOr<std::pair<Value, Value>> result =
            stepAndReadout(laneStep, laneReadout, hks[e], laneOps);
        if (failed(result))
          return failure();
        nexts.push_back(select(valid, result->first, hks[e]));
        rs.push_back(result->second);
      }
      if (view.reduce) {
        Value sum = reduceReadout(rs);
        kept = select(arith::CmpIOp::create(b, arith::CmpIPredicate::eq, n, k),
                      sum, kept);
      } else {
        for (int64_t e = 0; e < perLane; ++e)
          ifThen(arith::AndIOp::create(b, valid, actives[e]), [&] {
            storeOutput(rs[e],
                        outputPoint(time, channel,
                                    view.laneDim >= 0 ? ns[e] : Value()));
          });
      }
      SmallVector<Value> yielded = nexts;
      yielded.push_back(kept);
      scf::YieldOp::create(b, yielded);
    }
    if (view.reduce)
      ifThen(arith::AndIOp::create(b, mineValid, channelActive), [&] {
        storeOutput(walk.getResult(perLane), outputPoint(myTime, channel, {}));
      });
    scf::YieldOp::create(b, walk.getResults().take_front(perLane));
  }
  SmallVector<Value> finals(chunks.getResults().begin(),
                            chunks.getResults().end());
  storeFinal(finals);
  gpu::ReturnOp::create(b);
  return success();
}

/// The view of a seq.scan or seq.scan_step, or failure with a diagnostic
/// when the kernel does not handle its form.
template <typename OpTy>
static FailureOr<ScanView> viewOf(OpTy op, bool isStep, bool reverse) {
  ScanView view;
  view.op = op;
  view.isStep = isStep;
  view.reverse = reverse;
  view.inputs = op.getInputs();
  view.init = op.getInit();
  for (Attribute map : op.getIndexingMaps())
    view.maps.push_back(cast<AffineMapAttr>(map).getValue());
  view.step = &op.getStep();
  view.readout = op.getReadout().empty() ? nullptr : &op.getReadout();
  auto stateType = cast<RankedTensorType>(view.init.getType());
  auto outputType = cast<RankedTensorType>(op.getOutput().getType());
  view.outputElement = outputType.getElementType();
  view.outputRank = outputType.getRank();
  view.finalElement =
      cast<RankedTensorType>(op.getFinalState().getType()).getElementType();
  int64_t stateRank = stateType.getRank();
  auto fail = [&](const Twine &why) {
    return op.emitError() << "seq-gpu-scan-kernels: no GPU kernel for " << why;
  };
  if (stateRank < 2 || stateRank > 4)
    return fail("a state of rank " + Twine(stateRank) +
                " (the kernel takes [B, D], [B, D, N] and [B, H, P, N])");
  int64_t lead = isStep ? 1 : 2;
  view.timeDim = isStep ? -1 : 1;
  view.headDim = stateRank == 4 ? lead : -1;
  view.channelDim = stateRank == 4 ? lead + 1 : lead;
  view.laneDim = stateRank >= 3 ? view.channelDim + 1 : -1;
  ArrayRef<int64_t> reduce = op.getReductionDims();
  if (!reduce.empty()) {
    if (reduce.size() != 1 || view.laneDim < 0 || reduce[0] != view.laneDim)
      return fail("a readout reduced over other dimensions than the state's "
                  "last");
    view.reduce = true;
  }
  for (Value outside : outsideValues(view)) {
    Operation *def = outside.getDefiningOp();
    if (!def || !def->hasTrait<OpTrait::ConstantLike>())
      return fail("a region that uses a value defined outside the op other "
                  "than a constant");
  }
  for (Region *region : {view.step, view.readout}) {
    if (!region)
      continue;
    for (Operation &inner : region->front())
      if (!isSupportedRegionOp(inner))
        return fail("the region op '" + inner.getName().getStringRef() +
                    "' (arith and math.exp/exp2/log/log2/log1p/sqrt/rsqrt "
                    "have GPU forms)");
  }
  return view;
}

namespace {
struct GPUScanKernelsPass
    : public seq::impl::SeqGPUScanKernelsBase<GPUScanKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-scan-kernels", target);
    if (failed(description))
      return signalPassFailure();
    FailureOr<ScanMutation> parsedMutation = parseMutationOption<ScanMutation>(
        module, "seq-gpu-scan-kernels", mutation,
        {{"none", ScanMutation::None},
         {"shuffle-offset", ScanMutation::ShuffleOffset},
         {"share-lane", ScanMutation::ShareLane},
         {"drop-element", ScanMutation::DropElement}});
    if (failed(parsedMutation))
      return signalPassFailure();

    OpBuilder builder(module.getBodyRegion());
    gpu::GPUModuleOp kernels;
    // Kernels by the printed form of their op (regions, maps, types): a
    // kernel compiles its op's regions.
    llvm::StringMap<std::string> byForm;
    bool failedAny = false;
    module.walk([&](Operation *op) {
      FailureOr<ScanView> view = failure();
      if (auto scan = dyn_cast<ScanOp>(op))
        view = viewOf(scan, false, scan.getReverse());
      else if (auto step = dyn_cast<ScanStepOp>(op))
        view = viewOf(step, true, false);
      else
        return;
      if (failed(view)) {
        failedAny = true;
        return;
      }
      auto stateType = cast<RankedTensorType>(view->init.getType());
      int64_t lanes = view->laneDim >= 0
                          ? stateType.getDimSize(stateType.getRank() - 1)
                          : 1;
      if (ShapedType::isDynamic(lanes)) {
        op->emitError() << "seq-gpu-scan-kernels: the state's last dimension "
                           "must be static";
        failedAny = true;
        return;
      }
      std::string configError;
      std::optional<GPUScanConfig> config =
          selectGPUScanConfig(*description, lanes, configError);
      if (!config) {
        op->emitError() << "seq-gpu-scan-kernels: " << configError;
        failedAny = true;
        return;
      }
      std::string form;
      {
        llvm::raw_string_ostream os(form);
        OpPrintingFlags flags;
        flags.printGenericOpForm();
        Operation *clone = op->clone();
        // The operands' names differ between functions; the form does not.
        clone->print(os, flags.useLocalScope());
        clone->destroy();
        // Nor do they name the constants the regions use from outside.
        for (Value outside : outsideValues(*view))
          outside.getDefiningOp()->print(os, flags);
      }
      std::string &name = byForm[form];
      if (name.empty()) {
        kernels = getOrCreateKernelModule(builder, module, *description);
        name = uniqueKernelName(
            kernels,
            llvm::formatv("{0}{1}{2}_g{3}{4}{5}",
                          view->isStep ? seqrt::gpuhost::kScanStepKernelPrefix
                                       : seqrt::gpuhost::kScanKernelPrefix,
                          view->headDim >= 0 ? "heads_" : "",
                          kernelTypeName(view->outputElement), config->group,
                          config->perLane > 1
                              ? "_e" + std::to_string(config->perLane)
                              : std::string(),
                          view->reverse ? "_reverse" : "")
                .str());
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToEnd(kernels.getBody());
        ImplicitLocOpBuilder b(op->getLoc(), builder);
        int64_t dynamic = ShapedType::kDynamic;
        auto memrefOf = [&](Value tensor) {
          auto type = cast<RankedTensorType>(tensor.getType());
          return MemRefType::get(SmallVector<int64_t>(type.getRank(), dynamic),
                                 type.getElementType());
        };
        SmallVector<Type> arguments;
        for (Value input : view->inputs)
          arguments.push_back(memrefOf(input));
        arguments.push_back(memrefOf(view->init));
        arguments.push_back(memrefOf(op->getResult(0)));
        arguments.push_back(memrefOf(op->getResult(1)));
        // grid.x over the state's channels, grid.y over its batch rows,
        // with heads grid.z over them ([B, H, P, N]: P is the channels).
        int64_t state = view->inputs.size();
        SmallVector<int64_t> grid = {state, 1, config->channelsPerBlock(),
                                     state, 0, 1};
        if (view->headDim >= 0)
          grid = {state, 2, config->channelsPerBlock(), state, 0, 1, state,
                  1,     1};
        auto func = createKernelFunc(b, name, arguments, TypeRange{},
                                     config->threads(), grid);
        // The inputs are read through the op's maps at points of the
        // iteration space the state and output span (b and the state's
        // dimensions from the init, t from the output): the runtime checks
        // each input's extents against them at load (a result `d` or
        // `d floordiv k`, as the op's verifier requires).
        SmallVector<int64_t> extents;
        int64_t output = state + 1;
        for (auto [i, map] : llvm::enumerate(view->maps))
          for (auto [r, expr] : llvm::enumerate(map.getResults())) {
            int64_t divisor = 1;
            AffineExpr dimExpr = expr;
            if (auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
                binary && binary.getKind() == AffineExprKind::FloorDiv) {
              auto k = dyn_cast<AffineConstantExpr>(binary.getRHS());
              dimExpr = binary.getLHS();
              divisor = k ? k.getValue() : 0;
            }
            auto dim = dyn_cast<AffineDimExpr>(dimExpr);
            if (!dim || divisor <= 0) {
              op->emitError() << "seq-gpu-scan-kernels: input " << i
                              << "'s map " << AffineMapAttr::get(map)
                              << " has an expression the kernel cannot index";
              failedAny = true;
              return;
            }
            int64_t position = dim.getPosition();
            int64_t source = state, sourceDim = position;
            if (position == 0)
              sourceDim = 0;
            else if (view->timeDim >= 0 && position == view->timeDim)
              source = output, sourceDim = 1;
            else if (view->timeDim >= 0)
              sourceDim = position - 1;
            llvm::append_values(extents, static_cast<int64_t>(i),
                                static_cast<int64_t>(r), source, sourceDim,
                                divisor);
          }
        func->setAttr(kParamExtentsAttrName,
                      builder.getDenseI64ArrayAttr(extents));
        if (failed(ScanKernelBuilder(b, *view, *config, *parsedMutation)
                       .build(func))) {
          failedAny = true;
          return;
        }
      }
      recordKernel(op, name);
    });
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
