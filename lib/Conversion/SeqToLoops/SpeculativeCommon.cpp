//===- SpeculativeCommon.cpp - shared speculative decoding lowering -------===//
//
// This file implements the loop skeleton, greedy path acceptance and token
// emission shared by the chain and the tree speculative decoding lowerings
// (SpeculativeToLoops.cpp, TreeSpeculativeToLoops.cpp), and the filtered
// distribution their sampled acceptance compares.
//
//===----------------------------------------------------------------------===//

#include "SpeculativeCommon.h"
#include "SamplingFilter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::seq;
using namespace mlir::seq::speculative;

StepBuffers speculative::allocateBuffers(LoopBuilder &b, const LoopInfo &info) {
  Type i32 = b.getI32Type();
  Value batch = b.dim(info.first, 0);
  auto alloc = [&](RankedTensorType type) {
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(batch);
    return b.allocResult(type, dynamic);
  };
  StepBuffers buf;
  buf.tokens = alloc(info.tokensType);
  buf.counts = alloc(info.countsType);
  buf.steps = alloc(info.stepsType);
  buf.accepted = alloc(info.acceptedType);
  auto vecType = MemRefType::get({ShapedType::kDynamic}, i32);
  for (Value *v :
       {&buf.last, &buf.pos, &buf.done, &buf.numAccepted, &buf.bonus})
    *v = memref::AllocOp::create(b, vecType, ValueRange{batch});
  Value zero32 = b.i32(0), pad32 = b.i32(info.padTokenId);
  b.forLoop(b.index(0), batch, [&](Value r) {
    memref::StoreOp::create(b, memref::LoadOp::create(b, info.first, r),
                            buf.last, r);
    memref::StoreOp::create(b, memref::LoadOp::create(b, info.start, r),
                            buf.pos, r);
    for (Value v : {buf.done, buf.counts, buf.steps, buf.accepted})
      memref::StoreOp::create(b, zero32, v, r);
    b.forLoop(b.index(0), b.index(info.maxNewTokens), [&](Value s) {
      memref::StoreOp::create(b, pad32, buf.tokens, ValueRange{r, s});
    });
  });
  return buf;
}

SmallVector<Value> speculative::buildStepLoop(
    LoopBuilder &b, const LoopInfo &info, StepBuffers &buf, ValueRange init,
    llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  Value batch = b.dim(buf.last, 0);
  Value zero32 = b.i32(0);
  return b.forLoop(
      b.index(0), b.index(info.maxNewTokens), init,
      [&](Value step, ValueRange state) -> SmallVector<Value> {
        Value active =
            b.forLoop(b.index(0), batch, ValueRange{zero32},
                      [&](Value r, ValueRange any) -> SmallVector<Value> {
                        Value d = memref::LoadOp::create(b, buf.done, r);
                        return {arith::OrIOp::create(
                            b, any[0], arith::XOrIOp::create(b, d, b.i32(1)))};
                      })[0];
        Value anyActive = b.cmp(arith::CmpIPredicate::ne, active, zero32);
        auto branch = scf::IfOp::create(b, state.getTypes(), anyActive,
                                        /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(b);
        // Without carried state the branches already end in a yield.
        auto moveInto = [&](Region &region) {
          Block &block = region.front();
          if (!block.empty() &&
              block.back().hasTrait<OpTrait::IsTerminator>()) {
            b.setInsertionPoint(&block.back());
            return false;
          }
          b.setInsertionPointToEnd(&block);
          return true;
        };
        bool needsThenYield = moveInto(branch.getThenRegion());
        SmallVector<Value> next = body(step, state);
        if (needsThenYield)
          scf::YieldOp::create(b, next);
        if (moveInto(branch.getElseRegion()))
          scf::YieldOp::create(b, state);
        return SmallVector<Value>(branch.getResults());
      });
}

SmallVector<Value> speculative::results(LoopBuilder &b, const LoopInfo &info,
                                        StepBuffers &buf,
                                        ValueRange finalState) {
  SmallVector<Value> values{b.toTensor(buf.tokens, info.tokensType),
                            b.toTensor(buf.counts, info.countsType),
                            b.toTensor(buf.steps, info.stepsType),
                            b.toTensor(buf.accepted, info.acceptedType)};
  llvm::append_range(values, finalState);
  return values;
}

Value speculative::generate(LoopBuilder &b, RankedTensorType type, Value batch,
                            llvm::function_ref<Value(Value, Value)> element) {
  SmallVector<Value> sizes;
  if (type.isDynamicDim(0))
    sizes.push_back(batch);
  return tensor::GenerateOp::create(
      b, type, sizes, [&](OpBuilder &, Location loc, ValueRange ij) {
        tensor::YieldOp::create(b, loc, element(ij[0], ij[1]));
      });
}

Value speculative::collapseLogits(LoopBuilder &b, Value logits) {
  auto type = cast<RankedTensorType>(logits.getType());
  int64_t rows = ShapedType::isDynamic(type.getDimSize(0)) ||
                         ShapedType::isDynamic(type.getDimSize(1))
                     ? ShapedType::kDynamic
                     : type.getDimSize(0) * type.getDimSize(1);
  return tensor::CollapseShapeOp::create(
      b,
      RankedTensorType::get({rows, type.getDimSize(2)}, type.getElementType()),
      logits, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

void speculative::acceptGreedyPath(LoopBuilder &b, StepBuffers &buf,
                                   Value batch, ArrayRef<int64_t> parents,
                                   Value tree, Value choice, Value path,
                                   Value cap) {
  int64_t stride = static_cast<int64_t>(parents.size()) + 1;
  Type i32 = b.getI32Type();
  b.forLoop(b.index(0), batch, [&](Value r) {
    Value base = b.mul(r, b.index(stride));
    if (path)
      memref::StoreOp::create(b, b.i32(0), path, ValueRange{r, b.index(0)});
    Value limit = cap ? b.loadIndex(cap, {r}) : Value();
    Value v = b.index(0), n = b.index(0);
    for (auto [i, parent] : llvm::enumerate(parents)) {
      auto node = static_cast<int64_t>(i) + 1;
      Value target = memref::LoadOp::create(b, choice, b.add(base, v));
      Value draft =
          memref::LoadOp::create(b, tree, ValueRange{r, b.index(node - 1)});
      Value takes = arith::AndIOp::create(
          b, b.cmp(arith::CmpIPredicate::eq, v, b.index(parent)),
          b.cmp(arith::CmpIPredicate::eq, target, draft));
      if (limit)
        takes = arith::AndIOp::create(
            b, takes, b.cmp(arith::CmpIPredicate::slt, n, limit));
      v = b.select(takes, b.index(node), v);
      n = b.select(takes, b.add(n, b.index(1)), n);
      if (path)
        b.ifThen(takes, [&] {
          memref::StoreOp::create(b, b.i32(static_cast<int32_t>(node)), path,
                                  ValueRange{r, n});
        });
    }
    memref::StoreOp::create(b, arith::IndexCastOp::create(b, i32, n),
                            buf.numAccepted, r);
    memref::StoreOp::create(
        b, memref::LoadOp::create(b, choice, b.add(base, v)), buf.bonus, r);
  });
}

void speculative::emitAccepted(
    LoopBuilder &b, const LoopInfo &info, StepBuffers &buf, Value batch,
    llvm::function_ref<Value(Value, Value, Value, Value)> tokenAt,
    llvm::function_ref<void(Value, Value, Value)> onActive) {
  Type i32 = b.getI32Type();
  Value zero32 = b.i32(0), one32 = b.i32(1);
  b.forLoop(b.index(0), batch, [&](Value r) {
    Value n32 = memref::LoadOp::create(b, buf.numAccepted, r);
    Value n = arith::IndexCastOp::create(b, b.getIndexType(), n32);
    Value bonus = memref::LoadOp::create(b, buf.bonus, r);
    Value wasActive = b.cmp(arith::CmpIPredicate::eq,
                            memref::LoadOp::create(b, buf.done, r), zero32);
    // A finished row keeps its position, so verify writes stay within
    // max_new_tokens + (verified tokens) positions past its start.
    b.ifThen(wasActive, [&] {
      if (onActive)
        onActive(r, n, bonus);
      auto bump = [&](Value buffer, Value by) {
        memref::StoreOp::create(
            b,
            arith::AddIOp::create(b, memref::LoadOp::create(b, buffer, r), by),
            buffer, r);
      };
      bump(buf.steps, one32);
      bump(buf.accepted, n32);
      bump(buf.pos, arith::AddIOp::create(b, n32, one32));
      memref::StoreOp::create(b, bonus, buf.last, r);
    });
    b.forLoop(b.index(0), b.add(n, b.index(1)), [&](Value j) {
      Value token = tokenAt(r, j, n, bonus);
      Value writes = b.cmp(arith::CmpIPredicate::eq,
                           memref::LoadOp::create(b, buf.done, r), zero32);
      b.ifThen(writes, [&] {
        Value count = memref::LoadOp::create(b, buf.counts, r);
        memref::StoreOp::create(b, token, buf.tokens,
                                ValueRange{r, arith::IndexCastOp::create(
                                                  b, b.getIndexType(), count)});
        Value next = arith::AddIOp::create(b, count, one32);
        memref::StoreOp::create(b, next, buf.counts, r);
        Value stop = b.cmp(arith::CmpIPredicate::sge, next,
                           b.i32(static_cast<int32_t>(info.maxNewTokens)));
        for (int64_t id : info.eosTokenIds)
          stop = arith::OrIOp::create(b, stop,
                                      b.cmp(arith::CmpIPredicate::eq, token,
                                            b.i32(static_cast<int32_t>(id))));
        memref::StoreOp::create(b, arith::ExtUIOp::create(b, i32, stop),
                                buf.done, r);
      });
    });
  });
}

void speculative::filteredSoftmaxRow(LoopBuilder &b, Value src,
                                     ValueRange prefix, Value dst, Value dstRow,
                                     Value vocab, SamplingAttr sampling) {
  auto at = [&](Value v) {
    SmallVector<Value> indices(prefix);
    indices.push_back(v);
    return indices;
  };
  float invTemperature = 1.0f / sampling.getTemperature().convertToFloat();
  const float negInf = -std::numeric_limits<float>::infinity();
  Value max = b.forLoop(b.index(0), vocab, ValueRange{b.f32(negInf)},
                        [&](Value v, ValueRange m) -> SmallVector<Value> {
                          return {b.maxf(m[0], b.loadF32(src, at(v)))};
                        })[0];
  b.forLoop(b.index(0), vocab, [&](Value v) {
    Value e = b.exp(
        b.mulf(b.subf(b.loadF32(src, at(v)), max), b.f32(invTemperature)));
    memref::StoreOp::create(b, e, dst, ValueRange{dstRow, v});
  });
  Value threshold = samplingThreshold(b, dst, dstRow, vocab, sampling.getTopK(),
                                      sampling.getTopP().convertToFloat());
  Value total = keptMass(b, dst, dstRow, vocab, threshold, threshold);
  b.forLoop(b.index(0), vocab, [&](Value v) {
    Value e = memref::LoadOp::create(b, dst, ValueRange{dstRow, v});
    Value kept =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, e, threshold);
    memref::StoreOp::create(b, b.select(kept, b.divf(e, total), b.f32(0.0f)),
                            dst, ValueRange{dstRow, v});
  });
}
