//===- GPUTarget.h - seq kernels for CUDA and HIP ---------------*- C++ -*-===//
//
// This file declares the GPU backend: kernel generation (seq ops mapped to
// blocks, warps and threads with shared-memory tiles, barriers and the
// chip's matrix instruction: the linear kernels, mma.sync/MFMA and sm_90a
// wgmma, and the attention kernels, dense and over ragged KV), the
// code-generation pipelines to PTX/cubin (NVVM) and AMDGCN/HSACO (ROCDL), and
// where the tools they need are found.
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

/// Launch ABI: extents a kernel needs its arguments to agree in, beyond
/// what its family's name says (the runtime checks them at load, the
/// manifest's "extents"): an i64 array on the gpu.func of tuples (p, d, q,
/// e, k): dimension d of argument p times k is dimension e of argument q
/// (a scan's inputs read through the op's indexing maps, `h floordiv k`).
constexpr llvm::StringLiteral kParamExtentsAttrName = "seq.param_extents";

/// Deliberate kernel bugs for the emulator's mutation tests: each must make
/// an emulated test fail. Never used outside tests.
enum class KernelMutation {
  None,
  SwapFragmentLanes, ///< A-fragment registers in the wrong order
  DropBarrier,       ///< no barrier between filling and reading a tile
  SharedOffByOne,    ///< the shared-memory tile read one column off
  ShuffleOffset,     ///< a warp reduction that skips its widest shuffle
  GroupOffsetOffByOne, ///< MoE: each expert group starts one row late
  TileListOffByOne,    ///< MoE: a group's partial last tile left off its list
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

/// Test-only bugs of the sm_90a linear kernel on wgmma
/// (LinearKernelWgmma.cpp) the emulator must catch (beside
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

/// What seq.attention's window and softcap attributes add to the score
/// path of its kernels (AttentionKernel.cpp): a left sliding window of
/// `window` keys (key j of query position p kept when j > p - window; the
/// key tiles and decode steps wholly before the window are never loaded)
/// and Gemma-2's softcap, `softcap * tanh(s / softcap)` on the scaled
/// score s, inlined before the softmax.
struct AttentionScoreMods {
  std::optional<int64_t> window;
  std::optional<float> softcap;
  /// Test only: the window keeps one key too many (j > p - window - 1),
  /// the mutation attention_mutations.test checks the emulator catches.
  bool windowOffByOne = false;
};

class AttentionOp;
/// The window and softcap of `op` (AttentionKernels.cpp).
AttentionScoreMods attentionScoreMods(AttentionOp op);

/// The base name of the attention kernels of `config` (the prefill kernel;
/// the split-KV kernel adds "_split", the decode form "_decode"): element
/// type, group, head dims, positions per block, causality and, when the op
/// gives a scale, its f32 bits; then "_w<window>" and "_sc<softcap's f32
/// bits>" when `mods` has them. The kernel pass and the host plan both
/// name kernels with it.
std::string attentionKernelName(const GPUAttentionConfig &config,
                                LinearElementType elementType, bool causal,
                                std::optional<float> explicitScale,
                                const AttentionScoreMods &mods = {});

/// Builds the attention kernel `name` of `kind` into `kernelModule`:
/// causal or not, scores scaled by `scale`, f16 or bf16 storage.
void buildAttentionKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                          StringRef name, const GPUAttentionConfig &config,
                          LinearElementType elementType,
                          AttentionKernelKind kind, bool causal, double scale,
                          KernelMutation mutation,
                          const AttentionScoreMods &mods = {});

/// The ragged-KV forms of the attention kernels (seq.attention with
/// kv_lengths: a decode step's valid keys in a cache; AttentionKernel.cpp)
/// are buildAttentionKernel's kernels with the valid key count of each
/// batch row read on the device and a status word. What ragged kernel
/// names add to attentionKernelName's base (before the
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
                                RaggedMutation raggedMutation,
                                const AttentionScoreMods &mods = {});

/// The paged-KV forms of the attention kernels (seq.attention with
/// block_table: K and V are caches [NumBlocks, Hkv, BlockSize, D] and
/// logical key j of batch row b is slot j % BlockSize of block
/// block_table[b, j / BlockSize]; AttentionKernel.cpp). What their names
/// add after the ragged suffix (if any): "_paged<BlockSize>".
std::string pagedAttentionSuffix(int64_t blockSize);

/// Deliberate bugs of the paged kernels for the emulator's mutation tests
/// (spelled "block-index-off-by-one", "unchecked-block-ids" in the
/// attention pass's `mutation` option). Never used outside tests.
enum class PagedMutation {
  None,
  BlockIndexOffByOne, ///< key j read from block_table[b, j / BS + 1]
  UncheckedBlockIds,  ///< block ids used without the bounds check
};

/// Builds the paged attention kernel `name` of `kind` (Prefill or
/// SplitPartial; the merge is buildAttentionKernel's): Q, K, V (the paged
/// caches), then kv_lengths `[B]` i32 when `ragged`, then block_table
/// `[B, MaxBlocks]` i32, then the outputs (O, or the two f32 workspaces),
/// then an i32 status word `[1]`. The logical KV length is MaxBlocks x
/// `blockSize`. A block id outside [0, NumBlocks) anywhere in the table
/// stores SEQRT_CODE_INDEX_OUT_OF_RANGE (1) in the status word (the
/// blocks (0, 0, b) check row b, as the CPU checks the whole table) and
/// is read as block 0, so no access leaves the caches; with kv_lengths a
/// count outside [0, MaxBlocks x blockSize] stores 2 as in the ragged
/// kernels.
void buildPagedAttentionKernel(
    OpBuilder &builder, gpu::GPUModuleOp kernelModule, StringRef name,
    const GPUAttentionConfig &config, LinearElementType elementType,
    AttentionKernelKind kind, bool causal, double scale, bool ragged,
    int64_t blockSize, KernelMutation mutation, RaggedMutation raggedMutation,
    PagedMutation pagedMutation, const AttentionScoreMods &mods = {});

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
