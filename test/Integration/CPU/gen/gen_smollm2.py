"""Reference outputs of the real SmolLM2-135M-Instruct (issue #8).

transformers loads SmolLM2-135M-Instruct.Q4_1.gguf (the file
scripts/fetch-smollm2.sh caches), dequantizes every tensor exactly with
gguf-py and runs the model in float32 (eager attention). This script
records what seqc's compiled model must reproduce and writes it into
../Inputs/smollm2/:

  chat_prompt.txt                 the chat prompt, rendered by transformers'
                                  apply_chat_template from the GGUF's own
                                  template (it adds the default system
                                  prompt), add_generation_prompt=True
  chat_prompt_ids.npy             i32 [1, S]      its token ids
  chat_greedy.npy                 i32 [1, 48]     greedy continuation, not
                                                  stopped at EOS
  chat_greedy.txt                 the decoded answer (up to the first EOS)
  chat_prefill_last_logits.npy    f32 [1, V]      logits of prompt row S-1
                                                  (what `prefill` returns)
  chat_prefill_logits_slice.npy   f32 [1, S, 64]  every prompt row, vocab
                                                  ids 0..63
  chat_prefill_logits_top.npy     f32 [1, S, 20]  the 20 largest logits of
                                                  every prompt row, descending
  chat_prefill_logits_top_ids.npy i32 [1, S, 20]  their vocab ids
  decode_step_logits.npy          f32 [1, V]      logits after prompt + the
                                                  first greedy token (what
                                                  `decode` returns at
                                                  position S)
  text_prompt_ids.npy             i32 [1, T]      "The quick brown fox"
  text_greedy.npy                 i32 [1, 16]     its greedy continuation
  text_greedy.txt                 prompt + continuation, decoded
  margins.txt                     top-1 minus top-2 logit along both greedy
                                  paths
  README.md                       versions, commands, answer, margins

Token ids come from the committed SmolLM2 tokenizer.json
(test/Unit/Runtime/Inputs/smollm2_tokenizer/, with SmolLM2's
Digits(individual_digits) pre-tokenizer, which transformers' GGUF tokenizer
conversion drops) through the `tokenizers` library; the script checks they
equal the GGUF tokenizer's ids and that the prompts contain no digits.

It also checks (and prints) that transformers' weights equal gguf-py's
`dequantize` (Q/K un-permuted) and an independent numpy decoding of the
q8_0 / q4_1 blocks, and that the GGUF's permuted Q/K rows with interleaved
(GPT-J) rotary give the same attention scores as transformers' un-permuted
rows with NeoX rotary.

Deterministic: greedy decoding, no sampling; torch uses 2 threads.
CI never runs it (it needs torch, transformers, gguf, tokenizers and the
98 MB model file).

Run:
  python3 test/Integration/CPU/gen/gen_smollm2.py [--gguf PATH] [--timing]

Without --gguf the model path comes from scripts/fetch-smollm2.sh.
--timing also measures f32 prefill / decode speed (printed only).
"""

import argparse
import copy
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import gguf
import numpy as np
import tokenizers
import torch
import transformers
from gguf import GGUFReader
from gguf.quants import dequantize

GEN_DIR = Path(__file__).resolve().parent
REPO = GEN_DIR.parents[3]
OUT = GEN_DIR.parent / "Inputs" / "smollm2"
FIXED_TOKENIZER = (REPO / "test" / "Unit" / "Runtime" / "Inputs" /
                   "smollm2_tokenizer" / "tokenizer.json")

CHAT_MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
CHAT_NEW_TOKENS = 48
TEXT_PROMPT = "The quick brown fox"
TEXT_NEW_TOKENS = 16
EOS_ID = 2
SLICE_VOCAB = 64
TOP_K = 20
NEAR_TIE = 0.05
SIZE_LIMIT = 1024 * 1024

torch.set_grad_enabled(False)
torch.set_num_threads(2)


def model_path(arg: str | None) -> Path:
    if arg:
        return Path(arg).resolve()
    out = subprocess.run([str(REPO / "scripts" / "fetch-smollm2.sh")],
                         check=True, stdout=subprocess.PIPE, text=True)
    return Path(out.stdout.strip())


def token_ids(fixed: tokenizers.Tokenizer, hf_tok, text: str) -> list[int]:
    """Ids of `text` from the fixed tokenizer.json, checked against the GGUF
    tokenizer (no special tokens added by either)."""
    if re.search(r"\d", text):
        raise SystemExit(f"prompt has digits (the GGUF tokenizer mis-splits "
                         f"them): {text!r}")
    ids = fixed.encode(text, add_special_tokens=False).ids
    gguf_ids = hf_tok(text, add_special_tokens=False).input_ids
    if ids != gguf_ids:
        raise SystemExit(f"tokenizer.json ids {ids} != GGUF tokenizer ids "
                         f"{gguf_ids} for {text!r}")
    # The GGUF has add_bos_token = false: the default call adds nothing.
    assert hf_tok(text).input_ids == ids
    return ids


def greedy(model, ids: list[int], n: int):
    """transformers' greedy continuation of `ids`, not stopped at EOS, and
    the raw logits of every step."""
    # generate() fills every unset (None) setting from the model's
    # generation_config, so EOS stopping is switched off there.
    saved = model.generation_config
    model.generation_config = copy.deepcopy(saved)
    model.generation_config.eos_token_id = None
    try:
        x = torch.tensor([ids])
        out = model.generate(x, attention_mask=torch.ones_like(x),
                             do_sample=False, max_new_tokens=n,
                             pad_token_id=EOS_ID, output_logits=True,
                             return_dict_in_generate=True)
    finally:
        model.generation_config = saved
    new = out.sequences[0, len(ids):]
    if new.numel() != n:
        raise SystemExit(f"generate returned {new.numel()} tokens, not {n}")
    return new.tolist(), torch.stack(out.logits, 1)[0]


def margins(logits: torch.Tensor):
    top = torch.topk(logits, 2, dim=-1)
    return top.values[:, 0] - top.values[:, 1], top.indices


def check_path(model, ids, new, step_logits, name, log):
    """Full (uncached) forward over prompt + continuation: its argmax must
    reproduce the cached greedy path; returns its logits."""
    full = model(torch.tensor([ids + new[:-1]])).logits[0]
    rows = full[len(ids) - 1:]
    argmax = rows.argmax(-1).tolist()
    diff = float((rows - step_logits).abs().max())
    log(f"{name}: uncached forward argmax equals greedy path: "
        f"{argmax == new}; max |cached - uncached logits| {diff:.3g}")
    if argmax != new:
        first = next(i for i, (a, b) in enumerate(zip(argmax, new)) if a != b)
        log(f"  (first difference at step {first})")
    return full


def margin_lines(tok, new, step_logits, name):
    m, top2 = margins(step_logits)
    lines = [f"# {name}: step token top2_token margin decoded"]
    for i, t in enumerate(new):
        lines.append(f"{i:3d} {t:6d} {int(top2[i, 1]):6d} {float(m[i]):9.4f} "
                     f"{tok.decode([t])!r}")
    near = [i for i in range(len(new)) if float(m[i]) < NEAR_TIE]
    return lines, m, near


def reverse_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """transformers' LlamaTensorProcessor._reverse_permute_weights."""
    dim = w.shape[0] // n_head // 2
    return w.reshape(n_head, dim, 2, *w.shape[1:]).swapaxes(2, 1).reshape(w.shape)


def numpy_dequant(t) -> np.ndarray:
    """Independent decoding of GGUF q8_0 / q4_1 blocks from the raw bytes."""
    raw = np.asarray(t.data).view(np.uint8).reshape(-1)
    rows, cols = int(t.shape[1]), int(t.shape[0])
    if t.tensor_type == gguf.GGMLQuantizationType.Q8_0:
        b = raw.reshape(-1, 34)
        d = b[:, :2].copy().view(np.float16).astype(np.float32)
        q = b[:, 2:].copy().view(np.int8).astype(np.float32)
        v = d * q
    elif t.tensor_type == gguf.GGMLQuantizationType.Q4_1:
        b = raw.reshape(-1, 20)
        d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
        m = b[:, 2:4].copy().view(np.float16).astype(np.float32)
        qs = b[:, 4:]
        q = np.concatenate([qs & 0xF, qs >> 4], axis=1).astype(np.float32)
        v = d * q + m
    else:
        raise ValueError(t.tensor_type)
    return v.reshape(rows, cols)


def check_weights(reader, model, cfg, log):
    tensors = {t.name: t for t in reader.tensors}
    params = dict(model.named_parameters())
    cases = [
        ("token_embd.weight", "model.embed_tokens.weight", None),
        ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight",
         cfg.num_attention_heads),
        ("blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight",
         cfg.num_key_value_heads),
        ("blk.0.ffn_down.weight", "model.layers.0.mlp.down_proj.weight", None),
        ("blk.29.attn_v.weight", "model.layers.29.self_attn.v_proj.weight", None),
    ]
    for gname, hname, heads in cases:
        t = tensors[gname]
        ref = dequantize(t.data, t.tensor_type)
        mine = numpy_dequant(t)
        if heads:
            ref, mine = reverse_permute(ref, heads), reverse_permute(mine, heads)
        hf = params[hname].detach().numpy()
        log(f"{gname} ({t.tensor_type.name}) -> {hname}: "
            f"transformers == gguf.quants.dequantize"
            f"{' (un-permuted)' if heads else ''}: "
            f"{np.array_equal(hf, ref)}; == numpy block decoding: "
            f"{np.array_equal(hf, mine)}")
    tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr() \
        or torch.equal(model.lm_head.weight, model.model.embed_tokens.weight)
    log(f"lm_head.weight == token_embd (tied, no output.weight in the GGUF): "
        f"{tied}")
    return tensors


def check_rotary(tensors, model, cfg, log):
    """The GGUF's permuted Q/K rows with interleaved (GPT-J) rotary give the
    attention scores of transformers' un-permuted rows with NeoX rotary."""
    hd = cfg.hidden_size // cfg.num_attention_heads
    nh, nkv = cfg.num_attention_heads, cfg.num_key_value_heads
    theta = float(getattr(cfg, "rope_theta", None)
                  or cfg.rope_parameters["rope_theta"])
    wq = torch.from_numpy(dequantize(tensors["blk.0.attn_q.weight"].data,
                                     tensors["blk.0.attn_q.weight"].tensor_type))
    wk = torch.from_numpy(dequantize(tensors["blk.0.attn_k.weight"].data,
                                     tensors["blk.0.attn_k.weight"].tensor_type))
    attn = model.model.layers[0].self_attn
    g = torch.Generator().manual_seed(0)
    S = 24
    x = torch.randn(S, cfg.hidden_size, generator=g, dtype=torch.float64)
    pos = torch.arange(S, dtype=torch.float64)[:, None]
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = pos * inv  # [S, hd/2]
    cos, sin = ang.cos(), ang.sin()

    def neox(v):  # [S, H, hd], pairs (j, j + hd/2)
        a, b = v[..., :hd // 2], v[..., hd // 2:]
        c, s = cos[:, None], sin[:, None]
        return torch.cat([a * c - b * s, b * c + a * s], -1)

    def gptj(v):  # [S, H, hd], pairs (2j, 2j + 1)
        a, b = v[..., 0::2], v[..., 1::2]
        c, s = cos[:, None], sin[:, None]
        return torch.stack([a * c - b * s, b * c + a * s], -1).flatten(-2)

    def scores(q, k):
        k = k.repeat_interleave(nh // nkv, dim=1)
        return torch.einsum("shd,thd->hst", q, k)

    q_hf = (x @ attn.q_proj.weight.double().T).view(S, nh, hd)
    k_hf = (x @ attn.k_proj.weight.double().T).view(S, nkv, hd)
    q_gg = (x @ wq.double().T).view(S, nh, hd)
    k_gg = (x @ wk.double().T).view(S, nkv, hd)
    ref = scores(neox(q_hf), neox(k_hf))
    same = float((scores(gptj(q_gg), gptj(k_gg)) - ref).abs().max())
    wrong = float((scores(neox(q_gg), neox(k_gg)) - ref).abs().max())
    scale = float(ref.abs().max())
    log(f"layer-0 scores, GGUF rows + GPT-J rotary vs transformers: max diff "
        f"{same:.3g} (max |score| {scale:.3g}); GGUF rows + NeoX rotary: "
        f"{wrong:.3g}")
    # Also transformers' own rotary module (NeoX), to tie the check to it.
    rot = model.model.rotary_emb
    c, s = rot(torch.zeros(1, S, hd), torch.arange(S)[None])
    assert torch.allclose(c[0, :, :hd // 2].double(), cos, atol=1e-6)
    assert torch.allclose(s[0, :, :hd // 2].double(), sin, atol=1e-6)
    if same > 1e-9 * scale or wrong < 1e-3 * scale:
        raise SystemExit("rotary equivalence check failed")


def timing(model, ids, log):
    ids = torch.tensor([ids])
    for _ in range(2):
        model(ids)
    t = []
    for _ in range(5):
        t0 = time.perf_counter()
        model(ids)
        t.append(time.perf_counter() - t0)
    log(f"timing (2 threads, f32, eager): prefill of {ids.shape[1]} tokens "
        f"median {sorted(t)[2] * 1e3:.1f} ms (min {min(t) * 1e3:.1f} ms)")
    out = model(ids, use_cache=True)
    cache, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    n = 64
    t0 = time.perf_counter()
    for i in range(n):
        out = model(nxt, past_key_values=cache, use_cache=True)
        cache, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    dt = time.perf_counter() - t0
    log(f"timing: {n} decode steps {dt:.2f} s = {n / dt:.1f} tokens/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf", help="SmolLM2-135M-Instruct.Q4_1.gguf "
                    "(default: the path scripts/fetch-smollm2.sh prints)")
    ap.add_argument("--timing", action="store_true")
    a = ap.parse_args()
    path = model_path(a.gguf)
    report = []

    def log(s=""):
        print(s, flush=True)
        report.append(s)

    versions = (f"transformers {transformers.__version__}, torch "
                f"{torch.__version__}, gguf {metadata.version('gguf')}, "
                f"tokenizers {tokenizers.__version__}, numpy {np.__version__}")
    print(versions)
    hf_tok = transformers.AutoTokenizer.from_pretrained(path.parent,
                                                        gguf_file=path.name)
    fixed = tokenizers.Tokenizer.from_file(str(FIXED_TOKENIZER))
    t0 = time.perf_counter()
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, dtype=torch.float32,
        attn_implementation="eager")
    model.eval()
    print(f"generation config: {model.generation_config.to_diff_dict()}")
    print(f"model loaded in {time.perf_counter() - t0:.1f} s")
    cfg = model.config

    chat = hf_tok.apply_chat_template(CHAT_MESSAGES, add_generation_prompt=True,
                                      tokenize=False)
    chat_ids = token_ids(fixed, hf_tok, chat)
    S = len(chat_ids)
    log(f"chat prompt: {S} tokens; tokenizer.json ids == GGUF tokenizer ids")

    # Prefill logits.
    logits = model(torch.tensor([chat_ids])).logits[0]  # [S, V]
    V = logits.shape[1]
    top = torch.topk(logits, TOP_K, dim=-1)
    chat_new, chat_steps = greedy(model, chat_ids, CHAT_NEW_TOKENS)
    full = check_path(model, chat_ids, chat_new, chat_steps, "chat", log)
    prefill_diff = float((full[:S] - logits).abs().max())
    log(f"prefill rows from the longer uncached forward vs prefill alone: "
        f"max diff {prefill_diff:.3g}")
    decode_logits = model(torch.tensor([chat_ids + chat_new[:1]])).logits[0, S]
    log(f"decode step logits (full forward over S+1) vs generate's cached step "
        f"1: max diff {float((decode_logits - chat_steps[1]).abs().max()):.3g}")

    eos = chat_new.index(EOS_ID) if EOS_ID in chat_new else None
    answer = hf_tok.decode(chat_new[:eos], skip_special_tokens=False)
    fixed_answer = fixed.decode(chat_new[:eos], skip_special_tokens=False)
    assert answer == fixed_answer, (answer, fixed_answer)
    log(f"chat: first EOS (id {EOS_ID}) at greedy step {eos}")
    log(f"chat answer: {answer!r}")
    if not answer.startswith("The capital of France is Paris."):
        log("WARNING: the answer does not start with "
            "'The capital of France is Paris.'")

    text_ids = token_ids(fixed, hf_tok, TEXT_PROMPT)
    text_new, text_steps = greedy(model, text_ids, TEXT_NEW_TOKENS)
    check_path(model, text_ids, text_new, text_steps, "text", log)
    text_out = hf_tok.decode(text_ids + text_new)
    assert text_out == fixed.decode(text_ids + text_new, skip_special_tokens=False)
    log(f"text prompt ids {text_ids}; decoded: {text_out!r}")

    chat_lines, chat_m, chat_near = margin_lines(hf_tok, chat_new, chat_steps,
                                                 "chat")
    text_lines, text_m, text_near = margin_lines(hf_tok, text_new, text_steps,
                                                 "text")
    pre_eos = chat_m[:eos] if eos else chat_m
    summary = [
        f"chat: smallest margin {float(chat_m.min()):.4f} (step "
        f"{int(chat_m.argmin())}); before the first EOS (steps 0..{eos}) "
        f"{float(pre_eos.min()):.4f}; first step below {NEAR_TIE}: "
        f"{chat_near[0] if chat_near else 'none'}",
        f"text: smallest margin {float(text_m.min()):.4f} (step "
        f"{int(text_m.argmin())}); first step below {NEAR_TIE}: "
        f"{text_near[0] if text_near else 'none'}",
    ]
    for s in summary:
        log(s)
    max_prefill = float(logits.abs().max())
    max_decode = float(decode_logits.abs().max())
    log(f"max |logit|: prefill {max_prefill:.3f}, decode step {max_decode:.3f}")

    # How far f32 rounding moves the logits: the same model in float64.
    model64 = copy.deepcopy(model).to(torch.float64)
    l64 = model64(torch.tensor([chat_ids])).logits[0]
    d64 = model64(torch.tensor([chat_ids + chat_new[:1]])).logits[0, S]
    del model64
    f32_err = max(float((logits.double() - l64).abs().max()),
                  float((decode_logits.double() - d64).abs().max()))
    log(f"float32 vs float64 forward: max |logit diff| {f32_err:.3g} "
        f"(prefill rows + decode step)")

    tensors = check_weights(GGUFReader(str(path)), model, cfg, log)
    check_rotary(tensors, model, cfg, log)

    # Write the files.
    OUT.mkdir(parents=True, exist_ok=True)
    for f in OUT.iterdir():
        f.unlink()
    i32 = lambda v: np.asarray(v, dtype=np.int32)  # noqa: E731
    f32 = lambda t: t.detach().to(torch.float32).numpy()  # noqa: E731
    (OUT / "chat_prompt.txt").write_text(chat)
    np.save(OUT / "chat_prompt_ids.npy", i32([chat_ids]))
    np.save(OUT / "chat_greedy.npy", i32([chat_new]))
    (OUT / "chat_greedy.txt").write_text(answer + "\n")
    np.save(OUT / "chat_prefill_last_logits.npy", f32(logits[S - 1:S]))
    np.save(OUT / "chat_prefill_logits_slice.npy", f32(logits[None, :, :SLICE_VOCAB]))
    np.save(OUT / "chat_prefill_logits_top.npy", f32(top.values[None]))
    np.save(OUT / "chat_prefill_logits_top_ids.npy", i32(top.indices[None]))
    np.save(OUT / "decode_step_logits.npy", f32(decode_logits[None]))
    np.save(OUT / "text_prompt_ids.npy", i32([text_ids]))
    np.save(OUT / "text_greedy.npy", i32([text_new]))
    (OUT / "text_greedy.txt").write_text(text_out + "\n")
    (OUT / "margins.txt").write_text(
        "\n".join(summary + chat_lines + text_lines) + "\n")
    (OUT / "README.md").write_text(readme(
        versions, chat, S, V, chat_new, eos, answer, text_ids, text_new,
        text_out, summary, max_prefill, max_decode, f32_err, report))
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {OUT} ({size / 1024:.1f} KiB)")
    if size > SIZE_LIMIT:
        raise SystemExit(f"{OUT} is {size} bytes, over {SIZE_LIMIT}")

    if a.timing:
        timing(model, (chat_ids + chat_new)[:40], print)


def readme(versions, chat, S, V, chat_new, eos, answer, text_ids, text_new,
           text_out, summary, max_prefill, max_decode, f32_err, report):
    full_answer = tokenizers.Tokenizer.from_file(str(FIXED_TOKENIZER)).decode(
        chat_new, skip_special_tokens=False)
    return f"""# SmolLM2-135M-Instruct reference outputs (issue #8)

Written by `test/Integration/CPU/gen/gen_smollm2.py`; do not edit by hand.
The reference is transformers running the GGUF model
(`SmolLM2-135M-Instruct.Q4_1.gguf`, sha256 in `scripts/fetch-smollm2.sh`)
dequantized exactly by gguf-py, in float32 with eager attention, greedy.

{versions}

## Regenerate

```sh
python3 -m pip install torch transformers gguf tokenizers numpy
python3 test/Integration/CPU/gen/gen_smollm2.py \\
    --gguf "$(scripts/fetch-smollm2.sh)"
```

Token ids come from `test/Unit/Runtime/Inputs/smollm2_tokenizer/tokenizer.json`
(SmolLM2's, with its `Digits(individual_digits)` pre-tokenizer) and are
checked equal to transformers' GGUF tokenizer ids; the prompts have no
digits. No BOS is added (`tokenizer.ggml.add_bos_token` is false); the chat
template itself starts with `<|im_start|>` (id 1).

## Chat prompt

`[{{"role": "user", "content": "What is the capital of France?"}}]` through
the GGUF's chat template with `add_generation_prompt=True` (S = {S} tokens,
the template's default system prompt included), `chat_prompt.txt`:

```
{chat}```

Greedy continuation (48 tokens, generation not stopped at EOS; vocab
V = {V}): first EOS (`<|im_end|>`, id 2) at step {eos}. Answer up to it
(`chat_greedy.txt`):

> {answer}

All 48 tokens decoded: `{full_answer!r}`

## Raw-text prompt

`{TEXT_PROMPT}` = ids {text_ids}, 16 greedy tokens {text_new}:

> {text_out}

## Margins (top-1 minus top-2 logit along the greedy paths; `margins.txt`)

{chr(10).join("- " + s for s in summary)}

A greedy token compared past a step whose margin is near the logit
tolerance is not meaningful.

## Logits

max |logit|: prefill {max_prefill:.3f}, decode step {max_decode:.3f}.
The weights are the exact dequantized Q4_1/Q8_0 values, so an f32
implementation differs from this only by rounding: the same forward in
float64 differs from these float32 logits by at most {f32_err:.2g}.
Suggested tolerance for comparing f32 logits with these files:
`--atol 1e-3 --rtol 1e-4` (about 10x that rounding effect; rtol covers the
largest logits). The greedy paths are robust to it: their smallest margins
are far above 1e-4.

## GGUF Q/K rows and rotary

llama.cpp's converter permutes the rows of `attn_q` / `attn_k` within each
head (n heads: 9 for Q, 3 for K; head dim D = 64, half = 32): GGUF row
`h*D + 2*i + s` holds Hugging Face row `h*D + s*half + i` (i < half,
s in {{0, 1}}). transformers undoes it (`LlamaTensorProcessor.
_reverse_permute_weights`: `w.reshape(n, half, 2, K).swapaxes(1, 2)`) and
applies NeoX rotary (pairs `(i, i + half)`). Equivalently, keep the GGUF
rows and apply interleaved (GPT-J) rotary, rotating pairs `(2i, 2i + 1)` by
`pos * theta^(-2i/D)` (theta = 100000): Q and K of a head are permuted
alike, so every q.k score is unchanged (checked below on layer 0).

## Checks the script ran

{chr(10).join("- " + s for s in report)}
"""


if __name__ == "__main__":
    main()
