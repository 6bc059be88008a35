//===- LowerChecks.cpp - failed compiled-in checks into the status -------===//
//
// This file implements seq-lower-checks: the failure paths of the checks
// `seqc --bounds-checks` (upstream runtime verification's cf.assert) and
// `seqc --check-numerics` (calls of `seq.check_message` declarations)
// compile in become reports in the call's status slot with a message,
// instead of `abort` (docs/design/Artifact.md).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"
#include "seqc/Transforms/CheckReport.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQLOWERCHECKS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

/// Declares `name` with `type` unless the module has it.
static LLVM::LLVMFuncOp declareFunction(ModuleOp module, StringRef name,
                                        LLVM::LLVMFunctionType type) {
  if (auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return func;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(builder, module.getLoc(), name, type);
}

/// The one-line message of an upstream runtime-verification assertion,
/// "ERROR: Runtime op verification failed\n<op>\n^ <reason>\nLocation:
/// loc(<location>)": "<reason>: <op> at <location>", the op cut so that the
/// whole fits the status record.
static std::string assertionMessage(StringRef text) {
  SmallVector<StringRef> lines;
  text.split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::string reason, op, location;
  for (StringRef line : lines) {
    line = line.trim();
    if (line.consume_front("^ "))
      reason = line.str();
    else if (line.consume_front("Location: "))
      location = line.str();
    else if (!line.starts_with("ERROR: Runtime op verification failed"))
      op = op.empty() ? line.str() : op;
  }
  if (reason.empty())
    return text.str();
  if (StringRef(location).consume_front("loc(") && !location.empty() &&
      location.back() == ')')
    location = location.substr(4, location.size() - 5);
  // Room for the reason and location first; the op text is what is cut.
  size_t budget = seqrt::abi::kStatusMessageBytes - 1;
  size_t fixed = reason.size() + location.size() + 8;
  if (op.size() + fixed > budget)
    op = fixed + 3 < budget ? op.substr(0, budget - fixed - 3) + "..." : "";
  std::string message = reason;
  if (!op.empty())
    message += ": " + op;
  if (!location.empty())
    message += " at " + location;
  return message;
}

namespace {
/// Builds the failure paths of one module.
class CheckLowering {
public:
  explicit CheckLowering(ModuleOp module)
      : module(module), context(module.getContext()),
        ptrType(LLVM::LLVMPointerType::get(context)),
        i8Type(IntegerType::get(context, 8)),
        i32Type(IntegerType::get(context, 32)),
        i64Type(IntegerType::get(context, 64)) {}

  /// `cf.assert %ok, "..."`: on failure, code 6 and the message, then
  /// leave (longjmp, skip the OpenMP iteration or the pool's chunk, or
  /// abort).
  void lowerAssert(cf::AssertOp assertOp) {
    Location loc = assertOp.getLoc();
    Block *before = assertOp->getBlock();
    Block *after = before->splitBlock(assertOp->getNextNode());
    Block *fail = newBlockBefore(after);
    OpBuilder builder = OpBuilder::atBlockEnd(before);
    LLVM::CondBrOp::create(builder, loc, assertOp.getArg(), after, fail);
    std::string text = assertionMessage(assertOp.getMsg());
    bool reported = assertOp->hasAttr(seq::kCheckLeaveAttr);
    assertOp.erase();
    builder.setInsertionPointToStart(fail);
    Value status = statusAddress(builder, loc);
    if (reported) {
      // A check report before it stored the code and the message.
      leaveFailedCode(builder, loc, status);
      return;
    }
    Value code = constantI32(builder, loc, seqrt::abi::kCodeCheckFailed);
    Value old =
        LLVM::AtomicRMWOp::create(builder, loc, LLVM::AtomicBinOp::xchg, status,
                                  code, LLVM::AtomicOrdering::seq_cst);
    Value first =
        LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::ne, old, code);
    Block *leave = newBlockBefore(after);
    Block *write = newBlockBefore(leave);
    LLVM::CondBrOp::create(builder, loc, first, write, leave);
    builder.setInsertionPointToStart(write);
    formatMessage(builder, loc, status, constantString(builder, loc, "%s"),
                  {constantString(builder, loc, text)});
    LLVM::BrOp::create(builder, loc, leave);
    builder.setInsertionPointToStart(leave);
    leaveFailedCode(builder, loc, status);
  }

  /// A call of a declaration with `seq.check_message`: the code (unless
  /// the call failed already) and the message formatted with the call's
  /// operands; the code then goes on.
  void lowerReport(Operation *call, Operation *callee) {
    Location loc = call->getLoc();
    auto format = callee->getAttrOfType<StringAttr>(kMessageAttr);
    auto codeAttr = callee->getAttrOfType<IntegerAttr>(kCodeAttr);
    Block *before = call->getBlock();
    Block *after = before->splitBlock(call->getNextNode());
    OpBuilder builder = OpBuilder::atBlockEnd(before);
    Value status = statusAddress(builder, loc);
    Value zero = constantI32(builder, loc, 0);
    Value code = constantI32(builder, loc, codeAttr ? codeAttr.getInt() : 0);
    Value pair = LLVM::AtomicCmpXchgOp::create(builder, loc, status, zero, code,
                                               LLVM::AtomicOrdering::seq_cst,
                                               LLVM::AtomicOrdering::seq_cst);
    Value first =
        LLVM::ExtractValueOp::create(builder, loc, pair, ArrayRef<int64_t>{1});
    Block *write = newBlockBefore(after);
    LLVM::CondBrOp::create(builder, loc, first, write, after);
    builder.setInsertionPointToStart(write);
    // Variadic arguments: floats travel as doubles, integers as they are.
    SmallVector<Value> values;
    for (Value operand : call->getOperands()) {
      if (isa<FloatType>(operand.getType()))
        operand = LLVM::FPExtOp::create(builder, loc, Float64Type::get(context),
                                        operand);
      values.push_back(operand);
    }
    formatMessage(builder, loc, status,
                  constantString(builder, loc, format.getValue()), values);
    LLVM::BrOp::create(builder, loc, after);
    call->erase();
  }

  static constexpr StringLiteral kMessageAttr = "seq.check_message";
  static constexpr StringLiteral kCodeAttr = "seq.check_code";

private:
  Block *newBlockBefore(Block *next) {
    Block *block = new Block();
    next->getParent()->getBlocks().insert(next->getIterator(), block);
    return block;
  }

  Value constantI32(OpBuilder &builder, Location loc, int64_t value) {
    return LLVM::ConstantOp::create(builder, loc, i32Type,
                                    builder.getI32IntegerAttr(value));
  }

  /// The address of a NUL-terminated constant holding `text`.
  Value constantString(OpBuilder &builder, Location loc, StringRef text) {
    std::string bytes = text.str() + '\0';
    auto it = strings.find(bytes);
    if (it == strings.end()) {
      OpBuilder global = OpBuilder::atBlockEnd(module.getBody());
      auto type = LLVM::LLVMArrayType::get(i8Type, bytes.size());
      std::string name = "__seq_check_text_" + std::to_string(strings.size());
      LLVM::GlobalOp::create(global, module.getLoc(), type,
                             /*isConstant=*/true, LLVM::Linkage::Internal, name,
                             global.getStringAttr(bytes));
      it = strings.try_emplace(bytes, name).first;
    }
    return LLVM::AddressOfOp::create(builder, loc, ptrType, it->second);
  }

  /// The call's status slot: the `__seq_status` global, which
  /// seq-cpu-entry-points replaces with each function's slot parameter.
  Value statusAddress(OpBuilder &builder, Location loc) {
    if (!module.lookupSymbol(seqrt::abi::kStatusGlobal)) {
      OpBuilder global = OpBuilder::atBlockBegin(module.getBody());
      LLVM::GlobalOp::create(global, module.getLoc(), i32Type,
                             /*isConstant=*/false, LLVM::Linkage::Internal,
                             seqrt::abi::kStatusGlobal,
                             global.getI32IntegerAttr(0));
    }
    return LLVM::AddressOfOp::create(builder, loc, ptrType,
                                     seqrt::abi::kStatusGlobal);
  }

  Value slotField(OpBuilder &builder, Location loc, Value status,
                  int64_t offset) {
    return LLVM::GEPOp::create(
        builder, loc, ptrType, i8Type, status,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(offset)});
  }

  /// snprintf(message field of the call context, size, format, values...).
  void formatMessage(OpBuilder &builder, Location loc, Value status,
                     Value format, ArrayRef<Value> values) {
    LLVM::LLVMFuncOp snprintf = declareFunction(
        module, "snprintf",
        LLVM::LLVMFunctionType::get(i32Type, {ptrType, i64Type, ptrType},
                                    /*isVarArg=*/true));
    SmallVector<Value> args{
        slotField(builder, loc, status, seq::kCallContextMessageOffset),
        LLVM::ConstantOp::create(
            builder, loc, i64Type,
            builder.getI64IntegerAttr(seqrt::abi::kStatusMessageBytes)),
        format};
    args.append(values.begin(), values.end());
    LLVM::CallOp::create(builder, loc, snprintf, args);
  }

  /// Leaves code whose bounds check failed without touching the access.
  void leaveFailedCode(OpBuilder &builder, Location loc, Value status) {
    Operation *parallel = nullptr;
    for (Operation *op = builder.getInsertionBlock()->getParentOp();
         op && !isa<FunctionOpInterface>(op); op = op->getParentOp())
      if (isa<omp::OpenMPDialect>(op->getDialect())) {
        parallel = op;
        break;
      }
    Operation *owner = builder.getInsertionBlock()->getParentOp();
    auto func = dyn_cast<FunctionOpInterface>(owner);
    if (!func)
      func = owner->getParentOfType<FunctionOpInterface>();
    if (!parallel && func &&
        func.getName().starts_with(seq::kParallelBodyPrefix)) {
      // A chunk of a loop on seqrt's pool (seq-outline-parallel-loops):
      // the rest of the chunk is skipped.
      func::ReturnOp::create(builder, loc);
      return;
    }
    if (!parallel) {
      // Back to the packed wrapper's setjmp (seq-cpu-entry-points).
      LLVM::LLVMFuncOp longjmp = declareFunction(
          module, "longjmp",
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                      {ptrType, i32Type}));
      longjmp.setPassthroughAttr(
          builder.getArrayAttr({builder.getStringAttr("noreturn")}));
      LLVM::CallOp::create(builder, loc, longjmp,
                           ValueRange{slotField(builder, loc, status,
                                                seq::kCallContextJmpBufOffset),
                                      constantI32(builder, loc, 1)});
      LLVM::UnreachableOp::create(builder, loc);
      return;
    }
    if (auto loop = dyn_cast<omp::LoopNestOp>(parallel)) {
      // The rest of this iteration is skipped; the tile's stack scratch
      // (seq-scope-tile-allocas) is released as at its end.
      for (Operation &op : loop.getRegion().front())
        if (auto save = dyn_cast<LLVM::StackSaveOp>(op)) {
          LLVM::StackRestoreOp::create(builder, loc, save.getResult());
          break;
        }
      omp::YieldOp::create(builder, loc, ValueRange{});
      return;
    }
    // Elsewhere in a parallel region no thread can leave alone without
    // stalling the others at a barrier: report and end the process.
    LLVM::LLVMFuncOp puts = declareFunction(
        module, "puts", LLVM::LLVMFunctionType::get(i32Type, {ptrType}));
    LLVM::CallOp::create(builder, loc, puts,
                         ValueRange{slotField(builder, loc, status,
                                              seq::kCallContextMessageOffset)});
    LLVM::LLVMFuncOp abort = declareFunction(
        module, "abort",
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), {}));
    LLVM::CallOp::create(builder, loc, abort, ValueRange{});
    LLVM::UnreachableOp::create(builder, loc);
  }

  ModuleOp module;
  MLIRContext *context;
  Type ptrType, i8Type, i32Type, i64Type;
  llvm::StringMap<std::string> strings;
};

struct SeqLowerChecksPass
    : public seq::impl::SeqLowerChecksBase<SeqLowerChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<cf::AssertOp> asserts;
    SmallVector<std::pair<Operation *, Operation *>> reports;
    module.walk([&](Operation *op) {
      if (auto assertOp = dyn_cast<cf::AssertOp>(op)) {
        asserts.push_back(assertOp);
      } else if (auto call = dyn_cast<CallOpInterface>(op)) {
        auto name = llvm::dyn_cast_if_present<SymbolRefAttr>(
            call.getCallableForCallee());
        Operation *callee =
            name ? module.lookupSymbol(name.getRootReference()) : nullptr;
        if (callee && callee->hasAttr(CheckLowering::kMessageAttr))
          reports.emplace_back(op, callee);
      }
    });
    if (asserts.empty() && reports.empty())
      return;
    CheckLowering lowering(module);
    for (cf::AssertOp assertOp : asserts)
      lowering.lowerAssert(assertOp);
    for (auto [call, callee] : reports)
      lowering.lowerReport(call, callee);
    for (auto func : llvm::to_vector(module.getOps<FunctionOpInterface>()))
      if (func.isExternal() && func->hasAttr(CheckLowering::kMessageAttr))
        func->erase();
    module->setAttr(seq::kStatusMessagesAttr, UnitAttr::get(&getContext()));
  }
};
} // namespace
