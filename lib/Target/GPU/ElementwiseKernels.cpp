//===- ElementwiseKernels.cpp - GPU kernels of elementwise seq ops --------===//
//
// This file implements seq-gpu-elementwise-kernels and the kernels it
// builds: SiLU(gate) * up (seq.swiglu) and the residual add (arith.addf
// on tensors) as grid-stride loops over the flattened elements, and
// rotary embeddings (seq.rope) with a thread per rotation pair. Arithmetic
// is f32; exp is exp2 (ex2.approx.f32 / v_exp_f32, seq-gpu-lower-exp2) and
// sin/cos are computed in the kernel (a Cody-Waite reduction by pi/2 and
// the Cephes single-precision polynomials), so no device library is
// linked. RoPE's inverse frequencies are a constant table in the
// gpu.module (global memory). seq.embedding and seq.cache_write get their
// row-copy kernels from StateKernels.cpp. Data movement the importers'
// entries need between those ops: a permute kernel (linalg.transpose of a
// rank <= 4 tensor, e.g. attention heads [1, S, H, D] <-> [1, H, S, D]) and
// an element-type conversion kernel (arith.extf / arith.truncf on tensors,
// e.g. bf16 logits widened to f32), both plain copies with no arithmetic
// beyond the conversion (truncf rounds to nearest even, as the CPU).
//
//===----------------------------------------------------------------------===//

#include "StateKernels.h"

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

namespace mlir {
namespace seq {
#define GEN_PASS_DEF_SEQGPUELEMENTWISEKERNELS
#include "seqc/Target/GPU/Passes.h.inc"
} // namespace seq
} // namespace mlir

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Small helpers over an ImplicitLocOpBuilder.
struct KernelOps : IndexMath {
  KernelOps(ImplicitLocOpBuilder &b, Type elementType)
      : IndexMath(b), elementType(elementType) {}

  Type elementType;

  Value f32(float value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value i32(int32_t value) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(value));
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value loadF32(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, memref, indices);
    return elementType.isF32() ? v
                               : arith::ExtFOp::create(b, b.getF32Type(), v);
  }
  void storeF32(Value v, Value memref, ValueRange indices) {
    if (!elementType.isF32())
      v = arith::TruncFOp::create(b, elementType, v);
    memref::StoreOp::create(b, v, memref, indices);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }

  /// sin(x) and cos(x) in f32: k = round(x * 2/pi), r = x - k pi/2 with
  /// pi/2 split in three parts (k * part exact for |k| < 2^16), the
  /// Cephes sinf/cosf polynomials on [-pi/4, pi/4], the quadrant k mod 4.
  std::pair<Value, Value> sinCos(Value x) {
    Value minusHalf = f32(-0.5f);
    Value plusHalf = f32(0.5f);
    Value zero = f32(0.0f);
    Value nonNegative =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, x, zero);
    Value half = select(nonNegative, plusHalf, minusHalf);
    Value k = arith::FPToSIOp::create(
        b, b.getI32Type(), fadd(fmul(x, f32(0.636619772367581343f)), half));
    Value kf = arith::SIToFPOp::create(b, b.getF32Type(), k);
    Value r = fsub(x, fmul(kf, f32(1.5703125f)));
    r = fsub(r, fmul(kf, f32(4.837512969970703125e-4f)));
    r = fsub(r, fmul(kf, f32(7.54978995489188216e-8f)));
    Value r2 = fmul(r, r);
    // Each constant is created after the product it is added to (the
    // order of the ops is part of the output: one op per statement).
    Value s1 = f32(-1.9515295891e-4f);
    Value s = fmul(r2, s1);
    Value s0 = f32(8.3321608736e-3f);
    s = fadd(s0, s);
    s = fmul(r2, s);
    Value sm1 = f32(-1.6666654611e-1f);
    s = fadd(sm1, s);
    s = fadd(r, fmul(fmul(r, r2), s));
    Value c2 = f32(2.443315711809948e-5f);
    Value co = fmul(r2, c2);
    Value c1 = f32(-1.388731625493765e-3f);
    co = fadd(c1, co);
    co = fmul(r2, co);
    Value c0 = f32(4.166664568298827e-2f);
    co = fadd(c0, co);
    Value r4 = fmul(r2, r2);
    Value tail = fmul(r4, co);
    Value halfConstant = f32(0.5f);
    Value halfR2 = fmul(halfConstant, r2);
    Value one = f32(1.0f);
    Value head = fsub(one, halfR2);
    co = fadd(head, tail);
    Value q = arith::AndIOp::create(b, k, i32(3));
    auto is = [&](int32_t v) {
      return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, q, i32(v));
    };
    Value negS = arith::NegFOp::create(b, s),
          negC = arith::NegFOp::create(b, co);
    Value sinIs2 = is(2);
    Value sinV = select(sinIs2, negS, negC);
    Value sinIs1 = is(1);
    sinV = select(sinIs1, co, sinV);
    Value sinIs0 = is(0);
    sinV = select(sinIs0, s, sinV);
    Value cosIs2 = is(2);
    Value cosV = select(cosIs2, negC, s);
    Value cosIs1 = is(1);
    cosV = select(cosIs1, negS, cosV);
    Value cosIs0 = is(0);
    cosV = select(cosIs0, co, cosV);
    return {sinV, cosV};
  }
};

enum class ElementwiseKind { SwiGLU, Add };

gpu::GPUFuncOp createKernel(ImplicitLocOpBuilder &b, StringRef name,
                            ArrayRef<Type> arguments, int64_t threads,
                            ArrayRef<int64_t> grid) {
  auto func = createKernelFunc(b, name, arguments, TypeRange{}, threads, grid);
  b.setInsertionPointToStart(&func.getBody().front());
  return func;
}

/// out[i] = f(a[i], b[i]) over the flattened elements: a grid-stride loop
/// over the launch rule's grid (each thread takes perThread elements).
void buildBinaryKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                       StringRef name, const GPUElementwiseConfig &config,
                       Type elementType, ElementwiseKind kind) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  auto vector = MemRefType::get({ShapedType::kDynamic}, elementType);
  gpu::GPUFuncOp func = createKernel(b, name, {vector, vector, vector},
                                     config.threads, {2, 0, config.tile()});
  KernelOps k{b, elementType};
  Value lhs = func.getArgument(0), rhs = func.getArgument(1),
        out = func.getArgument(2);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value count = memref::DimOp::create(b, out, 0);
  // The grid of the launch rule, ceil(N / tile): gpu.grid_dim would be an
  // OCKL device-library call on AMD.
  Value tile = k.c(config.tile());
  Value tileMinusOne = k.c(config.tile() - 1);
  Value roundedUp = k.add(count, tileMinusOne);
  Value gridX = arith::DivUIOp::create(b, roundedUp, tile);
  Value first = k.add(k.mul(blockX, k.c(config.threads)), tid);
  Value stride = k.mul(gridX, k.c(config.threads));
  auto loop = scf::ForOp::create(b, first, count, stride);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value x = k.loadF32(lhs, {i}), y = k.loadF32(rhs, {i});
    Value result;
    if (kind == ElementwiseKind::Add) {
      result = k.fadd(x, y);
    } else {
      // silu(g) = g / (1 + 2^(-g log2 e)); 2^+inf = inf gives -0.
      Value e = LLVM::Exp2Op::create(b, b.getF32Type(),
                                     k.fmul(x, k.f32(-1.4426950408889634f)));
      Value silu = arith::DivFOp::create(b, x, k.fadd(k.f32(1.0f), e));
      result = k.fmul(silu, y);
    }
    k.storeF32(result, out, {i});
  }
  gpu::ReturnOp::create(b);
}

/// out[i] = convert(in[i]) over the flattened elements (arith.extf or
/// arith.truncf): the binary kernels' grid-stride loop.
void buildConvertKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                        StringRef name, const GPUElementwiseConfig &config,
                        Type from, Type to) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  auto source = MemRefType::get({ShapedType::kDynamic}, from);
  auto target = MemRefType::get({ShapedType::kDynamic}, to);
  gpu::GPUFuncOp func = createKernel(b, name, {source, target}, config.threads,
                                     {1, 0, config.tile()});
  IndexMath k(b);
  Value in = func.getArgument(0), out = func.getArgument(1);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value count = memref::DimOp::create(b, out, 0);
  Value gridX = arith::DivUIOp::create(b, k.add(count, k.c(config.tile() - 1)),
                                       k.c(config.tile()));
  Value first = k.add(k.mul(blockX, k.c(config.threads)), tid);
  Value stride = k.mul(gridX, k.c(config.threads));
  auto loop = scf::ForOp::create(b, first, count, stride);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    Value v = memref::LoadOp::create(b, in, ValueRange{i});
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      v = arith::ExtFOp::create(b, to, v);
    else
      v = arith::TruncFOp::create(b, to, v);
    memref::StoreOp::create(b, v, out, ValueRange{i});
  }
  gpu::ReturnOp::create(b);
}

/// Y = permute(X) for rank-4 X and Y (lower ranks are viewed with leading
/// unit dimensions): Y[i0, i1, i2, i3] = X[j] with j[perm[d]] = i[d], as
/// linalg.transpose's `permutation`. A block per (tile of rowsPerBlock
/// rows of Y's dimension 2, index of dimension 1, index of dimension 0);
/// thread e of a block takes the elements e, e + threads, ... of its rows
/// (`inner` = Y's last extent, static, elements a row), so consecutive
/// threads write consecutive elements of Y.
void buildPermuteKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                        StringRef name, const GPUElementwiseConfig &config,
                        Type elementType, ArrayRef<int64_t> perm,
                        int64_t inner) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t rowsPerBlock = std::max<int64_t>(1, config.tile() / inner);
  int64_t dynamic = ShapedType::kDynamic;
  auto tensor4 =
      MemRefType::get({dynamic, dynamic, dynamic, dynamic}, elementType);
  gpu::GPUFuncOp func =
      createKernel(b, name, {tensor4, tensor4}, config.threads,
                   {1, 2, rowsPerBlock, 1, 1, 1, 1, 0, 1});
  IndexMath k(b);
  Value x = func.getArgument(0), y = func.getArgument(1);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value r0 =
      k.mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), k.c(rowsPerBlock));
  Value i1 = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value i0 = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value rows = memref::DimOp::create(b, y, 2);
  auto loop = scf::ForOp::create(b, tid, k.c(rowsPerBlock * inner),
                                 k.c(config.threads));
  OpBuilder::InsertionGuard inner0(b);
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  Value i2 = k.add(r0, k.div(e, inner));
  Value i3 = k.rem(e, inner);
  auto inside = scf::IfOp::create(b, TypeRange{}, k.ult(i2, rows), false);
  b.setInsertionPointToStart(inside.thenBlock());
  SmallVector<Value> out{i0, i1, i2, i3}, in(4);
  for (int64_t d = 0; d < 4; ++d)
    in[perm[d]] = out[d];
  memref::StoreOp::create(b, memref::LoadOp::create(b, x, in), y, out);
  b.setInsertionPointAfter(loop);
  gpu::ReturnOp::create(b);
}

/// The values the body of `op` uses from outside it, in order of first use.
SmallVector<Value> outsideValues(linalg::GenericOp op) {
  SmallVector<Value> values;
  op.getRegion().walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (!op.getRegion().isAncestor(operand.getParentRegion()) &&
          !llvm::is_contained(values, operand))
        values.push_back(operand);
  });
  return values;
}

/// Y [R, inner] = X [R, Ws] columns [offset, offset + inner): the window
/// of each row a tensor.extract_slice of the last dimension takes (the
/// importers split fused projections, e.g. Mamba's in_proj into x and z).
/// A block per tile of rowsPerBlock rows; thread e takes the elements e, e
/// + threads, ... of its rows, so consecutive threads read and write
/// consecutive elements.
void buildSliceKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                      StringRef name, const GPUElementwiseConfig &config,
                      Type elementType, int64_t offset, int64_t inner) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t rowsPerBlock = std::max<int64_t>(1, config.tile() / inner);
  int64_t dynamic = ShapedType::kDynamic;
  auto matrix = MemRefType::get({dynamic, dynamic}, elementType);
  gpu::GPUFuncOp func = createKernel(b, name, {matrix, matrix}, config.threads,
                                     {1, 0, rowsPerBlock});
  IndexMath k(b);
  Value x = func.getArgument(0), y = func.getArgument(1);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value r0 = k.mul(blockX, k.c(rowsPerBlock));
  Value rows = memref::DimOp::create(b, y, 0);
  Value tileElements = k.c(rowsPerBlock * inner);
  Value threads = k.c(config.threads);
  auto loop = scf::ForOp::create(b, tid, tileElements, threads);
  OpBuilder::InsertionGuard inner0(b);
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  Value row = k.add(r0, k.div(e, inner));
  Value column = k.rem(e, inner);
  auto inside = scf::IfOp::create(b, TypeRange{}, k.ult(row, rows), false);
  b.setInsertionPointToStart(inside.thenBlock());
  Value from = k.add(column, k.c(offset));
  Value v = memref::LoadOp::create(b, x, ValueRange{row, from});
  memref::StoreOp::create(b, v, y, ValueRange{row, column});
  b.setInsertionPointAfter(loop);
  gpu::ReturnOp::create(b);
}

/// Y [N] = value: a splat constant tensor (the importers' unit weights,
/// e.g. Mamba-2's grouped RMSNorm), the binary kernels' grid-stride loop.
void buildFillKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                     StringRef name, const GPUElementwiseConfig &config,
                     TypedAttr value) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  auto vector = MemRefType::get({ShapedType::kDynamic}, value.getType());
  gpu::GPUFuncOp func =
      createKernel(b, name, {vector}, config.threads, {0, 0, config.tile()});
  IndexMath k(b);
  Value out = func.getArgument(0);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value count = memref::DimOp::create(b, out, 0);
  Value tileMinusOne = k.c(config.tile() - 1);
  Value roundedUp = k.add(count, tileMinusOne);
  Value tile = k.c(config.tile());
  Value gridX = arith::DivUIOp::create(b, roundedUp, tile);
  Value threads = k.c(config.threads);
  Value first = k.add(k.mul(blockX, threads), tid);
  Value stride = k.mul(gridX, threads);
  Value splat = arith::ConstantOp::create(b, value);
  auto loop = scf::ForOp::create(b, first, count, stride);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    memref::StoreOp::create(b, splat, out, ValueRange{loop.getInductionVar()});
  }
  gpu::ReturnOp::create(b);
}

/// An elementwise linalg.generic (parallel iterators, the output's map the
/// identity, each input's a projected permutation: a broadcast such as
/// Mamba's D [C] over [B, S, C]) of rank 2 to 4 with a static last extent
/// `inner`: its body compiled into the kernel (emitGPURegionOp). The
/// permute kernel's mapping: a block per (tile of rowsPerBlock indices of
/// dimension R-2, index of dimension R-3, index of dimension R-4); thread
/// e takes the elements e, e + threads, ... of its rows (`inner` elements
/// a row).
LogicalResult buildGenericKernel(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPUElementwiseConfig &config,
                                 linalg::GenericOp op, int64_t inner) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  int64_t rank = op.getNumLoops();
  int64_t rowsPerBlock = std::max<int64_t>(1, config.tile() / inner);
  auto memrefOf = [](Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    return MemRefType::get(
        SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic),
        type.getElementType());
  };
  SmallVector<Type> arguments;
  for (Value input : op.getDpsInputs())
    arguments.push_back(memrefOf(input));
  arguments.push_back(memrefOf(op.getResult(0)));
  int64_t out = static_cast<int64_t>(arguments.size()) - 1;
  // grid.x over dimension R-2 in tiles of rows, grid.y (rank >= 3) and
  // grid.z (rank 4) over the dimensions before it.
  SmallVector<int64_t> grid = {out, rank - 2, rowsPerBlock};
  if (rank >= 3)
    grid.append({out, rank - 3, 1});
  if (rank == 4)
    grid.append({out, 0, 1});
  gpu::GPUFuncOp func =
      createKernel(b, name, arguments, config.threads, grid);
  IndexMath k(b);
  Value y = func.getArgument(out);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  SmallVector<Value> point(rank);
  if (rank >= 3)
    point[rank - 3] = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  if (rank == 4)
    point[0] = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value r0 = k.mul(blockX, k.c(rowsPerBlock));
  Value rows = memref::DimOp::create(b, y, rank - 2);
  Value tileElements = k.c(rowsPerBlock * inner);
  Value threads = k.c(config.threads);
  auto loop = scf::ForOp::create(b, tid, tileElements, threads);
  OpBuilder::InsertionGuard inner0(b);
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  point[rank - 2] = k.add(r0, k.div(e, inner));
  point[rank - 1] = k.rem(e, inner);
  auto inside =
      scf::IfOp::create(b, TypeRange{}, k.ult(point[rank - 2], rows), false);
  b.setInsertionPointToStart(inside.thenBlock());
  Block &body = op.getRegion().front();
  IRMapping mapping;
  // Constants the canonicalizer hoisted out of the body: cloned in.
  for (Value outside : outsideValues(op))
    mapping.map(outside, b.clone(*outside.getDefiningOp())->getResult(0));
  for (auto [i, input] : llvm::enumerate(op.getDpsInputOperands())) {
    SmallVector<Value> indices;
    for (AffineExpr expr : op.getMatchingIndexingMap(input).getResults())
      indices.push_back(point[cast<AffineDimExpr>(expr).getPosition()]);
    Value v = memref::LoadOp::create(b, func.getArgument(i), indices);
    mapping.map(body.getArgument(i), v);
  }
  for (Operation &inner1 : body.without_terminator())
    if (failed(emitGPURegionOp(b, inner1, mapping,
                               "seq-gpu-elementwise-kernels",
                               "an elementwise linalg.generic")))
      return failure();
  Value result = mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
  memref::StoreOp::create(b, result, y, point);
  b.setInsertionPointAfter(loop);
  gpu::ReturnOp::create(b);
  return success();
}

/// Rotary embedding of X [B, H, S, D] by positions P [B, S] (i32) into Y:
/// a block per (tile of rowsPerBlock positions, head, batch row); thread
/// e of a block takes pair slots e, e + threads, ... of its rows (D/2
/// slots a row): slot j < R/2 rotates its channel pair by pos * invFreq[j],
/// slots past it copy two channels of the unrotated tail.
void buildRopeKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                     StringRef name, const GPUElementwiseConfig &config,
                     Type elementType, int64_t headDim, int64_t rotary,
                     bool neox, ArrayRef<float> invFreq) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  int64_t half = rotary / 2, slots = headDim / 2;
  int64_t rowsPerBlock = std::max<int64_t>(1, config.tile() / slots);

  // The inverse frequencies: a constant table in global memory.
  auto global =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Global);
  auto tableType = MemRefType::get({half}, b.getF32Type(),
                                   MemRefLayoutAttrInterface(), global);
  std::string tableName = (name + "_inv_freq").str();
  memref::GlobalOp::create(
      b, tableName, b.getStringAttr("private"), tableType,
      DenseElementsAttr::get(RankedTensorType::get({half}, b.getF32Type()),
                             invFreq),
      /*constant=*/true, /*alignment=*/IntegerAttr());

  int64_t dynamic = ShapedType::kDynamic;
  auto tensor4 =
      MemRefType::get({dynamic, dynamic, dynamic, dynamic}, elementType);
  auto positionsType = MemRefType::get({dynamic, dynamic}, b.getI32Type());
  gpu::GPUFuncOp func =
      createKernel(b, name, {tensor4, positionsType, tensor4}, config.threads,
                   {2, 2, rowsPerBlock, 2, 1, 1, 2, 0, 1});
  KernelOps k{b, elementType};
  Value x = func.getArgument(0), positions = func.getArgument(1),
        y = func.getArgument(2);
  Value table = memref::GetGlobalOp::create(b, tableType, tableName);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value rowsPerBlockValue = k.c(rowsPerBlock);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value s0 = k.mul(blockX, rowsPerBlockValue);
  Value head = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value seqLen = memref::DimOp::create(b, y, 2);
  Value step = k.c(config.threads);
  Value elements = k.c(rowsPerBlock * slots);
  auto loop = scf::ForOp::create(b, tid, elements, step);
  OpBuilder::InsertionGuard inner(b);
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  Value s = k.add(s0, arith::DivUIOp::create(b, e, k.c(slots)));
  Value j = arith::RemUIOp::create(b, e, k.c(slots));
  auto inside = scf::IfOp::create(
      b, TypeRange{},
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, s, seqLen), false);
  b.setInsertionPointToStart(inside.thenBlock());
  auto rotate = scf::IfOp::create(
      b, TypeRange{},
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, j, k.c(half)),
      half < slots);
  b.setInsertionPointToStart(rotate.thenBlock());
  {
    Value pos = arith::SIToFPOp::create(
        b, b.getF32Type(),
        memref::LoadOp::create(b, positions, ValueRange{batch, s}));
    Value angle = k.fmul(pos, memref::LoadOp::create(b, table, ValueRange{j}));
    auto [sinV, cosV] = k.sinCos(angle);
    Value c1 = neox ? j : k.mul(j, k.c(2));
    Value c2 = neox ? k.add(j, k.c(half)) : k.add(c1, k.c(1));
    Value x1 = k.loadF32(x, {batch, head, s, c1});
    Value x2 = k.loadF32(x, {batch, head, s, c2});
    Value x2Sin = k.fmul(x2, sinV);
    Value x1Cos = k.fmul(x1, cosV);
    k.storeF32(k.fsub(x1Cos, x2Sin), y, {batch, head, s, c1});
    Value x1Sin = k.fmul(x1, sinV);
    Value x2Cos = k.fmul(x2, cosV);
    k.storeF32(k.fadd(x2Cos, x1Sin), y, {batch, head, s, c2});
  }
  if (half < slots) {
    b.setInsertionPointToStart(rotate.elseBlock());
    // Slot j >= R/2 copies channels R + 2 (j - R/2) and the next.
    Value two = k.c(2);
    Value halfValue = k.c(half);
    Value tailSlot = arith::SubIOp::create(b, j, halfValue);
    Value tailOffset = k.mul(tailSlot, two);
    Value rotaryValue = k.c(rotary);
    Value c0 = k.add(rotaryValue, tailOffset);
    for (int64_t d = 0; d < 2; ++d) {
      Value ch = k.add(c0, k.c(d));
      memref::StoreOp::create(
          b, memref::LoadOp::create(b, x, ValueRange{batch, head, s, ch}), y,
          ValueRange{batch, head, s, ch});
    }
  }
  b.setInsertionPointAfter(loop);
  gpu::ReturnOp::create(b);
}

/// FNV-1a over the bits of `values`: a name suffix stable across runs.
std::string tableHash(ArrayRef<float> values) {
  uint32_t hash = 2166136261u;
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int i = 0; i < 4; ++i) {
      hash ^= (bits >> (8 * i)) & 0xff;
      hash *= 16777619u;
    }
  }
  return llvm::utohexstr(hash, /*LowerCase=*/true, /*Width=*/8);
}

/// The column window (offset, width) of a tensor.extract_slice that takes
/// part of the last dimension of every row of a tensor of rank >= 2 whose
/// rows are not contiguous in it: unit strides, the leading dimensions
/// whole (offset 0; the sizes checked against the source's by the host
/// plan), static offset and width in the last. std::nullopt for any other
/// slice (a view, or an error in the host plan).
std::optional<std::pair<int64_t, int64_t>>
columnWindow(tensor::ExtractSliceOp slice) {
  RankedTensorType source = slice.getSourceType();
  int64_t rank = source.getRank();
  if (rank < 2 || slice.getType().getRank() != rank ||
      llvm::any_of(slice.getStaticStrides(), [](int64_t s) { return s != 1; }))
    return std::nullopt;
  ArrayRef<int64_t> offsets = slice.getStaticOffsets();
  ArrayRef<int64_t> sizes = slice.getStaticSizes();
  int64_t width = sizes.back(), offset = offsets.back();
  int64_t full = source.getShape().back();
  if (ShapedType::isDynamic(width) || ShapedType::isDynamic(offset) ||
      ShapedType::isDynamic(full) || width >= full || offset < 0 ||
      offset + width > full)
    return std::nullopt;
  int64_t leading = 1;
  for (int64_t d = 0; d + 1 < rank; ++d) {
    if (offsets[d] != 0)
      return std::nullopt;
    if (!ShapedType::isDynamic(source.getDimSize(d)) &&
        sizes[d] != source.getDimSize(d))
      return std::nullopt;
    leading = ShapedType::isDynamic(source.getDimSize(d))
                  ? ShapedType::kDynamic
                  : (ShapedType::isDynamic(leading) ? leading
                                                     : leading * sizes[d]);
  }
  // One row: contiguous, a view.
  if (leading == 1)
    return std::nullopt;
  return std::make_pair(offset, width);
}

/// The name of the generic kernel of `op`
/// (`generic_<type>_r<rank>(_i<dims>)*_<hash>`, the hash over its printed
/// form), or failure after an error saying why it has none.
FailureOr<std::string> genericKernelName(linalg::GenericOp op) {
  auto fail = [&](const Twine &why) {
    op.emitError() << "seq-gpu-elementwise-kernels: a linalg.generic runs on "
                      "a GPU only as an elementwise map of f32 tensors of "
                      "rank 2 to 4 with a static last extent: "
                   << why;
    return failure();
  };
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1)
    return fail("it has several results");
  auto type = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  int64_t rank = op.getNumLoops();
  if (!type || !type.getElementType().isF32() || rank < 2 || rank > 4 ||
      type.getRank() != rank || ShapedType::isDynamic(type.getShape().back()))
    return fail("its result is " + llvm::formatv("{0}", op.getResult(0).getType()).str());
  if (op.getNumReductionLoops() != 0)
    return fail("it reduces");
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return fail("its output map is not the identity");
  Block &body = op.getRegion().front();
  if (!body.getArguments().back().use_empty())
    return fail("its body reads the output");
  std::string name = seqrt::gpuhost::kGenericKernelPrefix +
                     kernelTypeName(type.getElementType()) +
                     seqrt::gpuhost::kGenericRankTag + std::to_string(rank);
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto inputType = dyn_cast<RankedTensorType>(input->get().getType());
    if (!inputType || !inputType.getElementType().isF32())
      return fail("an input is not an f32 tensor");
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return fail("an input's map is not a projection of the output's "
                  "dimensions");
    name += seqrt::gpuhost::kGenericInputTag;
    for (AffineExpr expr : map.getResults())
      name += std::to_string(cast<AffineDimExpr>(expr).getPosition());
  }
  for (Operation &inner : body.without_terminator())
    if (!isGPURegionOp(inner) || inner.getNumRegions() != 0)
      return fail("its body has '" + inner.getName().getStringRef().str() +
                  "'");
  std::string form;
  {
    llvm::raw_string_ostream os(form);
    OpPrintingFlags flags;
    flags.printGenericOpForm();
    Operation *clone = op->clone();
    clone->print(os, flags.useLocalScope());
    clone->destroy();
    // The constants it uses from outside its body are part of its form.
    for (Value outside : outsideValues(op)) {
      if (!outside.getDefiningOp<arith::ConstantOp>())
        return fail("its body uses a value from outside that is not a "
                    "constant");
      outside.getDefiningOp()->print(os, flags);
    }
  }
  uint32_t hash = 2166136261u;
  for (char ch : form) {
    hash ^= static_cast<uint8_t>(ch);
    hash *= 16777619u;
  }
  return name + "_" +
         llvm::utohexstr(hash, /*LowerCase=*/true, /*Width=*/8);
}

struct GPUElementwiseKernelsPass
    : public seq::impl::SeqGPUElementwiseKernelsBase<
          GPUElementwiseKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetDescription> description =
        parseGPUTargetOption(module, "seq-gpu-elementwise-kernels", target);
    if (failed(description))
      return signalPassFailure();
    std::string error;
    std::optional<GPUElementwiseConfig> config =
        selectGPUElementwiseConfig(*description, error);
    if (!config) {
      module.emitError() << "seq-gpu-elementwise-kernels: " << error;
      return signalPassFailure();
    }
    OpBuilder builder(module.getBodyRegion());
    auto kernelModule = [&]() {
      return getOrCreateKernelModule(builder, module, *description);
    };
    module.walk([&](Operation *op) {
      if (isa<SwiGLUOp>(op) ||
          (isa<arith::AddFOp>(op) &&
           isa<RankedTensorType>(op->getResultTypes()[0]))) {
        Type type = getElementTypeOrSelf(op->getResultTypes()[0]);
        bool swiglu = isa<SwiGLUOp>(op);
        std::string kernel =
            std::string(swiglu ? seqrt::gpuhost::kSwigluKernelPrefix
                               : seqrt::gpuhost::kAddKernelPrefix) +
            kernelTypeName(type);
        gpu::GPUModuleOp module = kernelModule();
        if (!module.lookupSymbol(kernel))
          buildBinaryKernel(builder, module, kernel, *config, type,
                            swiglu ? ElementwiseKind::SwiGLU
                                   : ElementwiseKind::Add);
        recordKernel(op, kernel);
        return;
      }
      // Element-type conversions of tensors (arith.extf / arith.truncf).
      if (isa<arith::ExtFOp, arith::TruncFOp>(op) &&
          isa<RankedTensorType>(op->getResultTypes()[0])) {
        Type from = getElementTypeOrSelf(op->getOperand(0).getType());
        Type to = getElementTypeOrSelf(op->getResultTypes()[0]);
        std::string kernel =
            "convert_" + kernelTypeName(from) + "_" + kernelTypeName(to);
        gpu::GPUModuleOp module = kernelModule();
        if (!module.lookupSymbol(kernel))
          buildConvertKernel(builder, module, kernel, *config, from, to);
        recordKernel(op, kernel);
        return;
      }
      // linalg.transpose of a tensor of rank <= 4 (the permute kernel).
      if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
        auto type = dyn_cast<RankedTensorType>(transpose.getInit().getType());
        if (!type)
          return;
        int64_t rank = type.getRank();
        if (rank > 4 || rank == 0 || ShapedType::isDynamic(type.getShape().back())) {
          transpose.emitError()
              << "seq-gpu-elementwise-kernels: the permute kernel takes "
                 "tensors of rank 1 to 4 with a static last extent, not "
              << type;
          return signalPassFailure();
        }
        // The permutation of the rank-4 view (leading unit dimensions).
        SmallVector<int64_t> perm;
        for (int64_t d = 0; d < 4 - rank; ++d)
          perm.push_back(d);
        for (int64_t p : transpose.getPermutation())
          perm.push_back(p + 4 - rank);
        int64_t inner = type.getShape().back();
        std::string kernel = "permute_" + kernelTypeName(type.getElementType()) +
                             "_p" + llvm::join(llvm::map_range(perm, [](int64_t p) {
                               return std::to_string(p);
                             }), "") +
                             "_d" + std::to_string(inner);
        gpu::GPUModuleOp module = kernelModule();
        if (!module.lookupSymbol(kernel))
          buildPermuteKernel(builder, module, kernel, *config,
                             type.getElementType(), perm, inner);
        recordKernel(op, kernel);
        return;
      }
      // A slice of the last dimension whose rows are not contiguous (the
      // slice kernel); other slices are views of their buffer (HostPlan).
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
        std::optional<std::pair<int64_t, int64_t>> window =
            columnWindow(slice);
        if (!window)
          return;
        Type type = slice.getType().getElementType();
        std::string kernel = seqrt::gpuhost::kSliceKernelPrefix +
                             kernelTypeName(type) +
                             seqrt::gpuhost::kSliceOffsetTag +
                             std::to_string(window->first) + "_d" +
                             std::to_string(window->second);
        gpu::GPUModuleOp module = kernelModule();
        if (!module.lookupSymbol(kernel))
          buildSliceKernel(builder, module, kernel, *config, type,
                           window->first, window->second);
        recordKernel(op, kernel);
        return;
      }
      // A splat float constant tensor (the fill kernel).
      if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
        auto splat = dyn_cast<SplatElementsAttr>(constant.getValue());
        auto type = dyn_cast<RankedTensorType>(constant.getType());
        if (!splat || !type || !isa<FloatType>(type.getElementType()) ||
            kernelTypeName(type.getElementType()).empty())
          return;
        TypedAttr value = splat.getSplatValue<TypedAttr>();
        APInt bits = cast<FloatAttr>(value).getValue().bitcastToAPInt();
        std::string kernel =
            seqrt::gpuhost::kFillKernelPrefix +
            kernelTypeName(type.getElementType()) + "_" +
            llvm::utohexstr(bits.getZExtValue(), /*LowerCase=*/true,
                            /*Width=*/bits.getBitWidth() / 4);
        gpu::GPUModuleOp module = kernelModule();
        if (!module.lookupSymbol(kernel))
          buildFillKernel(builder, module, kernel, *config, value);
        recordKernel(op, kernel);
        return;
      }
      // An elementwise linalg.generic over f32 tensors (the generic
      // kernel; the importers' i32 iotas have no inputs and stay position
      // values, HostPlan).
      if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        if (generic.getNumDpsInputs() == 0)
          return;
        FailureOr<std::string> kernel = genericKernelName(generic);
        if (failed(kernel))
          return signalPassFailure();
        gpu::GPUModuleOp module = kernelModule();
        auto type = cast<RankedTensorType>(generic.getResult(0).getType());
        if (!module.lookupSymbol(*kernel) &&
            failed(buildGenericKernel(builder, module, *kernel, *config,
                                      generic, type.getShape().back())))
          return signalPassFailure();
        recordKernel(op, *kernel);
        return;
      }
      // seq.embedding and seq.cache_write (StateKernels.cpp).
      if (isa<EmbeddingOp, CacheWriteOp>(op)) {
        FailureOr<std::string> kernel =
            buildStateKernel(op, kernelModule(), *config);
        if (failed(kernel))
          return signalPassFailure();
        recordKernel(op, *kernel);
        return;
      }
      auto rope = dyn_cast<RopeOp>(op);
      if (!rope)
        return;
      RankedTensorType type = rope.getOutput().getType();
      int64_t headDim = type.getDimSize(3);
      if (ShapedType::isDynamic(headDim)) {
        rope.emitError() << "seq-gpu-elementwise-kernels: rope needs a static "
                            "head dim";
        return signalPassFailure();
      }
      if (rope.getNtkFactorAttr()) {
        rope.emitError() << "seq-gpu-elementwise-kernels: dynamic NTK rope "
                            "(ntk_factor) has no GPU kernel yet (its "
                            "frequencies depend on the call's positions); "
                            "use the CPU target";
        return signalPassFailure();
      }
      int64_t rotary =
          rope.getRotaryDimAttr() ? rope.getRotaryDimAttr().getInt() : headDim;
      int64_t half = rotary / 2;
      SmallVector<float> invFreq;
      if (std::optional<ArrayRef<float>> given = rope.getInvFreq()) {
        invFreq.assign(given->begin(), given->end());
      } else {
        // 1 / theta^(2i / R) in f32, as the CPU lowering and Hugging Face.
        float theta = rope.getTheta().convertToFloat();
        for (int64_t i = 0; i < half; ++i)
          invFreq.push_back(1.0f /
                            std::pow(theta, float(2 * i) / float(rotary)));
      }
      bool neox = rope.getStyle() == RopeStyle::NeoX;
      std::string kernel =
          seqrt::gpuhost::kRopeKernelPrefix +
          kernelTypeName(type.getElementType()) + (neox ? "_neox" : "_gptj") +
          seqrt::gpuhost::kRopeHeadDimTag + std::to_string(headDim) + "_r" +
          std::to_string(rotary) + "_" + tableHash(invFreq);
      gpu::GPUModuleOp module = kernelModule();
      if (!module.lookupSymbol(kernel))
        buildRopeKernel(builder, module, kernel, *config, type.getElementType(),
                        headDim, rotary, neox, invFreq);
      recordKernel(op, kernel);
    });
  }
};
} // namespace
