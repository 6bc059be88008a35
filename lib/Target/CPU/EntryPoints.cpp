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
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"

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

/// Builds `__seq_packed_<name>(ptr args)` calling `cinterface`.
static void buildPackedWrapper(OpBuilder &builder, LLVM::LLVMFuncOp cinterface,
                               StringRef name) {
  Location loc = cinterface.getLoc();
  MLIRContext *context = builder.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto voidType = LLVM::LLVMVoidType::get(context);
  auto wrapper = LLVM::LLVMFuncOp::create(
      builder, loc, (kPackedPrefix + name).str(),
      LLVM::LLVMFunctionType::get(voidType, {ptrType}));
  Block *entry = wrapper.addEntryBlock(builder);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(entry);
  Value args = entry->getArgument(0);
  SmallVector<Value> callArgs;
  for (auto [index, type] :
       llvm::enumerate(cinterface.getFunctionType().getParams())) {
    Value slot = LLVM::GEPOp::create(
        builder, loc, ptrType, ptrType, args,
        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
    Value pointer = LLVM::LoadOp::create(builder, loc, ptrType, slot);
    callArgs.push_back(
        isa<LLVM::LLVMPointerType>(type)
            ? pointer
            : LLVM::LoadOp::create(builder, loc, type, pointer).getResult());
  }
  LLVM::CallOp::create(builder, loc, cinterface, callArgs);
  LLVM::ReturnOp::create(builder, loc, ValueRange{});
}

/// Turns the storage global of a parameter into a pointer the runtime sets,
/// and every use of its address into a load of that pointer.
static void rewriteParameterGlobal(ModuleOp module, LLVM::GlobalOp storage) {
  MLIRContext *context = module.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  std::string name = storage.getSymName().str();
  // Uses of the storage's address, collected before the pointer global
  // takes over its name.
  SmallVector<LLVM::AddressOfOp> uses;
  module.walk([&](LLVM::AddressOfOp addressOf) {
    if (addressOf.getGlobalName() == name)
      uses.push_back(addressOf);
  });
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
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    for (auto func : llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>())) {
      StringRef name = func.getSymName();
      if (!name.starts_with(kCInterfacePrefix) || func.isExternal())
        continue;
      buildPackedWrapper(builder, func,
                         name.drop_front(kCInterfacePrefix.size()));
    }
    for (auto global : llvm::to_vector(module.getOps<LLVM::GlobalOp>()))
      if (global.getSymName().starts_with(kParamPrefix))
        rewriteParameterGlobal(module, global);
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
