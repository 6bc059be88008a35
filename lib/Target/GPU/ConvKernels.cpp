//===- ConvKernels.cpp - GPU kernels of seq.causal_conv1d -----------------===//
//
// This file implements seq-gpu-conv-kernels and the kernel it builds: the
// short causal depthwise convolution of Mamba-style blocks, prefill and
// decode step alike. A block per (tile of time steps, batch row); its
// threads stride over the tile's (time, channel) elements with channels
// fastest, so neighbouring lanes load neighbouring channels. Each output
// sums K taps over the K-1 inputs before it, taken from the state (zeros
// without one) or from the input, in f32; bias and SiLU are fused. The
// blocks of the first tile also write the final state, the last K-1
// inputs, so prefill(n) then decode steps equals prefill(n + k).
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUCONVKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
/// The operand types of one kernel form.
struct ConvForm {
  Type input, weight, bias, state; // bias, state: null when absent
  int64_t taps = 0;
  bool silu = false;
  /// The final state written over the state (a session's device copy):
  /// the first tile's block reads every value it writes before a barrier,
  /// then writes (ConvKernelBuilder::build).
  bool inPlace = false;
  /// Test only: every tap reads the input one step late.
  bool tapOffByOne = false;
};

/// Builds the kernel body; `b` inserts into the kernel.
class ConvKernelBuilder : IndexMath {
public:
  ConvKernelBuilder(ImplicitLocOpBuilder &b, const ConvForm &form)
      : IndexMath(b), form(form) {}

  void build(gpu::GPUFuncOp func, int64_t threads, int64_t rowsPerBlock);

private:
  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value loadF32(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, memref, indices);
    return v.getType().isF32() ? v
                               : arith::ExtFOp::create(b, b.getF32Type(), v);
  }
  void storeF32(Value v, Value memref, ValueRange indices) {
    Type type = cast<MemRefType>(memref.getType()).getElementType();
    if (!type.isF32())
      v = arith::TruncFOp::create(b, type, v);
    memref::StoreOp::create(b, v, memref, indices);
  }
  /// xs[batch, j, channel] of concat(state, input) (f32): the state (or
  /// 0) for j < K-1, else input[j - (K-1)]. Both loads stay in bounds.
  Value concatAt(Value j, Value channel);

  const ConvForm &form;
  Value input, state, batch;
};
} // namespace

Value ConvKernelBuilder::concatAt(Value j, Value channel) {
  int64_t history = form.taps - 1;
  if (history == 0)
    return loadF32(input, {batch, j, channel});
  Value inState = ult(j, c(history));
  Value historyValue = c(history);
  Value shifted = arith::SubIOp::create(b, j, historyValue);
  Value zero = c(0);
  Value fromInput = arith::SelectOp::create(b, inState, zero, shifted);
  Value x = loadF32(input, {batch, fromInput, channel});
  Value s = f32(0.0f);
  if (state)
    s = loadF32(state,
                {batch, arith::SelectOp::create(b, inState, j, c(0)), channel});
  return arith::SelectOp::create(b, inState, s, x);
}

void ConvKernelBuilder::build(gpu::GPUFuncOp func, int64_t threads,
                              int64_t rowsPerBlock) {
  b.setInsertionPointToStart(&func.getBody().front());
  unsigned arg = 0;
  input = func.getArgument(arg++);
  Value weight = func.getArgument(arg++);
  Value bias = form.bias ? func.getArgument(arg++) : Value();
  state = form.state ? func.getArgument(arg++) : Value();
  Value output = func.getArgument(arg++);
  Value finalState = func.getArgument(arg++);

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value tile = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  batch = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value steps = memref::DimOp::create(b, input, 1);
  Value channels = memref::DimOp::create(b, input, 2);

  // The tile's rows [first, first + rows) of the output, as (row, channel)
  // elements e = row * C + channel, strided by the block.
  Value first = mul(tile, c(rowsPerBlock));
  Value remaining = arith::SubIOp::create(b, steps, first);
  Value rowsPerBlockValue = c(rowsPerBlock);
  Value rows = arith::MinUIOp::create(b, rowsPerBlockValue, remaining);
  Value step = c(threads);
  Value elements = mul(rows, channels);
  auto loop = scf::ForOp::create(b, tid, elements, step);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value e = loop.getInductionVar();
    Value channel = arith::RemUIOp::create(b, e, channels);
    Value t = add(first, arith::DivUIOp::create(b, e, channels));
    Value sum = bias ? loadF32(bias, {channel}) : f32(0.0f);
    for (int64_t k = 0; k < form.taps; ++k) {
      // y[t] = sum_k w[k] xs[t + k]; the mutation reads xs[t + k - 1].
      int64_t shift = form.tapOffByOne && k > 0 ? k - 1 : k;
      Value x = concatAt(add(t, c(shift)), channel);
      sum = arith::AddFOp::create(
          b, sum,
          arith::MulFOp::create(b, loadF32(weight, {channel, c(k)}), x));
    }
    if (form.silu) {
      // y * sigmoid(y) = y / (1 + 2^(-y log2 e)); 2^+inf = inf gives -0.
      Value e2 = LLVM::Exp2Op::create(
          b, b.getF32Type(),
          arith::MulFOp::create(b, sum, f32(-1.4426950408889634f)));
      sum = arith::DivFOp::create(b, sum,
                                  arith::AddFOp::create(b, f32(1.0f), e2));
    }
    storeF32(sum, output, {batch, t, channel});
  }

  // final_state[j] = xs[S + j], j < K-1: the first tile's blocks.
  int64_t history = form.taps - 1;
  if (history > 0) {
    Value isFirst =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tile, c(0));
    auto ifOp = scf::IfOp::create(b, TypeRange{}, isFirst, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value copyStep = c(threads);
    Value historyValue = c(history);
    Value copyElements = mul(historyValue, channels);
    if (!form.inPlace) {
      auto copy = scf::ForOp::create(b, tid, copyElements, copyStep);
      b.setInsertionPointToStart(copy.getBody());
      Value e = copy.getInductionVar();
      Value channel = arith::RemUIOp::create(b, e, channels);
      Value j = arith::DivUIOp::create(b, e, channels);
      storeF32(concatAt(add(steps, j), channel), finalState,
               {batch, j, channel});
    } else {
      // The final state is the state's buffer. Its old values are read by
      // this block's outputs (rows < K-1; the tile has at least K-1 rows,
      // so no other block reads them) and, for S < K-1, by the new state
      // itself (new[j] = old[j + S], a shift towards the start): every
      // output is computed before a barrier, then the new state is written
      // in chunks of a block's threads, each value read into a register
      // before a barrier and stored after it. A chunk reads elements past
      // every element earlier chunks wrote, so no read sees a new value.
      gpu::BarrierOp::create(b);
      Value zero = c(0);
      auto copy = scf::ForOp::create(b, zero, copyElements, copyStep);
      b.setInsertionPointToStart(copy.getBody());
      Value e = add(copy.getInductionVar(), tid);
      Value inside = ult(e, copyElements);
      Value last = sub(copyElements, c(1));
      Value clamped = arith::MinUIOp::create(b, e, last);
      Value channel = arith::RemUIOp::create(b, clamped, channels);
      Value j = arith::DivUIOp::create(b, clamped, channels);
      Value v = concatAt(add(steps, j), channel);
      gpu::BarrierOp::create(b);
      auto store = scf::IfOp::create(b, TypeRange{}, inside, false);
      b.setInsertionPointToStart(store.thenBlock());
      storeF32(v, finalState, {batch, j, channel});
    }
  }
  gpu::ReturnOp::create(b);
}

namespace {
struct GPUConvKernelsPass
    : public seq::impl::SeqGPUConvKernelsBase<GPUConvKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-conv-kernels", target);
    if (failed(description))
      return signalPassFailure();
    std::string error;
    std::optional<GPUElementwiseConfig> config =
        selectGPUElementwiseConfig(*description, error);
    if (!config) {
      module.emitError() << "seq-gpu-conv-kernels: " << error;
      return signalPassFailure();
    }
    FailureOr<bool> tapOffByOne =
        parseMutationOption<bool>(module, "seq-gpu-conv-kernels", mutation,
                                  {{"none", false}, {"tap-off-by-one", true}});
    if (failed(tapOffByOne))
      return signalPassFailure();

    OpBuilder builder(module.getBodyRegion());
    module.walk([&](CausalConv1dOp op) {
      ConvForm form;
      form.input = op.getInput().getType().getElementType();
      form.weight = op.getWeight().getType().getElementType();
      form.bias =
          op.getBias() ? getElementTypeOrSelf(op.getBias().getType()) : Type();
      form.state = op.getState() ? getElementTypeOrSelf(op.getState().getType())
                                 : Type();
      Type finalType = op.getFinalState().getType().getElementType();
      form.taps = op.getWeight().getType().getDimSize(1);
      form.silu = op.getSilu();
      form.tapOffByOne = *tapOffByOne;
      // A state the caller lends (an entry input marked seq.inplace, a
      // session's device copy) read by nothing else: the final state is
      // written over it (the launch plan marks the step "in_place").
      if (auto arg = dyn_cast_or_null<BlockArgument>(op.getState())) {
        auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
        bool onlyReader = llvm::all_of(arg.getUses(), [&](OpOperand &use) {
          return use.getOwner() == op.getOperation() ||
                 (isa<bufferization::MaterializeInDestinationOp>(
                      use.getOwner()) &&
                  use.getOperandNumber() == 1);
        });
        form.inPlace = func && onlyReader &&
                       func.getArgAttr(arg.getArgNumber(), "seq.inplace") &&
                       form.state == finalType;
      }
      // Rows of the output per block: the elementwise tile over channels
      // (at least one row).
      int64_t channels = op.getInput().getType().getDimSize(2);
      int64_t rowsPerBlock =
          ShapedType::isDynamic(channels)
              ? 1
              : std::max<int64_t>(1, config->tile() /
                                         std::max<int64_t>(1, channels));
      // In place, no block but the first may read the state: at least K-1
      // rows a tile.
      if (form.inPlace)
        rowsPerBlock = std::max<int64_t>(rowsPerBlock, form.taps - 1);
      std::string name = llvm::formatv(
          "{8}{0}_w{1}{9}{2}{3}{4}_fs{5}{6}_r{7}{10}", kernelTypeName(form.input),
          kernelTypeName(form.weight), form.taps,
          form.bias ? seqrt::gpuhost::kConvBiasTag + kernelTypeName(form.bias)
                    : std::string(),
          form.state
              ? seqrt::gpuhost::kConvStateTag + kernelTypeName(form.state)
              : std::string(),
          kernelTypeName(finalType), form.silu ? "_silu" : "", rowsPerBlock,
          seqrt::gpuhost::kConvKernelPrefix, seqrt::gpuhost::kConvTapsTag,
          form.inPlace ? seqrt::gpuhost::kConvInPlaceTag : "");
      gpu::GPUModuleOp kernels =
          getOrCreateKernelModule(builder, module, *description);
      if (!kernels.lookupSymbol(name)) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToEnd(kernels.getBody());
        ImplicitLocOpBuilder b(op.getLoc(), builder);
        int64_t dynamic = ShapedType::kDynamic;
        auto rank3 = [&](Type t) {
          return MemRefType::get({dynamic, dynamic, dynamic}, t);
        };
        SmallVector<Type> arguments = {
            rank3(form.input),
            MemRefType::get({dynamic, dynamic}, form.weight)};
        if (form.bias)
          arguments.push_back(MemRefType::get({dynamic}, form.bias));
        if (form.state)
          arguments.push_back(rank3(form.state));
        arguments.push_back(rank3(form.input));
        arguments.push_back(rank3(finalType));
        // grid.x over the output's time steps, grid.y over its batch rows.
        int64_t out = arguments.size() - 2;
        auto func =
            createKernelFunc(b, name, arguments, TypeRange{}, config->threads,
                             {out, 1, rowsPerBlock, out, 0, 1});
        ConvKernelBuilder(b, form).build(func, config->threads, rowsPerBlock);
      }
      recordKernel(op, name);
    });
  }
};
} // namespace
