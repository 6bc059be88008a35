//===- LowerExp2.cpp - exp2/log2 to the chip's native instruction ---------===//
//
// This file implements seq-gpu-lower-exp2: the kernels' f32 llvm.intr.exp2
// and llvm.intr.log2 (what the emulator runs) become the chip's native
// approximation, which convert-gpu-to-nvvm/rocdl would otherwise reject or
// send to a device library: ex2.approx.f32 / lg2.approx.f32 on NVIDIA
// (llvm.nvvm.ex2.approx.f32, llvm.nvvm.lg2.approx.f), v_exp_f32 / v_log_f32
// on AMD (llvm.amdgcn.exp2, llvm.amdgcn.log). The norm kernels' f32
// llvm.intr.sqrt, which both conversions also reject, becomes a call of
// the plain intrinsic llvm.sqrt.f32, which the NVPTX and AMDGPU backends
// select natively (sqrt.rn.f32; v_sqrt_f32 with its correction).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPULOWEREXP2
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;

namespace {
struct LowerExp2Pass : public seq::impl::SeqGPULowerExp2Base<LowerExp2Pass> {
  using Base::Base;

  void runOnOperation() override {
    bool nvvm = vendor == "nvvm";
    if (!nvvm && vendor != "rocdl") {
      getOperation().emitError()
          << "seq-gpu-lower-exp2: vendor must be nvvm or rocdl, not '" << vendor
          << "'";
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<LLVM::Exp2Op, LLVM::Log2Op, LLVM::SqrtOp>(op) &&
          op->getResult(0).getType().isF32())
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      bool exp = isa<LLVM::Exp2Op>(op);
      StringRef intrinsic =
          isa<LLVM::SqrtOp>(op) ? "llvm.sqrt.f32"
          : nvvm ? (exp ? "llvm.nvvm.ex2.approx.f32" : "llvm.nvvm.lg2.approx.f")
                 : (exp ? "llvm.amdgcn.exp2" : "llvm.amdgcn.log");
      auto call = LLVM::CallIntrinsicOp::create(
          b, op->getLoc(), op->getResult(0).getType(),
          b.getStringAttr(intrinsic), op->getOperands());
      op->getResult(0).replaceAllUsesWith(call.getResult(0));
      op->erase();
    }
  }
};
} // namespace
