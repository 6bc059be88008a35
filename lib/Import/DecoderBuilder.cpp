//===- DecoderBuilder.cpp - decoder-only transformers in seq IR -----------===//
//
// This file implements buildDecoder: the seq module of a decoder-only
// transformer with the entries
//
//   @logits(tokens [1,S])                      -> logits [1,S,V]
//   @prefill(tokens [1,S], start [1], caches)  -> last logits [1,V], caches
//   @decode(token [1,1], position [1], caches) -> logits [1,V], caches
//   @generate(prompt [1,S], seed)              -> tokens [1,N], count [1]
//
// where `caches` are each layer's K and V caches [1, Hkv, Cap, D]. Each
// distinct layer kind is one private function called once per layer with
// that layer's weights and caches, so compile time and code size do not
// grow with depth.
//
//===----------------------------------------------------------------------===//

#include "DecoderBuilder.h"
#include "MambaBuilder.h"

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// Weights of one layer in the order the layer function takes them.
enum class Slot {
  InputNorm,
  Q,
  QBias,
  K,
  KBias,
  V,
  VBias,
  QNorm,
  KNorm,
  O,
  OBias,
  AttnOutNorm,
  PostNorm,
  Gate,
  GateBias,
  Up,
  UpBias,
  Down,
  DownBias,
  Router,
  ExpertGate,
  ExpertUp,
  ExpertDown,
  SharedGate,
  SharedUp,
  SharedDown,
  SharedExpertGate,
  MlpOutNorm
};

class DecoderGraphBuilder {
public:
  DecoderGraphBuilder(MLIRContext *context, Location loc,
                      const DecoderSpec &spec,
                      const llvm::StringMap<TensorInfo> &tensors,
                      const ImportOptions &options)
      : b(context), loc(loc), spec(spec), tensors(tensors), options(options) {
    f32 = b.getF32Type();
    i32 = b.getI32Type();
    cap = options.maxSeqLen;
    cacheElement = getImportDtypeType(context, options.kvCacheDtype);
  }

  OwningOpRef<ModuleOp> build();

private:
  // Types.
  RankedTensorType rows(int64_t width) {
    return RankedTensorType::get({1, ShapedType::kDynamic, width}, f32);
  }
  RankedTensorType ids() {
    return RankedTensorType::get({1, ShapedType::kDynamic}, i32);
  }
  RankedTensorType cacheType() {
    return RankedTensorType::get({1, spec.kvHeads, cap, spec.headDim},
                                 cacheElement);
  }
  /// A layer's two decode states: its K and V caches, a Mamba layer's conv
  /// and SSM states, or a recurrent block's conv and RG-LRU states.
  std::pair<Type, Type> layerStateTypes(const LayerNames &names) {
    if (names.isMamba())
      return {mambaConvStateType(b.getContext(), *spec.mamba),
              mambaSsmStateType(b.getContext(), *spec.mamba)};
    if (names.isRecurrent())
      return {rgLruConvStateType(b.getContext(), *spec.rglru),
              rgLruStateType(b.getContext(), *spec.rglru)};
    return {cacheType(), cacheType()};
  }
  /// Every layer's two states, in entry-argument order; `eachStep`: a Mamba
  /// layer's states after each token (the verify form's results).
  SmallVector<Type> stateTypes(bool eachStep = false) {
    SmallVector<Type> out;
    for (const LayerNames &names : spec.layerNames) {
      auto [first, second] = layerStateTypes(names);
      if (eachStep && names.isMamba()) {
        first = mambaPerStepType(cast<RankedTensorType>(first));
        second = mambaPerStepType(cast<RankedTensorType>(second));
      }
      out.push_back(first);
      out.push_back(second);
    }
    return out;
  }
  RankedTensorType tensorType(StringRef name) {
    const TensorInfo &info = tensors.find(name)->second;
    return RankedTensorType::get(info.shape, info.elementType);
  }

  // Small pieces.
  Value constIndex(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value dim(Value v, int64_t d) { return tensor::DimOp::create(b, loc, v, d); }
  Value parameter(StringRef name);
  /// `v` widened to f32 if it is a bf16/f16 tensor (norm weights and
  /// biases of half-precision checkpoints).
  Value toF32(Value v);
  /// `v` (f32 keys or values [1, H, S, D]) rounded to the KV caches'
  /// element type (--kv-cache-dtype), or `v` when they are f32.
  Value toCacheType(Value v);
  /// `v` (f32 activations) rounded to --dtype's values, or `v` for f32.
  Value act(Value v) {
    return roundToActivationDtype(b, loc, v, options.dtype);
  }
  QuantFormatAttr quantAttr(StringRef name);
  Value embedding(Value table, Value ids);
  /// x . w^T (+ bias), its result rounded to --dtype unless `exact` (the
  /// LM head keeps its f32 accumulation).
  Value linear(Value x, Value w, Value bias, int64_t outWidth,
               bool exact = false);
  Value splitHeads(Value x, Value S, int64_t heads);
  Value transposeHeads(Value x4, Value S, int64_t heads);
  Value toHeads(Value x, Value S, int64_t heads) {
    return transposeHeads(splitHeads(x, S, heads), S, heads);
  }
  Value fromHeads(Value x, Value S, int64_t heads);
  Value iota(Value S);
  Value map(Value x, function_ref<Value(OpBuilder &, Location, Value)> fn);
  Value scale(Value x, double factor);
  Value softcap(Value x, double cap);
  Value rmsNorm(Value x, Value weight);
  Value zeroState(Type type);
  Value head(Value hidden, Type resultType);
  Value gatedMlp(Value x, Value gate, Value up, Value down, int64_t width,
                 Value gateBias = Value(), Value upBias = Value(),
                 Value downBias = Value());
  Value moeBlock(Value x, function_ref<Value(Slot)> weight);

  // Functions.
  std::vector<std::pair<Slot, std::string>> slots(const LayerNames &names);
  /// The checkpoint names of a layer's weights in the order its function
  /// takes them: slots(), then a Mamba mixer's or a recurrent block's.
  std::vector<std::string> weightNames(const LayerNames &names);
  /// A Mamba mixer's or a recurrent block's weights with their roles.
  static std::vector<std::pair<std::string, std::string>>
  mixerSlots(const LayerNames &names) {
    auto out = mambaMixerSlots(names.mamba);
    for (auto &slot : rgLruSlots(names.rglru))
      out.push_back(slot);
    return out;
  }
  func::FuncOp layerFunction(const LayerKind &kind, const LayerNames &first,
                             bool verify);
  std::tuple<Value, Value, Value>
  attentionBlock(const LayerKind &kind, Value x, Value positions, Value kCache,
                 Value vCache, function_ref<Value(Slot)> weight);
  void buildForward(bool verify);
  void buildLogits();
  void buildPrefill();
  void buildGenerate();
  void buildGenerateBeams();
  void buildStep();

  OpBuilder b;
  Location loc;
  const DecoderSpec &spec;
  const llvm::StringMap<TensorInfo> &tensors;
  const ImportOptions &options;
  Type f32, i32;
  Type cacheElement; ///< the KV caches' element type
  int64_t cap;
  ModuleOp module;
  llvm::StringMap<std::string> symbols; ///< checkpoint name -> symbol
  llvm::StringSet<> usedSymbols;
  /// The GGUF format of quantized weight values (parameters and the layer
  /// functions' weight arguments).
  llvm::DenseMap<Value, QuantFormat> formats;
  std::vector<std::pair<LayerKind, func::FuncOp>> layerFuncs;
  func::FuncOp forward, forwardVerify;
  /// @forward's layer functions, by layer.
  std::vector<func::FuncOp> forwardLayers;
  Operation *lastParameter = nullptr;
  /// An error was emitted (build() returns null).
  bool buildFailed = false;
};
} // namespace

Value DecoderGraphBuilder::parameter(StringRef name) {
  auto it = symbols.find(name);
  if (it == symbols.end()) {
    // The checkpoint name with '.' as '_' ("model_layers_0_mlp_up_proj_
    // weight"), made unique if two names map to one symbol.
    std::string base;
    for (char c : name)
      base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    std::string symbol = base;
    for (int n = 1; usedSymbols.contains(symbol); ++n)
      symbol = base + "_" + std::to_string(n);
    usedSymbols.insert(symbol);
    OpBuilder::InsertionGuard guard(b);
    if (lastParameter)
      b.setInsertionPointAfter(lastParameter);
    else
      b.setInsertionPointToStart(module.getBody());
    ArrayAttr parts;
    auto stacked = spec.stacked.find(name.str());
    if (stacked != spec.stacked.end())
      parts = b.getStrArrayAttr(SmallVector<StringRef>(stacked->second.begin(),
                                                       stacked->second.end()));
    lastParameter = ParameterOp::create(
        b, loc, b.getStringAttr(symbol), b.getStringAttr(name),
        TypeAttr::get(tensorType(name)), quantAttr(name), parts);
    it = symbols.try_emplace(name, symbol).first;
  }
  Value value = GetParameterOp::create(
      b, loc, tensorType(name),
      FlatSymbolRefAttr::get(b.getContext(), it->second));
  if (auto quant = tensors.find(name)->second.quant)
    formats[value] = *quant;
  return value;
}

Value DecoderGraphBuilder::toF32(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!isa<BFloat16Type, Float16Type>(type.getElementType()))
    return v;
  return arith::ExtFOp::create(b, loc, type.clone(f32), v);
}

Value DecoderGraphBuilder::toCacheType(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == cacheElement)
    return v;
  return arith::TruncFOp::create(b, loc, type.clone(cacheElement), v);
}

QuantFormatAttr DecoderGraphBuilder::quantAttr(StringRef name) {
  auto quant = tensors.find(name)->second.quant;
  return quant ? QuantFormatAttr::get(b.getContext(), *quant)
               : QuantFormatAttr();
}

Value DecoderGraphBuilder::linear(Value x, Value w, Value bias,
                                  int64_t outWidth, bool exact) {
  auto in = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(in.getShape());
  shape.back() = outWidth;
  auto type = RankedTensorType::get(shape, f32);
  auto quant = formats.find(w);
  Value out;
  if (quant != formats.end())
    out = QuantizedLinearOp::create(
        b, loc, type, x, w, bias,
        QuantFormatAttr::get(b.getContext(), quant->second));
  else
    out = LinearOp::create(b, loc, type, x, w, bias);
  return exact ? out : act(out);
}

Value DecoderGraphBuilder::embedding(Value table, Value ids) {
  auto quant = formats.find(table);
  if (quant != formats.end())
    return act(QuantizedEmbeddingOp::create(
        b, loc, rows(spec.hidden), table, ids,
        QuantFormatAttr::get(b.getContext(), quant->second)));
  return act(EmbeddingOp::create(b, loc, rows(spec.hidden), table, ids));
}

/// [1, S, H*D] -> [1, S, H, D] (a view).
Value DecoderGraphBuilder::splitHeads(Value x, Value S, int64_t heads) {
  int64_t D = spec.headDim, dyn = ShapedType::kDynamic;
  auto split = RankedTensorType::get({1, dyn, heads, D}, f32);
  return tensor::ExpandShapeOp::create(
      b, loc, split, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), S, b.getIndexAttr(heads),
                                b.getIndexAttr(D)});
}

/// [1, S, H, D] -> [1, H, S, D]. The CPU lowering reads it through a view
/// or moves it into the KV cache (HeadLayoutFolds.cpp): no copy of its own.
Value DecoderGraphBuilder::transposeHeads(Value x4, Value S, int64_t heads) {
  int64_t D = spec.headDim, dyn = ShapedType::kDynamic;
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, heads, dyn, D}, f32, ValueRange{S});
  return linalg::TransposeOp::create(b, loc, x4, init,
                                     ArrayRef<int64_t>{0, 2, 1, 3})
      ->getResult(0);
}

/// [1, H, S, D] -> [1, S, H*D].
Value DecoderGraphBuilder::fromHeads(Value x, Value S, int64_t heads) {
  int64_t D = spec.headDim, dyn = ShapedType::kDynamic;
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, dyn, heads, D}, f32, ValueRange{S});
  Value t = linalg::TransposeOp::create(b, loc, x, init,
                                        ArrayRef<int64_t>{0, 2, 1, 3})
                ->getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, t, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// [[0, 1, ..., S-1]] as i32.
Value DecoderGraphBuilder::iota(Value S) {
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, ShapedType::kDynamic}, i32, ValueRange{S});
  MLIRContext *ctx = b.getContext();
  auto map = AffineMap::getMultiDimIdentityMap(2, ctx);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{map},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange) {
               Value i = linalg::IndexOp::create(nb, nl, 1);
               Value v = arith::IndexCastOp::create(nb, nl, i32, i);
               linalg::YieldOp::create(nb, nl, v);
             })
      ->getResult(0);
}

/// `fn` applied to each element of `x`, as a linalg.generic.
Value DecoderGraphBuilder::map(
    Value x, function_ref<Value(OpBuilder &, Location, Value)> fn) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(dim(x, d));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(), dynamic);
  auto id = AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{x}, ValueRange{init},
             ArrayRef<AffineMap>{id, id}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, fn(nb, nl, args[0]));
             })
      ->getResult(0);
}

/// x * factor, with the factor rounded to f32 (as PyTorch multiplies an f32
/// tensor by a scalar).
Value DecoderGraphBuilder::scale(Value x, double factor) {
  return map(x, [&](OpBuilder &nb, Location nl, Value v) -> Value {
    Value f = arith::ConstantOp::create(
        nb, nl, nb.getF32FloatAttr(static_cast<float>(factor)));
    return arith::MulFOp::create(nb, nl, v, f);
  });
}

/// cap * tanh(x / cap).
Value DecoderGraphBuilder::softcap(Value x, double cap) {
  return map(x, [&](OpBuilder &nb, Location nl, Value v) -> Value {
    Value c = arith::ConstantOp::create(
        nb, nl, nb.getF32FloatAttr(static_cast<float>(cap)));
    Value t = math::TanhOp::create(nb, nl, arith::DivFOp::create(nb, nl, v, c));
    return arith::MulFOp::create(nb, nl, t, c);
  });
}

/// RMSNorm of `x` over its last dimension by (offset + weight).
Value DecoderGraphBuilder::rmsNorm(Value x, Value weight) {
  if (spec.normWeightOffset != 0.0) {
    double offset = spec.normWeightOffset;
    weight = map(weight, [&](OpBuilder &nb, Location nl, Value v) -> Value {
      Value o = arith::ConstantOp::create(
          nb, nl, nb.getF32FloatAttr(static_cast<float>(offset)));
      return arith::AddFOp::create(nb, nl, o, v);
    });
  }
  return act(RMSNormOp::create(b, loc, x.getType(), x, weight,
                               b.getF32FloatAttr(spec.rmsEps)));
}

Value DecoderGraphBuilder::zeroState(Type stateType) {
  auto type = cast<RankedTensorType>(stateType);
  // alloc_tensor, not tensor.empty: CSE must not merge the caches.
  Value empty =
      bufferization::AllocTensorOp::create(b, loc, type, ValueRange{});
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(type.getElementType())));
  return linalg::FillOp::create(b, loc, zero, empty)->getResult(0);
}

/// Final norm and LM head over `hidden` ([..., H]) into `resultType`.
Value DecoderGraphBuilder::head(Value hidden, Type resultType) {
  Value n = rmsNorm(hidden, toF32(parameter(spec.finalNorm)));
  Value w = parameter(spec.lmHead);
  auto type = cast<RankedTensorType>(resultType);
  // The logits keep the head's f32 accumulation (2-byte logits would tie).
  Value out = linear(n, w, Value(), type.getShape().back(), /*exact=*/true);
  if (spec.finalSoftcap)
    out = softcap(out, *spec.finalSoftcap);
  if (out.getType() != resultType)
    out = tensor::CastOp::create(b, loc, resultType, out);
  return out;
}

/// down(act(gate(x)) * up(x)) with `width` intermediate channels.
Value DecoderGraphBuilder::gatedMlp(Value x, Value gate, Value up, Value down,
                                    int64_t width, Value gateBias, Value upBias,
                                    Value downBias) {
  Value g = linear(x, gate, gateBias, width);
  Value u = linear(x, up, upBias, width);
  Value a;
  switch (spec.activation) {
  case MlpActivation::SiLU:
    a = SwiGLUOp::create(b, loc, g.getType(), g, u);
    break;
  case MlpActivation::GeLUTanh:
    a = arith::MulFOp::create(
        b, loc, act(GeLUOp::create(b, loc, g.getType(), g, b.getUnitAttr())),
        u);
    break;
  }
  return linear(act(a), down, downBias, spec.hidden);
}

/// The sparse MoE block of `x` [1, S, hidden] (Mixtral, Qwen2-MoE):
///   w, e = top-k of softmax(router(x)) (renormalised when the spec says)
///   y    = sum_k w_k * expert_{e_k}(x)        (seq.moe_experts, SwiGLU)
///        + sigmoid(shared_expert_gate(x)) * shared_expert(x)   (if any)
/// over the tokens as rows [S, hidden].
Value DecoderGraphBuilder::moeBlock(Value x, function_ref<Value(Slot)> weight) {
  const MoeSpec &moe = *spec.moe;
  int64_t dyn = ShapedType::kDynamic, E = moe.experts, K = moe.topK;
  SmallVector<ReassociationIndices> merge{{0, 1}, {2}};
  auto tokensType = RankedTensorType::get({dyn, spec.hidden}, f32);
  Value S = dim(x, 1);
  Value t = tensor::CollapseShapeOp::create(b, loc, tokensType, x, merge);
  Value logits = linear(t, weight(Slot::Router), Value(), E);
  auto routeType = RankedTensorType::get({dyn, K}, f32);
  auto route = MoeRouteOp::create(
      b, loc, routeType, RankedTensorType::get({dyn, K}, i32), logits, Value(),
      b.getI64IntegerAttr(K),
      RouterScoringAttr::get(b.getContext(), RouterScoring::Softmax),
      moe.normalize ? b.getUnitAttr() : UnitAttr(), IntegerAttr(),
      IntegerAttr(), FloatAttr());
  auto dispatch = MoeDispatchOp::create(
      b, loc, RankedTensorType::get({dyn}, i32),
      RankedTensorType::get({E + 1}, i32), route.getExperts(),
      b.getI64IntegerAttr(E), FloatAttr());
  // The routing is computed in f32 from the rounded router logits, and
  // its weights stay f32 (as Mixtral's; Qwen2-MoE rounds them, a
  // difference within the 2-byte tolerance).
  Value y = MoeExpertsOp::create(
      b, loc, tokensType, t, route.getWeights(), dispatch.getPermutation(),
      dispatch.getExpertOffsets(), weight(Slot::ExpertGate),
      weight(Slot::ExpertUp), weight(Slot::ExpertDown), Value(), Value(),
      Value(), FfnActivationAttr::get(b.getContext(), FfnActivation::SwiGLU));
  if (Value sharedGate = weight(Slot::SharedGate)) {
    Value shared = gatedMlp(t, sharedGate, weight(Slot::SharedUp),
                            weight(Slot::SharedDown), moe.sharedIntermediate);
    // sigmoid(x . g) [S, 1] scales each token's shared-expert output.
    Value score = linear(t, weight(Slot::SharedExpertGate), Value(), 1);
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap column = AffineMap::get(
        2, 0, {getAffineDimExpr(0, ctx), getAffineConstantExpr(0, ctx)}, ctx);
    Value init = tensor::EmptyOp::create(b, loc, tokensType.getShape(), f32,
                                         ValueRange{dim(t, 0)});
    y = linalg::GenericOp::create(
            b, loc, TypeRange{tokensType}, ValueRange{y, shared, score},
            ValueRange{init}, ArrayRef<AffineMap>{id, id, column, id},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value one =
                  arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1.0f));
              Value e = math::ExpOp::create(
                  nb, nl, arith::NegFOp::create(nb, nl, args[2]));
              Value sig = arith::DivFOp::create(
                  nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
              Value s = arith::MulFOp::create(nb, nl, sig, args[1]);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddFOp::create(nb, nl, args[0], s).getResult());
            })
            ->getResult(0);
  }
  return tensor::ExpandShapeOp::create(
      b, loc, rows(spec.hidden), act(y), merge,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), S,
                                b.getIndexAttr(spec.hidden)});
}

std::vector<std::pair<Slot, std::string>>
DecoderGraphBuilder::slots(const LayerNames &n) {
  std::vector<std::pair<Slot, std::string>> out;
  auto add = [&](Slot s, const std::string &name) {
    if (!name.empty())
      out.emplace_back(s, name);
  };
  add(Slot::InputNorm, n.inputNorm);
  add(Slot::Q, n.q);
  add(Slot::QBias, n.qBias);
  add(Slot::K, n.k);
  add(Slot::KBias, n.kBias);
  add(Slot::V, n.v);
  add(Slot::VBias, n.vBias);
  add(Slot::QNorm, n.qNorm);
  add(Slot::KNorm, n.kNorm);
  add(Slot::O, n.o);
  add(Slot::OBias, n.oBias);
  add(Slot::AttnOutNorm, n.attnOutNorm);
  add(Slot::PostNorm, n.postNorm);
  add(Slot::Gate, n.gate);
  add(Slot::GateBias, n.gateBias);
  add(Slot::Up, n.up);
  add(Slot::UpBias, n.upBias);
  add(Slot::Down, n.down);
  add(Slot::DownBias, n.downBias);
  add(Slot::Router, n.router);
  add(Slot::ExpertGate, n.expertGate);
  add(Slot::ExpertUp, n.expertUp);
  add(Slot::ExpertDown, n.expertDown);
  add(Slot::SharedGate, n.sharedGate);
  add(Slot::SharedUp, n.sharedUp);
  add(Slot::SharedDown, n.sharedDown);
  add(Slot::SharedExpertGate, n.sharedExpertGate);
  add(Slot::MlpOutNorm, n.mlpOutNorm);
  return out;
}

std::vector<std::string> DecoderGraphBuilder::weightNames(const LayerNames &n) {
  std::vector<std::string> out;
  for (auto &[slot, name] : slots(n))
    out.push_back(name);
  for (auto &[role, name] : mixerSlots(n))
    out.push_back(name);
  return out;
}

/// One pre-norm decoder layer:
///   x += o_proj(attention(rope(q), rope(k), v over the caches))
///   x += down(act(gate(n)) * up(n))
/// with, when the spec names them, per-head norms of q and k before RoPE
/// (Qwen3) and norms of the attention and MLP outputs before the residual
/// adds (Gemma-2's sandwich norms); or, in a hybrid stack (Jamba), with a
/// Mamba mixer in place of attention and its conv and SSM states in place
/// of the caches:
///   x += mixer(norm(x))
/// or, in RecurrentGemma, with Griffin's recurrent block (RG-LRU) there.
/// as `@decoder_layer_<i>(x, positions, k_cache, v_cache, weights...)
///   -> (x, k_cache, v_cache)`; `verify` (a Mamba layer of the verify
/// form, @decoder_layer_verify_<i>) returns its states after each token.
func::FuncOp DecoderGraphBuilder::layerFunction(const LayerKind &kind,
                                                const LayerNames &first,
                                                bool verify) {
  auto layerSlots = slots(first);
  auto layerMixerSlots = mixerSlots(first);
  auto [state0, state1] = layerStateTypes(first);
  SmallVector<Type> inputs{rows(spec.hidden), ids(), state0, state1};
  for (const std::string &name : weightNames(first))
    inputs.push_back(tensorType(name));
  SmallVector<Type> results{rows(spec.hidden), state0, state1};
  if (verify)
    results = {rows(spec.hidden),
               mambaPerStepType(cast<RankedTensorType>(state0)),
               mambaPerStepType(cast<RankedTensorType>(state1))};
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  std::string name =
      llvm::formatv(verify ? "decoder_layer_verify_{0}" : "decoder_layer_{0}",
                    layerFuncs.size());
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);

  Value x = body->getArgument(0), positions = body->getArgument(1);
  Value kCache = body->getArgument(2), vCache = body->getArgument(3);
  llvm::DenseMap<int, Value> w;
  for (auto [index, entry] : llvm::enumerate(layerSlots)) {
    Value arg = body->getArgument(4 + index);
    // The experts' stacked weights are read by seq.moe_experts in their
    // stored type; other 2-byte vectors are widened.
    bool stored = entry.first == Slot::ExpertGate ||
                  entry.first == Slot::ExpertUp ||
                  entry.first == Slot::ExpertDown;
    if (auto quant = tensors.find(entry.second)->second.quant)
      formats[arg] = *quant;
    else if (!stored)
      arg = toF32(arg);
    w[static_cast<int>(entry.first)] = arg;
  }
  auto weight = [&](Slot s) { return w.lookup(static_cast<int>(s)); };
  llvm::StringMap<Value> mixerWeights;
  for (auto [index, entry] : llvm::enumerate(layerMixerSlots)) {
    Value arg = body->getArgument(4 + layerSlots.size() + index);
    if (auto quant = tensors.find(entry.second)->second.quant)
      formats[arg] = *quant;
    mixerWeights[entry.first] = arg;
  }

  Value x1, state0Out, state1Out;
  if (first.isMamba()) {
    // x += mixer(norm(x)); the new states go back into the caller's
    // buffers here (as in MambaBuilder), so no entry copies them.
    Value conv = kCache, ssm = vCache;
    Value out =
        emitMambaMixer(b, loc, *spec.mamba, rmsNorm(x, weight(Slot::InputNorm)),
                       conv, ssm, mixerWeights, formats, verify, options.dtype);
    x1 = act(arith::AddFOp::create(b, loc, x, act(out)));
    if (verify) {
      state0Out = conv;
      state1Out = ssm;
    } else {
      state0Out = bufferization::MaterializeInDestinationOp::create(
                      b, loc, conv, kCache)
                      .getResult();
      state1Out =
          bufferization::MaterializeInDestinationOp::create(b, loc, ssm, vCache)
              .getResult();
    }
  } else if (first.isRecurrent()) {
    // x += recurrent_block(norm(x)), its states written back in place.
    Value conv = kCache, state = vCache;
    Value out =
        emitRgLruBlock(b, loc, *spec.rglru, rmsNorm(x, weight(Slot::InputNorm)),
                       positions, conv, state, mixerWeights, formats);
    x1 = act(arith::AddFOp::create(b, loc, x, act(out)));
    state0Out =
        bufferization::MaterializeInDestinationOp::create(b, loc, conv, kCache)
            .getResult();
    state1Out =
        bufferization::MaterializeInDestinationOp::create(b, loc, state, vCache)
            .getResult();
  } else {
    std::tie(x1, state0Out, state1Out) =
        attentionBlock(kind, x, positions, kCache, vCache, weight);
  }

  Value xm = rmsNorm(x1, weight(Slot::PostNorm));
  Value d = weight(Slot::Router)
                ? moeBlock(xm, weight)
                : gatedMlp(xm, weight(Slot::Gate), weight(Slot::Up),
                           weight(Slot::Down), spec.intermediate,
                           weight(Slot::GateBias), weight(Slot::UpBias),
                           weight(Slot::DownBias));
  if (Value norm = weight(Slot::MlpOutNorm))
    d = rmsNorm(d, norm);
  Value x2 = act(arith::AddFOp::create(b, loc, x1, d));
  func::ReturnOp::create(b, loc, ValueRange{x2, state0Out, state1Out});
  layerFuncs.emplace_back(kind, func);
  return func;
}

/// The attention half of a decoder layer: x + o_proj(attention(...)) and
/// the updated K/V caches.
std::tuple<Value, Value, Value>
DecoderGraphBuilder::attentionBlock(const LayerKind &kind, Value x,
                                    Value positions, Value kCache, Value vCache,
                                    function_ref<Value(Slot)> weight) {
  int64_t H = spec.heads, Hkv = spec.kvHeads, D = spec.headDim;
  Value S = dim(x, 1);
  Value xn = rmsNorm(x, weight(Slot::InputNorm));
  Value q = linear(xn, weight(Slot::Q), weight(Slot::QBias), H * D);
  Value k = linear(xn, weight(Slot::K), weight(Slot::KBias), Hkv * D);
  Value v = linear(xn, weight(Slot::V), weight(Slot::VBias), Hkv * D);
  // Per-head norms over D, on [1,S,H,D] before the transpose (which rope
  // then reads through a view).
  Value q4 = splitHeads(q, S, H), k4 = splitHeads(k, S, Hkv);
  if (Value qNorm = weight(Slot::QNorm))
    q4 = rmsNorm(q4, qNorm);
  if (Value kNorm = weight(Slot::KNorm))
    k4 = rmsNorm(k4, kNorm);
  Value qh = transposeHeads(q4, S, H), kh = transposeHeads(k4, S, Hkv);
  Value vh = toHeads(v, S, Hkv);
  auto style = RopeStyleAttr::get(
      b.getContext(), spec.ropeNeoX ? RopeStyle::NeoX : RopeStyle::GPTJ);
  FloatAttr theta = b.getF32FloatAttr(spec.ropeTheta);
  DenseF32ArrayAttr invFreq;
  if (!spec.ropeInvFreq.empty())
    invFreq = b.getDenseF32ArrayAttr(spec.ropeInvFreq);
  Value qr = qh, kr = kh;
  if (spec.rope) {
    IntegerAttr rotaryDim;
    if (spec.rotaryDim)
      rotaryDim = b.getI64IntegerAttr(*spec.rotaryDim);
    FloatAttr ntkFactor;
    IntegerAttr ntkMax;
    if (spec.ropeNtkFactor) {
      ntkFactor = b.getF32FloatAttr(*spec.ropeNtkFactor);
      ntkMax = b.getI64IntegerAttr(spec.ropeNtkMaxPositions);
    }
    qr = act(RopeOp::create(b, loc, qh.getType(), qh, positions, theta, style,
                            rotaryDim, invFreq, ntkFactor, ntkMax));
    kr = act(RopeOp::create(b, loc, kh.getType(), kh, positions, theta, style,
                            rotaryDim, invFreq, ntkFactor, ntkMax));
  }
  auto one = RankedTensorType::get({1}, i32);
  Value start = tensor::ExtractSliceOp::create(
      b, loc, one, positions,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  // K and V are rounded to the cache's dtype as they are written; the
  // attention widens them to f32 as it reads them.
  Value k2 = CacheWriteOp::create(b, loc, cacheType(), kCache, toCacheType(kr),
                                  start, Value());
  Value v2 = CacheWriteOp::create(b, loc, cacheType(), vCache, toCacheType(vh),
                                  start, Value());
  Value sI32 = arith::IndexCastOp::create(b, loc, i32, S);
  Value sT = tensor::FromElementsOp::create(b, loc, one, ValueRange{sI32});
  Value kvLen = arith::AddIOp::create(b, loc, start, sT);
  IntegerAttr window;
  if (kind.window)
    window = b.getI64IntegerAttr(*kind.window);
  FloatAttr scaleAttr, softcapAttr;
  if (spec.attentionScale || spec.ropeAttentionFactor != 1.0) {
    double scale = spec.attentionScale
                       ? *spec.attentionScale
                       : 1.0 / std::sqrt(static_cast<double>(spec.headDim));
    scaleAttr = b.getF32FloatAttr(scale * spec.ropeAttentionFactor *
                                  spec.ropeAttentionFactor);
  }
  if (spec.attentionSoftcap)
    softcapAttr = b.getF32FloatAttr(*spec.attentionSoftcap);
  Value att = AttentionOp::create(b, loc, qr.getType(), Type(), qr, k2, v2,
                                  kvLen, Value(), scaleAttr, b.getUnitAttr(),
                                  window, softcapAttr)
                  .getOutput();
  // Rounded after the transpose back to rows, which the attention's
  // lowering then stores directly.
  Value o = linear(act(fromHeads(att, S, H)), weight(Slot::O),
                   weight(Slot::OBias), spec.hidden);
  if (Value norm = weight(Slot::AttnOutNorm))
    o = rmsNorm(o, norm);
  return {act(arith::AddFOp::create(b, loc, x, o)), k2, v2};
}

/// @forward(tokens [1,S], positions [1,S], k0, v0, k1, v1, ...)
///   -> (hidden [1,S,H] before the final norm, k0', v0', ...)
/// (`verify`: @forward_verify, whose Mamba layers return their states
/// after each token; the other layers are @forward's.)
void DecoderGraphBuilder::buildForward(bool verify) {
  // One function per distinct layer kind, made in layer order.
  // Layers share a function when their kind and the types (and GGUF
  // formats) of their weights are equal.
  std::vector<func::FuncOp> perLayer;
  std::vector<std::string> signatures;
  for (int64_t l = 0; l < spec.layers; ++l) {
    const LayerKind &kind = spec.layerKinds[l];
    std::string sig;
    llvm::raw_string_ostream os(sig);
    os << (kind.window ? *kind.window : -1);
    for (auto &[slot, name] : slots(spec.layerNames[l])) {
      const TensorInfo &info = tensors.find(name)->second;
      os << "|" << static_cast<int>(slot) << ":" << tensorType(name) << ":"
         << (info.quant ? static_cast<int>(*info.quant) : -1);
    }
    for (auto &[role, name] : mixerSlots(spec.layerNames[l]))
      os << "|" << role << ":" << tensorType(name);
    func::FuncOp f;
    for (auto [index, other] : llvm::enumerate(signatures))
      if (other == sig)
        f = perLayer[index];
    signatures.push_back(sig);
    if (verify && !spec.layerNames[l].isMamba())
      f = forwardLayers[l];
    perLayer.push_back(f ? f : layerFunction(kind, spec.layerNames[l], verify));
  }
  if (!verify)
    forwardLayers = perLayer;

  SmallVector<Type> inputs{ids(), ids()}, results{rows(spec.hidden)};
  inputs.append(stateTypes());
  results.append(stateTypes(verify));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto func =
      func::FuncOp::create(b, loc, verify ? "forward_verify" : "forward",
                           b.getFunctionType(inputs, results));
  func.setPrivate();
  (verify ? forwardVerify : forward) = func;
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value tokens = body->getArgument(0), positions = body->getArgument(1);
  Value x = embedding(parameter(spec.embedding), tokens);
  // A 2-byte run multiplies by the scale in its dtype (Gemma-2's
  // normalizer is a tensor of the activations' dtype).
  if (spec.embeddingScale)
    x = act(
        scale(x, roundToActivationDtype(*spec.embeddingScale, options.dtype)));
  SmallVector<Value> outs{Value()};
  for (int64_t l = 0; l < spec.layers; ++l) {
    SmallVector<Value> args{x, positions, body->getArgument(2 + 2 * l),
                            body->getArgument(3 + 2 * l)};
    for (const std::string &name : weightNames(spec.layerNames[l]))
      args.push_back(parameter(name));
    auto call = func::CallOp::create(b, loc, perLayer[l], args);
    x = call.getResult(0);
    outs.push_back(call.getResult(1));
    outs.push_back(call.getResult(2));
  }
  outs[0] = x;
  func::ReturnOp::create(b, loc, outs);
}

/// Public entry `name` with `inputs` -> `results`; returns its body.
static Block *entry(OpBuilder &b, ModuleOp module, Location loc, StringRef name,
                    TypeRange inputs, TypeRange results) {
  b.setInsertionPointToEnd(module.getBody());
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, results));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  return body;
}

/// @logits(tokens [1,S]) -> logits [1,S,V] from empty caches.
void DecoderGraphBuilder::buildLogits() {
  auto logitsType =
      RankedTensorType::get({1, ShapedType::kDynamic, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "logits", {ids()}, {logitsType});
  Value tokens = body->getArgument(0);
  SmallVector<Value> args{tokens, iota(dim(tokens, 1))};
  for (Type type : stateTypes())
    args.push_back(zeroState(type)); // one buffer each: every state is written
  auto call = func::CallOp::create(b, loc, forward, args);
  func::ReturnOp::create(b, loc, head(call.getResult(0), logitsType));
}

/// The logits of the last row of `hidden` [1,S,H] as [1,V].
static Value lastRowLogits(OpBuilder &b, Location loc, Value hidden,
                           int64_t width, std::function<Value(Value)> head) {
  Value S = tensor::DimOp::create(b, loc, hidden, 1);
  Value last = arith::SubIOp::create(b, loc, S,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  auto row = RankedTensorType::get({1, width}, b.getF32Type());
  Value x = tensor::ExtractSliceOp::create(
      b, loc, row, hidden,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), last, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(width)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
  return head(x);
}

/// @prefill(tokens [1,S], start [1], caches...) -> (logits [1,V], caches...)
/// and @decode(token [1,1], position [1], caches...) -> the same: the
/// tokens at positions start..start+S-1, after what the caches hold.
void DecoderGraphBuilder::buildPrefill() {
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  for (bool decode : {false, true}) {
    auto tokType = decode ? RankedTensorType::get({1, 1}, i32) : ids();
    SmallVector<Type> inputs{tokType, one}, results{logits};
    inputs.append(stateTypes());
    results.append(stateTypes());
    Block *body =
        entry(b, module, loc, decode ? "decode" : "prefill", inputs, results);
    // The caches are state the caller lends: updated in place, returned as
    // the matching outputs.
    auto func = cast<func::FuncOp>(body->getParentOp());
    for (int64_t l = 0; l < 2 * spec.layers; ++l) {
      func.setArgAttr(2 + l, seqrt::abi::kInPlaceAttr,
                      b.getI64IntegerAttr(1 + l));
      // Mamba and recurrent layers' states summarise the whole past.
      if (spec.layerNames[l / 2].isMamba() ||
          spec.layerNames[l / 2].isRecurrent())
        func.setArgAttr(2 + l, seqrt::abi::kRecurrentAttr, b.getUnitAttr());
    }
    Value tokens = body->getArgument(0);
    if (decode)
      tokens = tensor::CastOp::create(b, loc, ids(), tokens);
    // positions = start + iota(S)
    Value S = dim(tokens, 1);
    Value startIdx = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        tensor::ExtractOp::create(b, loc, body->getArgument(1),
                                  ValueRange{constIndex(0)}));
    Value startI32 = arith::IndexCastOp::create(b, loc, i32, startIdx);
    Value offsets = tensor::SplatOp::create(
        b, loc, RankedTensorType::get({1, ShapedType::kDynamic}, i32), startI32,
        ValueRange{S});
    Value positions = arith::AddIOp::create(b, loc, iota(S), offsets);
    SmallVector<Value> args{tokens, positions};
    for (int64_t l = 0; l < 2 * spec.layers; ++l)
      args.push_back(body->getArgument(2 + l));
    auto call = func::CallOp::create(b, loc, forward, args);
    SmallVector<Value> outs{
        lastRowLogits(b, loc, call.getResult(0), spec.hidden,
                      [&](Value x) { return head(x, logits); })};
    for (int64_t l = 0; l < 2 * spec.layers; ++l)
      outs.push_back(call.getResult(1 + l));
    func::ReturnOp::create(b, loc, outs);
  }
}

/// @generate(prompt [1,S], seed) -> (tokens [1,N], count [1]): prefill,
/// sample the first token, then a seq.decode_loop for the other N-1.
/// `count` is the number of tokens generated, the first and an EOS
/// included (N when no EOS came).
void DecoderGraphBuilder::buildGenerate() {
  int64_t N = options.maxNewTokens;
  auto tokensType = RankedTensorType::get({1, N}, i32);
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "generate", {ids(), b.getI64Type()},
                      {tokensType, one});
  Value prompt = body->getArgument(0), seed = body->getArgument(1);
  Value S = dim(prompt, 1);
  SmallVector<Value> args{prompt, iota(S)};
  for (Type type : stateTypes())
    args.push_back(zeroState(type));
  auto prefill = func::CallOp::create(b, loc, forward, args);
  Value last = lastRowLogits(b, loc, prefill.getResult(0), spec.hidden,
                             [&](Value x) { return head(x, logits); });
  auto sampling = SamplingAttr::get(
      b.getContext(), llvm::APFloat(static_cast<float>(options.temperature)),
      options.topK, llvm::APFloat(static_cast<float>(options.topP)));
  SmallVector<Value> state(prefill.getResults().drop_front());
  SmallVector<Type> types = stateTypes();
  emitGenerateTail(
      b, loc, N, last, S, seed, state, types,
      options.ignoreEos ? ArrayRef<int64_t>() : ArrayRef(spec.eosTokenIds),
      sampling, [&](Block *loopBody) {
        Value tok =
            tensor::CastOp::create(b, loc, ids(), loopBody->getArgument(0));
        Value pos =
            tensor::CastOp::create(b, loc, ids(), loopBody->getArgument(1));
        SmallVector<Value> callArgs{tok, pos};
        for (int64_t l = 0; l < 2 * spec.layers; ++l)
          callArgs.push_back(loopBody->getArgument(2 + l));
        auto call = func::CallOp::create(b, loc, forward, callArgs);
        auto stepLogits = RankedTensorType::get({1, 1, spec.vocab}, f32);
        Value h = tensor::CastOp::create(
            b, loc, RankedTensorType::get({1, 1, spec.hidden}, f32),
            call.getResult(0));
        SmallVector<Value> yields{head(h, stepLogits)};
        for (int64_t l = 0; l < 2 * spec.layers; ++l)
          yields.push_back(call.getResult(1 + l));
        return yields;
      });
}

/// @generate_beams(prompt [1,S]) -> (sequences [1,beams,N], scores
/// [1,beams], lengths [1,beams]): prefill, then a seq.beam_search_loop
/// (emitBeamSearchTail) whose body runs the forward on each beam's row.
///
/// With --kv-cache-block-size=BS the KV caches are block pools read through
/// a block table (PagedBeams.cpp's paged copy of @forward): MaxBlocks =
/// ceil(Capacity / BS) table entries per row, a pool of as many blocks for
/// the prompt plus beams * ceil((BS - 1 + N) / BS), the minimum the
/// loop's verifier asks for. The prompt is prefilled into blocks 0, 1, ...
/// of row 0 (every row's entry table is 0, 1, ..., MaxBlocks - 1; the loop
/// reads only beam 0's at entry).
void DecoderGraphBuilder::buildGenerateBeams() {
  int64_t N = options.maxNewTokens, beams = options.numBeams;
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  int64_t blockSize = options.kvCacheBlockSize;
  func::FuncOp stepFunc = forward;
  SmallVector<unsigned> pagedState;
  Value tableRow0, tableInit;
  SmallVector<int32_t> tableBlocks;
  if (blockSize > 0) {
    auto ceilDiv = [](int64_t a, int64_t d) { return (a + d - 1) / d; };
    int64_t promptBlocks = ceilDiv(cap, blockSize);
    int64_t maxBlocks = std::max(promptBlocks, ceilDiv(N, blockSize));
    int64_t numBlocks =
        promptBlocks + beams * ceilDiv(blockSize - 1 + N, blockSize);
    FailureOr<PagedForward> paged =
        pagedForwardCopy(module, forward, numBlocks, blockSize, maxBlocks);
    if (failed(paged)) {
      buildFailed = true;
      return;
    }
    if (paged->pagedArgs.empty()) {
      emitError(loc) << "--kv-cache-block-size pages the KV caches of "
                        "`generate_beams`: this model has none";
      buildFailed = true;
      return;
    }
    stepFunc = paged->func;
    for (unsigned arg : paged->pagedArgs)
      pagedState.push_back(arg - 2); // after tokens and positions
    tableBlocks.resize(beams * maxBlocks);
    for (int64_t i = 0; i < beams * maxBlocks; ++i)
      tableBlocks[i] = static_cast<int32_t>(i % maxBlocks);
  }
  Block *body = entry(b, module, loc, "generate_beams", {ids()},
                      {RankedTensorType::get({1, beams, N}, i32),
                       RankedTensorType::get({1, beams}, f32),
                       RankedTensorType::get({1, beams}, i32)});
  if (!tableBlocks.empty()) {
    int64_t maxBlocks = static_cast<int64_t>(tableBlocks.size()) / beams;
    auto rowType = RankedTensorType::get({1, maxBlocks}, i32);
    auto tableType = RankedTensorType::get({beams, maxBlocks}, i32);
    tableRow0 = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(rowType,
                               ArrayRef(tableBlocks).take_front(maxBlocks)));
    tableInit = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tableType, ArrayRef(tableBlocks)));
  }
  Value prompt = body->getArgument(0);
  Value S = dim(prompt, 1);
  SmallVector<Value> args{prompt, iota(S)};
  for (Type type : stepFunc.getArgumentTypes().drop_front(2).take_front(
           stateTypes().size()))
    args.push_back(zeroState(type));
  if (tableRow0)
    args.push_back(tableRow0);
  auto prefill = func::CallOp::create(b, loc, stepFunc, args);
  Value last = lastRowLogits(b, loc, prefill.getResult(0), spec.hidden,
                             [&](Value x) { return head(x, logits); });
  emitBeamSearchTail(
      b, loc, options, last, S, prefill.getResults().drop_front(),
      options.ignoreEos ? ArrayRef<int64_t>() : ArrayRef(spec.eosTokenIds),
      [&](Value token, Value position, ValueRange caches) {
        SmallVector<Value> callArgs{
            tensor::CastOp::create(b, loc, ids(), token),
            tensor::CastOp::create(b, loc, ids(), position)};
        llvm::append_range(callArgs, caches);
        auto call = func::CallOp::create(b, loc, stepFunc, callArgs);
        Value h = tensor::CastOp::create(
            b, loc, RankedTensorType::get({1, 1, spec.hidden}, f32),
            call.getResult(0));
        SmallVector<Value> yields{
            head(h, RankedTensorType::get({1, 1, spec.vocab}, f32))};
        llvm::append_range(yields, call.getResults().drop_front());
        return yields;
      },
      pagedState, tableInit);
}

void mlir::seq::emitGenerateTail(
    OpBuilder &b, Location loc, int64_t N, Value lastLogits, Value promptLength,
    Value seed, ValueRange state, TypeRange stateTypes,
    ArrayRef<int64_t> eosTokenIds, SamplingAttr sampling,
    function_ref<SmallVector<Value>(Block *)> stepBody) {
  Type i32 = b.getI32Type();
  auto tokensType = RankedTensorType::get({1, N}, i32);
  auto one = RankedTensorType::get({1}, i32);
  auto constIndex = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto countOf = [&](int32_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(one, b.getI32IntegerAttr(v)));
  };
  Value counter0 = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value first =
      SampleOp::create(b, loc, one, lastLogits, seed, counter0, sampling);
  Value tokenRow = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({1, 1}, i32), first,
      SmallVector<ReassociationIndices>{{0, 1}});
  if (N == 1) {
    func::ReturnOp::create(b, loc, ValueRange{tokenRow, countOf(1)});
    return;
  }
  // The other N - 1 tokens: a decode loop whose sampling counters start
  // at 1 (the first token drew counter 0); `count` includes the first.
  auto runLoop = [&]() -> std::pair<Value, Value> {
    Value startPos = tensor::FromElementsOp::create(
        b, loc, one,
        ValueRange{
            arith::IndexCastOp::create(b, loc, i32, promptLength).getResult()});
    auto loopTokens = RankedTensorType::get({1, N - 1}, i32);
    auto loop = DecodeLoopOp::create(
        b, loc, loopTokens, one, stateTypes, first, startPos, seed, state,
        b.getI64IntegerAttr(N - 1), b.getDenseI64ArrayAttr(eosTokenIds),
        b.getI64IntegerAttr(0), /*counter_offset=*/b.getI64IntegerAttr(1),
        sampling);
    {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Type> argTypes{RankedTensorType::get({1, 1}, i32),
                                 RankedTensorType::get({1, 1}, i32)};
      llvm::append_range(argTypes, stateTypes);
      SmallVector<Location> locs(argTypes.size(), loc);
      Block *loopBody = b.createBlock(&loop.getBody(), {}, argTypes, locs);
      YieldOp::create(b, loc, stepBody(loopBody));
    }
    Value all = tensor::ConcatOp::create(
        b, loc, tokensType, 1, ValueRange{tokenRow, loop.getTokens()});
    Value count =
        arith::AddIOp::create(b, loc, loop.getNumGenerated(), countOf(1));
    return {all, count};
  };
  if (eosTokenIds.empty()) {
    auto [all, count] = runLoop();
    func::ReturnOp::create(b, loc, ValueRange{all, count});
    return;
  }
  // A first token that is EOS ends generation: the rest is padding (0)
  // and the loop does not run.
  Value firstId =
      tensor::ExtractOp::create(b, loc, first, ValueRange{constIndex(0)});
  Value isEos;
  for (int64_t id : eosTokenIds) {
    Value eq = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, firstId,
        arith::ConstantOp::create(
            b, loc, b.getI32IntegerAttr(static_cast<int32_t>(id))));
    isEos = isEos ? arith::OrIOp::create(b, loc, isEos, eq).getResult() : eq;
  }
  auto branch = scf::IfOp::create(b, loc, TypeRange{tokensType, one}, isEos,
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    Value pads = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tokensType, b.getI32IntegerAttr(0)));
    Value tokens = tensor::InsertOp::create(
        b, loc, firstId, pads, ValueRange{constIndex(0), constIndex(0)});
    scf::YieldOp::create(b, loc, ValueRange{tokens, countOf(1)});
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    auto [all, count] = runLoop();
    scf::YieldOp::create(b, loc, ValueRange{all, count});
  }
  func::ReturnOp::create(b, loc, branch.getResults());
}

LogicalResult mlir::seq::checkBeamOptions(Location loc,
                                          const ImportOptions &options) {
  if (options.numBeams < 0 || options.numBeams > 1024)
    return emitError(loc) << "--num-beams must be in 0 .. 1024, got "
                          << options.numBeams;
  if (!std::isfinite(options.lengthPenalty))
    return emitError(loc) << "--length-penalty must be finite";
  if (options.kvCacheBlockSize < 0 || options.kvCacheBlockSize > 4096)
    return emitError(loc) << "--kv-cache-block-size must be in 0 .. 4096, got "
                          << options.kvCacheBlockSize;
  if (options.kvCacheBlockSize > 0 && options.numBeams == 0)
    return emitError(loc) << "--kv-cache-block-size pages the KV caches of "
                             "`generate_beams`: it needs --num-beams";
  StringRef early = options.earlyStopping;
  if (early != "false" && early != "true" && early != "never")
    return emitError(loc) << "--early-stopping must be false, true or never, "
                             "got '"
                          << early << "'";
  return success();
}

void mlir::seq::emitBeamSearchTail(
    OpBuilder &b, Location loc, const ImportOptions &options, Value lastLogits,
    Value promptLength, ValueRange state, ArrayRef<int64_t> eosTokenIds,
    function_ref<SmallVector<Value>(Value, Value, ValueRange)> rowStep,
    ArrayRef<unsigned> pagedState, Value tableInit) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  int64_t N = options.maxNewTokens, beams = options.numBeams;
  auto logitsType = cast<RankedTensorType>(lastLogits.getType());
  int64_t vocab = logitsType.getDimSize(1);
  auto constIndex = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Every beam's row starts as the prefilled state (only beam 0's is
  // read: the first step expands beam 0 alone, the reorder copies it).
  auto beamRows = [](RankedTensorType t, int64_t rows) {
    SmallVector<int64_t> shape(t.getShape());
    shape[0] = rows;
    return RankedTensorType::get(shape, t.getElementType());
  };
  // A paged cache is one pool for all rows (the loop shares and copies
  // its blocks); the block table follows the states.
  auto isPaged = [&](size_t i) {
    return llvm::is_contained(pagedState, static_cast<unsigned>(i));
  };
  SmallVector<Value> init;
  SmallVector<Type> initTypes;
  for (auto [i, v] : llvm::enumerate(state)) {
    if (isPaged(i)) {
      init.push_back(v);
      initTypes.push_back(v.getType());
      continue;
    }
    auto type = beamRows(cast<RankedTensorType>(v.getType()), beams);
    SmallVector<Value> copies(beams, v);
    init.push_back(
        beams == 1 ? v : tensor::ConcatOp::create(b, loc, type, 0, copies));
    initTypes.push_back(type);
  }
  IntegerAttr tableIndex;
  SmallVector<int64_t> pagedIndices(pagedState.begin(), pagedState.end());
  if (tableInit) {
    tableIndex = b.getI64IntegerAttr(static_cast<int64_t>(init.size()));
    init.push_back(tableInit);
    initTypes.push_back(tableInit.getType());
  }
  Value startPos = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({1}, i32),
      ValueRange{
          arith::IndexCastOp::create(b, loc, i32, promptLength).getResult()});
  auto seqsType = RankedTensorType::get({1, beams, N}, i32);
  auto scoresType = RankedTensorType::get({1, beams}, f32);
  auto lengthsType = RankedTensorType::get({1, beams}, i32);
  auto loop = BeamSearchLoopOp::create(
      b, loc, seqsType, scoresType, lengthsType, lastLogits, startPos, init,
      b.getI64IntegerAttr(beams), b.getI64IntegerAttr(N),
      b.getDenseI64ArrayAttr(eosTokenIds), b.getI64IntegerAttr(0),
      b.getF64FloatAttr(options.lengthPenalty),
      b.getStringAttr(options.earlyStopping), tableIndex,
      b.getDenseI64ArrayAttr(pagedIndices));
  {
    OpBuilder::InsertionGuard guard(b);
    auto column = RankedTensorType::get({beams, 1}, i32);
    SmallVector<Type> argTypes{column, column};
    llvm::append_range(argTypes, initTypes);
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *body = b.createBlock(&loop.getBody(), {}, argTypes, locs);
    // One forward per beam row: the model functions take one row.
    auto stepLogits = RankedTensorType::get({beams, 1, vocab}, f32);
    SmallVector<Value> carried{
        tensor::EmptyOp::create(b, loc, stepLogits.getShape(), f32)};
    llvm::append_range(carried,
                       body->getArguments().drop_front(2).take_front(
                           state.size()));
    auto rowLoop = scf::ForOp::create(b, loc, constIndex(0), constIndex(beams),
                                      constIndex(1), carried);
    b.setInsertionPointToStart(rowLoop.getBody());
    Value r = rowLoop.getInductionVar();
    auto rowSlice = [&](Value from, RankedTensorType rowType) -> Value {
      int64_t rank = rowType.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      offsets[0] = r;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(b.getIndexAttr(rowType.getDimSize(d)));
      return tensor::ExtractSliceOp::create(b, loc, rowType, from, offsets,
                                            sizes, strides);
    };
    auto insertRow = [&](Value row, Value into) -> Value {
      auto rowType = cast<RankedTensorType>(row.getType());
      int64_t rank = rowType.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      offsets[0] = r;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(b.getIndexAttr(rowType.getDimSize(d)));
      return tensor::InsertSliceOp::create(b, loc, row, into, offsets, sizes,
                                           strides);
    };
    auto one = RankedTensorType::get({1, 1}, i32);
    Value tok = rowSlice(body->getArgument(0), one);
    Value pos = rowSlice(body->getArgument(1), one);
    SmallVector<Value> rowState;
    ValueRange iter = rowLoop.getRegionIterArgs();
    for (auto [i, v, t] :
         llvm::enumerate(iter.drop_front(), state.getTypes()))
      rowState.push_back(isPaged(i) ? v
                                    : rowSlice(v, cast<RankedTensorType>(t)));
    if (tableInit) {
      auto tableType = cast<RankedTensorType>(tableInit.getType());
      rowState.push_back(rowSlice(
          body->getArguments().back(),
          RankedTensorType::get({1, tableType.getDimSize(1)}, i32)));
    }
    SmallVector<Value> out = rowStep(tok, pos, rowState);
    SmallVector<Value> next{insertRow(out[0], iter[0])};
    for (auto [i, row, into] :
         llvm::enumerate(ArrayRef(out).drop_front(), iter.drop_front()))
      next.push_back(isPaged(i) ? row : insertRow(row, into));
    scf::YieldOp::create(b, loc, next);
    b.setInsertionPointAfter(rowLoop);
    SmallVector<Value> yields(rowLoop.getResults());
    if (tableInit) // the loop owns the table: the body returns it as is
      yields.push_back(body->getArguments().back());
    YieldOp::create(b, loc, yields);
  }
  func::ReturnOp::create(b, loc, loop.getResults());
}

/// The private functions the speculative and best-of-N entries call
/// (Speculative.cpp): @step(tokens [1,S], positions [1,S], states...) ->
/// (logits [1,S,V], states...) and @advance(...) -> (states...), the same
/// without the head. @step carries the EOS ids `generate` stops at and
/// whether some state is recurrent (attributes kStepEosAttr and
/// kStepRecurrentAttr).
void DecoderGraphBuilder::buildStep() {
  SmallVector<Type> inputs{ids(), ids()};
  inputs.append(stateTypes());
  auto logitsType =
      RankedTensorType::get({1, ShapedType::kDynamic, spec.vocab}, f32);
  bool recurrent = llvm::any_of(spec.layerNames, [](const LayerNames &n) {
    return n.isMamba() || n.isRecurrent();
  });
  for (bool withHead : {true, false}) {
    SmallVector<Type> results;
    if (withHead)
      results.push_back(logitsType);
    results.append(stateTypes());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    auto func = func::FuncOp::create(b, loc, withHead ? "step" : "advance",
                                     b.getFunctionType(inputs, results));
    func.setPrivate();
    if (withHead) {
      func->setAttr(kStepCapacityAttr, b.getI64IntegerAttr(cap));
      func->setAttr(kStepEosAttr,
                    b.getDenseI64ArrayAttr(options.ignoreEos
                                               ? ArrayRef<int64_t>()
                                               : ArrayRef(spec.eosTokenIds)));
      if (recurrent)
        func->setAttr(kStepRecurrentAttr, b.getUnitAttr());
    }
    Block *body = func.addEntryBlock();
    b.setInsertionPointToStart(body);
    auto call = func::CallOp::create(b, loc, forward,
                                     SmallVector<Value>(body->getArguments()));
    SmallVector<Value> outs;
    if (withHead)
      outs.push_back(head(call.getResult(0), logitsType));
    llvm::append_range(outs, call.getResults().drop_front());
    func::ReturnOp::create(b, loc, outs);
  }
  if (!forwardVerify)
    return;
  // @step_verify: @step with the Mamba layers' states after each token
  // (kVerifyStepName).
  SmallVector<Type> results{logitsType};
  results.append(stateTypes(/*eachStep=*/true));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, loc, kVerifyStepName,
                                   b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto call = func::CallOp::create(b, loc, forwardVerify,
                                   SmallVector<Value>(body->getArguments()));
  SmallVector<Value> outs{head(call.getResult(0), logitsType)};
  llvm::append_range(outs, call.getResults().drop_front());
  func::ReturnOp::create(b, loc, outs);
}

OwningOpRef<ModuleOp> DecoderGraphBuilder::build() {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(loc);
  module = *owned;
  buildForward(/*verify=*/false);
  // The verify form of a hybrid with Mamba layers (RG-LRU blocks have
  // none yet: such a target is refused by Speculative.cpp).
  bool mamba = llvm::any_of(spec.layerNames,
                            [](const LayerNames &n) { return n.isMamba(); });
  bool rglru = llvm::any_of(
      spec.layerNames, [](const LayerNames &n) { return n.isRecurrent(); });
  if (speculativeTarget(options) && mamba && !rglru)
    buildForward(/*verify=*/true);
  buildStep();
  buildLogits();
  buildPrefill();
  buildGenerate();
  if (options.numBeams > 0)
    buildGenerateBeams();
  if (buildFailed)
    return nullptr;
  return owned;
}

/// Every tensor the spec names, with its expected shape.
std::vector<std::pair<std::string, SmallVector<int64_t>>>
mlir::seq::expectedDecoderTensors(const DecoderSpec &s) {
  std::vector<std::pair<std::string, SmallVector<int64_t>>> out;
  int64_t q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
  out.push_back({s.embedding, {s.vocab, s.hidden}});
  for (const LayerNames &n : s.layerNames) {
    auto add = [&](const std::string &name, SmallVector<int64_t> shape) {
      if (!name.empty())
        out.push_back({name, shape});
    };
    add(n.inputNorm, {s.hidden});
    add(n.q, {q, s.hidden});
    add(n.k, {kv, s.hidden});
    add(n.v, {kv, s.hidden});
    add(n.o, {s.hidden, q});
    add(n.qBias, {q});
    add(n.kBias, {kv});
    add(n.vBias, {kv});
    add(n.oBias, {s.hidden});
    add(n.qNorm, {s.headDim});
    add(n.kNorm, {s.headDim});
    add(n.attnOutNorm, {s.hidden});
    add(n.postNorm, {s.hidden});
    add(n.gate, {s.intermediate, s.hidden});
    add(n.up, {s.intermediate, s.hidden});
    add(n.down, {s.hidden, s.intermediate});
    add(n.gateBias, {s.intermediate});
    add(n.upBias, {s.intermediate});
    add(n.downBias, {s.hidden});
    if (!n.router.empty()) {
      const MoeSpec &m = *s.moe;
      // A stacked weight is its parts, each its shape without dim 0.
      auto addExperts = [&](const std::string &name,
                            SmallVector<int64_t> shape) {
        auto parts = s.stacked.find(name);
        if (parts == s.stacked.end())
          return add(name, shape);
        for (const std::string &part : parts->second)
          add(part, SmallVector<int64_t>(shape.begin() + 1, shape.end()));
      };
      add(n.router, {m.experts, s.hidden});
      addExperts(n.expertGate, {m.experts, m.intermediate, s.hidden});
      addExperts(n.expertUp, {m.experts, m.intermediate, s.hidden});
      addExperts(n.expertDown, {m.experts, s.hidden, m.intermediate});
      add(n.sharedGate, {m.sharedIntermediate, s.hidden});
      add(n.sharedUp, {m.sharedIntermediate, s.hidden});
      add(n.sharedDown, {s.hidden, m.sharedIntermediate});
      add(n.sharedExpertGate, {1, s.hidden});
    }
    add(n.mlpOutNorm, {s.hidden});
    if (n.isMamba())
      expectedMambaMixerTensors(*s.mamba, n.mamba, out);
    if (n.isRecurrent())
      expectedRgLruTensors(*s.rglru, n.rglru, out);
  }
  out.push_back({s.finalNorm, {s.hidden}});
  if (s.lmHead != s.embedding)
    out.push_back({s.lmHead, {s.vocab, s.hidden}});
  return out;
}
OwningOpRef<ModuleOp> mlir::seq::buildDecoder(
    MLIRContext *context, Location loc, const DecoderSpec &spec,
    const llvm::StringMap<TensorInfo> &tensors, const ImportOptions &options) {
  context->loadDialect<SeqDialect, func::FuncDialect, arith::ArithDialect,
                       bufferization::BufferizationDialect,
                       tensor::TensorDialect, linalg::LinalgDialect,
                       math::MathDialect, scf::SCFDialect>();
  return DecoderGraphBuilder(context, loc, spec, tensors, options).build();
}
