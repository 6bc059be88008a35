//===- RaggedAttention.h - Attention kernels over ragged KV -----*- C++ -*-===//
//
// This file declares the ragged-KV forms of the attention kernels
// (seq.attention with kv_lengths: a decode step's valid keys in a cache):
// the same kernels as buildAttentionKernel's, with the valid key count of
// each batch row read on the device and a status word for a count outside
// the cache (AttentionKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_RAGGEDATTENTION_H
#define SEQC_TARGET_GPU_RAGGEDATTENTION_H

#include "seqc/Target/GPU/GPUTarget.h"

namespace mlir {
namespace seq {

/// What ragged kernel names add to attentionKernelName's base (before the
/// "_split"/"_decode" of the split forms).
constexpr llvm::StringLiteral kRaggedAttentionSuffix = "_kvlen";

/// Deliberate bugs of the ragged kernels for the emulator's mutation tests
/// (spelled "kv-length-off-by-one", "ignore-kv-lengths" in the attention
/// pass's `mutation` option). Never used outside tests.
enum class RaggedMutation {
  None,
  KvLengthOffByOne, ///< kv_lengths[b] + 1 valid keys
  IgnoreKvLengths,  ///< every key of the cache valid
};

/// Builds the ragged attention kernel `name` of `kind` (Prefill or
/// SplitPartial; the merge is buildAttentionKernel's): Q, K, V, then
/// kv_lengths `[B]` i32, then the outputs (O, or the two f32 workspaces),
/// then an i32 status word `[1]`. Row b reads keys [0, L), L =
/// min(max(kv_lengths[b], 0), Skv), its query i at position L - Sq + i; a
/// count outside [0, Skv] stores SEQRT_CODE_CACHE_OVERFLOW (2) in the
/// status word (the row runs clamped, as on the CPU).
void buildRaggedAttentionKernel(OpBuilder &builder,
                                gpu::GPUModuleOp kernelModule, StringRef name,
                                const GPUAttentionConfig &config,
                                LinearElementType elementType,
                                AttentionKernelKind kind, bool causal,
                                double scale, KernelMutation mutation,
                                RaggedMutation raggedMutation);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_RAGGEDATTENTION_H
