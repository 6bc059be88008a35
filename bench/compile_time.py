#!/usr/bin/env python3
"""Compile time of imported models at real sizes, no weights needed.

Writes a Hugging Face-style directory per shape: config.json and a
header-only model.safetensors (the tensor table the importer checks, with
no data behind it: seqc reads only headers), then times
`seqc DIR --target=cpu -o out.seqpkg` (best wall-clock and best CPU
time of --reps runs: the machines are shared) and reports the
number of layer functions in the imported graph and the artifact's size.
--layers N builds every shape with N layers instead (compile time and
artifact size should not grow with depth).

  python3 bench/compile_time.py [--seqc build/bin/seqc] [--reps 3] [--layers N]
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

SHAPES = {
    # name: (model_type, vocab, hidden, intermediate, layers, heads, kv heads)
    "llama2-7b": ("llama", 32000, 4096, 11008, 32, 32, 32),
    "smollm2-135m": ("llama", 49152, 576, 1536, 30, 9, 3),
    "qwen2.5-0.5b": ("qwen2", 151936, 896, 4864, 24, 14, 2),
    # Mamba-130m's widths at 64 layers (d_state 16, expand 2, conv 4).
    "mamba-64l": ("mamba", 50280, 768, 1536, 64, None, None),
    # Mamba2-130m-shaped: 24 heads of 64, 1 group, d_state 128.
    "mamba2-130m": ("mamba2", 50288, 768, 1536, 24, 24, 1),
    # DeepSeek-V3 (671B) at its real sizes: MLA (q LoRA 1536, latent 512,
    # rotary 64, nope 128, value 128), 3 dense layers, then 58 MoE layers
    # of 256 experts (8 groups, top-8) and one shared expert.
    "deepseek-v3": ("deepseek_v3", 129280, 7168, 18432, 61, 128, 128),
    # Jamba-v0.1 (52B) at its real sizes: transformers' JambaConfig
    # defaults (attention every 8th layer from 4, 16 experts top-2 every
    # 2nd layer from 1, Mamba d_state 16); the tensor table comes from
    # transformers' model on the meta device (needs torch + transformers).
    "jamba-v0.1": ("jamba", 65536, 4096, 14336, 32, 32, 8),
}


def jamba_tensors(shape):
    """config.json and tensor shapes of a Jamba checkpoint (transformers'
    JambaForCausalLM built on the meta device: names and shapes only)."""
    import torch
    from transformers import JambaConfig, JambaForCausalLM
    _, vocab, hidden, inter, layers, heads, kv = shape
    cfg = JambaConfig(vocab_size=vocab, hidden_size=hidden,
                      intermediate_size=inter, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv,
                      max_position_embeddings=4096)
    with torch.device("meta"):
        model = JambaForCausalLM(cfg)
    tensors = {}
    for n, t in model.state_dict().items():
        # In memory transformers fuses the experts; save_pretrained (and
        # the importer) use one tensor per expert and projection.
        if n.endswith("experts.gate_up_proj"):
            e, f2, h = t.shape
            for i in range(e):
                for proj in ("gate_proj", "up_proj"):
                    tensors[n[:-len("gate_up_proj")] +
                            f"{i}.{proj}.weight"] = [f2 // 2, h]
        elif n.endswith("experts.down_proj"):
            for i in range(t.shape[0]):
                tensors[n[:-len("down_proj")] + f"{i}.down_proj.weight"] = \
                    list(t.shape[1:])
        else:
            tensors[n] = list(t.shape)
    config = cfg.to_dict()
    for k in ("architectures", "torch_dtype", "dtype", "transformers_version"):
        config.pop(k, None)
    return config, tensors


def deepseek_tensors(shape):
    """config.json and tensor shapes of a DeepSeek-V3 checkpoint."""
    _, vocab, hidden, inter, layers, heads, _ = shape
    q_lora, kv_lora, rope, nope, v, moe = 1536, 512, 64, 128, 128, 2048
    experts, dense = 256, 3
    config = dict(model_type="deepseek_v3", vocab_size=vocab,
                  hidden_size=hidden, intermediate_size=inter,
                  moe_intermediate_size=moe, num_hidden_layers=layers,
                  num_attention_heads=heads, num_key_value_heads=heads,
                  q_lora_rank=q_lora, kv_lora_rank=kv_lora,
                  qk_rope_head_dim=rope, qk_nope_head_dim=nope,
                  v_head_dim=v, n_routed_experts=experts, n_group=8,
                  topk_group=4, num_experts_per_tok=8, n_shared_experts=1,
                  first_k_dense_replace=dense, max_position_embeddings=4096)
    tensors = {"model.embed_tokens.weight": [vocab, hidden],
               "model.norm.weight": [hidden],
               "lm_head.weight": [vocab, hidden]}
    for l in range(layers):
        p = f"model.layers.{l}."
        a = p + "self_attn."
        tensors[p + "input_layernorm.weight"] = [hidden]
        tensors[p + "post_attention_layernorm.weight"] = [hidden]
        tensors[a + "q_a_proj.weight"] = [q_lora, hidden]
        tensors[a + "q_a_layernorm.weight"] = [q_lora]
        tensors[a + "q_b_proj.weight"] = [heads * (nope + rope), q_lora]
        tensors[a + "kv_a_proj_with_mqa.weight"] = [kv_lora + rope, hidden]
        tensors[a + "kv_a_layernorm.weight"] = [kv_lora]
        tensors[a + "kv_b_proj.weight"] = [heads * (nope + v), kv_lora]
        tensors[a + "o_proj.weight"] = [hidden, heads * v]
        if l < dense:
            tensors[p + "mlp.gate_proj.weight"] = [inter, hidden]
            tensors[p + "mlp.up_proj.weight"] = [inter, hidden]
            tensors[p + "mlp.down_proj.weight"] = [hidden, inter]
            continue
        tensors[p + "mlp.gate.weight"] = [experts, hidden]
        tensors[p + "mlp.gate.e_score_correction_bias"] = [experts]
        for e in range(experts):
            q = f"{p}mlp.experts.{e}."
            tensors[q + "gate_proj.weight"] = [moe, hidden]
            tensors[q + "up_proj.weight"] = [moe, hidden]
            tensors[q + "down_proj.weight"] = [hidden, moe]
        tensors[p + "mlp.shared_experts.gate_proj.weight"] = [moe, hidden]
        tensors[p + "mlp.shared_experts.up_proj.weight"] = [moe, hidden]
        tensors[p + "mlp.shared_experts.down_proj.weight"] = [hidden, moe]
    return config, tensors


def mamba_tensors(shape):
    """config.json and tensor shapes of a Mamba / Mamba-2 checkpoint."""
    model_type, vocab, hidden, inter, layers, heads, groups = shape
    v2 = model_type == "mamba2"
    state = 128 if v2 else 16
    config = dict(model_type=model_type, vocab_size=vocab, hidden_size=hidden,
                  num_hidden_layers=layers, state_size=state, expand=2,
                  conv_kernel=4, tie_word_embeddings=True)
    if v2:
        config.update(num_heads=heads, head_dim=inter // heads,
                      n_groups=groups)
    conv = inter + 2 * groups * state if v2 else inter
    rank = (hidden + 15) // 16
    tensors = {"backbone.embeddings.weight": [vocab, hidden],
               "backbone.norm_f.weight": [hidden]}
    for l in range(layers):
        p = f"backbone.layers.{l}."
        tensors[p + "norm.weight"] = [hidden]
        tensors[p + "mixer.in_proj.weight"] = [
            inter + conv + heads if v2 else 2 * inter, hidden]
        tensors[p + "mixer.conv1d.weight"] = [conv, 1, 4]
        tensors[p + "mixer.conv1d.bias"] = [conv]
        if v2:
            tensors[p + "mixer.dt_bias"] = [heads]
            tensors[p + "mixer.A_log"] = [heads]
            tensors[p + "mixer.D"] = [heads]
            tensors[p + "mixer.norm.weight"] = [inter]
        else:
            tensors[p + "mixer.x_proj.weight"] = [rank + 2 * state, inter]
            tensors[p + "mixer.dt_proj.weight"] = [inter, rank]
            tensors[p + "mixer.dt_proj.bias"] = [inter]
            tensors[p + "mixer.A_log"] = [inter, state]
            tensors[p + "mixer.D"] = [inter]
        tensors[p + "mixer.out_proj.weight"] = [hidden, inter]
    return config, tensors


def write_checkpoint(path, shape):
    if shape[0] in ("mamba", "mamba2", "deepseek_v3", "jamba"):
        config, tensors = {"deepseek_v3": deepseek_tensors,
                           "jamba": jamba_tensors}.get(
                               shape[0], mamba_tensors)(shape)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(config, f)
        write_header(path, tensors)
        return
    model_type, vocab, hidden, inter, layers, heads, kv = shape
    head_dim = hidden // heads
    config = dict(model_type=model_type, vocab_size=vocab, hidden_size=hidden,
                  intermediate_size=inter, num_hidden_layers=layers,
                  num_attention_heads=heads, num_key_value_heads=kv,
                  max_position_embeddings=4096, rms_norm_eps=1e-5,
                  tie_word_embeddings=model_type == "qwen2",
                  hidden_act="silu")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    tensors = {"model.embed_tokens.weight": [vocab, hidden],
               "model.norm.weight": [hidden]}
    if model_type != "qwen2":
        tensors["lm_head.weight"] = [vocab, hidden]
    for l in range(layers):
        p = f"model.layers.{l}."
        tensors[p + "input_layernorm.weight"] = [hidden]
        tensors[p + "post_attention_layernorm.weight"] = [hidden]
        tensors[p + "self_attn.q_proj.weight"] = [heads * head_dim, hidden]
        tensors[p + "self_attn.k_proj.weight"] = [kv * head_dim, hidden]
        tensors[p + "self_attn.v_proj.weight"] = [kv * head_dim, hidden]
        tensors[p + "self_attn.o_proj.weight"] = [hidden, heads * head_dim]
        if model_type == "qwen2":
            tensors[p + "self_attn.q_proj.bias"] = [heads * head_dim]
            tensors[p + "self_attn.k_proj.bias"] = [kv * head_dim]
            tensors[p + "self_attn.v_proj.bias"] = [kv * head_dim]
        tensors[p + "mlp.gate_proj.weight"] = [inter, hidden]
        tensors[p + "mlp.up_proj.weight"] = [inter, hidden]
        tensors[p + "mlp.down_proj.weight"] = [hidden, inter]
    write_header(path, tensors)


def write_header(path, tensors):
    """A header-only model.safetensors declaring f32 `tensors`."""
    header, offset = {}, 0
    for name, shp in tensors.items():
        n = 4
        for d in shp:
            n *= d
        header[name] = {"dtype": "F32", "shape": shp,
                        "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header).encode()
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqc", default="build/bin/seqc")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--layers", type=int, default=0,
                    help="build every shape with this many layers")
    ap.add_argument("shapes", nargs="*", default=list(SHAPES))
    args = ap.parse_args()
    print(f"| model shape | layers | layer functions | seqc compile wall (s) | "
          f"seqc CPU time, user + sys (s) | artifact (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.shapes:
            d = os.path.join(tmp, name)
            shape = SHAPES[name]
            if args.layers:
                shape = shape[:4] + (args.layers,) + shape[5:]
            write_checkpoint(d, shape)
            ir = subprocess.run([args.seqc, d, "-emit=seq", "--max-seq-len=2048"],
                                check=True, capture_output=True, text=True).stdout
            funcs = len(re.findall(r"func\.func private @(decoder|mamba|jamba)_layer_\d+\(",
                                   ir))
            best = cpu = None
            for _ in range(args.reps):
                c0 = os.times()
                t0 = time.perf_counter()
                subprocess.run([args.seqc, d, "--max-seq-len=2048", "-o",
                                os.path.join(tmp, name + ".seqpkg")], check=True)
                dt = time.perf_counter() - t0
                c1 = os.times()
                ct = (c1.children_user - c0.children_user +
                      c1.children_system - c0.children_system)
                best = dt if best is None else min(best, dt)
                cpu = ct if cpu is None else min(cpu, ct)
            size = os.path.getsize(os.path.join(tmp, name + ".seqpkg"))
            print(f"| {name} | {shape[4]} | {funcs} | {best:.2f} | "
                  f"{cpu:.2f} | {size / 1e6:.2f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
