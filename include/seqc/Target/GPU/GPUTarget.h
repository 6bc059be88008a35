//===- GPUTarget.h - seq kernels for CUDA and HIP ---------------*- C++ -*-===//
//
// This file declares the GPU backend: kernel generation (seq ops mapped to
// blocks, warps and threads with shared-memory tiles, barriers and the
// chip's matrix instruction), the code-generation pipelines to PTX/cubin
// (NVVM) and AMDGCN/HSACO (ROCDL), and where the tools they need are found.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_GPUTARGET_H
#define SEQC_TARGET_GPU_GPUTARGET_H

#include "seqc/Target/KernelDispatch.h"
#include "seqc/Target/TargetDescription.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"
#include <memory>
#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
class ModuleOp;
class OpPassManager;
namespace seq {

#define GEN_PASS_DECL
#include "seqc/Target/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqc/Target/GPU/Passes.h.inc"

/// The name of the gpu.module that holds a module's kernels.
constexpr llvm::StringLiteral kKernelModuleName = "seq_kernels";

/// Launch ABI: a kernel's grid dimension d (x, y, z) is
/// ceil(dim(argument a, dimension i) / tile) for the triple (a, i, tile)
/// at positions 3d .. 3d+2 of this attribute (an i64 array on the
/// gpu.func); its block size is the func's `known_block_size`.
constexpr llvm::StringLiteral kLaunchGridAttrName = "seq.launch_grid";

/// Deliberate kernel bugs for the emulator's mutation tests: each must make
/// an emulated test fail. Never used outside tests.
enum class KernelMutation {
  None,
  SwapFragmentLanes, ///< A-fragment registers in the wrong order
  DropBarrier,       ///< no barrier between filling and reading a tile
  SharedOffByOne,    ///< the shared-memory tile read one column off
  ShuffleOffset,     ///< a warp reduction that skips its widest shuffle
  GroupOffsetOffByOne, ///< MoE: each expert group starts one row late
  DropAsyncWait,       ///< cp.async: the tile read with no wait_group
  AsyncWaitCount,      ///< cp.async: wait_group 1 where 0 is needed
};

/// Builds the linear-layer kernel `name` (Y = X W^T (+ b), X [M, K],
/// W [N, K], b [N], Y [M, N], all of `elementType`) into `kernelModule`.
void buildLinearKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                       StringRef name, const TargetDescription &target,
                       const GPULinearConfig &config,
                       LinearElementType elementType, bool hasBias,
                       KernelMutation mutation);

/// The kernels of a seq.attention (AttentionKernel.cpp).
enum class AttentionKernelKind {
  /// Q [B, Hq, Sq, D], K [B, Hkv, Skv, D], V [B, Hkv, Skv, Dv] ->
  /// O [B, Hq, Sq, Dv]: a block per (query block, KV head, batch row).
  Prefill,
  /// Q, K, V -> partial outputs [B, Hq, splits, Sq, Dv] (f32, normalised
  /// per split) and their log-sum-exp [B, Hq, splits, Sq] (f32): a block per
  /// (split, KV head, batch row); the split count is the partial output's
  /// dimension 2.
  SplitPartial,
  /// Partial outputs, lse -> O: the log-sum-exp weighted merge.
  Merge,
};

/// The base name of the attention kernels of `config` (the prefill kernel;
/// the split-KV kernel adds "_split", the decode form "_decode"): element
/// type, group, head dims, positions per block, causality and, when the op
/// gives a scale, its f32 bits. The kernel pass and the host plan both
/// name kernels with it.
std::string attentionKernelName(const GPUAttentionConfig &config,
                                LinearElementType elementType, bool causal,
                                std::optional<float> explicitScale);

/// Builds the attention kernel `name` of `kind` into `kernelModule`:
/// causal or not, scores scaled by `scale`, f16 or bf16 storage.
void buildAttentionKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                          StringRef name, const GPUAttentionConfig &config,
                          LinearElementType elementType,
                          AttentionKernelKind kind, bool causal, double scale,
                          KernelMutation mutation);

/// Builds the row-normalisation kernel `name` into `kernelModule`:
/// X [R, H], W [H], (layer norm: optional B [H]), Y [R, H], all of
/// `elementType`; RMSNorm (`layerNorm` false) or LayerNorm with `epsilon`,
/// statistics in f32 (NormKernels.cpp).
void buildNormKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                     StringRef name, const GPURowConfig &config,
                     Type elementType, bool layerNorm, bool hasBias,
                     float epsilon, KernelMutation mutation);

/// Options of the GPU code-generation pipeline.
struct GPUCodeGenOptions {
  /// "isa": PTX or AMDGCN assembly in the gpu.binary; "bin": a cubin
  /// (ptxas) or an HSACO (ld.lld).
  std::string format = "bin";
  /// The CUDA toolkit (ptxas in bin/); empty: found (findCUDAToolkit).
  std::string cudaToolkit;
  /// ld.lld for HSACO; empty: found next to LLVM.
  std::string linker;
};

/// Where a CUDA toolkit with ptxas is, in this order: `explicitPath`, the
/// CUDA_HOME, CUDA_PATH and CUDA_ROOT variables, a `ptxas` on PATH, the
/// conventional /usr/local/cuda. Returns the toolkit folder (holding
/// bin/ptxas) or std::nullopt with `error` listing where it looked.
std::optional<std::string> findCUDAToolkit(StringRef explicitPath,
                                           std::string &error);

/// Adds the passes from kernels (gpu.module @seq_kernels) to a gpu.binary
/// for `target`: NVVM (nvgpu, bf16 mma.sync) or ROCDL (amdgpu) lowering,
/// then serialisation. `toolkitDir` is the folder passed to
/// gpu-module-to-binary (a CUDA toolkit, or one with llvm/bin/ld.lld).
LogicalResult buildGPUCodeGenPipeline(OpPassManager &pm,
                                      const TargetDescription &target,
                                      StringRef format, StringRef toolkitDir);

/// Registers the dialects and translations GPU code generation needs.
void registerGPUTranslations(DialectRegistry &registry);

/// The launch manifest of the kernels in `module`'s gpu.modules, as JSON
/// (KernelManifest.cpp): per kernel its name, block size, grid rule
/// (seq.launch_grid triples), static shared memory and parameters (element
/// type and rank of each memref, passed as an expanded memref descriptor:
/// allocated pointer, aligned pointer, offset, sizes, strides, 8 bytes
/// each). What a host that launches the compiled kernels (seq-gpu-run)
/// needs besides the binary. Fails with a diagnostic on a kernel without
/// known_block_size or seq.launch_grid, or with a non-memref parameter.
FailureOr<std::string> buildKernelManifest(ModuleOp module,
                                           const TargetDescription &target);

/// The launch plan of every entry of `module` for GPU `target`
/// (HostPlan.cpp), run after the kernel passes named each op's kernels:
/// per entry its device buffers (inputs, parameters by key, op results),
/// its steps (a manifest kernel by name over views of buffers; attention
/// with its prefill and, when the keys allow a split, split-KV and merge
/// kernels, which it adds to the kernel module so the runtime can choose on
/// the device's SM count) and its outputs. An op with no GPU kernel, a
/// dynamic shape or state updated in place is an error naming the entry,
/// the op and the target. The format is seqrt/GpuHost.h's.
FailureOr<llvm::json::Value> buildGPUHostPlan(ModuleOp module,
                                              const TargetDescription &target);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_GPUTARGET_H
