//===- MambaBuilder.h - Mamba and Mamba-2 models in seq IR ------*- C++ -*-===//
//
// The SSM counterpart of DecoderBuilder: a stack of pre-norm Mamba (or
// Mamba-2) mixer blocks between an embedding and an LM head, whose
// identical layers are one function called once per layer. Each layer's
// decode state is its convolution state [1, K-1, C] and its SSM state
// ([1, I, N] for Mamba, [1, H, P, N] for Mamba-2), passed in place.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_MAMBABUILDER_H
#define SEQC_LIB_IMPORT_MAMBABUILDER_H

#include "DecoderBuilder.h"

namespace mlir {
namespace seq {

/// The checkpoint names of one Mamba layer's tensors; empty when absent.
struct MambaLayerNames {
  std::string norm, inProj, inProjBias, convWeight, convBias;
  /// Mamba-1: x_proj (dt, B, C) and dt_proj; Mamba-2: dt_bias.
  std::string xProj, dtProj, dtProjBias, dtBias;
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

/// Every tensor `spec` names, with its checkpoint shape.
std::vector<std::pair<std::string, SmallVector<int64_t>>>
expectedMambaTensors(const MambaSpec &spec);

/// Builds the module of `spec` with the entries logits, prefill, decode and
/// generate (the signatures of buildDecoder's, with each layer's conv and
/// SSM states in place of its K/V caches).
OwningOpRef<ModuleOp> buildMamba(MLIRContext *context, Location loc,
                                 const MambaSpec &spec,
                                 const llvm::StringMap<TensorInfo> &tensors,
                                 const ImportOptions &options);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_MAMBABUILDER_H
