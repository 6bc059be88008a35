//===- MoEExpertKernel.cpp - grouped GEMM and combine kernels of MoE ------===//
//
// This file builds the kernels of seq.moe_experts: the grouped GEMMs over
// the ragged expert groups and the weighted combine.
//
// Tile list (the routed experts): one warp walks the E + 1 groups (the
// last: the dropped slots from offsets[E]) in chunks of a group per lane,
// counts each group's row tiles (ceil(n / blockM)), places them by a warp
// scan (gpu.shuffle up) and writes (group, first row) per tile, then
// (-1, 0) to the end of the list: sum ceil(n_g / blockM) <= ceil(S /
// blockM) + E, the list's length. Invalid offsets set the status word.
//
// Grouped GEMM (routed): a block per (column tile, list entry) -- grid
// (ceil(N / blockN), L) -- whose rows are the entry's row tile of its
// group; a block of no tile (-1, or past the group's end) returns at once
// (before any barrier, so the whole block leaves together). The shared
// experts and seq.grouped_matmul keep a grid over the rows (row tile y of
// one group, or of group z for seq.grouped_matmul). Inside, the linear
// kernel's mapping (LinearKernel.cpp): blockK-deep tiles in workgroup
// memory between two barriers, 2 x 2 warps each owning a 16 x 16 quarter
// on mma.sync m16n8k16 (CUDA) or MFMA 16x16x16 (HIP) through the GEMM
// kernels' shared tile step (MmaTileStep.h), f32 accumulators; f32 FMAs
// from f32 tiles
// when the input and the weights are not one f16/bf16 type (f32
// activations, or f32 activations with half-precision experts, each value
// widened as it is staged).
//
// * gate/up: the X tile's rows are gathered from the tokens of the group's
//   slots (token = perm[r] / K); the gate and up tiles are staged side by
//   side and share the A fragments; H = SiLU(gate) * up is written per
//   group row (f16/bf16 on the matrix instruction, else f32). GeGLU
//   experts take GELU for SiLU, GELU experts have no gate (H = GELU(up));
//   GELU's erf (buildGelu, the CPU's formula) becomes MLIR's polynomial
//   approximation in the kernel (arith, llvm.intr.fma and llvm.intr.fabs:
//   no device library).
// * down: H's rows are the group's rows as they stand; the result times
//   the slot's routing weight is written to row perm[r] of Ys [S, Dm]
//   (f32): every slot has its own row, so nothing is accumulated across
//   blocks (no atomics). One more grid layer (z = E) writes zeros to the
//   rows of dropped slots (after offsets[E]).
// * combine: out[t] = sum over k of Ys[t K + k] (+ the shared experts'
//   Ys[t]) in k order: deterministic, the same on every run and target.
//
// Shared experts are the same GEMMs with one group that holds every token
// (SharedGateUp, SharedDown). seq.grouped_matmul is the down kernel's
// GEMM without the gather or the scatter (Grouped): group e's rows
// times W[e]^T, written in place; the z = E layer zeroes the rows that no
// group owns (before offsets[0], from offsets[E]).
//
//===----------------------------------------------------------------------===//

#include "MmaTileStep.h"
#include "MoEKernelOps.h"
#include "seqc/Conversion/ActivationMath.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/GPU/MoEKernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
class GemmKernelBuilder : MoEKernelOps {
public:
  GemmKernelBuilder(ImplicitLocOpBuilder &b, const GPULinearConfig &config,
                    MoEGemmKind kind, FfnActivation activation, Type inputType,
                    Type weightType, Type computeType, KernelMutation mutation)
      : MoEKernelOps(b), config(config), kind(kind), activation(activation),
        inputType(inputType), weightType(weightType), computeType(computeType),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func);

private:
  bool routed() const {
    return kind == MoEGemmKind::GateUp || kind == MoEGemmKind::Down;
  }
  /// Weights stacked per expert [E, N, K].
  bool stacked() const { return routed() || kind == MoEGemmKind::Grouped; }
  /// The gate/up kernels: the activation is applied to the result.
  bool activated() const {
    return kind == MoEGemmKind::GateUp || kind == MoEGemmKind::SharedGateUp;
  }
  Value zeroOf(Type type) {
    return arith::ConstantOp::create(b, type, b.getZeroAttr(type));
  }
  Value widen(Value v) {
    if (v.getType() == computeType)
      return v;
    return arith::ExtFOp::create(b, computeType, v);
  }
  Value loadIndex(Value memref, ValueRange indices) {
    return toIndex(memref::LoadOp::create(b, memref, indices));
  }
  /// Clamps a group bound read from `offsets` to [lo, slots].
  Value clampBound(Value v, Value lo) {
    Value below = cmp(arith::CmpIPredicate::slt, v, lo);
    Value above = cmp(arith::CmpIPredicate::sgt, v, slots);
    return select(below, lo, select(above, slots, v));
  }
  /// The A operand element of tile row `row` (a group row), column `k`.
  Value loadA(Value row, Value k);
  /// Stages rows [0, rows) x [k0, k0 + blockK) into `tile` through
  /// `element(i, k)` (zero outside `inside(i, k)`).
  void fillTile(Value tile, int64_t rows, Value k0,
                function_ref<Value(Value, Value)> inside,
                function_ref<Value(Value, Value)> element);
  /// The body of the seq.grouped_matmul kernel (Grouped).
  void buildGrouped(ArrayRef<Value> weightOperands, Value rowOffset,
                    function_ref<Value(Value, Value)> inside);
  /// The GEMM of this block's rows [r0, rowEnd): accumulators per B tile.
  void gemm(ArrayRef<Value> weightsOperands,
            function_ref<void(Value, Value, ArrayRef<Value>)> epilogue);

  const GPULinearConfig &config;
  MoEGemmKind kind;
  FfnActivation activation;
  Type inputType, weightType, computeType;
  KernelMutation mutation;

  Value input, perm, offsets, tiles, out, routing, status;
  SmallVector<Value> sharedB;
  Value sharedA;
  Value tid, lane, warpM, warpN, r0, rowEnd, n0, colsN, depth, slots, topK,
      expert;
};
} // namespace

Value GemmKernelBuilder::loadA(Value row, Value k) {
  if (kind == MoEGemmKind::GateUp) {
    // Gather: the token of the row's slot (a slot outside [0, S) reads
    // nothing, as a dropped one).
    Value slot = loadIndex(perm, {row});
    Value valid = cmp(arith::CmpIPredicate::ult, slot, slots);
    auto ifOp = scf::IfOp::create(b, TypeRange{computeType}, valid,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, widen(memref::LoadOp::create(
                                b, input, ValueRange{divU(slot, topK), k})));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, zeroOf(computeType));
    return ifOp.getResult(0);
  }
  return widen(memref::LoadOp::create(b, input, ValueRange{row, k}));
}

void GemmKernelBuilder::fillTile(Value tile, int64_t rows, Value k0,
                                 function_ref<Value(Value, Value)> inside,
                                 function_ref<Value(Value, Value)> element) {
  Value k;
  stageTile(
      b, tile, tid, config.threads(), rows, config.blockK,
      [&](Value i, Value col) {
        k = add(k0, col);
        return inside(i, k);
      },
      [&](Value i, Value) { return element(i, k); });
}

void GemmKernelBuilder::gemm(
    ArrayRef<Value> weightOperands,
    function_ref<void(Value, Value, ArrayRef<Value>)> epilogue) {
  MmaTileMutation tileMutation;
  tileMutation.swapFragmentLanes =
      mutation == KernelMutation::SwapFragmentLanes;
  MmaTileStep tileStep(b, config, computeType, tid, lane, warpM, warpN,
                       tileMutation);
  int64_t operands = weightOperands.size();
  SmallVector<Value> inits = tileStep.zeroAccumulators(operands);

  Value kStep = c(config.blockK);
  Value kStart = c(0);
  SmallVector<Value> acc = forLoop(
      kStart, depth, kStep, inits,
      [&](Value k0, ValueRange carried) -> SmallVector<Value> {
        fillTile(
            sharedA, config.blockM, k0,
            [&](Value i, Value k) {
              Value kInside = cmp(arith::CmpIPredicate::ult, k, depth);
              Value row = add(r0, i);
              Value rowInside = cmp(arith::CmpIPredicate::ult, row, rowEnd);
              return andI(rowInside, kInside);
            },
            [&](Value i, Value k) { return loadA(add(r0, i), k); });
        for (auto [w, tile] : llvm::zip(weightOperands, sharedB))
          fillTile(
              tile, config.blockN, k0,
              [&](Value j, Value k) {
                Value kInside = cmp(arith::CmpIPredicate::ult, k, depth);
                Value col = add(n0, j);
                Value colInside = cmp(arith::CmpIPredicate::ult, col, colsN);
                return andI(colInside, kInside);
              },
              [&, w = w](Value j, Value k) {
                Value n = add(n0, j);
                Value v =
                    stacked()
                        ? memref::LoadOp::create(b, w, ValueRange{expert, n, k})
                              .getResult()
                        : memref::LoadOp::create(b, w, ValueRange{n, k})
                              .getResult();
                return widen(v);
              });
        if (mutation != KernelMutation::DropBarrier)
          gpu::BarrierOp::create(b);
        ArrayRef<Value> tiles(sharedB.data(), operands);
        SmallVector<Value> next = tileStep.step(sharedA, tiles, carried);
        // The next step overwrites the tiles the other warps may still read.
        gpu::BarrierOp::create(b);
        return next;
      });

  // The accumulators' (row, column) in the tile, per instruction layout.
  tileStep.forEachOutput(acc, operands, Value(), Value(), epilogue);
}

void GemmKernelBuilder::buildGrouped(
    ArrayRef<Value> weightOperands, Value rowOffset,
    function_ref<Value(Value, Value)> inside) {
  slots = memref::DimOp::create(b, input, 0);
  expert = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value one = c(1);
  Value offsetsLength = memref::DimOp::create(b, offsets, 0);
  Value numExperts = sub(offsetsLength, one);
  auto bound = [&](Value e) {
    return toIndex(memref::LoadOp::create(b, offsets, ValueRange{e}));
  };
  Value isGroup = cmp(arith::CmpIPredicate::ult, expert, numExperts);
  auto store = [&](Value value, ValueRange indices) {
    if (inputType != value.getType())
      value = arith::TruncFOp::create(b, inputType, value);
    memref::StoreOp::create(b, value, out, indices);
  };
  // Groups: rows [offsets[e], offsets[e + 1]) clamped to [0, R] (a
  // decreasing bound gives an empty group).
  ifThen(isGroup, [&] {
    Value start = bound(expert);
    if (mutation == KernelMutation::GroupOffsetOffByOne)
      start = add(start, c(1));
    Value rowStart = clampBound(start, c(0));
    Value nextExpert = add(expert, one);
    rowEnd = clampBound(bound(nextExpert), rowStart);
    r0 = add(rowStart, rowOffset);
    ifThen(cmp(arith::CmpIPredicate::ult, r0, rowEnd), [&] {
      gemm(weightOperands, [&](Value i, Value j, ArrayRef<Value> v) {
        Value row = add(r0, i), col = add(n0, j);
        ifThen(inside(row, col), [&] { store(v[0], {row, col}); });
      });
    });
  });
  // The last layer (z = E): zeros for the rows of no group, before
  // offsets[0] or from offsets[E], over the row tiles of [0, R).
  ifThen(cmp(arith::CmpIPredicate::eq, expert, numExperts), [&] {
    Value zero = c(0);
    // Its first thread checks 0 <= offsets[0] <= ... <= offsets[E] <= R
    // (E + 1 loads) and stores kIndexOutOfRange in the status word
    // otherwise, as the CPU raises it (the host set the word to 0).
    Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
    Value firstColumn = cmp(arith::CmpIPredicate::eq, blockX, zero);
    Value firstRow = cmp(arith::CmpIPredicate::eq, blockY, zero);
    Value firstBlock = andI(firstColumn, firstRow);
    Value firstThread = cmp(arith::CmpIPredicate::eq, tid, zero);
    ifThen(andI(firstBlock, firstThread), [&] {
      Value falseValue = arith::ConstantOp::create(b, b.getBoolAttr(false));
      Value start = bound(zero);
      Value startNegative = cmp(arith::CmpIPredicate::slt, start, zero);
      SmallVector<Value> walk =
          forLoop(one, offsetsLength, one, ValueRange{start, falseValue},
                  [&](Value e, ValueRange carried) -> SmallVector<Value> {
                    Value next = bound(e);
                    Value decreasing =
                        cmp(arith::CmpIPredicate::slt, next, carried[0]);
                    return {next, orI(carried[1], decreasing)};
                  });
      Value past = cmp(arith::CmpIPredicate::sgt, walk[0], slots);
      Value invalid = orI(orI(startNegative, walk[1]), past);
      ifThen(invalid, [&] {
        Value code = i32(kStatusIndexOutOfRange);
        Value word = c(0);
        memref::StoreOp::create(b, code, status, ValueRange{word});
      });
    });
    Value firstBound = bound(zero);
    Value first = clampBound(firstBound, zero);
    Value last = clampBound(bound(numExperts), first);
    r0 = rowOffset;
    rowEnd = slots;
    Value step = c(config.threads());
    Value elements = c(config.blockM * config.blockN);
    forLoop(tid, elements, step, {},
            [&](Value e, ValueRange) -> SmallVector<Value> {
              Value row = add(r0, divU(e, c(config.blockN)));
              Value col = add(n0, remU(e, c(config.blockN)));
              Value before = cmp(arith::CmpIPredicate::ult, row, first);
              Value after = cmp(arith::CmpIPredicate::uge, row, last);
              Value unowned = orI(before, after);
              ifThen(andI(inside(row, col), unowned),
                     [&] { store(f32(0.0f), {row, col}); });
              return {};
            });
  });
  gpu::ReturnOp::create(b);
}

void GemmKernelBuilder::build(gpu::GPUFuncOp func) {
  b.setInsertionPointToStart(&func.getBody().front());
  Type f32Type = b.getF32Type();
  input = func.getArgument(0);
  // The result is the last argument (seq.grouped_matmul: before its
  // status word).
  out = func.getArgument(func.getNumArguments() -
                         (kind == MoEGemmKind::Grouped ? 2 : 1));
  SmallVector<Value> weightOperands;
  // The B operands: gate and up (gated activations) or up.
  unsigned bOperands = isGatedActivation(activation) ? 2 : 1;
  switch (kind) {
  case MoEGemmKind::GateUp:
    perm = func.getArgument(1);
    offsets = func.getArgument(2);
    for (unsigned i = 0; i < bOperands; ++i)
      weightOperands.push_back(func.getArgument(3 + i));
    tiles = func.getArgument(3 + bOperands);
    break;
  case MoEGemmKind::Down:
    perm = func.getArgument(1);
    offsets = func.getArgument(2);
    weightOperands = {func.getArgument(3)};
    routing = func.getArgument(4);
    tiles = func.getArgument(5);
    break;
  case MoEGemmKind::SharedGateUp:
    for (unsigned i = 0; i < bOperands; ++i)
      weightOperands.push_back(func.getArgument(1 + i));
    break;
  case MoEGemmKind::SharedDown:
    weightOperands = {func.getArgument(1)};
    break;
  case MoEGemmKind::Grouped:
    weightOperands = {func.getArgument(1)};
    offsets = func.getArgument(2);
    status = func.getArgument(4);
    break;
  }
  sharedA = func.getWorkgroupAttributions()[0];
  for (size_t i = 0; i < weightOperands.size(); ++i)
    sharedB.push_back(func.getWorkgroupAttributions()[1 + i]);

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value warp = divU(tid, c(config.warpSize));
  lane = remU(tid, c(config.warpSize));
  warpM = divU(warp, c(config.warpsN));
  warpN = remU(warp, c(config.warpsN));
  n0 = mul(blockX, c(config.blockN));
  colsN = memref::DimOp::create(b, out, 1);
  depth = memref::DimOp::create(b, input, 1);
  Value rowOffset = mul(blockY, c(config.blockM));

  auto store = [&](Value value, Value memref, ValueRange indices) {
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    if (element != value.getType())
      value = arith::TruncFOp::create(b, element, value);
    memref::StoreOp::create(b, value, memref, indices);
  };
  auto toF32 = [&](Value v) {
    return v.getType() == f32Type ? v : arith::ExtFOp::create(b, f32Type, v);
  };
  // The hidden activation of the gate and up sums (f32): SiLU(g) * u,
  // GELU(g) * u or GELU(u) (the op's GELU is the exact, erf form).
  auto activate = [&](ArrayRef<Value> v) -> Value {
    Value g = toF32(v[0]);
    if (activation == FfnActivation::SwiGLU) {
      Value negated = arith::NegFOp::create(b, g);
      Value expNegated = exp(negated);
      Value one = f32(1.0f);
      Value denominator = addf(one, expNegated);
      Value silu = divf(g, denominator);
      return mulf(silu, toF32(v[1]));
    }
    Value gelu = buildGelu(b, g, /*tanhForm=*/false);
    return v.size() == 2 ? mulf(gelu, toF32(v[1])) : gelu;
  };
  auto inside = [&](Value row, Value col) {
    Value colInside = cmp(arith::CmpIPredicate::ult, col, colsN);
    Value rowInside = cmp(arith::CmpIPredicate::ult, row, rowEnd);
    return andI(rowInside, colInside);
  };

  if (kind == MoEGemmKind::Grouped) {
    buildGrouped(weightOperands, rowOffset, inside);
    return;
  }
  if (!routed()) {
    // One group of every token.
    slots = memref::DimOp::create(b, input, 0);
    r0 = rowOffset;
    rowEnd = slots;
    gemm(weightOperands, [&](Value i, Value j, ArrayRef<Value> v) {
      Value row = add(r0, i), col = add(n0, j);
      ifThen(inside(row, col),
             [&] { store(activated() ? activate(v) : v[0], out, {row, col}); });
    });
    gpu::ReturnOp::create(b);
    return;
  }

  slots = memref::DimOp::create(b, perm, 0);
  Value tokens = memref::DimOp::create(
      b, kind == MoEGemmKind::GateUp ? input : routing, 0);
  // K = S / T (T >= 1 whenever there is a slot).
  Value one = c(1);
  Value zero = c(0);
  Value hasTokens = cmp(arith::CmpIPredicate::ugt, tokens, zero);
  Value tokensOrOne = select(hasTokens, tokens, one);
  topK = divU(slots, tokensOrOne);
  Value oneMore = c(1);
  Value offsetsLength = memref::DimOp::create(b, offsets, 0);
  Value numExperts = sub(offsetsLength, oneMore);
  auto bound = [&](Value e) {
    return toIndex(memref::LoadOp::create(b, offsets, ValueRange{e}));
  };
  // This block's entry of the tile list: (group, first row). Gate/up
  // computes groups 0 .. E - 1; down also E (the dropped slots). Anything
  // else (-1 past the list's end) is no tile.
  Value entryGroup = loadIndex(tiles, {blockY, c(0)});
  Value entryRow = loadIndex(tiles, {blockY, c(1)});
  Value groups = kind == MoEGemmKind::GateUp ? numExperts : offsetsLength;
  Value listed = cmp(arith::CmpIPredicate::ult, entryGroup, groups);
  auto slotOf = [&](Value row) { return loadIndex(perm, {row}); };
  ifThen(listed, [&] {
    expert = entryGroup;
    // The group's rows, clamped as the tile list clamps them: a row tile
    // outside them (a list of other offsets) computes nothing.
    Value rowStart = clampBound(bound(expert), c(0));
    Value isGroup = cmp(arith::CmpIPredicate::ult, expert, numExperts);
    Value nextGroup = add(expert, c(1));
    Value groupEnd =
        kind == MoEGemmKind::GateUp
            ? clampBound(bound(nextGroup), rowStart)
            : select(isGroup,
                     clampBound(bound(select(isGroup, nextGroup, expert)),
                                rowStart),
                     slots);
    r0 = entryRow;
    rowEnd = groupEnd;
    // Uniform per block: a block of no rows returns before any barrier.
    Value notBefore = cmp(arith::CmpIPredicate::uge, r0, rowStart);
    Value beforeEnd = cmp(arith::CmpIPredicate::ult, r0, rowEnd);
    Value active = andI(notBefore, beforeEnd);

    if (kind == MoEGemmKind::GateUp) {
      ifThen(active, [&] {
        gemm(weightOperands, [&](Value i, Value j, ArrayRef<Value> v) {
          Value row = add(r0, i), col = add(n0, j);
          ifThen(inside(row, col), [&] {
            store(activate(v), out, {row, col});
          });
        });
      });
      return;
    }

    // Down: groups scale and scatter; group E zeroes the dropped slots.
    ifThen(andI(active, isGroup), [&] {
      gemm(weightOperands, [&](Value i, Value j, ArrayRef<Value> v) {
        Value row = add(r0, i), col = add(n0, j);
        ifThen(inside(row, col), [&] {
          Value slot = slotOf(row);
          ifThen(cmp(arith::CmpIPredicate::ult, slot, slots), [&] {
            Value w = memref::LoadOp::create(
                b, routing, ValueRange{divU(slot, topK), remU(slot, topK)});
            store(mulf(toF32(v[0]), w), out, {slot, col});
          });
        });
      });
    });
    Value dropped = cmp(arith::CmpIPredicate::eq, expert, numExperts);
    ifThen(andI(active, dropped), [&] {
      Value step = c(config.threads());
      Value elements = c(config.blockM * config.blockN);
      forLoop(tid, elements, step, {},
              [&](Value e, ValueRange) -> SmallVector<Value> {
                Value row = add(r0, divU(e, c(config.blockN)));
                Value col = add(n0, remU(e, c(config.blockN)));
                ifThen(inside(row, col), [&] {
                  Value slot = slotOf(row);
                  ifThen(cmp(arith::CmpIPredicate::ult, slot, slots), [&] {
                    store(f32(0.0f), out, {slot, col});
                  });
                });
                return {};
              });
    });
  });
  gpu::ReturnOp::create(b);
}

/// Replaces GELU's math.erf and math.tanh in `func` by MLIR's polynomial
/// approximations (f32: erf a rational approximation on [0, 0.8), [0.8,
/// 2), [2, 3.75), 1 beyond; tanh a rational approximation clamped to
/// +-7.9988), whose math.fma and math.absf become llvm.intr.fma (fma.rn.f32,
/// v_fma_f32) and llvm.intr.fabs: what convert-gpu-to-nvvm/rocdl would
/// otherwise send to a device library.
static LogicalResult approximateMath(gpu::GPUFuncOp func) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<math::ErfOp, math::TanhOp>(op))
      ops.push_back(op);
  });
  if (ops.empty())
    return success();
  MLIRContext *context = func.getContext();
  RewritePatternSet patterns(context);
  populatePolynomialApproximateErfPattern(patterns);
  populatePolynomialApproximateTanhPattern(patterns);
  GreedyRewriteConfig rewriteConfig;
  rewriteConfig.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  if (failed(applyOpPatternsGreedily(ops, std::move(patterns), rewriteConfig)))
    return failure();
  SmallVector<Operation *> leftover;
  func.walk([&](Operation *op) {
    if (isa<math::MathDialect>(op->getDialect()))
      leftover.push_back(op);
  });
  for (Operation *op : leftover) {
    OpBuilder b(op);
    Value replacement;
    if (auto fma = dyn_cast<math::FmaOp>(op))
      replacement = LLVM::FMAOp::create(b, op->getLoc(), fma.getA(),
                                        fma.getB(), fma.getC());
    else if (auto abs = dyn_cast<math::AbsFOp>(op))
      replacement = LLVM::FAbsOp::create(b, op->getLoc(), abs.getOperand());
    else
      return op->emitError("seq-gpu-moe-kernels: no device-library-free form "
                           "of ")
             << op->getName();
    op->getResult(0).replaceAllUsesWith(replacement);
    op->erase();
  }
  return success();
}

LogicalResult
seq::buildMoEGemmKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                        StringRef name, const GPULinearConfig &config,
                        MoEGemmKind kind, FfnActivation activation,
                        Type inputType, Type weightType,
                        KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Type computeType = config.instruction ? inputType : f32;
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = [&](Type element) {
    return MemRefType::get({dynamic, dynamic}, element);
  };
  auto stacked = MemRefType::get({dynamic, dynamic, dynamic}, weightType);
  auto vector = MemRefType::get({dynamic}, i32);
  auto tileList = MemRefType::get({dynamic, 2}, i32);
  // H between the two GEMMs: the compute type (f16/bf16 on the matrix
  // instruction, else f32).
  SmallVector<Type> arguments;
  int64_t out = 0, bOperands = 1;
  bool gated = isGatedActivation(activation);
  switch (kind) {
  case MoEGemmKind::GateUp:
    // X, perm, offsets, (gate,) up, tiles, H.
    arguments = {matrix(inputType), vector, vector, stacked};
    if (gated)
      arguments.push_back(stacked);
    arguments.push_back(tileList);
    arguments.push_back(matrix(computeType));
    bOperands = gated ? 2 : 1;
    break;
  case MoEGemmKind::Down:
    // H, perm, offsets, down, routing weights, tiles, Ys.
    arguments = {matrix(inputType), vector,   vector,     stacked,
                 matrix(f32),       tileList, matrix(f32)};
    break;
  case MoEGemmKind::SharedGateUp:
    arguments = {matrix(inputType), matrix(weightType)};
    if (gated)
      arguments.push_back(matrix(weightType));
    arguments.push_back(matrix(computeType));
    bOperands = gated ? 2 : 1;
    break;
  case MoEGemmKind::SharedDown:
    arguments = {matrix(inputType), matrix(weightType), matrix(f32)};
    break;
  case MoEGemmKind::Grouped:
    // X, W, offsets, Y, status.
    arguments = {matrix(inputType), stacked, vector, matrix(inputType),
                 MemRefType::get({1}, i32)};
    break;
  }
  out = arguments.size() - (kind == MoEGemmKind::Grouped ? 2 : 1);
  SmallVector<Type> tiles = {
      workgroupMemRefType({config.blockM, config.blockK}, computeType)};
  for (int64_t i = 0; i < bOperands; ++i)
    tiles.push_back(
        workgroupMemRefType({config.blockN, config.blockK}, computeType));
  // grid.x over the output's columns; grid.y over the tile list (the
  // routed experts: a block per listed row tile) or the output's rows
  // (the shared experts: one group; seq.grouped_matmul: every group's rows
  // fit in R, grid.z over the groups and the rows of none, E + 1).
  SmallVector<int64_t> grid = {out, 1, config.blockN};
  if (kind == MoEGemmKind::GateUp || kind == MoEGemmKind::Down)
    grid.append({out - 1, 0, 1});
  else
    grid.append({out, 0, config.blockM});
  if (kind == MoEGemmKind::Grouped)
    grid.append({2, 0, 1});
  auto func =
      createKernelFunc(b, name, arguments, tiles, config.threads(), grid);
  GemmKernelBuilder(b, config, kind, activation, inputType, weightType,
                    computeType, mutation)
      .build(func);
  return approximateMath(func);
}

void seq::buildMoECombineKernel(OpBuilder &builder,
                                gpu::GPUModuleOp kernelModule, StringRef name,
                                const GPUElementwiseConfig &config,
                                Type outputType, bool hasShared) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type f32 = b.getF32Type();
  int64_t dynamic = ShapedType::kDynamic;
  SmallVector<Type> arguments = {MemRefType::get({dynamic, dynamic}, f32)};
  if (hasShared)
    arguments.push_back(MemRefType::get({dynamic, dynamic}, f32));
  arguments.push_back(MemRefType::get({dynamic, dynamic}, outputType));
  int64_t out = arguments.size() - 1;
  // grid.x over the model dimension, grid.y over the tokens.
  auto func = createKernelFunc(b, name, arguments, TypeRange{}, config.threads,
                               {out, 1, config.threads, out, 0, 1});

  b.setInsertionPointToStart(&func.getBody().front());
  MoEKernelOps k(b);
  Value ys = func.getArgument(0);
  Value shared = hasShared ? func.getArgument(1) : Value();
  Value output = func.getArgument(out);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value token = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value col = k.add(k.mul(blockX, k.c(config.threads)), tid);
  Value tokens = memref::DimOp::create(b, output, 0);
  Value model = memref::DimOp::create(b, output, 1);
  Value slots = memref::DimOp::create(b, ys, 0);
  Value topK = k.divU(slots, tokens); // the grid is empty when T = 0
  k.ifThen(k.cmp(arith::CmpIPredicate::ult, col, model), [&] {
    Value first = k.mul(token, topK);
    Value zero = k.f32(0.0f);
    Value step = k.c(1);
    Value start = k.c(0);
    Value sum = k.forLoop(
        start, topK, step, ValueRange{zero},
        [&](Value j, ValueRange acc) -> SmallVector<Value> {
          return {k.addf(acc[0], memref::LoadOp::create(
                                     b, ys, ValueRange{k.add(first, j), col}))};
        })[0];
    if (shared)
      sum = k.addf(sum,
                   memref::LoadOp::create(b, shared, ValueRange{token, col}));
    if (outputType != f32)
      sum = arith::TruncFOp::create(b, outputType, sum);
    k.store(sum, output, {token, col});
  });
  gpu::ReturnOp::create(b);
}

void seq::buildMoETileListKernel(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPULinearConfig &config,
                                 KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type i32 = b.getI32Type(), i1 = b.getI1Type(), index = b.getIndexType();
  int64_t dynamic = ShapedType::kDynamic;
  auto vector = MemRefType::get({dynamic}, i32);
  // perm [S] (its length), offsets [E + 1], tiles [L, 2], status [1]; one
  // block (ceil(1 / 1)) of one warp.
  SmallVector<Type> arguments = {vector, vector,
                                 MemRefType::get({dynamic, 2}, i32),
                                 MemRefType::get({1}, i32)};
  auto func = createKernelFunc(b, name, arguments, TypeRange{}, config.warpSize,
                               {3, 0, 1});
  b.setInsertionPointToStart(&func.getBody().front());
  MoEKernelOps k(b);
  Value perm = func.getArgument(0), offsets = func.getArgument(1);
  Value tiles = func.getArgument(2), status = func.getArgument(3);
  Value lane = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value slots = memref::DimOp::create(b, perm, 0);
  Value groups = memref::DimOp::create(b, offsets, 0); // E + 1
  Value listLength = memref::DimOp::create(b, tiles, 0);
  Value zero = k.c(0), one = k.c(1);
  Value numExperts = k.sub(groups, one);
  Value warpSize = k.c(config.warpSize);
  Value rowsPerTile = k.c(config.blockM);
  Value falseValue = arith::ConstantOp::create(b, b.getBoolAttr(false));
  auto clamp = [&](Value v, Value lo, Value hi) {
    Value below = k.cmp(arith::CmpIPredicate::slt, v, lo);
    Value above = k.cmp(arith::CmpIPredicate::sgt, v, hi);
    return k.select(below, lo, k.select(above, hi, v));
  };
  auto loadOffset = [&](Value g) {
    return k.toIndex(memref::LoadOp::create(b, offsets, ValueRange{g}));
  };
  // Chunks of a group per lane: (entries listed so far, an invalid offset
  // seen by this lane).
  SmallVector<Value> listed = k.forLoop(
      zero, groups, warpSize, ValueRange{zero, falseValue},
      [&](Value base, ValueRange carried) -> SmallVector<Value> {
        Value g = k.add(base, lane);
        Value inRange = k.cmp(arith::CmpIPredicate::ult, g, groups);
        auto group = scf::IfOp::create(b, TypeRange{index, index, i1}, inRange,
                                       /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(group.thenBlock());
          Value raw = loadOffset(g);
          Value start = raw;
          if (mutation == KernelMutation::GroupOffsetOffByOne)
            start = k.add(start, one);
          Value rowStart = clamp(start, zero, slots);
          // Group g < E ends at offsets[g + 1], group E (the dropped
          // slots) at S.
          Value isExpert = k.cmp(arith::CmpIPredicate::ult, g, numExperts);
          Value next = k.select(isExpert, k.add(g, one), g);
          Value nextRaw = loadOffset(next);
          Value expertEnd = clamp(nextRaw, rowStart, slots);
          Value rowEnd = k.select(isExpert, expertEnd, slots);
          Value rows = k.sub(rowEnd, rowStart);
          Value count =
              mutation == KernelMutation::TileListOffByOne
                  ? k.divU(rows, rowsPerTile)
                  : k.divU(k.add(rows, k.c(config.blockM - 1)), rowsPerTile);
          // 0 <= offsets[0] <= ... <= offsets[E] <= S, as the CPU checks.
          Value hasPrevious = k.cmp(arith::CmpIPredicate::ugt, g, zero);
          Value previousIndex = k.select(hasPrevious, k.sub(g, one), g);
          Value previous = loadOffset(previousIndex);
          Value negative = k.cmp(arith::CmpIPredicate::slt, raw, zero);
          Value past = k.cmp(arith::CmpIPredicate::sgt, raw, slots);
          Value decreasing = k.cmp(arith::CmpIPredicate::slt, raw, previous);
          Value invalid = k.orI(k.orI(negative, past), decreasing);
          scf::YieldOp::create(b, ValueRange{rowStart, count, invalid});
          b.setInsertionPointToStart(group.elseBlock());
          scf::YieldOp::create(b, ValueRange{zero, zero, falseValue});
        }
        Value rowStart = group.getResult(0), count = group.getResult(1);
        // Inclusive scan of the counts over the lanes.
        Value inclusive = count;
        for (int64_t offset = 1; offset < config.warpSize; offset *= 2) {
          Value up = k.shuffle(inclusive, offset, config.warpSize,
                               gpu::ShuffleMode::UP);
          Value sum = k.add(inclusive, up);
          Value offsetValue = k.c(offset);
          Value hasSource = k.cmp(arith::CmpIPredicate::uge, lane, offsetValue);
          inclusive = k.select(hasSource, sum, inclusive);
        }
        Value first = k.add(carried[0], k.sub(inclusive, count));
        k.forLoop(zero, count, one, ValueRange{},
                  [&](Value t, ValueRange) -> SmallVector<Value> {
                    Value entry = k.add(first, t);
                    k.ifThen(
                        k.cmp(arith::CmpIPredicate::ult, entry, listLength),
                        [&] {
                          Value row = k.add(rowStart, k.mul(t, rowsPerTile));
                          k.store(k.toI32(g), tiles, {entry, zero});
                          k.store(k.toI32(row), tiles, {entry, one});
                        });
                    return {};
                  });
        Value total = k.shuffle(inclusive, config.warpSize - 1, config.warpSize,
                                gpu::ShuffleMode::IDX);
        Value nextListed = k.add(carried[0], total);
        Value invalid = k.orI(carried[1], group.getResult(2));
        return {nextListed, invalid};
      });
  // The rest of the list: no tile.
  Value noGroup = k.i32(-1), noRow = k.i32(0);
  Value rest = k.add(k.minU(listed[0], listLength), lane);
  k.forLoop(rest, listLength, warpSize, ValueRange{},
            [&](Value entry, ValueRange) -> SmallVector<Value> {
              k.store(noGroup, tiles, {entry, zero});
              k.store(noRow, tiles, {entry, one});
              return {};
            });
  // Invalid offsets: the CPU's kIndexOutOfRange (the host set the word to
  // 0 before the launch; every lane that saw one stores the same code).
  k.ifThen(listed[1],
           [&] { k.store(k.i32(kStatusIndexOutOfRange), status, {zero}); });
  gpu::ReturnOp::create(b);
}
