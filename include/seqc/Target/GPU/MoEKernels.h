//===- MoEKernels.h - GPU kernels of the MoE ops ----------------*- C++ -*-===//
//
// This file declares the builders of the mixture-of-experts kernels that
// seq-gpu-moe-kernels adds for seq.moe_route, seq.moe_dispatch and
// seq.moe_experts: routing (a warp per token), dispatch (a one-block
// stable counting sort), the grouped GEMMs over the ragged expert groups
// on the matrix instruction and the deterministic weighted combine.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_MOEKERNELS_H
#define SEQC_TARGET_GPU_MOEKERNELS_H

#include "seq/IR/SeqDialect.h"
#include "seqc/Target/GPU/GPUTarget.h"

#include <optional>

namespace mlir {
namespace seq {

/// The form of a routing kernel (seq.moe_route).
struct MoERouteSpec {
  Type logitsType; ///< f32, f16 or bf16
  Type biasType;   ///< null: no bias
  int64_t topK = 1;
  RouterScoring scoring = RouterScoring::Softmax;
  bool normalize = false;
  std::optional<float> scaling;
  /// Grouped top-k: `numGroups` equal groups, only the experts of the
  /// `topkGroups` best stay eligible (0: no groups).
  int64_t numGroups = 0, topkGroups = 0;
};

/// Builds the routing kernel `name`: logits [T, E] (, bias [E]) ->
/// weights [T, K] (f32), experts [T, K] (i32); a warp (wavefront) per
/// token, `config.warps` tokens per block (MoERouteKernel.cpp).
void buildMoERouteKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                         StringRef name, const GPURowConfig &config,
                         const MoERouteSpec &spec, KernelMutation mutation);

/// Builds the dispatch kernel `name`: experts [T, K] (i32) ->
/// permutation [T * K], expert offsets [E + 1] (i32): one block, a stable
/// counting sort over segments of the slots (MoERouteKernel.cpp).
void buildMoEDispatchKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const GPURowConfig &config,
                            int64_t numExperts,
                            std::optional<float> capacityFactor,
                            KernelMutation mutation);

/// The grouped GEMM kernels of seq.moe_experts (MoEExpertKernel.cpp).
enum class MoEGemmKind {
  /// X [T, Dm], perm [S], offsets [E + 1], Wg, Wu [E, F, Dm], tiles
  /// [L, 2] -> H [S, F]: H = SiLU(X Wg^T) * (X Wu^T) for the rows of each
  /// expert's group, gathered from the tokens of their slots (GeGLU: GELU
  /// for SiLU; GELU experts: no Wg, H = GELU(X Wu^T)); a block per column
  /// tile and entry of the tile list (buildMoETileListKernel).
  GateUp,
  /// H [S, F], perm, offsets, Wd [E, Dm, F], weights [T, K], tiles
  /// [L, 2] -> Ys [S, Dm] (f32): row r of expert e's group times its
  /// routing weight, written to row perm[r] (the slot); dropped slots (the
  /// list's group E) get zeros.
  Down,
  /// The shared experts: X [T, Dm], Wg, Wu [Fs, Dm] -> H [T, Fs] (no Wg
  /// for GELU experts).
  SharedGateUp,
  /// Hs [T, Fs], Wd [Dm, Fs] -> Ys [T, Dm] (f32).
  SharedDown,
  /// seq.grouped_matmul: X [R, K], W [E, N, K], offsets [E + 1] -> Y [R, N]
  /// (X's element type): rows offsets[e] .. offsets[e + 1] times W[e]^T,
  /// the rows of no group zero.
  Grouped,
};

/// Builds the grouped GEMM kernel `name` of `kind`: inputs of `inputType`,
/// weights of `weightType`; `config` is the linear kernel's mapping for
/// the compute type (the matrix instruction when both types are one f16 or
/// bf16 type, else f32 FMAs with both widened to f32). `activation` is the
/// gate/up kernels' (GELU's erf and tanh become MLIR's polynomial
/// approximations in the kernel: no device library).
LogicalResult buildMoEGemmKernel(OpBuilder &builder,
                                 gpu::GPUModuleOp kernelModule, StringRef name,
                                 const GPULinearConfig &config,
                                 MoEGemmKind kind, FfnActivation activation,
                                 Type inputType, Type weightType,
                                 KernelMutation mutation);

/// Builds the tile-list kernel `name` of the routed experts' GEMMs (one
/// warp): perm [S] (its length only), offsets [E + 1] -> tiles [L, 2]
/// (i32), status [1]: entry i is (group, first row) of the i-th row tile
/// of `config.blockM` rows over groups 0 .. E (group E: the dropped slots
/// from offsets[E] to S), in group order, then (-1, 0) up to L. Groups
/// are clamped as the GEMMs clamp them; L = ceil(S / blockM) + E holds
/// every tile of valid offsets, entries past L are not written. Offsets
/// that break 0 <= offsets[0] <= ... <= offsets[E] <= S store
/// kStatusIndexOutOfRange in the status word, as the CPU raises.
void buildMoETileListKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const GPULinearConfig &config,
                            KernelMutation mutation);

/// Whether `activation` has a gate operand (SwiGLU, GeGLU) or not (GELU).
inline bool isGatedActivation(FfnActivation activation) {
  return activation != FfnActivation::GeLU;
}

/// Builds the combine kernel `name`: Ys [S, Dm] (f32) (, shared Ysh
/// [T, Dm] (f32)) -> out [T, Dm] of `outputType`: out[t] = sum over k of
/// Ys[t K + k] (+ Ysh[t]), in k order (deterministic, no atomics).
void buildMoECombineKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                           StringRef name, const GPUElementwiseConfig &config,
                           Type outputType, bool hasShared);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_MOEKERNELS_H
