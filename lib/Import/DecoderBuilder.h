//===- DecoderBuilder.h - decoder-only transformers in seq IR ---*- C++ -*-===//
//
// The shared building blocks of the importers: embedding, attention block,
// gated MLP, norms and head, composed into a decoder whose identical layers
// are one function called once per layer with that layer's weights and
// caches. Families (Llama, Mistral, Qwen2, ...) only fill in a DecoderSpec.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_DECODERBUILDER_H
#define SEQC_LIB_IMPORT_DECODERBUILDER_H

#include "MambaSpec.h"
#include "RgLruBuilder.h"

#include "seqc/Import/Import.h"

#include "seq/IR/SeqDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <map>
#include <optional>
#include <vector>

namespace mlir {
namespace seq {

/// A checkpoint tensor: its element type and shape.
struct TensorInfo {
  Type elementType;
  SmallVector<int64_t> shape; ///< for a quantized tensor: i8 [N, row bytes]
  std::optional<QuantFormat> quant; ///< GGUF block format, if quantized
};

/// The checkpoint names of one layer's tensors; empty when absent.
struct LayerNames {
  std::string inputNorm, q, k, v, o, qBias, kBias, vBias, oBias;
  /// Per-head RMSNorms [headDim] of q and k before RoPE (Qwen3).
  std::string qNorm, kNorm;
  /// The norm before the MLP (Llama's post_attention_layernorm).
  std::string postNorm, gate, up, down;
  /// Biases of the gated MLP (RecurrentGemma).
  std::string gateBias, upBias, downBias;
  /// Norms of the attention and MLP outputs before their residual adds
  /// (Gemma-2's post_attention_layernorm and post_feedforward_layernorm).
  std::string attnOutNorm, mlpOutNorm;
  /// A sparse MoE block instead of the MLP (gate/up/down empty): the
  /// router [E, hidden] and the experts' stacked weights, gate/up
  /// [E, F, hidden] and down [E, hidden, F]; each is a checkpoint tensor or
  /// a name in DecoderSpec::stacked.
  std::string router, expertGate, expertUp, expertDown;
  /// An always-on shared expert (gated MLP of width sharedIntermediate)
  /// whose output is scaled by sigmoid(sharedExpertGate . x) (Qwen2-MoE).
  std::string sharedGate, sharedUp, sharedDown, sharedExpertGate;
  /// A Mamba mixer instead of attention (q/k/v/o empty; `mamba.norm`
  /// unused, inputNorm is the pre-norm): a hybrid stack (Jamba) whose
  /// DecoderSpec::mamba gives the mixer's sizes.
  MambaLayerNames mamba;
  bool isMamba() const { return !mamba.inProj.empty(); }
  /// A Griffin recurrent block (RG-LRU) instead of attention
  /// (RecurrentGemma), sized by DecoderSpec::rglru.
  RgLruLayerNames rglru;
  bool isRecurrent() const { return !rglru.linearX.empty(); }
};

/// The sparse MoE blocks' routing (transformers' softmax top-k routers).
struct MoeSpec {
  int64_t experts = 0, topK = 0;
  int64_t intermediate = 0;       ///< each expert's width
  int64_t sharedIntermediate = 0; ///< the shared expert's width
  bool normalize = false;         ///< renormalise the top-k weights
};

/// How one layer differs from another; layers with equal kinds share one
/// function.
struct LayerKind {
  std::optional<int64_t> window; ///< sliding attention window, in keys
  bool operator==(const LayerKind &other) const {
    return window == other.window;
  }
};

/// The gated MLP's activation: act(gate(x)) * up(x).
enum class MlpActivation {
  SiLU,    ///< seq.swiglu (Llama, Mistral, Qwen)
  GeLUTanh ///< tanh-approximated GELU (Gemma's gelu_pytorch_tanh)
};

/// A decoder-only transformer, as the importers see it.
struct DecoderSpec {
  int64_t vocab = 0, hidden = 0, intermediate = 0, layers = 0;
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  double rmsEps = 1e-6;
  double ropeTheta = 10000.0;
  bool ropeNeoX = true; ///< rotate halves (HF); false: interleaved pairs
  bool rope = true;     ///< false: attention without positions (Jamba)
  /// Partial rotary: only the first rotaryDim channels of a head rotate.
  std::optional<int64_t> rotaryDim;
  /// Scaled RoPE: the headDim / 2 inverse frequencies (replacing
  /// ropeTheta's); empty for plain RoPE.
  std::vector<float> ropeInvFreq;
  /// Dynamic NTK RoPE (`rope_type: dynamic`): seq.rope's ntk_factor and
  /// ntk_max_positions (max_position_embeddings); the base grows with the
  /// longest position of each call.
  std::optional<double> ropeNtkFactor;
  int64_t ropeNtkMaxPositions = 0;
  /// Every RMSNorm multiplies by (offset + weight): 1 for Gemma, whose
  /// checkpoints store weight - 1.
  double normWeightOffset = 0.0;
  /// The embedding rows are multiplied by this (Gemma: sqrt(hidden)).
  std::optional<double> embeddingScale;
  /// The attention score scale; 1/sqrt(headDim) when absent.
  std::optional<double> attentionScale;
  /// YaRN's attention factor: the rotary's cos and sin are multiplied by
  /// it, so the scores by its square (folded into the score scale).
  double ropeAttentionFactor = 1.0;
  /// Attention scores s become c * tanh(s / c) (Gemma-2).
  std::optional<double> attentionSoftcap;
  /// Logits l become c * tanh(l / c) (Gemma-2).
  std::optional<double> finalSoftcap;
  MlpActivation activation = MlpActivation::SiLU;
  std::optional<MoeSpec> moe; ///< for the layers that name a router
  /// The Mamba mixers' sizes, for the layers whose LayerNames name one
  /// (version 1; its layerNames, embedding and head unused). Their decode
  /// state is the mixer's conv and SSM states in place of K and V.
  std::optional<MambaSpec> mamba;
  /// The recurrent blocks' sizes, for the layers whose LayerNames name one;
  /// their decode state is the conv state and the RG-LRU state.
  std::optional<RgLruSpec> rglru;
  /// Parameters stacked at bind time from per-expert checkpoint tensors:
  /// name -> the tensors of its rows (seq.parameter's `parts`).
  std::map<std::string, std::vector<std::string>> stacked;
  std::vector<LayerKind> layerKinds; ///< one per layer
  std::vector<LayerNames> layerNames;
  std::string embedding, finalNorm, lmHead; ///< lmHead may equal embedding
  std::vector<int64_t> eosTokenIds;
};

/// Attributes of the private @step function every builder makes for the
/// speculative and best-of-N entries (Speculative.cpp): the EOS ids
/// `generate` stops at (none with --ignore-eos), a unit attribute when
/// some state is recurrent (Mamba, RG-LRU), not addressed by position.
inline constexpr llvm::StringLiteral kStepEosAttr = "import_eos_token_ids";
inline constexpr llvm::StringLiteral kStepRecurrentAttr =
    "import_recurrent_state";
/// And the KV-cache capacity in tokens (--max-seq-len or its default).
inline constexpr llvm::StringLiteral kStepCapacityAttr = "import_max_seq_len";
/// A target with recurrent state also gets, when it is imported as a
/// speculative target (speculativeTarget), the private @step_verify: @step
/// whose recurrent states are returned after each of the S tokens ([1, S,
/// dims...] for a state [1, dims...]; KV caches as @step returns them), the
/// verify region's per-step states that rollback takes at the accepted
/// length. The plain entries never call it.
inline constexpr llvm::StringLiteral kVerifyStepName = "step_verify";
inline bool speculativeTarget(const ImportOptions &options) {
  return !options.draftModel.empty() || options.promptLookup > 0;
}

/// The common end of every importer's @generate(prompt, seed) ->
/// (tokens [1, N], count [1]): samples the first token from `lastLogits`
/// [1, V] (counter 0), then, unless it is one of `eosTokenIds`, a
/// seq.decode_loop for the other N - 1 tokens (counters 1..) over
/// `state`, whose step `stepBody(loopBody)` returns the yields (logits
/// [1, 1, V], state...) for the loop body's arguments (tokens, positions,
/// state...). `count` includes the first token and an EOS. Ends the entry
/// with its func.return.
void emitGenerateTail(OpBuilder &b, Location loc, int64_t N, Value lastLogits,
                      Value promptLength, Value seed, ValueRange state,
                      TypeRange stateTypes, ArrayRef<int64_t> eosTokenIds,
                      SamplingAttr sampling,
                      function_ref<SmallVector<Value>(Block *)> stepBody);

/// Emits an error at `loc` and fails when the activation dtype (--dtype)
/// is not implemented for `family` (a model_type; Dtype.cpp).
LogicalResult checkActivationDtype(Location loc, const ImportOptions &options,
                                   StringRef family);

/// `v` (an f32 tensor of activations) rounded to `dtype` (round to nearest
/// even, as a cast in PyTorch) and kept as f32 values, as one elementwise
/// linalg.generic; `v` itself when `dtype` is f32. The builders call it on
/// each op's result, so every activation between ops holds a `dtype` value
/// while the ops compute in f32 (docs/design/Import.md, "Activation dtype").
Value roundToActivationDtype(OpBuilder &b, Location loc, Value v,
                             ImportDtype dtype);
/// A scalar rounded to `dtype` (a constant PyTorch keeps in that dtype).
double roundToActivationDtype(double value, ImportDtype dtype);

/// Emits an error at `loc` and fails unless the beam-search options
/// (numBeams, lengthPenalty, earlyStopping) are valid.
LogicalResult checkBeamOptions(Location loc, const ImportOptions &options);

/// The common end of every importer's @generate_beams(prompt) ->
/// (sequences [1, beams, N] i32, scores [1, beams] f32, lengths [1, beams]
/// i32): a seq.beam_search_loop from the prompt's last logits
/// `lastLogits` [1, V] and the prefilled `state` (batch 1, copied to the
/// `beams` rows), whose body runs `rowStep(token [1, 1], position [1, 1],
/// state...)` -> (logits [1, 1, V], state...) on each beam's row. Ends the
/// entry with its func.return.
///
/// Paged KV caches (`pagedState` non-empty, `tableInit` the block table
/// [beams, MaxBlocks] i32 whose row 0 holds the prompt's blocks): the
/// states at `pagedState` are block pools shared by the rows (not copied
/// per beam; the loop's block_table and paged_caches name them and the
/// table, which follows the states), and rowStep receives the whole pools
/// and, after the states, the row's table [1, MaxBlocks].
void emitBeamSearchTail(
    OpBuilder &b, Location loc, const ImportOptions &options, Value lastLogits,
    Value promptLength, ValueRange state, ArrayRef<int64_t> eosTokenIds,
    function_ref<SmallVector<Value>(Value, Value, ValueRange)> rowStep,
    ArrayRef<unsigned> pagedState = {}, Value tableInit = Value());

/// A copy of a model's @forward whose KV caches are paged (PagedBeams.cpp):
/// `func` takes the pools [NumBlocks, H, BlockSize, D] at the argument
/// indices `pagedArgs` (the caches' in @forward) and the block table row
/// [1, MaxBlocks] i32 as its last argument; its results are @forward's with
/// pools for the caches.
struct PagedForward {
  func::FuncOp func;
  SmallVector<unsigned> pagedArgs;
};
/// Copies `forward` and the functions it calls that write KV caches as
/// paged_<name>. Errors (a cache read by something else than
/// seq.attention) are emitted; returns failure then.
FailureOr<PagedForward> pagedForwardCopy(ModuleOp module, func::FuncOp forward,
                                         int64_t numBlocks, int64_t blockSize,
                                         int64_t maxBlocks);

/// Every checkpoint tensor `spec` names, with its logical shape ([N, K]
/// for a weight); a stacked parameter is listed as its parts.
std::vector<std::pair<std::string, SmallVector<int64_t>>>
expectedDecoderTensors(const DecoderSpec &spec);

/// Builds the module for `spec` with tensors `tensors` (every name the spec
/// uses must be there, with the right shape: the caller checks; stacked
/// parameters too, with their stacked type). `loc` locates the ops.
OwningOpRef<ModuleOp> buildDecoder(MLIRContext *context, Location loc,
                                   const DecoderSpec &spec,
                                   const llvm::StringMap<TensorInfo> &tensors,
                                   const ImportOptions &options);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_DECODERBUILDER_H
