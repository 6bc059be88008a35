"""Golden data for test/Integration/CPU/scan/*.mlir (seq.scan,
seq.scan_step). References are sequential PyTorch loops in float64; the
Mamba-1 one is mamba_ssm's selective_scan_ref with an initial state."""

import torch
import torch.nn.functional as F

from common import GEN, Case, F64, randn, uniform


def selective_scan_ref(u, delta, A, B, C, D=None, z=None, delta_bias=None,
                       delta_softplus=False, h0=None):
    """mamba_ssm.ops.selective_scan_interface.selective_scan_ref (variable
    B/C), plus an initial state h0 [b, d, n]. u, delta, z: [b, d, l];
    A: [d, n]; B, C: [b, n, l]. Returns (out [b, d, l], last_state)."""
    if delta_bias is not None:
        delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    x = (A.new_zeros((batch, dim, dstate)) if h0 is None else h0.clone())
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    ys = []
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, :, i]))
    y = torch.stack(ys, dim=2)
    out = y if D is None else y + u * D[:, None]
    if z is not None:
        out = out * F.silu(z)
    return out, x


def btd(t):
    """[b, t, d] <-> [b, d, t]."""
    return t.transpose(1, 2)


def linear_scan_ref(a, b, h0, reverse=False):
    """h[t] = a[t] * h[t-1] + b[t] over dim 1 (reverse: t from T-1 down)."""
    T = a.shape[1]
    h = h0.clone()
    ys = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        h = a[:, t] * h + b[:, t]
        ys[t] = h
    return torch.stack(ys, dim=1), h


def cases():
    out = []

    # Mamba-1 selective scan: softplus(dt + dt_bias), A = -exp(A_log),
    # D skip and z gate, non-zero initial state, final state.
    c = Case("scan_mamba1")
    Bsz, T, D, N = 2, 24, 16, 8
    dt = c.quantize(randn(c.rng, Bsz, T, D, scale=0.5) - 1.0)
    dt_bias = c.quantize(uniform(c.rng, -0.5, 0.5, D))
    x = c.quantize(randn(c.rng, Bsz, T, D))
    A_log = c.quantize(torch.log(torch.arange(1, N + 1, dtype=GEN)).repeat(D, 1)
                       + uniform(c.rng, -0.1, 0.1, D, N))
    Bm = c.quantize(randn(c.rng, Bsz, T, N))
    Cm = c.quantize(randn(c.rng, Bsz, T, N))
    Dskip = c.quantize(uniform(c.rng, 0.5, 1.5, D))
    z = c.quantize(randn(c.rng, Bsz, T, D))
    h0 = c.quantize(randn(c.rng, Bsz, D, N, scale=0.5))
    for stem, t in (("dt", dt), ("dt_bias", dt_bias), ("x", x),
                    ("A_log", A_log), ("B", Bm), ("C", Cm), ("D", Dskip),
                    ("z", z), ("h0", h0)):
        c.input(stem, t)
    A = -torch.exp(A_log)
    y, hT = selective_scan_ref(btd(x), btd(dt), A, btd(Bm), btd(Cm), Dskip,
                               btd(z), dt_bias, True, h0)
    c.output("out", btd(y))
    c.output("final_state", hT)
    out.append(c)

    # Prefill then decode equals full prefill: the IR scans steps 0..T-2 and
    # runs seq.scan_step on step T-1 from the scan's final state; the golden
    # files are the full T-step scan (Mamba-1 regions, no D / z).
    c = Case("scan_prefill_then_decode")
    Bsz, T, D, N = 2, 9, 8, 4
    dt = c.quantize(randn(c.rng, Bsz, T, D, scale=0.5) - 0.5)
    x = c.quantize(randn(c.rng, Bsz, T, D))
    A = c.quantize(-uniform(c.rng, 0.5, 4.0, D, N))
    Bm = c.quantize(randn(c.rng, Bsz, T, N))
    Cm = c.quantize(randn(c.rng, Bsz, T, N))
    h0 = c.quantize(randn(c.rng, Bsz, D, N, scale=0.5))
    for stem, t in (("dt", dt), ("x", x), ("A", A), ("B", Bm), ("C", Cm),
                    ("h0", h0)):
        c.input(stem, t)
    y, hT = selective_scan_ref(btd(x), btd(dt), A, btd(Bm), btd(Cm),
                               delta_softplus=True, h0=h0)
    y = btd(y)
    c.output("y_prefix", y[:, : T - 1])
    c.output("y_last", y[:, T - 1])
    c.output("final_state", hT)
    out.append(c)

    # Mamba-2 (SSD recurrence): scalar decay per head, B/C shared by groups
    # of heads (head h reads group h // (H / G), mamba_ssm's
    # repeat "b l g n -> b l (g h) n"), D skip per head.
    c = Case("scan_mamba2")
    Bsz, T, H, P, N, G = 1, 20, 4, 8, 16, 2
    x = c.quantize(randn(c.rng, Bsz, T, H, P))
    dt = c.quantize(randn(c.rng, Bsz, T, H, scale=0.5) - 1.0)
    A = c.quantize(-torch.exp(uniform(c.rng, -1.0, 1.0, H)))
    Bm = c.quantize(randn(c.rng, Bsz, T, G, N, scale=0.5))
    Cm = c.quantize(randn(c.rng, Bsz, T, G, N, scale=0.5))
    Dskip = c.quantize(uniform(c.rng, 0.5, 1.5, H))
    h0 = c.quantize(randn(c.rng, Bsz, H, P, N, scale=0.5))
    for stem, t in (("x", x), ("dt", dt), ("A", A), ("B", Bm), ("C", Cm),
                    ("D", Dskip), ("h0", h0)):
        c.input(stem, t)
    Bh = Bm.repeat_interleave(H // G, dim=2)    # [b, t, h, n]
    Ch = Cm.repeat_interleave(H // G, dim=2)
    sp = F.softplus(dt)
    h = h0.clone()
    ys = []
    for t in range(T):
        dA = torch.exp(sp[:, t] * A)                                  # [b, h]
        dBx = torch.einsum("bh,bhp,bhn->bhpn", sp[:, t], x[:, t], Bh[:, t])
        h = dA[:, :, None, None] * h + dBx
        ys.append(torch.einsum("bhpn,bhn->bhp", h, Ch[:, t]))
    y = torch.stack(ys, dim=1) + x * Dskip[None, None, :, None]
    c.output("out", y)
    c.output("final_state", h)
    out.append(c)

    # Mamba-2 over several chunks of the chunked matmul (SSD) form (64
    # steps each: 64 + 64 + 22), the importer's step form (softplus(dt +
    # dt_bias) with PyTorch's threshold, A = -exp(A_log)), P and N that are
    # not whole vectors, B/C of one group, non-zero initial state.
    c = Case("scan_mamba2_chunked")
    Bsz, T, H, P, N = 2, 150, 3, 12, 20
    x = c.quantize(randn(c.rng, Bsz, T, H, P))
    dt = c.quantize(randn(c.rng, Bsz, T, H, scale=0.5) - 1.0)
    dt_bias = c.quantize(uniform(c.rng, -0.5, 0.5, H))
    A_log = c.quantize(torch.log(uniform(c.rng, 1.0, 16.0, H)))
    Bm = c.quantize(randn(c.rng, Bsz, T, 1, N, scale=0.5))
    Cm = c.quantize(randn(c.rng, Bsz, T, 1, N, scale=0.5))
    h0 = c.quantize(randn(c.rng, Bsz, H, P, N, scale=0.5))
    for stem, t in (("dt", dt), ("dt_bias", dt_bias), ("x", x),
                    ("A_log", A_log), ("B", Bm), ("C", Cm), ("h0", h0)):
        c.input(stem, t)
    sp = F.softplus(dt + dt_bias)
    A = -torch.exp(A_log)
    h = h0.clone()
    ys = []
    for t in range(T):
        dA = torch.exp(sp[:, t] * A)                                  # [b, h]
        dBx = torch.einsum("bh,bhp,bn->bhpn", sp[:, t], x[:, t], Bm[:, t, 0])
        h = dA[:, :, None, None] * h + dBx
        ys.append(torch.einsum("bhpn,bn->bhp", h, Cm[:, t, 0]))
    c.output("y", torch.stack(ys, dim=1))
    c.output("final_state", h)
    out.append(c)

    # Griffin RG-LRU (c = 8), recurrentgemma's formulation without segment
    # resets: a = exp(-8 * softplus(L) * sigmoid(r)),
    # h = a * h + sqrt(1 - a^2) * (sigmoid(i) * x).
    c = Case("scan_rglru")
    Bsz, T, D = 2, 16, 32
    x = c.quantize(randn(c.rng, Bsz, T, D))
    r = c.quantize(randn(c.rng, Bsz, T, D))
    i = c.quantize(randn(c.rng, Bsz, T, D))
    lam = c.quantize(uniform(c.rng, -3.0, 1.0, D))
    h0 = c.quantize(randn(c.rng, Bsz, D, scale=0.5))
    for stem, t in (("x", x), ("r", r), ("i", i), ("lambda", lam),
                    ("h0", h0)):
        c.input(stem, t)
    log_a = -8.0 * torch.sigmoid(r) * F.softplus(lam)
    a = torch.exp(log_a)
    mult = torch.sqrt(1.0 - torch.exp(2.0 * log_a))
    y, hT = linear_scan_ref(a, mult * (torch.sigmoid(i) * x), h0)
    c.output("out", y)
    c.output("final_state", hT)
    out.append(c)

    # minGRU: h = (1 - z) * h + z * htilde, z = sigmoid(k).
    c = Case("scan_mingru")
    Bsz, T, D = 2, 32, 16
    k = c.quantize(randn(c.rng, Bsz, T, D))
    ht = c.quantize(randn(c.rng, Bsz, T, D))
    h0 = c.quantize(randn(c.rng, Bsz, D))
    c.input("k", k)
    c.input("htilde", ht)
    c.input("h0", h0)
    zg = torch.sigmoid(k)
    y, hT = linear_scan_ref(1.0 - zg, zg * ht, h0)
    c.output("out", y)
    c.output("final_state", hT)
    out.append(c)

    # Reverse scan: t runs T-1 .. 0, final_state is h[0].
    c = Case("scan_reverse")
    Bsz, T, D = 2, 12, 8
    a = c.quantize(uniform(c.rng, 0.5, 1.0, Bsz, T, D))
    b = c.quantize(randn(c.rng, Bsz, T, D))
    h0 = c.quantize(randn(c.rng, Bsz, D))
    c.input("a", a)
    c.input("b", b)
    c.input("h0", h0)
    y, hT = linear_scan_ref(a, b, h0, reverse=True)
    c.output("out", y)
    c.output("final_state", hT)
    out.append(c)

    # bf16 inputs, f32 state and output (step extends to f32).
    c = Case("scan_bf16_inputs", "bf16")
    Bsz, T, D = 1, 16, 8
    a = c.quantize(uniform(c.rng, 0.6, 1.0, Bsz, T, D))
    b = c.quantize(randn(c.rng, Bsz, T, D))
    h0 = c.quantize(randn(c.rng, Bsz, D), "f32")
    c.input("a", a)
    c.input("b", b)
    c.input("h0", h0, "f32")
    y, hT = linear_scan_ref(a, b, h0)
    c.output("out", y, "f32")
    c.output("final_state", hT, "f32")
    out.append(c)

    # Gated linear attention / RWKV-6 style decay with a matrix state per
    # head: S = diag(w) S + k v^T, w = exp(-exp(w_raw)), y_j = sum_i r_i S_ij.
    c = Case("scan_gla_matrix_state")
    Bsz, T, H, K = 1, 16, 2, 8
    w = c.quantize(randn(c.rng, Bsz, T, H, K, scale=0.5) - 1.0)
    k = c.quantize(randn(c.rng, Bsz, T, H, K, scale=0.5))
    v = c.quantize(randn(c.rng, Bsz, T, H, K))
    r = c.quantize(randn(c.rng, Bsz, T, H, K))
    s0 = c.quantize(randn(c.rng, Bsz, H, K, K, scale=0.5))
    for stem, t in (("w", w), ("k", k), ("v", v), ("r", r), ("s0", s0)):
        c.input(stem, t)
    decay = torch.exp(-torch.exp(w))
    S = s0.clone()
    ys = []
    for t in range(T):
        S = decay[:, t, :, :, None] * S + torch.einsum(
            "bhi,bhj->bhij", k[:, t], v[:, t])
        ys.append(torch.einsum("bhi,bhij->bhj", r[:, t], S))
    c.output("out", torch.stack(ys, dim=1))
    c.output("final_state", S)
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name)


if __name__ == "__main__":
    main()
