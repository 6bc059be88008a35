//===- Convert.h - seqrun element access and dtype conversion ---*- C++ -*-===//
//
// This file declares how seqrun reads tensor elements of any dtype and
// converts tensors between dtypes (f32 .npy files for bf16 inputs, bf16
// outputs saved as f32).
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_CONVERT_H
#define SEQRUN_CONVERT_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>

namespace seqrun {

float halfToFloat(uint16_t bits);
float bf16ToFloat(uint16_t bits);
/// Round to nearest even; overflow gives infinity, NaN stays NaN.
uint16_t floatToHalf(float value);
uint16_t floatToBf16(float value);

bool isIntegerDtype(seqrt_dtype dtype);

/// Element `i` of `tensor` as a double (f16/bf16 widened exactly).
double elementAsDouble(const seqrt_tensor &tensor, int64_t i);
/// Element `i` as an int64_t, for integer dtypes.
int64_t elementAsInt(const seqrt_tensor &tensor, int64_t i);

/// A copy of `in` with dtype `dtype` (allocated with seqrt_tensor_alloc):
/// floating-point values are rounded to the nearest even, integers must fit
/// the new width. Floating-point and integer dtypes do not convert into
/// each other. Returns false and sets `error`.
bool convertTensor(const seqrt_tensor &in, seqrt_dtype dtype, seqrt_tensor &out,
                   std::string &error);

} // namespace seqrun

#endif // SEQRUN_CONVERT_H
