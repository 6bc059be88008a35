//===- DeepSeekBuilder.h - DeepSeek-V3 decoders in seq IR -------*- C++ -*-===//
//
// DeepSeek-V3's decoder: multi-head latent attention (MLA) whose KV cache
// holds only the compressed latent and the shared rotary key of each
// token, and MoE layers with sigmoid grouped routing, a selection bias and
// shared experts after `first_k_dense_replace` dense layers. The module
// has the same four entries as DecoderBuilder's (logits, prefill, decode,
// generate), with one cache per layer instead of a K/V pair.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_DEEPSEEKBUILDER_H
#define SEQC_LIB_IMPORT_DEEPSEEKBUILDER_H

#include "DecoderBuilder.h"

namespace mlir {
namespace seq {

/// The checkpoint names of one DeepSeek-V3 layer's tensors; empty when
/// absent.
struct DeepSeekLayerNames {
  std::string inputNorm;
  /// Queries: q_a_proj (+ bias), q_a_layernorm, q_b_proj with q LoRA;
  /// q_proj without.
  std::string qA, qABias, qANorm, qB, q;
  /// kv_a_proj_with_mqa (+ bias) -> [latent, rotary key]; kv_a_layernorm
  /// of the latent; kv_b_proj [H * (nope + v), latent].
  std::string kvA, kvABias, kvANorm, kvB;
  std::string o, oBias, postNorm;
  /// A dense layer's gated MLP.
  std::string gate, up, down;
  /// An MoE layer: router [E, hidden], its selection bias
  /// e_score_correction_bias [E], stacked experts and the shared experts
  /// (one gated MLP of n_shared_experts * moe_intermediate_size).
  std::string router, routerBias, expertGate, expertUp, expertDown;
  std::string sharedGate, sharedUp, sharedDown;
};

/// A DeepSeek-V3 model, as the importer reads it from config.json.
struct DeepSeekSpec {
  int64_t vocab = 0, hidden = 0, intermediate = 0, layers = 0, heads = 0;
  /// MLA sizes: q LoRA rank (0: plain q_proj), latent (kv_lora_rank),
  /// per-head non-rotary and rotary query/key widths, value width.
  int64_t qLoraRank = 0, kvLoraRank = 0, nopeDim = 0, ropeDim = 0, vDim = 0;
  double rmsEps = 1e-6;
  /// q_a_layernorm and kv_a_layernorm: DeepseekV3RMSNorm's default epsilon
  /// (transformers does not pass rms_norm_eps to them).
  double loraNormEps = 1e-6;
  double ropeTheta = 10000.0;
  /// DeepSeek's layout: the rotary part's channels rotate in adjacent
  /// pairs (rope_interleave); false: halves (NeoX).
  bool ropeInterleave = true;
  std::vector<float> ropeInvFreq; ///< scaled RoPE (YaRN); empty: plain
  /// YaRN's cos/sin factor: only the rotary part of the scores is
  /// multiplied by its square.
  double ropeAttentionFactor = 1.0;
  /// The softmax scale: (nope + rope)^-1/2, times YaRN's
  /// mscale(factor, mscale_all_dim)^2.
  double softmaxScale = 1.0;
  /// Routing (DeepseekV3TopkRouter).
  int64_t experts = 0, topK = 0, moeIntermediate = 0, sharedIntermediate = 0;
  int64_t groups = 1, topkGroups = 1;
  bool normalize = true;
  double routedScaling = 1.0;
  /// Multi-token-prediction layers after the model's (num_nextn_predict_layers
  /// / num_mtp_layers): their checkpoint tensors are accepted, not used.
  int64_t mtpLayers = 0;
  /// Stacked expert parameters: name -> the per-expert tensors.
  std::map<std::string, std::vector<std::string>> stacked;
  std::vector<DeepSeekLayerNames> layerNames;
  std::string embedding, finalNorm, lmHead;
  std::vector<int64_t> eosTokenIds;
};

/// Every checkpoint tensor `spec` names with its shape; a stacked
/// parameter is listed as its parts.
std::vector<std::pair<std::string, SmallVector<int64_t>>>
expectedDeepSeekTensors(const DeepSeekSpec &spec);

/// Builds the module for `spec` (tensors checked by the caller; stacked
/// parameters present with their stacked type).
OwningOpRef<ModuleOp> buildDeepSeek(MLIRContext *context, Location loc,
                                    const DeepSeekSpec &spec,
                                    const llvm::StringMap<TensorInfo> &tensors,
                                    const ImportOptions &options);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_DEEPSEEKBUILDER_H
