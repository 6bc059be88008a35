//===- Sampling.h - The pieces of seqrt_sample ------------------*- C++ -*-===//
//
// This file declares the building blocks of seqrt_sample that must equal
// the compiled seq.sample bit for bit; the unit tests check them directly.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_SAMPLING_H
#define SEQRT_LIB_SAMPLING_H

#include "seqrt/seqrt.h"

#include <cstdint>

namespace seqrt {

/// e^x as MLIR's f32 polynomial approximation computes it (what seqc's
/// seq-approximate-math emits for math.exp): exact to about 2^-22 relative,
/// 0 below about -87.3.
float polynomialExp(float x);

/// Philox-4x32-10 (Salmon et al., Random123): the block of `counter`
/// under `key`.
void philox4x32(const uint32_t counter[4], const uint32_t key[2],
                uint32_t out[4]);

/// The uniform draw in [0, 1) of seq.sample: the high 24 bits of the first
/// word of Philox-4x32-10 with key (seed low, seed high) and counter
/// (counter low, counter high, row, 0).
float philoxUniform(uint64_t seed, uint64_t counter, uint64_t row);

} // namespace seqrt

#endif // SEQRT_LIB_SAMPLING_H
