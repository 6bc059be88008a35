//===- MambaBuilder.cpp - Mamba and Mamba-2 models in seq IR --------------===//
//
// This file implements buildMamba: the seq module of a Mamba or Mamba-2
// language model with the entries
//
//   @logits(tokens [1,S])                      -> logits [1,S,V]
//   @prefill(tokens [1,S], start [1], states)  -> last logits [1,V], states
//   @decode(token [1,1], position [1], states) -> logits [1,V], states
//   @generate(prompt [1,S], seed)              -> tokens [1,N], count [1]
//
// where `states` are each layer's convolution state [1, K-1, C] and SSM
// state. A recurrent model's state is its whole past, so `start` and
// `position` (kept for the session ABI shared with the transformers) do
// not enter the computation. Each layer is
//
//   x += out_proj(mixer(rms_norm(x)))
//
// with the mixer of transformers' MambaMixer / Mamba2Mixer (the slow path,
// which is also the math of the CUDA kernels): in_proj, seq.causal_conv1d
// with SiLU, the selective scan as seq.scan (discretisation in its step
// region, the C readout summed over the state), the D skip, and the SiLU
// gate (Mamba) or the gated, grouped RMSNorm (Mamba-2).
//
//===----------------------------------------------------------------------===//

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

using namespace mlir;
using namespace mlir::seq;

namespace {
using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

class MambaGraphBuilder {
public:
  MambaGraphBuilder(MLIRContext *context, Location loc, const MambaSpec &spec,
                    const llvm::StringMap<TensorInfo> &tensors,
                    const ImportOptions &options)
      : b(context), loc(loc), spec(spec), tensors(tensors), options(options) {
    f32 = b.getF32Type();
    i32 = b.getI32Type();
    dtype = options.dtype;
  }

  /// Emits at `at`'s insertion point (emitMambaMixer); no module.
  MambaGraphBuilder(OpBuilder &at, Location loc, const MambaSpec &spec,
                    const llvm::DenseMap<Value, QuantFormat> &formats,
                    bool perStep, ImportDtype dtype)
      : MambaGraphBuilder(at.getContext(), loc, spec, kNoTensors, kNoOptions) {
    b.setInsertionPoint(at.getInsertionBlock(), at.getInsertionPoint());
    this->formats = formats;
    this->perStep = perStep;
    this->dtype = dtype;
  }

  OwningOpRef<ModuleOp> build();
  /// The mixer of `xn`; the weights that are not encoded matrices (linear
  /// layers' bf16/f16 rows) are widened to f32 first if they are 2-byte
  /// floats (norms, biases, conv taps, A_log, D: vectors and small tensors).
  Value mixer(Value xn, Value &conv, Value &ssm,
              llvm::StringMap<Value> &weights) {
    for (auto &kv : weights)
      if (kv.second && !formats.count(kv.second))
        kv.second = toF32(kv.second);
    return spec.version == 1 ? mixer1(xn, conv, ssm, weights)
                             : mixer2(xn, conv, ssm, weights);
  }

private:
  static const llvm::StringMap<TensorInfo> kNoTensors;
  static const ImportOptions kNoOptions;
  static constexpr int64_t kDyn = ShapedType::kDynamic;
  RankedTensorType rows(int64_t width) {
    return RankedTensorType::get({1, kDyn, width}, f32);
  }
  RankedTensorType ids() { return RankedTensorType::get({1, kDyn}, i32); }
  RankedTensorType convStateType() {
    return mambaConvStateType(b.getContext(), spec);
  }
  RankedTensorType ssmStateType() {
    return mambaSsmStateType(b.getContext(), spec);
  }
  /// Each layer's (conv, ssm) state types, in entry-argument order (after
  /// each token: the verify form's results).
  SmallVector<Type> stateTypes(bool eachStep = false) {
    SmallVector<Type> out;
    for (int64_t l = 0; l < spec.layers; ++l) {
      out.push_back(eachStep ? mambaPerStepType(convStateType())
                             : convStateType());
      out.push_back(eachStep ? mambaPerStepType(ssmStateType())
                             : ssmStateType());
    }
    return out;
  }
  RankedTensorType tensorType(StringRef name) {
    const TensorInfo &info = tensors.find(name)->second;
    return RankedTensorType::get(info.shape, info.elementType);
  }

  Value constIndex(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value dim(Value v, int64_t d) { return tensor::DimOp::create(b, loc, v, d); }
  Value f32Const(OpBuilder &nb, Location nl, double v) {
    return arith::ConstantOp::create(nb, nl,
                                     nb.getF32FloatAttr(static_cast<float>(v)));
  }
  Value parameter(StringRef name);
  /// `v` widened to f32 if it is a bf16/f16 tensor.
  Value toF32(Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!isa<BFloat16Type, Float16Type>(type.getElementType()))
      return v;
    return arith::ExtFOp::create(b, loc, type.clone(f32), v);
  }
  /// `v` (f32 activations) rounded to --dtype's values, or `v` for f32.
  Value act(Value v) { return roundToActivationDtype(b, loc, v, dtype); }
  /// The same for one f32 scalar (inside a region).
  Value actScalar(OpBuilder &nb, Location nl, Value v) {
    if (dtype == ImportDtype::F32)
      return v;
    Value t = arith::TruncFOp::create(
        nb, nl, getImportDtypeType(nb.getContext(), dtype), v);
    return arith::ExtFOp::create(nb, nl, v.getType(), t);
  }
  /// x . w^T (+ bias), rounded to --dtype unless `exact` (the LM head).
  Value linear(Value x, Value w, Value bias, int64_t outWidth,
               bool exact = false);
  Value rmsNorm(Value x, Value weight) {
    return act(RMSNormOp::create(b, loc, x.getType(), x, weight,
                                 b.getF32FloatAttr(spec.normEps)));
  }
  Value columns(Value x, int64_t offset, int64_t width);
  Value generic(RankedTensorType type, Value like, ValueRange inputs,
                ArrayRef<AffineMap> maps, ScalarFn fn);
  Value silu(OpBuilder &nb, Location nl, Value v);
  Value softplus(OpBuilder &nb, Location nl, Value v);
  Value zeroState(RankedTensorType type);
  Value head(Value hidden, Type resultType);
  Value convWindows(Value input, Value state);

  std::vector<std::string> slotNames(const MambaLayerNames &n);
  func::FuncOp layerFunction(const MambaLayerNames &first, bool verify);
  Value mixer1(Value xn, Value &conv, Value &ssm,
               llvm::StringMap<Value> &weights);
  Value mixer2(Value xn, Value &conv, Value &ssm,
               llvm::StringMap<Value> &weights);
  void buildForward(bool verify);
  void buildLogits();
  void buildPrefill();
  void buildGenerate();
  void buildGenerateBeams();
  void buildStep();

  OpBuilder b;
  Location loc;
  const MambaSpec &spec;
  const llvm::StringMap<TensorInfo> &tensors;
  const ImportOptions &options;
  Type f32, i32;
  /// The activations' dtype (--dtype): each op's result is rounded to it;
  /// the scan and its state stay f32.
  ImportDtype dtype = ImportDtype::F32;
  ModuleOp module;
  llvm::StringMap<std::string> symbols;
  llvm::StringSet<> usedSymbols;
  std::vector<func::FuncOp> layerFuncs;
  /// Set while the verify form is emitted: the mixer returns its states
  /// after each token.
  bool perStep = false;
  /// The encoding of half-precision matrices (parameters and the layer
  /// functions' weight arguments), read by seq.quantized_linear.
  llvm::DenseMap<Value, QuantFormat> formats;
  func::FuncOp forward, forwardVerify;
  Operation *lastParameter = nullptr;
};
} // namespace

const llvm::StringMap<TensorInfo> MambaGraphBuilder::kNoTensors;
const ImportOptions MambaGraphBuilder::kNoOptions;

RankedTensorType mlir::seq::mambaConvStateType(MLIRContext *ctx,
                                               const MambaSpec &spec) {
  return RankedTensorType::get({1, spec.convKernel - 1, spec.convChannels()},
                               Float32Type::get(ctx));
}

RankedTensorType mlir::seq::mambaSsmStateType(MLIRContext *ctx,
                                              const MambaSpec &spec) {
  if (spec.version == 1)
    return RankedTensorType::get({1, spec.intermediate, spec.stateSize},
                                 Float32Type::get(ctx));
  return RankedTensorType::get({1, spec.heads, spec.headDim, spec.stateSize},
                               Float32Type::get(ctx));
}

RankedTensorType mlir::seq::mambaPerStepType(RankedTensorType state) {
  SmallVector<int64_t> shape(state.getShape());
  shape.insert(shape.begin() + 1, ShapedType::kDynamic);
  return RankedTensorType::get(shape, state.getElementType());
}

Value mlir::seq::emitMambaMixer(
    OpBuilder &b, Location loc, const MambaSpec &spec, Value xn, Value &conv,
    Value &ssm, llvm::StringMap<Value> &weights,
    const llvm::DenseMap<Value, QuantFormat> &formats, bool perStep,
    ImportDtype dtype) {
  MambaGraphBuilder emitter(b, loc, spec, formats, perStep, dtype);
  return emitter.mixer(xn, conv, ssm, weights);
}

Value MambaGraphBuilder::parameter(StringRef name) {
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
    auto quant = tensors.find(name)->second.quant;
    lastParameter = ParameterOp::create(
        b, loc, b.getStringAttr(symbol), b.getStringAttr(name),
        TypeAttr::get(tensorType(name)),
        quant ? QuantFormatAttr::get(b.getContext(), *quant)
              : QuantFormatAttr(),
        ArrayAttr());
    it = symbols.try_emplace(name, symbol).first;
  }
  Value value = GetParameterOp::create(
      b, loc, tensorType(name),
      FlatSymbolRefAttr::get(b.getContext(), it->second));
  if (auto quant = tensors.find(name)->second.quant)
    formats[value] = *quant;
  return value;
}

Value MambaGraphBuilder::linear(Value x, Value w, Value bias, int64_t outWidth,
                                bool exact) {
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

/// Columns [offset, offset + width) of x [1, S, W].
Value MambaGraphBuilder::columns(Value x, int64_t offset, int64_t width) {
  Value S = dim(x, 1);
  return tensor::ExtractSliceOp::create(
      b, loc, rows(width), x,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                             b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), S, b.getIndexAttr(width)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
}

/// A parallel linalg.generic producing `type` (dynamic extents those of
/// `like`, which has the same rank) from `inputs` read through `maps`.
Value MambaGraphBuilder::generic(RankedTensorType type, Value like,
                                 ValueRange inputs, ArrayRef<AffineMap> maps,
                                 ScalarFn fn) {
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(dim(like, d));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), f32, dynamic);
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext()));
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, allMaps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, fn(nb, nl, args.drop_back()));
             })
      ->getResult(0);
}

/// v * sigmoid(v), as PyTorch's SiLU.
Value MambaGraphBuilder::silu(OpBuilder &nb, Location nl, Value v) {
  Value one = f32Const(nb, nl, 1.0);
  Value e = math::ExpOp::create(nb, nl, arith::NegFOp::create(nb, nl, v));
  Value sig =
      arith::DivFOp::create(nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
  return arith::MulFOp::create(nb, nl, v, sig);
}

/// PyTorch's softplus (beta 1, threshold 20): v above 20 stays v.
Value MambaGraphBuilder::softplus(OpBuilder &nb, Location nl, Value v) {
  Value big = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, v,
                                    f32Const(nb, nl, 20.0));
  Value soft = math::Log1pOp::create(nb, nl, math::ExpOp::create(nb, nl, v));
  return arith::SelectOp::create(nb, nl, big, v, soft);
}

Value MambaGraphBuilder::zeroState(RankedTensorType type) {
  // alloc_tensor, not tensor.empty: CSE must not merge the states.
  Value empty =
      bufferization::AllocTensorOp::create(b, loc, type, ValueRange{});
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  return linalg::FillOp::create(b, loc, zero, empty)->getResult(0);
}

Value MambaGraphBuilder::head(Value hidden, Type resultType) {
  Value n = rmsNorm(hidden, toF32(parameter(spec.finalNorm)));
  auto type = cast<RankedTensorType>(resultType);
  // The logits keep the head's f32 accumulation (2-byte logits would tie).
  Value out = linear(n, parameter(spec.lmHead), Value(), type.getShape().back(),
                     /*exact=*/true);
  if (out.getType() != resultType)
    out = tensor::CastOp::create(b, loc, resultType, out);
  return out;
}

/// The convolution state after each token of `input` [1, S, C] that
/// follows `state` [1, K-1, C]: [1, S, K-1, C], entry t holding xs[t + 1 ..
/// t + K - 1] of xs = concat(state, input) (seq.causal_conv1d's
/// final_state after t + 1 tokens).
Value MambaGraphBuilder::convWindows(Value input, Value state) {
  auto stateType = cast<RankedTensorType>(state.getType());
  int64_t W = stateType.getDimSize(1);
  auto type = mambaPerStepType(stateType);
  auto gen =
      tensor::GenerateOp::create(b, loc, type, ValueRange{dim(input, 1)});
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Type> idx(4, b.getIndexType());
  SmallVector<Location> locs(4, loc);
  Block *body = b.createBlock(&gen.getBody(), {}, idx, locs);
  Value t = body->getArgument(1), j = body->getArgument(2);
  Value c = body->getArgument(3), c0 = constIndex(0);
  // Index t + j + 1 of xs: in the old state below W, else in the input
  // (both indices clamped in range; the select keeps the right one).
  Value at = arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, t, j),
                                   constIndex(1));
  Value inState = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, at,
                                        constIndex(W));
  Value fromState = tensor::ExtractOp::create(
      b, loc, state,
      ValueRange{c0, arith::MinSIOp::create(b, loc, at, constIndex(W - 1)), c});
  Value fromInput = tensor::ExtractOp::create(
      b, loc, input,
      ValueRange{
          c0,
          arith::MaxSIOp::create(
              b, loc, arith::SubIOp::create(b, loc, at, constIndex(W)), c0),
          c});
  tensor::YieldOp::create(
      b, loc,
      arith::SelectOp::create(b, loc, inState, fromState, fromInput)
          .getResult());
  return gen.getResult();
}

std::vector<std::pair<std::string, std::string>>
mlir::seq::mambaMixerSlots(const MambaLayerNames &n) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::pair<const std::string *, const char *> roles[] = {
      {&n.inProj, "in_proj"},
      {&n.inProjBias, "in_b"},
      {&n.convWeight, "conv_w"},
      {&n.convBias, "conv_b"},
      {&n.xProj, "x_proj"},
      {&n.dtNorm, "dt_norm"},
      {&n.bNorm, "b_norm"},
      {&n.cNorm, "c_norm"},
      {&n.dtProj, "dt_proj"},
      {&n.dtProjBias, "dt_proj_b"},
      {&n.dtBias, "dt_bias"},
      {&n.aLog, "A_log"},
      {&n.d, "D"},
      {&n.gatedNorm, "gated_norm"},
      {&n.outProj, "out_proj"},
      {&n.outProjBias, "out_b"}};
  for (auto &[name, role] : roles)
    if (!name->empty())
      out.emplace_back(role, *name);
  return out;
}

/// The layer's tensors in the order its function takes them: the pre-norm,
/// then the mixer's.
std::vector<std::string>
MambaGraphBuilder::slotNames(const MambaLayerNames &n) {
  std::vector<std::string> out{n.norm};
  for (auto &[role, name] : mambaMixerSlots(n))
    out.push_back(name);
  return out;
}

/// The slot keys of slotNames(), so the function body can find its
/// weights by role whatever the layer index.
static std::vector<std::string> slotRoles(const MambaLayerNames &n) {
  std::vector<std::string> out{"norm"};
  for (auto &[role, name] : mambaMixerSlots(n))
    out.push_back(role);
  return out;
}

/// The convolution weight [C, 1, K] as [C, K].
static Value convTaps(OpBuilder &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  auto taps = RankedTensorType::get({type.getDimSize(0), type.getDimSize(2)},
                                    type.getElementType());
  return tensor::CollapseShapeOp::create(
      b, loc, taps, w, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// Mamba (MambaMixer): in_proj -> (x, z); x = silu(conv(x)); (dt, B, C) =
/// x_proj(x); dt = dt_proj(dt); h = exp(softplus(dt) A) h + softplus(dt)
/// B x with A = -exp(A_log); y = (C.h + D x) * silu(z); out_proj(y).
Value MambaGraphBuilder::mixer1(Value xn, Value &conv, Value &ssm,
                                llvm::StringMap<Value> &w) {
  int64_t I = spec.intermediate, N = spec.stateSize, R = spec.dtRank;
  MLIRContext *ctx = b.getContext();
  Value proj =
      linear(xn, w.lookup("in_proj"), w.lookup("in_b"), spec.inProjWidth());
  Value x = columns(proj, 0, I), z = columns(proj, I, I);
  // 2-byte activations round the conv's output, then SiLU's, and
  // dt_proj's product before its bias is added (transformers' slow path).
  bool twoByte = dtype != ImportDtype::F32;
  auto id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap chan = AffineMap::get(3, 0, {getAffineDimExpr(2, ctx)}, ctx);
  auto convOp = CausalConv1dOp::create(b, loc, rows(I), convStateType(), x,
                                       convTaps(b, loc, w.lookup("conv_w")),
                                       w.lookup("conv_b"), conv,
                                       /*silu=*/!twoByte);
  Value xc = act(convOp.getOutput());
  if (twoByte)
    xc = act(generic(rows(I), xc, ValueRange{xc}, {id3},
                     [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                       return silu(nb, nl, v[0]);
                     }));
  conv = perStep ? convWindows(x, conv) : convOp.getFinalState();
  Value params = linear(xc, w.lookup("x_proj"), Value(), R + 2 * N);
  Value dtIn = columns(params, 0, R), Bm = columns(params, R, N),
        Cm = columns(params, R + N, N);
  // Jamba normalises dt, B and C (RMSNorms with the model's epsilon).
  if (Value norm = w.lookup("dt_norm"))
    dtIn = rmsNorm(dtIn, norm);
  if (Value norm = w.lookup("b_norm"))
    Bm = rmsNorm(Bm, norm);
  if (Value norm = w.lookup("c_norm"))
    Cm = rmsNorm(Cm, norm);
  Value dt;
  if (Value dtBias = w.lookup("dt_proj_b"); twoByte && dtBias) {
    dt = linear(dtIn, w.lookup("dt_proj"), Value(), I);
    dt = act(generic(rows(I), dt, ValueRange{dt, dtBias}, {id3, chan},
                     [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                       return arith::AddFOp::create(nb, nl, v[0], v[1]);
                     }));
  } else {
    dt = linear(dtIn, w.lookup("dt_proj"), w.lookup("dt_proj_b"), I);
  }

  AffineExpr bb, t, d, n;
  bindDims(ctx, bb, t, d, n);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(4, 0, results, ctx);
  };
  SmallVector<AffineMap> maps{map({bb, t, d}), map({bb, t, d}), map({d, n}),
                              map({bb, t, n}), map({bb, t, n})};
  // With the C readout (y); without it, the states after each token.
  auto makeScan = [&](bool readout) {
    auto scan = ScanOp::create(
        b, loc, readout ? rows(I) : mambaPerStepType(ssmStateType()),
        ssmStateType(), ValueRange{dt, xc, w.lookup("A_log"), Bm, Cm}, ssm,
        b.getAffineMapArrayAttr(maps),
        readout ? ArrayRef<int64_t>{3} : ArrayRef<int64_t>{}, false);
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> scalars(5, f32);
    SmallVector<Location> locs(5, loc);
    Block *step = b.createBlock(&scan.getStep(), {}, scalars, locs);
    Value dtv = step->getArgument(0), xv = step->getArgument(1);
    Value alog = step->getArgument(2), bv = step->getArgument(3);
    // transformers' slow path takes softplus(dt) in the activations' dtype.
    Value sp = actScalar(b, loc, softplus(b, loc, dtv));
    Value a = arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, alog));
    Value decay =
        math::ExpOp::create(b, loc, arith::MulFOp::create(b, loc, a, sp));
    Value in = arith::MulFOp::create(b, loc,
                                     arith::MulFOp::create(b, loc, sp, bv), xv);
    YieldOp::create(b, loc, ValueRange{decay, in});
    if (readout) {
      SmallVector<Type> readoutArgs(6, f32);
      SmallVector<Location> readoutLocs(6, loc);
      Block *body =
          b.createBlock(&scan.getReadout(), {}, readoutArgs, readoutLocs);
      // The readout reads the state rounded to the activations' dtype
      // (transformers: ssm_state.to(input_dtype) @ C).
      Value r =
          arith::MulFOp::create(b, loc, actScalar(b, loc, body->getArgument(0)),
                                body->getArgument(5));
      YieldOp::create(b, loc, ValueRange{r});
    }
    return scan;
  };
  auto scan = makeScan(true);
  ssm = perStep ? makeScan(false).getOutput() : scan.getFinalState();
  Value scanOut = act(scan.getOutput());
  // (y + x D) * silu(z)
  Value y =
      generic(rows(I), xc, ValueRange{scanOut, xc, w.lookup("D"), z},
              {id3, id3, chan, id3},
              [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                Value skip = arith::AddFOp::create(
                    nb, nl, v[0], arith::MulFOp::create(nb, nl, v[1], v[2]));
                return arith::MulFOp::create(
                    nb, nl, skip, actScalar(nb, nl, silu(nb, nl, v[3])));
              });
  return linear(act(y), w.lookup("out_proj"), w.lookup("out_b"), spec.hidden);
}

/// Mamba-2 (Mamba2Mixer): in_proj -> (z, xBC, dt); xBC = silu(conv(xBC));
/// per head h: h = exp(softplus(dt + dt_bias) A_h) h + softplus(..) B x
/// with B, C shared by the heads of a group; y = C.h + D_h x; then
/// rms_norm_per_group(y * silu(z)) * weight; out_proj.
Value MambaGraphBuilder::mixer2(Value xn, Value &conv, Value &ssm,
                                llvm::StringMap<Value> &w) {
  int64_t I = spec.intermediate, N = spec.stateSize, H = spec.heads;
  int64_t P = spec.headDim, G = spec.groups, C = spec.convChannels();
  MLIRContext *ctx = b.getContext();
  Value proj =
      linear(xn, w.lookup("in_proj"), w.lookup("in_b"), spec.inProjWidth());
  Value z = columns(proj, 0, I), xBC = columns(proj, I, C),
        dt = columns(proj, I + C, H);
  auto convOp = CausalConv1dOp::create(b, loc, rows(C), convStateType(), xBC,
                                       convTaps(b, loc, w.lookup("conv_w")),
                                       w.lookup("conv_b"), conv,
                                       /*silu=*/true);
  Value xc = act(convOp.getOutput());
  conv = perStep ? convWindows(xBC, conv) : convOp.getFinalState();
  Value S = dim(xn, 1);
  auto split = [&](Value v, int64_t groups, int64_t width) -> Value {
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, kDyn, groups, width}, f32), v,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), S, b.getIndexAttr(groups),
                                  b.getIndexAttr(width)});
  };
  Value x = split(columns(xc, 0, I), H, P);
  Value Bm = split(columns(xc, I, G * N), G, N);
  Value Cm = split(columns(xc, I + G * N, G * N), G, N);

  AffineExpr bb, t, h, p, n;
  bindDims(ctx, bb, t, h, p, n);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMap::get(5, 0, results, ctx);
  };
  AffineExpr group = h.floorDiv(H / G);
  SmallVector<AffineMap> maps{map({bb, t, h}),        map({h}),
                              map({bb, t, h, p}),     map({h}),
                              map({bb, t, group, n}), map({bb, t, group, n})};
  auto yType = RankedTensorType::get({1, kDyn, H, P}, f32);
  // With the C readout (y); without it, the states after each token.
  auto makeScan = [&](bool readout) {
    auto scan = ScanOp::create(
        b, loc, readout ? yType : mambaPerStepType(ssmStateType()),
        ssmStateType(),
        ValueRange{dt, w.lookup("dt_bias"), x, w.lookup("A_log"), Bm, Cm}, ssm,
        b.getAffineMapArrayAttr(maps),
        readout ? ArrayRef<int64_t>{4} : ArrayRef<int64_t>{}, false);
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> scalars(6, f32);
    SmallVector<Location> locs(6, loc);
    Block *step = b.createBlock(&scan.getStep(), {}, scalars, locs);
    Value dtv = arith::AddFOp::create(b, loc, step->getArgument(0),
                                      step->getArgument(1));
    Value xv = step->getArgument(2), alog = step->getArgument(3);
    Value bv = step->getArgument(4);
    Value sp = softplus(b, loc, dtv);
    Value a = arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, alog));
    Value decay =
        math::ExpOp::create(b, loc, arith::MulFOp::create(b, loc, sp, a));
    Value in = arith::MulFOp::create(b, loc,
                                     arith::MulFOp::create(b, loc, sp, bv), xv);
    YieldOp::create(b, loc, ValueRange{decay, in});
    if (readout) {
      SmallVector<Type> readoutArgs(7, f32);
      SmallVector<Location> readoutLocs(7, loc);
      Block *body =
          b.createBlock(&scan.getReadout(), {}, readoutArgs, readoutLocs);
      Value r = arith::MulFOp::create(b, loc, body->getArgument(0),
                                      body->getArgument(6));
      YieldOp::create(b, loc, ValueRange{r});
    }
    return scan;
  };
  auto scan = makeScan(true);
  ssm = perStep ? makeScan(false).getOutput() : scan.getFinalState();
  // y + D_h x, over [1, S, H, P].
  auto id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineExpr e0, e1, e2, e3;
  bindDims(ctx, e0, e1, e2, e3);
  Value y4 =
      generic(yType, x, ValueRange{scan.getOutput(), x, w.lookup("D")},
              {id4, id4, AffineMap::get(4, 0, {e2}, ctx)},
              [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                return arith::AddFOp::create(
                    nb, nl, v[0], arith::MulFOp::create(nb, nl, v[1], v[2]));
              });
  Value y = tensor::CollapseShapeOp::create(
      b, loc, y4, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  // MambaRMSNormGated: (y * silu(z)) normalised per group of I / G
  // channels, times the weight.
  auto id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  Value gated =
      generic(rows(I), y, ValueRange{y, z}, {id3, id3},
              [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                return arith::MulFOp::create(nb, nl, v[0], silu(nb, nl, v[1]));
              });
  int64_t groupSize = I / G;
  auto onesType = RankedTensorType::get({groupSize}, f32);
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(onesType, b.getF32FloatAttr(1.0f)));
  Value normed = tensor::CollapseShapeOp::create(
      b, loc, rmsNorm(split(gated, G, groupSize), ones),
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  AffineExpr c0, c1, c2;
  bindDims(ctx, c0, c1, c2);
  Value scaled =
      generic(rows(I), normed, ValueRange{normed, w.lookup("gated_norm")},
              {id3, AffineMap::get(3, 0, {c2}, ctx)},
              [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                return arith::MulFOp::create(nb, nl, v[1], v[0]);
              });
  return linear(act(scaled), w.lookup("out_proj"), w.lookup("out_b"),
                spec.hidden);
}

/// @mamba_layer_N(x, conv_state, ssm_state, weights...)
///   -> (x + mixer(rms_norm(x)), conv_state', ssm_state')
/// or, `verify`, @mamba_layer_verify_N returning the states after each
/// token ([1, S, ...]).
func::FuncOp MambaGraphBuilder::layerFunction(const MambaLayerNames &first,
                                              bool verify) {
  std::vector<std::string> names = slotNames(first);
  std::vector<std::string> roles = slotRoles(first);
  SmallVector<Type> inputs{rows(spec.hidden), convStateType(), ssmStateType()};
  for (const std::string &name : names)
    inputs.push_back(tensorType(name));
  SmallVector<Type> results{rows(spec.hidden)};
  llvm::append_range(results, ArrayRef(stateTypes(verify)).take_front(2));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  std::string fname = llvm::formatv(
      verify ? "mamba_layer_verify_{0}" : "mamba_layer_{0}", layerFuncs.size());
  auto func =
      func::FuncOp::create(b, loc, fname, b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  llvm::StringMap<Value> w;
  for (auto [index, role] : llvm::enumerate(roles)) {
    Value arg = body->getArgument(3 + index);
    if (auto quant = tensors.find(names[index])->second.quant)
      formats[arg] = *quant;
    w[role] = arg;
  }
  Value x = body->getArgument(0);
  Value conv = body->getArgument(1), ssm = body->getArgument(2);
  // The norm reads the residual in the activations' dtype; the residual
  // itself stays f32 with residual_in_fp32 (transformers adds the mixer's
  // output to the f32 residual), else it is rounded after the add.
  Value xn = rmsNorm(act(x), toF32(w.lookup("norm")));
  perStep = verify;
  Value out = mixer(xn, conv, ssm, w);
  perStep = false;
  Value x1 = arith::AddFOp::create(b, loc, x, out);
  if (!spec.residualInF32)
    x1 = act(x1);
  if (verify) {
    func::ReturnOp::create(b, loc, ValueRange{x1, conv, ssm});
    layerFuncs.push_back(func);
    return func;
  }
  // The new states go back into the caller's state buffers here, once, so
  // the layer's state results are its arguments (bufferization drops them
  // as equivalent) and no entry copies 2 x layers states on return.
  conv = bufferization::MaterializeInDestinationOp::create(b, loc, conv,
                                                           body->getArgument(1))
             .getResult();
  ssm = bufferization::MaterializeInDestinationOp::create(b, loc, ssm,
                                                          body->getArgument(2))
            .getResult();
  func::ReturnOp::create(b, loc, ValueRange{x1, conv, ssm});
  layerFuncs.push_back(func);
  return func;
}

/// @forward(tokens [1,S], states...) -> (hidden [1,S,H], states...), or
/// (`verify`) @forward_verify with the states after each token.
void MambaGraphBuilder::buildForward(bool verify) {
  std::vector<func::FuncOp> perLayer;
  std::vector<std::string> signatures;
  for (int64_t l = 0; l < spec.layers; ++l) {
    std::string sig;
    llvm::raw_string_ostream os(sig);
    for (auto [role, name] : llvm::zip_equal(slotRoles(spec.layerNames[l]),
                                             slotNames(spec.layerNames[l])))
      os << role << ":" << tensorType(name) << "|";
    func::FuncOp f;
    for (auto [index, other] : llvm::enumerate(signatures))
      if (other == sig)
        f = perLayer[index];
    signatures.push_back(sig);
    perLayer.push_back(f ? f : layerFunction(spec.layerNames[l], verify));
  }

  SmallVector<Type> inputs{ids()}, results{rows(spec.hidden)};
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
  Value table = parameter(spec.embedding);
  auto quant = formats.find(table);
  Value x = quant != formats.end()
                ? QuantizedEmbeddingOp::create(
                      b, loc, rows(spec.hidden), table, body->getArgument(0),
                      QuantFormatAttr::get(b.getContext(), quant->second))
                      .getResult()
                : EmbeddingOp::create(b, loc, rows(spec.hidden), table,
                                      body->getArgument(0))
                      .getResult();
  x = act(x);
  SmallVector<Value> outs{Value()};
  for (int64_t l = 0; l < spec.layers; ++l) {
    SmallVector<Value> args{x, body->getArgument(1 + 2 * l),
                            body->getArgument(2 + 2 * l)};
    for (const std::string &name : slotNames(spec.layerNames[l]))
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

/// @logits(tokens [1,S]) -> logits [1,S,V] from zero states.
void MambaGraphBuilder::buildLogits() {
  auto logitsType = RankedTensorType::get({1, kDyn, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "logits", {ids()}, {logitsType});
  SmallVector<Value> args{body->getArgument(0)};
  for (Type t : stateTypes())
    args.push_back(zeroState(cast<RankedTensorType>(t)));
  auto call = func::CallOp::create(b, loc, forward, args);
  func::ReturnOp::create(b, loc, head(call.getResult(0), logitsType));
}

/// The logits of the last row of `hidden` [1,S,H] as [1,V].
static Value lastRow(OpBuilder &b, Location loc, Value hidden, int64_t width) {
  Value S = tensor::DimOp::create(b, loc, hidden, 1);
  Value last = arith::SubIOp::create(b, loc, S,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1, width}, b.getF32Type()), hidden,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), last, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(width)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
}

/// @prefill(tokens [1,S], start [1], states...) -> (logits [1,V], states...)
/// and @decode(token [1,1], position [1], states...): the states are
/// in-place state like the transformers' KV caches.
void MambaGraphBuilder::buildPrefill() {
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  SmallVector<Type> states = stateTypes();
  for (bool decode : {false, true}) {
    auto tokType = decode ? RankedTensorType::get({1, 1}, i32) : ids();
    SmallVector<Type> inputs{tokType, one}, results{logits};
    inputs.append(states);
    results.append(states);
    Block *body =
        entry(b, module, loc, decode ? "decode" : "prefill", inputs, results);
    auto func = cast<func::FuncOp>(body->getParentOp());
    for (size_t s = 0; s < states.size(); ++s) {
      func.setArgAttr(2 + s, seqrt::abi::kInPlaceAttr,
                      b.getI64IntegerAttr(1 + s));
      func.setArgAttr(2 + s, seqrt::abi::kRecurrentAttr, b.getUnitAttr());
    }
    Value tokens = body->getArgument(0);
    if (decode)
      tokens = tensor::CastOp::create(b, loc, ids(), tokens);
    SmallVector<Value> args{tokens};
    for (size_t s = 0; s < states.size(); ++s)
      args.push_back(body->getArgument(2 + s));
    auto call = func::CallOp::create(b, loc, forward, args);
    SmallVector<Value> outs{
        head(lastRow(b, loc, call.getResult(0), spec.hidden), logits)};
    for (size_t s = 0; s < states.size(); ++s)
      outs.push_back(call.getResult(1 + s));
    func::ReturnOp::create(b, loc, outs);
  }
}

/// @generate(prompt [1,S], seed) -> (tokens [1,N], count [1]): prefill,
/// sample the first token, then a seq.decode_loop for the other N-1
/// (emitGenerateTail, shared with the transformer builder).
void MambaGraphBuilder::buildGenerate() {
  int64_t N = options.maxNewTokens;
  auto tokensType = RankedTensorType::get({1, N}, i32);
  auto one = RankedTensorType::get({1}, i32);
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "generate", {ids(), b.getI64Type()},
                      {tokensType, one});
  Value prompt = body->getArgument(0), seed = body->getArgument(1);
  SmallVector<Type> types = stateTypes();
  SmallVector<Value> args{prompt};
  for (Type t : types)
    args.push_back(zeroState(cast<RankedTensorType>(t)));
  auto prefill = func::CallOp::create(b, loc, forward, args);
  Value last = head(lastRow(b, loc, prefill.getResult(0), spec.hidden), logits);
  auto sampling = SamplingAttr::get(
      b.getContext(), llvm::APFloat(static_cast<float>(options.temperature)),
      options.topK, llvm::APFloat(static_cast<float>(options.topP)));
  SmallVector<Value> state(prefill.getResults().drop_front());
  emitGenerateTail(
      b, loc, N, last, dim(prompt, 1), seed, state, types,
      options.ignoreEos ? ArrayRef<int64_t>() : ArrayRef(spec.eosTokenIds),
      sampling, [&](Block *loopBody) {
        Value tok =
            tensor::CastOp::create(b, loc, ids(), loopBody->getArgument(0));
        SmallVector<Value> callArgs{tok};
        for (size_t s = 0; s < types.size(); ++s)
          callArgs.push_back(loopBody->getArgument(2 + s));
        auto call = func::CallOp::create(b, loc, forward, callArgs);
        auto stepLogits = RankedTensorType::get({1, 1, spec.vocab}, f32);
        Value h = tensor::CastOp::create(
            b, loc, RankedTensorType::get({1, 1, spec.hidden}, f32),
            call.getResult(0));
        SmallVector<Value> yields{head(h, stepLogits)};
        for (size_t s = 0; s < types.size(); ++s)
          yields.push_back(call.getResult(1 + s));
        return yields;
      });
}

/// @generate_beams(prompt [1,S]) -> (sequences [1,beams,N], scores
/// [1,beams], lengths [1,beams]): prefill, then a seq.beam_search_loop
/// whose reorder gathers the conv and SSM states of the surviving beams.
void MambaGraphBuilder::buildGenerateBeams() {
  int64_t N = options.maxNewTokens, beams = options.numBeams;
  auto logits = RankedTensorType::get({1, spec.vocab}, f32);
  Block *body = entry(b, module, loc, "generate_beams", {ids()},
                      {RankedTensorType::get({1, beams, N}, i32),
                       RankedTensorType::get({1, beams}, f32),
                       RankedTensorType::get({1, beams}, i32)});
  Value prompt = body->getArgument(0);
  SmallVector<Type> types = stateTypes();
  SmallVector<Value> args{prompt};
  for (Type t : types)
    args.push_back(zeroState(cast<RankedTensorType>(t)));
  auto prefill = func::CallOp::create(b, loc, forward, args);
  Value last = head(lastRow(b, loc, prefill.getResult(0), spec.hidden), logits);
  emitBeamSearchTail(
      b, loc, options, last, dim(prompt, 1), prefill.getResults().drop_front(),
      options.ignoreEos ? ArrayRef<int64_t>() : ArrayRef(spec.eosTokenIds),
      [&](Value token, Value, ValueRange states) {
        SmallVector<Value> callArgs{
            tensor::CastOp::create(b, loc, ids(), token)};
        llvm::append_range(callArgs, states);
        auto call = func::CallOp::create(b, loc, forward, callArgs);
        Value h = tensor::CastOp::create(
            b, loc, RankedTensorType::get({1, 1, spec.hidden}, f32),
            call.getResult(0));
        SmallVector<Value> yields{
            head(h, RankedTensorType::get({1, 1, spec.vocab}, f32))};
        llvm::append_range(yields, call.getResults().drop_front());
        return yields;
      });
}

/// @step(tokens [1,S], positions [1,S], states...) -> (logits [1,S,V],
/// states...) and @advance(...) -> (states...): the transformer builder's
/// private functions for the speculative and best-of-N entries (positions
/// unused). The states are recurrent.
void MambaGraphBuilder::buildStep() {
  SmallVector<Type> inputs{ids(), ids()};
  inputs.append(stateTypes());
  auto logitsType = RankedTensorType::get({1, kDyn, spec.vocab}, f32);
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
      func->setAttr(kStepCapacityAttr, b.getI64IntegerAttr(options.maxSeqLen));
      func->setAttr(kStepEosAttr,
                    b.getDenseI64ArrayAttr(options.ignoreEos
                                               ? ArrayRef<int64_t>()
                                               : ArrayRef(spec.eosTokenIds)));
      func->setAttr(kStepRecurrentAttr, b.getUnitAttr());
    }
    Block *body = func.addEntryBlock();
    b.setInsertionPointToStart(body);
    SmallVector<Value> args{body->getArgument(0)};
    llvm::append_range(args, body->getArguments().drop_front(2));
    auto call = func::CallOp::create(b, loc, forward, args);
    SmallVector<Value> outs;
    if (withHead)
      outs.push_back(head(call.getResult(0), logitsType));
    llvm::append_range(outs, call.getResults().drop_front());
    func::ReturnOp::create(b, loc, outs);
  }
  if (!forwardVerify)
    return;
  // @step_verify: @step with the states after each token (kVerifyStepName).
  SmallVector<Type> results{logitsType};
  results.append(stateTypes(/*eachStep=*/true));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, loc, kVerifyStepName,
                                   b.getFunctionType(inputs, results));
  func.setPrivate();
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> args{body->getArgument(0)};
  llvm::append_range(args, body->getArguments().drop_front(2));
  auto call = func::CallOp::create(b, loc, forwardVerify, args);
  SmallVector<Value> outs{head(call.getResult(0), logitsType)};
  llvm::append_range(outs, call.getResults().drop_front());
  func::ReturnOp::create(b, loc, outs);
}

OwningOpRef<ModuleOp> MambaGraphBuilder::build() {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(loc);
  module = *owned;
  buildForward(/*verify=*/false);
  if (speculativeTarget(options))
    buildForward(/*verify=*/true);
  buildStep();
  buildLogits();
  buildPrefill();
  buildGenerate();
  if (options.numBeams > 0)
    buildGenerateBeams();
  return owned;
}

void mlir::seq::expectedMambaMixerTensors(
    const MambaSpec &s, const MambaLayerNames &n,
    std::vector<std::pair<std::string, SmallVector<int64_t>>> &out) {
  int64_t I = s.intermediate, N = s.stateSize, C = s.convChannels();
  auto add = [&](const std::string &name, SmallVector<int64_t> shape) {
    if (!name.empty())
      out.push_back({name, shape});
  };
  add(n.inProj, {s.inProjWidth(), s.hidden});
  add(n.inProjBias, {s.inProjWidth()});
  add(n.convWeight, {C, 1, s.convKernel});
  add(n.convBias, {C});
  add(n.xProj, {s.dtRank + 2 * N, I});
  add(n.dtNorm, {s.dtRank});
  add(n.bNorm, {N});
  add(n.cNorm, {N});
  add(n.dtProj, {I, s.dtRank});
  add(n.dtProjBias, {I});
  add(n.dtBias, {s.heads});
  if (s.version == 1) {
    add(n.aLog, {I, N});
    add(n.d, {I});
  } else {
    add(n.aLog, {s.heads});
    add(n.d, {s.heads});
  }
  add(n.gatedNorm, {I});
  add(n.outProj, {s.hidden, I});
  add(n.outProjBias, {s.hidden});
}

std::vector<std::pair<std::string, SmallVector<int64_t>>>
mlir::seq::expectedMambaTensors(const MambaSpec &s) {
  std::vector<std::pair<std::string, SmallVector<int64_t>>> out;
  out.push_back({s.embedding, {s.vocab, s.hidden}});
  for (const MambaLayerNames &n : s.layerNames) {
    out.push_back({n.norm, {s.hidden}});
    expectedMambaMixerTensors(s, n, out);
  }
  out.push_back({s.finalNorm, {s.hidden}});
  if (s.lmHead != s.embedding)
    out.push_back({s.lmHead, {s.vocab, s.hidden}});
  return out;
}

OwningOpRef<ModuleOp>
mlir::seq::buildMamba(MLIRContext *context, Location loc, const MambaSpec &spec,
                      const llvm::StringMap<TensorInfo> &tensors,
                      const ImportOptions &options) {
  context->loadDialect<SeqDialect, func::FuncDialect, arith::ArithDialect,
                       bufferization::BufferizationDialect,
                       tensor::TensorDialect, linalg::LinalgDialect,
                       math::MathDialect, scf::SCFDialect>();
  return MambaGraphBuilder(context, loc, spec, tensors, options).build();
}
