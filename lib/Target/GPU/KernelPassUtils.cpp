//===- KernelPassUtils.cpp - what every GPU kernel pass shares ------------===//
//
// This file implements the helpers of KernelPassUtils.h: target options,
// the kernel module, kernel names and references, kernel functions with
// their launch ABI, workgroup tile alignment and tile staging into
// workgroup memory.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::seq;

FailureOr<TargetDescription> seq::parseGPUTargetOption(ModuleOp module,
                                                       StringRef passName,
                                                       StringRef option) {
  std::string error;
  std::optional<TargetDescription> description = parseTarget(option, error);
  if (description && !description->isGPU())
    error = "'" + option.str() + "' is not a GPU target";
  if (!description || !description->isGPU()) {
    module.emitError() << passName << ": " << error;
    return failure();
  }
  return *description;
}

gpu::GPUModuleOp seq::getOrCreateKernelModule(OpBuilder &builder,
                                              ModuleOp module,
                                              const TargetDescription &target) {
  if (auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
    return kernels;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto kernels =
      gpu::GPUModuleOp::create(builder, module.getLoc(), kKernelModuleName);
  kernels->setAttr("seq.target", builder.getStringAttr(target.name()));
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  builder.getUnitAttr());
  return kernels;
}

std::string seq::uniqueKernelName(gpu::GPUModuleOp kernels, StringRef base) {
  std::string name = base.str();
  for (int suffix = 1; kernels && kernels.lookupSymbol(name); ++suffix)
    name = base.str() + "_" + std::to_string(suffix);
  return name;
}

std::string seq::kernelTypeName(Type type) {
  std::string name;
  llvm::raw_string_ostream(name) << type;
  return name;
}

std::string seq::kernelFloatTag(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return llvm::utohexstr(bits, /*LowerCase=*/true);
}

SymbolRefAttr seq::kernelReference(MLIRContext *context, StringRef name) {
  return SymbolRefAttr::get(StringAttr::get(context, kKernelModuleName),
                            {FlatSymbolRefAttr::get(context, name)});
}

void seq::recordKernel(Operation *op, StringRef name) {
  op->setAttr(kGPUKernelAttrName, kernelReference(op->getContext(), name));
}

void seq::recordKernels(Operation *op, ArrayRef<std::string> names) {
  SmallVector<Attribute> refs;
  for (const std::string &name : names)
    refs.push_back(kernelReference(op->getContext(), name));
  op->setAttr(kGPUKernelsAttrName, ArrayAttr::get(op->getContext(), refs));
}

gpu::GPUFuncOp seq::createKernelFunc(ImplicitLocOpBuilder &b, StringRef name,
                                     TypeRange arguments, TypeRange workgroup,
                                     int64_t threads, ArrayRef<int64_t> grid) {
  auto func = gpu::GPUFuncOp::create(b, b.getLoc(), name,
                                     b.getFunctionType(arguments, {}),
                                     workgroup, TypeRange{});
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  func->setAttr(kLaunchGridAttrName, b.getDenseI64ArrayAttr(grid));
  return func;
}

void seq::alignWorkgroupBuffers(gpu::GPUFuncOp func, int64_t bytes) {
  Builder builder(func.getContext());
  for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i)
    func.setWorkgroupAttributionAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                                     builder.getI64IntegerAttr(bytes));
}

MemRefType seq::workgroupMemRefType(ArrayRef<int64_t> shape, Type elementType) {
  auto workgroup = gpu::AddressSpaceAttr::get(elementType.getContext(),
                                              gpu::AddressSpace::Workgroup);
  return MemRefType::get(shape, elementType, MemRefLayoutAttrInterface(),
                         workgroup);
}

CheckedRowId seq::loadCheckedRowId(ImplicitLocOpBuilder &b, Value ids,
                                   Value position, Value rows) {
  Value raw = memref::LoadOp::create(b, ids, ValueRange{position});
  Value id = arith::ExtSIOp::create(b, b.getI64Type(), raw);
  Value zero = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
  Value belowRows =
      arith::CmpIOp::create(b, arith::CmpIPredicate::slt, id, rows);
  Value nonNegative =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sge, id, zero);
  Value valid = arith::AndIOp::create(b, nonNegative, belowRows);
  auto branch = scf::IfOp::create(b, TypeRange{}, valid,
                                  /*withElseRegion=*/true);
  return {id, branch};
}

void seq::stageTile(ImplicitLocOpBuilder &b, Value tile, Value tid,
                    int64_t threads, int64_t rows, int64_t depth,
                    function_ref<Value(Value, Value)> locate,
                    function_ref<Value(Value, Value)> element) {
  IndexMath m(b);
  Type type = cast<MemRefType>(tile.getType()).getElementType();
  Value step = m.c(threads);
  Value end = m.c(rows * depth);
  auto loop = scf::ForOp::create(b, tid, end, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value e = loop.getInductionVar();
  Value i = m.div(e, depth);
  Value col = m.rem(e, depth);
  Value inside = locate(i, col);
  auto ifOp = scf::IfOp::create(b, TypeRange{type}, inside,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, element(i, col));
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value zero = arith::ConstantOp::create(b, type, b.getZeroAttr(type));
    scf::YieldOp::create(b, zero);
  }
  memref::StoreOp::create(b, ifOp.getResult(0), tile, ValueRange{i, col});
}

bool seq::isGPURegionOp(Operation &op) {
  return isa<arith::ArithDialect>(op.getDialect()) ||
         isa<math::ExpOp, math::Exp2Op, math::LogOp, math::Log2Op,
             math::Log1pOp, math::SqrtOp, math::RsqrtOp>(op);
}

LogicalResult seq::emitGPURegionOp(ImplicitLocOpBuilder &b, Operation &op,
                                   IRMapping &mapping, StringRef passName,
                                   StringRef where) {
  if (isa<arith::ArithDialect>(op.getDialect())) {
    b.clone(op, mapping);
    return success();
  }
  if (!isGPURegionOp(op) || op.getNumOperands() != 1)
    return op.emitError() << passName << ": '" << op.getName() << "' in "
                          << where << " has no GPU form";
  auto f32 = [&](float value) -> Value {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  };
  auto select = [&](Value cond, Value x, Value y) -> Value {
    return arith::SelectOp::create(b, cond, x, y);
  };
  Value x = mapping.lookup(op.getOperand(0));
  Type type = x.getType();
  Value v = type.isF32() ? x : arith::ExtFOp::create(b, b.getF32Type(), x);
  constexpr float kLog2E = 1.4426950408889634f, kLn2 = 0.6931471805599453f;
  auto exp2 = [&](Value e) -> Value {
    return LLVM::Exp2Op::create(b, b.getF32Type(), e);
  };
  auto log2 = [&](Value e) -> Value {
    return LLVM::Log2Op::create(b, b.getF32Type(), e);
  };
  Value result;
  if (isa<math::ExpOp>(op)) {
    result = exp2(arith::MulFOp::create(b, v, f32(kLog2E)));
  } else if (isa<math::Exp2Op>(op)) {
    result = exp2(v);
  } else if (isa<math::LogOp>(op)) {
    Value log2V = log2(v);
    Value ln2 = f32(kLn2);
    result = arith::MulFOp::create(b, log2V, ln2);
  } else if (isa<math::Log2Op>(op)) {
    result = log2(v);
  } else if (isa<math::Log1pOp>(op)) {
    // log1p(x) = log(u) * x / (u - 1), u = 1 + x (Goldberg): exact where
    // u rounds to 1 (log1p(x) = x) and accurate near 0; u = inf gives inf.
    Value u = arith::AddFOp::create(b, v, f32(1.0f));
    Value one =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, u, f32(1.0f));
    Value inf =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, u, f32(INFINITY));
    Value oneValue = f32(1.0f);
    Value uMinusOne = arith::SubFOp::create(b, u, oneValue);
    Value ln2 = f32(kLn2);
    Value log2U = log2(u);
    Value logU = arith::MulFOp::create(b, log2U, ln2);
    Value product = arith::MulFOp::create(b, logU, v);
    Value scaled = arith::DivFOp::create(b, product, uMinusOne);
    result = select(one, v, select(inf, u, scaled));
  } else if (isa<math::SqrtOp>(op)) {
    result = LLVM::SqrtOp::create(b, b.getF32Type(), v);
  } else {
    Value root = LLVM::SqrtOp::create(b, b.getF32Type(), v);
    Value oneValue = f32(1.0f);
    result = arith::DivFOp::create(b, oneValue, root);
  }
  mapping.map(op.getResult(0),
              type.isF32() ? result : arith::TruncFOp::create(b, type, result));
  return success();
}
