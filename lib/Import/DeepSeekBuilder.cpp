//===- DeepSeekBuilder.cpp - DeepSeek-V3 decoders in seq IR ---------------===//
//
// This file implements buildDeepSeek: the seq module of a DeepSeek-V3
// decoder with the entries of every imported decoder
//
//   @logits(tokens [1,S])                      -> logits [1,S,V]
//   @prefill(tokens [1,S], start [1], caches)  -> last logits [1,V], caches
//   @decode(token [1,1], position [1], caches) -> logits [1,V], caches
//   @generate(prompt [1,S], seed)              -> tokens [1,N], count [1]
//
// where `caches` are one compressed cache per layer, [1, 1, Cap, R + Dr]:
// per token the normalised latent c_kv (R = kv_lora_rank) and the shared
// rotary key k_pe (Dr = qk_rope_head_dim), never per-head keys or values.
//
// Multi-head latent attention in its absorbed form is seq.attention with
// one KV head (MQA): per head h,
//
//   q_lat_h = W_UK_h^T q_nope_h                         [S, R]
//   o_h     = attention([q_lat_h, rope(q_pe_h)], keys = [c_kv, k_pe],
//                       values = c_kv)                  [S, R]
//   out_h   = W_UV_h o_h                                [S, Dv]
//
// with W_UK_h [Dn, R] and W_UV_h [Dv, R] the rows of kv_b_proj for head h,
// since q_nope . (W_UK c) = (W_UK^T q_nope) . c and the softmax weights
// commute with W_UV. This is what transformers' DeepseekV3Attention
// computes by expanding the latents into per-head keys and values.
//
//===----------------------------------------------------------------------===//

#include "DeepSeekBuilder.h"

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
  QA,
  QABias,
  QANorm,
  QB,
  Q,
  KvA,
  KvABias,
  KvANorm,
  KvB,
  O,
  OBias,
  PostNorm,
  Gate,
  Up,
  Down,
  Router,
  RouterBias,
  ExpertGate,
  ExpertUp,
  ExpertDown,
  SharedGate,
  SharedUp,
  SharedDown
};

class DeepSeekGraphBuilder {
public:
  DeepSeekGraphBuilder(MLIRContext *context, Location loc,
                       const DeepSeekSpec &spec,
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
  static constexpr int64_t dyn = ShapedType::kDynamic;
  RankedTensorType rows(int64_t width) {
    return RankedTensorType::get({1, dyn, width}, f32);
  }
  RankedTensorType ids() { return RankedTensorType::get({1, dyn}, i32); }
  /// One layer's compressed cache: [c_kv, k_pe] per token, in
  /// --kv-cache-dtype.
  RankedTensorType cacheType() {
    return RankedTensorType::get({1, 1, cap, spec.kvLoraRank + spec.ropeDim},
                                 cacheElement);
  }
  RankedTensorType tensorType(StringRef name) {
    const TensorInfo &info = tensors.find(name)->second;
    return RankedTensorType::get(info.shape, info.elementType);
  }

  Value constIndex(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value dim(Value v, int64_t d) { return tensor::DimOp::create(b, loc, v, d); }
  Value parameter(StringRef name);
  /// `v` widened to f32 if it is a bf16/f16 tensor (norm weights, biases
  /// and the router's selection bias of half-precision checkpoints).
  Value toF32(Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!isa<BFloat16Type, Float16Type>(type.getElementType()))
      return v;
    return arith::ExtFOp::create(b, loc, type.clone(f32), v);
  }
  /// `v` (f32 activations) rounded to --dtype's values, or `v` for f32.
  Value act(Value v) {
    return roundToActivationDtype(b, loc, v, options.dtype);
  }
  /// y = x w^T + bias; seq.quantized_linear for a bf16/f16 matrix kept in
  /// its 2-byte rows. Rounded to --dtype unless `exact` (the router and
  /// the LM head, which transformers computes in f32).
  Value linear(Value x, Value w, Value bias, int64_t outWidth,
               bool exact = false) {
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
  Value rmsNorm(Value x, Value weight, double eps) {
    return act(RMSNormOp::create(b, loc, x.getType(), x, weight,
                                 b.getF32FloatAttr(eps)));
  }
  Value slice(Value x, ArrayRef<OpFoldResult> offsets,
              ArrayRef<OpFoldResult> sizes, RankedTensorType type);
  Value toHeads(Value x, Value S, int64_t heads, int64_t width);
  Value fromHeads(Value x, Value S, int64_t heads, int64_t width);
  Value headContract(Value a, Value w, bool wIsKN, int64_t N);
  Value iota(Value S);
  Value scale(Value x, double factor);
  Value zeroCache();
  Value head(Value hidden, Type resultType);
  Value gatedMlp(Value x, Value gate, Value up, Value down, int64_t width);
  Value attention(Value xn, Value positions, Value &cache,
                  function_ref<Value(Slot)> weight);
  Value moeBlock(Value x, function_ref<Value(Slot)> weight);

  std::vector<std::pair<Slot, std::string>>
  slots(const DeepSeekLayerNames &names);
  func::FuncOp layerFunction(const DeepSeekLayerNames &first);
  void buildForward();
  void buildLogits();
  void buildPrefill();
  void buildGenerate();

  OpBuilder b;
  Location loc;
  const DeepSeekSpec &spec;
  const llvm::StringMap<TensorInfo> &tensors;
  const ImportOptions &options;
  Type f32, i32;
  Type cacheElement; ///< the compressed caches' element type
  int64_t cap;
  ModuleOp module;
  llvm::StringMap<std::string> symbols; ///< checkpoint name -> symbol
  llvm::StringSet<> usedSymbols;
  int layerFuncCount = 0;
  /// The encoding of half-precision matrices (parameters and the layer
  /// functions' weight arguments).
  llvm::DenseMap<Value, QuantFormat> formats;
  func::FuncOp forward;
  Operation *lastParameter = nullptr;
};
} // namespace

Value DeepSeekGraphBuilder::parameter(StringRef name) {
  auto it = symbols.find(name);
  if (it == symbols.end()) {
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
    auto quant = tensors.find(name)->second.quant;
    lastParameter = ParameterOp::create(
        b, loc, b.getStringAttr(symbol), b.getStringAttr(name),
        TypeAttr::get(tensorType(name)),
        quant ? QuantFormatAttr::get(b.getContext(), *quant)
              : QuantFormatAttr(),
        parts);
    it = symbols.try_emplace(name, symbol).first;
  }
  Value value = GetParameterOp::create(
      b, loc, tensorType(name),
      FlatSymbolRefAttr::get(b.getContext(), it->second));
  if (auto quant = tensors.find(name)->second.quant)
    formats[value] = *quant;
  return value;
}

/// The unit-stride slice of `x` at `offsets` with `sizes`, typed `type`.
Value DeepSeekGraphBuilder::slice(Value x, ArrayRef<OpFoldResult> offsets,
                                  ArrayRef<OpFoldResult> sizes,
                                  RankedTensorType type) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, x, offsets, sizes,
                                        strides);
}

/// [1, S, H*D] -> [1, H, S, D].
Value DeepSeekGraphBuilder::toHeads(Value x, Value S, int64_t heads,
                                    int64_t D) {
  auto split = RankedTensorType::get({1, dyn, heads, D}, f32);
  Value x4 = tensor::ExpandShapeOp::create(
      b, loc, split, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), S, b.getIndexAttr(heads),
                                b.getIndexAttr(D)});
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, heads, dyn, D}, f32, ValueRange{S});
  return linalg::TransposeOp::create(b, loc, x4, init,
                                     ArrayRef<int64_t>{0, 2, 1, 3})
      ->getResult(0);
}

/// [1, H, S, D] -> [1, S, H*D].
Value DeepSeekGraphBuilder::fromHeads(Value x, Value S, int64_t heads,
                                      int64_t D) {
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{1, dyn, heads, D}, f32, ValueRange{S});
  Value t = linalg::TransposeOp::create(b, loc, x, init,
                                        ArrayRef<int64_t>{0, 2, 1, 3})
                ->getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, t, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// Per head h: out[h, s, n] = sum_k a[h, s, k] * w[h, k, n] (`wIsKN`) or
/// w[h, n, k]. `a` is [1, H, S, K]; the result [1, H, S, N].
Value DeepSeekGraphBuilder::headContract(Value a, Value w, bool wIsKN,
                                         int64_t N) {
  MLIRContext *ctx = b.getContext();
  int64_t H = spec.heads;
  SmallVector<ReassociationIndices> merge{{0, 1}, {2}, {3}};
  Value a3 = tensor::CollapseShapeOp::create(b, loc, a, merge);
  Value S = dim(a3, 1);
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{H, dyn, N},
                                       f32, ValueRange{S});
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value acc = linalg::FillOp::create(b, loc, zero, init)->getResult(0);
  AffineExpr h = getAffineDimExpr(0, ctx), s = getAffineDimExpr(1, ctx),
             n = getAffineDimExpr(2, ctx), k = getAffineDimExpr(3, ctx);
  AffineMap aMap = AffineMap::get(4, 0, {h, s, k}, ctx);
  AffineMap wMap = AffineMap::get(4, 0,
                                  wIsKN ? ArrayRef<AffineExpr>{h, k, n}
                                        : ArrayRef<AffineExpr>{h, n, k},
                                  ctx);
  AffineMap outMap = AffineMap::get(4, 0, {h, s, n}, ctx);
  Value out =
      linalg::GenericOp::create(
          b, loc, TypeRange{acc.getType()}, ValueRange{a3, w}, ValueRange{acc},
          ArrayRef<AffineMap>{aMap, wMap, outMap},
          ArrayRef<utils::IteratorType>{
              utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            // A bf16/f16 kv_b_proj is read in its stored type.
            Value wv = args[1];
            if (wv.getType() != f32)
              wv = arith::ExtFOp::create(nb, nl, f32, wv);
            Value p = arith::MulFOp::create(nb, nl, args[0], wv);
            linalg::YieldOp::create(
                nb, nl, arith::AddFOp::create(nb, nl, args[2], p).getResult());
          })
          ->getResult(0);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({1, H, dyn, N}, f32), out, merge,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(H), S,
                                b.getIndexAttr(N)});
}

/// [[0, 1, ..., S-1]] as i32.
Value DeepSeekGraphBuilder::iota(Value S) {
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{1, dyn}, i32,
                                       ValueRange{S});
  auto map = AffineMap::getMultiDimIdentityMap(2, b.getContext());
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

/// x * factor (f32).
Value DeepSeekGraphBuilder::scale(Value x, double factor) {
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
               Value f = arith::ConstantOp::create(
                   nb, nl, nb.getF32FloatAttr(static_cast<float>(factor)));
               linalg::YieldOp::create(
                   nb, nl,
                   arith::MulFOp::create(nb, nl, args[0], f).getResult());
             })
      ->getResult(0);
}

Value DeepSeekGraphBuilder::zeroCache() {
  // alloc_tensor, not tensor.empty: CSE must not merge the caches.
  Value empty =
      bufferization::AllocTensorOp::create(b, loc, cacheType(), ValueRange{});
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(cacheElement)));
  return linalg::FillOp::create(b, loc, zero, empty)->getResult(0);
}

/// Final norm and LM head over `hidden` ([..., H]) into `resultType`.
Value DeepSeekGraphBuilder::head(Value hidden, Type resultType) {
  Value n = rmsNorm(hidden, toF32(parameter(spec.finalNorm)), spec.rmsEps);
  auto type = cast<RankedTensorType>(resultType);
  Value out = linear(n, parameter(spec.lmHead), Value(), type.getShape().back(),
                     /*exact=*/true);
  if (out.getType() != resultType)
    out = tensor::CastOp::create(b, loc, resultType, out);
  return out;
}

/// down(silu(gate(x)) * up(x)) with `width` intermediate channels.
Value DeepSeekGraphBuilder::gatedMlp(Value x, Value gate, Value up, Value down,
                                     int64_t width) {
  Value g = linear(x, gate, Value(), width);
  Value u = linear(x, up, Value(), width);
  Value a = act(SwiGLUOp::create(b, loc, g.getType(), g, u));
  return linear(a, down, Value(), spec.hidden);
}

/// Multi-head latent attention of the normed rows `xn` [1, S, hidden] at
/// `positions`, writing this call's [c_kv, k_pe] rows into `cache`.
Value DeepSeekGraphBuilder::attention(Value xn, Value positions, Value &cache,
                                      function_ref<Value(Slot)> weight) {
  int64_t H = spec.heads, R = spec.kvLoraRank, Dn = spec.nopeDim,
          Dr = spec.ropeDim, Dv = spec.vDim, Dq = Dn + Dr;
  Value S = dim(xn, 1);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);

  // Queries [1, H, S, Dn + Dr]: q_proj, or q_b(norm(q_a(x))).
  Value q;
  if (Value qA = weight(Slot::QA)) {
    Value a = linear(xn, qA, weight(Slot::QABias), spec.qLoraRank);
    a = rmsNorm(a, weight(Slot::QANorm), spec.loraNormEps);
    q = linear(a, weight(Slot::QB), Value(), H * Dq);
  } else {
    q = linear(xn, weight(Slot::Q), Value(), H * Dq);
  }
  Value qh = toHeads(q, S, H, Dq);
  Value qNope = slice(qh, {zero, zero, zero, zero},
                      {one, b.getIndexAttr(H), S, b.getIndexAttr(Dn)},
                      RankedTensorType::get({1, H, dyn, Dn}, f32));
  Value qPe = slice(qh, {zero, zero, zero, b.getIndexAttr(Dn)},
                    {one, b.getIndexAttr(H), S, b.getIndexAttr(Dr)},
                    RankedTensorType::get({1, H, dyn, Dr}, f32));

  // The compressed row [c_kv (normed), k_pe] of each token, [1, 1, S, R+Dr].
  Value kv = linear(xn, weight(Slot::KvA), weight(Slot::KvABias), R + Dr);
  Value c = slice(kv, {zero, zero, zero}, {one, S, b.getIndexAttr(R)}, rows(R));
  c = rmsNorm(c, weight(Slot::KvANorm), spec.loraNormEps);
  Value kPe = slice(kv, {zero, zero, b.getIndexAttr(R)},
                    {one, S, b.getIndexAttr(Dr)}, rows(Dr));
  SmallVector<ReassociationIndices> oneHead{{0, 1}, {2}, {3}};
  auto asHead = [&](Value v, int64_t width) -> Value {
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, 1, dyn, width}, f32), v, oneHead,
        SmallVector<OpFoldResult>{one, one, S, b.getIndexAttr(width)});
  };

  // Rotary part of queries and the shared key.
  auto style = RopeStyleAttr::get(
      b.getContext(), spec.ropeInterleave ? RopeStyle::GPTJ : RopeStyle::NeoX);
  FloatAttr theta = b.getF32FloatAttr(spec.ropeTheta);
  DenseF32ArrayAttr invFreq;
  if (!spec.ropeInvFreq.empty())
    invFreq = b.getDenseF32ArrayAttr(spec.ropeInvFreq);
  Value qRot = RopeOp::create(b, loc, qPe.getType(), qPe, positions, theta,
                              style, IntegerAttr(), invFreq, FloatAttr(),
                              IntegerAttr());
  Value kPe4 = asHead(kPe, Dr);
  Value kRot = RopeOp::create(b, loc, kPe4.getType(), kPe4, positions, theta,
                              style, IntegerAttr(), invFreq, FloatAttr(),
                              IntegerAttr());
  // YaRN scales cos and sin of both q and k (as transformers does, so that
  // the cache holds its k_pe, and rounds it as it does in a 2-byte cache).
  if (spec.ropeAttentionFactor != 1.0) {
    qRot = scale(qRot, spec.ropeAttentionFactor);
    kRot = scale(kRot, spec.ropeAttentionFactor);
  }
  qRot = act(qRot);
  kRot = act(kRot);

  // kv_b_proj [H * (Dn + Dv), R] as per-head W_UK [H, Dn, R] and W_UV
  // [H, Dv, R].
  Type kvBType =
      cast<RankedTensorType>(weight(Slot::KvB).getType()).getElementType();
  Value kvB = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({H, Dn + Dv, R}, kvBType),
      weight(Slot::KvB), SmallVector<ReassociationIndices>{{0, 1}, {2}});
  Value wUK = slice(kvB, {zero, zero, zero},
                    {b.getIndexAttr(H), b.getIndexAttr(Dn), b.getIndexAttr(R)},
                    RankedTensorType::get({H, Dn, R}, kvBType));
  Value wUV = slice(kvB, {zero, b.getIndexAttr(Dn), zero},
                    {b.getIndexAttr(H), b.getIndexAttr(Dv), b.getIndexAttr(R)},
                    RankedTensorType::get({H, Dv, R}, kvBType));

  // Absorbed query [1, H, S, R + Dr] = [W_UK^T q_nope, rope(q_pe)].
  Value qLat = headContract(qNope, wUK, /*wIsKN=*/true, R);
  Value query = tensor::ConcatOp::create(
      b, loc, RankedTensorType::get({1, H, dyn, R + Dr}, f32), 3,
      ValueRange{qLat, qRot});

  // Write [c_kv, k_pe] at the positions, rounded to the cache's dtype,
  // attend over the cache (keys: the whole row, values: its latent part,
  // both widened to f32 as they are read).
  auto updateType = RankedTensorType::get({1, 1, dyn, R + Dr}, f32);
  Value update = tensor::ConcatOp::create(b, loc, updateType, 3,
                                          ValueRange{asHead(c, R), kRot});
  if (cacheElement != f32)
    update =
        arith::TruncFOp::create(b, loc, updateType.clone(cacheElement), update);
  auto oneI32 = RankedTensorType::get({1}, i32);
  Value start = slice(positions, {zero, zero}, {one, one}, oneI32);
  cache =
      CacheWriteOp::create(b, loc, cacheType(), cache, update, start, Value());
  Value values = slice(cache, {zero, zero, zero, zero},
                       {one, one, b.getIndexAttr(cap), b.getIndexAttr(R)},
                       RankedTensorType::get({1, 1, cap, R}, cacheElement));
  Value sI32 = arith::IndexCastOp::create(b, loc, i32, S);
  Value sT = tensor::FromElementsOp::create(b, loc, oneI32, ValueRange{sI32});
  Value kvLen = arith::AddIOp::create(b, loc, start, sT);
  Value att =
      AttentionOp::create(b, loc, RankedTensorType::get({1, H, dyn, R}, f32),
                          Type(), query, cache, values, kvLen, Value(),
                          b.getF32FloatAttr(spec.softmaxScale), b.getUnitAttr(),
                          IntegerAttr(), FloatAttr())
          .getOutput();

  // Back through W_UV per head, then o_proj.
  Value out = act(headContract(att, wUV, /*wIsKN=*/false, Dv));
  return linear(fromHeads(out, S, H, Dv), weight(Slot::O), weight(Slot::OBias),
                spec.hidden);
}

/// DeepSeek-V3's MoE block of `x` [1, S, hidden] (DeepseekV3MoE):
///   w, e = sigmoid scores, top-k of the biased scores among the best
///          groups, weights from the unbiased scores (normalised when
///          norm_topk_prob) times routed_scaling_factor   (seq.moe_route)
///   y    = sum_k w_k * expert_{e_k}(x) + shared_experts(x)
Value DeepSeekGraphBuilder::moeBlock(Value x,
                                     function_ref<Value(Slot)> weight) {
  int64_t E = spec.experts, K = spec.topK;
  SmallVector<ReassociationIndices> merge{{0, 1}, {2}};
  auto tokensType = RankedTensorType::get({dyn, spec.hidden}, f32);
  Value S = dim(x, 1);
  Value t = tensor::CollapseShapeOp::create(b, loc, tokensType, x, merge);
  // The router computes in f32 (DeepseekV3TopkRouter casts its input).
  Value logits = linear(t, weight(Slot::Router), Value(), E, /*exact=*/true);
  IntegerAttr groups, topkGroups;
  if (spec.groups > 1) {
    groups = b.getI64IntegerAttr(spec.groups);
    topkGroups = b.getI64IntegerAttr(spec.topkGroups);
  }
  auto route = MoeRouteOp::create(
      b, loc, RankedTensorType::get({dyn, K}, f32),
      RankedTensorType::get({dyn, K}, i32), logits, weight(Slot::RouterBias),
      b.getI64IntegerAttr(K),
      RouterScoringAttr::get(b.getContext(), RouterScoring::Sigmoid),
      spec.normalize ? b.getUnitAttr() : UnitAttr(), groups, topkGroups,
      spec.routedScaling != 1.0 ? b.getF32FloatAttr(spec.routedScaling)
                                : FloatAttr());
  auto dispatch = MoeDispatchOp::create(
      b, loc, RankedTensorType::get({dyn}, i32),
      RankedTensorType::get({E + 1}, i32), route.getExperts(),
      b.getI64IntegerAttr(E), FloatAttr());
  Value y = MoeExpertsOp::create(
      b, loc, tokensType, t, route.getWeights(), dispatch.getPermutation(),
      dispatch.getExpertOffsets(), weight(Slot::ExpertGate),
      weight(Slot::ExpertUp), weight(Slot::ExpertDown),
      weight(Slot::SharedGate), weight(Slot::SharedUp),
      weight(Slot::SharedDown),
      FfnActivationAttr::get(b.getContext(), FfnActivation::SwiGLU));
  return tensor::ExpandShapeOp::create(
      b, loc, rows(spec.hidden), act(y), merge,
      SmallVector<OpFoldResult>{b.getIndexAttr(1), S,
                                b.getIndexAttr(spec.hidden)});
}

std::vector<std::pair<Slot, std::string>>
DeepSeekGraphBuilder::slots(const DeepSeekLayerNames &n) {
  std::vector<std::pair<Slot, std::string>> out;
  auto add = [&](Slot s, const std::string &name) {
    if (!name.empty())
      out.emplace_back(s, name);
  };
  add(Slot::InputNorm, n.inputNorm);
  add(Slot::QA, n.qA);
  add(Slot::QABias, n.qABias);
  add(Slot::QANorm, n.qANorm);
  add(Slot::QB, n.qB);
  add(Slot::Q, n.q);
  add(Slot::KvA, n.kvA);
  add(Slot::KvABias, n.kvABias);
  add(Slot::KvANorm, n.kvANorm);
  add(Slot::KvB, n.kvB);
  add(Slot::O, n.o);
  add(Slot::OBias, n.oBias);
  add(Slot::PostNorm, n.postNorm);
  add(Slot::Gate, n.gate);
  add(Slot::Up, n.up);
  add(Slot::Down, n.down);
  add(Slot::Router, n.router);
  add(Slot::RouterBias, n.routerBias);
  add(Slot::ExpertGate, n.expertGate);
  add(Slot::ExpertUp, n.expertUp);
  add(Slot::ExpertDown, n.expertDown);
  add(Slot::SharedGate, n.sharedGate);
  add(Slot::SharedUp, n.sharedUp);
  add(Slot::SharedDown, n.sharedDown);
  return out;
}

/// One DeepSeek-V3 layer:
///   x += o_proj(MLA(input_layernorm(x)))
///   x += mlp(post_attention_layernorm(x))      (dense or MoE)
/// as `@decoder_layer_<i>(x, positions, cache, weights...) -> (x, cache)`.
func::FuncOp DeepSeekGraphBuilder::layerFunction(const DeepSeekLayerNames &n) {
  auto layerSlots = slots(n);
  SmallVector<Type> inputs{rows(spec.hidden), ids(), cacheType()};
  for (auto &[slot, name] : layerSlots)
    inputs.push_back(tensorType(name));
  SmallVector<Type> results{rows(spec.hidden), cacheType()};
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  std::string name = llvm::formatv("decoder_layer_{0}", layerFuncCount++);
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);

  Value x = body->getArgument(0), positions = body->getArgument(1);
  Value cache = body->getArgument(2);
  llvm::DenseMap<int, Value> w;
  for (auto [index, entry] : llvm::enumerate(layerSlots)) {
    Value arg = body->getArgument(3 + index);
    // Matrices stay encoded; kv_b_proj and the experts (routed and shared)
    // are read in their stored type by headContract and seq.moe_experts;
    // norm weights and biases are widened.
    bool stored = false;
    switch (entry.first) {
    case Slot::KvB:
    case Slot::ExpertGate:
    case Slot::ExpertUp:
    case Slot::ExpertDown:
    case Slot::SharedGate:
    case Slot::SharedUp:
    case Slot::SharedDown:
      stored = true;
      break;
    default:
      break;
    }
    if (auto quant = tensors.find(entry.second)->second.quant)
      formats[arg] = *quant;
    else if (!stored)
      arg = toF32(arg);
    w[static_cast<int>(entry.first)] = arg;
  }
  auto weight = [&](Slot s) { return w.lookup(static_cast<int>(s)); };

  Value xn = rmsNorm(x, weight(Slot::InputNorm), spec.rmsEps);
  Value o = attention(xn, positions, cache, weight);
  Value x1 = act(arith::AddFOp::create(b, loc, x, o));
  Value xm = rmsNorm(x1, weight(Slot::PostNorm), spec.rmsEps);
  Value d = weight(Slot::Router)
                ? moeBlock(xm, weight)
                : gatedMlp(xm, weight(Slot::Gate), weight(Slot::Up),
                           weight(Slot::Down), spec.intermediate);
  Value x2 = act(arith::AddFOp::create(b, loc, x1, d));
  func::ReturnOp::create(b, loc, ValueRange{x2, cache});
  return func;
}

/// @forward(tokens [1,S], positions [1,S], cache0, cache1, ...)
///   -> (hidden [1,S,H] before the final norm, cache0', ...)
void DeepSeekGraphBuilder::buildForward() {
  // Layers share a function when their weights' slots and types are equal
  // (the dense first layers, the MoE layers).
  std::vector<func::FuncOp> perLayer;
  std::vector<std::string> signatures;
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string sig;
    llvm::raw_string_ostream os(sig);
    for (auto &[slot, name] : slots(spec.layerNames[l]))
      os << "|" << static_cast<int>(slot) << ":" << tensorType(name);
    func::FuncOp f;
    for (auto [index, other] : llvm::enumerate(signatures))
      if (other == sig)
        f = perLayer[index];
    signatures.push_back(sig);
    perLayer.push_back(f ? f : layerFunction(spec.layerNames[l]));
  }

  SmallVector<Type> inputs{ids(), ids()}, results{rows(spec.hidden)};
  for (int64_t l = 0; l < spec.layers; ++l) {
    inputs.push_back(cacheType());
    results.push_back(cacheType());
  }
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  forward = func::FuncOp::create(b, loc, "forward",
                                 b.getFunctionType(inputs, results));
  forward.setPrivate();
  Block *body = forward.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value tokens = body->getArgument(0), positions = body->getArgument(1);
  Value table = parameter(spec.embedding);
  auto quant = formats.find(table);
  Value x = quant != formats.end()
                ? QuantizedEmbeddingOp::create(
                      b, loc, rows(spec.hidden), table, tokens,
                      QuantFormatAttr::get(b.getContext(), quant->second))
                      .getResult()
                : EmbeddingOp::create(b, loc, rows(spec.hidden), table, tokens)
                      .getResult();
  x = act(x);
  SmallVector<Value> outs{Value()};
  for (int64_t l = 0; l < spec.layers; ++l) {
    SmallVector<Value> args{x, positions, body->getArgument(2 + l)};
    for (auto &[slot, name] : slots(spec.layerNames[l]))
      args.push_back(parameter(name));
    auto call = func::CallOp::create(b, loc, perLayer[l], args);
    x = call.getResult(0);
    outs.push_back(call.getResult(1));
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
void DeepSeekGraphBuilder::buildLogits() {
  auto logitsType = RankedTensorType::get({1, dyn, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "logits", {ids()}, {logitsType});
  Value tokens = body->getArgument(0);
  SmallVector<Value> args{tokens, iota(dim(tokens, 1))};
  for (int64_t l = 0; l < spec.layers; ++l)
    args.push_back(zeroCache());
  auto call = func::CallOp::create(b, loc, forward, args);
  func::ReturnOp::create(b, loc, head(call.getResult(0), logitsType));
}

/// The logits [1,V] of the last row of `hidden` [1,S,H].
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
/// and @decode(token [1,1], position [1], caches...) -> the same; the
/// caches are in-place state.
void DeepSeekGraphBuilder::buildPrefill() {
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  for (bool decode : {false, true}) {
    auto tokType = decode ? RankedTensorType::get({1, 1}, i32) : ids();
    SmallVector<Type> inputs{tokType, one}, results{logits};
    for (int64_t l = 0; l < spec.layers; ++l) {
      inputs.push_back(cacheType());
      results.push_back(cacheType());
    }
    Block *body =
        entry(b, module, loc, decode ? "decode" : "prefill", inputs, results);
    auto func = cast<func::FuncOp>(body->getParentOp());
    for (int64_t l = 0; l < spec.layers; ++l)
      func.setArgAttr(2 + l, seqrt::abi::kInPlaceAttr,
                      b.getI64IntegerAttr(1 + l));
    Value tokens = body->getArgument(0);
    if (decode)
      tokens = tensor::CastOp::create(b, loc, ids(), tokens);
    Value S = dim(tokens, 1);
    Value startI32 = tensor::ExtractOp::create(b, loc, body->getArgument(1),
                                               ValueRange{constIndex(0)});
    Value offsets = tensor::SplatOp::create(
        b, loc, RankedTensorType::get({1, dyn}, i32), startI32, ValueRange{S});
    Value positions = arith::AddIOp::create(b, loc, iota(S), offsets);
    SmallVector<Value> args{tokens, positions};
    for (int64_t l = 0; l < spec.layers; ++l)
      args.push_back(body->getArgument(2 + l));
    auto call = func::CallOp::create(b, loc, forward, args);
    SmallVector<Value> outs{
        lastRowLogits(b, loc, call.getResult(0), spec.hidden,
                      [&](Value x) { return head(x, logits); })};
    for (int64_t l = 0; l < spec.layers; ++l)
      outs.push_back(call.getResult(1 + l));
    func::ReturnOp::create(b, loc, outs);
  }
}

/// @generate(prompt [1,S], seed) -> (tokens [1,N], count [1]).
void DeepSeekGraphBuilder::buildGenerate() {
  int64_t N = options.maxNewTokens;
  auto tokensType = RankedTensorType::get({1, N}, i32);
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "generate", {ids(), b.getI64Type()},
                      {tokensType, one});
  Value prompt = body->getArgument(0), seed = body->getArgument(1);
  Value S = dim(prompt, 1);
  SmallVector<Value> args{prompt, iota(S)};
  for (int64_t l = 0; l < spec.layers; ++l)
    args.push_back(zeroCache());
  auto prefill = func::CallOp::create(b, loc, forward, args);
  Value last = lastRowLogits(b, loc, prefill.getResult(0), spec.hidden,
                             [&](Value x) { return head(x, logits); });
  auto sampling = SamplingAttr::get(
      b.getContext(), llvm::APFloat(static_cast<float>(options.temperature)),
      options.topK, llvm::APFloat(static_cast<float>(options.topP)));
  SmallVector<Value> state(prefill.getResults().drop_front());
  SmallVector<Type> stateTypes(state.size(), cacheType());
  emitGenerateTail(
      b, loc, N, last, S, seed, state, stateTypes,
      options.ignoreEos ? ArrayRef<int64_t>() : ArrayRef(spec.eosTokenIds),
      sampling, [&](Block *loopBody) {
        Value tok =
            tensor::CastOp::create(b, loc, ids(), loopBody->getArgument(0));
        Value pos =
            tensor::CastOp::create(b, loc, ids(), loopBody->getArgument(1));
        SmallVector<Value> callArgs{tok, pos};
        for (int64_t l = 0; l < spec.layers; ++l)
          callArgs.push_back(loopBody->getArgument(2 + l));
        auto call = func::CallOp::create(b, loc, forward, callArgs);
        auto stepLogits = RankedTensorType::get({1, 1, spec.vocab}, f32);
        Value h = tensor::CastOp::create(
            b, loc, RankedTensorType::get({1, 1, spec.hidden}, f32),
            call.getResult(0));
        SmallVector<Value> yields{head(h, stepLogits)};
        for (int64_t l = 0; l < spec.layers; ++l)
          yields.push_back(call.getResult(1 + l));
        return yields;
      });
}

OwningOpRef<ModuleOp> DeepSeekGraphBuilder::build() {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(loc);
  module = *owned;
  buildForward();
  buildLogits();
  buildPrefill();
  buildGenerate();
  return owned;
}

std::vector<std::pair<std::string, SmallVector<int64_t>>>
mlir::seq::expectedDeepSeekTensors(const DeepSeekSpec &s) {
  std::vector<std::pair<std::string, SmallVector<int64_t>>> out;
  int64_t H = s.heads, Dq = s.nopeDim + s.ropeDim;
  out.push_back({s.embedding, {s.vocab, s.hidden}});
  for (const DeepSeekLayerNames &n : s.layerNames) {
    auto add = [&](const std::string &name, SmallVector<int64_t> shape) {
      if (!name.empty())
        out.push_back({name, shape});
    };
    auto addExperts = [&](const std::string &name, SmallVector<int64_t> shape) {
      auto parts = s.stacked.find(name);
      if (parts == s.stacked.end())
        return add(name, shape);
      for (const std::string &part : parts->second)
        add(part, SmallVector<int64_t>(shape.begin() + 1, shape.end()));
    };
    add(n.inputNorm, {s.hidden});
    add(n.qA, {s.qLoraRank, s.hidden});
    add(n.qABias, {s.qLoraRank});
    add(n.qANorm, {s.qLoraRank});
    add(n.qB, {H * Dq, s.qLoraRank});
    add(n.q, {H * Dq, s.hidden});
    add(n.kvA, {s.kvLoraRank + s.ropeDim, s.hidden});
    add(n.kvABias, {s.kvLoraRank + s.ropeDim});
    add(n.kvANorm, {s.kvLoraRank});
    add(n.kvB, {H * (s.nopeDim + s.vDim), s.kvLoraRank});
    add(n.o, {s.hidden, H * s.vDim});
    add(n.oBias, {s.hidden});
    add(n.postNorm, {s.hidden});
    add(n.gate, {s.intermediate, s.hidden});
    add(n.up, {s.intermediate, s.hidden});
    add(n.down, {s.hidden, s.intermediate});
    add(n.router, {s.experts, s.hidden});
    add(n.routerBias, {s.experts});
    addExperts(n.expertGate, {s.experts, s.moeIntermediate, s.hidden});
    addExperts(n.expertUp, {s.experts, s.moeIntermediate, s.hidden});
    addExperts(n.expertDown, {s.experts, s.hidden, s.moeIntermediate});
    add(n.sharedGate, {s.sharedIntermediate, s.hidden});
    add(n.sharedUp, {s.sharedIntermediate, s.hidden});
    add(n.sharedDown, {s.hidden, s.sharedIntermediate});
  }
  out.push_back({s.finalNorm, {s.hidden}});
  if (s.lmHead != s.embedding)
    out.push_back({s.lmHead, {s.vocab, s.hidden}});
  return out;
}

OwningOpRef<ModuleOp> mlir::seq::buildDeepSeek(
    MLIRContext *context, Location loc, const DeepSeekSpec &spec,
    const llvm::StringMap<TensorInfo> &tensors, const ImportOptions &options) {
  context->loadDialect<SeqDialect, func::FuncDialect, arith::ArithDialect,
                       bufferization::BufferizationDialect,
                       tensor::TensorDialect, linalg::LinalgDialect,
                       math::MathDialect, scf::SCFDialect>();
  return DeepSeekGraphBuilder(context, loc, spec, tensors, options).build();
}
