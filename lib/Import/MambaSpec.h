//===- MambaSpec.h - Mamba mixers as the importers see them -----*- C++ -*-===//
//
// The sizes and per-layer tensor names of Mamba and Mamba-2 mixers, shared
// by the SSM builder (MambaBuilder) and the hybrid stacks of the decoder
// builder (Jamba's Mamba layers).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_MAMBASPEC_H
#define SEQC_LIB_IMPORT_MAMBASPEC_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
namespace seq {

/// The checkpoint names of one Mamba layer's tensors; empty when absent.
struct MambaLayerNames {
  std::string norm, inProj, inProjBias, convWeight, convBias;
  /// Mamba-1: x_proj (dt, B, C) and dt_proj; Mamba-2: dt_bias.
  std::string xProj, dtProj, dtProjBias, dtBias;
  /// Jamba's RMSNorms of dt [dtRank], B [N] and C [N] after x_proj.
  std::string dtNorm, bNorm, cNorm;
  std::string aLog, d;
  /// Mamba-2's gated RMSNorm weight.
  std::string gatedNorm;
  std::string outProj, outProjBias;
};

/// A Mamba (version 1) or Mamba-2 language model, as the importer sees it.
struct MambaSpec {
  int version = 1;
  int64_t vocab = 0, hidden = 0, layers = 0;
  int64_t intermediate = 0;                   ///< expand * hidden
  int64_t stateSize = 0;                      ///< N
  int64_t convKernel = 4;                     ///< K
  int64_t dtRank = 0;                         ///< Mamba-1's time_step_rank
  int64_t heads = 0, headDim = 0, groups = 1; ///< Mamba-2
  double normEps = 1e-5;
  /// The residual stream stays f32 when the activations are 2-byte
  /// (config residual_in_fp32; no difference with f32 activations).
  bool residualInF32 = true;
  std::vector<MambaLayerNames> layerNames;
  std::string embedding, finalNorm, lmHead; ///< lmHead may equal embedding
  std::vector<int64_t> eosTokenIds;

  /// The channels the convolution runs over: Mamba's x (I), Mamba-2's x, B
  /// and C (I + 2 G N).
  int64_t convChannels() const {
    return version == 1 ? intermediate : intermediate + 2 * groups * stateSize;
  }
  /// The width of in_proj's output.
  int64_t inProjWidth() const {
    return version == 1 ? 2 * intermediate
                        : intermediate + convChannels() + heads;
  }
};

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_MAMBASPEC_H
