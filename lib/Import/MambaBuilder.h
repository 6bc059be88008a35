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

/// Every tensor `spec` names, with its checkpoint shape.
std::vector<std::pair<std::string, SmallVector<int64_t>>>
expectedMambaTensors(const MambaSpec &spec);

/// The decode states of one Mamba mixer: conv [1, K-1, C] and SSM ([1, I, N]
/// or [1, H, P, N]).
RankedTensorType mambaConvStateType(MLIRContext *ctx, const MambaSpec &spec);
RankedTensorType mambaSsmStateType(MLIRContext *ctx, const MambaSpec &spec);

/// The checkpoint tensors of one layer's mixer (its pre-norm excluded),
/// with their shapes; appended to `out`.
void expectedMambaMixerTensors(
    const MambaSpec &spec, const MambaLayerNames &names,
    std::vector<std::pair<std::string, SmallVector<int64_t>>> &out);

/// The mixer's weights in the order a layer function takes them, each with
/// its role (the key emitMambaMixer looks it up by).
std::vector<std::pair<std::string, std::string>>
mambaMixerSlots(const MambaLayerNames &names);

/// Emits `spec`'s mixer (Mamba or Mamba-2, without the pre-norm and the
/// residual) of `xn` [1, S, hidden] at `b`'s insertion point: returns its
/// output [1, S, hidden] and replaces `conv` and `ssm` by the new states.
/// `weights` maps the roles of mambaMixerSlots to values; `formats` gives
/// the encoding of those that are bf16/f16 matrices kept in their 2-byte
/// rows (read by seq.quantized_linear); other 2-byte weights are widened.
/// `perStep` (the verify form of speculative decoding) replaces `conv` and
/// `ssm` by the states after each of the S tokens instead: [1, S, K-1, C]
/// and [1, S, ssm state dims...] (mambaPerStepType). `dtype` (--dtype)
/// rounds the results of its projections, conv and output to 2 bytes.
Value emitMambaMixer(OpBuilder &b, Location loc, const MambaSpec &spec,
                     Value xn, Value &conv, Value &ssm,
                     llvm::StringMap<Value> &weights,
                     const llvm::DenseMap<Value, QuantFormat> &formats,
                     bool perStep = false,
                     ImportDtype dtype = ImportDtype::F32);

/// `state` [1, dims...] with a dynamic step dimension after the batch:
/// [1, ?, dims...], the type of a state returned after each token.
RankedTensorType mambaPerStepType(RankedTensorType state);

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
