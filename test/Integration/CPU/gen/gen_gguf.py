"""GGUF files of the tiny Hugging Face checkpoints, made by llama.cpp.

Converts ../Inputs/hf_<name>/ (written by gen_hf.py) with llama.cpp's own
converter (convert_hf_to_gguf.py and its conversion/ package and gguf-py,
the reference no one here wrote) into ../Inputs/gguf/<name>.gguf, f32.
The GGUF tests compile these with seqc and compare with the transformers
goldens next to the checkpoints: the converter renames tensors, permutes
Llama's q/k rows for its rotary, adds 1 to Gemma's norm weights and keeps
only the hyper-parameters llama.cpp uses, so the tests check that seqc
reads GGUF as llama.cpp writes it.

The tiny checkpoints have no tokenizer files; the converter's vocabulary
step is replaced by a plain gpt2-model token list (<tok0>, <tok1>, ...)
with the checkpoint's EOS id (and one merge, without which llama.cpp's
loader refuses a gpt2 vocabulary). Nothing else of the converter is
changed.

If llama-cpp-python is installed, each file is also run by llama.cpp and
its prompt logits compared with transformers' (a check of the test data,
not of seqc; recorded in ../Inputs/gguf/llama-cpp-check.txt).

llama.cpp's sources come with the llama-cpp-python sdist from PyPI:
  pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36
  tar xzf llama_cpp_python-0.3.36.tar.gz
Run:
  python3 test/Integration/CPU/gen/gen_gguf.py \
      llama_cpp_python-0.3.36/vendor/llama.cpp
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import torch

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
# Checkpoint directory -> GGUF architecture llama.cpp gives it.
# (transformers' save_pretrained of a model built from a config writes no
# `architectures`; the converter selects its class by it.)
MODELS = {
    "llama": ("LlamaForCausalLM", "llama"),
    "qwen2": ("Qwen2ForCausalLM", "qwen2"),
    "qwen3_dense": ("Qwen3ForCausalLM", "qwen3"),
    "gemma2_hd": ("Gemma2ForCausalLM", "gemma2"),
    # f16 checkpoint -> f16 GGUF matrices (the converter keeps 1-D tensors
    # f32; llama_f16_vec16.gguf below stores them as f16 too).
    "llama_f16": ("LlamaForCausalLM", "llama"),
}
# Converted at f16 instead of f32.
F16 = {"llama_f16"}


def main(argv):
    if len(argv) < 1:
        raise SystemExit(__doc__)
    llama_cpp = Path(argv[0]).resolve()
    sys.path.insert(0, str(llama_cpp / "gguf-py"))
    sys.path.insert(0, str(llama_cpp))
    import gguf
    from conversion import (ModelBase, ModelType, get_model_architecture,
                            get_model_class)

    def set_vocab(self):
        vocab = self.hparams["vocab_size"]
        self.gguf_writer.add_tokenizer_model("gpt2")
        self.gguf_writer.add_tokenizer_pre("default")
        self.gguf_writer.add_token_list([f"<tok{i}>" for i in range(vocab)])
        self.gguf_writer.add_token_types([gguf.TokenType.NORMAL] * vocab)
        self.gguf_writer.add_token_merges(["<tok3> <tok4>"])
        self.gguf_writer.add_eos_token_id(self.hparams["eos_token_id"])

    out_dir = INPUTS / "gguf"
    out_dir.mkdir(exist_ok=True)
    names = argv[1:] or list(MODELS)
    tmp = tempfile.mkdtemp()
    for name in names:
        # A copy of the checkpoint whose config names its architecture.
        src = Path(tmp) / name
        shutil.copytree(INPUTS / f"hf_{name}", src)
        config = json.loads((src / "config.json").read_text())
        config["architectures"] = [MODELS[name][0]]
        (src / "config.json").write_text(json.dumps(config))
        hparams = ModelBase.load_hparams(src, False)
        arch = get_model_architecture(hparams, ModelType.TEXT)
        cls = get_model_class(arch)
        cls.set_vocab = set_vocab
        out = out_dir / f"{name}.gguf"
        with torch.inference_mode():
            ftype = (gguf.LlamaFileType.MOSTLY_F16 if name in F16 else
                     gguf.LlamaFileType.ALL_F32)
            model = cls(src, ftype, out,
                        model_name=f"seqc-test-{name}")
            model.write()
        got = gguf.GGUFReader(out).fields["general.architecture"]
        got = bytes(got.parts[got.data[0]]).decode()
        assert got == MODELS[name][1], (name, got)
        print(f"{name}: {arch} -> {out} ({out.stat().st_size} bytes)")
    check(names, out_dir)
    write_error_cases(gguf, out_dir)
    if "llama_f16" in names:
        half_vectors(gguf, out_dir / "llama_f16.gguf",
                     out_dir / "llama_f16_vec16.gguf")


def half_vectors(gguf, src, dst):
    """A copy of `src` whose 1-D f32 tensors (norm weights) are f16; their
    values are f16 already (the checkpoint was rounded to f16)."""
    import numpy as np
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        sub = field.types[1] if len(field.types) > 1 else None
        writer.add_key_value(key, field.contents(), field.types[0], sub)
    for t in reader.tensors:
        data = np.array(t.data)
        if t.tensor_type == gguf.GGMLQuantizationType.F32 and data.ndim == 1:
            half = data.astype(np.float16)
            assert np.array_equal(half.astype(np.float32), data), t.name
            writer.add_tensor(t.name, half)
        else:
            writer.add_tensor(t.name, data, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_error_cases(gguf, out_dir):
    """Small headers-only files whose metadata seqc must reject."""
    def write(name, arch, keys):
        w = gguf.GGUFWriter(out_dir / f"{name}.gguf", arch)
        for key, kind, value in keys:
            getattr(w, f"add_{kind}")(key, value)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()

    base = [("qwen2.block_count", "uint32", 1),
            ("qwen2.embedding_length", "uint32", 8),
            ("qwen2.feed_forward_length", "uint32", 16),
            ("qwen2.attention.head_count", "uint32", 2)]
    # An MoE key the qwen2 import does not read.
    write("error_unknown_key", "qwen2",
          base + [("qwen2.expert_count", "uint32", 4)])
    # Value heads of another size than key heads.
    write("error_value_length", "qwen2",
          base + [("qwen2.attention.key_length", "uint32", 4),
                  ("qwen2.attention.value_length", "uint32", 6)])
    # Per-layer rope bases (Gemma-3 style) on gemma2.
    write("error_swa_theta", "gemma2",
          [(k.replace("qwen2", "gemma2"), t, v) for k, t, v in base] +
          [("gemma2.rope.freq_base", "float32", 10000.0),
           ("gemma2.rope.freq_base_swa", "float32", 1000.0)])


def check(names, out_dir):
    try:
        import llama_cpp
        import numpy as np
    except ImportError:
        print("llama-cpp-python not installed: llama.cpp check skipped")
        return
    lines = [f"llama.cpp (llama-cpp-python {llama_cpp.__version__}) prompt "
             "logits against transformers' (logits.npy):"]
    for name in names:
        model = llama_cpp.Llama(model_path=str(out_dir / f"{name}.gguf"),
                                n_ctx=64, logits_all=True, verbose=False,
                                n_threads=1)
        prompt = np.load(INPUTS / f"hf_{name}" / "prompt.npy")[0].tolist()
        model.eval(prompt)
        got = np.array(model.scores[:len(prompt)])
        ref = np.load(INPUTS / f"hf_{name}" / "logits.npy")[0]
        err = float(np.abs(got - ref).max())
        lines.append(f"  {name}: max |difference| {err:.4f}")
        assert err < 0.05, (name, err)
    (out_dir / "llama-cpp-check.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
