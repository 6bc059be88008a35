"""Golden data for test/Integration/CPU/moe/*.mlir: seq.moe_route,
seq.moe_dispatch, seq.grouped_matmul, seq.moe_experts, and Mixtral /
DeepSeek-V3 / capacity-limited MoE blocks. The block references mirror the
Hugging Face MixtralSparseMoeBlock and DeepSeek-V3 MoEGate + MoE (shared
expert) in float64.

Routing is discrete: inputs are resampled until every top-k choice, its
order and every group choice has a margin of at least MARGIN, so an f32
implementation cannot flip a choice by rounding."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from common import GEN, Case, F64, randn, uniform

MARGIN = 1e-3


# ---------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------

def route_ref(logits, top_k, scoring, normalize=False, bias=None,
              groups=None, routed_scaling=None):
    """seq.moe_route. Returns (weights [T,K], experts [T,K] int64, margin):
    experts in descending selection-score order; margin is the smallest gap
    that decides the result (selection, order, groups)."""
    T, E = logits.shape
    margins = []
    if scoring == "softmax":
        scores = torch.softmax(logits, dim=-1)
        select = scores
    elif scoring == "topk_softmax":
        scores = logits
        select = logits
    else:
        scores = torch.sigmoid(logits)
        select = scores + (bias if bias is not None else 0.0)
    if groups is not None:
        G, Kg = groups
        per = select.view(T, G, E // G)
        if scoring == "sigmoid":
            gscore = per.topk(2, dim=-1).values.sum(-1)
        else:
            gscore = per.max(dim=-1).values
        gs = torch.sort(gscore, dim=-1, descending=True).values
        margins.append((gs[:, Kg - 1] - gs[:, Kg]).min().item())
        gidx = gscore.topk(Kg, dim=-1).indices
        gmask = torch.zeros(T, G, dtype=torch.bool)
        gmask.scatter_(1, gidx, True)
        emask = gmask.unsqueeze(-1).expand(T, G, E // G).reshape(T, E)
        select = select.masked_fill(~emask, float("-inf"))
        # HF DeepSeek-V3 fills with 0.0 in some revisions: equal here when
        # the k-th eligible score is positive.
        kth = torch.sort(select, dim=-1, descending=True).values[:, top_k - 1]
        assert scoring != "sigmoid" or (kth > 0).all()
    srt = torch.sort(select, dim=-1, descending=True).values[:, : top_k + 1]
    d = srt[:, :-1] - srt[:, 1:]
    margins.append(d[torch.isfinite(d)].min().item())
    experts = select.topk(top_k, dim=-1, sorted=True).indices
    if scoring == "topk_softmax":
        weights = torch.softmax(logits.gather(1, experts), dim=-1)
    else:
        weights = scores.gather(1, experts)
        if normalize:
            weights = weights / (weights.sum(-1, keepdim=True) + 1e-20)
    if scoring == "sigmoid" and bias is not None:
        # Keep "descending score order" unambiguous: the order by biased
        # (selection) score must equal the order by the unbiased weight.
        w = scores.gather(1, experts)
        margins.append((w[:, :-1] - w[:, 1:]).min().item())
    if routed_scaling is not None:
        weights = weights * routed_scaling
    return weights, experts, min(margins)


def dispatch_ref(experts, E, capacity_factor=None):
    """seq.moe_dispatch. Slots t*K+k grouped by expert, stable in slot
    order; with capacity C = ceil(f*T*K/E) only the first C slots of each
    expert are kept. Dropped slots follow, in slot order. Returns
    (permutation, offsets [E+1], kept bool [T*K])."""
    T, K = experts.shape
    flat = experts.reshape(-1).tolist()
    C = None
    if capacity_factor is not None:
        C = math.ceil(capacity_factor * T * K / E)
    groups = [[] for _ in range(E)]
    dropped = []
    for slot, e in enumerate(flat):
        if C is not None and len(groups[e]) >= C:
            dropped.append(slot)
        else:
            groups[e].append(slot)
    perm, offsets = [], [0]
    for g in groups:
        perm += g
        offsets.append(len(perm))
    kept = torch.zeros(T * K, dtype=torch.bool)
    kept[perm] = True
    perm += dropped
    return (torch.tensor(perm, dtype=torch.int32),
            torch.tensor(offsets, dtype=torch.int32), kept)


def ffn(x, gate, up, down, act):
    if act == "swiglu":
        return F.linear(F.silu(F.linear(x, gate)) * F.linear(x, up), down)
    if act == "geglu":
        return F.linear(F.gelu(F.linear(x, gate)) * F.linear(x, up), down)
    return F.linear(F.gelu(F.linear(x, up)), down)


def experts_ref(x, weights, experts, kept, gate, up, down, act):
    """seq.moe_experts: sum over kept slots (t, k) of
    weights[t, k] * ffn_{experts[t, k]}(x[t]) (HF Mixtral expert loop)."""
    T, K = experts.shape
    E = up.shape[0]
    y = torch.zeros_like(x)
    kept = kept.view(T, K)
    for e in range(E):
        tok, kk = torch.where((experts == e) & kept)
        if tok.numel() == 0:
            continue
        h = ffn(x[tok], None if gate is None else gate[e], up[e], down[e], act)
        y.index_add_(0, tok, h * weights[tok, kk, None])
    return y


def resample_rows(c, make_row, check, T, tries=2000):
    """Draws rows with make_row() until check(row) holds for every row."""
    rows = []
    for _ in range(T):
        for _ in range(tries):
            r = make_row()
            if check(r):
                rows.append(r)
                break
        else:
            raise RuntimeError(f"{c.name}: no row with a safe margin")
    return torch.stack(rows)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def route_case(name, T, E, top_k, scoring, normalize=False, bias=None,
               groups=None, routed_scaling=None, scale=1.0):
    c = Case(name)
    if bias is not None:
        bias = c.quantize(bias, "f32")

    def row():
        return c.quantize(randn(c.rng, E, scale=scale))

    def ok(r):
        return route_ref(r.view(1, E), top_k, scoring, normalize, bias, groups,
                         routed_scaling)[2] > MARGIN

    logits = resample_rows(c, row, ok, T)
    c.input("logits", logits)
    if bias is not None:
        c.input("bias", bias)
    w, e, m = route_ref(logits, top_k, scoring, normalize, bias, groups,
                        routed_scaling)
    assert m > MARGIN
    c.output("weights", w, "f32")
    c.output("experts", e, "i32")
    return c, logits, e


def cases():
    out = []

    # Mixtral / Qwen-MoE routers.
    out.append(route_case("moe_route_softmax_norm", 16, 8, 2, "softmax",
                          normalize=True, scale=2.0)[0])
    out.append(route_case("moe_route_softmax_unnorm", 16, 8, 2, "softmax",
                          scale=2.0)[0])
    out.append(route_case("moe_route_topk_softmax", 16, 8, 3, "topk_softmax",
                          scale=2.0)[0])

    # DeepSeek-V3 router: sigmoid, selection bias, 16 experts in 4 groups
    # (2 best groups eligible, group score = sum of its 2 best biased
    # scores), top-4, normalised, routed_scaling 2.5.
    bias = torch.tensor([0.25, -0.05, 0.0, 0.1, 0.3, 0.05, -0.1, 0.15,
                         0.0, 0.2, -0.05, 0.1, 0.05, 0.35, 0.0, -0.1], dtype=GEN)
    c, logits, e = route_case("moe_route_sigmoid_grouped", 12, 16, 4,
                              "sigmoid", normalize=True, bias=bias,
                              groups=(4, 2), routed_scaling=2.5, scale=1.5)
    _, e_nobias, _ = route_ref(logits, 4, "sigmoid", True, None, (4, 2), 2.5)
    changed = sum(set(a.tolist()) != set(b.tolist())
                  for a, b in zip(e, e_nobias))
    assert changed >= 3, "the bias should change some selections"
    out.append(c)

    # Dispatch without capacity.
    c = Case("moe_dispatch")
    T, K, E = 10, 2, 4
    experts = torch.stack([torch.from_numpy(c.rng.permutation(E)[:K])
                           for _ in range(T)]).to(torch.int32)
    c.input("experts", experts, "i32")
    perm, off, _ = dispatch_ref(experts, E)
    c.output("permutation", perm, "i32")
    c.output("expert_offsets", off, "i32")
    out.append(c)

    # Dispatch with capacity_factor 1.25: C = ceil(1.25 * 12 * 2 / 4) = 8;
    # expert 0 is chosen by 10 slots and expert 1 by 9, so 2 + 1 slots drop.
    # The order of dropped slots is not specified: the IR masks entries at
    # or after expert_offsets[E] to -1 before returning.
    c = Case("moe_dispatch_capacity")
    T, K, E = 12, 2, 4
    experts = torch.tensor([[0, 1], [1, 0], [0, 2], [0, 1], [3, 0], [1, 0],
                            [0, 1], [2, 0], [1, 3], [0, 1], [1, 2], [1, 0]],
                           dtype=torch.int32)
    c.input("experts", experts, "i32")
    perm, off, kept = dispatch_ref(experts, E, 1.25)
    assert off.tolist() == [0, 8, 16, 19, 21]
    perm = perm.clone()
    perm[int(off[-1]):] = -1
    c.output("permutation_masked", perm, "i32")
    c.output("expert_offsets", off, "i32")
    out.append(c)

    # Grouped matmul: an empty group and two rows past offsets[E] (zeros).
    c = Case("grouped_matmul")
    rows = c.quantize(randn(c.rng, 20, 16))
    w = c.quantize(randn(c.rng, 4, 24, 16, scale=0.25))
    offs = torch.tensor([0, 5, 5, 12, 18], dtype=torch.int32)
    c.input("input", rows)
    c.input("weight", w)
    c.input("offsets", offs, "i32")
    y = torch.zeros(20, 24, dtype=F64)
    for e in range(4):
        a, b = int(offs[e]), int(offs[e + 1])
        y[a:b] = F.linear(rows[a:b], w[e])
    c.output("out", y)
    out.append(c)

    # moe_experts alone on given routing, three activations; geglu runs on a
    # capacity-limited dispatch where token 7 loses both slots (zero row).
    for name, act, dtype, cap in (("moe_experts_geglu_capacity", "geglu", "f32", 1.0),
                                  ("moe_experts_gelu", "gelu", "f32", None),
                                  ("moe_experts_swiglu_bf16", "swiglu", "bf16", None)):
        c = Case(name, dtype)
        T, K, E, Dm, Fh = 8, 2, 4, 16, 32
        x = c.quantize(randn(c.rng, T, Dm))
        weights = c.quantize(uniform(c.rng, 0.1, 0.9, T, K), "f32")
        if cap is not None:
            # C = ceil(1.0 * 8 * 2 / 4) = 4; experts 0 and 1 overflow.
            experts = torch.tensor([[0, 1], [1, 0], [0, 1], [1, 0], [3, 2],
                                    [2, 3], [3, 2], [0, 1]], dtype=torch.int32)
        else:
            experts = torch.stack([torch.from_numpy(c.rng.permutation(E)[:K])
                                   for _ in range(T)]).to(torch.int32)
        perm, off, kept = dispatch_ref(experts, E, cap)
        if cap is not None:
            assert not kept.view(T, K)[7].any() and kept.view(T, K)[:7].any(1).all()
        gate = (None if act == "gelu" else
                c.quantize(randn(c.rng, E, Fh, Dm, scale=0.25)))
        up = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.25))
        down = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.18))
        c.input("x", x)
        c.input("weights", weights, "f32")
        c.input("permutation", perm, "i32")
        c.input("expert_offsets", off, "i32")
        if gate is not None:
            c.input("w_gate", gate)
        c.input("w_up", up)
        c.input("w_down", down)
        y = experts_ref(x, weights, experts.long(), kept, gate, up, down, act)
        if cap is not None:
            assert (y[7] == 0).all()
        c.output("out", y)
        out.append(c)

    # moe_experts with enough slots per expert for the panel kernel (row
    # blocks of >= 4 slots in vector lanes, 16 per block on AVX2): expert
    # slot counts 37, 22, 3 and 18 give blocks of 16 + 16 + 5, 16 + 6, 3
    # (dot-product path) and 16 + 2; Fh = 70 is a whole and a partial
    # feature tile, Dm = 20 not a multiple of the vector width.
    for name, act, dtype in (("moe_experts_panels_swiglu", "swiglu", "f32"),
                             ("moe_experts_panels_gelu", "gelu", "f32"),
                             ("moe_experts_panels_swiglu_bf16", "swiglu", "bf16")):
        c = Case(name, dtype)
        T, K, E, Dm, Fh = 40, 2, 4, 20, 70
        counts = [37, 22, 3, 18]
        # Sorted labels split in halves pair distinct experts; then the
        # tokens and each token's two choices are shuffled.
        labels = np.repeat(np.arange(E), counts)
        pairs = np.stack([labels[:T], labels[T:]], axis=1)
        assert (pairs[:, 0] != pairs[:, 1]).all()
        pairs = pairs[c.rng.permutation(T)]
        swap = c.rng.random(T) < 0.5
        pairs[swap] = pairs[swap][:, ::-1]
        experts = torch.from_numpy(pairs.astype(np.int32))
        x = c.quantize(randn(c.rng, T, Dm))
        weights = c.quantize(uniform(c.rng, 0.1, 0.9, T, K), "f32")
        perm, off, kept = dispatch_ref(experts, E)
        gate = (None if act == "gelu" else
                c.quantize(randn(c.rng, E, Fh, Dm, scale=0.3)))
        up = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.3))
        down = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.15))
        c.input("x", x)
        c.input("weights", weights, "f32")
        c.input("permutation", perm, "i32")
        c.input("expert_offsets", off, "i32")
        if gate is not None:
            c.input("w_gate", gate)
        c.input("w_up", up)
        c.input("w_down", down)
        c.output("out", experts_ref(x, weights, experts.long(), kept, gate, up,
                                    down, act))
        out.append(c)

    # moe_experts row blocks of ragged expert runs (issue #10): slot counts
    # 1, 15, 16, 17, 31, 33, 49, 2 and 150: one- and two-vector panel
    # blocks, one-slot blocks on the dot-product path after whole blocks,
    # and (150 = 32 x 4 + 22) two groups of row blocks of one expert.
    c = Case("moe_experts_panels_ragged")
    counts = [1, 15, 16, 17, 31, 33, 49, 2, 150]
    E, K, Dm, Fh = len(counts), 2, 20, 70
    T = sum(counts) // K
    labels = np.repeat(np.arange(E), counts)
    pairs = np.stack([labels[:T], labels[T:]], axis=1)
    assert (pairs[:, 0] != pairs[:, 1]).all()
    pairs = pairs[c.rng.permutation(T)]
    swap = c.rng.random(T) < 0.5
    pairs[swap] = pairs[swap][:, ::-1]
    experts = torch.from_numpy(pairs.astype(np.int32))
    x = c.quantize(randn(c.rng, T, Dm))
    weights = c.quantize(uniform(c.rng, 0.1, 0.9, T, K), "f32")
    perm, off, kept = dispatch_ref(experts, E)
    assert [int(off[e + 1] - off[e]) for e in range(E)] == counts
    gate = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.3))
    up = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.3))
    down = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.15))
    c.input("x", x)
    c.input("weights", weights, "f32")
    c.input("permutation", perm, "i32")
    c.input("expert_offsets", off, "i32")
    c.input("w_gate", gate)
    c.input("w_up", up)
    c.input("w_down", down)
    c.output("out", experts_ref(x, weights, experts.long(), kept, gate, up,
                                down, "swiglu"))
    out.append(c)

    # bf16 experts over ragged expert runs (issue #10): slot counts 0, 1,
    # 15, 16, 17, 33, 2, 3 and 5. Blocks of fewer than moePanelMinRows
    # slots run the pair-split dot path (a 64-byte line of bf16 weights
    # widened into even and odd lanes against pair-split activations; Dm
    # 40 and Fh 300 are whole lines plus a scalar rest at 16 and 8
    # lanes), the others the panel kernel with the weight rows widened
    # into an f32 copy 256 elements at a time (Fh 300: a whole and a
    # partial chunk, the partial one not a whole number of vectors).
    c = Case("moe_experts_ragged_bf16", "bf16")
    counts = [0, 1, 15, 16, 17, 33, 2, 3, 5]
    E, K, Dm, Fh = len(counts), 2, 40, 300
    T = sum(counts) // K
    labels = np.repeat(np.arange(E), counts)
    pairs = np.stack([labels[:T], labels[T:]], axis=1)
    assert (pairs[:, 0] != pairs[:, 1]).all()
    pairs = pairs[c.rng.permutation(T)]
    swap = c.rng.random(T) < 0.5
    pairs[swap] = pairs[swap][:, ::-1]
    experts = torch.from_numpy(pairs.astype(np.int32))
    x = c.quantize(randn(c.rng, T, Dm))
    weights = c.quantize(uniform(c.rng, 0.1, 0.9, T, K), "f32")
    perm, off, kept = dispatch_ref(experts, E)
    assert [int(off[e + 1] - off[e]) for e in range(E)] == counts
    gate = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.2))
    up = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.2))
    down = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.08))
    c.input("x", x)
    c.input("weights", weights, "f32")
    c.input("permutation", perm, "i32")
    c.input("expert_offsets", off, "i32")
    c.input("w_gate", gate)
    c.input("w_up", up)
    c.input("w_down", down)
    c.output("out", experts_ref(x, weights, experts.long(), kept, gate, up,
                                down, "swiglu"))
    out.append(c)

    # Mixtral sparse MoE block: router linear, softmax, top-2, renormalise,
    # SwiGLU experts (w1 = gate, w3 = up, w2 = down).
    c = Case("moe_mixtral_block")
    T, E, Dm, Fh, K = 16, 8, 32, 64, 2
    wr = c.quantize(randn(c.rng, E, Dm, scale=0.35))
    x = resample_rows(
        c, lambda: c.quantize(randn(c.rng, Dm)),
        lambda r: route_ref(F.linear(r.view(1, Dm), wr), K, "softmax",
                            True)[2] > MARGIN, T)
    w1 = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.18))
    w3 = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.18))
    w2 = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.125))
    for stem, t in (("x", x), ("w_router", wr), ("w_gate", w1), ("w_up", w3),
                    ("w_down", w2)):
        c.input(stem, t)
    # HF MixtralSparseMoeBlock.forward
    router_logits = F.linear(x, wr)
    routing_weights = F.softmax(router_logits, dim=1)
    routing_weights, selected = torch.topk(routing_weights, K, dim=-1)
    routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
    final = torch.zeros_like(x)
    expert_mask = F.one_hot(selected, num_classes=E).permute(2, 1, 0)
    for e in range(E):
        idx, top_x = torch.where(expert_mask[e])
        cur = x[top_x]
        h = F.linear(F.silu(F.linear(cur, w1[e])) * F.linear(cur, w3[e]), w2[e])
        final.index_add_(0, top_x, h * routing_weights[top_x, idx, None])
    c.output("out", final)
    out.append(c)

    # DeepSeek-V3 MoE block: MoEGate (sigmoid + e_score_correction_bias,
    # grouped top-k, normalised, routed_scaling_factor 2.5) + routed SwiGLU
    # experts + one always-on shared SwiGLU expert.
    c = Case("moe_deepseek_block")
    T, E, Dm, Fh, Fs, K, G, Kg = 12, 16, 32, 16, 32, 4, 4, 2
    wr = c.quantize(randn(c.rng, E, Dm, scale=0.3))
    bias = c.quantize(uniform(c.rng, 0.0, 0.3, E), "f32")

    def gate_ok(r):
        return route_ref(F.linear(r.view(1, Dm), wr), K, "sigmoid", True, bias,
                         (G, Kg), 2.5)[2] > MARGIN

    x = resample_rows(c, lambda: c.quantize(randn(c.rng, Dm)), gate_ok, T)
    wg = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.18))
    wu = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.18))
    wd = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.25))
    sg = c.quantize(randn(c.rng, Fs, Dm, scale=0.18))
    su = c.quantize(randn(c.rng, Fs, Dm, scale=0.18))
    sd = c.quantize(randn(c.rng, Dm, Fs, scale=0.18))
    for stem, t in (("x", x), ("w_router", wr), ("bias", bias), ("w_gate", wg),
                    ("w_up", wu), ("w_down", wd), ("shared_gate", sg),
                    ("shared_up", su), ("shared_down", sd)):
        c.input(stem, t)
    # HF DeepSeek-V3 MoEGate.forward (noaux_tc), sorted top-k.
    logits = F.linear(x, wr)
    scores = logits.sigmoid()
    scores_for_choice = scores + bias.unsqueeze(0)
    group_scores = scores_for_choice.view(T, G, -1).topk(2, dim=-1)[0].sum(-1)
    group_idx = torch.topk(group_scores, k=Kg, dim=-1)[1]
    group_mask = torch.zeros_like(group_scores)
    group_mask.scatter_(1, group_idx, 1)
    score_mask = group_mask.unsqueeze(-1).expand(T, G, E // G).reshape(T, -1)
    tmp_scores = scores_for_choice.masked_fill(~score_mask.bool(), float("-inf"))
    _, topk_idx = torch.topk(tmp_scores, k=K, dim=-1)
    topk_weight = scores.gather(1, topk_idx)
    topk_weight = topk_weight / (topk_weight.sum(dim=-1, keepdim=True) + 1e-20)
    topk_weight = topk_weight * 2.5
    routed = experts_ref(x, topk_weight, topk_idx, torch.ones(T * K, dtype=torch.bool),
                         wg, wu, wd, "swiglu")
    shared = F.linear(F.silu(F.linear(x, sg)) * F.linear(x, su), sd)
    c.output("out", routed + shared)
    out.append(c)

    # Capacity-limited block: softmax top-2 normalised routing on given
    # logits skewed towards expert 0, capacity_factor 1.0 (C = 8 of 32
    # slots over 4 experts), SwiGLU experts; dropped slots add nothing.
    c = Case("moe_capacity_block")
    T, E, Dm, Fh, K = 16, 4, 16, 32, 2
    skew = torch.tensor([1.5, 0.5, 0.0, -0.5], dtype=GEN)
    logits = resample_rows(
        c, lambda: c.quantize(randn(c.rng, E) + skew),
        lambda r: route_ref(r.view(1, E), K, "softmax", True)[2] > MARGIN, T)
    x = c.quantize(randn(c.rng, T, Dm))
    wg = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.25))
    wu = c.quantize(randn(c.rng, E, Fh, Dm, scale=0.25))
    wd = c.quantize(randn(c.rng, E, Dm, Fh, scale=0.18))
    for stem, t in (("x", x), ("logits", logits), ("w_gate", wg),
                    ("w_up", wu), ("w_down", wd)):
        c.input(stem, t)
    w, e, _ = route_ref(logits, K, "softmax", True)
    perm, off, kept = dispatch_ref(e, E, 1.0)
    ndrop = int((~kept).sum())
    assert ndrop >= 3, f"expected dropped slots, got {ndrop}"
    c.output("out", experts_ref(x, w, e, kept, wg, wu, wd, "swiglu"))
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name)


if __name__ == "__main__":
    main()
