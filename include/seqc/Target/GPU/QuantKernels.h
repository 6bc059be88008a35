//===- QuantKernels.h - GPU kernels of seq.quantized_linear -----*- C++ -*-===//
//
// This file declares the GPU kernels of seq.quantized_linear and
// seq.quantized_embedding over GGUF blocks of 32 elements (q8_0, q4_0,
// q4_1) and K-quant super-blocks of 256 (q4_k, q6_k), their mapping, and
// the seq-gpu-quant-kernels pass that adds them to a module.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_QUANTKERNELS_H
#define SEQC_TARGET_GPU_QUANTKERNELS_H

#include "seq/IR/SeqDialect.h"
#include "seqc/Target/KernelDispatch.h"
#include "seqc/Target/TargetDescription.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include <memory>
#include <optional>
#include <string>

namespace mlir {
namespace seq {

/// How a GPU quantized linear layer is mapped. Up to `decodeRows` rows:
/// the decode form, a warp (wavefront) per output feature, `decodeWarps`
/// per block, a lane per weight block. More rows: the prefill form, `tile`
/// (KernelDispatch's f16 linear tile with blockK = 32, one quant block
/// deep) over f16 workgroup tiles dequantized from the packed weights.
struct GPUQuantLinearConfig {
  int64_t warpSize = 0;
  int64_t decodeRows = 8;
  int64_t decodeWarps = 4;
  GPULinearConfig tile;
  /// The embedding gather: elements a thread dequantizes from one load
  /// (divides 16, so a run stays in one nibble half and one sub-block).
  int64_t embeddingRun = 8;
  int64_t decodeThreads() const { return decodeWarps * warpSize; }
};

/// The quantized linear mapping on GPU `target` (from
/// selectGPULinearConfig), or std::nullopt with `error` (no GPU, or no f16
/// matrix instruction).
std::optional<GPUQuantLinearConfig>
selectGPUQuantLinearConfig(const TargetDescription &target, std::string &error);

/// The forms of a seq.quantized_linear kernel.
enum class QuantLinearForm {
  /// Up to GPUQuantLinearConfig::decodeRows rows: a warp per feature.
  Decode,
  /// Any rows: dequantized f16 tiles on the matrix instruction.
  Prefill,
};

/// Deliberate kernel bugs for the emulator's mutation tests. Never used
/// outside tests.
enum class QuantKernelMutation {
  None,
  SwapNibbles,       ///< q4 low and high nibbles exchanged
  SwapFragmentLanes, ///< prefill: A-fragment registers in the wrong order
  ShuffleOffset,     ///< decode: the reduction skips its widest shuffle
  ScaleOrder, ///< K-quants: q4_k's scale and min exchanged, q6_k's sub-block
              ///< scales read from the neighbouring sub-block
};

/// Builds the quantized linear kernel `name` (Y = X dequant(W)^T (+ b),
/// X [M, K] f32, W [N, K / blockElements * blockBytes] i8 packed in
/// `format` (q8_0, q4_0, q4_1, q4_k or q6_k), b [N] f32, Y [M, N] f32) of
/// `form` into `kernelModule`
/// (QuantLinearKernel.cpp).
void buildQuantLinearKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                            StringRef name, const GPUQuantLinearConfig &config,
                            QuantFormat format, QuantLinearForm form,
                            bool hasBias, QuantKernelMutation mutation);

/// Builds the quantized embedding kernel `name` (seq.quantized_embedding:
/// table [V, D / blockElements * blockBytes] i8 packed in `format`, ids
/// [N] i32, out [N, D] f32, status [1] i32; a block of
/// config.decodeThreads() per id) into `kernelModule`. An id outside [0, V)
/// writes zeros and stores SEQRT_CODE_INDEX_OUT_OF_RANGE (1) in status
/// (QuantLinearKernel.cpp). `mutation` may be SwapNibbles or ScaleOrder.
void buildQuantEmbeddingKernel(OpBuilder &builder,
                               gpu::GPUModuleOp kernelModule, StringRef name,
                               const GPUQuantLinearConfig &config,
                               QuantFormat format,
                               QuantKernelMutation mutation);

/// seq-gpu-quant-kernels{target=... mutation=...}: for every
/// seq.quantized_linear over q8_0, q4_0, q4_1, q4_k or q6_k, a kernel in
/// gpu.module @seq_kernels (one per format, form and bias), named on the op
/// (`seq.gpu_kernel`); the form comes from the op's static rows. Every
/// seq.quantized_embedding over those formats gets `qembedding_<format>`.
/// Other formats are an error naming the format (QuantLinearKernels.cpp).
std::unique_ptr<Pass> createSeqGPUQuantKernels(StringRef target,
                                               StringRef mutation = "none");

/// Registers seq-gpu-quant-kernels with the pass registry (seqc-opt).
void registerSeqGPUQuantKernels();

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_QUANTKERNELS_H
