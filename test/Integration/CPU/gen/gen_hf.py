"""Tiny Hugging Face checkpoints and their transformers reference outputs.

For each family, builds a randomly initialised model with `transformers`
(the reference no one here wrote), deliberately at odd sizes (head counts,
vocab and hidden sizes that are not powers of two, GQA ratios other than
1), saves `config.json` + `model.safetensors` into ../Inputs/hf_<family>/
and records:

  prompt.npy        i32 [1, S]       the prompt ids
  logits.npy        f32 [1, S, V]    transformers' logits over the prompt
  last_logits.npy   f32 [1, V]       row S-1 of them (prefill's result)
  greedy.npy        i32 [1, N]       transformers' greedy continuation
                                     (generate(do_sample=False)), N = 32
  step1.npy         i32 [1, 1]       greedy[0, 0] (the first decode input)
  pos1.npy          i32 [1]          S (its position)
  step1_logits.npy  f32 [1, V]       logits after prompt + greedy[0, 0]
  step2.npy         i32 [1, 1]       greedy[0, 1]
  pos2.npy          i32 [1]          S + 1
  step2_logits.npy  f32 [1, V]       logits after prompt + greedy[0, :2]
  margins.txt       the smallest top-1 minus top-2 logit gap along the
                    greedy path (greedy comparisons are only meaningful when
                    it is well above the logit tolerance)

step*_logits come from full forwards over the longer sequence, so "prefill
then decode steps" is checked against "prefill of the whole sequence".

Random weights are scaled up from transformers' default initialisation
(initializer_range) so the logits have clear greedy margins.

DeepSeek-V3 (build_deepseek, the DEEPSEEK configs) is built apart: its
router's selection bias is randomised and its routing margins are judged
by DeepseekV3TopkRouter's own rule (kept groups, biased top-k).

Run: python3 test/Integration/CPU/gen/gen_hf.py   (torch + transformers)
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from safetensors.torch import save_file

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
NEW_TOKENS = 32

torch.set_grad_enabled(False)


def common(**kw):
    base = dict(
        vocab_size=97,
        hidden_size=60,
        intermediate_size=88,
        num_hidden_layers=3,
        num_attention_heads=6,
        num_key_value_heads=2,
        head_dim=10,
        max_position_embeddings=128,
        rms_norm_eps=1e-5,
        initializer_range=0.25,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=False,
    )
    base.update(kw)
    return base


FAMILIES = {
    # Llama: GQA 3:1, head_dim 10, untied head.
    "llama": (transformers.LlamaConfig, common(rope_theta=10000.0)),
    # Qwen2: q/k/v biases, tied embeddings, GQA 3:1.
    "qwen2": (transformers.Qwen2Config,
              common(tie_word_embeddings=True, rope_theta=1000000.0,
                     num_attention_heads=5, head_dim=12,
                     num_key_value_heads=1, hidden_size=60)),
    # Mistral: sliding window shorter than prompt + generation.
    "mistral": (transformers.MistralConfig,
                common(sliding_window=7, rope_theta=10000.0,
                       num_attention_heads=4, num_key_value_heads=2,
                       head_dim=16, hidden_size=64)),
    # Llama with head_dim 16 (the GPU attention kernels take head dims
    # that are multiples of 16): what the GPU session tests import.
    "llama_hd16": (transformers.LlamaConfig,
                   common(rope_theta=10000.0, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=16, hidden_size=64,
                          num_hidden_layers=2)),
    # Llama-3 RoPE scaling: original context 16 so that, at head_dim 10,
    # one frequency is interpolated and four divided by the factor 8 over
    # the 43 positions the tests see.
    "llama3": (transformers.LlamaConfig,
               common(rope_parameters=dict(
                   rope_type="llama3", rope_theta=10000.0, factor=8.0,
                   low_freq_factor=1.0, high_freq_factor=4.0,
                   original_max_position_embeddings=16))),
    # Qwen3: per-head q/k RMSNorms, head_dim 14 != hidden / heads = 10,
    # GQA 3:1, tied embeddings, the middle layer sliding (window 6).
    "qwen3": (transformers.Qwen3Config,
              common(tie_word_embeddings=True, rope_theta=1000000.0,
                     head_dim=14, use_sliding_window=True, sliding_window=6,
                     layer_types=["full_attention", "sliding_attention",
                                  "full_attention"])),
    # Gemma-2: embedding * sqrt(hidden), (1 + w) sandwich norms, GELU-tanh
    # MLP, attention scale query_pre_attn_scalar^-1/2 with head_dim 12 !=
    # hidden / heads = 15, softcaps small enough to bite, layers alternating
    # sliding (window 5) / full, tied embeddings.
    "gemma2": (transformers.Gemma2Config,
               common(tie_word_embeddings=True, rope_theta=10000.0,
                      num_attention_heads=4, num_key_value_heads=2,
                      head_dim=12, query_pre_attn_scalar=20,
                      attn_logit_softcapping=5.0,
                      final_logit_softcapping=3.0, sliding_window=5,
                      hidden_activation="gelu_pytorch_tanh",
                      pad_token_id=0)),
    # For GGUF import (gen_gguf.py converts these with llama.cpp's
    # converter): what llama.cpp's architectures express. Qwen3 with every
    # layer full (llama.cpp's qwen3 has no sliding window), and Gemma-2 with
    # query_pre_attn_scalar = head_dim (llama.cpp scales scores by
    # head_dim^-1/2 except for the 46-layer 27B).
    "qwen3_dense": (transformers.Qwen3Config,
                    common(tie_word_embeddings=True, rope_theta=1000000.0,
                           head_dim=14)),
    "gemma2_hd": (transformers.Gemma2Config,
                  common(tie_word_embeddings=True, rope_theta=10000.0,
                         num_attention_heads=4, num_key_value_heads=2,
                         head_dim=12, query_pre_attn_scalar=12,
                         attn_logit_softcapping=5.0,
                         final_logit_softcapping=3.0, sliding_window=5,
                         hidden_activation="gelu_pytorch_tanh",
                         pad_token_id=0)),
    # Half-precision checkpoints (the usual case on the Hub): weights
    # rounded to bf16 / f16 and saved so; the reference runs transformers
    # in f32 on the rounded weights, which is what seqc computes (2-byte
    # weights, f32 activations and accumulation).
    "qwen2_bf16": (transformers.Qwen2Config,
                   common(tie_word_embeddings=True, rope_theta=1000000.0,
                          num_attention_heads=5, head_dim=12,
                          num_key_value_heads=1, hidden_size=60)),
    "llama_f16": (transformers.LlamaConfig, common(rope_theta=10000.0)),
    # Linear position interpolation (positions / 4).
    "llama_linear": (transformers.LlamaConfig,
                     common(rope_parameters=dict(rope_type="linear",
                                                 rope_theta=10000.0,
                                                 factor=4.0))),
    # YaRN: original context 16 < the 43 positions the tests see; the
    # ramp between beta_fast 8 and beta_slow 1 rotations blends the
    # frequencies of head_dim 12's six pairs, and the default attention
    # factor 0.1 ln 4 + 1 scales cos and sin.
    "qwen2_yarn": (transformers.Qwen2Config,
                   common(tie_word_embeddings=True,
                          num_attention_heads=5, head_dim=12,
                          num_key_value_heads=1, hidden_size=60,
                          max_position_embeddings=64,
                          rope_parameters=dict(
                              rope_type="yarn", rope_theta=10000.0,
                              factor=4.0, beta_fast=8.0, beta_slow=1.0,
                              original_max_position_embeddings=16))),
    # Dynamic NTK RoPE: max_position_embeddings 8 < the 11-token prompt,
    # so the base grows in the prefill already and again at every decode
    # step (transformers recomputes it per call from the longest position;
    # the cached keys keep the rotation they got).
    "llama_dynamic": (transformers.LlamaConfig,
                      common(max_position_embeddings=8,
                             rope_parameters=dict(rope_type="dynamic",
                                                  rope_theta=10000.0,
                                                  factor=2.0))),
    # Mixtral: 5 experts, top-2 renormalised, per-expert w1/w2/w3 tensors,
    # Mistral's sliding window (9, shorter than prompt + generation).
    "mixtral": (transformers.MixtralConfig,
                common(num_hidden_layers=2, intermediate_size=40,
                       num_local_experts=5, num_experts_per_tok=2,
                       sliding_window=9, rope_theta=1000000.0)),
    # Qwen2-MoE: 6 experts, top-3 not renormalised (norm_topk_prob false),
    # a sigmoid-gated shared expert, q/k/v biases, GQA 5:1, layer 1 dense
    # (mlp_only_layers) so two layer kinds, tied embeddings.
    "qwen2_moe": (transformers.Qwen2MoeConfig,
                  common(num_attention_heads=5, head_dim=12,
                         num_key_value_heads=1, intermediate_size=44,
                         moe_intermediate_size=26,
                         shared_expert_intermediate_size=34, num_experts=6,
                         num_experts_per_tok=3, norm_topk_prob=False,
                         decoder_sparse_step=1, mlp_only_layers=[1],
                         tie_word_embeddings=True, rope_theta=1000000.0)),
    # Mamba: hidden 36, expand 2 (72 channels), d_state 6, time_step_rank
    # "auto" (ceil(36 / 16) = 3), conv kernel 4 with bias, tied embeddings.
    "mamba": (transformers.MambaConfig,
              dict(vocab_size=97, hidden_size=36, state_size=6,
                   num_hidden_layers=3, expand=2, conv_kernel=4,
                   time_step_rank="auto", use_conv_bias=True,
                   layer_norm_epsilon=1e-5, initializer_range=0.3,
                   residual_in_fp32=True, bos_token_id=1, eos_token_id=2,
                   pad_token_id=0, tie_word_embeddings=True)),
    # Mamba, the other options: in_proj/out_proj biases, no conv bias, conv
    # kernel 3, explicit time_step_rank 5, expand 3 (90 channels), untied
    # head.
    "mamba_bias": (transformers.MambaConfig,
                   dict(vocab_size=97, hidden_size=30, state_size=4,
                        num_hidden_layers=3, expand=3, conv_kernel=3,
                        time_step_rank=5, use_bias=True, use_conv_bias=False,
                        layer_norm_epsilon=1e-5, initializer_range=0.3,
                        residual_in_fp32=True, bos_token_id=1,
                        eos_token_id=2, pad_token_id=0,
                        tie_word_embeddings=False)),
    # Mamba-2: 6 heads of 12 in 2 groups (grouped B/C and grouped gated
    # RMSNorm), d_state 5, chunk size 4 (transformers' chunked scan over
    # several chunks of the 11-token prompt), conv over x, B and C, untied
    # head.
    "mamba2": (transformers.Mamba2Config,
               dict(vocab_size=97, hidden_size=36, state_size=5,
                    num_hidden_layers=3, expand=2, num_heads=6, head_dim=12,
                    n_groups=2, conv_kernel=4, chunk_size=4,
                    use_conv_bias=True, layer_norm_epsilon=1e-5,
                    initializer_range=0.3, residual_in_fp32=True,
                    bos_token_id=1, eos_token_id=2, pad_token_id=0,
                    tie_word_embeddings=False)),
    # Mamba-2 with the d_state of the usual checkpoints' smaller end (64:
    # more than a CUDA warp, so the GPU scan kernel holds several state
    # elements per lane), otherwise the mamba2 config above.
    "mamba2_n64": (transformers.Mamba2Config,
                   dict(vocab_size=97, hidden_size=36, state_size=64,
                        num_hidden_layers=3, expand=2, num_heads=6,
                        head_dim=12, n_groups=2, conv_kernel=4, chunk_size=4,
                        use_conv_bias=True, layer_norm_epsilon=1e-5,
                        initializer_range=0.3, residual_in_fp32=True,
                        bos_token_id=1, eos_token_id=2, pad_token_id=0,
                        tie_word_embeddings=False)),
    # Jamba: 5 layers, attention (no positional embedding, GQA 3:1,
    # head_dim 6) at layers 1 and 3 (attn_layer_period 2, offset 1), Mamba
    # mixers with dt/B/C RMSNorms at 0, 2, 4 (72 channels, d_state 6,
    # dt_rank "auto" = 3, conv kernel 4 with bias); MoE (5 experts, top-2
    # of the softmax, not renormalised) at layers 0 and 3
    # (expert_layer_period 3, offset 0), dense MLPs elsewhere: all four
    # mixer x MLP combinations, layers 2 and 4 identical.
    "jamba": (transformers.JambaConfig,
              dict(vocab_size=97, hidden_size=36, intermediate_size=28,
                   num_hidden_layers=5, num_attention_heads=6,
                   num_key_value_heads=2, attn_layer_period=2,
                   attn_layer_offset=1, expert_layer_period=3,
                   expert_layer_offset=0, num_experts=5,
                   num_experts_per_tok=2, mamba_d_state=6, mamba_d_conv=4,
                   mamba_expand=2, mamba_dt_rank="auto",
                   mamba_conv_bias=True, mamba_proj_bias=False,
                   max_position_embeddings=128, rms_norm_eps=1e-5,
                   initializer_range=0.25, bos_token_id=1, eos_token_id=2,
                   pad_token_id=0, tie_word_embeddings=False)),
    # RecurrentGemma: 4 layers cycling recurrent, recurrent, attention (two
    # layer kinds, layers 0, 1 and 3 identical); RG-LRU of width 54 in 6
    # blocks of 9 (block-diagonal gates), conv width 4; local attention
    # over a window of 5 keys (shorter than prompt + generation), GQA 3:1,
    # head_dim 8 with partial RoPE over its first 4 channels; GELU-tanh MLP
    # of width 30 with biases; (1 + w) norms; embedding times
    # bf16(sqrt(48)) = 6.9375; logits soft-capped at 10; tied embeddings;
    # initialisation variance 4 (transformers' 0.01 gives flat logits).
    "recurrent_gemma": (transformers.RecurrentGemmaConfig,
                        dict(vocab_size=97, hidden_size=48,
                             intermediate_size=60, num_hidden_layers=4,
                             num_attention_heads=6, num_key_value_heads=2,
                             lru_width=54, attention_window_size=5,
                             conv1d_width=4, logits_soft_cap=10.0,
                             block_types=["recurrent", "recurrent",
                                          "attention"],
                             rms_norm_eps=1e-5, w_init_variance_scale=4.0,
                             rope_parameters=dict(
                                 rope_type="default", rope_theta=10000.0,
                                 partial_rotary_factor=0.5),
                             bos_token_id=2, eos_token_id=1, pad_token_id=0,
                             tie_word_embeddings=True)),
}

# bf16 checkpoints of the other families (the usual case on the Hub): the
# same configs, weights rounded to bf16 and saved so; the reference is
# transformers' float32 run of the saved checkpoint loaded back with
# dtype=torch.float32 (from_pretrained), which is what seqc computes:
# 2-byte weights, f32 activations and accumulation.
BF16_VARIANTS = ["mixtral", "qwen2_moe", "mamba", "mamba2", "jamba",
                 "recurrent_gemma", "llama", "mistral", "qwen3", "gemma2"]
for _name in BF16_VARIANTS:
    FAMILIES[_name + "_bf16"] = FAMILIES[_name]


def base_family(family: str) -> str:
    """The family a bf16 variant copies (mixtral_bf16 -> mixtral)."""
    return family[:-len("_bf16")] if family.endswith("_bf16") else family


# MoE families: their routers' logits are recorded to check that every
# top-k choice is clear (the k-th and (k+1)-th router logits apart), and
# the checkpoint is written by save_pretrained, which stores each expert's
# weights as their own tensors (transformers 5 fuses them in memory).
MOE = {"mixtral", "qwen2_moe", "jamba"}
MIN_ROUTE_GAP = 1e-3
# Routers are scaled up from the initialisation so that routing choices
# along the 32-token greedy path are clear too.
ROUTER_SCALE = 3.0

# transformers initialises RMSNorm weights to a constant (ones; zeros for
# Gemma's (1 + w) norms); these families get random ones so that every
# norm, per-head q/k norms included, changes the logits.
RANDOM_NORMS = {"qwen3": 1.0, "gemma2": 0.0, "qwen3_dense": 1.0,
                "gemma2_hd": 0.0, "mamba": 1.0, "mamba_bias": 1.0,
                "mamba2": 1.0, "mamba2_n64": 1.0, "jamba": 1.0,
                "recurrent_gemma": 0.0}


# Families whose f32 logits are sensitive to rounding (Jamba: RMSNorms of
# the 3-wide dt and 6-wide B/C feed exponentials): the seed must also give
# transformers' f32 prompt logits within this of its own f64 run, so that
# an f32 implementation rounding differently still meets 1e-4.
F64_CHECK = {"jamba": 3e-5}


def rounding_error(model, prompt) -> float:
    """max |logits_f32 - logits_f64| of transformers over `prompt`."""
    f32 = model(prompt).logits
    model.double()
    f64 = model(prompt).logits
    model.float()
    return float((f32.double() - f64).abs().max())


# Families whose greedy path must not settle into a repeated token early:
# at least this many distinct tokens (RecurrentGemma's first seeds loop
# on one token, which says little about the decode state).
MIN_DISTINCT = {"recurrent_gemma": 10}


# Families saved in half precision.
HALF = {"qwen2_bf16": torch.bfloat16, "llama_f16": torch.float16,
        **{name + "_bf16": torch.bfloat16 for name in BF16_VARIANTS},
        "deepseek_v3_bf16": torch.bfloat16}


def reload_f32(out: Path, config_kw: dict):
    """The checkpoint saved in `out` loaded back in float32, as a user
    loading a bf16 checkpoint with dtype=torch.float32 gets it."""
    extra = {"experts_implementation": "eager"} if config_kw.get(
        "num_experts_per_tok") else {}
    model = transformers.AutoModelForCausalLM.from_pretrained(
        out, dtype=torch.float32, attn_implementation="eager", **extra)
    model.eval()
    return model


def margin(logits: torch.Tensor) -> float:
    top = torch.topk(logits, 2, dim=-1).values
    return float((top[..., 0] - top[..., 1]).min())


def make_model(config_cls, kw: dict, seed: int, norm_mean=None):
    torch.manual_seed(seed)
    config = config_cls(**kw)
    # Eager experts: the grouped-mm kernel needs 16-byte strides, which
    # the odd sizes do not have.
    extra = {"experts_implementation": "eager"} if kw.get(
        "num_experts_per_tok") else {}
    model = transformers.AutoModelForCausalLM.from_config(
        config, dtype=torch.float32, attn_implementation="eager", **extra)
    model.eval()
    # Biases are zero-initialised by transformers; make them matter.
    for name, p in model.named_parameters():
        if name.endswith(("mlp.gate.weight", "feed_forward.router.weight")):
            p.mul_(ROUTER_SCALE)
        if name.endswith((".bias", ".dt_bias", "_gate_bias")):
            p.normal_(0.0, 0.5)
        elif name.endswith(".A_log"):
            # S4D-real init (log 1..N) plus noise, as trained models drift.
            p.add_(torch.empty_like(p).uniform_(-0.3, 0.3))
        elif name.endswith(".D"):
            p.normal_(1.0, 0.3)
        elif norm_mean is not None and "norm" in name:
            p.normal_(norm_mean, 0.3)
    return config, model


def round_to(model, dtype):
    """Rounds every weight to `dtype`, keeping the f32 model."""
    for p in model.parameters():
        p.copy_(p.to(dtype).to(torch.float32))


def route_gap(model, config, tokens) -> float:
    """The smallest gap between the k-th and (k+1)-th router logit over
    every token and MoE layer of a forward over `tokens`."""
    gaps = []

    def hook(module, args, output):
        logits = output[0] if isinstance(output, tuple) else output
        # Softmax is monotone: the choice is decided by the logits' order.
        top = torch.sort(logits.float(), dim=-1, descending=True).values
        k = config.num_experts_per_tok
        gaps.append(float((top[:, k - 1] - top[:, k]).min()))

    handles = [m.register_forward_hook(hook)
               for name, m in model.named_modules()
               if (name.endswith(".gate") or name.endswith(".router"))
               and "experts" not in name and "shared" not in name]
    assert handles, "no routers found"
    model(tokens)
    for h in handles:
        h.remove()
    return min(gaps)


def greedy_path(model, config, new_tokens=NEW_TOKENS):
    gen = torch.Generator().manual_seed(7)
    prompt = torch.randint(3, config.vocab_size, (1, 11), generator=gen)
    greedy = model.generate(prompt, do_sample=False, max_new_tokens=new_tokens,
                            min_new_tokens=new_tokens, eos_token_id=None,
                            pad_token_id=0)[:, prompt.shape[1]:]
    full = torch.cat([prompt, greedy], dim=1)
    full_logits = model(full).logits
    S = prompt.shape[1]
    path = full_logits[0, S - 1:S - 1 + new_tokens]
    return prompt, greedy, full_logits, margin(path)


# Dynamic NTK RoPE: transformers' rotary embedding recomputes its
# frequencies in each forward from the call's longest position and keeps
# the largest so far between calls (max_seq_len_cached), so a full forward
# over prompt + continuation is not what generate() computed: the
# references come from generate()'s own logits (prefill, then one call per
# token), each run from the initial state.
DYNAMIC = {"llama_dynamic"}


def reset_rope(model):
    """The rotary embeddings' state as from_config left it."""
    for m in model.modules():
        if hasattr(m, "original_inv_freq") and hasattr(m, "max_seq_len_cached"):
            m.register_buffer("inv_freq", m.original_inv_freq.clone(),
                              persistent=False)
            m.max_seq_len_cached = m.original_max_seq_len


def greedy_path_cached(model, config, new_tokens=NEW_TOKENS):
    """generate()'s greedy tokens and its logits per step ([N, V]: row k
    after the prompt and the first k tokens, computed by a decode call)."""
    gen = torch.Generator().manual_seed(7)
    prompt = torch.randint(3, config.vocab_size, (1, 11), generator=gen)
    reset_rope(model)
    out = model.generate(prompt, do_sample=False, max_new_tokens=new_tokens,
                         min_new_tokens=new_tokens, eos_token_id=None,
                         pad_token_id=0, output_logits=True,
                         return_dict_in_generate=True)
    greedy = out.sequences[:, prompt.shape[1]:]
    steps = torch.cat(out.logits, 0).float()
    return prompt, greedy, steps, margin(steps)


MIN_MARGIN = 0.05
# Jamba's 32-token greedy paths rarely keep 0.05 together with its other
# conditions (seeds 0..2 of the f32 model: 0.022, 0.004, 0.038); 0.03 is
# still over 1000 times its logit error (2e-5, see F64_CHECK).
MIN_MARGIN_OF = {"jamba": 0.03}


def build(family: str, config_cls, kw: dict):
    # The first seed (from a fixed list) whose greedy path has a clear
    # margin, so greedy comparisons are not decided by rounding.
    kind = base_family(family)
    half = HALF.get(family)
    new_tokens = NEW_TOKENS
    for seed in range(20261130, 20261130 + 50):
        config, model = make_model(config_cls, kw, seed,
                                   RANDOM_NORMS.get(kind))
        if half is not None:
            round_to(model, half)
        path_of = greedy_path_cached if kind in DYNAMIC else greedy_path
        prompt, greedy, _, m = path_of(model, config, new_tokens)
        gap = (route_gap(model, config, torch.cat([prompt, greedy], 1))
               if kind in MOE else 1.0)
        rounding = (rounding_error(model, prompt)
                    if kind in F64_CHECK else 0.0)
        if (m > MIN_MARGIN_OF.get(kind, MIN_MARGIN) and gap > MIN_ROUTE_GAP
                and rounding < F64_CHECK.get(kind, 1.0)
                and len(set(greedy[0].tolist())) >= MIN_DISTINCT.get(kind, 0)
                and config.eos_token_id not in greedy[0].tolist()):
            break
    else:
        raise SystemExit(f"{family}: no seed with a greedy margin")
    out = INPUTS / f"hf_{family}"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.iterdir():
        f.unlink()
    if kind in MOE:
        if half is not None:
            model.to(half)
        model.save_pretrained(out)
        (out / "generation_config.json").unlink(missing_ok=True)
    else:
        if half is not None:
            model.config.dtype = half
        model.config.save_pretrained(out)
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        if half is not None:
            state = {k: v.to(half) for k, v in state.items()}
        if config.tie_word_embeddings:
            state.pop("lm_head.weight", None)
        save_file(state, out / "model.safetensors",
                  metadata={"format": "pt"})
    if half is not None and family not in ("qwen2_bf16", "llama_f16"):
        # The reference: the saved checkpoint loaded back in float32 (its
        # buffers rounded too), with the same clear margins.
        model = reload_f32(out, kw)
        config = model.config

    if kind in DYNAMIC:
        build_dynamic(out, family, seed, model, config, new_tokens)
        return
    prompt, greedy, full_logits, m = greedy_path(model, config, new_tokens)
    if kind in MOE:
        gap = route_gap(model, config, torch.cat([prompt, greedy], 1))
        assert gap > MIN_ROUTE_GAP, family
    if kind in F64_CHECK:
        rounding = rounding_error(model, prompt)
        assert rounding < F64_CHECK[kind], family
    assert m > MIN_MARGIN_OF.get(kind, MIN_MARGIN), family
    logits = model(prompt).logits
    assert greedy.shape[1] == new_tokens
    S = prompt.shape[1]
    # The greedy path must be the argmax of full-sequence logits (a check
    # of transformers' cache against itself) and have clear margins.
    path = full_logits[0, S - 1:S - 1 + new_tokens]
    assert torch.equal(path.argmax(-1), greedy[0]), family
    eos = config.eos_token_id
    assert eos not in greedy[0].tolist(), f"{family}: EOS in greedy path"

    def save(name, t, dtype):
        np.save(out / f"{name}.npy", t.numpy().astype(dtype))

    save("prompt", prompt, np.int32)
    save("logits", logits, np.float32)
    save("last_logits", logits[:, -1], np.float32)
    save("greedy", greedy, np.int32)
    for k in (1, 2):
        save(f"step{k}", greedy[:, k - 1:k], np.int32)
        save(f"pos{k}", torch.tensor([S + k - 1]), np.int32)
        save(f"step{k}_logits", full_logits[:, S + k - 1], np.float32)
    (out / "margins.txt").write_text(
        f"seed {seed}\n"
        f"smallest greedy top-1/top-2 logit gap: {m:.4f}\n"
        f"largest |logit|: {float(full_logits.abs().max()):.3f}\n"
        + (f"smallest router gap (k-th - (k+1)-th logit): {gap:.4f}\n"
           if kind in MOE else "")
        + (f"transformers f32 vs f64 prompt logits: {rounding:.2e}\n"
           if kind in F64_CHECK else "")
        + (f"weights saved as {str(half).removeprefix('torch.')}; reference: "
           f"transformers in float32 on them\n" if half is not None else "") +
        f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(f"{family}: margin {m:.4f}, |logit| max "
          f"{float(full_logits.abs().max()):.2f}, files in {out}")


def build_dynamic(out, family, seed, model, config, new_tokens):
    """The goldens of a dynamic-RoPE checkpoint (saved in `out`) from
    generate()'s cached path: step*_logits are its decode calls' logits,
    not a full forward's."""
    prompt, greedy, steps, m = greedy_path_cached(model, config, new_tokens)
    assert m > MIN_MARGIN, family
    assert torch.equal(steps.argmax(-1), greedy[0]), family
    assert config.eos_token_id not in greedy[0].tolist(), family
    reset_rope(model)
    logits = model(prompt).logits
    # generate()'s prefill is this forward.
    assert torch.allclose(logits[0, -1], steps[0], atol=1e-5), family
    S = prompt.shape[1]
    # Evidence that the scaling is active and per call: the prompt's logits
    # with the unscaled frequencies (a state that never grows), and a full
    # forward over prompt + continuation (one L for every key) against the
    # cached path.
    reset_rope(model)
    for mod in model.modules():
        if hasattr(mod, "max_seq_len_cached"):
            mod.max_seq_len_cached = 1 << 30
    unscaled = model(prompt).logits
    reset_rope(model)
    full = model(torch.cat([prompt, greedy], 1)).logits
    reset_rope(model)
    static_diff = float((logits - unscaled).abs().max())
    full_diff = float((full[0, S - 1:S - 1 + new_tokens] - steps).abs().max())

    def save(name, t, dtype):
        np.save(out / f"{name}.npy", t.numpy().astype(dtype))

    save("prompt", prompt, np.int32)
    save("logits", logits, np.float32)
    save("last_logits", logits[:, -1], np.float32)
    save("greedy", greedy, np.int32)
    for k in (1, 2):
        save(f"step{k}", greedy[:, k - 1:k], np.int32)
        save(f"pos{k}", torch.tensor([S + k - 1]), np.int32)
        save(f"step{k}_logits", steps[k:k + 1], np.float32)
    (out / "margins.txt").write_text(
        f"seed {seed}\n"
        f"smallest greedy top-1/top-2 logit gap: {m:.4f}\n"
        f"largest |logit|: {float(steps.abs().max()):.3f}\n"
        f"prompt logits, dynamic vs unscaled frequencies: {static_diff:.4f}\n"
        f"greedy-path logits, generate() vs one full forward: "
        f"{full_diff:.4f}\n"
        "step*_logits: generate()'s decode calls (output_logits)\n"
        f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(f"{family}: margin {m:.4f}, dynamic vs unscaled {static_diff:.4f}, "
          f"full forward vs cached {full_diff:.4f}, files in {out}")


# ---------------------------------------------------------------------------
# DeepSeek-V3 (multi-head latent attention, sigmoid grouped routing with a
# selection bias, shared experts, dense first layers). Kept apart from the
# other families: its router is judged by its own selection rule.
# ---------------------------------------------------------------------------

def deepseek_common(**kw):
    base = dict(
        vocab_size=97, hidden_size=60, intermediate_size=88,
        moe_intermediate_size=26, num_hidden_layers=3,
        first_k_dense_replace=1, num_attention_heads=5,
        num_key_value_heads=5, kv_lora_rank=14, q_lora_rank=22,
        qk_rope_head_dim=6, qk_nope_head_dim=10, v_head_dim=12,
        n_routed_experts=8, n_group=4, topk_group=2, num_experts_per_tok=3,
        n_shared_experts=2, routed_scaling_factor=2.5, norm_topk_prob=True,
        rope_interleave=True, max_position_embeddings=64, rms_norm_eps=1e-5,
        initializer_range=0.25, bos_token_id=1, eos_token_id=2,
        pad_token_id=0, tie_word_embeddings=False, num_mtp_layers=0)
    base.update(kw)
    return base


DEEPSEEK = {
    # q LoRA (q_a_proj, q_a_layernorm, q_b_proj), DeepSeek's interleaved
    # rotary, 8 experts in 4 groups (2 groups kept), top-3 renormalised
    # and scaled by 2.5, two shared experts, layer 0 dense. YaRN with an
    # original context of 16 < the 43 positions the tests see, mscale 0.9
    # != mscale_all_dim 0.7 (cos/sin scaled by their ratio, the softmax
    # scale by mscale_all_dim's factor squared). attention_bias: biases on
    # q_a_proj, kv_a_proj_with_mqa and o_proj.
    "deepseek_v3": deepseek_common(attention_bias=True, rope_parameters=dict(
        rope_type="yarn", rope_theta=10000.0, factor=4.0, beta_fast=8.0,
        beta_slow=1.0, mscale=0.9, mscale_all_dim=0.7,
        original_max_position_embeddings=16)),
    # Plain q_proj (q_lora_rank null), half-rotation rotary
    # (rope_interleave false), weights not renormalised, one group, one
    # shared expert, two dense layers out of four.
    "deepseek_v3_noqlora": deepseek_common(
        q_lora_rank=None, rope_interleave=False, norm_topk_prob=False,
        n_group=1, topk_group=1, n_shared_experts=1, num_hidden_layers=4,
        first_k_dense_replace=2, routed_scaling_factor=1.5,
        num_attention_heads=3, num_key_value_heads=3, qk_nope_head_dim=8,
        v_head_dim=9,
        rope_parameters=dict(rope_type="default", rope_theta=1000.0)),
}
# bf16 checkpoint of the first (as the other families' bf16 variants).
DEEPSEEK["deepseek_v3_bf16"] = DEEPSEEK["deepseek_v3"]
# e_score_correction_bias: a buffer transformers initialises to zeros; a
# random one (scores are in (0, 1)) makes selection differ from weights.
DEEPSEEK_BIAS_STD = 0.15


def deepseek_route_gap(model, config, tokens) -> float:
    """The smallest margin deciding any routing choice of a forward over
    `tokens` (DeepseekV3TopkRouter's rule): the kept groups (sum of each
    group's two best biased scores) and the top-k among their experts."""
    gaps = []
    E, G = config.n_routed_experts, config.n_group
    Kg, K = config.topk_group, config.num_experts_per_tok

    def hook(module, args, output):
        logits = output[0].double()
        choice = logits.sigmoid() + module.e_score_correction_bias.double()
        gs = choice.view(-1, G, E // G).topk(2, dim=-1).values.sum(-1)
        srt = gs.sort(dim=-1, descending=True).values
        if Kg < G:
            gaps.append(float((srt[:, Kg - 1] - srt[:, Kg]).min()))
        keep = torch.zeros_like(gs, dtype=torch.bool)
        keep.scatter_(1, gs.topk(Kg, dim=-1).indices, True)
        mask = keep.unsqueeze(-1).expand(-1, G, E // G).reshape(-1, E)
        sel = choice.masked_fill(~mask, float("-inf"))
        top = sel.sort(dim=-1, descending=True).values
        gaps.append(float((top[:, K - 1] - top[:, K]).min()))

    handles = [m.register_forward_hook(hook)
               for name, m in model.named_modules()
               if name.endswith("mlp.gate")]
    assert handles, "no routers found"
    model(tokens)
    for h in handles:
        h.remove()
    return min(gaps)


def build_deepseek(family: str, kw: dict):
    """As build() for the DeepSeek-V3 configs: a seed with clear greedy
    and routing margins, save_pretrained (per-expert tensors), goldens."""
    half = HALF.get(family)
    new_tokens = NEW_TOKENS
    for seed in range(20261130, 20261130 + 50):
        config, model = make_model(transformers.DeepseekV3Config, kw, seed,
                                   norm_mean=1.0)
        g = torch.Generator().manual_seed(seed)
        for name, buf in model.named_buffers():
            if name.endswith("e_score_correction_bias"):
                buf.copy_(torch.randn(buf.shape, generator=g)
                          * DEEPSEEK_BIAS_STD)
                if half is not None:
                    buf.copy_(buf.to(half).to(torch.float32))
        if half is not None:
            round_to(model, half)
        prompt, greedy, _, m = greedy_path(model, config, new_tokens)
        gap = deepseek_route_gap(model, config, torch.cat([prompt, greedy],
                                                          1))
        if (m > MIN_MARGIN and gap > MIN_ROUTE_GAP
                and config.eos_token_id not in greedy[0].tolist()):
            break
    else:
        raise SystemExit(f"{family}: no seed with clear margins")
    out = INPUTS / f"hf_{family}"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.iterdir():
        f.unlink()
    if half is not None:
        model.to(half)
    model.save_pretrained(out)
    (out / "generation_config.json").unlink(missing_ok=True)
    if half is not None:
        model = reload_f32(out, kw)
        config = model.config

    prompt, greedy, full_logits, m = greedy_path(model, config, new_tokens)
    gap = deepseek_route_gap(model, config, torch.cat([prompt, greedy], 1))
    assert m > MIN_MARGIN and gap > MIN_ROUTE_GAP, family
    logits = model(prompt).logits
    S = prompt.shape[1]
    path = full_logits[0, S - 1:S - 1 + new_tokens]
    assert torch.equal(path.argmax(-1), greedy[0]), family

    def save(name, t, dtype):
        np.save(out / f"{name}.npy", t.numpy().astype(dtype))

    save("prompt", prompt, np.int32)
    save("logits", logits, np.float32)
    save("last_logits", logits[:, -1], np.float32)
    save("greedy", greedy, np.int32)
    for k in (1, 2):
        save(f"step{k}", greedy[:, k - 1:k], np.int32)
        save(f"pos{k}", torch.tensor([S + k - 1]), np.int32)
        save(f"step{k}_logits", full_logits[:, S + k - 1], np.float32)
    (out / "margins.txt").write_text(
        f"seed {seed}\n"
        f"smallest greedy top-1/top-2 logit gap: {m:.4f}\n"
        f"largest |logit|: {float(full_logits.abs().max()):.3f}\n"
        f"smallest routing gap (groups, k-th - (k+1)-th biased score): "
        f"{gap:.4f}\n"
        + (f"weights saved as {str(half).removeprefix('torch.')}; reference: "
           f"transformers in float32 on them\n" if half is not None else "")
        + f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(f"{family}: seed {seed}, margin {m:.4f}, route gap {gap:.4f}, "
          f"files in {out}")


def main(argv):
    names = argv or list(FAMILIES) + list(DEEPSEEK)
    for name in names:
        if name in DEEPSEEK:
            build_deepseek(name, DEEPSEEK[name])
            continue
        cls, kw = FAMILIES[name]
        build(name, cls, kw)


if __name__ == "__main__":
    main(sys.argv[1:])
