//===- EntryPoints.cpp - the artifact ABI on an LLVM-dialect module -------===//
//
// This file implements seq-mark-entry-points and seq-cpu-entry-points (see
// docs/design/Artifact.md for the ABI they establish), and
// seq-lower-memref-copies, which keeps artifacts free of MLIR's runtime
// libraries.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include <cstddef>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQMARKENTRYPOINTS
#define GEN_PASS_DEF_SEQCPUENTRYPOINTS
#define GEN_PASS_DEF_SEQLOWERMEMREFCOPIES
#define GEN_PASS_DEF_SEQINPLACERESULTS
#include "seqc/Target/CPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

static constexpr llvm::StringLiteral kCInterfacePrefix = "_mlir_ciface_";
static constexpr llvm::StringLiteral kPackedPrefix = seqrt::abi::kPackedPrefix;
static constexpr llvm::StringLiteral kParamPrefix = seqrt::abi::kParamPrefix;
/// What seq-mark-entry-points prefixes every defined function's name with,
/// so that no name of the module's own (an entry `malloc`) collides with a
/// function the lowering declares (`malloc`, `free`, `memcpy`).
static constexpr llvm::StringLiteral kFunctionPrefix = "__seq_fn_";

/// Makes the status of generated code per call: every defined function
/// gets a trailing `ptr` parameter, the caller's status slot; every call of
/// one passes its caller's; and the `__seq_status` global the lowerings
/// store to becomes that parameter (also inside parallel regions, which
/// capture it). Overlapping calls on one artifact then each report their
/// own status.
static void threadStatusSlot(ModuleOp module) {
  MLIRContext *context = module.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  SmallVector<LLVM::LLVMFuncOp> defined;
  llvm::StringSet<> names;
  for (auto func : module.getOps<LLVM::LLVMFuncOp>())
    if (!func.isExternal()) {
      defined.push_back(func);
      names.insert(func.getSymName());
    }
  auto emptyDict = DictionaryAttr::get(context);
  for (LLVM::LLVMFuncOp func : defined) {
    LLVM::LLVMFunctionType type = func.getFunctionType();
    SmallVector<Type> params(type.getParams());
    params.push_back(ptrType);
    func.setFunctionType(LLVM::LLVMFunctionType::get(type.getReturnType(),
                                                     params, type.isVarArg()));
    func.getBody().front().addArgument(ptrType, func.getLoc());
    if (ArrayAttr argAttrs = func.getArgAttrsAttr()) {
      SmallVector<Attribute> attrs(argAttrs.begin(), argAttrs.end());
      attrs.push_back(emptyDict);
      func.setArgAttrsAttr(ArrayAttr::get(context, attrs));
    }
  }
  for (LLVM::LLVMFuncOp func : defined) {
    Value slot = func.getArguments().back();
    SmallVector<LLVM::AddressOfOp> statusUses;
    func.walk([&](Operation *op) {
      if (auto call = dyn_cast<LLVM::CallOp>(op)) {
        std::optional<StringRef> callee = call.getCallee();
        if (!callee || !names.contains(*callee))
          return;
        call.getCalleeOperandsMutable().append(slot);
        if (ArrayAttr argAttrs = call.getArgAttrsAttr()) {
          SmallVector<Attribute> attrs(argAttrs.begin(), argAttrs.end());
          attrs.push_back(emptyDict);
          call.setArgAttrsAttr(ArrayAttr::get(context, attrs));
        }
      } else if (auto addressOf = dyn_cast<LLVM::AddressOfOp>(op)) {
        if (addressOf.getGlobalName() == seqrt::abi::kStatusGlobal)
          statusUses.push_back(addressOf);
      }
    });
    for (LLVM::AddressOfOp addressOf : statusUses) {
      addressOf.replaceAllUsesWith(slot);
      addressOf.erase();
    }
  }
  if (auto global =
          module.lookupSymbol<LLVM::GlobalOp>(seqrt::abi::kStatusGlobal))
    global.erase();
}

static constexpr int64_t kJmpBufOffset = seq::kCallContextJmpBufOffset;

/// Declares `name` (if needed) with `type` and the given function attributes.
static LLVM::LLVMFuncOp declare(ModuleOp module, StringRef name,
                                LLVM::LLVMFunctionType type,
                                ArrayRef<StringRef> attributes) {
  if (auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return func;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  auto func = LLVM::LLVMFuncOp::create(builder, module.getLoc(), name, type);
  SmallVector<Attribute> passthrough;
  for (StringRef attribute : attributes)
    passthrough.push_back(builder.getStringAttr(attribute));
  if (!passthrough.empty())
    func.setPassthroughAttr(builder.getArrayAttr(passthrough));
  return func;
}

/// The innermost OpenMP op around `op` inside its function, or null.
static Operation *enclosingOpenMPOp(Operation *op) {
  for (Operation *parent = op->getParentOp();
       parent && !isa<LLVM::LLVMFuncOp>(parent); parent = parent->getParentOp())
    if (parent->getDialect() && parent->getDialect()->getNamespace() == "omp")
      return parent;
  return nullptr;
}

/// Stores `code` (SEQRT_CODE_OUT_OF_MEMORY) in the status `slot` unless a
/// report came first (threads may fail together: compare-and-swap), with
/// the message "allocation of N bytes failed (<function>)" in the call
/// context; leaves `builder` after it.
static void reportAllocationFailure(OpBuilder &builder, LLVM::CallOp call,
                                    Value slot, Value code) {
  Location loc = call.getLoc();
  auto module = call->getParentOfType<ModuleOp>();
  MLIRContext *context = builder.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto i8Type = builder.getI8Type(), i32Type = builder.getI32Type();
  auto i64Type = builder.getI64Type();
  // The requested size: malloc(n), aligned_alloc(a, n), calloc(n, size),
  // realloc(p, n).
  StringRef callee = *call.getCallee();
  ValueRange args = call.getArgOperands();
  Value bytes =
      callee == "malloc" ? args[0]
      : callee == "calloc"
          ? LLVM::MulOp::create(builder, loc, args[0], args[1]).getResult()
          : args[1];
  if (bytes.getType() != i64Type)
    bytes = LLVM::ZExtOp::create(builder, loc, i64Type, bytes);
  Value zero = LLVM::ConstantOp::create(builder, loc, i32Type,
                                        builder.getI32IntegerAttr(0));
  Value pair = LLVM::AtomicCmpXchgOp::create(builder, loc, slot, zero, code,
                                             LLVM::AtomicOrdering::seq_cst,
                                             LLVM::AtomicOrdering::seq_cst);
  Value first =
      LLVM::ExtractValueOp::create(builder, loc, pair, ArrayRef<int64_t>{1});
  Block *before = builder.getInsertionBlock();
  Block *after = before->splitBlock(builder.getInsertionPoint());
  Block *write = new Block();
  before->getParent()->getBlocks().insert(after->getIterator(), write);
  LLVM::CondBrOp::create(builder, loc, first, write, after);
  builder.setInsertionPointToStart(write);
  std::string text =
      ("allocation of %lu bytes failed (" + callee + ")").str() + '\0';
  std::string name = ("__seq_oom_format_" + callee).str();
  if (!module.lookupSymbol(name)) {
    OpBuilder global = OpBuilder::atBlockEnd(module.getBody());
    LLVM::GlobalOp::create(global, loc,
                           LLVM::LLVMArrayType::get(i8Type, text.size()),
                           /*isConstant=*/true, LLVM::Linkage::Internal, name,
                           global.getStringAttr(text));
  }
  LLVM::LLVMFuncOp snprintf =
      declare(module, "snprintf",
              LLVM::LLVMFunctionType::get(i32Type, {ptrType, i64Type, ptrType},
                                          /*isVarArg=*/true),
              {});
  Value message =
      LLVM::GEPOp::create(builder, loc, ptrType, i8Type, slot,
                          ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(
                              seq::kCallContextMessageOffset)});
  Value size = LLVM::ConstantOp::create(
      builder, loc, i64Type,
      builder.getI64IntegerAttr(seqrt::abi::kStatusMessageBytes));
  Value format = LLVM::AddressOfOp::create(builder, loc, ptrType, name);
  LLVM::CallOp::create(builder, loc, snprintf,
                       ValueRange{message, size, format, bytes});
  LLVM::BrOp::create(builder, loc, after);
  builder.setInsertionPointToStart(after);
}

/// A failed heap allocation in generated code is reported, never
/// dereferenced: after every call of `malloc` (or `aligned_alloc`,
/// `calloc`, `realloc`), a null result stores SEQRT_CODE_OUT_OF_MEMORY in
/// the call's status and leaves. Outside parallel regions it `longjmp`s
/// back to the packed wrapper, which returns (memory the call had
/// allocated before is not freed). A worker thread cannot jump to the
/// caller: in the body of an OpenMP loop it skips the rest of that
/// iteration (releasing the tile's stack scratch), in a loop body on
/// seqrt's pool it returns (ending the chunk), so the call ends with the
/// status and no thread touches the null buffer; elsewhere in a
/// parallel region (where skipping would stall the other threads at a
/// barrier) it reports on stderr and aborts. The lowerings allocate tile
/// scratch on the stack, so code built by seqc has no such allocations;
/// the checks are there for code that does.
static void checkAllocations(ModuleOp module) {
  MLIRContext *context = module.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto i32Type = IntegerType::get(context, 32);
  auto i8Type = IntegerType::get(context, 8);
  SmallVector<LLVM::CallOp> calls;
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (func.isExternal())
      continue;
    func.walk([&](LLVM::CallOp call) {
      std::optional<StringRef> callee = call.getCallee();
      if (!callee || call.getNumResults() != 1 ||
          !llvm::is_contained({"malloc", "aligned_alloc", "calloc", "realloc"},
                              *callee))
        return;
      calls.push_back(call);
    });
  }
  if (calls.empty())
    return;
  module->setAttr(seq::kStatusMessagesAttr, UnitAttr::get(context));
  LLVM::LLVMFuncOp longjmp =
      declare(module, "longjmp",
              LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                          {ptrType, i32Type}),
              {"noreturn"});
  for (LLVM::CallOp call : calls) {
    auto func = call->getParentOfType<LLVM::LLVMFuncOp>();
    Value slot = func.getArguments().back();
    Location loc = call.getLoc();
    Block *before = call->getBlock();
    Block *after = before->splitBlock(call->getNextNode());
    Block *fail = new Block();
    before->getParent()->getBlocks().insert(after->getIterator(), fail);
    OpBuilder builder = OpBuilder::atBlockEnd(before);
    Value null = LLVM::ZeroOp::create(builder, loc, ptrType);
    Value isNull = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq,
                                        call.getResult(), null);
    LLVM::CondBrOp::create(builder, loc, isNull, fail, after);
    builder.setInsertionPointToStart(fail);
    Value code = LLVM::ConstantOp::create(
        builder, loc, i32Type,
        builder.getI32IntegerAttr(seqrt::abi::kCodeOutOfMemory));
    reportAllocationFailure(builder, call, slot, code);
    Operation *parallel = enclosingOpenMPOp(call);
    if (!parallel && func.getSymName().starts_with(seq::kParallelBodyPrefix)) {
      // On a pool thread (seq-outline-parallel-loops): end the chunk.
      LLVM::AtomicRMWOp::create(builder, loc, LLVM::AtomicBinOp::xchg, slot,
                                code, LLVM::AtomicOrdering::seq_cst);
      LLVM::ReturnOp::create(builder, loc, ValueRange{});
      continue;
    }
    if (parallel) {
      if (auto loop = dyn_cast<omp::LoopNestOp>(parallel)) {
        for (Operation &op : loop.getRegion().front())
          if (auto save = dyn_cast<LLVM::StackSaveOp>(op)) {
            LLVM::StackRestoreOp::create(builder, loc, save.getResult());
            break;
          }
        omp::YieldOp::create(builder, loc, ValueRange{});
        continue;
      }
      LLVM::LLVMFuncOp puts = declare(
          module, "puts", LLVM::LLVMFunctionType::get(i32Type, {ptrType}), {});
      std::string text = "seqrt: out of memory in a parallel region of "
                         "generated code\0";
      std::string name = "__seq_oom_text";
      if (!module.lookupSymbol(name)) {
        OpBuilder global = OpBuilder::atBlockEnd(module.getBody());
        LLVM::GlobalOp::create(global, loc,
                               LLVM::LLVMArrayType::get(i8Type, text.size()),
                               /*isConstant=*/true, LLVM::Linkage::Internal,
                               name, global.getStringAttr(text));
      }
      Value address = LLVM::AddressOfOp::create(builder, loc, ptrType, name);
      LLVM::CallOp::create(builder, loc, puts, ValueRange{address});
      LLVM::LLVMFuncOp abortFn = declare(
          module, "abort",
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), {}),
          {"noreturn"});
      LLVM::CallOp::create(builder, loc, abortFn, ValueRange{});
      LLVM::UnreachableOp::create(builder, loc);
      continue;
    }
    Value jmpBuf = LLVM::GEPOp::create(
        builder, loc, ptrType, i8Type, slot,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(kJmpBufOffset)});
    Value one = LLVM::ConstantOp::create(builder, loc, i32Type,
                                         builder.getI32IntegerAttr(1));
    LLVM::CallOp::create(builder, loc, longjmp, ValueRange{jmpBuf, one});
    LLVM::UnreachableOp::create(builder, loc);
  }
}

/// Builds `__seq_packed_<name>(ptr args, ptr status)` calling `cinterface`
/// (whose last parameter is the status slot, see threadStatusSlot). The
/// slot it passes down is a call context on its stack (status, jmp_buf,
/// message; CPUTarget.h): `_setjmp` there is where a failed allocation or
/// bounds check returns to (checkAllocations, seq-lower-checks); the
/// context's status is copied to `*status` at the end either way, and in
/// a module with status messages the message after it.
static void buildPackedWrapper(OpBuilder &builder, LLVM::LLVMFuncOp cinterface,
                               StringRef name) {
  Location loc = cinterface.getLoc();
  MLIRContext *context = builder.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto voidType = LLVM::LLVMVoidType::get(context);
  auto wrapper = LLVM::LLVMFuncOp::create(
      builder, loc, (kPackedPrefix + name).str(),
      LLVM::LLVMFunctionType::get(voidType, {ptrType, ptrType}));
  Block *entry = wrapper.addEntryBlock(builder);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(entry);
  auto i8Type = builder.getI8Type(), i32Type = builder.getI32Type();
  auto i64Type = builder.getI64Type();
  Value args = entry->getArgument(0);
  Value status = entry->getArgument(1);
  auto module = cinterface->getParentOfType<ModuleOp>();
  LLVM::LLVMFuncOp setjmp = declare(
      module, "_setjmp", LLVM::LLVMFunctionType::get(i32Type, {ptrType}),
      {"returns_twice"});
  Value bytes = LLVM::ConstantOp::create(
      builder, loc, i64Type, builder.getI64IntegerAttr(seq::kCallContextBytes));
  Value callContext =
      LLVM::AllocaOp::create(builder, loc, ptrType, i8Type, bytes,
                             /*alignment=*/16);
  Value zero = LLVM::ConstantOp::create(builder, loc, i32Type,
                                        builder.getI32IntegerAttr(0));
  LLVM::StoreOp::create(builder, loc, zero, callContext);
  bool messages = module->hasAttr(seq::kStatusMessagesAttr);
  Value message;
  if (messages) {
    message = LLVM::GEPOp::create(builder, loc, ptrType, i8Type, callContext,
                                  ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(
                                      seq::kCallContextMessageOffset)});
    Value nul = LLVM::ConstantOp::create(builder, loc, i8Type,
                                         builder.getI8IntegerAttr(0));
    LLVM::StoreOp::create(builder, loc, nul, message);
  }
  Value jmpBuf = LLVM::GEPOp::create(
      builder, loc, ptrType, i8Type, callContext,
      ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(kJmpBufOffset)});
  Value jumped = LLVM::CallOp::create(builder, loc, setjmp, ValueRange{jmpBuf})
                     .getResult();
  Block *run = &wrapper.getBody().emplaceBlock();
  Block *done = &wrapper.getBody().emplaceBlock();
  LLVM::CondBrOp::create(
      builder, loc,
      LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq, jumped, zero),
      run, done);
  builder.setInsertionPointToStart(run);
  SmallVector<Value> callArgs;
  for (auto [index, type] :
       llvm::enumerate(cinterface.getFunctionType().getParams().drop_back())) {
    Value slot = LLVM::GEPOp::create(
        builder, loc, ptrType, ptrType, args,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    Value pointer = LLVM::LoadOp::create(builder, loc, ptrType, slot);
    callArgs.push_back(
        isa<LLVM::LLVMPointerType>(type)
            ? pointer
            : LLVM::LoadOp::create(builder, loc, type, pointer).getResult());
  }
  callArgs.push_back(callContext);
  LLVM::CallOp::create(builder, loc, cinterface, callArgs);
  LLVM::BrOp::create(builder, loc, done);
  builder.setInsertionPointToStart(done);
  Value code = LLVM::LoadOp::create(builder, loc, i32Type, callContext);
  LLVM::StoreOp::create(builder, loc, code, status);
  if (messages) {
    // The message follows the code in the caller's StatusRecord.
    Value field =
        LLVM::GEPOp::create(builder, loc, ptrType, i8Type, status,
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(
                                offsetof(seqrt::abi::StatusRecord, message))});
    Value size = LLVM::ConstantOp::create(
        builder, loc, i64Type,
        builder.getI64IntegerAttr(seqrt::abi::kStatusMessageBytes));
    LLVM::MemcpyOp::create(builder, loc, field, message, size,
                           /*isVolatile=*/false);
  }
  LLVM::ReturnOp::create(builder, loc, ValueRange{});
}

/// Turns the storage global of a parameter into a pointer the runtime sets,
/// and every use of its address (`uses`, collected before the pointer
/// global takes over its name) into a load of that pointer.
static void rewriteParameterGlobal(LLVM::GlobalOp storage,
                                   ArrayRef<LLVM::AddressOfOp> uses) {
  MLIRContext *context = storage.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  std::string name = storage.getSymName().str();
  OpBuilder builder(storage);
  storage.setSymName(name + ".storage");
  auto pointer = LLVM::GlobalOp::create(
      builder, storage.getLoc(), ptrType, /*isConstant=*/false,
      LLVM::Linkage::External, name, /*value=*/Attribute(),
      /*alignment=*/8);
  Block *init = builder.createBlock(&pointer.getInitializerRegion());
  builder.setInsertionPointToStart(init);
  Value null = LLVM::ZeroOp::create(builder, storage.getLoc(), ptrType);
  LLVM::ReturnOp::create(builder, storage.getLoc(), null);

  for (LLVM::AddressOfOp addressOf : uses) {
    builder.setInsertionPoint(addressOf);
    Value address =
        LLVM::AddressOfOp::create(builder, addressOf.getLoc(), ptrType, name);
    Value loaded =
        LLVM::LoadOp::create(builder, addressOf.getLoc(), ptrType, address);
    addressOf.replaceAllUsesWith(loaded);
    addressOf.erase();
  }
  storage.erase();
}

/// rewriteParameterGlobal for every parameter, with the uses of all of them
/// collected in one walk of the module (a walk per parameter made this
/// quadratic: a 64-layer Mamba, ~700 parameters, spent half a minute here).
static void rewriteParameterGlobals(ModuleOp module) {
  SmallVector<LLVM::GlobalOp> storages;
  llvm::StringMap<SmallVector<LLVM::AddressOfOp>> uses;
  for (auto global : module.getOps<LLVM::GlobalOp>())
    if (global.getSymName().starts_with(kParamPrefix)) {
      storages.push_back(global);
      uses.try_emplace(global.getSymName());
    }
  module.walk([&](LLVM::AddressOfOp addressOf) {
    auto it = uses.find(addressOf.getGlobalName());
    if (it != uses.end())
      it->second.push_back(addressOf);
  });
  for (LLVM::GlobalOp storage : storages) {
    // The name before rewriteParameterGlobal renames the storage.
    std::string name = storage.getSymName().str();
    rewriteParameterGlobal(storage, uses[name]);
  }
}

/// Exports `__seq_free(ptr)`, releasing result buffers with `free`.
static void buildFree(ModuleOp module) {
  MLIRContext *context = module.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto voidType = LLVM::LLVMVoidType::get(context);
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  auto freeFn = module.lookupSymbol<LLVM::LLVMFuncOp>("free");
  if (!freeFn)
    freeFn = LLVM::LLVMFuncOp::create(
        builder, loc, "free", LLVM::LLVMFunctionType::get(voidType, {ptrType}));
  auto wrapper = LLVM::LLVMFuncOp::create(
      builder, loc, seqrt::abi::kFree,
      LLVM::LLVMFunctionType::get(voidType, {ptrType}));
  Block *entry = wrapper.addEntryBlock(builder);
  builder.setInsertionPointToStart(entry);
  LLVM::CallOp::create(builder, loc, freeFn, entry->getArguments());
  LLVM::ReturnOp::create(builder, loc, ValueRange{});
}

namespace mlir {
namespace seq {
namespace {
struct SeqMarkEntryPointsPass
    : public impl::SeqMarkEntryPointsBase<SeqMarkEntryPointsPass> {
  void runOnOperation() override {
    auto readOnly = BoolAttr::get(&getContext(), false);
    auto writable = BoolAttr::get(&getContext(), true);
    // Every defined function `f` becomes `__seq_fn_f` (calls follow); the
    // entry keeps its name in the ABI (`__seq_packed_f`, the metadata).
    // Longer names first: the target of `f`, a longer name, is then free.
    SymbolTable symbols(getOperation());
    SmallVector<func::FuncOp> defined;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        defined.push_back(func);
    llvm::stable_sort(defined, [](func::FuncOp a, func::FuncOp b) {
      return a.getSymName().size() > b.getSymName().size();
    });
    for (func::FuncOp func : defined)
      if (failed(symbols.rename(
              func, StringAttr::get(&getContext(),
                                    kFunctionPrefix + func.getSymName()))))
        return signalPassFailure();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(&getContext()));
      // The caller's inputs are never written: bufferization copies a
      // tensor argument before updating it in place. State inputs marked
      // `seq.inplace` (KV caches, SSM states) are the exception: the
      // caller lends their buffers to be updated in place.
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (isa<TensorType>(func.getArgumentTypes()[i]))
          func.setArgAttr(i, "bufferization.writable",
                          func.getArgAttr(i, seqrt::abi::kInPlaceAttr)
                              ? writable
                              : readOnly);
    }
  }
};

struct SeqInPlaceResultsPass
    : public impl::SeqInPlaceResultsBase<SeqInPlaceResultsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      llvm::BitVector dropped(func.getNumResults());
      SmallVector<std::pair<unsigned, unsigned>> pairs; // (argument, result)
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        func.removeArgAttr(i, seqrt::abi::kNonEmptyAttr); // in the metadata
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (auto attr = func.getArgAttrOfType<IntegerAttr>(
                i, seqrt::abi::kInPlaceAttr)) {
          func.removeArgAttr(i, seqrt::abi::kInPlaceAttr);
          func.removeArgAttr(i, seqrt::abi::kRecurrentAttr);
          if (attr.getInt() < 0 ||
              attr.getInt() >= static_cast<int64_t>(func.getNumResults()) ||
              dropped.test(attr.getInt())) {
            func.emitError("argument ")
                << i << ": '" << seqrt::abi::kInPlaceAttr
                << "' must name a result of its own";
            return signalPassFailure();
          }
          pairs.emplace_back(i, attr.getInt());
          dropped.set(attr.getInt());
        }
      if (pairs.empty())
        continue;
      if (!SymbolTable::symbolKnownUseEmpty(func, getOperation())) {
        func.emitError("an entry with in-place state arguments cannot also "
                       "be called from the module");
        return signalPassFailure();
      }
      for (Block &block : func.getBody()) {
        auto ret = dyn_cast<func::ReturnOp>(block.getTerminator());
        if (!ret)
          continue;
        OpBuilder builder(ret);
        for (auto [arg, result] : pairs) {
          Value state = ret.getOperand(result);
          Value buffer = func.getArgument(arg);
          if (state != buffer)
            memref::CopyOp::create(builder, ret.getLoc(), state, buffer);
        }
        SmallVector<Value> kept;
        for (auto [index, value] : llvm::enumerate(ret.getOperands()))
          if (!dropped.test(index))
            kept.push_back(value);
        func::ReturnOp::create(builder, ret.getLoc(), kept);
        ret.erase();
      }
      if (failed(func.eraseResults(dropped)))
        return signalPassFailure();
    }
  }
};

struct SeqLowerMemRefCopiesPass
    : public impl::SeqLowerMemRefCopiesBase<SeqLowerMemRefCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

struct SeqCPUEntryPointsPass
    : public impl::SeqCPUEntryPointsBase<SeqCPUEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    threadStatusSlot(module);
    checkAllocations(module);
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    for (auto func : llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>())) {
      StringRef name = func.getSymName();
      if (!name.starts_with(kCInterfacePrefix) || func.isExternal())
        continue;
      StringRef entry = name.drop_front(kCInterfacePrefix.size());
      entry.consume_front(kFunctionPrefix);
      buildPackedWrapper(builder, func, entry);
    }
    rewriteParameterGlobals(module);
    buildFree(module);
    // The artifact exports only the ABI: every other function is internal,
    // so an entry named like a libc function (`write`, `free`) cannot
    // preempt it inside the process.
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      StringRef name = func.getSymName();
      if (func.isExternal() || name.starts_with(kPackedPrefix) ||
          name == seqrt::abi::kFree)
        continue;
      func.setLinkage(LLVM::Linkage::Internal);
    }
  }
};
} // namespace
} // namespace seq
} // namespace mlir
