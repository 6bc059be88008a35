//===- LinearKernelWgmma.h - the sm_90a linear kernel on wgmma --*- C++ -*-===//
//
// This file declares the wgmma form of the linear-layer kernel
// (LinearKernelWgmma.cpp) and its test-only mutations.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_LINEARKERNELWGMMA_H
#define SEQC_TARGET_GPU_LINEARKERNELWGMMA_H

#include "seqc/Target/GPU/GPUTarget.h"

namespace mlir {
namespace seq {

/// Test-only bugs of the wgmma kernel the emulator must catch (beside
/// KernelMutation's swap-fragment-lanes and drop-barrier).
enum class WgmmaMutation {
  None,
  DescriptorStride, ///< the descriptors' 8-row-group stride halved
  DropWait,         ///< accumulators read with no wgmma.wait_group
  DropFence,        ///< no wgmma.fence before the wgmmas
  DropProxyFence,   ///< no fence.proxy.async after filling the tiles
};

/// Builds the linear-layer kernel `name` (Y = X W^T (+ b); X [M, K],
/// W [N, K], b [N], Y [M, N] of `elementType`, f16 or bf16) on wgmma with
/// `config` from selectGPULinearWgmmaConfig into `kernelModule`.
/// `mutation` may be None, SwapFragmentLanes (the accumulator map) or
/// DropBarrier.
void buildLinearKernelWgmma(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const GPULinearConfig &config,
                            LinearElementType elementType, bool hasBias,
                            KernelMutation mutation,
                            WgmmaMutation wgmmaMutation);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_LINEARKERNELWGMMA_H
