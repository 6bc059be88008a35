//===- ParallelLoops.cpp - parallel loops on seqrt's thread pool ----------===//
//
// This file implements seq-outline-parallel-loops, which outlines every
// outermost scf.parallel into a body function over a linear iteration
// range, and seq-lower-parallel-calls, which turns the calls of those
// bodies into calls of seqrt's thread pool with a context struct.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQOUTLINEPARALLELLOOPS
#define GEN_PASS_DEF_SEQLOWERPARALLELCALLS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

/// The smallest chunk of iterations the pool hands out; the pool cuts
/// larger loops into a few chunks per thread (seqrt ThreadPool.h).
static constexpr int64_t kGrain = 1;

/// Outlines `loop` (in `func`) into `@<kParallelBodyPrefix><index>` and
/// replaces it with a call of it over [0, product of trip counts).
static void outlineLoop(scf::ParallelOp loop, ModuleOp module, int64_t index) {
  Location loc = loop.getLoc();
  MLIRContext *context = module.getContext();
  Type indexType = IndexType::get(context);
  Type i64Type = IntegerType::get(context, 64);

  // Values from above: constants are cloned into the body, the rest passed.
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(loop.getRegion(), above);
  SmallVector<Value> captured, constants;
  for (Value value : above) {
    Operation *def = value.getDefiningOp();
    if (def && def->getNumResults() == 1 && def->getNumOperands() == 0 &&
        matchPattern(value, m_Constant()))
      constants.push_back(value);
    else
      captured.push_back(value);
  }

  // The trip count of every dimension: ceil(max(ub - lb, 0) / step),
  // folded when the bounds are constants.
  OpBuilder builder(loop);
  unsigned rank = loop.getNumLoops();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  SmallVector<Value> counts;
  Value total;
  for (unsigned d = 0; d < rank; ++d) {
    Value lb = loop.getLowerBound()[d], ub = loop.getUpperBound()[d];
    Value step = loop.getStep()[d];
    std::optional<int64_t> lbConst = getConstantIntValue(lb);
    std::optional<int64_t> ubConst = getConstantIntValue(ub);
    std::optional<int64_t> stepConst = getConstantIntValue(step);
    Value count;
    if (lbConst && ubConst && stepConst && *stepConst > 0) {
      int64_t extent = std::max<int64_t>(*ubConst - *lbConst, 0);
      count = arith::ConstantIndexOp::create(
          builder, loc, llvm::divideCeil(extent, *stepConst));
    } else {
      Value extent = arith::SubIOp::create(builder, loc, ub, lb);
      extent = arith::MaxSIOp::create(builder, loc, extent, zero);
      count = arith::CeilDivSIOp::create(builder, loc, extent, step);
    }
    counts.push_back(count);
    total = total
                ? arith::MulIOp::create(builder, loc, total, count).getResult()
                : count;
  }

  // The bounds the body needs: constants are rebuilt in it, the rest
  // passed after the captured values.
  SmallVector<Value> loopValues(loop.getLowerBound());
  llvm::append_range(loopValues, loop.getStep());
  if (rank > 1)
    llvm::append_range(loopValues, counts);
  SmallVector<Value> operands(captured);
  SmallVector<int64_t> argIndex;
  for (Value value : loopValues) {
    if (getConstantIntValue(value)) {
      argIndex.push_back(-1);
      continue;
    }
    argIndex.push_back(operands.size());
    operands.push_back(value);
  }
  operands.push_back(
      arith::ConstantIntOp::create(builder, loc, i64Type, kGrain));
  operands.push_back(zero);
  operands.push_back(total);

  // The body function.
  SmallVector<Type> types;
  for (Value operand : operands)
    types.push_back(operand.getType());
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  std::string name = (seq::kParallelBodyPrefix + Twine(index)).str();
  auto body = func::FuncOp::create(moduleBuilder, loc, name,
                                   FunctionType::get(context, types, {}));
  body.setPrivate();
  Block *entry = body.addEntryBlock();
  OpBuilder inner = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  for (Value value : constants)
    mapping.map(value, inner.clone(*value.getDefiningOp())->getResult(0));
  ValueRange args = entry->getArguments();
  for (auto [value, arg] : llvm::zip(captured, args))
    mapping.map(value, arg);
  SmallVector<Value> inBody;
  for (auto [value, at] : llvm::zip(loopValues, argIndex))
    inBody.push_back(at >= 0 ? args[at]
                             : arith::ConstantIndexOp::create(
                                   inner, loc, *getConstantIntValue(value))
                                   .getResult());
  ArrayRef<Value> lbs = ArrayRef<Value>(inBody).slice(0, rank);
  ArrayRef<Value> steps = ArrayRef<Value>(inBody).slice(rank, rank);
  ArrayRef<Value> sizes = rank > 1
                              ? ArrayRef<Value>(inBody).slice(2 * rank, rank)
                              : ArrayRef<Value>();
  Value lo = args[args.size() - 2], hi = args[args.size() - 1];
  scf::ForOp forOp;
  if (rank == 1) {
    // lb + lo * step to lb + hi * step, by step.
    auto scaled = [&](Value i) -> Value {
      return arith::AddIOp::create(
          inner, loc, lbs[0], arith::MulIOp::create(inner, loc, i, steps[0]));
    };
    Value from = scaled(lo), to = scaled(hi);
    forOp = scf::ForOp::create(inner, loc, from, to, steps[0]);
    inner.setInsertionPointToStart(forOp.getBody());
    mapping.map(loop.getInductionVars()[0], forOp.getInductionVar());
  } else {
    // Row-major: the last dimension varies fastest.
    Value one = arith::ConstantIndexOp::create(inner, loc, 1);
    forOp = scf::ForOp::create(inner, loc, lo, hi, one);
    inner.setInsertionPointToStart(forOp.getBody());
    Value rest = forOp.getInductionVar();
    for (unsigned d = rank; d-- > 0;) {
      Value position =
          d == 0
              ? rest
              : arith::RemUIOp::create(inner, loc, rest, sizes[d]).getResult();
      if (d > 0)
        rest = arith::DivUIOp::create(inner, loc, rest, sizes[d]);
      Value iv = arith::AddIOp::create(
          inner, loc, lbs[d],
          arith::MulIOp::create(inner, loc, position, steps[d]));
      mapping.map(loop.getInductionVars()[d], iv);
    }
  }
  for (Operation &op : loop.getBody()->without_terminator())
    inner.clone(op, mapping);
  inner.setInsertionPointAfter(forOp);
  func::ReturnOp::create(inner, loc);

  func::CallOp::create(builder, loc, body, operands);
  loop.erase();
}

/// Turns the call `call` of an outlined body into a call of the pool.
static void lowerCall(LLVM::CallOp call, LLVM::LLVMFuncOp body,
                      LLVM::GlobalOp parallelFor) {
  MLIRContext *context = call.getContext();
  Location loc = call.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto i32Type = IntegerType::get(context, 32);
  auto i64Type = IntegerType::get(context, 64);
  auto voidType = LLVM::LLVMVoidType::get(context);

  // Operands: fields (captured values, grain), lo, hi, status slot.
  ValueRange operands = call.getArgOperands();
  ValueRange fields = operands.drop_back(3);
  Value grain = fields.back();
  Value lo = operands[operands.size() - 3];
  Value hi = operands[operands.size() - 2];
  Value slot = operands.back();
  SmallVector<Type> fieldTypes;
  for (Value field : fields)
    fieldTypes.push_back(field.getType());
  auto structType = LLVM::LLVMStructType::getLiteral(context, fieldTypes);

  // `<body>_run(ptr context, i64 lo, i64 hi, ptr slot)`.
  OpBuilder builder(body);
  builder.setInsertionPointAfter(body);
  auto run = LLVM::LLVMFuncOp::create(
      builder, loc, (body.getSymName() + "_run").str(),
      LLVM::LLVMFunctionType::get(voidType,
                                  {ptrType, i64Type, i64Type, ptrType}),
      LLVM::Linkage::Internal);
  Block *entry = run.addEntryBlock(builder);
  builder.setInsertionPointToStart(entry);
  SmallVector<Value> args;
  for (auto [i, type] : llvm::enumerate(fieldTypes)) {
    Value address = LLVM::GEPOp::create(
        builder, loc, ptrType, structType, entry->getArgument(0),
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(builder, loc, type, address));
  }
  args.append(
      {entry->getArgument(1), entry->getArgument(2), entry->getArgument(3)});
  LLVM::CallOp::create(builder, loc, body, args);
  LLVM::ReturnOp::create(builder, loc, ValueRange{});

  // The context on the caller's stack (in its entry block, so that a call
  // in a loop reuses it).
  auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
  builder.setInsertionPointToStart(&caller.getBody().front());
  Value count = LLVM::ConstantOp::create(builder, loc, i32Type,
                                         builder.getI32IntegerAttr(1));
  Value contextPtr =
      LLVM::AllocaOp::create(builder, loc, ptrType, structType, count);
  builder.setInsertionPoint(call);
  for (auto [i, field] : llvm::enumerate(fields)) {
    Value address =
        LLVM::GEPOp::create(builder, loc, ptrType, structType, contextPtr,
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    LLVM::StoreOp::create(builder, loc, field, address);
  }
  Value pointerAddress = LLVM::AddressOfOp::create(builder, loc, parallelFor);
  Value pool = LLVM::LoadOp::create(builder, loc, ptrType, pointerAddress);
  Value runAddress = LLVM::AddressOfOp::create(builder, loc, run);
  auto poolType = LLVM::LLVMFunctionType::get(
      voidType, {ptrType, ptrType, i64Type, i64Type, i64Type, ptrType});
  // A loader that did not set the pointer (a runtime older than the pool,
  // or code called outside seqrt) gets the whole range on the calling
  // thread instead of a call through null.
  Block *before = call->getBlock();
  Block *after = before->splitBlock(call);
  Block *viaPool = builder.createBlock(after);
  Block *serial = builder.createBlock(after);
  builder.setInsertionPointToEnd(before);
  Value null = LLVM::ZeroOp::create(builder, loc, ptrType);
  Value isSet = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::ne,
                                     pool, null);
  LLVM::CondBrOp::create(builder, loc, isSet, viaPool, serial);
  builder.setInsertionPointToEnd(viaPool);
  LLVM::CallOp::create(
      builder, loc, poolType,
      ValueRange{pool, runAddress, contextPtr, lo, hi, grain, slot});
  LLVM::BrOp::create(builder, loc, after);
  builder.setInsertionPointToEnd(serial);
  LLVM::CallOp::create(builder, loc, run, ValueRange{contextPtr, lo, hi, slot});
  LLVM::BrOp::create(builder, loc, after);
  call.erase();
}

namespace mlir {
namespace seq {
namespace {
struct SeqOutlineParallelLoopsPass
    : public impl::SeqOutlineParallelLoopsBase<SeqOutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> loops;
    for (auto func : module.getOps<func::FuncOp>())
      func.walk([&](scf::ParallelOp loop) {
        if (loop.getNumResults() == 0 &&
            !loop->getParentOfType<scf::ParallelOp>())
          loops.push_back(loop);
      });
    int64_t index = 0;
    for (scf::ParallelOp loop : loops) {
      while (
          module.lookupSymbol((seq::kParallelBodyPrefix + Twine(index)).str()))
        ++index;
      outlineLoop(loop, module, index++);
    }
  }
};

struct SeqLowerParallelCallsPass
    : public impl::SeqLowerParallelCallsBase<SeqLowerParallelCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<LLVM::CallOp, LLVM::LLVMFuncOp>> calls;
    module.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      if (!callee || !callee->starts_with(seq::kParallelBodyPrefix))
        return;
      auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(*callee);
      if (body && !body.isExternal())
        calls.emplace_back(call, body);
    });
    if (calls.empty())
      return;
    for (auto [call, body] : calls) {
      // Captured values and grain, lo, hi, the status slot.
      if (call.getArgOperands().size() < 4) {
        call.emitError("a call of an outlined parallel loop needs its "
                       "grain, range and status slot");
        return signalPassFailure();
      }
    }
    // `void *__seq_parallel_for`, set by the loader.
    auto ptrType = LLVM::LLVMPointerType::get(&getContext());
    auto parallelFor =
        module.lookupSymbol<LLVM::GlobalOp>(seqrt::abi::kParallelFor);
    if (!parallelFor) {
      OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
      parallelFor = LLVM::GlobalOp::create(
          builder, module.getLoc(), ptrType, /*isConstant=*/false,
          LLVM::Linkage::External, seqrt::abi::kParallelFor,
          /*value=*/Attribute(), /*alignment=*/8);
      Block *init = builder.createBlock(&parallelFor.getInitializerRegion());
      builder.setInsertionPointToStart(init);
      Value null = LLVM::ZeroOp::create(builder, module.getLoc(), ptrType);
      LLVM::ReturnOp::create(builder, module.getLoc(), null);
    }
    for (auto [call, body] : calls)
      lowerCall(call, body, parallelFor);
  }
};
} // namespace
} // namespace seq
} // namespace mlir
