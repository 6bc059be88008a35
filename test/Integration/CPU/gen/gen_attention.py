"""Golden data for test/Integration/CPU/attention/*.mlir (seq.attention on
contiguous K/V). References: common.attention_ref (the op's definition in
float64, cross-checked against torch SDPA with repeat_interleave'd K/V and
an explicit float mask)."""

import torch

from common import Case, F64, attention_ref, randn


def alibi_slopes(h):
    # The usual ALiBi geometric slopes 2^(-8 (k+1) / H).
    return torch.tensor([2.0 ** (-8.0 * (k + 1) / h) for k in range(h)],
                        dtype=F64)


def qkv(c, B, Hq, Hkv, Sq, Skv, D, Dv=None, qscale=1.0):
    Dv = Dv or D
    q = c.quantize(randn(c.rng, B, Hq, Sq, D, scale=qscale))
    k = c.quantize(randn(c.rng, B, Hkv, Skv, D))
    v = c.quantize(randn(c.rng, B, Hkv, Skv, Dv))
    c.input("q", q)
    c.input("k", k)
    c.input("v", v)
    return q, k, v


def cases():
    out = []

    # MHA prefill, causal, default scale.
    c = Case("attn_mha_causal")
    q, k, v = qkv(c, 2, 4, 4, 16, 16, 32)
    o, _ = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    out.append(c)

    # GQA (8 query heads on 2 KV heads) with Sq < Skv: causal is aligned
    # bottom-right (chunked prefill: query i sits at key 19 - 5 + i).
    c = Case("attn_gqa_causal_chunk")
    q, k, v = qkv(c, 2, 8, 2, 5, 19, 16)
    o, _ = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    out.append(c)

    # MQA, explicit scale, value dim != head dim, no mask, LSE result.
    c = Case("attn_mqa_scale_dv_lse")
    q, k, v = qkv(c, 1, 4, 1, 7, 11, 16, Dv=24)
    o, lse = attention_ref(q, k, v, scale=0.2)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # Causal sliding window (Mistral): keep p(i) - 8 < j <= p(i).
    c = Case("attn_sliding_window")
    q, k, v = qkv(c, 1, 4, 2, 40, 40, 16)
    o, _ = attention_ref(q, k, v, causal=True, window=8)
    c.output("out", o)
    out.append(c)

    # Window without causal: the documented bound is one-sided, keys after
    # p(i) stay visible (j > p(i) - W and j < L only).
    c = Case("attn_window_noncausal")
    q, k, v = qkv(c, 1, 2, 2, 20, 20, 16)
    o, _ = attention_ref(q, k, v, window=6)
    c.output("out", o)
    out.append(c)

    # Window + causal + ragged kv_lengths + Sq < Skv, all bottom-right.
    c = Case("attn_window_chunk_ragged")
    q, k, v = qkv(c, 2, 4, 4, 6, 32, 16)
    lens = torch.tensor([30, 17], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, _ = attention_ref(q, k, v, kv_lengths=lens, causal=True, window=10)
    c.output("out", o)
    out.append(c)

    # Gemma-2 softcap on large scores, causal, with LSE (of capped scores).
    c = Case("attn_softcap_lse")
    q, k, v = qkv(c, 1, 4, 2, 24, 24, 32, qscale=3.0)
    o, lse = attention_ref(q, k, v, causal=True, softcap=5.0)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # softcap then score_mod (ALiBi): the cap applies to the scaled score and
    # the bias is added after it.
    c = Case("attn_softcap_alibi")
    q, k, v = qkv(c, 1, 4, 4, 10, 10, 16, qscale=3.0)
    slopes = alibi_slopes(4)
    c.input("slopes", slopes, "f32")
    o, _ = attention_ref(q, k, v, causal=True, softcap=4.0,
                         alibi_slopes=c.quantize(slopes, "f32"))
    c.output("out", o)
    out.append(c)

    # ALiBi through score_mod capturing the slopes; Sq != Skv and ragged
    # lengths. The bias is slope[h] * (j - i) with i the query ROW; the
    # output would not notice p(i) instead of i (a per-row constant), the
    # LSE does.
    c = Case("attn_alibi_lse")
    q, k, v = qkv(c, 2, 4, 4, 4, 12, 16)
    lens = torch.tensor([12, 9], dtype=torch.int32)
    slopes = alibi_slopes(4)
    c.input("kv_lengths", lens, "i32")
    c.input("slopes", slopes, "f32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens, causal=True,
                           alibi_slopes=c.quantize(slopes, "f32"))
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # Ragged lengths with fully masked rows: L = 2 with Sq = 3 puts query 0
    # at p = -1 (no key), L = 0 masks the whole row. Those rows are zeros
    # with an LSE of -inf.
    c = Case("attn_ragged_fully_masked")
    q, k, v = qkv(c, 4, 4, 2, 3, 24, 16)
    lens = torch.tensor([24, 10, 2, 0], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens, causal=True)
    assert (o[2, :, 0] == 0).all() and (o[3] == 0).all()
    assert torch.isneginf(lse[2, :, 0]).all() and torch.isneginf(lse[3]).all()
    c.output("out", o)
    c.output("lse", lse, "f32", allow_inf=True)
    out.append(c)

    # Decode (Sq = 1) against a ragged cache with GQA, LSE result.
    c = Case("attn_ragged_decode_lse")
    q, k, v = qkv(c, 3, 8, 2, 1, 64, 16)
    lens = torch.tensor([64, 33, 1], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # Document mask as a mask_mod region capturing per-token document ids,
    # combined with causal.
    c = Case("attn_document_mask")
    q, k, v = qkv(c, 1, 2, 2, 24, 24, 16)
    doc = torch.tensor([0] * 7 + [1] * 10 + [2] * 7, dtype=torch.int32)
    c.input("doc_ids", doc, "i32")

    def same_doc(B, H, Sq, Skv):
        d = doc.to(torch.int64)
        return (d.view(Sq, 1) == d.view(1, Skv)).view(1, 1, Sq, Skv).expand(
            B, H, Sq, Skv)

    o, _ = attention_ref(q, k, v, causal=True, mask_mod=same_doc)
    c.output("out", o)
    out.append(c)

    # Prefill with a dynamic sequence length (tensor<1x4x?x32xf32>): 37
    # tokens, not a multiple of any tile.
    c = Case("attn_prefill_dynamic")
    q, k, v = qkv(c, 1, 4, 4, 37, 37, 32)
    o, _ = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    out.append(c)

    # bf16 storage, f32 scores and softmax.
    c = Case("attn_bf16_gqa_causal", dtype="bf16")
    q, k, v = qkv(c, 1, 4, 2, 32, 32, 64)
    o, _ = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    out.append(c)

    # Whole 16-row query tiles (the rows-in-lanes kernels) as a 32-token
    # chunk of a long ragged cache: GQA 4:2, causal bottom-right with a
    # window of 300, kv_lengths [1200, 700] (8 tiles, so the KV range is
    # split 4 ways and merged by log-sum-exp), LSE result.
    c = Case("attn_lanes_chunk_split_lse")
    q, k, v = qkv(c, 2, 4, 2, 32, 1200, 32)
    lens = torch.tensor([1200, 700], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens, causal=True, window=300)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # Decode with the group kernel (groupScores): 6 query heads per KV head
    # (register blocks of 4 and 2 heads), D=64, ragged kv_lengths [520, 261]
    # (not whole vectors or blocks of keys; the KV range split 2 ways and
    # merged by log-sum-exp), LSE result.
    c = Case("attn_decode_group")
    q, k, v = qkv(c, 2, 6, 1, 1, 520, 64)
    lens = torch.tensor([520, 261], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # The same kernel on bf16 storage (queries, keys and values read as
    # even/odd pairs),
    # GQA 8:2, D=128, 300 keys.
    c = Case("attn_decode_group_bf16", dtype="bf16")
    q, k, v = qkv(c, 1, 8, 2, 1, 300, 128)
    o, _ = attention_ref(q, k, v)
    c.output("out", o)
    out.append(c)

    # bf16 decode through the group kernel's even/odd pair loads with the KV
    # range split and merged by log-sum-exp (the accumulator rows kept in
    # pair order are written back as partials), ragged kv_lengths, LSE.
    c = Case("attn_decode_split_bf16", dtype="bf16")
    q, k, v = qkv(c, 2, 8, 2, 1, 1100, 64)
    lens = torch.tensor([1100, 530], dtype=torch.int32)
    c.input("kv_lengths", lens, "i32")
    o, lse = attention_ref(q, k, v, kv_lengths=lens)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # Decode with the score loop's software prefetch (the K row
    # TilingOptions::attentionDecodePrefetchKeys on,
    # clamped to the tile's last key; the V row of each key) at GQA group
    # sizes 1, 4 and 8, ragged kv_lengths (a length of 1, lengths that are
    # neither whole vectors nor whole key blocks) and, for group 4, a KV
    # range split in two and merged by log-sum-exp.
    c = Case("attn_decode_groups_ragged")
    for B, Hq, Hkv, Skv, D, lengths in ((2, 2, 2, 150, 64, [150, 37]),
                                        (3, 4, 1, 600, 32, [600, 1, 333]),
                                        (2, 16, 2, 160, 64, [160, 71])):
        g = Hq // Hkv
        q = c.quantize(randn(c.rng, B, Hq, 1, D))
        k = c.quantize(randn(c.rng, B, Hkv, Skv, D))
        v = c.quantize(randn(c.rng, B, Hkv, Skv, D))
        lens = torch.tensor(lengths, dtype=torch.int32)
        for name, t in (("q", q), ("k", k), ("v", v)):
            c.input(f"{name}_g{g}", t)
        c.input(f"kv_lengths_g{g}", lens, "i32")
        o, lse = attention_ref(q, k, v, kv_lengths=lens)
        c.output(f"out_g{g}", o)
        c.output(f"lse_g{g}", lse, "f32")
    out.append(c)

    # bf16 prefill at head dim 128 through the rows-in-lanes kernels (on
    # AVX512_BF16 targets Q.K^T on vdpbf16ps): GQA 4:2 (32-row tiles),
    # causal, 200 queries and keys (4 KV blocks of 64 with a partial one; a
    # last query tile of 8 rows on the general path), LSE result.
    c = Case("attn_bf16_prefill_d128", dtype="bf16")
    q, k, v = qkv(c, 1, 4, 2, 200, 200, 128)
    o, lse = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # bf16 MHA prefill at head dim 128 with one row vector per tile
    # (--query-tile=16 on 16 lanes): the only tiles whose Q.K^T runs on
    # vdpbf16ps on AVX512_BF16 targets (TilingOptions::
    # attentionBF16DotMaxRowVectors); 32 queries and keys, causal, LSE.
    c = Case("attn_bf16_prefill_dot", dtype="bf16")
    q, k, v = qkv(c, 1, 1, 1, 32, 32, 128)
    o, lse = attention_ref(q, k, v, causal=True)
    c.output("out", o)
    c.output("lse", lse, "f32")
    out.append(c)

    # The causal diagonal's skipped work (the score kernel's fully masked
    # row vectors, P.V past a row block's last position) at sizes that are
    # not whole tiles: MHA 130 tokens (64-row tiles and a 2-row rest on 16
    # lanes, 16-row tiles on 8), GQA 8:2 67 tokens with a window of 40,
    # GQA 4:1 100 queries as the last chunk of 133 keys (the diagonal
    # crosses key blocks off their start) with a window of 70, and GQA 2:1
    # 80 queries on 520 keys (the KV range split in two and merged by
    # log-sum-exp), LSE results.
    c = Case("attn_causal_diagonal")
    for tag, B, Hq, Hkv, Sq, Skv, D, window in (
            ("mha", 1, 2, 2, 130, 130, 32, None),
            ("win", 1, 8, 2, 67, 67, 32, 40),
            ("chunk", 1, 4, 1, 100, 133, 32, 70),
            ("split", 1, 2, 1, 80, 520, 32, None)):
        q = c.quantize(randn(c.rng, B, Hq, Sq, D))
        k = c.quantize(randn(c.rng, B, Hkv, Skv, D))
        v = c.quantize(randn(c.rng, B, Hkv, Skv, D))
        for name, t in (("q", q), ("k", k), ("v", v)):
            c.input(f"{name}_{tag}", t)
        o, lse = attention_ref(q, k, v, causal=True, window=window)
        c.output(f"out_{tag}", o)
        c.output(f"lse_{tag}", lse, "f32")
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name)


if __name__ == "__main__":
    main()
