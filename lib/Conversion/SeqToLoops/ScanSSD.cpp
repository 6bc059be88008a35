//===- ScanSSD.cpp - Mamba-2 scans in the chunked matmul form -------------===//
//
// Mamba-2's recurrence h[t] = a[t] h[t-1] + u[t] (x) B[t] with one scalar
// decay a[t] = exp(l[t]) per (batch, step, head), a state [P, N] per head
// and the readout y[t] = h[t] C[t], evaluated per chunk of L steps as
// matrix products (the state-space duality of Dao & Gu 2024; mamba_ssm's
// ssd_minimal_discrete): with c[t] = l[t0] + ... + l[t] inside the chunk,
//
//   y[t]   = sum_{s <= t} (C[t] . B[s]) exp(c[t] - c[s]) u[s]
//            + exp(c[t]) H C[t]                  (H: the state before it)
//   H'     = exp(c[L-1]) H + sum_s exp(c[L-1] - c[s]) u[s] (x) B[s]
//
// Per (batch row, head) tile, a chunk materialises C, B [L, N], u [L, P]
// and the decay-masked W = (C B^T) o exp(c[t] - c[s]) [L, L] in scratch,
// then runs three register-blocked products: C H^T (dot products over N),
// W u (broadcast FMAs over P, 2 rows x 4 vectors) and the state update
// u^T B (broadcast FMAs over N). exp is only ever taken of c[t] - c[s]
// with s <= t (and of c[t] itself), so decays that underflow stay exact
// zeros instead of dividing two of them.
//
//===----------------------------------------------------------------------===//

#include "ScanSSD.h"
#include "VectorKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Iteration dimensions of the form: (b, t, h, p, n).
enum : unsigned { kHead = 2, kLane = 3, kState = 4 };
} // namespace

/// The factors of `v` under arith.mulf inside `block`.
static void collectFactors(Value v, Block &block, SmallVector<Value> &out) {
  if (auto mul = v.getDefiningOp<arith::MulFOp>();
      mul && mul->getBlock() == &block) {
    collectFactors(mul.getLhs(), block, out);
    collectFactors(mul.getRhs(), block, out);
    return;
  }
  out.push_back(v);
}

std::optional<SSDForm> seq::matchSSD(ScanOp op) {
  auto stateType = op.getInit().getType();
  if (op.getReverse() || op.getReadout().empty() || stateType.getRank() != 4 ||
      !stateType.getElementType().isF32() ||
      !op.getOutput().getType().getElementType().isF32() ||
      op.getReductionDims() != ArrayRef<int64_t>{kState})
    return std::nullopt;
  Block &step = op.getStep().front();
  for (Operation &stepOp : step.without_terminator())
    if (stepOp.getNumRegions() != 0 || !isPure(&stepOp))
      return std::nullopt;
  // Which of p and n each step value reads.
  ArrayAttr maps = op.getIndexingMaps();
  llvm::DenseMap<Value, std::pair<bool, bool>> reads;
  for (BlockArgument arg : step.getArguments()) {
    AffineMap map = cast<AffineMapAttr>(maps[arg.getArgNumber()]).getValue();
    reads[arg] = {map.isFunctionOfDim(kLane), map.isFunctionOfDim(kState)};
  }
  for (Operation &stepOp : step.without_terminator()) {
    std::pair<bool, bool> r{false, false};
    for (Value operand : stepOp.getOperands()) {
      auto it = reads.find(operand);
      if (it == reads.end())
        continue;
      r.first |= it->second.first;
      r.second |= it->second.second;
    }
    for (Value result : stepOp.getResults())
      reads[result] = r;
  }
  auto readsOf = [&](Value v) {
    auto it = reads.find(v);
    return it == reads.end() ? std::pair<bool, bool>{false, false} : it->second;
  };
  SSDForm form;
  Operation *yield = step.getTerminator();
  auto decay = yield->getOperand(0).getDefiningOp<math::ExpOp>();
  if (!decay || decay->getBlock() != &step)
    return std::nullopt;
  form.logDecay = decay.getOperand();
  if (readsOf(form.logDecay) != std::pair<bool, bool>{false, false})
    return std::nullopt;
  SmallVector<Value> factors;
  collectFactors(yield->getOperand(1), step, factors);
  for (Value factor : factors) {
    auto [lane, state] = readsOf(factor);
    if (lane && state)
      return std::nullopt;
    (lane    ? form.laneFactors
     : state ? form.stateFactors
             : form.scalarFactors)
        .push_back(factor);
  }
  // readout: h * C with C an input that does not read p.
  Block &readout = op.getReadout().front();
  auto mul =
      readout.getTerminator()->getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul || mul->getBlock() != &readout)
    return std::nullopt;
  Value other;
  if (mul.getLhs() == readout.getArgument(0))
    other = mul.getRhs();
  else if (mul.getRhs() == readout.getArgument(0))
    other = mul.getLhs();
  auto cArg = dyn_cast_or_null<BlockArgument>(other);
  if (!cArg || cArg.getOwner() != &readout || cArg.getArgNumber() == 0)
    return std::nullopt;
  form.readoutInput = cArg.getArgNumber() - 1;
  AffineMap cMap = cast<AffineMapAttr>(maps[form.readoutInput]).getValue();
  Type cElement = op.getInputs()[form.readoutInput].getType();
  if (cMap.isFunctionOfDim(kLane) ||
      !cast<RankedTensorType>(cElement).getElementType().isF32())
    return std::nullopt;
  return form;
}

/// The indices at which `map` reads its input at iteration point `point`.
static SmallVector<Value> indicesAt(LoopBuilder &b, AffineMap map,
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

/// The step values `targets` at iteration point `point`: only the inputs
/// and step ops they depend on are loaded and cloned.
static SmallVector<Value> evaluateAt(LoopBuilder &b, Block &step,
                                     ArrayRef<Value> inputs, ArrayAttr maps,
                                     ArrayRef<Value> targets,
                                     ValueRange point) {
  llvm::SmallPtrSet<Operation *, 16> needed;
  llvm::SmallBitVector args(step.getNumArguments());
  SmallVector<Value> work(targets.begin(), targets.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == &step)
        args.set(arg.getArgNumber());
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != &step || !needed.insert(def).second)
      continue;
    llvm::append_range(work, def->getOperands());
  }
  IRMapping mapping;
  for (unsigned i : args.set_bits()) {
    AffineMap map = cast<AffineMapAttr>(maps[i]).getValue();
    mapping.map(step.getArgument(i),
                memref::LoadOp::create(b, inputs[i], indicesAt(b, map, point)));
  }
  for (Operation &stepOp : step.without_terminator())
    if (needed.contains(&stepOp))
      b.clone(stepOp, mapping);
  SmallVector<Value> out;
  for (Value v : targets)
    out.push_back(mapping.lookupOrDefault(v));
  return out;
}

static Value product(LoopBuilder &b, ArrayRef<Value> values) {
  Value p;
  for (Value v : values)
    p = p ? b.mulf(p, v) : v;
  return p ? p : b.f32(1.0f);
}

/// For the rows r in [r0, r1) and the columns [0, cols) of a result:
///   store(r, c, init(r, c) + sum_{k < kEnd(r)} lhs[r, k] * rhs[k, c])
/// with lhs [R, K] and rhs [K, cols] buffers (rhs rows contiguous). Whole
/// vectors of columns run in register blocks of 2 rows x 4 vectors (a
/// block runs to the largest kEnd of its rows: kEnd must be nondecreasing
/// in r and lhs must hold zeros past a row's own end); the columns past the
/// last whole vector run scalar. init/store take and give a `lanes`-wide
/// vector (or a scalar when lanes is 0).
static void
rowProducts(LoopBuilder &b, Value r0, Value r1, Value cols, int64_t width,
            llvm::function_ref<Value(Value r)> kEnd, Value lhs, Value rhs,
            llvm::function_ref<Value(Value r, Value c, int64_t lanes)> init,
            llvm::function_ref<void(Value r, Value c, Value v)> store) {
  Value vectors =
      width > 0 ? arith::DivUIOp::create(b, cols, b.index(width)).getResult()
                : b.index(0);
  Value vectorEnd = b.mul(vectors, b.index(std::max<int64_t>(width, 1)));
  if (width > 0) {
    auto type = VectorType::get({width}, b.getF32Type());
    forGroups(b, r0, r1, 2, [&](Value r, int64_t rows) {
      forGroups(b, b.index(0), vectors, 4, [&](Value cv, int64_t count) {
        Value c = b.mul(cv, b.index(width));
        SmallVector<Value> acc;
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < count; ++j)
            acc.push_back(init(b.add(r, b.index(i)),
                               b.add(c, b.index(j * width)), width));
        Value end = kEnd(b.add(r, b.index(rows - 1)));
        SmallVector<Value> sums = b.forLoop(
            b.index(0), end, acc,
            [&](Value k, ValueRange carried) -> SmallVector<Value> {
              SmallVector<Value> ys;
              for (int64_t j = 0; j < count; ++j)
                ys.push_back(vector::LoadOp::create(
                    b, type, rhs, ValueRange{k, b.add(c, b.index(j * width))}));
              SmallVector<Value> next;
              for (int64_t i = 0; i < rows; ++i) {
                Value a = vector::BroadcastOp::create(
                    b, type,
                    memref::LoadOp::create(
                        b, lhs, ValueRange{b.add(r, b.index(i)), k}));
                for (int64_t j = 0; j < count; ++j)
                  next.push_back(vector::FMAOp::create(b, a, ys[j],
                                                       carried[i * count + j]));
              }
              return next;
            });
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < count; ++j)
            store(b.add(r, b.index(i)), b.add(c, b.index(j * width)),
                  sums[i * count + j]);
      });
    });
  }
  // Columns past the whole vectors.
  b.forLoop(r0, r1, [&](Value r) {
    b.forLoop(vectorEnd, cols, [&](Value c) {
      Value sum = b.forLoop(
          b.index(0), kEnd(r), ValueRange{init(r, c, 0)},
          [&](Value k, ValueRange acc) -> SmallVector<Value> {
            Value a = memref::LoadOp::create(b, lhs, ValueRange{r, k});
            Value y = memref::LoadOp::create(b, rhs, ValueRange{k, c});
            return {b.addf(acc[0], b.mulf(a, y))};
          })[0];
      store(r, c, sum);
    });
  });
}

void seq::lowerSSD(LoopBuilder &b, ScanOp op, const SSDForm &form,
                   ArrayRef<Value> inputs, Value init, Value output,
                   Value finalState, Value batch, Value steps,
                   const TilingOptions &tiling) {
  Block &step = op.getStep().front();
  ArrayAttr maps = op.getIndexingMaps();
  const int64_t L = tiling.scanChunk;
  const int64_t width = tiling.vectorWidth > 1 ? tiling.vectorWidth : 0;
  Value heads = b.dim(init, 1), P = b.dim(init, 2), N = b.dim(init, 3);
  Type f32 = b.getF32Type();
  const int64_t dyn = ShapedType::kDynamic;
  auto rowsOf = [&](int64_t rows, Value cols) {
    return memref::AllocaOp::create(b, MemRefType::get({rows, dyn}, f32),
                                    ValueRange{cols})
        .getResult();
  };
  b.parallel({batch, heads}, [&](ValueRange tile) {
    Value bi = tile[0], hi = tile[1];
    Value cRows = rowsOf(L, N), bRows = rowsOf(L, N), u = rowsOf(L, P);
    Value yInit = rowsOf(L, P);
    Value w = b.scratch({L, L}, f32), cum = b.scratch({L}, f32);
    Value state = memref::AllocaOp::create(b, MemRefType::get({dyn, dyn}, f32),
                                           ValueRange{P, N});
    Value scaledU = memref::AllocaOp::create(b, MemRefType::get({dyn, L}, f32),
                                             ValueRange{P});
    b.forLoop(b.index(0), P, [&](Value p) {
      b.forLoop(b.index(0), N, [&](Value n) {
        memref::StoreOp::create(b, b.loadF32(init, {bi, hi, p, n}), state,
                                ValueRange{p, n});
      });
    });
    Value zero = b.index(0);
    b.forLoop(zero, b.divUp(steps, L), [&](Value chunk) {
      Value t0 = b.mul(chunk, b.index(L));
      Value len = b.min(b.index(L), b.sub(steps, t0));
      // The chunk's operands: c[s], u[s, :], B[s, :], C[s, :].
      b.forLoop(
          zero, len, ValueRange{b.f32(0.0f)},
          [&](Value s, ValueRange carried) -> SmallVector<Value> {
            Value t = b.add(t0, s);
            SmallVector<Value> targets{form.logDecay};
            llvm::append_range(targets, form.scalarFactors);
            SmallVector<Value> at =
                evaluateAt(b, step, inputs, maps, targets,
                           ValueRange{bi, t, hi, zero, zero});
            Value c = b.addf(carried[0], at[0]);
            memref::StoreOp::create(b, c, cum, ValueRange{s});
            Value scale = product(b, ArrayRef<Value>(at).drop_front());
            b.forLoop(zero, P, [&](Value p) {
              SmallVector<Value> lane =
                  evaluateAt(b, step, inputs, maps, form.laneFactors,
                             ValueRange{bi, t, hi, p, zero});
              lane.push_back(scale);
              memref::StoreOp::create(b, product(b, lane), u, ValueRange{s, p});
            });
            AffineMap cMap =
                cast<AffineMapAttr>(maps[form.readoutInput]).getValue();
            b.forLoop(zero, N, [&](Value n) {
              Value point[] = {bi, t, hi, zero, n};
              memref::StoreOp::create(
                  b,
                  product(b, evaluateAt(b, step, inputs, maps,
                                        form.stateFactors, point)),
                  bRows, ValueRange{s, n});
              memref::StoreOp::create(b,
                                      b.loadF32(inputs[form.readoutInput],
                                                indicesAt(b, cMap, point)),
                                      cRows, ValueRange{s, n});
            });
            return {c};
          });
      // W[t, s] = (C[t] . B[s]) exp(c[t] - c[s]) for s <= t, else 0.
      blockedDots(
          b, zero, len, zero, len, N, width,
          [&](Value t) { return Row{cRows, {t}}; },
          [&](Value s) { return SmallVector<Row>{{bRows, {s}}}; },
          [&](Value t, Value s, ArrayRef<Value> dot) {
            Value ct = memref::LoadOp::create(b, cum, ValueRange{t});
            Value cs = memref::LoadOp::create(b, cum, ValueRange{s});
            Value causal = b.cmp(arith::CmpIPredicate::ule, s, t);
            Value weight = b.mulf(dot[0], b.exp(b.subf(ct, cs)));
            memref::StoreOp::create(
                b, arith::SelectOp::create(b, causal, weight, b.f32(0.0f)), w,
                ValueRange{t, s});
          });
      // The carried state's part: exp(c[t]) (H C[t])[p].
      blockedDots(
          b, zero, len, zero, P, N, width,
          [&](Value t) { return Row{cRows, {t}}; },
          [&](Value p) { return SmallVector<Row>{{state, {p}}}; },
          [&](Value t, Value p, ArrayRef<Value> dot) {
            Value ct = memref::LoadOp::create(b, cum, ValueRange{t});
            memref::StoreOp::create(b, b.mulf(dot[0], b.exp(ct)), yInit,
                                    ValueRange{t, p});
          });
      // y[t] = that + sum_{s <= t} W[t, s] u[s]: the output rows.
      auto initFrom = [&](Value buffer) {
        return [&, buffer](Value r, Value c, int64_t lanes) -> Value {
          if (lanes == 0)
            return memref::LoadOp::create(b, buffer, ValueRange{r, c});
          return vector::LoadOp::create(b, VectorType::get({lanes}, f32),
                                        buffer, ValueRange{r, c});
        };
      };
      auto storeTo =
          [&](Value buffer,
              llvm::function_ref<SmallVector<Value>(Value r, Value c)> index) {
            return [&, buffer, index](Value r, Value c, Value v) {
              if (isa<VectorType>(v.getType()))
                vector::StoreOp::create(b, v, buffer, index(r, c));
              else
                memref::StoreOp::create(b, v, buffer, index(r, c));
            };
          };
      rowProducts(
          b, zero, len, P, width, [&](Value t) { return b.add(t, b.index(1)); },
          w, u, initFrom(yInit),
          storeTo(output, [&](Value t, Value p) -> SmallVector<Value> {
            return {bi, b.add(t0, t), hi, p};
          }));
      // H' = exp(c[last]) H + sum_s exp(c[last] - c[s]) u[s] (x) B[s].
      Value last =
          memref::LoadOp::create(b, cum, ValueRange{b.sub(len, b.index(1))});
      b.forLoop(zero, len, [&](Value s) {
        Value weight =
            b.exp(b.subf(last, memref::LoadOp::create(b, cum, ValueRange{s})));
        b.forLoop(zero, P, [&](Value p) {
          memref::StoreOp::create(
              b, b.mulf(weight, memref::LoadOp::create(b, u, ValueRange{s, p})),
              scaledU, ValueRange{p, s});
        });
      });
      Value carry = b.exp(last);
      rowProducts(
          b, zero, P, N, width, [&](Value) { return len; }, scaledU, bRows,
          [&](Value p, Value n, int64_t lanes) -> Value {
            if (lanes == 0)
              return b.mulf(carry,
                            memref::LoadOp::create(b, state, ValueRange{p, n}));
            auto type = VectorType::get({lanes}, f32);
            return arith::MulFOp::create(
                b, vector::BroadcastOp::create(b, type, carry),
                vector::LoadOp::create(b, type, state, ValueRange{p, n}));
          },
          storeTo(state, [&](Value p, Value n) -> SmallVector<Value> {
            return {p, n};
          }));
    });
    b.forLoop(b.index(0), P, [&](Value p) {
      b.forLoop(b.index(0), N, [&](Value n) {
        memref::StoreOp::create(
            b, memref::LoadOp::create(b, state, ValueRange{p, n}), finalState,
            ValueRange{bi, hi, p, n});
      });
    });
  });
}
