//===- GpuPlan.cpp - Entries run on a GPU from their launch plan ----------===//
//
// This file reads and checks the launch plan of a GPU target (untrusted
// input: every index, extent and byte size is checked before use) and runs
// an entry from it: device buffers for the inputs (copied in) and the op
// results, parameters uploaded once and kept on the device, each step
// launched through launchKernel, the outputs copied back after the stream
// synchronizes. Every device buffer of a call is freed on every path.
//
//===----------------------------------------------------------------------===//

#include "GpuPlan.h"

#include "ArtifactImpl.h"
#include "Dtype.h"
#include "Error.h"
#include "Gguf.h"
#include "GpuLaunch.h"
#include "Json.h"
#include "Tensor.h"
#include "seqrt/GpuHost.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>

using namespace seqrt;

namespace {
bool planError(std::string &error, const std::string &where,
               const std::string &message) {
  error = "metadata: " + where + ": " + message;
  return false;
}

/// At most 2^48 bytes in one buffer: beyond any device, and far from
/// overflowing the descriptors' int64 arithmetic.
constexpr int64_t kMaxBytes = int64_t(1) << 48;

bool readShape(const JsonValue *value, const std::string &where,
               std::vector<int64_t> &out, std::string &error) {
  if (!value || !value->isArray() || value->getArray().size() > SEQRT_MAX_RANK)
    return planError(error, where,
                     "expected up to " + std::to_string(SEQRT_MAX_RANK) +
                         " extents");
  out.clear();
  for (const JsonValue &extent : value->getArray()) {
    if (!extent.isInt() || extent.getInt() < 0 || extent.getInt() > kMaxBytes)
      return planError(error, where, "extents must be integers in [0, 2^48]");
    out.push_back(extent.getInt());
  }
  return true;
}

bool readIndex(const JsonValue &object, const std::string &where,
               const char *key, size_t limit, size_t &out, std::string &error) {
  const JsonValue *value = object.get(key);
  if (!value || !value->isInt() || value->getInt() < 0 ||
      static_cast<uint64_t>(value->getInt()) >= limit)
    return planError(error, where + "." + key,
                     "expected an index below " + std::to_string(limit));
  out = static_cast<size_t>(value->getInt());
  return true;
}

/// The manifest index of kernel `key` of `step`.
bool readKernelName(const JsonValue &step, const std::string &where,
                    const char *key, const GpuTargetInfo &target, size_t &out,
                    std::string &error) {
  const JsonValue *name = step.get(key);
  if (!name || !name->isString())
    return planError(error, where + "." + key, "expected a kernel name");
  for (size_t k = 0; k < target.kernels.size(); ++k)
    if (target.kernels[k].name == name->getString()) {
      out = k;
      return true;
    }
  return planError(error, where + "." + key,
                   "kernel '" + name->getString() + "' is not in the " +
                       target.name + " launch manifest");
}

std::optional<int64_t> elementsOf(const std::vector<int64_t> &shape) {
  return numElements(shape);
}

/// Checks `arg` against parameter `p` of `kernel`: its rank, element type
/// (the buffer's dtype) and element count (the whole buffer).
bool checkArg(const GpuPlanArg &arg, const GpuPlanBuffer &buffer,
              const GpuKernelInfo &kernel, size_t p, const std::string &where,
              std::string &error) {
  const GpuKernelInfo::Param &param = kernel.params[p];
  if (static_cast<int64_t>(arg.shape.size()) != param.rank)
    return planError(error, where,
                     "rank " + std::to_string(arg.shape.size()) +
                         ", but kernel '" + kernel.name + "' parameter " +
                         std::to_string(p) + " has rank " +
                         std::to_string(param.rank));
  if (param.element != seqrt_dtype_name(buffer.dtype))
    return planError(error, where,
                     std::string("a buffer of ") +
                         seqrt_dtype_name(buffer.dtype) + ", but kernel '" +
                         kernel.name + "' parameter " + std::to_string(p) +
                         " is " + param.element);
  std::optional<int64_t> viewed = elementsOf(arg.shape);
  std::optional<int64_t> held = elementsOf(buffer.shape);
  // Overflow-safe: the view's count may be any int64 (its extents are each
  // at most 2^48), the buffer's and the offset at most 2^48.
  if (!viewed || !held ||
      (arg.offset == 0 ? *viewed != *held
                       : arg.offset > *held || *viewed > *held - arg.offset))
    return planError(error, where,
                     "the view " + formatShape(arg.shape) +
                         (arg.offset
                              ? " at offset " + std::to_string(arg.offset)
                              : std::string()) +
                         " does not " + (arg.offset ? "fit in" : "cover") +
                         " its buffer " + formatShape(buffer.shape));
  return true;
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/// A quantized linear or embedding kernel's step (seqrt/GpuHost.h's
/// names): the block format from the kernel's name and the shapes its
/// arguments must have, so that the kernel, which takes K from X (the row
/// width from the output) and reads K / elements * bytes packed bytes per
/// row, stays inside every buffer. Other kernels pass unchanged.
bool readQuantStep(GpuPlanStep &step, const GpuKernelInfo &kernel,
                   const std::vector<GpuPlanBuffer> &buffers,
                   const std::string &where, std::string &error) {
  const std::string &name = kernel.name;
  bool embedding = name.rfind(gpuhost::kQuantEmbeddingKernelPrefix, 0) == 0;
  if (!embedding && name.rfind(gpuhost::kQuantLinearKernelPrefix, 0) != 0)
    return true;
  std::string format =
      name.substr(std::strlen(embedding ? gpuhost::kQuantEmbeddingKernelPrefix
                                        : gpuhost::kQuantLinearKernelPrefix));
  bool bias = false, formOk = embedding;
  if (!embedding) {
    if ((bias = endsWith(format, gpuhost::kQuantBiasSuffix)))
      format.resize(format.size() - std::strlen(gpuhost::kQuantBiasSuffix));
    for (const char *form :
         {gpuhost::kQuantDecodeForm, gpuhost::kQuantPrefillForm})
      if (!formOk && endsWith(format, form)) {
        format.resize(format.size() - std::strlen(form));
        formOk = true;
      }
  }
  const GgmlTypeInfo *type = ggmlTypeByName(format);
  if (!formOk || !type || !type->quantized)
    return planError(error, where,
                     "kernel '" + name +
                         "' is named as a quantized kernel of no known block "
                         "format");
  size_t count = embedding ? 4 : bias ? 4 : 3;
  if (step.args.size() != count ||
      step.kind !=
          (embedding ? GpuPlanStep::Kind::Checked : GpuPlanStep::Kind::Launch))
    return planError(error, where,
                     "kernel '" + name + "' is " +
                         (embedding
                              ? "a checked launch over table, ids, out "
                                "and a status word"
                              : "a launch over X, W" +
                                    std::string(bias ? ", b" : "") + " and Y"));
  step.quantFormat = format;
  step.quantArg = embedding ? 0 : 1;
  const std::vector<int64_t> &packed = step.args[step.quantArg].shape;
  const std::vector<int64_t> &out = step.args[embedding ? 2 : count - 1].shape;
  const std::vector<int64_t> &in = step.args[embedding ? 1 : 0].shape;
  // Embedding: table [V, D / e * b], ids [N], out [N, D]. Linear: X [M, K],
  // W [N, K / e * b], (b [N]), Y [M, N].
  int64_t width = embedding ? (out.size() == 2 ? out[1] : -1)
                            : (in.size() == 2 ? in[1] : -1);
  bool ok = packed.size() == 2 && out.size() == 2 && width >= 0 &&
            width % type->blockElements == 0 &&
            packed[1] == width / type->blockElements * type->blockBytes &&
            buffers[step.args[step.quantArg].buffer].dtype == SEQRT_DTYPE_I8;
  if (embedding)
    ok = ok && in.size() == 1 && in[0] == out[0];
  else
    ok = ok && in.size() == 2 && out[0] == in[0] && out[1] == packed[0] &&
         (!bias || step.args[2].shape == std::vector<int64_t>{packed[0]});
  if (!ok)
    return planError(
        error, where,
        "the shapes of kernel '" + name + "' do not agree: " + format +
            " packs " + std::to_string(type->blockElements) + " elements in " +
            std::to_string(type->blockBytes) + " bytes, so " +
            (embedding ? "table [V, D / " : "W [N, K / ") +
            std::to_string(type->blockElements) + " * " +
            std::to_string(type->blockBytes) + "] i8 with " +
            (embedding
                 ? "ids [N], out [N, D]"
                 : "X [M, K], Y [M, N]" + std::string(bias ? ", b [N]" : "")) +
            "; found " + formatShape(packed) + " and " + formatShape(in) +
            ", " + formatShape(out));
  return true;
}

/// The extent the kernel `name` was compiled for, written after `tag`
/// (`_d64` of a RoPE kernel, `_k4` of a convolution), or -1.
int64_t extentInName(const std::string &name, size_t from, const char *tag) {
  size_t at = name.find(tag, from);
  if (at == std::string::npos)
    return -1;
  at += std::strlen(tag);
  int64_t value = 0;
  size_t digits = 0;
  for (; at < name.size() && name[at] >= '0' && name[at] <= '9'; ++at) {
    if (++digits > 9)
      return -1;
    value = value * 10 + (name[at] - '0');
  }
  return digits ? value : -1;
}

bool startsWith(const std::string &s, const char *prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// The MoE kernels' and seq.grouped_matmul's rules (checkKernelShapes):
/// `fail(expected)` reports a mismatch. The grouped GEMMs take S from the
/// permutation, T and Dm from X, E from the weights (the grid's z) and
/// the columns from the output; the token of slot s is s / K with K = S /
/// T, so S must be T K and the routing weights [T, K].
template <typename Fail>
bool checkMoEKernelShapes(const GpuPlanStep &step, const GpuKernelInfo &kernel,
                          Fail fail) {
  const std::string &name = kernel.name;
  using Shape = std::vector<int64_t>;
  size_t count = step.args.size();
  auto shape = [&](size_t a) -> const Shape & { return step.args[a].shape; };
  auto ranks = [&](std::initializer_list<size_t> expected) {
    if (expected.size() != count)
      return false;
    size_t a = 0;
    for (size_t rank : expected)
      if (shape(a++).size() != rank)
        return false;
    return true;
  };
  // S slots of T tokens: S = T K, K >= 1 (no tokens: no slots).
  auto slotsOf = [](int64_t slots, int64_t tokens) {
    return tokens > 0 ? slots >= tokens && slots % tokens == 0 : slots == 0;
  };
  if (startsWith(name, gpuhost::kMoeRouteKernelPrefix)) {
    // logits [T, E], (bias [E]), weights [T, K], experts [T, K].
    int64_t k = extentInName(name, std::strlen(gpuhost::kMoeRouteKernelPrefix),
                             gpuhost::kMoeTopKTag);
    bool bias = count == 4;
    std::string kText = k < 1 ? std::string("K") : std::to_string(k);
    if (k < 1 || !(bias ? ranks({2, 1, 2, 2}) : ranks({2, 2, 2})) ||
        (bias && shape(1) != Shape{shape(0)[1]}) ||
        shape(count - 2) != Shape{shape(0)[0], k} ||
        shape(count - 1) != Shape{shape(0)[0], k})
      return fail("logits [T, E], " + std::string(bias ? "bias [E], " : "") +
                  "weights and experts [T, " + kText + "]");
    return true;
  }
  if (startsWith(name, gpuhost::kMoeDispatchKernelPrefix)) {
    // experts [T, K], permutation [T K], offsets [E + 1].
    int64_t e =
        extentInName(name, std::strlen(gpuhost::kMoeDispatchKernelPrefix) - 1,
                     gpuhost::kMoeExpertsTag);
    if (e < 1 || !ranks({2, 1, 1}) ||
        shape(1)[0] != shape(0)[0] * shape(0)[1] || shape(2)[0] != e + 1)
      return fail("experts [T, K], permutation [T K], offsets [" +
                  (e < 1 ? std::string("E + 1") : std::to_string(e + 1)) + "]");
    return true;
  }
  if (startsWith(name, gpuhost::kMoeTilesKernelPrefix)) {
    // permutation [S], offsets [E + 1], tiles [ceil(S / M) + E, 2],
    // status [1] (M rows per tile, from the name).
    int64_t m =
        extentInName(name, std::strlen(gpuhost::kMoeTilesKernelPrefix) - 1,
                     gpuhost::kMoeRowTileTag);
    bool ok = m >= 1 && ranks({1, 1, 2, 1});
    if (ok) {
      int64_t slots = shape(0)[0], experts = shape(1)[0] - 1;
      ok = experts >= 0 &&
           shape(2) == Shape{(slots + m - 1) / m + experts, 2} &&
           shape(3) == Shape{1};
    }
    if (!ok)
      return fail("permutation [S], offsets [E + 1], tiles [ceil(S / " +
                  (m < 1 ? std::string("M") : std::to_string(m)) +
                  ") + E, 2], status [1]");
    return true;
  }
  bool gateUp = startsWith(name, gpuhost::kMoeGateUpKernelPrefix);
  if (gateUp || startsWith(name, gpuhost::kMoeUpKernelPrefix)) {
    // X [T, Dm], permutation [S], offsets [E + 1], (gate,) up [E, F, Dm],
    // tiles [L, 2], H [S, F].
    bool ok = gateUp ? ranks({2, 1, 1, 3, 3, 2, 2}) : ranks({2, 1, 1, 3, 2, 2});
    if (ok) {
      const Shape &x = shape(0), &up = shape(count - 3), &h = shape(count - 1);
      int64_t slots = shape(1)[0];
      ok = slotsOf(slots, x[0]) && up[2] == x[1] &&
           shape(2) == Shape{up[0] + 1} && h == Shape{slots, up[1]} &&
           shape(count - 2)[1] == 2 && (!gateUp || shape(3) == up);
    }
    if (!ok)
      return fail(std::string("X [T, Dm], permutation [S = T K], offsets "
                              "[E + 1], ") +
                  (gateUp ? "gate and up" : "up") +
                  " [E, F, Dm], tiles [L, 2], H [S, F]");
    return true;
  }
  if (startsWith(name, gpuhost::kMoeDownKernelPrefix)) {
    // H [S, F], permutation [S], offsets [E + 1], down [E, Dm, F],
    // weights [T, K] (T K = S), tiles [L, 2], Ys [S, Dm].
    bool ok = ranks({2, 1, 1, 3, 2, 2, 2});
    if (ok) {
      const Shape &h = shape(0), &down = shape(3), &w = shape(4);
      int64_t slots = shape(1)[0];
      ok = h[0] == slots && down[2] == h[1] && shape(2) == Shape{down[0] + 1} &&
           w[0] * w[1] == slots && slotsOf(slots, w[0]) && shape(5)[1] == 2 &&
           shape(6) == Shape{slots, down[1]};
    }
    if (!ok)
      return fail("H [S, F], permutation [S], offsets [E + 1], down [E, Dm, "
                  "F], weights [T, K] (T K = S), tiles [L, 2], Ys [S, Dm]");
    return true;
  }
  bool sharedGateUp = startsWith(name, gpuhost::kMoeSharedGateUpKernelPrefix);
  if (sharedGateUp || startsWith(name, gpuhost::kMoeSharedUpKernelPrefix)) {
    // X [T, Dm], (gate,) up [Fs, Dm], Hs [T, Fs].
    bool ok = sharedGateUp ? ranks({2, 2, 2, 2}) : ranks({2, 2, 2});
    if (ok) {
      const Shape &x = shape(0), &up = shape(count - 2);
      ok = up[1] == x[1] && shape(count - 1) == Shape{x[0], up[0]} &&
           (!sharedGateUp || shape(1) == up);
    }
    if (!ok)
      return fail(std::string("X [T, Dm], ") +
                  (sharedGateUp ? "gate and up" : "up") +
                  " [Fs, Dm], Hs [T, Fs]");
    return true;
  }
  if (startsWith(name, gpuhost::kMoeSharedDownKernelPrefix)) {
    // Hs [T, Fs], down [Dm, Fs], Ysh [T, Dm].
    if (!ranks({2, 2, 2}) || shape(1)[1] != shape(0)[1] ||
        shape(2) != Shape{shape(0)[0], shape(1)[0]})
      return fail("Hs [T, Fs], down [Dm, Fs], Ysh [T, Dm]");
    return true;
  }
  if (startsWith(name, gpuhost::kMoeCombineKernelPrefix)) {
    // Ys [S, Dm] (S = T K), (Ysh [T, Dm]), out [T, Dm].
    bool shared = count == 3;
    bool ok = shared ? ranks({2, 2, 2}) : ranks({2, 2});
    if (ok) {
      const Shape &out = shape(count - 1), &ys = shape(0);
      ok = ys[1] == out[1] && slotsOf(ys[0], out[0]) &&
           (!shared || shape(1) == out);
    }
    if (!ok)
      return fail(std::string("Ys [S = T K, Dm], ") +
                  (shared ? "Ysh [T, Dm], " : "") + "out [T, Dm]");
    return true;
  }
  if (startsWith(name, gpuhost::kGroupedMatmulKernelPrefix)) {
    // X [R, K], W [E, N, K], offsets [E + 1], Y [R, N], status [1].
    if (!ranks({2, 3, 1, 2, 1}) || shape(1)[2] != shape(0)[1] ||
        shape(2) != Shape{shape(1)[0] + 1} ||
        shape(3) != Shape{shape(0)[0], shape(1)[1]} || shape(4) != Shape{1})
      return fail("X [R, K], W [E, N, K], offsets [E + 1], Y [R, N], "
                  "status [1]");
    return true;
  }
  return true;
}

/// The arguments of a step whose kernel takes its extents from some of them
/// and indexes the others with those extents (seqrt/GpuHost.h's kernel
/// families): every argument must have the shape those extents give it,
/// so that no view, each inside its own buffer (checkArg), makes the kernel
/// read or write past another. Ranks were checked against the kernel's
/// parameters, but the manifest is read, not trusted: each rule checks them
/// again before indexing.
bool checkKernelShapes(const GpuPlanStep &step, const GpuKernelInfo &kernel,
                       const std::string &where, std::string &error) {
  const std::string &name = kernel.name;
  using Shape = std::vector<int64_t>;
  auto shape = [&](size_t a) -> const Shape & { return step.args[a].shape; };
  size_t count = step.args.size();
  auto fail = [&](const std::string &expected) {
    std::string found;
    for (size_t a = 0; a < count; ++a)
      found += (a ? ", " : "") + formatShape(shape(a));
    return planError(error, where,
                     "the shapes of kernel '" + name +
                         "' do not agree: " + expected + "; found " + found);
  };
  auto ranks = [&](std::initializer_list<size_t> expected) {
    if (expected.size() != count)
      return false;
    size_t a = 0;
    for (size_t rank : expected)
      if (shape(a++).size() != rank)
        return false;
    return true;
  };
  if (startsWith(name, gpuhost::kLinearKernelPrefix)) {
    // X [M, K], W [N, K], (b [N]), Y [M, N]: M and K from X, N from W.
    bool bias = count == 4;
    if (!(bias ? ranks({2, 2, 1, 2}) : ranks({2, 2, 2})) ||
        shape(1)[1] != shape(0)[1] || (bias && shape(2)[0] != shape(1)[0]) ||
        shape(count - 1) != Shape{shape(0)[0], shape(1)[0]})
      return fail(std::string("X [M, K], W [N, K], ") +
                  (bias ? "b [N], " : "") + "Y [M, N]");
    return true;
  }
  if (startsWith(name, gpuhost::kRmsNormKernelPrefix) ||
      startsWith(name, gpuhost::kLayerNormKernelPrefix)) {
    // x [R, W], weight [W], (bias [W]), y [R, W]: R and W from x, the grid
    // from y.
    bool bias = count == 4;
    if (!(bias ? ranks({2, 1, 1, 2}) : ranks({2, 1, 2})) ||
        shape(1)[0] != shape(0)[1] || (bias && shape(2)[0] != shape(0)[1]) ||
        shape(count - 1) != shape(0))
      return fail(std::string("x [R, W], weight [W], ") +
                  (bias ? "bias [W], " : "") + "y [R, W]");
    return true;
  }
  if (startsWith(name, gpuhost::kSwigluKernelPrefix) ||
      startsWith(name, gpuhost::kAddKernelPrefix)) {
    // Three [N]: N from the output.
    if (!ranks({1, 1, 1}) || shape(0) != shape(2) || shape(1) != shape(2))
      return fail("a, b and out [N]");
    return true;
  }
  if (startsWith(name, gpuhost::kRopeKernelPrefix)) {
    // x [B, H, S, D], positions [B, S], y [B, H, S, D]: D compiled in (the
    // name's `_d<D>`), the grid and S from y.
    int64_t dim = extentInName(name, std::strlen(gpuhost::kRopeKernelPrefix),
                               gpuhost::kRopeHeadDimTag);
    if (!ranks({4, 2, 4}) || dim < 0 || shape(2)[3] != dim ||
        shape(0) != shape(2) || shape(1) != Shape{shape(2)[0], shape(2)[2]})
      return fail("x and y [B, H, S, " +
                  (dim < 0 ? std::string("D") : std::to_string(dim)) +
                  "], positions [B, S]");
    return true;
  }
  if (startsWith(name, gpuhost::kArgmaxKernelPrefix)) {
    // logits [R, V], tokens [R].
    if (!ranks({2, 1}) || shape(1)[0] != shape(0)[0])
      return fail("logits [R, V], tokens [R]");
    return true;
  }
  if (startsWith(name, gpuhost::kEmbeddingKernelPrefix)) {
    // table [V, D], ids [N], out [N, D], status [1]: a block per row of
    // out, D from out.
    if (!ranks({2, 1, 2, 1}) || shape(0)[1] != shape(2)[1] ||
        shape(1)[0] != shape(2)[0] || shape(3) != Shape{1})
      return fail("table [V, D], ids [N], out [N, D], status [1]");
    return true;
  }
  if (startsWith(name, gpuhost::kCacheWriteKernelPrefix)) {
    // update [B, H, S, D], positions [B], cache [B, H, C, D], status [1]:
    // the grid (S, H, B) and D from the update, C from the cache.
    if (!ranks({4, 1, 4, 1}) || shape(2)[0] != shape(0)[0] ||
        shape(2)[1] != shape(0)[1] || shape(2)[3] != shape(0)[3] ||
        shape(1) != Shape{shape(0)[0]} || shape(3) != Shape{1})
      return fail("update [B, H, S, D], positions [B], cache [B, H, C, D], "
                  "status [1]");
    return true;
  }
  if (startsWith(name, gpuhost::kConvKernelPrefix)) {
    // input [B, S, C], weight [C, K], (bias [C]), (state [B, K-1, C]),
    // output [B, S, C], final state [B, K-1, C]: K compiled in (`_k<K>`),
    // S and C from the input.
    size_t from = std::strlen(gpuhost::kConvKernelPrefix);
    int64_t taps = extentInName(name, from, gpuhost::kConvTapsTag);
    bool bias = name.find(gpuhost::kConvBiasTag, from) != std::string::npos;
    bool state = name.find(gpuhost::kConvStateTag, from) != std::string::npos;
    bool ok =
        taps >= 1 && count == size_t(4 + bias + state) && shape(0).size() == 3;
    if (ok) {
      const Shape &in = shape(0);
      Shape history{in[0], taps - 1, in[2]};
      ok = shape(1) == Shape{in[2], taps} &&
           (!bias || shape(2) == Shape{in[2]}) &&
           (!state || shape(2 + bias) == history) && shape(count - 2) == in &&
           shape(count - 1) == history;
    }
    if (!ok)
      return fail("input [B, S, C], weight [C, " +
                  (taps < 1 ? std::string("K") : std::to_string(taps)) + "]" +
                  (bias ? ", bias [C]" : "") +
                  (state ? ", state [B, K-1, C]" : "") +
                  ", output [B, S, C], final state [B, K-1, C]");
    return true;
  }
  if (startsWith(name, gpuhost::kSliceKernelPrefix)) {
    // x [R, Ws], y [R, W]: W compiled in (`_d<W>`), columns [o, o + W) of
    // x (`_o<o>`); the grid and R from y.
    size_t from = std::strlen(gpuhost::kSliceKernelPrefix);
    int64_t offset = extentInName(name, from, gpuhost::kSliceOffsetTag);
    int64_t width = extentInName(name, from, "_d");
    if (!ranks({2, 2}) || offset < 0 || width < 1 ||
        shape(1)[1] != width || shape(1)[0] != shape(0)[0] ||
        offset + width > shape(0)[1])
      return fail("x [R, Ws], y [R, W] with W = " +
                  (width < 1 ? std::string("?") : std::to_string(width)) +
                  " columns from " +
                  (offset < 0 ? std::string("?") : std::to_string(offset)) +
                  " within Ws");
    return true;
  }
  if (startsWith(name, gpuhost::kFillKernelPrefix)) {
    if (!ranks({1}))
      return fail("y [N]");
    return true;
  }
  if (startsWith(name, gpuhost::kGenericKernelPrefix)) {
    // inputs..., y [rank `_r<R>`]: input a reads y's dimensions given by
    // its `_i<dims>` (one digit each), so its extents must be those of y.
    size_t from = std::strlen(gpuhost::kGenericKernelPrefix);
    int64_t rank = extentInName(name, from, gpuhost::kGenericRankTag);
    std::vector<std::vector<int64_t>> dims;
    size_t at = name.find(gpuhost::kGenericRankTag, from);
    const size_t tag = std::strlen(gpuhost::kGenericInputTag);
    while (at != std::string::npos &&
           (at = name.find('_', at + 1)) != std::string::npos &&
           name.compare(at, tag, gpuhost::kGenericInputTag) == 0) {
      std::vector<int64_t> input;
      for (size_t i = at + tag; i < name.size() && name[i] >= '0' &&
                                name[i] <= '9';
           ++i)
        input.push_back(name[i] - '0');
      dims.push_back(std::move(input));
    }
    bool ok = rank >= 1 && rank <= 4 && count == dims.size() + 1 &&
              shape(count - 1).size() == size_t(rank);
    for (size_t a = 0; ok && a < dims.size(); ++a) {
      ok = shape(a).size() == dims[a].size();
      for (size_t k = 0; ok && k < dims[a].size(); ++k)
        ok = dims[a][k] < rank &&
             shape(a)[k] == shape(count - 1)[size_t(dims[a][k])];
    }
    if (!ok)
      return fail("each input the output's extents in the dimensions the "
                  "kernel's name gives it, the output of rank " +
                  (rank < 1 ? std::string("?") : std::to_string(rank)));
    return true;
  }
  if (startsWith(name, gpuhost::kScanKernelPrefix)) {
    // inputs..., init [B, (H), D, (N)], output, final state: the grid and
    // the lanes from the state, T from the output (scan: [B, T] then the
    // state's extents after B, without N when the readout sums over it;
    // scan_step: the state's, or without N), the final state the
    // state's. The inputs are read through the op's indexing maps, which
    // the plan does not carry: their extents are not checked here.
    bool isStep = startsWith(name, gpuhost::kScanStepKernelPrefix);
    if (count < 3)
      return fail("inputs, init, output, final state");
    const Shape &init = shape(count - 3), &out = shape(count - 2);
    Shape rest(init.begin() + std::min<size_t>(1, init.size()), init.end());
    Shape expected = init, reduced = init;
    if (!isStep) {
      expected = {init.empty() ? -1 : init[0], out.size() > 1 ? out[1] : -1};
      expected.insert(expected.end(), rest.begin(), rest.end());
      reduced = expected;
    }
    if (init.size() >= 3)
      reduced.pop_back();
    if (init.size() < 2 || shape(count - 1) != init ||
        (out != expected && out != reduced))
      return fail(std::string("init [B, (H), D, (N)], final state as init, "
                              "output ") +
                  (isStep ? "as init (N summed: without it)"
                          : "[B, T, (H), D, (N)] (N summed: without it)"));
    // The inputs, read through the op's indexing maps: their extents from
    // the manifest's rules (seqc writes one per input dimension).
    if (count > 3 && kernel.extents.empty())
      return fail("inputs with the extents the manifest gives (it gives "
                  "none)");
    for (const GpuKernelInfo::ExtentRule &rule : kernel.extents) {
      size_t p = static_cast<size_t>(rule.param),
             q = static_cast<size_t>(rule.of);
      if (p >= count || q >= count || size_t(rule.dim) >= shape(p).size() ||
          size_t(rule.ofDim) >= shape(q).size() ||
          shape(q)[rule.ofDim] % rule.times != 0 ||
          shape(q)[rule.ofDim] / rule.times != shape(p)[rule.dim])
        return fail("argument " + std::to_string(p) + "'s dimension " +
                    std::to_string(rule.dim) +
                    (rule.times == 1 ? std::string()
                                     : " times " + std::to_string(rule.times)) +
                    " as argument " + std::to_string(q) + "'s dimension " +
                    std::to_string(rule.ofDim) +
                    " (the op's indexing maps)");
    }
    return true;
  }
  return checkMoEKernelShapes(step, kernel, fail);
}

bool readStep(const JsonValue &item, const std::string &where,
              const GpuTargetInfo &target,
              const std::vector<GpuPlanBuffer> &buffers, GpuPlanStep &step,
              std::string &error) {
  if (!item.isObject())
    return planError(error, where, "expected an object");
  const JsonValue *kind = item.get("kind");
  const JsonValue *op = item.get("op");
  if (!kind || !kind->isString())
    return planError(error, where + ".kind", "expected a string");
  if (kind->getString() == gpuhost::kStepLaunch)
    step.kind = GpuPlanStep::Kind::Launch;
  else if (kind->getString() == gpuhost::kStepAttention)
    step.kind = GpuPlanStep::Kind::Attention;
  else if (kind->getString() == gpuhost::kStepArgmax)
    step.kind = GpuPlanStep::Kind::Argmax;
  else if (kind->getString() == gpuhost::kStepChecked)
    step.kind = GpuPlanStep::Kind::Checked;
  else
    return planError(error, where + ".kind",
                     "unknown step '" + kind->getString() + "'");
  if (!op || !op->isString() || op->getString().size() > 64)
    return planError(error, where + ".op", "expected an op name");
  step.op = op->getString();
  if (!readKernelName(item, where, "kernel", target, step.kernel, error))
    return false;
  const JsonValue *args = item.get("args");
  if (!args || !args->isArray() || args->getArray().size() > 16)
    return planError(error, where + ".args", "expected up to 16 arguments");
  for (size_t a = 0; a < args->getArray().size(); ++a) {
    const JsonValue &value = args->getArray()[a];
    std::string at = where + ".args[" + std::to_string(a) + "]";
    GpuPlanArg arg;
    if (!value.isObject())
      return planError(error, at, "expected an object");
    if (!readIndex(value, at, "buffer", buffers.size(), arg.buffer, error) ||
        !readShape(value.get("shape"), at + ".shape", arg.shape, error))
      return false;
    if (const JsonValue *offset = value.get(gpuhost::kArgOffset)) {
      if (!offset->isInt() || offset->getInt() < 0 ||
          offset->getInt() > kMaxBytes)
        return planError(error, at + "." + gpuhost::kArgOffset,
                         "expected an element offset in [0, 2^48]");
      arg.offset = offset->getInt();
    }
    step.args.push_back(std::move(arg));
  }
  const GpuKernelInfo &kernel = target.kernels[step.kernel];
  if (const JsonValue *results = item.get("results")) {
    if ((step.kind != GpuPlanStep::Kind::Launch &&
         step.kind != GpuPlanStep::Kind::Checked) ||
        !results->isInt() || results->getInt() < 1 ||
        static_cast<uint64_t>(results->getInt()) > step.args.size())
      return planError(error, where + ".results",
                       "expected a launch's count of written arguments, in "
                       "[1, " +
                           std::to_string(step.args.size()) + "]");
    step.results = static_cast<size_t>(results->getInt());
  }
  if (const JsonValue *inPlace = item.get(gpuhost::kStepInPlace)) {
    // A scan's final state over its init, the same whole state buffer.
    size_t n = step.args.size();
    const GpuKernelInfo &scan = target.kernels[step.kernel];
    if (!inPlace->isBool() || !inPlace->getBool() ||
        step.kind != GpuPlanStep::Kind::Launch ||
        !(scan.name.rfind(gpuhost::kScanKernelPrefix, 0) == 0 ||
          (scan.name.rfind(gpuhost::kConvKernelPrefix, 0) == 0 &&
           scan.name.size() >= std::strlen(gpuhost::kConvInPlaceTag) &&
           scan.name.compare(scan.name.size() -
                                 std::strlen(gpuhost::kConvInPlaceTag),
                             std::string::npos,
                             gpuhost::kConvInPlaceTag) == 0)) ||
        n < 3 ||
        step.results != 2 ||
        step.args[n - 1].buffer != step.args[n - 3].buffer ||
        step.args[n - 1].shape != step.args[n - 3].shape ||
        step.args[n - 3].offset != 0 ||
        buffers[step.args[n - 1].buffer].kind != GpuPlanBuffer::Kind::State)
      return planError(error, where + "." + gpuhost::kStepInPlace,
                       "only a scan kernel's launch writes in place: its "
                       "final state (the last argument) over its init (the "
                       "third from last), the same whole state buffer (or "
                       "the convolution's in-place form's)");
    step.inPlace = true;
  }
  if (step.args.empty())
    return planError(error, where + ".args", "expected arguments");
  if (step.kind != GpuPlanStep::Kind::Attention) {
    if (step.args.size() != kernel.params.size())
      return planError(error, where + ".args",
                       std::to_string(step.args.size()) +
                           " arguments, but kernel '" + kernel.name +
                           "' takes " + std::to_string(kernel.params.size()));
    for (size_t a = 0; a < step.args.size(); ++a)
      if (!checkArg(step.args[a], buffers[step.args[a].buffer], kernel, a,
                    where + ".args[" + std::to_string(a) + "]", error))
        return false;
    if (step.kind == GpuPlanStep::Kind::Argmax &&
        buffers[step.args.back().buffer].dtype != SEQRT_DTYPE_I32)
      return planError(error, where, "argmax writes i32 tokens");
    if (step.kind == GpuPlanStep::Kind::Checked) {
      const GpuPlanBuffer &status = buffers[step.args.back().buffer];
      if (status.dtype != SEQRT_DTYPE_I32 || status.bytes != 4 ||
          status.kind != GpuPlanBuffer::Kind::Temp || step.results < 1)
        return planError(error, where,
                         "a checked launch writes an i32 status word [1] "
                         "(its last argument)");
    }
    return readQuantStep(step, kernel, buffers, where, error);
  }
  // Attention: Q [B, Hq, Sq, D], K [B, Hkv, Skv, D], V [B, Hkv, Skv, Dv],
  // O [B, Hq, Sq, Dv] for the prefill kernel; the split kernel takes Q, K, V
  // and the f32 workspaces, the merge the workspaces and O. Ragged KV
  // (version 4): kv_lengths [B] i32 after V and an i32 status word [1] (a
  // temp) after O, in every kernel but the merge.
  size_t count = step.args.size();
  if ((count != 4 && count != 6) || kernel.params.size() != count)
    return planError(error, where + ".args",
                     "attention takes Q, K, V (kv_lengths) and O (status) "
                     "(kernel '" +
                         kernel.name + "' takes " +
                         std::to_string(kernel.params.size()) + ")");
  step.ragged = count == 6;
  step.results = step.ragged ? 2 : 1;
  for (size_t a = 0; a < count; ++a)
    if (!checkArg(step.args[a], buffers[step.args[a].buffer], kernel, a,
                  where + ".args[" + std::to_string(a) + "]", error))
      return false;
  const size_t outArg = step.ragged ? 4 : 3;
  const auto &q = step.args[0].shape, &k = step.args[1].shape,
             &v = step.args[2].shape, &o = step.args[outArg].shape;
  if (q.size() != 4 || k.size() != 4 || v.size() != 4 || o.size() != 4 ||
      k[0] != q[0] || v[0] != q[0] || o[0] != q[0] || v[1] != k[1] ||
      o[1] != q[1] || v[2] != k[2] || o[2] != q[2] || k[3] != q[3] ||
      o[3] != v[3] || k[1] == 0 || q[1] % k[1] != 0)
    return planError(error, where + ".args",
                     "the shapes of Q, K, V and O do not agree");
  if (step.ragged) {
    const GpuPlanBuffer &lengths = buffers[step.args[3].buffer];
    const GpuPlanBuffer &status = buffers[step.args[5].buffer];
    if (step.args[3].shape.size() != 1 || step.args[3].shape[0] != q[0] ||
        lengths.dtype != SEQRT_DTYPE_I32)
      return planError(error, where + ".args[3]",
                       "kv_lengths must be i32 [B] (one per batch row)");
    if (status.dtype != SEQRT_DTYPE_I32 || status.bytes != 4 ||
        status.kind != GpuPlanBuffer::Kind::Temp)
      return planError(error, where + ".args[5]",
                       "ragged attention writes an i32 status word [1]");
  }
  const JsonValue *positions = item.get("positions_per_block");
  const JsonValue *blockKV = item.get("block_kv");
  if (!positions || !positions->isInt() || positions->getInt() < 1 ||
      positions->getInt() > 1024 || !blockKV || !blockKV->isInt() ||
      blockKV->getInt() < 1 || blockKV->getInt() > 1024)
    return planError(error, where,
                     "expected positions_per_block and block_kv in [1, 1024]");
  step.positionsPerBlock = positions->getInt();
  step.blockKV = blockKV->getInt();
  if (!item.get("split_kernel") && !item.get("decode_kernel") &&
      !item.get("merge_kernel"))
    return true;
  if (!readKernelName(item, where, "merge_kernel", target, step.mergeKernel,
                      error))
    return false;
  const GpuKernelInfo &merge = target.kernels[step.mergeKernel];
  auto is = [](const GpuKernelInfo::Param &p, const char *element,
               int64_t rank) { return p.element == element && p.rank == rank; };
  if (merge.params.size() != 3 || !is(merge.params[0], "f32", 5) ||
      !is(merge.params[1], "f32", 4))
    return planError(error, where,
                     "kernel '" + merge.name + "' is not a split-KV merge");
  if (!checkArg(step.args[outArg], buffers[step.args[outArg].buffer], merge, 2,
                where + ".args[" + std::to_string(outArg) + "]", error))
    return false;
  // The split-KV kernel and the decode form take Q, K, V (kv_lengths) and
  // the two f32 workspaces the merge reads (then the status word).
  auto readPartial = [&](const char *key, size_t &index) {
    if (!readKernelName(item, where, key, target, index, error))
      return false;
    const GpuKernelInfo &split = target.kernels[index];
    if (split.params.size() != (step.ragged ? 7u : 5u) ||
        !is(split.params[outArg], "f32", 5) ||
        !is(split.params[outArg + 1], "f32", 4))
      return planError(error, where,
                       "kernels '" + split.name + "' and '" + merge.name +
                           "' are not a split-KV attention and its merge");
    for (size_t a = 0; a < outArg; ++a)
      if (!checkArg(step.args[a], buffers[step.args[a].buffer], split, a,
                    where + ".args[" + std::to_string(a) + "]", error))
        return false;
    if (step.ragged && !checkArg(step.args[5], buffers[step.args[5].buffer],
                                 split, 6, where + ".args[5]", error))
      return false;
    return true;
  };
  if (item.get("split_kernel")) {
    if (!readPartial("split_kernel", step.splitKernel))
      return false;
    step.canSplit = true;
  }
  if (item.get("decode_kernel")) {
    if (!readPartial("decode_kernel", step.decodeKernel))
      return false;
    const JsonValue *perStep = item.get("decode_keys_per_step");
    if (!perStep || !perStep->isInt() || perStep->getInt() < 1 ||
        perStep->getInt() > (int64_t(1) << 20))
      return planError(error, where,
                       "expected decode_keys_per_step in [1, 2^20]");
    step.decodeKeysPerStep = perStep->getInt();
    step.canDecode = true;
  }
  if (!step.canSplit && !step.canDecode)
    return planError(error, where,
                     "a merge kernel without a split-KV or decode kernel");
  return true;
}

bool readEntry(const JsonValue &item, const std::string &where,
               const GpuTargetInfo &target, GpuPlanEntry &entry,
               std::string &error) {
  if (!item.isObject())
    return planError(error, where, "expected an object");
  const JsonValue *name = item.get("name");
  if (!name || !name->isString() || name->getString().empty())
    return planError(error, where + ".name", "expected an entry name");
  entry.name = name->getString();
  const JsonValue *buffers = item.get("buffers");
  if (!buffers || !buffers->isArray() || buffers->getArray().size() > 65536)
    return planError(error, where + ".buffers", "expected up to 65536 buffers");
  for (size_t b = 0; b < buffers->getArray().size(); ++b) {
    const JsonValue &value = buffers->getArray()[b];
    std::string at = where + ".buffers[" + std::to_string(b) + "]";
    GpuPlanBuffer buffer;
    if (!value.isObject())
      return planError(error, at, "expected an object");
    const JsonValue *kind = value.get("kind");
    const JsonValue *dtype = value.get("dtype");
    if (!kind || !kind->isString())
      return planError(error, at + ".kind", "expected a string");
    std::optional<seqrt_dtype> parsed = dtype && dtype->isString()
                                            ? parseDtype(dtype->getString())
                                            : std::nullopt;
    if (!parsed)
      return planError(error, at + ".dtype", "expected a dtype");
    buffer.dtype = *parsed;
    if (!readShape(value.get("shape"), at + ".shape", buffer.shape, error))
      return false;
    std::optional<int64_t> count =
        numElements(buffer.shape, seqrt_dtype_size(buffer.dtype));
    if (!count || *count > kMaxBytes / int64_t(seqrt_dtype_size(buffer.dtype)))
      return planError(error, at + ".shape", "more than 2^48 bytes");
    buffer.bytes =
        static_cast<uint64_t>(*count) * seqrt_dtype_size(buffer.dtype);
    if (kind->getString() == gpuhost::kBufferInput ||
        kind->getString() == gpuhost::kBufferState ||
        kind->getString() == gpuhost::kBufferPosition) {
      size_t index;
      if (!readIndex(value, at, "index", SEQRT_MAX_RANK * 4096, index, error))
        return false;
      buffer.kind = kind->getString() == gpuhost::kBufferState
                        ? GpuPlanBuffer::Kind::State
                    : kind->getString() == gpuhost::kBufferPosition
                        ? GpuPlanBuffer::Kind::Position
                        : GpuPlanBuffer::Kind::Input;
      buffer.index = static_cast<int64_t>(index);
      if (buffer.kind == GpuPlanBuffer::Kind::Position) {
        // i32 values position + start + i, i < 2^31: start in i32's range.
        const JsonValue *start = value.get("start");
        if (!start || !start->isInt() || start->getInt() < INT32_MIN ||
            start->getInt() > INT32_MAX)
          return planError(error, at + ".start", "expected an i32 offset");
        if (buffer.dtype != SEQRT_DTYPE_I32 || buffer.bytes / 4 > INT32_MAX)
          return planError(error, at,
                           "position values are i32, fewer than 2^31");
        buffer.start = start->getInt();
      }
    } else if (kind->getString() == gpuhost::kBufferParam) {
      const JsonValue *key = value.get("key");
      if (!key || !key->isString())
        return planError(error, at + ".key", "expected a parameter key");
      buffer.kind = GpuPlanBuffer::Kind::Param;
      buffer.key = key->getString();
    } else if (kind->getString() == gpuhost::kBufferTemp) {
      buffer.kind = GpuPlanBuffer::Kind::Temp;
    } else {
      return planError(error, at + ".kind",
                       "unknown buffer kind '" + kind->getString() + "'");
    }
    entry.buffers.push_back(std::move(buffer));
  }
  const JsonValue *steps = item.get("steps");
  std::set<size_t> written;
  if (!steps || !steps->isArray())
    return planError(error, where + ".steps", "expected an array");
  for (size_t s = 0; s < steps->getArray().size(); ++s) {
    GpuPlanStep step;
    if (!readStep(steps->getArray()[s],
                  where + ".steps[" + std::to_string(s) + "]", target,
                  entry.buffers, step, error))
      return false;
    // Each op result is written by one step before any step reads it.
    std::string at = where + ".steps[" + std::to_string(s) + "]";
    size_t firstResult = step.args.size() - step.results;
    for (size_t a = 0; a < firstResult; ++a) {
      const GpuPlanBuffer &read = entry.buffers[step.args[a].buffer];
      if (read.kind == GpuPlanBuffer::Kind::Temp &&
          !written.count(step.args[a].buffer))
        return planError(error, at + ".args[" + std::to_string(a) + "]",
                         "reads a buffer no earlier step wrote");
    }
    for (size_t a = firstResult; a < step.args.size(); ++a) {
      size_t result = step.args[a].buffer;
      if (step.args[a].offset != 0)
        return planError(error, at + ".args[" + std::to_string(a) + "]",
                         "a written argument must view its whole buffer");
      // State the caller lends is written in place, by any number of steps:
      // checked launches (seq.cache_write) and scans marked in place.
      if (entry.buffers[result].kind == GpuPlanBuffer::Kind::State &&
          (step.kind == GpuPlanStep::Kind::Checked ||
           (step.inPlace && a + 1 == step.args.size())))
        continue;
      if (entry.buffers[result].kind != GpuPlanBuffer::Kind::Temp ||
          !written.insert(result).second)
        return planError(error, at, "must write a buffer of its own");
    }
    // Attention's shapes are checked with its kernels (readStep).
    if (step.kind != GpuPlanStep::Kind::Attention &&
        !checkKernelShapes(step, target.kernels[step.kernel], at, error))
      return false;
    entry.steps.push_back(std::move(step));
  }
  const JsonValue *outputs = item.get("outputs");
  if (!outputs || !outputs->isArray())
    return planError(error, where + ".outputs", "expected an array");
  for (size_t o = 0; o < outputs->getArray().size(); ++o) {
    const JsonValue &value = outputs->getArray()[o];
    if (!value.isInt() || value.getInt() < 0 ||
        static_cast<uint64_t>(value.getInt()) >= entry.buffers.size())
      return planError(error, where + ".outputs[" + std::to_string(o) + "]",
                       "expected a buffer index");
    if (entry.buffers[value.getInt()].kind == GpuPlanBuffer::Kind::Temp &&
        !written.count(static_cast<size_t>(value.getInt())))
      return planError(error, where + ".outputs[" + std::to_string(o) + "]",
                       "a buffer no step wrote");
    entry.outputs.push_back(static_cast<size_t>(value.getInt()));
  }
  return true;
}

bool sameType(const GpuPlanBuffer &buffer, const TensorType &type,
              bool dynamic = false) {
  if (!dynamic)
    return buffer.dtype == type.dtype && buffer.shape == type.shape;
  // A dynamic entry's buffers (instantiated for one S) against the
  // metadata's extents, -1 where the entry takes any.
  if (buffer.dtype != type.dtype || buffer.shape.size() != type.shape.size())
    return false;
  for (size_t d = 0; d < type.shape.size(); ++d)
    if (type.shape[d] != -1 && type.shape[d] != buffer.shape[d])
      return false;
  return true;
}

/// `in` with every extent {"sym": 0, "mul": a, "add": b} replaced by the
/// integer a x S + b (version 6), overflow-checked.
bool instantiate(const JsonValue &in, int64_t S, JsonValue &out,
                 const std::string &where, std::string &error) {
  if (in.isArray()) {
    std::vector<JsonValue> elements;
    for (const JsonValue &element : in.getArray()) {
      JsonValue copy;
      if (!instantiate(element, S, copy, where, error))
        return false;
      elements.push_back(std::move(copy));
    }
    out = JsonValue::makeArray(std::move(elements));
    return true;
  }
  if (!in.isObject()) {
    out = in;
    return true;
  }
  if (const JsonValue *symbol = in.get(gpuhost::kExtentSymbol)) {
    const JsonValue *mul = in.get(gpuhost::kExtentMul);
    const JsonValue *add = in.get(gpuhost::kExtentAdd);
    if (!symbol->isInt() || symbol->getInt() != 0 || !mul || !mul->isInt() ||
        !add || !add->isInt() || in.getObject().size() != 3 ||
        mul->getInt() < -kMaxBytes || mul->getInt() > kMaxBytes ||
        add->getInt() < -kMaxBytes || add->getInt() > kMaxBytes)
      return planError(error, where,
                       "an extent must be an integer or {\"sym\": 0, "
                       "\"mul\": a, \"add\": b} with |a|, |b| <= 2^48");
    // |a x S| < 2^48 x 2^31: no int64 overflow; the readers bound the sum.
    out = JsonValue::makeInt(mul->getInt() * S + add->getInt());
    return true;
  }
  std::vector<JsonValue::Member> members;
  for (const JsonValue::Member &member : in.getObject()) {
    JsonValue copy;
    if (!instantiate(member.second, S, copy, where, error))
      return false;
    members.emplace_back(member.first, std::move(copy));
  }
  out = JsonValue::makeObject(std::move(members));
  return true;
}

/// Reads entry `item` of a plan of `version`: a static one as it is, a
/// dynamic one (version 6, "dims") instantiated for S = 1 and kept for the
/// calls.
bool readAnyEntry(const JsonValue &item, const std::string &where,
                  int64_t version, const GpuTargetInfo &target,
                  GpuPlanEntry &entry, std::string &error) {
  const JsonValue *dims =
      item.isObject() ? item.get(gpuhost::kEntryDims) : nullptr;
  if (!dims)
    return readEntry(item, where, target, entry, error);
  std::string at = where + "." + gpuhost::kEntryDims;
  if (version < 6 || !dims->isArray() || dims->getArray().size() != 1 ||
      !dims->getArray()[0].isObject())
    return planError(error, at,
                     "expected one dynamic extent (plan version 6 or newer)");
  size_t input, axis;
  if (!readIndex(dims->getArray()[0], at, "input", SEQRT_MAX_RANK * 4096,
                 input, error) ||
      !readIndex(dims->getArray()[0], at, "axis", SEQRT_MAX_RANK, axis, error))
    return false;
  JsonValue one;
  if (!instantiate(item, 1, one, where, error) ||
      !readEntry(one, where, target, entry, error))
    return false;
  entry.dynamic = true;
  entry.dimInput = input;
  entry.dimAxis = axis;
  entry.source = item;
  entry.where = where;
  return true;
}

bool checkEntry(GpuPlanEntry &entry, const std::string &where,
                const Metadata &metadata, std::string &error);
} // namespace

bool seqrt::readHostPlan(const JsonValue &plan, const std::string &where,
                         const GpuTargetInfo &target, GpuHostPlan &out,
                         std::string &error) {
  out = GpuHostPlan();
  if (!plan.isObject())
    return planError(error, where, "expected an object");
  const JsonValue *format = plan.get("format");
  const JsonValue *version = plan.get("version");
  if (!format || !format->isString() ||
      format->getString() != gpuhost::kPlanFormat || !version ||
      !version->isInt() || version->getInt() < 1 ||
      version->getInt() > gpuhost::kPlanVersion)
    return planError(error, where,
                     std::string("this runtime runs launch plans '") +
                         gpuhost::kPlanFormat + "' versions 1 to " +
                         std::to_string(gpuhost::kPlanVersion));
  const JsonValue *entries = plan.get("entries");
  if (!entries || !entries->isArray())
    return planError(error, where + ".entries", "expected an array");
  for (size_t e = 0; e < entries->getArray().size(); ++e) {
    GpuPlanEntry entry;
    if (!readAnyEntry(entries->getArray()[e],
                      where + ".entries[" + std::to_string(e) + "]",
                      version->getInt(), target, entry, error))
      return false;
    out.entries.push_back(std::move(entry));
  }
  if (const JsonValue *cpuOnly = plan.get(gpuhost::kPlanCpuOnly)) {
    std::string at = where + "." + gpuhost::kPlanCpuOnly;
    if (version->getInt() < 6 || !cpuOnly->isArray() ||
        cpuOnly->getArray().size() > 4096)
      return planError(error, at,
                       "expected up to 4096 entry names (plan version 6 or "
                       "newer)");
    for (const JsonValue &name : cpuOnly->getArray()) {
      if (!name.isString() || name.getString().empty())
        return planError(error, at, "expected entry names");
      out.cpuOnly.push_back(name.getString());
    }
  }
  return true;
}

bool seqrt::checkHostPlan(GpuHostPlan &plan, const std::string &targetName,
                          const Metadata &metadata, std::string &error) {
  std::string where = "the " + targetName + " launch plan";
  if (plan.entries.size() + plan.cpuOnly.size() != metadata.entries.size())
    return planError(error, where,
                     std::to_string(plan.entries.size() + plan.cpuOnly.size()) +
                         " entries, but the "
                         "artifact has " +
                         std::to_string(metadata.entries.size()));
  std::set<std::string> named;
  for (const std::string &name : plan.cpuOnly) {
    bool known = false;
    for (const EntryInfo &info : metadata.entries)
      known = known || info.name == name;
    if (!known || !named.insert(name).second)
      return planError(error, where + ", CPU-only entry '" + name + "'",
                       "no such entry, or named twice");
  }
  for (GpuPlanEntry &entry : plan.entries) {
    if (!named.insert(entry.name).second)
      return planError(error, where + ", entry '" + entry.name + "'",
                       "planned twice, or also CPU-only");
    if (!checkEntry(entry, where, metadata, error))
      return false;
  }
  return true;
}

namespace {
/// Checks `entry` against the metadata: its inputs, parameters and outputs
/// of the entry's dtypes and shapes (a dynamic entry's: any extent where
/// the entry takes any, its dynamic extent one of them).
bool checkEntry(GpuPlanEntry &entry, const std::string &where,
                const Metadata &metadata, std::string &error) {
  std::string at = where + ", entry '" + entry.name + "'";
  size_t index = metadata.entries.size();
  for (size_t i = 0; i < metadata.entries.size(); ++i)
    if (metadata.entries[i].name == entry.name)
      index = i;
  if (index == metadata.entries.size())
    return planError(error, at, "no such entry");
  const EntryInfo &info = metadata.entries[index];
  entry.entry = index;
  for (size_t b = 0; b < entry.buffers.size(); ++b) {
    GpuPlanBuffer &buffer = entry.buffers[b];
    std::string bat = at + ", buffer " + std::to_string(b);
    if (buffer.kind == GpuPlanBuffer::Kind::Position) {
      if (static_cast<size_t>(buffer.index) >= info.inputs.size() ||
          info.inputs[buffer.index].dtype != SEQRT_DTYPE_I32 ||
          info.inputs[buffer.index].shape != std::vector<int64_t>{1} ||
          std::find(info.inplaceInput.begin(), info.inplaceInput.end(),
                    buffer.index) != info.inplaceInput.end())
        return planError(error, bat,
                         "position values of input " +
                             std::to_string(buffer.index) +
                             ", which is not a position i32 [1]");
    } else if (buffer.kind == GpuPlanBuffer::Kind::Input ||
               buffer.kind == GpuPlanBuffer::Kind::State) {
      if (static_cast<size_t>(buffer.index) >= info.inputs.size() ||
          !sameType(buffer, info.inputs[buffer.index], entry.dynamic))
        return planError(
            error, bat, "not an input of the entry's dtype and static shape");
      bool inplace =
          std::find(info.inplaceInput.begin(), info.inplaceInput.end(),
                    buffer.index) != info.inplaceInput.end();
      if (inplace != (buffer.kind == GpuPlanBuffer::Kind::State))
        return planError(error, bat,
                         inplace ? "input " + std::to_string(buffer.index) +
                                       " is updated in place, but the plan "
                                       "copies it"
                                 : "a state buffer of input " +
                                       std::to_string(buffer.index) +
                                       ", which is not updated in place");
    } else if (buffer.kind == GpuPlanBuffer::Kind::Param) {
      buffer.index = -1;
      for (size_t p = 0; p < metadata.parameters.size(); ++p)
        if (metadata.parameters[p].key == buffer.key)
          buffer.index = static_cast<int64_t>(p);
      if (buffer.index < 0)
        return planError(error, bat,
                         "parameter '" + buffer.key +
                             "' is not a parameter of the artifact");
      // A packed (quantized) parameter is its i8 rows as bound, the same
      // bytes on the device as on the CPU.
      const ParameterInfo &param = metadata.parameters[buffer.index];
      if (!sameType(buffer, param.type))
        return planError(
            error, bat,
            "parameter '" + buffer.key + "' is " +
                (param.encoding.empty() ? "" : param.encoding + "-encoded ") +
                param.type.str() + " in the artifact, but the plan has " +
                seqrt_dtype_name(buffer.dtype) + formatShape(buffer.shape));
    }
  }
  // Packed rows go only to the kernels of their block format, as the
  // operand those kernels unpack; those kernels take only packed rows
  // of their format (or an input's or a kernel's i8 bytes).
  for (size_t s = 0; s < entry.steps.size(); ++s) {
    const GpuPlanStep &step = entry.steps[s];
    for (size_t a = 0; a < step.args.size(); ++a) {
      const GpuPlanBuffer &buffer = entry.buffers[step.args[a].buffer];
      if (buffer.kind != GpuPlanBuffer::Kind::Param)
        continue;
      const ParameterInfo &param = metadata.parameters[buffer.index];
      bool packedArg = !step.quantFormat.empty() && a == step.quantArg;
      if (param.encoding.empty() == !packedArg &&
          (!packedArg || param.encoding == step.quantFormat))
        continue;
      std::string sat = at + ", steps[" + std::to_string(s) + "].args[" +
                        std::to_string(a) + "]";
      return planError(error, sat,
                       "parameter '" + param.key + "' (" +
                           (param.encoding.empty()
                                ? std::string("not packed")
                                : param.encoding + "-encoded") +
                           ") is read by " + step.op + " as " +
                           (packedArg ? "packed " + step.quantFormat + " rows"
                                      : std::string("plain elements")));
    }
  }
  if (entry.outputs.size() != info.outputs.size())
    return planError(error, at,
                     std::to_string(entry.outputs.size()) +
                         " outputs, but the entry returns " +
                         std::to_string(info.outputs.size()));
  for (size_t o = 0; o < entry.outputs.size(); ++o) {
    if (!sameType(entry.buffers[entry.outputs[o]], info.outputs[o],
                  entry.dynamic))
      return planError(error, at + ", output " + std::to_string(o),
                       "not of the entry's dtype and shape " +
                           info.outputs[o].str());
    // An in-place output is its input's state buffer, and only it.
    const GpuPlanBuffer &out = entry.buffers[entry.outputs[o]];
    int64_t in = o < info.inplaceInput.size() ? info.inplaceInput[o] : -1;
    if ((in >= 0) != (out.kind == GpuPlanBuffer::Kind::State) ||
        (in >= 0 && out.index != in))
      return planError(error, at + ", output " + std::to_string(o),
                       in >= 0 ? "must be the state buffer of input " +
                                     std::to_string(in)
                               : "is a state buffer, but the entry does "
                                 "not return it in place");
  }
  if (entry.dynamic &&
      (entry.dimInput >= info.inputs.size() ||
       entry.dimAxis >= info.inputs[entry.dimInput].shape.size() ||
       info.inputs[entry.dimInput].shape[entry.dimAxis] != -1))
    return planError(error, at,
                     "its dynamic extent is not a dynamic extent of an input");
  return true;
}
} // namespace

namespace {
/// The device buffers of one call, freed when it ends, whatever happens.
class CallBuffers {
public:
  explicit CallBuffers(seqrt_gpu_context *context) : context(context) {}
  ~CallBuffers() {
    for (seqrt_gpu_ptr ptr : owned)
      seqrt_gpu_free(context, ptr);
  }
  CallBuffers(const CallBuffers &) = delete;
  CallBuffers &operator=(const CallBuffers &) = delete;

  /// A device buffer of `bytes` (0 for none); errors name `what`.
  seqrt_status allocate(uint64_t bytes, const std::string &what,
                        seqrt_gpu_ptr &out) {
    out = 0;
    if (bytes == 0)
      return SEQRT_OK;
    if (seqrt_status status = seqrt_gpu_alloc(context, bytes, &out)) {
      out = 0;
      return fail(status, what + ": " + seqrt_last_error());
    }
    owned.push_back(out);
    return SEQRT_OK;
  }

private:
  seqrt_gpu_context *context;
  std::vector<seqrt_gpu_ptr> owned;
};

/// Appends the contiguous descriptor of `ptr` viewed as `shape`.
void appendDescriptor(std::vector<int64_t> &words, seqrt_gpu_ptr ptr,
                      const std::vector<int64_t> &shape) {
  // The kernels index from the aligned pointer; a view at an offset starts
  // there (its offset word stays 0).
  words.push_back(static_cast<int64_t>(ptr)); // allocated
  words.push_back(static_cast<int64_t>(ptr)); // aligned
  words.push_back(0);                         // offset
  for (int64_t extent : shape)
    words.push_back(extent);
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  words.insert(words.end(), strides.begin(), strides.end());
}

std::string describeParam(const seqrt_artifact &artifact, size_t param) {
  return "parameter '" + artifact.metadata.parameters[param].key + "'";
}

/// Uploads parameter `param` unless `force` is false and its device copy is
/// of the data bound now; the copy stays until the artifact is freed. `who`
/// uploads it, for messages.
seqrt_status uploadParameter(seqrt_artifact &artifact, size_t param,
                             const std::string &who, bool force) {
  GpuBinding &gpu = *artifact.gpu;
  if (gpu.params.size() != artifact.globals.size()) {
    gpu.params.resize(artifact.globals.size(), 0);
    gpu.paramSources.resize(artifact.globals.size(), nullptr);
  }
  const void *source = *artifact.globals[param];
  if (!force && gpu.params[param] && gpu.paramSources[param] == source)
    return SEQRT_OK;
  const TensorType &type = artifact.metadata.parameters[param].type;
  size_t elementSize = seqrt_dtype_size(type.dtype);
  std::optional<int64_t> count = numElements(type.shape, elementSize);
  if (!count)
    return fail(SEQRT_ERROR_FORMAT,
                describeParam(artifact, param) + ": invalid shape");
  size_t bytes = static_cast<size_t>(*count) * elementSize;
  seqrt_gpu_free(gpu.context, gpu.params[param]);
  gpu.params[param] = 0;
  gpu.paramSources[param] = nullptr;
  if (bytes == 0)
    return SEQRT_OK;
  std::string what =
      who + " on " + gpu.target->name + ": " + describeParam(artifact, param);
  seqrt_gpu_ptr ptr = 0;
  if (seqrt_status status = seqrt_gpu_alloc(gpu.context, bytes, &ptr))
    return fail(status, what + ": " + seqrt_last_error());
  if (seqrt_status status =
          seqrt_gpu_copy_to_device(gpu.context, ptr, source, bytes)) {
    std::string message = seqrt_last_error();
    seqrt_gpu_free(gpu.context, ptr);
    return fail(status, what + ": uploading: " + message);
  }
  gpu.params[param] = ptr;
  gpu.paramSources[param] = source;
  return SEQRT_OK;
}

/// The plan entry of metadata entry `entry`, or null.
const GpuPlanEntry *planOf(const GpuTargetInfo &target, size_t entry) {
  for (const GpuPlanEntry &plan : target.host.entries)
    if (plan.entry == entry)
      return &plan;
  return nullptr;
}
} // namespace

seqrt_status seqrt::runGpuEntry(seqrt_artifact &artifact, size_t entryIndex,
                                const seqrt_tensor *inputs,
                                seqrt_tensor *outputs,
                                const seqrt_gpu_ptr *deviceState) {
  GpuBinding &gpu = *artifact.gpu;
  const GpuTargetInfo &target = *gpu.target;
  const EntryInfo &info = artifact.metadata.entries[entryIndex];
  const GpuPlanEntry *plan =
      target.hasHost ? planOf(target, entryIndex) : nullptr;
  if (!plan && target.hasHost &&
      std::find(target.host.cpuOnly.begin(), target.host.cpuOnly.end(),
                info.name) != target.host.cpuOnly.end())
    return fail(SEQRT_ERROR_TARGET,
                "entry '" + info.name + "' cannot run on " + target.name +
                    ": it has no launch plan (seqc leaves entries with "
                    "control flow, such as a decode loop, or with state they "
                    "allocate themselves to the CPU); load the artifact for "
                    "the device cpu, or generate through a session (prefill "
                    "and decode)");
  // A dynamic entry (version 6): its plan for this call's extent S,
  // checked as a static plan, the inputs' shapes exactly.
  GpuPlanEntry instantiated;
  if (plan && plan->dynamic) {
    const seqrt_tensor &sized = inputs[plan->dimInput];
    int64_t S = static_cast<int64_t>(plan->dimAxis) < sized.rank
                    ? sized.shape[plan->dimAxis]
                    : -1;
    std::string error;
    JsonValue source;
    if (S < 1 || S > INT32_MAX)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "entry '" + info.name + "' on " + target.name +
                      ": its dynamic extent (input " +
                      std::to_string(plan->dimInput) + ", axis " +
                      std::to_string(plan->dimAxis) + ") is " +
                      std::to_string(S) + "; the launch plan takes 1 to 2^31 - 1");
    if (!instantiate(plan->source, S, source, plan->where, error) ||
        !readEntry(source, plan->where, target, instantiated, error))
      return fail(SEQRT_ERROR_FORMAT,
                  "entry '" + info.name + "' on " + target.name +
                      " for extent " + std::to_string(S) + ": " + error);
    instantiated.dynamic = true;
    instantiated.dimInput = plan->dimInput;
    instantiated.dimAxis = plan->dimAxis;
    if (!checkEntry(instantiated, "the " + target.name + " launch plan",
                    artifact.metadata, error))
      return fail(SEQRT_ERROR_FORMAT, error);
    for (const GpuPlanBuffer &buffer : instantiated.buffers) {
      if (buffer.kind != GpuPlanBuffer::Kind::Input &&
          buffer.kind != GpuPlanBuffer::Kind::State)
        continue;
      const seqrt_tensor &input = inputs[buffer.index];
      if (static_cast<size_t>(input.rank) != buffer.shape.size() ||
          !std::equal(buffer.shape.begin(), buffer.shape.end(), input.shape))
        return fail(SEQRT_ERROR_ARGUMENT,
                    "entry '" + info.name + "' on " + target.name +
                        ": input " + std::to_string(buffer.index) +
                        " does not have the shape " +
                        formatShape(buffer.shape) +
                        " its launch plan takes for extent " +
                        std::to_string(S));
    }
    plan = &instantiated;
  }
  if (!plan)
    return fail(SEQRT_ERROR_TARGET,
                "entry '" + info.name + "' cannot run on " + target.name +
                    ": the artifact carries its kernels and launch manifest, "
                    "but no launch plan (it was compiled by an older seqc; "
                    "load it for the device cpu)");
  std::string where = "entry '" + info.name + "' on " + target.name;
  std::lock_guard<std::mutex> lock(gpu.mutex);
  CallBuffers call(gpu.context);
  std::vector<seqrt_gpu_ptr> device(plan->buffers.size(), 0);
  for (size_t b = 0; b < plan->buffers.size(); ++b) {
    const GpuPlanBuffer &buffer = plan->buffers[b];
    switch (buffer.kind) {
    case GpuPlanBuffer::Kind::Param:
      if (seqrt_status status =
              uploadParameter(artifact, static_cast<size_t>(buffer.index),
                              "entry '" + info.name + "'", false))
        return status;
      device[b] = gpu.params[buffer.index];
      break;
    case GpuPlanBuffer::Kind::State:
      // A session's device copy, written in place: no copy either way.
      if (deviceState) {
        device[b] = deviceState[buffer.index];
        break;
      }
      [[fallthrough]];
    case GpuPlanBuffer::Kind::Input: {
      std::string what = where + ": input " + std::to_string(buffer.index);
      if (seqrt_status status = call.allocate(buffer.bytes, what, device[b]))
        return status;
      if (buffer.bytes != 0)
        if (seqrt_status status = seqrt_gpu_copy_to_device(
                gpu.context, device[b], inputs[buffer.index].data,
                buffer.bytes))
          return fail(status,
                      what + ": copying to the device: " + seqrt_last_error());
      break;
    }
    case GpuPlanBuffer::Kind::Position: {
      // position + start + i from the caller's host value (checked i32 [1]
      // at load): a few bytes uploaded, nothing read back.
      std::string what =
          where + ": the positions of input " + std::to_string(buffer.index);
      int32_t position;
      std::memcpy(&position, inputs[buffer.index].data, 4);
      std::vector<int32_t> values(buffer.bytes / 4);
      for (size_t i = 0; i < values.size(); ++i) {
        int64_t value = int64_t(position) + buffer.start + int64_t(i);
        if (value < INT32_MIN || value > INT32_MAX)
          return fail(SEQRT_ERROR_ARGUMENT,
                      what + ": position " + std::to_string(position) + " + " +
                          std::to_string(buffer.start + int64_t(i)) +
                          " does not fit an i32");
        values[i] = static_cast<int32_t>(value);
      }
      if (seqrt_status status = call.allocate(buffer.bytes, what, device[b]))
        return status;
      if (buffer.bytes != 0)
        if (seqrt_status status = seqrt_gpu_copy_to_device(
                gpu.context, device[b], values.data(), buffer.bytes))
          return fail(status,
                      what + ": copying to the device: " + seqrt_last_error());
      break;
    }
    case GpuPlanBuffer::Kind::Temp:
      break; // allocated by the step that writes it
    }
  }
  // The kernels launched since the stream last synchronized: a fault in
  // any of them surfaces at the next launch or synchronization.
  std::vector<std::string> pending;
  static const bool syncEach = [] {
    const char *value = std::getenv("SEQRT_GPU_SYNC");
    return value && *value && std::string(value) != "0";
  }();
  auto failed = [&](seqrt_status status, const std::string &prefix) {
    std::string message = prefix + seqrt_last_error();
    if (!pending.empty()) {
      message += " (launched since the last synchronization:";
      for (size_t i = 0; i < pending.size(); ++i)
        message += (i ? ", " : " ") + pending[i];
      message += "; a fault in any of them surfaces here; SEQRT_GPU_SYNC=1 "
                 "synchronizes after each launch to name the kernel)";
    }
    return fail(status, message);
  };
  auto launch = [&](size_t kernel, const std::vector<int64_t> &words) {
    if (seqrt_status status = launchKernel(gpu, kernel, words.data(),
                                           words.size(), info.name.c_str()))
      return failed(status, "");
    pending.push_back(target.kernels[kernel].name);
    if (syncEach) {
      if (seqrt_status status = seqrt_gpu_synchronize(gpu.context))
        return fail(status, where + ": " + seqrt_last_error());
      pending.clear();
    }
    return SEQRT_OK;
  };
  std::vector<const GpuPlanStep *> argmax, checked;
  for (const GpuPlanStep &step : plan->steps) {
    const GpuKernelInfo &kernel = target.kernels[step.kernel];
    for (size_t a = step.args.size() - step.results; a < step.args.size();
         ++a) {
      size_t out = step.args[a].buffer;
      if (plan->buffers[out].kind == GpuPlanBuffer::Kind::Temp && !device[out])
        if (seqrt_status status =
                call.allocate(plan->buffers[out].bytes,
                              where + ": the result of " + step.op +
                                  " (kernel '" + kernel.name + "')",
                              device[out]))
          return status;
    }
    if (step.kind == GpuPlanStep::Kind::Checked || step.ragged) {
      // The status word starts at SEQRT_CODE_OK; the kernel stores a code.
      const int32_t ok = SEQRT_CODE_OK;
      if (seqrt_status status = seqrt_gpu_copy_to_device(
              gpu.context, device[step.args.back().buffer], &ok, sizeof ok))
        return fail(status, where + ": the status word of kernel '" +
                                kernel.name + "': " + seqrt_last_error());
      checked.push_back(&step);
    }
    std::vector<int64_t> words;
    auto arg = [&](const GpuPlanArg &a) {
      appendDescriptor(words,
                       device[a.buffer] +
                           static_cast<uint64_t>(a.offset) *
                               seqrt_dtype_size(plan->buffers[a.buffer].dtype),
                       a.shape);
    };
    if (step.kind == GpuPlanStep::Kind::Attention) {
      const auto &q = step.args[0].shape, &k = step.args[1].shape,
                 &v = step.args[2].shape;
      // The decode form when the device's rule gives it two splits or
      // more, else the tiled rule: the split-KV kernel or one prefill pass.
      int64_t splits = 1;
      size_t partial = step.splitKernel;
      if (step.canDecode) {
        splits = gpuhost::attentionSplits(
            gpu.device.multiprocessors, step.positionsPerBlock, step.blockKV,
            q[0], k[1], q[2], k[2], step.decodeKeysPerStep);
        partial = step.decodeKernel;
      }
      if (splits <= 1) {
        partial = step.splitKernel;
        splits = step.canSplit ? gpuhost::attentionSplits(
                                     gpu.device.multiprocessors,
                                     step.positionsPerBlock, step.blockKV,
                                     q[0], k[1], q[2], k[2])
                               : 1;
      }
      if (splits > 1) {
        const GpuKernelInfo &split = target.kernels[partial];
        std::vector<int64_t> partShape{q[0], q[1], splits, q[2], v[3]};
        std::vector<int64_t> lseShape{q[0], q[1], splits, q[2]};
        // Extents checked at load (each <= 2^48, the buffers' products
        // too); the workspaces multiply by `splits` <= 3 x SMs.
        std::optional<int64_t> partCount = numElements(partShape, 4);
        std::optional<int64_t> lseCount = numElements(lseShape, 4);
        if (!partCount || !lseCount)
          return fail(SEQRT_ERROR_ARGUMENT,
                      where + ": split-KV workspaces of kernel '" + split.name +
                          "' overflow");
        seqrt_gpu_ptr part = 0, lse = 0;
        std::string what =
            where + ": the split-KV workspace of kernel '" + split.name + "'";
        if (seqrt_status status =
                call.allocate(uint64_t(*partCount) * 4, what, part))
          return status;
        if (seqrt_status status =
                call.allocate(uint64_t(*lseCount) * 4, what, lse))
          return status;
        const size_t outArg = step.ragged ? 4 : 3;
        for (size_t a = 0; a < outArg; ++a)
          arg(step.args[a]);
        appendDescriptor(words, part, partShape);
        appendDescriptor(words, lse, lseShape);
        if (step.ragged)
          arg(step.args[5]);
        if (seqrt_status status = launch(partial, words))
          return status;
        words.clear();
        appendDescriptor(words, part, partShape);
        appendDescriptor(words, lse, lseShape);
        arg(step.args[outArg]);
        if (seqrt_status status = launch(step.mergeKernel, words))
          return status;
        continue;
      }
    }
    for (const GpuPlanArg &a : step.args)
      arg(a);
    if (seqrt_status status = launch(step.kernel, words))
      return status;
    if (step.kind == GpuPlanStep::Kind::Argmax)
      argmax.push_back(&step);
  }
  // A kernel's fault surfaces here, naming the kernel.
  if (seqrt_status status = seqrt_gpu_synchronize(gpu.context))
    return failed(status, where + ": ");
  // State lent in place goes back to the caller's buffer (as the CPU code
  // leaves it there), before any status is reported.
  for (size_t b = 0; b < plan->buffers.size(); ++b) {
    const GpuPlanBuffer &buffer = plan->buffers[b];
    // A session's state stays on the device until it is asked for.
    if (buffer.kind != GpuPlanBuffer::Kind::State || buffer.bytes == 0 ||
        deviceState)
      continue;
    if (seqrt_status status = seqrt_gpu_copy_to_host(
            gpu.context, inputs[buffer.index].data, device[b], buffer.bytes))
      return fail(status, where + ": copying state input " +
                              std::to_string(buffer.index) +
                              " back: " + seqrt_last_error());
  }
  // A checked kernel's status word: the CPU's status codes.
  for (const GpuPlanStep *step : checked) {
    int32_t code = SEQRT_CODE_OK;
    if (seqrt_status status = seqrt_gpu_copy_to_host(
            gpu.context, &code, device[step->args.back().buffer], 4))
      return fail(status, where + ": " + seqrt_last_error());
    if (code == SEQRT_CODE_OK)
      continue;
    const char *what =
        code == SEQRT_CODE_INDEX_OUT_OF_RANGE
            ? "an index out of range (e.g. a token id outside the vocabulary)"
        : code == SEQRT_CODE_CACHE_OVERFLOW
            ? "a KV cache overflow (a write past its capacity)"
            : "an unknown error";
    return fail(SEQRT_ERROR_EXECUTION,
                "entry '" + info.name + "' failed while running: " + what +
                    " (__seq_status " + std::to_string(code) +
                    "): " + step->op + ", kernel '" +
                    target.kernels[step->kernel].name + "' on " + target.name);
  }
  // Greedy sampling's -1 is the CPU's invalid-logits error.
  for (const GpuPlanStep *step : argmax) {
    size_t buffer = step->args.back().buffer;
    std::vector<int32_t> tokens(plan->buffers[buffer].bytes / 4);
    if (!tokens.empty())
      if (seqrt_status status =
              seqrt_gpu_copy_to_host(gpu.context, tokens.data(), device[buffer],
                                     plan->buffers[buffer].bytes))
        return fail(status, where + ": " + seqrt_last_error());
    for (int32_t token : tokens)
      if (token < 0)
        return fail(SEQRT_ERROR_EXECUTION,
                    "entry '" + info.name +
                        "' failed while running: sampling from invalid "
                        "logits (a NaN, e.g. from non-finite weights, or an "
                        "empty vocabulary) (__seq_status " +
                        std::to_string(SEQRT_CODE_INVALID_LOGITS) +
                        "): kernel '" + target.kernels[step->kernel].name +
                        "' on " + target.name);
  }
  for (size_t o = 0; o < plan->outputs.size(); ++o) {
    const GpuPlanBuffer &buffer = plan->buffers[plan->outputs[o]];
    seqrt_tensor &tensor = outputs[o];
    tensor.dtype = buffer.dtype;
    tensor.rank = static_cast<int32_t>(buffer.shape.size());
    for (size_t d = 0; d < buffer.shape.size(); ++d)
      tensor.shape[d] = buffer.shape[d];
    // State updated in place: the output is the caller's input buffer (a
    // view, not owned), as on the CPU.
    if (buffer.kind == GpuPlanBuffer::Kind::State) {
      tensor.data = inputs[buffer.index].data;
      tensor.owner_ = nullptr;
      continue;
    }
    void *host = alignedZeroAlloc(buffer.bytes);
    if (!host) {
      for (size_t i = 0; i < o; ++i)
        seqrt_tensor_free(&artifact, &outputs[i]);
      return fail(SEQRT_ERROR_MEMORY,
                  "out of memory copying entry '" + info.name + "' results");
    }
    tensor.data = host;
    tensor.owner_ = TensorOwner::forHeap(host);
    if (buffer.bytes != 0)
      if (seqrt_status status = seqrt_gpu_copy_to_host(
              gpu.context, host, device[plan->outputs[o]], buffer.bytes)) {
        std::string message = seqrt_last_error();
        for (size_t i = 0; i <= o; ++i)
          seqrt_tensor_free(&artifact, &outputs[i]);
        return fail(status, where + ": copying output " + std::to_string(o) +
                                " back: " + message);
      }
  }
  return SEQRT_OK;
}

seqrt_status seqrt::uploadGpuParameter(seqrt_artifact &artifact, size_t param) {
  if (!artifact.gpu || !artifact.gpu->target->hasHost)
    return SEQRT_OK;
  // Only parameters the plan reads go to the device.
  for (const GpuPlanEntry &entry : artifact.gpu->target->host.entries)
    for (const GpuPlanBuffer &buffer : entry.buffers)
      if (buffer.kind == GpuPlanBuffer::Kind::Param &&
          buffer.index == static_cast<int64_t>(param)) {
        // Bound again (a stacked parameter's part, say): its data may have
        // changed at the same address.
        std::lock_guard<std::mutex> lock(artifact.gpu->mutex);
        return uploadParameter(artifact, param, "binding", true);
      }
  return SEQRT_OK;
}
