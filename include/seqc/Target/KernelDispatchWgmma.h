//===- KernelDispatchWgmma.h - the sm_90a wgmma mappings --------*- C++ -*-===//
//
// This file declares the choice of the warpgroup (wgmma) mappings of a GPU
// linear layer and of the attention prefill kernel, made in
// KernelDispatch.cpp beside the other GPU mappings.
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

/// The wgmma mapping of seq.attention's prefill kernel (f16/bf16, the
/// non-split form: splits = 1) on a target with wgmma (sm_90a), from
/// `base` (what selectGPUAttentionConfig chose; its positionsPerBlock
/// kept): one warpgroup (4 warps, 64 query rows) per block; S = Q K^T on
/// wgmma m64nNk16 with N = blockKV, Q and K from shared memory through
/// descriptors; O += P V on wgmma m64nNk16 with N = valueDim, P from
/// registers (the register-A form) and V^T from shared memory; K by
/// cp.async into two buffers. std::nullopt (the caller keeps `base`, on
/// mma.sync) when the target has no wgmma for the type, `base` is the
/// decode form, a head dim is not a whole number of k16 slices or above
/// 256, or the tiles do not fit the shared memory. The split-KV kernel
/// keeps `base`.
std::optional<GPUAttentionConfig>
selectGPUAttentionWgmmaConfig(const TargetDescription &target,
                              LinearElementType elementType,
                              const GPUAttentionConfig &base);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_KERNELDISPATCHWGMMA_H
