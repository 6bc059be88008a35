//===- RgLruBuilder.cpp - Griffin's recurrent block in seq IR -------------===//
//
// This file implements emitRgLruBlock, transformers'
// RecurrentGemmaRecurrentBlock:
//
//   y  = gelu_tanh(linear_y(x))
//   xc = conv_1d(linear_x(x))                     (causal, bias, no activation)
//   i  = sigmoid(xc @ input_gate + b_i)           (block-diagonal, per head)
//   r  = sigmoid(xc @ recurrent_gate + b_r)
//   log_a = -8 r softplus(recurrent_param); a = exp(log_a)
//   h[t] = a h[t-1] + sqrt(1 - exp(2 log_a)) (xc i)
//   out = linear_out(h * y)
//
// where a position 0 resets the recurrence (a = 0, multiplier 1). The
// recurrence is a seq.scan whose step computes the gates' nonlinearities
// and the discretisation; the block-diagonal gate products are
// linalg.generic contractions over each head's channels.
//
//===----------------------------------------------------------------------===//

#include "RgLruBuilder.h"

#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::seq;

RankedTensorType mlir::seq::rgLruConvStateType(MLIRContext *ctx,
                                               const RgLruSpec &spec) {
  return RankedTensorType::get({1, spec.convKernel - 1, spec.width},
                               Float32Type::get(ctx));
}

RankedTensorType mlir::seq::rgLruStateType(MLIRContext *ctx,
                                           const RgLruSpec &spec) {
  return RankedTensorType::get({1, spec.width}, Float32Type::get(ctx));
}

void mlir::seq::expectedRgLruTensors(
    const RgLruSpec &s, const RgLruLayerNames &n,
    std::vector<std::pair<std::string, SmallVector<int64_t>>> &out) {
  int64_t L = s.width, H = s.blocks, W = s.width / s.blocks;
  auto add = [&](const std::string &name, SmallVector<int64_t> shape) {
    if (!name.empty())
      out.push_back({name, shape});
  };
  add(n.linearX, {L, s.hidden});
  add(n.linearXBias, {L});
  add(n.linearY, {L, s.hidden});
  add(n.linearYBias, {L});
  add(n.convWeight, {L, 1, s.convKernel});
  add(n.convBias, {L});
  add(n.inputGate, {H, W, W});
  add(n.inputGateBias, {H, W});
  add(n.recurrentGate, {H, W, W});
  add(n.recurrentGateBias, {H, W});
  add(n.recurrentParam, {L});
  add(n.linearOut, {s.hidden, L});
  add(n.linearOutBias, {s.hidden});
}

std::vector<std::pair<std::string, std::string>>
mlir::seq::rgLruSlots(const RgLruLayerNames &n) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::pair<const std::string *, const char *> roles[] = {
      {&n.linearX, "linear_x"},
      {&n.linearXBias, "linear_x_b"},
      {&n.linearY, "linear_y"},
      {&n.linearYBias, "linear_y_b"},
      {&n.convWeight, "conv_w"},
      {&n.convBias, "conv_b"},
      {&n.inputGate, "input_gate"},
      {&n.inputGateBias, "input_gate_b"},
      {&n.recurrentGate, "recurrent_gate"},
      {&n.recurrentGateBias, "recurrent_gate_b"},
      {&n.recurrentParam, "recurrent_param"},
      {&n.linearOut, "linear_out"},
      {&n.linearOutBias, "linear_out_b"}};
  for (auto &[name, role] : roles)
    if (!name->empty())
      out.emplace_back(role, *name);
  return out;
}

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

Value f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc,
                                   b.getF32FloatAttr(static_cast<float>(v)));
}

/// 1 / (1 + exp(-v)), as PyTorch's sigmoid.
Value sigmoid(OpBuilder &b, Location loc, Value v) {
  Value one = f32Const(b, loc, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// PyTorch's softplus (beta 1, threshold 20).
Value softplus(OpBuilder &b, Location loc, Value v) {
  Value big = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v,
                                    f32Const(b, loc, 20.0));
  Value soft = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, v));
  return arith::SelectOp::create(b, loc, big, v, soft);
}

/// x [1, S, H, W] times each head's gate [H, W, W]: out[b, t, h, j] =
/// sum_i x[b, t, h, i] * gate[h, i, j] (torch.baddbmm without its bias).
Value blockDiagonal(OpBuilder &b, Location loc, Value x, Value gate) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Value S = tensor::DimOp::create(b, loc, x, 1);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(), ValueRange{S});
  Value zero =
      linalg::FillOp::create(b, loc, f32Const(b, loc, 0.0), init)->getResult(0);
  AffineExpr bb, t, h, j, i;
  bindDims(ctx, bb, t, h, j, i);
  SmallVector<AffineMap> maps{AffineMap::get(5, 0, {bb, t, h, i}, ctx),
                              AffineMap::get(5, 0, {h, i, j}, ctx),
                              AffineMap::get(5, 0, {bb, t, h, j}, ctx)};
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{x, gate}, ValueRange{zero},
             maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               // A bf16/f16 gate is read in its stored type.
               Value g = args[1];
               if (!g.getType().isF32())
                 g = arith::ExtFOp::create(nb, nl, nb.getF32Type(), g);
               Value p = arith::MulFOp::create(nb, nl, args[0], g);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddFOp::create(nb, nl, args[2], p).getResult());
             })
      ->getResult(0);
}
} // namespace

Value mlir::seq::emitRgLruBlock(
    OpBuilder &b, Location loc, const RgLruSpec &spec, Value xn,
    Value positions, Value &conv, Value &state, llvm::StringMap<Value> &w,
    const llvm::DenseMap<Value, QuantFormat> &formats) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  // 2-byte weights that are not encoded matrices (biases, conv taps, the
  // recurrence parameter) are widened; the gates are read in their stored
  // type by blockDiagonal.
  for (auto &kv : w) {
    auto type = dyn_cast_or_null<RankedTensorType>(
        kv.second ? kv.second.getType() : Type());
    if (!type || formats.count(kv.second) || kv.first() == "input_gate" ||
        kv.first() == "recurrent_gate" ||
        !isa<BFloat16Type, Float16Type>(type.getElementType()))
      continue;
    kv.second = arith::ExtFOp::create(b, loc, type.clone(f32), kv.second);
  }
  int64_t L = spec.width, H = spec.blocks, W = spec.width / spec.blocks;
  auto rows = [&](int64_t width) {
    return RankedTensorType::get({1, kDyn, width}, f32);
  };
  auto linear = [&](Value x, StringRef weight, StringRef bias,
                    int64_t width) -> Value {
    Value wv = w.lookup(weight);
    auto quant = formats.find(wv);
    if (quant != formats.end())
      return QuantizedLinearOp::create(
          b, loc, rows(width), x, wv, w.lookup(bias),
          QuantFormatAttr::get(ctx, quant->second));
    return LinearOp::create(b, loc, rows(width), x, wv, w.lookup(bias));
  };
  Value S = tensor::DimOp::create(b, loc, xn, 1);

  Value y = linear(xn, "linear_y", "linear_y_b", L);
  y = GeLUOp::create(b, loc, y.getType(), y, b.getUnitAttr());
  Value xb = linear(xn, "linear_x", "linear_x_b", L);
  Value convW = w.lookup("conv_w");
  auto convType = cast<RankedTensorType>(convW.getType());
  Value taps = tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({convType.getDimSize(0), convType.getDimSize(2)},
                            convType.getElementType()),
      convW, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  auto convOp =
      CausalConv1dOp::create(b, loc, rows(L), rgLruConvStateType(ctx, spec), xb,
                             taps, w.lookup("conv_b"), conv,
                             /*silu=*/false);
  Value xc = convOp.getOutput();
  conv = convOp.getFinalState();

  // The gates' products per head of W channels, back to [1, S, L]; their
  // biases [H, W] as [L], added in the scan's step.
  SmallVector<ReassociationIndices> heads{{0}, {1}, {2, 3}};
  Value x4 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({1, kDyn, H, W}, f32), xc, heads,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), S, b.getIndexAttr(H),
                                b.getIndexAttr(W)});
  auto gate = [&](StringRef name) -> Value {
    return tensor::CollapseShapeOp::create(
        b, loc, rows(L), blockDiagonal(b, loc, x4, w.lookup(name)), heads);
  };
  auto flat = [&](StringRef name) -> Value {
    return tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({L}, f32), w.lookup(name),
        SmallVector<ReassociationIndices>{{0, 1}});
  };
  Value inputGate = gate("input_gate"), recurrentGate = gate("recurrent_gate");

  // 1 where the position is 0 (the recurrence restarts), else 0.
  auto resetType = RankedTensorType::get({1, kDyn}, f32);
  Value resetInit =
      tensor::EmptyOp::create(b, loc, resetType.getShape(), f32, ValueRange{S});
  AffineMap id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value reset =
      linalg::GenericOp::create(
          b, loc, TypeRange{resetType}, ValueRange{positions},
          ValueRange{resetInit}, ArrayRef<AffineMap>{id2, id2},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value zero =
                arith::ConstantOp::create(nb, nl, nb.getI32IntegerAttr(0));
            Value isZero = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::eq, args[0], zero);
            Value v = arith::SelectOp::create(
                nb, nl, isZero, f32Const(nb, nl, 1.0), f32Const(nb, nl, 0.0));
            linalg::YieldOp::create(nb, nl, v);
          })
          ->getResult(0);

  AffineExpr bb, t, d;
  bindDims(ctx, bb, t, d);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(3, 0, results, ctx);
  };
  SmallVector<AffineMap> maps{map({bb, t, d}), map({bb, t, d}), map({d}),
                              map({bb, t, d}), map({d}),        map({d}),
                              map({bb, t})};
  auto scan = ScanOp::create(
      b, loc, rows(L), rgLruStateType(ctx, spec),
      ValueRange{xc, inputGate, flat("input_gate_b"), recurrentGate,
                 flat("recurrent_gate_b"), w.lookup("recurrent_param"), reset},
      state, b.getAffineMapArrayAttr(maps), ArrayRef<int64_t>{}, false);
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> scalars(7, f32);
    SmallVector<Location> locs(7, loc);
    Block *step = b.createBlock(&scan.getStep(), {}, scalars, locs);
    Value xv = step->getArgument(0);
    Value i = sigmoid(b, loc,
                      arith::AddFOp::create(b, loc, step->getArgument(1),
                                            step->getArgument(2)));
    Value r = sigmoid(b, loc,
                      arith::AddFOp::create(b, loc, step->getArgument(3),
                                            step->getArgument(4)));
    Value sp = softplus(b, loc, step->getArgument(5));
    Value isReset =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                              step->getArgument(6), f32Const(b, loc, 0.5));
    // log_a = -8 r softplus(param); a = exp(log_a); a^2 = exp(2 log_a).
    Value logA = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, f32Const(b, loc, -8.0), r), sp);
    Value a = math::ExpOp::create(b, loc, logA);
    Value a2 = math::ExpOp::create(
        b, loc, arith::MulFOp::create(b, loc, f32Const(b, loc, 2.0), logA));
    Value mult = math::SqrtOp::create(
        b, loc, arith::SubFOp::create(b, loc, f32Const(b, loc, 1.0), a2));
    mult =
        arith::SelectOp::create(b, loc, isReset, f32Const(b, loc, 1.0), mult);
    Value in = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, xv, i), mult);
    Value decay =
        arith::SelectOp::create(b, loc, isReset, f32Const(b, loc, 0.0), a);
    YieldOp::create(b, loc, ValueRange{decay, in});
  }
  state = scan.getFinalState();
  Value h = arith::MulFOp::create(b, loc, scan.getOutput(), y);
  return linear(h, "linear_out", "linear_out_b", spec.hidden);
}
