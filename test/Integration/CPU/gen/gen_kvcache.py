"""Golden data for test/Integration/CPU/kvcache/*.mlir: seq.cache_write
(contiguous and paged) and seq.attention reading caches (kv_lengths,
block_table), alone and composed into decode / chunked-prefill steps."""

import torch

from common import Case, attention_ref, gather_paged, randn


def cache_write_ref(cache, update, positions, block_table=None):
    """Returns cache with update[b, h, s, :] at logical position
    positions[b] + s of row b (paged: slot p % BS of block
    block_table[b, p // BS])."""
    out = cache.clone()
    B, H, S, D = update.shape
    for b in range(B):
        for s in range(S):
            p = int(positions[b]) + s
            if block_table is None:
                out[b, :, p, :] = update[b, :, s, :]
            else:
                bs = cache.shape[2]
                out[int(block_table[b, p // bs]), :, p % bs, :] = update[b, :, s, :]
    return out


def i32(x):
    return torch.tensor(x, dtype=torch.int32)


def cases():
    out = []

    # Contiguous write of a 3-token chunk at per-row positions.
    c = Case("cache_write_contiguous")
    cache = c.quantize(randn(c.rng, 2, 2, 16, 8))
    upd = c.quantize(randn(c.rng, 2, 2, 3, 8))
    pos = i32([0, 9])
    c.input("cache", cache)
    c.input("update", upd)
    c.input("positions", pos, "i32")
    c.output("out", cache_write_ref(cache, upd, pos))
    out.append(c)

    # Paged write crossing block boundaries, scrambled block tables.
    c = Case("cache_write_paged")
    cache = c.quantize(randn(c.rng, 10, 2, 4, 8))
    upd = c.quantize(randn(c.rng, 2, 2, 5, 8))
    bt = i32([[7, 2, 9, 0], [3, 5, 1, 8]])
    pos = i32([2, 6])
    c.input("cache", cache)
    c.input("update", upd)
    c.input("positions", pos, "i32")
    c.input("block_table", bt, "i32")
    c.output("out", cache_write_ref(cache, upd, pos, bt))
    out.append(c)

    # Paged attention, 3-query chunk, causal, ragged lengths. Unused table
    # entries hold valid block ids (0) whose contents must not be read.
    c = Case("attn_paged_chunk")
    q = c.quantize(randn(c.rng, 2, 4, 3, 16))
    kc = c.quantize(randn(c.rng, 10, 2, 4, 16))
    vc = c.quantize(randn(c.rng, 10, 2, 4, 16))
    bt = i32([[6, 1, 8, 3], [2, 9, 0, 0]])
    lens = i32([13, 7])
    for stem, t in (("q", q), ("k_cache", kc), ("v_cache", vc)):
        c.input(stem, t)
    c.input("kv_lengths", lens, "i32")
    c.input("block_table", bt, "i32")
    o, _ = attention_ref(q, gather_paged(kc, bt), gather_paged(vc, bt),
                         kv_lengths=lens, causal=True)
    c.output("out", o)
    out.append(c)

    # Decode step on a contiguous cache: write the new K/V at `positions`,
    # attend over kv_lengths = positions + 1 (GQA 4:2).
    for name, dtype in (("kv_write_decode", "f32"),
                        ("kv_write_decode_bf16", "bf16")):
        c = Case(name, dtype)
        q = c.quantize(randn(c.rng, 2, 4, 1, 16))
        kn = c.quantize(randn(c.rng, 2, 2, 1, 16))
        vn = c.quantize(randn(c.rng, 2, 2, 1, 16))
        kc = c.quantize(randn(c.rng, 2, 2, 32, 16))
        vc = c.quantize(randn(c.rng, 2, 2, 32, 16))
        pos = i32([5, 20])
        lens = pos + 1
        for stem, t in (("q", q), ("k_new", kn), ("v_new", vn),
                        ("k_cache", kc), ("v_cache", vc)):
            c.input(stem, t)
        c.input("positions", pos, "i32")
        c.input("kv_lengths", lens, "i32")
        kc2 = cache_write_ref(kc, kn, pos)
        vc2 = cache_write_ref(vc, vn, pos)
        o, _ = attention_ref(q, kc2, vc2, kv_lengths=lens, causal=True)
        c.output("out", o)
        c.output("k_cache_out", kc2)
        c.output("v_cache_out", vc2)
        out.append(c)

    # Decode step on a paged cache: paged write then paged attention.
    c = Case("paged_write_decode")
    q = c.quantize(randn(c.rng, 2, 8, 1, 16))
    kn = c.quantize(randn(c.rng, 2, 2, 1, 16))
    vn = c.quantize(randn(c.rng, 2, 2, 1, 16))
    kc = c.quantize(randn(c.rng, 12, 2, 8, 16))
    vc = c.quantize(randn(c.rng, 12, 2, 8, 16))
    bt = i32([[4, 11, 0, 0], [7, 1, 9, 2]])
    pos = i32([10, 25])
    lens = pos + 1
    for stem, t in (("q", q), ("k_new", kn), ("v_new", vn),
                    ("k_cache", kc), ("v_cache", vc)):
        c.input(stem, t)
    c.input("positions", pos, "i32")
    c.input("kv_lengths", lens, "i32")
    c.input("block_table", bt, "i32")
    kc2 = cache_write_ref(kc, kn, pos, bt)
    vc2 = cache_write_ref(vc, vn, pos, bt)
    o, _ = attention_ref(q, gather_paged(kc2, bt), gather_paged(vc2, bt),
                         kv_lengths=lens, causal=True)
    c.output("out", o)
    c.output("k_cache_out", kc2)
    c.output("v_cache_out", vc2)
    out.append(c)

    # Chunked prefill: write a 4-token chunk at position 8, attend causally
    # over the 12 valid keys of a 16-slot cache.
    c = Case("kv_write_chunked_prefill")
    q = c.quantize(randn(c.rng, 1, 4, 4, 16))
    kn = c.quantize(randn(c.rng, 1, 2, 4, 16))
    vn = c.quantize(randn(c.rng, 1, 2, 4, 16))
    kc = c.quantize(randn(c.rng, 1, 2, 16, 16))
    vc = c.quantize(randn(c.rng, 1, 2, 16, 16))
    pos = i32([8])
    lens = i32([12])
    for stem, t in (("q", q), ("k_new", kn), ("v_new", vn),
                    ("k_cache", kc), ("v_cache", vc)):
        c.input(stem, t)
    c.input("positions", pos, "i32")
    c.input("kv_lengths", lens, "i32")
    kc2 = cache_write_ref(kc, kn, pos)
    vc2 = cache_write_ref(vc, vn, pos)
    o, _ = attention_ref(q, kc2, vc2, kv_lengths=lens, causal=True)
    c.output("out", o)
    out.append(c)

    # The one big case: decode against a 4096-slot cache (B = 1, Hkv = 2,
    # D = 32: K and V are 1 MiB each), 3999 valid keys, GQA 8:2, with LSE.
    c = Case("decode_long_cache")
    q = c.quantize(randn(c.rng, 1, 8, 1, 32))
    kc = c.quantize(randn(c.rng, 1, 2, 4096, 32))
    vc = c.quantize(randn(c.rng, 1, 2, 4096, 32))
    lens = i32([3999])
    c.input("q", q)
    c.input("k_cache", kc)
    c.input("v_cache", vc)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, kc, vc, kv_lengths=lens)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name)


if __name__ == "__main__":
    main()
