#!/usr/bin/env python3
"""A random-weight model with the exact config of a published checkpoint,
written twice from the same tensors: a Hugging Face directory (config.json +
model.safetensors, f32) for transformers and seqc, and an f32 GGUF for
llama.cpp (llama.cpp's own tensor names and Q/K row order, as its
convert_hf_to_gguf.py writes them). Nothing is downloaded.

  python3 bench/make_config_model.py --config qwen2.5-0.5b --out /tmp/qwen05
  python3 bench/make_config_model.py --config llama-3.2-1b --out /tmp/llama1b

The GGUF has a placeholder vocabulary (SentencePiece-style tokens "<i>"):
the benchmarks feed token ids, never text. Weights: transformers' own
initialisation (normal, std = initializer_range) from torch.manual_seed(0).
"""

import argparse
import json
import math
from pathlib import Path

# The configs as published on the Hugging Face hub (config.json of
# Qwen/Qwen2.5-0.5B-Instruct and meta-llama/Llama-3.2-1B-Instruct).
CONFIGS = {
    "qwen2.5-0.5b": dict(
        architectures=["Qwen2ForCausalLM"], model_type="qwen2",
        hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
        num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
        max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1e6,
        tie_word_embeddings=True, hidden_act="silu", use_sliding_window=False,
        bos_token_id=151643, eos_token_id=151645, torch_dtype="float32"),
    "llama-3.2-1b": dict(
        architectures=["LlamaForCausalLM"], model_type="llama",
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
        num_attention_heads=32, num_key_value_heads=8, head_dim=64,
        vocab_size=128256, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_theta=500000.0, tie_word_embeddings=True, hidden_act="silu",
        attention_bias=False, mlp_bias=False,
        rope_scaling=dict(factor=32.0, high_freq_factor=4.0,
                          low_freq_factor=1.0,
                          original_max_position_embeddings=8192,
                          rope_type="llama3"),
        bos_token_id=128000, eos_token_id=128009, torch_dtype="float32"),
}


def llama3_rope_factors(cfg):
    """rope_freqs.weight as llama.cpp's converter computes it."""
    rs = cfg["rope_scaling"]
    dim = cfg.get("head_dim",
                  cfg["hidden_size"] // cfg["num_attention_heads"])
    base = cfg["rope_theta"]
    factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    out = []
    for i in range(0, dim, 2):
        freq = 1.0 / (base ** (i / dim))
        wavelen = 2 * math.pi / freq
        if wavelen < old / hi:
            out.append(1.0)
        elif wavelen > old / lo:
            out.append(factor)
        else:
            smooth = (old / wavelen - lo) / (hi - lo)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return out


def permute_qk(w, n_head):
    """HF's rotate-half row order -> GGUF llama's interleaved pairs."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def write_gguf(cfg, state, path):
    import gguf
    import numpy as np
    arch = cfg["model_type"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim", cfg["hidden_size"] // nh)
    w = gguf.GGUFWriter(str(path), arch)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(nh)
    w.add_head_count_kv(nkv)
    w.add_rope_dimension_count(hd)
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_vocab_size(cfg["vocab_size"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    n = cfg["vocab_size"]
    w.add_token_list([f"<{i}>".encode() for i in range(n)])
    w.add_token_scores([0.0] * n)
    w.add_token_types([gguf.TokenType.NORMAL] * n)
    w.add_bos_token_id(cfg["bos_token_id"])
    w.add_eos_token_id(cfg["eos_token_id"])
    if cfg.get("rope_scaling"):
        w.add_tensor("rope_freqs.weight",
                     np.array(llama3_rope_factors(cfg), dtype=np.float32))

    def put(name, t):
        w.add_tensor(name, np.ascontiguousarray(t.float().numpy()))

    put("token_embd.weight", state["model.embed_tokens.weight"])
    put("output_norm.weight", state["model.norm.weight"])
    if not cfg["tie_word_embeddings"]:
        put("output.weight", state["lm_head.weight"])
    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down",
             "input_layernorm": "attn_norm",
             "post_attention_layernorm": "ffn_norm"}
    for i in range(cfg["num_hidden_layers"]):
        for hf, gg in names.items():
            for kind in ("weight", "bias"):
                key = f"model.layers.{i}.{hf}.{kind}"
                if key not in state:
                    continue
                t = state[key]
                if arch == "llama" and hf == "self_attn.q_proj":
                    t = permute_qk(t, nh)
                if arch == "llama" and hf == "self_attn.k_proj":
                    t = permute_qk(t, nkv)
                put(f"blk.{i}.{gg}.{kind}", t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import torch
    import transformers
    from safetensors.torch import save_file

    cfg = CONFIGS[args.config]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    hf_cfg = transformers.AutoConfig.for_model(**cfg)
    model = transformers.AutoModelForCausalLM.from_config(
        hf_cfg, dtype=torch.float32)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if cfg["tie_word_embeddings"]:
        state.pop("lm_head.weight", None)
    save_file(state, str(out / "model.safetensors"),
              metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    (out / "generation_config.json").write_text(json.dumps(
        {"bos_token_id": cfg["bos_token_id"],
         "eos_token_id": cfg["eos_token_id"]}, indent=2) + "\n")
    write_gguf(cfg, state, out / "model-f32.gguf")
    print(out)


if __name__ == "__main__":
    main()
