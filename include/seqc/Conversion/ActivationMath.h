//===- ActivationMath.h - GELU, defined once ---------------------*- C++ -*-===//
//
// This file defines the GELU formulas every lowering builds (the CPU loops
// of seq.gelu and seq.moe_experts, the GPU expert kernels), so that their
// constants live in one place.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_CONVERSION_ACTIVATIONMATH_H
#define SEQC_CONVERSION_ACTIVATIONMATH_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace seq {

/// 1 / sqrt(2): erf's argument scale in exact GELU.
inline constexpr float kGeluErfScale = 0.70710678118654752f;
/// sqrt(2 / pi) and the cubic coefficient of the tanh form.
inline constexpr float kGeluTanhScale = 0.7978845608028654f;
inline constexpr float kGeluTanhCubic = 0.044715f;

/// GELU of an f32 value (scalar or vector): exact, 0.5 x (1 + erf(x /
/// sqrt 2)), or with `tanhForm` PyTorch's approximate='tanh', 0.5 x (1 +
/// tanh(sqrt(2 / pi) (x + 0.044715 x^3))). It emits math.erf / math.tanh:
/// the CPU calls libm's erff / tanhf for them (convert-math-to-libm); the
/// GPU kernels replace them by MLIR's polynomial approximations in the
/// kernel itself (no device library).
inline Value buildGelu(ImplicitLocOpBuilder &b, Value x, bool tanhForm) {
  auto constant = [&](float value) -> Value {
    Attribute attr = b.getF32FloatAttr(value);
    if (auto vector = dyn_cast<VectorType>(x.getType()))
      attr = DenseElementsAttr::get(vector, value);
    return arith::ConstantOp::create(b, cast<TypedAttr>(attr));
  };
  Value inner;
  if (tanhForm) {
    Value square = arith::MulFOp::create(b, x, x);
    Value cube = arith::MulFOp::create(b, square, x);
    Value cubic = constant(kGeluTanhCubic);
    Value scaledCube = arith::MulFOp::create(b, cubic, cube);
    Value sum = arith::AddFOp::create(b, x, scaledCube);
    Value scale = constant(kGeluTanhScale);
    Value argument = arith::MulFOp::create(b, scale, sum);
    inner = math::TanhOp::create(b, argument);
  } else {
    Value scale = constant(kGeluErfScale);
    Value argument = arith::MulFOp::create(b, x, scale);
    inner = math::ErfOp::create(b, argument);
  }
  Value one = constant(1.0f);
  Value onePlus = arith::AddFOp::create(b, one, inner);
  Value half = constant(0.5f);
  Value halfX = arith::MulFOp::create(b, half, x);
  return arith::MulFOp::create(b, halfX, onePlus);
}

} // namespace seq
} // namespace mlir

#endif // SEQC_CONVERSION_ACTIVATIONMATH_H
