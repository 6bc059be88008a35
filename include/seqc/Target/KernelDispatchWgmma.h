//===- KernelDispatchWgmma.h - the sm_90a wgmma linear mapping --*- C++ -*-===//
//
// This file declares the choice of the warpgroup (wgmma) mapping of a GPU
// linear layer, made in KernelDispatch.cpp beside the other GPU mappings.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_KERNELDISPATCHWGMMA_H
#define SEQC_TARGET_KERNELDISPATCHWGMMA_H

#include "seqc/Target/KernelDispatch.h"

#include <optional>

namespace mlir {
namespace seq {

/// The wgmma mapping of seq.linear's kernel (f16/bf16) on a target with
/// wgmma (sm_90a): one warpgroup (warpsM = 4, warpsN = 1) per 64 x 64 tile
/// of Y on wgmma m64n64k16 (instruction "wgmma", n = 64), K steps of 32,
/// cp.async into two buffers; std::nullopt when the target has no wgmma
/// for the type, f32, or the tiles do not fit (the caller then takes
/// selectGPULinearConfig's warp-level mapping).
std::optional<GPULinearConfig>
selectGPULinearWgmmaConfig(const TargetDescription &target,
                           LinearElementType elementType);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_KERNELDISPATCHWGMMA_H
