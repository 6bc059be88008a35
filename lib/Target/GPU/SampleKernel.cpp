//===- SampleKernel.cpp - The GPU temperature/top-k/top-p sampling kernel -===//
//
// This file builds the kernel of a non-greedy seq.sample: a block per row
// of logits [B, V] draws the token the CPU lowering (SeqToLoops'
// DecodeToLoops.cpp) draws for the same seed and counter, bit for bit:
//
//   1. max logit and NaN flag: strided per-thread scans, a shuffle
//      reduction per warp, the warps combined through workgroup memory;
//   2. p[v] = exp((l[v] - max) * (1 / T)) with the CPU's f32 polynomial exp
//      (seq-approximate-math's, as seqrt::polynomialExp), recomputed from
//      the logits in every sweep (no [B, V] workspace);
//   3. top-k: the CPU's 32-step bisection over the bit patterns of [0, 1]
//      for the largest t with #{p >= t} >= k, each count a block sum of
//      per-thread counts (integers: exact in any order);
//   4. the candidates p >= floor are compacted in index order into
//      workgroup memory (a contiguous chunk per thread, offsets from the
//      chunk counts) when at most kCandidates of them; thread 0 then runs
//      the CPU's top-p bisection, kept mass and cumulative draw over them
//      in index order. Those f32 sums depend on order, so they are the
//      CPU's sequential sums: over the candidates (skipping p < floor adds
//      nothing to a sum of non-negative floats) or, with more candidates
//      than fit (no top-k, or many ties), over the whole row from global
//      memory (correct, one thread: slow for large V with top-p);
//   5. u from Philox-4x32-10 keyed by (seed low, seed high) and counted by
//      (counter low, counter high, row, 0), with 32x32 -> 64-bit products
//      as arith.mului_extended (mul.lo/mul.hi, v_mul_hi_u32).
//
// A row with a NaN or no vocabulary gets token -1 (the host's
// kInvalidLogits), as the argmax kernel.
//
//===----------------------------------------------------------------------===//

#include "SampleKernel.h"
#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Candidates kept in workgroup memory (f32 value and i32 index each).
constexpr int64_t kCandidates = 2048;

/// A sequence of (p, index) pairs in index order: the compacted candidates
/// or the whole row.
struct Sequence {
  Value count;                                      ///< index
  std::function<std::pair<Value, Value>(Value)> at; ///< p (f32), index (i32)
};

class SampleKernelBuilder : IndexMath {
public:
  SampleKernelBuilder(ImplicitLocOpBuilder &b, const GPURowConfig &config,
                      Type elementType, float temperature, int64_t topK,
                      float topP, SampleMutation mutation)
      : IndexMath(b), config(config), elementType(elementType),
        invTemperature(1.0f / temperature), topK(topK), topP(topP),
        mutation(mutation) {}

  void build(gpu::GPUFuncOp func);

private:
  Value i32(int32_t value) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(value));
  }
  Value u32(uint32_t value) { return i32(static_cast<int32_t>(value)); }
  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }
  Value cmpi(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  /// llvm.intr.fma: fma.rn.f32 / v_fma_f32 (math.fma would become a
  /// device-library call on NVVM).
  Value fma(Value x, Value y, Value z) {
    return LLVM::FMAOp::create(b, x, y, z);
  }
  Value shuffle(Value v, int64_t offset) {
    return gpu::ShuffleOp::create(b, v, offset, config.warpSize,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }
  Value toI32(Value index) {
    return arith::IndexCastOp::create(b, b.getI32Type(), index);
  }

  Value polynomialExp(Value x);
  Value probability(Value v);
  Value blockSum(Value local);
  Value bisectBits(function_ref<Value(Value)> pred);
  Value keptMass(const Sequence &seq, Value threshold, Value floor);
  Value philoxUniform(Value row);
  Value draw(const Sequence &seq, Value floor, Value row);

  const GPURowConfig &config;
  Type elementType;
  float invTemperature;
  int64_t topK;
  float topP;
  SampleMutation mutation;
  // Set by build().
  Value logits, philox, row, tid, warp, lane, vocab, maxLogit;
  Value sharedValue, sharedWord, sharedFlag;
};
} // namespace

/// MLIR's f32 ExpApproximation (Cephes), op for op as seqrt::polynomialExp
/// and seq-approximate-math: clamp, n = floor(x log2 e + 1/2) clamped to
/// [-127, 127], the reduced argument in two parts, a degree-6 polynomial,
/// times 2^n from its exponent bits. floor is truncation corrected by one
/// (exact for |y| < 2^31), so no device library call is needed.
Value SampleKernelBuilder::polynomialExp(Value x) {
  using P = arith::CmpFPredicate;
  auto clamp = [&](Value v, float lo, float hi) {
    Value loValue = f32(lo);
    Value loBound = f32(lo);
    Value below = cmpf(P::OLT, v, loBound);
    v = select(below, loValue, v);
    Value hiValue = f32(hi);
    Value hiBound = f32(hi);
    Value above = cmpf(P::OGT, v, hiBound);
    return select(above, hiValue, v);
  };
  x = clamp(x, -87.8f, 88.8f);
  Value half = f32(0.5f);
  Value log2e = f32(1.44269504088896341f);
  Value y = fma(x, log2e, half);
  Value truncated = arith::SIToFPOp::create(
      b, b.getF32Type(), arith::FPToSIOp::create(b, b.getI32Type(), y));
  Value one = f32(1.0f);
  Value truncatedMinusOne = arith::SubFOp::create(b, truncated, one);
  Value roundedUp = cmpf(P::OGT, truncated, y);
  Value n = select(roundedUp, truncatedMinusOne, truncated);
  n = clamp(n, -127.0f, 127.0f);
  x = fma(f32(-0.693359375f), n, x);
  x = fma(f32(2.12194440e-4f), n, x);
  Value p1 = f32(1.3981999507E-3f);
  Value p0 = f32(1.9875691500E-4f);
  Value z = fma(x, p0, p1);
  z = fma(z, x, f32(8.3334519073E-3f));
  z = fma(z, x, f32(4.1665795894E-2f));
  z = fma(z, x, f32(1.6666665459E-1f));
  z = fma(z, x, f32(5.0000001201E-1f));
  z = fma(z, arith::MulFOp::create(b, x, x), x);
  z = arith::AddFOp::create(b, f32(1.0f), z);
  Value exponent = arith::FPToSIOp::create(b, b.getI32Type(), n);
  Value mantissaBits = i32(23);
  Value bias = i32(127);
  Value biased = arith::AddIOp::create(b, exponent, bias);
  Value bits = arith::ShLIOp::create(b, biased, mantissaBits);
  Value pow2 = arith::BitcastOp::create(b, b.getF32Type(), bits);
  return arith::MulFOp::create(b, z, pow2);
}

/// p of element `v` (index) of this block's row.
Value SampleKernelBuilder::probability(Value v) {
  Value x = memref::LoadOp::create(b, logits, ValueRange{row, v});
  if (!elementType.isF32())
    x = arith::ExtFOp::create(b, b.getF32Type(), x);
  Value scale = f32(invTemperature);
  Value shifted = arith::SubFOp::create(b, x, maxLogit);
  Value z = arith::MulFOp::create(b, shifted, scale);
  return polynomialExp(z);
}

/// The sum over the block of each thread's i32 `local`, in every thread.
Value SampleKernelBuilder::blockSum(Value local) {
  for (int64_t offset = config.warpSize / 2; offset >= 1; offset /= 2)
    local = arith::AddIOp::create(b, local, shuffle(local, offset));
  auto leader = scf::IfOp::create(
      b, TypeRange{}, cmpi(arith::CmpIPredicate::eq, lane, c(0)), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(b, local, sharedWord, ValueRange{warp});
  }
  gpu::BarrierOp::create(b);
  Value total = memref::LoadOp::create(b, sharedWord, ValueRange{c(0)});
  for (int64_t w = 1; w < config.warps; ++w)
    total = arith::AddIOp::create(
        b, total, memref::LoadOp::create(b, sharedWord, ValueRange{c(w)}));
  // The words are written again by the next reduction.
  gpu::BarrierOp::create(b);
  return total;
}

/// The largest float t in [0, 1] (by bit pattern) with pred(t), pred
/// monotone (true for small t): the CPU's 32 halvings.
Value SampleKernelBuilder::bisectBits(function_ref<Value(Value)> pred) {
  Value loInit = i32(0);
  Value hiInit = u32(0x3F800000u);
  Value step = c(1);
  Value steps = c(32);
  Value start = c(0);
  auto loop =
      scf::ForOp::create(b, start, steps, step, ValueRange{loInit, hiInit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value lo = loop.getRegionIterArgs()[0], hi = loop.getRegionIterArgs()[1];
    Value shift = i32(1);
    Value one = i32(1);
    Value width = arith::SubIOp::create(b, hi, lo);
    Value widthPlusOne = arith::AddIOp::create(b, width, one);
    Value halfWidth = arith::ShRUIOp::create(b, widthPlusOne, shift);
    Value mid = arith::AddIOp::create(b, lo, halfWidth);
    Value ok = pred(arith::BitcastOp::create(b, b.getF32Type(), mid));
    scf::YieldOp::create(
        b, ValueRange{select(ok, mid, lo),
                      select(ok, hi, arith::SubIOp::create(b, mid, i32(1)))});
  }
  return arith::BitcastOp::create(b, b.getF32Type(), loop.getResult(0));
}

/// The CPU's keptMass: the sequential f32 sum of p >= threshold and
/// >= floor, in index order.
Value SampleKernelBuilder::keptMass(const Sequence &seq, Value threshold,
                                    Value floor) {
  Value init = f32(0.0f);
  Value step = c(1);
  Value start = c(0);
  auto loop = scf::ForOp::create(b, start, seq.count, step, ValueRange{init});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value p = seq.at(loop.getInductionVar()).first;
  Value aboveFloor = cmpf(arith::CmpFPredicate::OGE, p, floor);
  Value aboveThreshold = cmpf(arith::CmpFPredicate::OGE, p, threshold);
  Value keep = arith::AndIOp::create(b, aboveThreshold, aboveFloor);
  scf::YieldOp::create(
      b, ValueRange{arith::AddFOp::create(b, loop.getRegionIterArgs()[0],
                                          select(keep, p, f32(0.0f)))});
  return loop.getResult(0);
}

/// u in [0, 1): the high 24 bits of the first word of Philox-4x32-10 with
/// key (seed low, seed high) and counter (counter low, counter high, row,
/// 0), as the CPU's Philox::uniform.
Value SampleKernelBuilder::philoxUniform(Value rowIndex) {
  auto word = [&](int64_t i) {
    return memref::LoadOp::create(b, philox, ValueRange{c(i)}).getResult();
  };
  Value k0 = word(0), k1 = word(1);
  Value counter[4] = {word(2), word(3), toI32(rowIndex), i32(0)};
  if (mutation == SampleMutation::PhiloxCounter)
    counter[0] = arith::AddIOp::create(b, counter[0], i32(1));
  for (int round = 0; round < 10; ++round) {
    auto product0 =
        arith::MulUIExtendedOp::create(b, u32(0xD2511F53u), counter[0]);
    auto product1 =
        arith::MulUIExtendedOp::create(b, u32(0xCD9E8D57u), counter[2]);
    Value n0 = arith::XOrIOp::create(
        b, arith::XOrIOp::create(b, product1.getHigh(), counter[1]), k0);
    Value n2 = arith::XOrIOp::create(
        b, arith::XOrIOp::create(b, product0.getHigh(), counter[3]), k1);
    counter[0] = n0;
    counter[1] = product1.getLow();
    counter[2] = n2;
    counter[3] = product0.getLow();
    k0 = arith::AddIOp::create(b, k0, u32(0x9E3779B9u));
    k1 = arith::AddIOp::create(b, k1, u32(0xBB67AE85u));
  }
  Value bits = arith::ShRUIOp::create(b, counter[0], i32(8));
  Value scale = f32(1.0f / 16777216.0f);
  Value bitsF = arith::UIToFPOp::create(b, b.getF32Type(), bits);
  return arith::MulFOp::create(b, bitsF, scale);
}

/// Thread 0's part: the CPU's top-p threshold, kept mass and draw over
/// `seq` (every p >= floor of the row, in index order). Returns the token.
Value SampleKernelBuilder::draw(const Sequence &seq, Value floor,
                                Value rowIndex) {
  using P = arith::CmpFPredicate;
  Value threshold = floor;
  if (topP < 1.0f) {
    Value topPValue = f32(topP);
    Value mass = keptMass(seq, floor, floor);
    Value target = arith::MulFOp::create(b, mass, topPValue);
    threshold = bisectBits(
        [&](Value t) { return cmpf(P::OGE, keptMass(seq, t, floor), target); });
    threshold = arith::MaximumFOp::create(b, threshold, floor);
  }
  Value total = keptMass(seq, threshold, threshold);
  Value target = arith::MulFOp::create(b, philoxUniform(rowIndex), total);
  // The first kept index whose running mass exceeds the target; the last
  // kept index if rounding leaves none.
  Value massInit = f32(0.0f);
  Value chosenInit = i32(-1);
  Value lastInit = i32(0);
  Value step = c(1);
  Value start = c(0);
  auto loop = scf::ForOp::create(b, start, seq.count, step,
                                 ValueRange{massInit, chosenInit, lastInit});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    auto [p, index] = seq.at(loop.getInductionVar());
    ValueRange carried = loop.getRegionIterArgs();
    Value kept = cmpf(P::OGE, p, threshold);
    Value mass =
        arith::AddFOp::create(b, carried[0], select(kept, p, f32(0.0f)));
    Value unset = cmpi(arith::CmpIPredicate::slt, carried[1], i32(0));
    Value tested =
        mutation == SampleMutation::CumsumOffByOne ? carried[0] : mass;
    Value above = cmpf(P::OGT, tested, target);
    Value keptUnset = arith::AndIOp::create(b, kept, unset);
    Value crosses = arith::AndIOp::create(b, keptUnset, above);
    scf::YieldOp::create(b, ValueRange{mass, select(crosses, index, carried[1]),
                                       select(kept, index, carried[2])});
  }
  Value chosen = loop.getResult(1);
  return select(cmpi(arith::CmpIPredicate::slt, chosen, i32(0)),
                loop.getResult(2), chosen);
}

void SampleKernelBuilder::build(gpu::GPUFuncOp func) {
  using P = arith::CmpFPredicate;
  b.setInsertionPointToStart(&func.getBody().front());
  logits = func.getArgument(0);
  philox = func.getArgument(1);
  Value tokens = func.getArgument(2);
  sharedValue = func.getWorkgroupAttributions()[0];
  sharedWord = func.getWorkgroupAttributions()[1];
  sharedFlag = func.getWorkgroupAttributions()[2];
  Value counts = func.getWorkgroupAttributions()[3];
  Value candidateP = func.getWorkgroupAttributions()[4];
  Value candidateIndex = func.getWorkgroupAttributions()[5];
  Type f32Type = b.getF32Type(), i32Type = b.getI32Type();
  int64_t threads = config.threads();

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  warp = arith::DivUIOp::create(b, tid, c(config.warpSize));
  lane = arith::RemUIOp::create(b, tid, c(config.warpSize));
  vocab = memref::DimOp::create(b, logits, 1);

  // 1. The row's largest logit and whether it holds a NaN.
  Value negInf = f32(-std::numeric_limits<float>::infinity());
  Value noNaN = i32(0);
  Value step = c(threads);
  auto scan =
      scf::ForOp::create(b, tid, vocab, step, ValueRange{negInf, noNaN});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(scan.getBody());
    Value x = memref::LoadOp::create(b, logits,
                                     ValueRange{row, scan.getInductionVar()});
    if (!elementType.isF32())
      x = arith::ExtFOp::create(b, f32Type, x);
    ValueRange carried = scan.getRegionIterArgs();
    Value isNaN = arith::ExtUIOp::create(b, i32Type, cmpf(P::UNO, x, x));
    scf::YieldOp::create(
        b, ValueRange{select(cmpf(P::OGT, x, carried[0]), x, carried[0]),
                      arith::OrIOp::create(b, carried[1], isNaN)});
  }
  Value best = scan.getResult(0), nan = scan.getResult(1);
  for (int64_t offset = config.warpSize / 2; offset >= 1; offset /= 2) {
    Value other = shuffle(best, offset);
    best = select(cmpf(P::OGT, other, best), other, best);
    nan = arith::OrIOp::create(b, nan, shuffle(nan, offset));
  }
  auto leader = scf::IfOp::create(
      b, TypeRange{}, cmpi(arith::CmpIPredicate::eq, lane, c(0)), false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(leader.thenBlock());
    memref::StoreOp::create(b, best, sharedValue, ValueRange{warp});
    memref::StoreOp::create(b, nan, sharedFlag, ValueRange{warp});
  }
  gpu::BarrierOp::create(b);
  maxLogit = memref::LoadOp::create(b, sharedValue, ValueRange{c(0)});
  nan = memref::LoadOp::create(b, sharedFlag, ValueRange{c(0)});
  for (int64_t w = 1; w < config.warps; ++w) {
    Value other = memref::LoadOp::create(b, sharedValue, ValueRange{c(w)});
    maxLogit = select(cmpf(P::OGT, other, maxLogit), other, maxLogit);
    nan = arith::OrIOp::create(
        b, nan, memref::LoadOp::create(b, sharedFlag, ValueRange{c(w)}));
  }

  // 2-3. The top-k floor: the largest t with #{p >= t} >= k.
  Value floor = f32(0.0f);
  if (topK > 0) {
    floor = bisectBits([&](Value t) {
      Value countInit = i32(0);
      Value countStep = c(threads);
      auto count =
          scf::ForOp::create(b, tid, vocab, countStep, ValueRange{countInit});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(count.getBody());
        Value ge = cmpf(P::OGE, probability(count.getInductionVar()), t);
        scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(
                                    b, count.getRegionIterArgs()[0],
                                    arith::ExtUIOp::create(b, i32Type, ge))});
      }
      Value k = i32(static_cast<int32_t>(topK));
      Value total = blockSum(count.getResult(0));
      return cmpi(arith::CmpIPredicate::sge, total, k);
    });
  }

  // 4. Compact the candidates (p >= floor) in index order: thread t takes
  // the chunk [t c, (t + 1) c) with c = ceil(V / threads).
  Value threadCount = c(threads);
  Value threadsMinusOne = c(threads - 1);
  Value roundedVocab = arith::AddIOp::create(b, vocab, threadsMinusOne);
  Value chunk = arith::DivUIOp::create(b, roundedVocab, threadCount);
  Value begin =
      arith::MinUIOp::create(b, arith::MulIOp::create(b, tid, chunk), vocab);
  Value end =
      arith::MinUIOp::create(b, arith::AddIOp::create(b, begin, chunk), vocab);
  auto forChunk =
      [&](ValueRange init,
          function_ref<SmallVector<Value>(Value, Value, ValueRange)> body) {
        auto loop = scf::ForOp::create(b, begin, end, c(1), init);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value v = loop.getInductionVar();
        Value p = probability(v);
        scf::YieldOp::create(b, body(v, p, loop.getRegionIterArgs()));
        return loop;
      };
  auto mine =
      forChunk(ValueRange{i32(0)}, [&](Value, Value p, ValueRange carried) {
        return SmallVector<Value>{arith::AddIOp::create(
            b, carried[0],
            arith::ExtUIOp::create(b, i32Type, cmpf(P::OGE, p, floor)))};
      });
  memref::StoreOp::create(b, mine.getResult(0), counts, ValueRange{tid});
  gpu::BarrierOp::create(b);
  auto sumCounts = [&](Value upTo) {
    Value init = i32(0);
    Value step = c(1);
    Value start = c(0);
    auto loop = scf::ForOp::create(b, start, upTo, step, ValueRange{init});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(
        b, ValueRange{arith::AddIOp::create(
               b, loop.getRegionIterArgs()[0],
               memref::LoadOp::create(b, counts,
                                      ValueRange{loop.getInductionVar()}))});
    return loop.getResult(0);
  };
  Value offset = sumCounts(tid);
  Value candidates = sumCounts(c(threads));
  Value fits = cmpi(arith::CmpIPredicate::sle, candidates,
                    i32(static_cast<int32_t>(kCandidates)));
  auto fill = scf::IfOp::create(b, TypeRange{}, fits, false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(fill.thenBlock());
    forChunk(
        ValueRange{arith::IndexCastOp::create(b, b.getIndexType(), offset)},
        [&](Value v, Value p, ValueRange carried) {
          Value keep = cmpf(P::OGE, p, floor);
          auto store = scf::IfOp::create(b, TypeRange{}, keep, false);
          {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(store.thenBlock());
            memref::StoreOp::create(b, p, candidateP, ValueRange{carried[0]});
            memref::StoreOp::create(b, toI32(v), candidateIndex,
                                    ValueRange{carried[0]});
          }
          return SmallVector<Value>{select(
              keep, arith::AddIOp::create(b, carried[0], c(1)), carried[0])};
        });
  }
  gpu::BarrierOp::create(b);

  // 5. Thread 0 draws over the candidates (or the whole row).
  auto first = scf::IfOp::create(
      b, TypeRange{}, cmpi(arith::CmpIPredicate::eq, tid, c(0)), false);
  b.setInsertionPointToStart(first.thenBlock());
  auto which = scf::IfOp::create(b, TypeRange{i32Type}, fits, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(which.thenBlock());
    Sequence shared{
        arith::IndexCastOp::create(b, b.getIndexType(), candidates),
        [&](Value i) -> std::pair<Value, Value> {
          return {memref::LoadOp::create(b, candidateP, ValueRange{i}),
                  memref::LoadOp::create(b, candidateIndex, ValueRange{i})};
        }};
    scf::YieldOp::create(b, ValueRange{draw(shared, floor, row)});
    b.setInsertionPointToStart(which.elseBlock());
    Sequence whole{vocab, [&](Value v) -> std::pair<Value, Value> {
                     return {probability(v), toI32(v)};
                   }};
    scf::YieldOp::create(b, ValueRange{draw(whole, floor, row)});
  }
  Value noVocab = c(0);
  Value emptyVocab = cmpi(arith::CmpIPredicate::eq, vocab, noVocab);
  Value noNaNSeen = i32(0);
  Value sawNaN = cmpi(arith::CmpIPredicate::ne, nan, noNaNSeen);
  Value invalid = arith::OrIOp::create(b, sawNaN, emptyVocab);
  memref::StoreOp::create(b, select(invalid, i32(-1), which.getResult(0)),
                          tokens, ValueRange{row});
  b.setInsertionPointAfter(first);
  gpu::ReturnOp::create(b);
}

void seq::buildSampleKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const GPURowConfig &config,
                            Type elementType, float temperature, int64_t topK,
                            float topP, SampleMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto shared = [&](int64_t size, Type element) {
    return MemRefType::get({size}, element, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto func = gpu::GPUFuncOp::create(
      b, b.getLoc(), name,
      b.getFunctionType({MemRefType::get({dynamic, dynamic}, elementType),
                         MemRefType::get({4}, i32),
                         MemRefType::get({dynamic}, i32)},
                        {}),
      TypeRange{shared(config.warps, f32), shared(config.warps, i32),
                shared(config.warps, i32), shared(config.threads(), i32),
                shared(kCandidates, f32), shared(kCandidates, i32)},
      TypeRange{});
  // The NVPTX back end merges the candidate reads into 16-byte
  // ld.shared.v4: the buffers must be 16-byte aligned (as cp.async tiles).
  alignWorkgroupBuffers(func, kAsyncCopyTileAlignment);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(config.threads()), 1, 1}));
  // grid.x over the rows (the tokens, argument 2).
  func->setAttr(kLaunchGridAttrName, b.getDenseI64ArrayAttr({2, 0, 1}));
  SampleKernelBuilder(b, config, elementType, temperature, topK, topP, mutation)
      .build(func);
}
