//===- Compare.h - Comparing outputs with goldens ---------------*- C++ -*-===//
//
// This file declares seqrun's elementwise comparison of an output with a
// golden tensor.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_COMPARE_H
#define SEQRUN_COMPARE_H

#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>

namespace seqrun {

struct Comparison {
  bool pass = false;
  /// Set when the tensors cannot be compared (dtype or shape differ).
  std::string mismatch;
  double maxAbsError = 0;
  /// Over elements whose golden value is not 0.
  double maxRelError = 0;
  /// The element furthest outside (or closest to leaving) the tolerance.
  int64_t worst = -1;
  int64_t failures = 0;
  int64_t count = 0;
};

/// Compares `got` with `want`: |got - want| <= atol + rtol * |want| for
/// floating-point dtypes (NaN matches only NaN, infinities only themselves),
/// equality for integer dtypes. Values are compared in double, so a bf16
/// output compares with an f32 golden; floating point against integer is a
/// mismatch.
Comparison compareTensors(const seqrt_tensor &got, const seqrt_tensor &want,
                          double rtol, double atol);

} // namespace seqrun

#endif // SEQRUN_COMPARE_H
