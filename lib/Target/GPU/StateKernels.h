//===- StateKernels.h - Embedding and cache-write kernels ---*- C++ -*-===//
//
// This file declares the builders of the GPU kernels that read a token
// embedding table (seq.embedding) and write K/V rows into a cache at
// run-time positions (seq.cache_write). seq-gpu-elementwise-kernels calls
// them (StateKernels.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_GPU_STATEKERNELS_H
#define SEQC_LIB_TARGET_GPU_STATEKERNELS_H

#include "seqc/Target/KernelDispatch.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Support/LogicalResult.h"

namespace mlir {
namespace seq {

/// Gives `op` (a seq.embedding or seq.cache_write) its kernel in
/// `kernelModule` (built once per name) and returns the kernel's name, or
/// failure after an error on `op` (a paged cache, which has no GPU kernel
/// yet).
FailureOr<std::string> buildStateKernel(Operation *op,
                                        gpu::GPUModuleOp kernelModule,
                                        const GPUElementwiseConfig &config);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_TARGET_GPU_STATEKERNELS_H
