//===- SampleKernel.h - The GPU sampling kernel -----------------*- C++ -*-===//
//
// This file declares the builder of the temperature/top-k/top-p sampling
// kernel (SampleKernel.cpp) that seq-gpu-sample-kernels uses.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_GPU_SAMPLEKERNEL_H
#define SEQC_LIB_TARGET_GPU_SAMPLEKERNEL_H

#include "seqc/Target/GPU/GPUTarget.h"

namespace mlir {
namespace seq {

/// Deliberate bugs of the sampling kernel for its mutation tests
/// (test/Integration/GPU/sample_mutations.test). Never used outside tests.
enum class SampleMutation {
  None,
  PhiloxCounter,  ///< Philox counted by (counter + 1, row)
  CumsumOffByOne, ///< the draw tests the running mass before the token
};

/// Builds the sampling kernel `name` into `kernelModule`: logits [B, V] of
/// `elementType`, philox [4] i32 (seed low, seed high, counter low, counter
/// high words), tokens [B] i32. A block per row draws the token that
/// seq.sample's CPU lowering draws with these parameters (temperature > 0),
/// or -1 for a row with a NaN or no vocabulary.
void buildSampleKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                       StringRef name, const GPURowConfig &config,
                       Type elementType, float temperature, int64_t topK,
                       float topP, SampleMutation mutation);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_TARGET_GPU_SAMPLEKERNEL_H
