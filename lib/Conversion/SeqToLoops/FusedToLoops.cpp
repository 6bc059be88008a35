//===- FusedToLoops.cpp - lowerings that fuse producer chains -------------===//
//
// This file lowers op chains as one loop nest where that saves memory
// traffic. They run before the per-op lowerings so that they see the chain.
//
// * swiglu(linear(x, Wg), linear(x, Wu)) (the gated MLP of Llama, Mistral,
//   Qwen, and every SwiGLU expert): both projections and the activation in
//   one pass over the output features; the gate and up activations
//   ([rows, F] each) are never written.
// * linear(rms_norm(x, g), W) and quantized_linear(rms_norm(x, g), W)
//   (every projection after a norm): the rows are normalised once, in a
//   pass before the projection's tiles, into a buffer only the projection
//   reads (when every user of the norm is such a projection, the norm
//   itself disappears).
// * linear(x, W1), linear(x, W2), ... on one input x (the q, k and v
//   projections, x often rms_norm(h)): one parallel loop over the
//   concatenated output features, so a decode row's projections are one
//   fork/join instead of one loop each (which, at one row, fell under the
//   parallel grain and ran serially).
//
//===----------------------------------------------------------------------===//

#include "LoopBuilder.h"
#include "Patterns.h"
#include "QuantKernels.h"
#include "VectorKernels.h"
#include "seq/IR/SeqOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dominance.h"
#include <functional>

using namespace mlir;
using namespace mlir::seq;

/// Normalises rows [r0, r1) of `x` ([rows, K]) by `norm` (1/rms and gamma)
/// into the same rows of the f32 buffer `normed` ([rows, K]), rounding
/// through the norm's storage type as the unfused norm would before a
/// projection reads it.
static void normalizeRows(LoopBuilder &b, RMSNormOp norm, Value x, Value gamma,
                          Value r0, Value r1, Value k, Value normed) {
  Type f32 = b.getF32Type();
  Type normElement = norm.getOutput().getType().getElementType();
  Value widthF = arith::UIToFPOp::create(
      b, f32, arith::IndexCastOp::create(b, b.getI64Type(), k));
  float epsilon = norm.getEpsilon().convertToFloat();
  b.forLoop(r0, r1, [&](Value row) {
    Value sq = b.forLoop(b.index(0), k, ValueRange{b.f32(0.0f)},
                         [&](Value c, ValueRange s) -> SmallVector<Value> {
                           Value v = b.loadF32(x, {row, c});
                           return {b.addf(s[0], b.mulf(v, v))};
                         })[0];
    Value inv =
        math::RsqrtOp::create(b, b.addf(b.divf(sq, widthF), b.f32(epsilon)));
    b.forLoop(b.index(0), k, [&](Value c) {
      Value v =
          b.mulf(b.mulf(b.loadF32(x, {row, c}), inv), b.loadF32(gamma, {c}));
      if (!normElement.isF32())
        v = arith::ExtFOp::create(
            b, f32, arith::TruncFOp::create(b, normElement, v).getResult());
      memref::StoreOp::create(b, v, normed, ValueRange{row, c});
    });
  });
}

/// Normalises all `rows` rows of `x` ([rows, k]) by `norm` into a new f32
/// heap buffer [rows, k], in one parallel pass over tiles of `rowTile`
/// rows, for projections whose tiles then read the normalised rows: each
/// row is normalised once, not once per feature tile that reads it (a
/// SmolLM2 layer's q, k and v: 60 feature tiles of 16, each of which
/// renormalised its rows).
static Value normalizeAllRows(LoopBuilder &b, RMSNormOp norm, Value x,
                              Value gamma, Value rows, Value k,
                              int64_t rowTile) {
  Value normed = memref::AllocOp::create(
      b,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                      b.getF32Type()),
      ValueRange{rows, k}, b.getI64IntegerAttr(64));
  b.parallel({b.divUp(rows, rowTile)}, [&](ValueRange ivs) {
    Value r0, r1;
    std::tie(r0, r1) = b.blockBounds(ivs[0], rowTile, rows);
    normalizeRows(b, norm, x, gamma, r0, r1, k, normed);
  });
  return normed;
}

/// The int8-activation quantized_linear ops that read `op`'s input, `op`
/// among them, in block order (q, k and v after one norm; gate and up), when
/// they can share one normalisation and quantization of it: all in `op`'s
/// block, and every weight and bias defined before the first of them (where
/// the shared loops go).
static SmallVector<QuantizedLinearOp>
int8Siblings(QuantizedLinearOp op, const TilingOptions &options) {
  SmallVector<QuantizedLinearOp> group;
  for (Operation *user : op.getInput().getUsers()) {
    auto sibling = dyn_cast<QuantizedLinearOp>(user);
    if (!sibling || sibling->getBlock() != op->getBlock() ||
        sibling.getInput() != op.getInput() ||
        !int8ActivationFormat(sibling.getFormat()) ||
        llvm::is_contained(group, sibling))
      continue;
    group.push_back(sibling);
  }
  llvm::sort(group, [](QuantizedLinearOp a, QuantizedLinearOp b) {
    return a->isBeforeInBlock(b);
  });
  if (group.size() < 2 || !options.int8Activations)
    return {op};
  Operation *first = group.front();
  DominanceInfo dominance;
  for (QuantizedLinearOp sibling : group)
    for (Value v : {sibling.getWeight(), sibling.getBias()})
      if (v && !dominance.properlyDominates(v, first))
        return {op};
  return group;
}

/// Normalises the `rows` x `k` rows of `x` by `norm` (1/rms and `gamma`)
/// and quantizes them to int8 blocks, in one parallel pass over row tiles,
/// through heap buffers (a tile loop of one iteration is folded away, and
/// stack scratch outside a loop body would have no allocation scope).
static Int8Rows normalizeAndQuantizeRows(LoopBuilder &b, RMSNormOp norm,
                                         Value x, Value gamma, Value rows,
                                         int64_t k,
                                         const TilingOptions &options) {
  Int8Rows xq = allocInt8Rows(b, rows, k);
  Value normed = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, k}, b.getF32Type()),
      ValueRange{rows}, b.getI64IntegerAttr(64));
  b.parallel({b.divUp(rows, options.quantRowTile)}, [&](ValueRange ivs) {
    Value r0, r1;
    std::tie(r0, r1) = b.blockBounds(ivs[0], options.quantRowTile, rows);
    normalizeRows(b, norm, x, gamma, r0, r1, b.index(k), normed);
    b.forLoop(r0, r1,
              [&](Value r) { quantizeRowInt8(b, normed, r, k, xq, r); });
  });
  return xq;
}

/// Lowers `group` (int8Siblings: projections of one input, normalised by
/// `norm`) as one normalise-and-quantize pass over the rows and one
/// parallel loop over every projection's feature tiles (by row tiles), at
/// the first of them: the rows are quantized once instead of once per
/// projection, and the projections' tiles share one parallel region (a
/// 40-row prefill's q, k and v: one region of 60 x 3 tiles instead of
/// three of 36, 12 and 12 x 3, each after its own serial quantization).
static void lowerInt8Group(PatternRewriter &rewriter,
                           ArrayRef<QuantizedLinearOp> group, RMSNormOp norm,
                           const TilingOptions &options) {
  QuantizedLinearOp first = group.front();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(first);
  LoopBuilder b(first.getLoc(), rewriter);
  Value input = b.buffer(norm.getInput());
  Value gamma = b.buffer(norm.getWeight());
  Value x = b.collapseRows(input);
  int64_t k = first.getInput().getType().getShape().back();
  Value rows = b.dim(x, 0);
  // Normalised and quantized once (heap buffers, as for one projection).
  Int8Rows xq = normalizeAndQuantizeRows(b, norm, x, gamma, rows, k, options);
  // Feature tiles [starts[i], starts[i + 1]) are projection i's.
  SmallVector<Value> packed, biases, outputs, ys, ns, starts{b.index(0)};
  for (QuantizedLinearOp op : group) {
    packed.push_back(b.buffer(op.getWeight()));
    biases.push_back(op.getBias() ? b.buffer(op.getBias()) : Value());
    outputs.push_back(
        b.allocProjection(op.getOutput().getType(), input, packed.back()));
    ys.push_back(b.collapseRows(outputs.back()));
    ns.push_back(b.dim(packed.back(), 0));
    starts.push_back(
        b.add(starts.back(), b.divUp(ns.back(), options.quantFeatureTile)));
  }
  b.parallel(
      {starts.back(), b.divUp(rows, options.quantRowTile)},
      [&](ValueRange ivs) {
        Value r0, r1;
        std::tie(r0, r1) = b.blockBounds(ivs[1], options.quantRowTile, rows);
        for (size_t i = 0; i < group.size(); ++i) {
          QuantizedLinearOp op = group[i];
          Value mine = arith::AndIOp::create(
              b, b.cmp(arith::CmpIPredicate::sge, ivs[0], starts[i]),
              b.cmp(arith::CmpIPredicate::slt, ivs[0], starts[i + 1]));
          b.ifThen(mine, [&] {
            Value n0, n1;
            std::tie(n0, n1) = b.blockBounds(b.sub(ivs[0], starts[i]),
                                             options.quantFeatureTile, ns[i]);
            quantizedProjectRowsInt8(b, op.getFormat(), options, r0, r1, n0, n1,
                                     k, xq, packed[i], biases[i], ys[i]);
          });
        }
      });
  // The results first: the builder inserts before the first projection.
  SmallVector<Value> results;
  for (size_t i = 0; i < group.size(); ++i)
    results.push_back(b.toTensor(
        outputs[i], QuantizedLinearOp(group[i]).getOutput().getType()));
  for (size_t i = 0; i < group.size(); ++i)
    rewriter.replaceOp(group[i], results[i]);
}

namespace {
struct FuseGatedMLP : TiledPattern<SwiGLUOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(SwiGLUOp op,
                                PatternRewriter &rewriter) const override {
    auto gate = op.getGate().getDefiningOp<LinearOp>();
    auto up = op.getUp().getDefiningOp<LinearOp>();
    if (!gate || !up || gate == up || !gate->hasOneUse() || !up->hasOneUse() ||
        gate.getInput() != up.getInput() ||
        op.getOutput().getType().getRank() < 2)
      return rewriter.notifyMatchFailure(op, "not a gated MLP");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(gate.getInput());
    Value wg = b.buffer(gate.getWeight()), wu = b.buffer(up.getWeight());
    Value bg = gate.getBias() ? b.buffer(gate.getBias()) : Value();
    Value bu = up.getBias() ? b.buffer(up.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, wg);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), k = b.dim(x, 1), features = b.dim(wg, 0);
    const int64_t block = options.linearFeatureTile,
                  rowBlock = options.linearRowTile;
    // Dynamic extents that must agree, as for seq.linear.
    SmallVector<LoopBuilder::Check> ok{
        b.sameExtent(x, 1, "input K", wg, 1, "gate weight K"),
        b.sameExtent(x, 1, "input K", wu, 1, "up weight K"),
        b.sameExtent(wu, 0, "up weight N", wg, 0, "gate weight N")};
    if (bg)
      ok.push_back(b.sameExtent(bg, 0, "gate bias", wg, 0, "gate weight N"));
    if (bu)
      ok.push_back(b.sameExtent(bu, 0, "up bias", wg, 0, "gate weight N"));
    // Weight blocks outermost, as for seq.linear; a register block is 2
    // rows x 2 features x (gate, up).
    auto silu = [&](Value g, Value u) {
      Value one = splatLike(b, 1.0f, g);
      Value sigmoid =
          b.divf(one, b.addf(one, b.exp(arith::NegFOp::create(b, g))));
      return b.mulf(b.mulf(g, sigmoid), u);
    };
    b.guarded(op, ok, kShapeMismatch, [&] {
      ifPanels(
          b, options, rows,
          [&] {
            // Prefill: the panel kernel, gate and up rows of a feature side by
            // side in one register block.
            Value xT = packRowPanels(b, options, x, rows, k);
            projectPanels(
                b, options, xT, rows, k, features,
                [&](Value f) {
                  return SmallVector<Row>{{wg, {f}}, {wu, {f}}};
                },
                2,
                [&](Value f, ArrayRef<Value> sums) {
                  // Scalars or (whole blocks) vectors of features.
                  Value g = sums[0], u = sums[1];
                  if (bg) {
                    Value add = loadLike(b, bg, f, g);
                    g = b.addf(g, add);
                  }
                  if (bu) {
                    Value add = loadLike(b, bu, f, u);
                    u = b.addf(u, add);
                  }
                  return silu(g, u);
                },
                y);
          },
          [&] {
            b.parallel(
                {b.divUp(features, block), b.divUp(rows, rowBlock)},
                [&](ValueRange ivs) {
                  Value f0, f1;
                  std::tie(f0, f1) = b.blockBounds(ivs[0], block, features);
                  Value r0, r1;
                  std::tie(r0, r1) = b.blockBounds(ivs[1], rowBlock, rows);
                  constexpr int64_t blockCols = 2;
                  withTilePrefetch(
                      b,
                      RowPrefetch{options.linearPrefetchRows,
                                  b.sub(features, b.index(1))},
                      f0, block, blockCols, ivs[1], rows,
                      [&](const RowPrefetch &prefetch) {
                        blockedDots(
                            b, r0, r1, f0, f1, k, options.vectorWidth,
                            [&](Value r) {
                              return Row{x, {r}};
                            },
                            [&](Value f) {
                              return SmallVector<Row>{{wg, {f}}, {wu, {f}}};
                            },
                            [&](Value r, Value f, ArrayRef<Value> dots) {
                              Value g = bg ? b.addf(dots[0], b.loadF32(bg, {f}))
                                           : dots[0];
                              Value u = bu ? b.addf(dots[1], b.loadF32(bu, {f}))
                                           : dots[1];
                              b.storeF32(silu(g, u), y, {r, f});
                            },
                            rowBlock, blockCols, prefetch);
                      });
                });
          });
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    rewriter.eraseOp(gate);
    rewriter.eraseOp(up);
    return success();
  }
};
struct FuseRMSNormIntoLinear : TiledPattern<LinearOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    auto norm = op.getInput().getDefiningOp<RMSNormOp>();
    if (!norm || norm.getInput().getType().getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input is not an rms_norm");
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(norm.getInput());
    Value gamma = b.buffer(norm.getWeight());
    Value weight = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, weight);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    Value rows = b.dim(x, 0), k = b.dim(x, 1), n = b.dim(weight, 0);
    const int64_t rowBlock = options.linearRowTile;
    // Dynamic extents that must agree, as for seq.linear (and the norm's
    // weight as wide as the rows).
    SmallVector<LoopBuilder::Check> ok{
        b.sameExtent(x, 1, "input K", weight, 1, "weight K"),
        b.sameExtent(gamma, 0, "norm weight", x, 1, "input K")};
    if (bias)
      ok.push_back(b.sameExtent(bias, 0, "bias", weight, 0, "weight N"));
    b.guarded(op, ok, kShapeMismatch, [&] {
      // The rows normalised once into an f32 buffer (rounded through the
      // norm's storage type), then projected.
      Value normed = normalizeAllRows(b, norm, x, gamma, rows, k, rowBlock);
      projectAllRows(b, options, normed, rows, k, n, weight, bias, y);
    });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};

/// Sibling projections of one input (q, k, v): every f32 seq.linear that
/// reads `x` (or rms_norm(h), normalised per tile as above), as one
/// scf.forall over the concatenated feature blocks; a tile projects its
/// rows onto the blocks of the projection it falls in.
struct FuseSiblingLinears : OpRewritePattern<LinearOp> {
  // Benefit 2: before FuseRMSNormIntoLinear takes them one by one.
  FuseSiblingLinears(MLIRContext *context, const TilingOptions &options)
      : OpRewritePattern(context, /*benefit=*/2), options(options) {}
  TilingOptions options;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Value in = op.getInput();
    if (cast<RankedTensorType>(in.getType()).getRank() < 2)
      return rewriter.notifyMatchFailure(op, "not rows of features");
    // The siblings in block order; the pattern fires on the first.
    SmallVector<LinearOp> group;
    for (Operation *user : in.getUsers())
      if (auto linear = dyn_cast<LinearOp>(user))
        if (linear.getInput() == in && linear->getBlock() == op->getBlock() &&
            !llvm::is_contained(group, linear))
          group.push_back(linear);
    if (group.size() < 2)
      return rewriter.notifyMatchFailure(op, "no sibling projection");
    llvm::sort(group,
               [](LinearOp a, LinearOp b) { return a->isBeforeInBlock(b); });
    if (group.front() != op)
      return rewriter.notifyMatchFailure(op, "not the first sibling");
    // The fused loop sits at the last sibling: every use of a sibling's
    // result must come after it.
    Operation *last = group.back();
    for (LinearOp linear : group)
      for (Operation *user : linear->getUsers()) {
        Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
        if (!at || at == last || at->isBeforeInBlock(last))
          return rewriter.notifyMatchFailure(op, "a result used in between");
      }
    auto norm = in.getDefiningOp<RMSNormOp>();
    if (norm && norm.getInput().getType().getRank() < 2)
      norm = nullptr;
    rewriter.setInsertionPoint(last);
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(norm ? norm.getInput() : in);
    Value gamma = norm ? b.buffer(norm.getWeight()) : Value();
    Value x = b.collapseRows(input);
    Value rows = b.dim(x, 0), k = b.dim(x, 1);
    const int64_t block = options.linearFeatureTile,
                  rowBlock = options.linearRowTile;
    struct Projection {
      Value weight, bias, output, y, n, firstTile;
    };
    SmallVector<Projection> projections;
    SmallVector<LoopBuilder::Check> ok;
    if (norm)
      ok.push_back(b.sameExtent(gamma, 0, "norm weight", x, 1, "input K"));
    Value tiles = b.index(0);
    for (LinearOp linear : group) {
      Projection p;
      p.weight = b.buffer(linear.getWeight());
      p.bias = linear.getBias() ? b.buffer(linear.getBias()) : Value();
      p.output =
          b.allocProjection(linear.getOutput().getType(), input, p.weight);
      p.y = b.collapseRows(p.output);
      p.n = b.dim(p.weight, 0);
      p.firstTile = tiles;
      tiles = b.add(tiles, b.divUp(p.n, block));
      ok.push_back(b.sameExtent(x, 1, "input K", p.weight, 1, "weight K"));
      if (p.bias)
        ok.push_back(b.sameExtent(p.bias, 0, "bias", p.weight, 0, "weight N"));
      projections.push_back(p);
    }
    b.guarded(op, ok, kShapeMismatch, [&] {
      // Normalised once for all the projections' tiles.
      Value normed =
          norm ? normalizeAllRows(b, norm, x, gamma, rows, k, rowBlock)
               : Value();
      ifPanels(
          b, options, rows,
          [&] {
            // Prefill: the rows packed once for every projection's panel
            // tiles, one parallel loop over their concatenated feature tiles.
            const int64_t tile = panelFeatureTile(options, k);
            Value xT = packRowPanels(b, options, norm ? normed : x, rows, k);
            SmallVector<Value> firstTiles;
            Value panelTiles = b.index(0);
            for (const Projection &p : projections) {
              firstTiles.push_back(panelTiles);
              panelTiles = b.add(panelTiles, b.divUp(p.n, tile));
            }
            const int64_t chunkRows = panelChunkRows(options);
            b.parallel(
                {panelTiles, b.divUp(rows, chunkRows)}, [&](ValueRange ivs) {
                  std::function<void(size_t)> project = [&](size_t i) {
                    const Projection &p = projections[i];
                    auto run = [&] {
                      Value c0, c1;
                      std::tie(c0, c1) = b.blockBounds(
                          b.sub(ivs[0], firstTiles[i]), tile, p.n);
                      projectPanel(
                          b, options, xT, ivs[1], rows, c0, c1, k,
                          [&](Value c) {
                            return SmallVector<Row>{{p.weight, {c}}};
                          },
                          1,
                          [&](Value c, ArrayRef<Value> sums) {
                            if (!p.bias)
                              return sums[0];
                            Value add = loadLike(b, p.bias, c, sums[0]);
                            return b.addf(sums[0], add);
                          },
                          p.y);
                    };
                    if (i + 1 == projections.size())
                      return run();
                    Value mine = b.cmp(arith::CmpIPredicate::ult, ivs[0],
                                       firstTiles[i + 1]);
                    scf::IfOp::create(
                        b, mine,
                        [&](OpBuilder &, Location loc) {
                          run();
                          scf::YieldOp::create(b, loc);
                        },
                        [&](OpBuilder &, Location loc) {
                          project(i + 1);
                          scf::YieldOp::create(b, loc);
                        });
                  };
                  project(0);
                });
          },
          [&] {
            b.parallel({tiles, b.divUp(rows, rowBlock)}, [&](ValueRange ivs) {
              Value r0, r1;
              std::tie(r0, r1) = b.blockBounds(ivs[1], rowBlock, rows);
              auto lhsRow = [&](Value r) {
                return norm ? Row{normed, {r}} : Row{x, {r}};
              };
              // Projection i's blocks, or (past them) those of i + 1 on.
              std::function<void(size_t)> project = [&](size_t i) {
                const Projection &p = projections[i];
                auto tile = [&] {
                  Value n0, n1;
                  std::tie(n0, n1) =
                      b.blockBounds(b.sub(ivs[0], p.firstTile), block, p.n);
                  projectRows(b, r0, r1, n0, n1, k, options.vectorWidth, lhsRow,
                              p.weight, p.bias, p.y, options.linearPrefetchRows,
                              ivs[1], rows, block, rowBlock);
                };
                if (i + 1 == projections.size())
                  return tile();
                scf::IfOp::create(
                    b,
                    b.cmp(arith::CmpIPredicate::ult, ivs[0],
                          projections[i + 1].firstTile),
                    [&](OpBuilder &, Location loc) {
                      tile();
                      scf::YieldOp::create(b, loc);
                    },
                    [&](OpBuilder &, Location loc) {
                      project(i + 1);
                      scf::YieldOp::create(b, loc);
                    });
              };
              project(0);
            });
          });
    });
    for (auto [linear, p] : llvm::zip(group, projections))
      rewriter.replaceOp(linear,
                         b.toTensor(p.output, linear.getOutput().getType()));
    return success();
  }
};

/// quantized_linear(rms_norm(x, g), W): the quantized kernel reads the
/// rows normalised once, as above.
struct FuseRMSNormIntoQuantizedLinear : TiledPattern<QuantizedLinearOp> {
  using TiledPattern::TiledPattern;
  LogicalResult matchAndRewrite(QuantizedLinearOp op,
                                PatternRewriter &rewriter) const override {
    auto norm = op.getInput().getDefiningOp<RMSNormOp>();
    if (!norm || norm.getInput().getType().getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input is not an rms_norm");
    if (options.int8Activations && int8ActivationFormat(op.getFormat())) {
      SmallVector<QuantizedLinearOp> group = int8Siblings(op, options);
      if (group.size() > 1) {
        lowerInt8Group(rewriter, group, norm, options);
        return success();
      }
    }
    LoopBuilder b(op.getLoc(), rewriter);
    Value input = b.buffer(norm.getInput());
    Value gamma = b.buffer(norm.getWeight());
    Value packed = b.buffer(op.getWeight());
    Value bias = op.getBias() ? b.buffer(op.getBias()) : Value();
    RankedTensorType outType = op.getOutput().getType();
    Value output = b.allocProjection(outType, input, packed);
    Value x = b.collapseRows(input), y = b.collapseRows(output);
    int64_t k = op.getInput().getType().getShape().back();
    Value rows = b.dim(x, 0), n = b.dim(packed, 0);
    if (options.int8Activations && int8ActivationFormat(op.getFormat())) {
      // Int8 activations: every row normalised and quantized once, before
      // the projection tiles (through heap buffers: a tile loop of one
      // iteration is folded away, and stack scratch outside a loop body
      // would have no allocation scope of its own).
      Int8Rows xq =
          normalizeAndQuantizeRows(b, norm, x, gamma, rows, k, options);
      b.parallel({b.divUp(n, options.quantFeatureTile),
                  b.divUp(rows, options.quantRowTile)},
                 [&](ValueRange ivs) {
                   Value n0, n1, r0, r1;
                   std::tie(n0, n1) =
                       b.blockBounds(ivs[0], options.quantFeatureTile, n);
                   std::tie(r0, r1) =
                       b.blockBounds(ivs[1], options.quantRowTile, rows);
                   quantizedProjectRowsInt8(b, op.getFormat(), options, r0, r1,
                                            n0, n1, k, xq, packed, bias, y);
                 });
      rewriter.replaceOp(op, b.toTensor(output, outType));
      return success();
    }
    // f32 activations: every row normalised once, before the tiles.
    Value normed = normalizeAllRows(b, norm, x, gamma, rows, b.index(k),
                                    options.quantRowTile);
    b.parallel(
        {b.divUp(n, options.quantFeatureTile),
         b.divUp(rows, options.quantRowTile)},
        [&](ValueRange ivs) {
          Value n0, n1, r0, r1;
          std::tie(n0, n1) = b.blockBounds(ivs[0], options.quantFeatureTile, n);
          std::tie(r0, r1) = b.blockBounds(ivs[1], options.quantRowTile, rows);
          quantizedProjectRows(b, op.getFormat(), options, r0, r1, n0, n1, k,
                               normed, b.index(0), packed, bias, y);
        });
    rewriter.replaceOp(op, b.toTensor(output, outType));
    return success();
  }
};
} // namespace

void seq::populateFusedToLoopsPatterns(RewritePatternSet &patterns,
                                       const TilingOptions &options) {
  patterns.add<FuseGatedMLP>(patterns.getContext(), options);
}

void seq::populateFusedNormToLoopsPatterns(RewritePatternSet &patterns,
                                           const TilingOptions &options) {
  patterns.add<FuseSiblingLinears, FuseRMSNormIntoLinear,
               FuseRMSNormIntoQuantizedLinear>(patterns.getContext(), options);
}
