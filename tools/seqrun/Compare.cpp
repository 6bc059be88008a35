//===- Compare.cpp - Comparing outputs with goldens -----------------------===//
//
// This file implements the elementwise tolerance check behind --expect.
//
//===----------------------------------------------------------------------===//

#include "Compare.h"

#include "Convert.h"
#include "TensorIO.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace seqrun;

namespace {
/// How far `error` is past the tolerance, as a multiple of it; above 1
/// fails.
double excess(double error, double tolerance) {
  if (error == 0)
    return 0;
  return tolerance > 0 ? error / tolerance
                       : std::numeric_limits<double>::infinity();
}
} // namespace

Comparison seqrun::compareTensors(const seqrt_tensor &got,
                                  const seqrt_tensor &want, double rtol,
                                  double atol) {
  Comparison result;
  bool integer = isIntegerDtype(got.dtype);
  if (integer != isIntegerDtype(want.dtype)) {
    result.mismatch = std::string("dtype differs: got ") +
                      seqrt_dtype_name(got.dtype) + ", golden " +
                      seqrt_dtype_name(want.dtype);
    return result;
  }
  bool sameShape = got.rank == want.rank;
  for (int32_t d = 0; sameShape && d < got.rank; ++d)
    sameShape = got.shape[d] == want.shape[d];
  if (!sameShape) {
    result.mismatch = "shape differs: got " +
                      typeString(got.dtype, got.rank, got.shape) + ", golden " +
                      typeString(want.dtype, want.rank, want.shape);
    return result;
  }
  result.count = seqrt_tensor_num_elements(&got);
  double worstExcess = -1;
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < result.count; ++i) {
    double error, tolerance = 0, magnitude;
    if (integer) {
      int64_t g = elementAsInt(got, i), w = elementAsInt(want, i);
      error = std::fabs(static_cast<double>(g) - static_cast<double>(w));
      magnitude = std::fabs(static_cast<double>(w));
    } else {
      double g = elementAsDouble(got, i), w = elementAsDouble(want, i);
      magnitude = std::fabs(w);
      if (std::isnan(g) || std::isnan(w))
        error = std::isnan(g) && std::isnan(w) ? 0 : inf;
      else if (std::isinf(g) || std::isinf(w))
        error = g == w ? 0 : inf;
      else
        error = std::fabs(g - w);
      tolerance = atol + rtol * magnitude;
    }
    double over = excess(error, tolerance);
    if (over > 1)
      ++result.failures;
    if (over > worstExcess) {
      worstExcess = over;
      result.worst = i;
    }
    result.maxAbsError = std::max(result.maxAbsError, error);
    if (magnitude != 0 && !std::isinf(magnitude))
      result.maxRelError = std::max(result.maxRelError, error / magnitude);
  }
  result.pass = result.failures == 0;
  return result;
}
