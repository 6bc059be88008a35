//===- MoERouteKernel.cpp - GPU routing and dispatch kernels of MoE -------===//
//
// This file builds the routing kernel of seq.moe_route and the dispatch
// kernel of seq.moe_dispatch in mapped form.
//
// Routing: a warp (wavefront) per token. Lane l holds experts l, l + 32,
// ... (l + 64, ... on HIP); softmax statistics are reduced with
// `gpu.shuffle xor`. The top-k is K rounds of a warp argmax over the
// experts that come after the previous choice in the order (score
// descending, index ascending): no per-expert state, so any E works, and
// ties go to the lowest index as on the CPU. Selection scores are
// recomputed from the logits in each round (the same f32 operations give
// the same values).
//
// Dispatch: one block sorts the T * K slots by expert, stably (a counting
// sort): the slots are taken in segments of 32 per thread, thread t owning
// a contiguous chunk of each segment. Pass 1 counts each expert's slots
// (a block reduction per expert) and thread 0 writes the offsets (capped
// at the capacity). Pass 2 gives each slot its rank within its expert: the
// expert's count in earlier segments, plus an exclusive block scan of the
// per-thread counts (warp scans with `gpu.shuffle up`, warp totals through
// workgroup memory), plus its place in the thread's chunk; kept slots go
// to offsets[e] + rank. Dropped slots (over capacity, or an expert id
// outside [0, E)) are marked in a per-thread bit mask and placed after
// offsets[E] in slot order by one more scan per segment. No atomics: the
// result is deterministic and equal to the CPU's.
//
//===----------------------------------------------------------------------===//

#include "MoEKernelOps.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/GPU/MoEKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// A candidate expert: its selection score and index (index type).
struct Candidate {
  Value score, index;
};

class RouteKernelBuilder : MoEKernelOps {
public:
  RouteKernelBuilder(ImplicitLocOpBuilder &b, const GPURowConfig &config,
                     const MoERouteSpec &spec, KernelMutation mutation)
      : MoEKernelOps(b), config(config), spec(spec), mutation(mutation) {}

  void build(gpu::GPUFuncOp func);

private:
  /// `other` replaces `best` when its score is larger, or equal at a lower
  /// index.
  Candidate better(const Candidate &best, const Candidate &other) {
    Value greater = cmpf(arith::CmpFPredicate::OGT, other.score, best.score);
    Value lowerIndex = cmp(arith::CmpIPredicate::ult, other.index, best.index);
    Value sameScore = cmpf(arith::CmpFPredicate::OEQ, other.score, best.score);
    Value tie = andI(sameScore, lowerIndex);
    Value take = orI(greater, tie);
    return {select(take, other.score, best.score),
            select(take, other.index, best.index)};
  }
  /// The narrowest butterfly exchange: 1, or 2 for the shuffle-offset
  /// mutation (the routing tests have at most 16 experts, held by the low
  /// lanes, so skipping the widest exchange would change nothing).
  int64_t lastOffset() const {
    return mutation == KernelMutation::ShuffleOffset ? 2 : 1;
  }
  /// The warp's sum (or maximum) of a per-lane f32, in every lane.
  Value warpReduce(Value v, bool isMax) {
    for (int64_t offset = config.warpSize / 2; offset >= lastOffset();
         offset /= 2) {
      Value other = shuffle(v, offset, config.warpSize, gpu::ShuffleMode::XOR);
      v = isMax ? maxf(v, other) : addf(v, other);
    }
    return v;
  }
  /// The selection score of expert `e` of the token.
  Value selectionScore(Value e) {
    Value x = loadF32(logits, {token, e});
    switch (spec.scoring) {
    case RouterScoring::Softmax:
      return divf(exp(subf(x, rowMax)), rowSum);
    case RouterScoring::Sigmoid: {
      Value s = sigmoid(x);
      return bias ? addf(s, loadF32(bias, {e})) : s;
    }
    case RouterScoring::TopKSoftmax:
      return x;
    }
    return x;
  }
  /// The combine weight of expert `e` (before normalisation).
  Value weightOf(Value e) {
    if (spec.scoring == RouterScoring::Sigmoid)
      return sigmoid(loadF32(logits, {token, e}));
    return selectionScore(e);
  }

  /// Grouped top-k: marks the `topkGroups` best groups (groupTaken) from
  /// the selection scores.
  void selectGroups();
  /// Whether expert `e` is in a selected group (true without groups).
  Value eligible(Value e);

  const GPURowConfig &config;
  const MoERouteSpec &spec;
  KernelMutation mutation;
  Value logits, bias, weights, experts, token, lane, numExperts;
  Value rowMax, rowSum, groupSize;
  SmallVector<Value> groupTaken;
};
} // namespace

void RouteKernelBuilder::selectGroups() {
  const float negInf = -std::numeric_limits<float>::infinity();
  int64_t groups = spec.numGroups;
  Value g64 = c(groups);
  groupSize = divU(numExperts, g64);
  Value one = c(1);
  Value zero = c(0);
  Value nonEmpty = cmp(arith::CmpIPredicate::ugt, groupSize, zero);
  groupSize = select(nonEmpty, groupSize, one);
  // Per group the lane's best and second best selection score, in one
  // pass; experts past G groups belong to none.
  SmallVector<Value> inits(2 * groups, f32(negInf));
  SmallVector<Value> top =
      forLoop(lane, numExperts, c(config.warpSize), inits,
              [&](Value e, ValueRange acc) -> SmallVector<Value> {
                Value v = selectionScore(e);
                Value g = divU(e, groupSize);
                SmallVector<Value> next;
                for (int64_t i = 0; i < groups; ++i) {
                  Value mine = cmp(arith::CmpIPredicate::eq, g, c(i));
                  Value m0 = acc[2 * i], m1 = acc[2 * i + 1];
                  Value above1 = cmpf(arith::CmpFPredicate::OGT, v, m0);
                  Value above2 = cmpf(arith::CmpFPredicate::OGT, v, m1);
                  Value second = select(above1, m0, select(above2, v, m1));
                  next.push_back(select(mine, select(above1, v, m0), m0));
                  next.push_back(select(mine, second, m1));
                }
                return next;
              });
  // The warp's two best of each group: top-2 of the union of two pairs.
  for (int64_t offset = config.warpSize / 2; offset >= 1; offset /= 2)
    for (int64_t i = 0; i < groups; ++i) {
      Value o0 =
          shuffle(top[2 * i], offset, config.warpSize, gpu::ShuffleMode::XOR);
      Value o1 = shuffle(top[2 * i + 1], offset, config.warpSize,
                         gpu::ShuffleMode::XOR);
      Value m0 = top[2 * i], m1 = top[2 * i + 1];
      Value lower = select(cmpf(arith::CmpFPredicate::OGT, o0, m0), m0, o0);
      top[2 * i] = maxf(m0, o0);
      top[2 * i + 1] = maxf(lower, maxf(m1, o1));
    }
  // A group's score: its best, plus its second best for sigmoid scoring
  // (when groups have two experts).
  SmallVector<Value> scores;
  for (int64_t i = 0; i < groups; ++i) {
    Value score = top[2 * i];
    if (spec.scoring == RouterScoring::Sigmoid) {
      Value bestTwo = addf(top[2 * i], top[2 * i + 1]);
      Value two = c(2);
      Value pairs = cmp(arith::CmpIPredicate::uge, groupSize, two);
      score = select(pairs, bestTwo, top[2 * i]);
    }
    scores.push_back(score);
  }
  // topk_groups rounds: the first untaken group with the largest score.
  Value no = arith::ConstantOp::create(b, b.getBoolAttr(false));
  Value yes = arith::ConstantOp::create(b, b.getBoolAttr(true));
  groupTaken.assign(groups, no);
  for (int64_t round = 0; round < spec.topkGroups; ++round) {
    Value bestScore = f32(0.0f), bestIndex = c(-1);
    for (int64_t i = 0; i < groups; ++i) {
      Value open = arith::XOrIOp::create(b, groupTaken[i], yes);
      Value first = cmp(arith::CmpIPredicate::eq, bestIndex, c(-1));
      Value take = andI(open, orI(first, cmpf(arith::CmpFPredicate::OGT,
                                              scores[i], bestScore)));
      bestScore = select(take, scores[i], bestScore);
      bestIndex = select(take, c(i), bestIndex);
    }
    for (int64_t i = 0; i < groups; ++i)
      groupTaken[i] =
          orI(groupTaken[i], cmp(arith::CmpIPredicate::eq, bestIndex, c(i)));
  }
}

Value RouteKernelBuilder::eligible(Value e) {
  if (!spec.numGroups)
    return arith::ConstantOp::create(b, b.getBoolAttr(true));
  Value g = divU(e, groupSize);
  Value selected = arith::ConstantOp::create(b, b.getBoolAttr(false));
  for (int64_t i = 0; i < spec.numGroups; ++i)
    selected = orI(selected,
                   andI(cmp(arith::CmpIPredicate::eq, g, c(i)), groupTaken[i]));
  return selected;
}

void RouteKernelBuilder::build(gpu::GPUFuncOp func) {
  b.setInsertionPointToStart(&func.getBody().front());
  logits = func.getArgument(0);
  bias = spec.biasType ? func.getArgument(1) : Value();
  weights = func.getArgument(func.getNumArguments() - 2);
  experts = func.getArgument(func.getNumArguments() - 1);
  const float negInf = -std::numeric_limits<float>::infinity();
  const float posInf = std::numeric_limits<float>::infinity();

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value warp = divU(tid, c(config.warpSize));
  lane = remU(tid, c(config.warpSize));
  token = add(mul(blockX, c(config.warps)), warp);
  Value tokens = memref::DimOp::create(b, logits, 0);
  numExperts = memref::DimOp::create(b, logits, 1);
  Value step = c(config.warpSize);

  // A warp past the last token does nothing (all its lanes skip together,
  // so no shuffle diverges).
  ifThen(cmp(arith::CmpIPredicate::ult, token, tokens), [&] {
    if (spec.scoring == RouterScoring::Softmax) {
      Value m = forLoop(lane, numExperts, step, ValueRange{f32(negInf)},
                        [&](Value e, ValueRange acc) -> SmallVector<Value> {
                          return {maxf(acc[0], loadF32(logits, {token, e}))};
                        })[0];
      rowMax = warpReduce(m, /*isMax=*/true);
      Value s = forLoop(lane, numExperts, step, ValueRange{f32(0.0f)},
                        [&](Value e, ValueRange acc) -> SmallVector<Value> {
                          Value x = loadF32(logits, {token, e});
                          return {addf(acc[0], exp(subf(x, rowMax)))};
                        })[0];
      rowSum = warpReduce(s, /*isMax=*/false);
    }

    if (spec.numGroups)
      selectGroups();

    // K rounds: the best expert after the previous choice in the order
    // (score descending, index ascending).
    Candidate previous{f32(posInf), c(-1)};
    SmallVector<Value> chosen, chosenWeights;
    Value none = numExperts; // the sentinel index, loses every tie
    for (int64_t k = 0; k < spec.topK; ++k) {
      SmallVector<Value> best = forLoop(
          lane, numExperts, step, ValueRange{f32(negInf), none},
          [&](Value e, ValueRange acc) -> SmallVector<Value> {
            Value s = selectionScore(e);
            // After the previous choice: a lower score, or an equal one at
            // a higher index (a first round takes every expert: -1 is the
            // largest unsigned index, so compare signed).
            Value laterIndex =
                cmp(arith::CmpIPredicate::sgt, e, previous.index);
            Value sameScore =
                cmpf(arith::CmpFPredicate::OEQ, s, previous.score);
            Value tieAfter = andI(sameScore, laterIndex);
            Value lower = cmpf(arith::CmpFPredicate::OLT, s, previous.score);
            Value afterPrevious = orI(lower, tieAfter);
            Value inGroup = eligible(e);
            Value after = andI(inGroup, afterPrevious);
            Candidate next = better({acc[0], acc[1]}, {s, e});
            return {select(after, next.score, acc[0]),
                    select(after, next.index, acc[1])};
          });
      Candidate winner{best[0], best[1]};
      for (int64_t offset = config.warpSize / 2; offset >= lastOffset();
           offset /= 2)
        winner = better(winner, {shuffle(winner.score, offset, config.warpSize,
                                         gpu::ShuffleMode::XOR),
                                 shuffle(winner.index, offset, config.warpSize,
                                         gpu::ShuffleMode::XOR)});
      Value found = cmp(arith::CmpIPredicate::ult, winner.index, numExperts);
      Value safe = select(found, winner.index, c(0));
      Value missing =
          f32(spec.scoring == RouterScoring::TopKSoftmax ? negInf : 0.0f);
      chosenWeights.push_back(select(found, weightOf(safe), missing));
      Value noExpert = i32(-1);
      Value winnerI32 = toI32(winner.index);
      chosen.push_back(select(found, winnerI32, noExpert));
      previous = winner;
    }

    // Softmax over the K chosen logits, or renormalisation; then the
    // routed scaling (as the CPU lowering, in the same order).
    Value factor = spec.scaling ? f32(*spec.scaling) : Value();
    if (spec.scoring == RouterScoring::TopKSoftmax) {
      Value m = f32(negInf);
      for (Value w : chosenWeights)
        m = maxf(m, w);
      Value sum = f32(0.0f);
      for (Value w : chosenWeights)
        sum = addf(sum, exp(subf(w, m)));
      for (Value &w : chosenWeights) {
        w = divf(exp(subf(w, m)), sum);
        if (factor)
          w = mulf(w, factor);
      }
    } else if (spec.normalize || factor) {
      Value denominator;
      if (spec.normalize) {
        Value sum = f32(0.0f);
        for (Value w : chosenWeights)
          sum = addf(sum, w);
        // As Hugging Face DeepSeek-V3: guards 0 / 0.
        denominator = addf(sum, f32(1e-20f));
      }
      for (Value &w : chosenWeights) {
        if (denominator)
          w = divf(w, denominator);
        if (factor)
          w = mulf(w, factor);
      }
    }
    ifThen(cmp(arith::CmpIPredicate::eq, lane, c(0)), [&] {
      for (int64_t k = 0; k < spec.topK; ++k) {
        store(chosenWeights[k], weights, {token, c(k)});
        store(chosen[k], experts, {token, c(k)});
      }
    });
  });
  gpu::ReturnOp::create(b);
}

void seq::buildMoERouteKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                              StringRef name, const GPURowConfig &config,
                              const MoERouteSpec &spec,
                              KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  SmallVector<Type> arguments = {
      MemRefType::get({dynamic, dynamic}, spec.logitsType)};
  if (spec.biasType)
    arguments.push_back(MemRefType::get({dynamic}, spec.biasType));
  arguments.push_back(MemRefType::get({dynamic, spec.topK}, b.getF32Type()));
  arguments.push_back(MemRefType::get({dynamic, spec.topK}, b.getI32Type()));
  // grid.x over the tokens, `warps` per block.
  auto func = createKernelFunc(b, name, arguments, TypeRange{},
                               config.threads(), {0, 0, config.warps});
  RouteKernelBuilder(b, config, spec, mutation).build(func);
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {
/// Slots per thread per segment: the bits of the dropped-slot mask (an i64
/// holding at most 32, so every mask value is exact in the emulator's
/// doubles too).
constexpr int64_t kSlotsPerThread = 32;

class DispatchKernelBuilder : MoEKernelOps {
public:
  DispatchKernelBuilder(ImplicitLocOpBuilder &b, const GPURowConfig &config,
                        int64_t numExperts, std::optional<float> capacity,
                        KernelMutation mutation)
      : MoEKernelOps(b), config(config), numExperts(numExperts),
        capacityFactor(capacity), mutation(mutation) {}

  void build(gpu::GPUFuncOp func);

private:
  /// The exclusive prefix of `n` over the block's threads (in thread
  /// order) and the block's total, in every thread: warp scans by
  /// `gpu.shuffle up`, the warps' totals through workgroup memory between
  /// two barriers.
  std::pair<Value, Value> blockScan(Value n);
  /// Calls `body(slot, j, expert, valid)` for slot j of this thread's
  /// chunk of the segment at `segment` (slots past the end skipped),
  /// carrying `inits`.
  SmallVector<Value> forChunk(
      Value segment, ValueRange inits,
      function_ref<SmallVector<Value>(Value, Value, Value, Value, ValueRange)>
          body);

  const GPURowConfig &config;
  int64_t numExperts;
  std::optional<float> capacityFactor;
  KernelMutation mutation;
  Value choice, perm, offsets, counts, bases, warpSums;
  Value tid, warp, lane, slots, topK;
};
} // namespace

std::pair<Value, Value> DispatchKernelBuilder::blockScan(Value n) {
  Value x = n;
  for (int64_t offset = 1; offset < config.warpSize; offset *= 2) {
    Value up = shuffle(x, offset, config.warpSize, gpu::ShuffleMode::UP);
    Value sum = add(x, up);
    Value offsetValue = c(offset);
    Value hasSource = cmp(arith::CmpIPredicate::uge, lane, offsetValue);
    x = select(hasSource, sum, x);
  }
  ifThen(cmp(arith::CmpIPredicate::eq, lane, c(config.warpSize - 1)),
         [&] { store(toI32(x), warpSums, {warp}); });
  if (mutation != KernelMutation::DropBarrier)
    gpu::BarrierOp::create(b);
  Value before = c(0), total = c(0);
  for (int64_t w = 0; w < config.warps; ++w) {
    Value sum = toIndex(memref::LoadOp::create(b, warpSums, ValueRange{c(w)}));
    Value zero = c(0);
    Value wValue = c(w);
    Value earlier = cmp(arith::CmpIPredicate::ult, wValue, warp);
    before = add(before, select(earlier, sum, zero));
    total = add(total, sum);
  }
  // The next scan overwrites the totals the other warps may still read.
  gpu::BarrierOp::create(b);
  return {add(before, sub(x, n)), total};
}

SmallVector<Value> DispatchKernelBuilder::forChunk(
    Value segment, ValueRange inits,
    function_ref<SmallVector<Value>(Value, Value, Value, Value, ValueRange)>
        body) {
  Value first = add(segment, mul(tid, c(kSlotsPerThread)));
  Value step = c(1);
  Value end = c(kSlotsPerThread);
  Value start = c(0);
  return forLoop(
      start, end, step, inits,
      [&](Value j, ValueRange acc) -> SmallVector<Value> {
        Value slot = add(first, j);
        auto ifOp = scf::IfOp::create(
            b, acc.getTypes(), cmp(arith::CmpIPredicate::ult, slot, slots),
            /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          Value e = toIndex(memref::LoadOp::create(
              b, choice, ValueRange{divU(slot, topK), remU(slot, topK)}));
          // Signed: a negative id is invalid too.
          Value expertCount = c(numExperts);
          Value belowCount = cmp(arith::CmpIPredicate::slt, e, expertCount);
          Value zero = c(0);
          Value nonNegative = cmp(arith::CmpIPredicate::sge, e, zero);
          Value valid = andI(nonNegative, belowCount);
          scf::YieldOp::create(b, body(slot, j, e, valid, acc));
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, acc);
        }
        return SmallVector<Value>(ifOp.getResults());
      });
}

void DispatchKernelBuilder::build(gpu::GPUFuncOp func) {
  b.setInsertionPointToStart(&func.getBody().front());
  choice = func.getArgument(0);
  perm = func.getArgument(1);
  offsets = func.getArgument(2);
  counts = func.getWorkgroupAttributions()[0];
  bases = func.getWorkgroupAttributions()[1];
  warpSums = func.getWorkgroupAttributions()[2];

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  warp = divU(tid, c(config.warpSize));
  lane = remU(tid, c(config.warpSize));
  Value tokens = memref::DimOp::create(b, choice, 0);
  topK = memref::DimOp::create(b, choice, 1);
  slots = mul(tokens, topK);
  Value segmentSlots = c(kSlotsPerThread * config.threads());
  Value experts = c(numExperts);
  Value one = c(1);

  // The capacity C = ceil(f * T * K / E) in f64, as the CPU computes it
  // (the ceiling by hand: math.ceil would be a device-library call); no
  // capacity: C = T * K, nothing is dropped.
  Value capacity = slots;
  if (capacityFactor) {
    Type f64 = b.getF64Type();
    auto toF64 = [&](Value index) -> Value {
      return arith::SIToFPOp::create(
          b, f64, arith::IndexCastOp::create(b, b.getI64Type(), index));
    };
    Value f = arith::ConstantOp::create(
        b, b.getF64FloatAttr(static_cast<double>(*capacityFactor)));
    Value expertsF64 = toF64(experts);
    Value topKF64 = toF64(topK);
    Value tokensF64 = toF64(tokens);
    Value fT = arith::MulFOp::create(b, f, tokensF64);
    Value fTK = arith::MulFOp::create(b, fT, topKF64);
    Value q = arith::DivFOp::create(b, fTK, expertsF64);
    Value whole = arith::FPToSIOp::create(b, b.getI64Type(), q);
    Value up = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT,
                                     arith::SIToFPOp::create(b, f64, whole), q);
    Value ceil = select(up, arith::AddIOp::create(b, whole, i64(1)), whole);
    Value zero = i64(0);
    Value zeroToCompare = i64(0);
    Value positive = cmp(arith::CmpIPredicate::sgt, ceil, zeroToCompare);
    Value nonNegative = select(positive, ceil, zero);
    capacity = arith::IndexCastOp::create(b, b.getIndexType(), nonNegative);
  }

  // Pass 1: each expert's slots (thread 0 accumulates the totals).
  forLoop(tid, experts, c(config.threads()), {},
          [&](Value e, ValueRange) -> SmallVector<Value> {
            store(i32(0), counts, {e});
            return {};
          });
  gpu::BarrierOp::create(b);
  forLoop(c(0), slots, segmentSlots, {},
          [&](Value segment, ValueRange) -> SmallVector<Value> {
            forLoop(c(0), experts, one, {},
                    [&](Value e, ValueRange) -> SmallVector<Value> {
                      Value n = forChunk(
                          segment, ValueRange{c(0)},
                          [&](Value, Value, Value expert, Value valid,
                              ValueRange acc) -> SmallVector<Value> {
                            Value mine =
                                andI(valid,
                                     cmp(arith::CmpIPredicate::eq, expert, e));
                            return {select(mine, add(acc[0], one), acc[0])};
                          })[0];
                      Value total = blockScan(n).second;
                      ifThen(cmp(arith::CmpIPredicate::eq, tid, c(0)), [&] {
                        Value old = toIndex(
                            memref::LoadOp::create(b, counts, ValueRange{e}));
                        store(toI32(add(old, total)), counts, {e});
                      });
                      return {};
                    });
            return {};
          });
  gpu::BarrierOp::create(b);

  // Thread 0: the offsets (each group capped at C), and the counts reset
  // for pass 2.
  ifThen(cmp(arith::CmpIPredicate::eq, tid, c(0)), [&] {
    Value keptInit = c(0);
    Value start = c(0);
    Value kept = forLoop(
        start, experts, one, ValueRange{keptInit},
        [&](Value e, ValueRange acc) -> SmallVector<Value> {
          Value n = toIndex(memref::LoadOp::create(b, counts, ValueRange{e}));
          Value capped =
              select(cmp(arith::CmpIPredicate::ult, n, capacity), n, capacity);
          store(toI32(acc[0]), bases, {e});
          store(toI32(acc[0]), offsets, {e});
          store(i32(0), counts, {e});
          return {add(acc[0], capped)};
        })[0];
    store(toI32(kept), bases, {experts});
    store(toI32(kept), offsets, {experts});
  });
  gpu::BarrierOp::create(b);

  // Pass 2: kept slots to their group, dropped ones after offsets[E].
  Value dropStart =
      toIndex(memref::LoadOp::create(b, bases, ValueRange{experts}));
  forLoop(
      c(0), slots, segmentSlots, ValueRange{dropStart},
      [&](Value segment, ValueRange dropBase) -> SmallVector<Value> {
        // Invalid expert ids are dropped.
        SmallVector<Value> state = forChunk(
            segment, ValueRange{i64(0), c(0)},
            [&](Value, Value j, Value, Value valid,
                ValueRange acc) -> SmallVector<Value> {
              Value j64 = arith::IndexCastOp::create(b, b.getI64Type(), j);
              Value bit = arith::ShLIOp::create(b, i64(1), j64);
              Value drop = arith::XOrIOp::create(
                  b, valid, arith::ConstantOp::create(b, b.getBoolAttr(true)));
              return {select(drop, orI(acc[0], bit), acc[0]),
                      select(drop, add(acc[1], one), acc[1])};
            });
        state = forLoop(
            c(0), experts, one, state,
            [&](Value e, ValueRange acc) -> SmallVector<Value> {
              Value n = forChunk(
                  segment, ValueRange{c(0)},
                  [&](Value, Value, Value expert, Value valid,
                      ValueRange count) -> SmallVector<Value> {
                    Value mine =
                        andI(valid, cmp(arith::CmpIPredicate::eq, expert, e));
                    return {select(mine, add(count[0], one), count[0])};
                  })[0];
              // Read before the scan's barriers; thread 0 updates it after.
              Value seen =
                  toIndex(memref::LoadOp::create(b, counts, ValueRange{e}));
              auto [before, total] = blockScan(n);
              Value base =
                  toIndex(memref::LoadOp::create(b, bases, ValueRange{e}));
              SmallVector<Value> next = forChunk(
                  segment, ValueRange{acc[0], acc[1], c(0)},
                  [&](Value slot, Value j, Value expert, Value valid,
                      ValueRange s) -> SmallVector<Value> {
                    Value mine =
                        andI(valid, cmp(arith::CmpIPredicate::eq, expert, e));
                    Value rank = add(add(seen, before), s[2]);
                    Value keep = andI(
                        mine, cmp(arith::CmpIPredicate::ult, rank, capacity));
                    ifThen(keep, [&] {
                      Value at = add(base, rank);
                      Value slotI32 = toI32(slot);
                      store(slotI32, perm, {at});
                    });
                    Value drop = andI(
                        mine, cmp(arith::CmpIPredicate::uge, rank, capacity));
                    Value j64 =
                        arith::IndexCastOp::create(b, b.getI64Type(), j);
                    Value bit = arith::ShLIOp::create(b, i64(1), j64);
                    return {select(drop, orI(s[0], bit), s[0]),
                            select(drop, add(s[1], one), s[1]),
                            select(mine, add(s[2], one), s[2])};
                  });
              ifThen(cmp(arith::CmpIPredicate::eq, tid, c(0)),
                     [&] { store(toI32(add(seen, total)), counts, {e}); });
              return {next[0], next[1]};
            });
        // The dropped slots, in slot order.
        auto [before, total] = blockScan(state[1]);
        forChunk(segment, ValueRange{c(0)},
                 [&](Value slot, Value j, Value, Value,
                     ValueRange s) -> SmallVector<Value> {
                   Value j64 = arith::IndexCastOp::create(b, b.getI64Type(), j);
                   Value bit = arith::ShLIOp::create(b, i64(1), j64);
                   Value zero = i64(0);
                   Value masked = andI(state[0], bit);
                   Value dropped = cmp(arith::CmpIPredicate::ne, masked, zero);
                   ifThen(dropped, [&] {
                     Value base = add(dropBase[0], before);
                     Value at = add(base, s[0]);
                     Value slotI32 = toI32(slot);
                     store(slotI32, perm, {at});
                   });
                   return {select(dropped, add(s[0], one), s[0])};
                 });
        return {add(dropBase[0], total)};
      });
  gpu::ReturnOp::create(b);
}

void seq::buildMoEDispatchKernel(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPURowConfig &config, int64_t numExperts,
                                 std::optional<float> capacityFactor,
                                 KernelMutation mutation) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t dynamic = ShapedType::kDynamic;
  Type i32 = b.getI32Type();
  auto shared = [&](int64_t size) { return workgroupMemRefType({size}, i32); };
  // One block: ceil((E + 1) / (E + 1)).
  auto func = createKernelFunc(
      b, name,
      {MemRefType::get({dynamic, dynamic}, i32),
       MemRefType::get({dynamic}, i32), MemRefType::get({numExperts + 1}, i32)},
      {shared(numExperts), shared(numExperts + 1), shared(config.warps)},
      config.threads(), {2, 0, numExperts + 1});
  // The NVPTX back end merges the counters' stores into 16-byte
  // st.shared.v4: the buffers must be 16-byte aligned (as cp.async tiles).
  alignWorkgroupBuffers(func, kAsyncCopyTileAlignment);
  DispatchKernelBuilder(b, config, numExperts, capacityFactor, mutation)
      .build(func);
}
