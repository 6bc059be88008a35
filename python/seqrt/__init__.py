"""seqrt: load and run seqc artifacts (``.seqpkg``) from Python.

    import seqrt
    art = seqrt.load("model.seqpkg")
    art.bind("model.safetensors")               # or a GGUF file, a dir, a dict
    (logits,) = art.call("logits", prompt_ids)  # NumPy or torch in and out
    for token in art.generate(prompt_ids, max_new_tokens=32):
        print(token)

Arrays are passed to the runtime without copies when they are CPU,
C-contiguous and of the entry's dtype (NumPy through the buffer protocol,
torch and other DLPack producers through DLPack); outputs are views of the
buffers the generated code wrote. See docs/Python.md.
"""

import contextlib
import json
import os
import threading
from typing import NamedTuple, Tuple

import numpy as np

from . import _seqrt, errors  # noqa: F401 (seqrt.errors)
from ._seqrt import Buffer
from .errors import (ArgumentError, BindingError, CacheOverflowError,
                     ChecksumError, Error, ExecutionError, FileError,
                     FormatError, OutOfMemoryError, TargetError, TokenIdError,
                     VersionError)

__all__ = [
    "load", "Artifact", "Entry", "Parameter", "TensorType", "OutputType",
    "Session", "Tokenizer", "chat_template", "render_chat", "sample", "Buffer",
    "bf16_to_float32", "float32_to_bf16",
    "Error", "FileError", "FormatError", "VersionError", "ChecksumError",
    "TargetError", "BindingError", "ArgumentError", "OutOfMemoryError",
    "ExecutionError", "TokenIdError", "CacheOverflowError",
]

# NumPy dtypes of the runtime's dtypes. bf16 has none: its arrays are the
# raw 16-bit patterns (uint16); torch gets torch.bfloat16.
_NUMPY_DTYPES = {
    "f32": np.float32, "f16": np.float16, "bf16": np.uint16,
    "f64": np.float64, "i1": np.bool_, "i8": np.int8, "i32": np.int32,
    "i64": np.int64,
}


class TensorType(NamedTuple):
    """dtype ("f32", "bf16", ...) and shape (-1: dynamic; () a scalar)."""
    dtype: str
    shape: Tuple[int, ...]


class OutputType(NamedTuple):
    """An output's type; ``inplace_input`` is the index of the state input
    it updates in place, or -1."""
    dtype: str
    shape: Tuple[int, ...]
    inplace_input: int


class Entry(NamedTuple):
    """An entry point: its input and output types."""
    name: str
    inputs: Tuple[TensorType, ...]
    outputs: Tuple[OutputType, ...]
    generated_count_output: int

    @property
    def state_inputs(self):
        """Indices of the inputs updated in place (KV caches, SSM states)."""
        return tuple(o.inplace_input for o in self.outputs
                     if o.inplace_input >= 0)


class Parameter(NamedTuple):
    """A weight the artifact reads: checkpoint key, IR symbol, type,
    ggml encoding ("" for plain elements) and whether it is bound."""
    key: str
    symbol: str
    dtype: str
    shape: Tuple[int, ...]
    encoding: str
    bound: bool


def bf16_to_float32(bits):
    """bf16 bit patterns (uint16, as NumPy outputs hold them) as float32."""
    bits = np.asarray(bits, dtype=np.uint16)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def float32_to_bf16(values):
    """float32 values rounded to bf16 (nearest even), as uint16 bits."""
    values = np.array(values, dtype=np.float32, order="C")
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(values)
    out = rounded.astype(np.uint16)
    out[nan] = ((bits[nan] >> 16) | 0x40).astype(np.uint16)
    return out


def _torch():
    import torch  # only when a torch tensor is involved
    return torch


def _is_torch(value):
    return type(value).__module__.startswith("torch")


def _framework(framework, inputs):
    if framework is None:
        return "torch" if any(_is_torch(v) for v in inputs) else "numpy"
    if framework not in ("numpy", "torch"):
        raise ValueError(f"framework must be 'numpy' or 'torch', not "
                         f"{framework!r}")
    return framework


def _export(buffer, framework):
    """A view (no copy) of a runtime buffer in `framework`."""
    array = np.asarray(buffer)
    if framework == "numpy":
        return array
    torch = _torch()
    tensor = torch.from_numpy(array)
    if buffer.dtype == "bf16":
        tensor = tensor.view(torch.bfloat16)
    return tensor


def _as_input(value, ttype, what, state=False):
    """`value` as an array the native layer accepts for type `ttype`: the
    object itself when it is CPU, C-contiguous and of the dtype (no copy);
    a contiguous copy otherwise, never for state (updated in place)."""
    if _is_torch(value):
        if value.device.type != "cpu":
            raise ArgumentError(f"{what}: a {value.device.type} tensor; seqrt "
                                f"runs on the CPU")
        value = value.detach()
        if not value.is_contiguous():
            if state:
                raise ArgumentError(f"{what}: state must be contiguous (it "
                                    f"is updated in place)")
            value = value.contiguous()
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.name == "bfloat16":  # ml_dtypes
            value = value.view(np.uint16)
        if not value.flags.c_contiguous:
            if state:
                raise ArgumentError(f"{what}: state must be C-contiguous (it "
                                    f"is updated in place)")
            value = np.ascontiguousarray(value)
        if state and not value.flags.writeable:
            raise ArgumentError(f"{what}: state must be writeable")
        return value
    if hasattr(value, "__dlpack__") and not isinstance(value, (int, float)):
        return value
    if isinstance(value, Buffer):
        return np.asarray(value)
    # Python scalars and sequences: the entry's dtype.
    dtype = _NUMPY_DTYPES[ttype.dtype]
    if ttype.dtype == "bf16":
        return float32_to_bf16(np.asarray(value, dtype=np.float32))
    try:
        return np.array(value, dtype=dtype, order="C")  # keeps rank 0
    except (OverflowError, ValueError, TypeError) as e:
        raise ArgumentError(f"{what}: {e}") from None


class _CallGate:
    """Calls may overlap each other; binding must not overlap a call."""

    def __init__(self):
        self._cond = threading.Condition()
        self._calls = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self):
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._calls += 1
        try:
            yield
        finally:
            with self._cond:
                self._calls -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self):
        with self._cond:
            while self._exclusive or self._calls:
                self._cond.wait()
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


def load(path):
    """Loads and validates an artifact (raises FileError, FormatError,
    ChecksumError, VersionError or TargetError with the runtime's
    message)."""
    return Artifact(path)


class Artifact:
    """A loaded ``.seqpkg`` artifact. Its entries may be called from several
    threads at once; ``bind`` waits for calls in flight."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._native = _seqrt.Artifact(self.path)
        self._gate = _CallGate()
        self._entries = {
            name: Entry(name, tuple(TensorType(d, tuple(s)) for d, s in ins),
                        tuple(OutputType(d, tuple(s), i) for d, s, i in outs),
                        count)
            for name, ins, outs, count in self._native.entries()
        }

    def __repr__(self):
        return (f"<seqrt.Artifact {self.path!r} entries="
                f"{list(self._entries)}>")

    # Introspection -------------------------------------------------------

    @property
    def metadata(self):
        """The artifact's metadata (docs/design/Artifact.md), parsed."""
        return json.loads(self._native.metadata)

    @property
    def producer(self):
        return self._native.producer

    @property
    def target(self):
        """{"kind": ..., "triple": ..., "cpu": ...}"""
        return {"kind": self._native.target_kind,
                "triple": self._native.target_triple,
                "cpu": self._native.target_cpu}

    @property
    def entries(self):
        """Entry points by name, in the artifact's order."""
        return dict(self._entries)

    def entry(self, name):
        try:
            return self._entries[name]
        except KeyError:
            raise ArgumentError(f"the artifact has no entry '{name}' (it has "
                                f"{', '.join(self._entries)})") from None

    @property
    def parameters(self):
        """Every parameter, with whether it is bound now."""
        return [Parameter(k, s, d, tuple(sh), e, b)
                for k, s, d, sh, e, b in self._native.parameters()]

    # Weights -------------------------------------------------------------

    def bind(self, weights, prefix=""):
        """Binds parameters from `weights`: a safetensors or GGUF file, a
        model directory (its *.safetensors shards), a list of those, or a
        dict from checkpoint key to array (kept alive by the artifact and
        read in place: it must not change while the artifact is used).
        With `prefix`, a tensor `name` binds the parameter keyed
        `prefix + name` and nothing else: `bind(draft, prefix="draft/")`
        binds the draft model of an artifact built with
        `seqc --draft-model` (what `seqrun --draft-weights` does).
        Returns self."""
        with self._gate.exclusive():
            if isinstance(weights, dict):
                types = {p.key: p for p in self.parameters}
                for name, value in weights.items():
                    key = prefix + name
                    param = types.get(key)
                    ttype = TensorType(param.dtype, param.shape) if param \
                        else TensorType("f32", ())
                    array = _as_input(value, ttype, f"parameter '{key}'")
                    self._native.bind_parameter(key, array, array)
            elif isinstance(weights, (list, tuple)):
                for item in weights:
                    self._bind_path(item, prefix)
            else:
                self._bind_path(weights, prefix)
        return self

    def _bind_path(self, path, prefix):
        path = os.fspath(path)
        if os.path.isdir(path):
            shards = sorted(f for f in os.listdir(path)
                            if f.endswith(".safetensors"))
            if not shards:
                raise FileError(f"'{path}' holds no *.safetensors file")
            for shard in shards:
                self._native.bind_file(os.path.join(path, shard), prefix)
        else:
            self._native.bind_file(path, prefix)

    def check_bound(self):
        """Raises BindingError naming the first unbound parameter."""
        self._native.check_bound()

    # Calls ---------------------------------------------------------------

    def call(self, entry, *inputs, framework=None):
        """Calls `entry` and returns a tuple of its outputs.

        Inputs are NumPy arrays, torch tensors (CPU), other DLPack
        producers, or Python scalars/lists (converted to the entry's
        dtype). Outputs are NumPy arrays, or torch tensors when an input is
        one or framework="torch"; each is a view of the buffer the code
        wrote (``array.base`` is the owning seqrt.Buffer). An in-place
        state output is the state object passed in, updated. bf16 outputs
        are torch.bfloat16 tensors, or uint16 bit patterns in NumPy
        (bf16_to_float32 converts)."""
        info = self.entry(entry)
        if len(inputs) != len(info.inputs):
            raise ArgumentError(f"entry '{entry}' takes {len(info.inputs)} "
                                f"inputs, got {len(inputs)}")
        framework = _framework(framework, inputs)
        state = set(info.state_inputs)
        arrays = [_as_input(v, t, f"entry '{entry}' input {i}", i in state)
                  for i, (v, t) in enumerate(zip(inputs, info.inputs))]
        with self._gate.shared():
            results = self._native.call(entry, arrays)
        return tuple(inputs[r] if isinstance(r, int) else
                     _export(r, framework) for r in results)

    def new_state(self, entry, framework="numpy"):
        """Zeroed buffers for the state inputs of `entry`, in input order,
        to pass to call() and keep between calls."""
        info = self.entry(entry)
        arrays = []
        for i in info.state_inputs:
            t = info.inputs[i]
            array = np.zeros(t.shape, dtype=_NUMPY_DTYPES[t.dtype])
            if framework == "torch":
                torch = _torch()
                array = torch.from_numpy(array)
                if t.dtype == "bf16":
                    array = array.view(torch.bfloat16)
            arrays.append(array)
        return arrays

    # Generation ----------------------------------------------------------

    def session(self, framework="numpy"):
        """A new generation session (prefill/decode with its own KV
        caches)."""
        return Session(self, framework)

    def generate(self, prompt_ids, max_new_tokens=32, temperature=0.0,
                 top_k=0, top_p=1.0, seed=0, eos_ids=()):
        """Generates in a fresh session: see Session.generate."""
        return self.session().generate(prompt_ids, max_new_tokens,
                                       temperature, top_k, top_p, seed,
                                       eos_ids)


class Session:
    """One sequence's state (KV caches) and position over an artifact's
    prefill and decode entries. Sessions of one artifact may run on
    different threads at once; one session serializes its own calls."""

    def __init__(self, artifact, framework="numpy"):
        self.artifact = artifact
        self._framework = _framework(framework, ())
        self._lock = threading.Lock()
        with artifact._gate.shared():
            self._native = _seqrt.Session(artifact._native)

    @property
    def position(self):
        """Tokens processed so far (the next token's position)."""
        return self._native.position

    @property
    def capacity(self):
        """The most tokens the cache holds."""
        return self._native.capacity

    @property
    def vocab_size(self):
        return self._native.vocab_size

    @property
    def states(self):
        """The state buffers (views, valid while the session lives)."""
        return [_export(b, self._framework) for b in self._native.states()]

    def reset(self):
        """Back to position 0 with zeroed state."""
        with self._lock:
            self._native.reset()

    def sync(self):
        """On a GPU, where the session keeps its state on the device, copies
        it into the host buffers (the views ``states`` returns, which reading
        ``states`` also refreshes); a no-op on the CPU."""
        with self._lock:
            self._native.sync()

    def _ids(self, ids):
        if _is_torch(ids):
            ids = ids.detach().cpu().numpy()
        array = np.asarray(ids)
        if array.dtype.kind not in "iu" and array.size:
            raise ArgumentError(f"token ids must be integers, not "
                                f"{array.dtype}")
        array = array.reshape(-1)
        out_of_range = (array < -2**31) | (array >= 2**31)
        if out_of_range.any():
            bad = int(array[out_of_range][0])
            raise TokenIdError(f"session: token id {bad} is outside the "
                               f"vocabulary (0 .. {self.vocab_size - 1})")
        return np.ascontiguousarray(array, dtype=np.int32)

    def prefill(self, ids):
        """Runs the prompt `ids` at the current position; returns the last
        token's logits (f32 [vocab])."""
        ids = self._ids(ids)
        with self._lock, self.artifact._gate.shared():
            logits = self._native.prefill(ids)
        return _export(logits, self._framework)

    def decode(self, token):
        """One decode step of `token`; returns its logits."""
        token = int(token)
        if not -2**31 <= token < 2**31:
            raise TokenIdError(f"session: token id {token} is outside the "
                               f"vocabulary (0 .. {self.vocab_size - 1})")
        with self._lock, self.artifact._gate.shared():
            logits = self._native.decode(token)
        return _export(logits, self._framework)

    def generate(self, prompt_ids, max_new_tokens=32, temperature=0.0,
                 top_k=0, top_p=1.0, seed=0, eos_ids=()):
        """Prefills `prompt_ids` now (errors raise here) and returns an
        iterator yielding token ids as they are drawn: greedy with
        temperature 0, else seeded sampling identical to the compiled
        `generate` entry's (token t, from 0, drawn with counter t). It
        stops after `max_new_tokens`, after a token in `eos_ids`, or when
        the cache is full. The last token yielded is not in the cache
        yet: a following prefill should start with it."""
        ids = self._ids(prompt_ids)
        if ids.size == 0:
            raise ArgumentError("the prompt is empty")
        eos = {int(e) for e in eos_ids}
        params = (float(temperature), int(top_k), float(top_p), int(seed))
        with self._lock, self.artifact._gate.shared():
            first = np.asarray(self._native.prefill(ids))
        return self._tokens(first, int(max_new_tokens), params, eos)

    def _tokens(self, logits, max_new_tokens, params, eos):
        temperature, top_k, top_p, seed = params
        token = None  # the last token drawn, fed to the next decode step
        for generated in range(max_new_tokens):
            if generated > 0:
                if self.position >= self.capacity:
                    return
                with self._lock, self.artifact._gate.shared():
                    logits = np.asarray(self._native.decode(token))
            token = _seqrt.sample(logits, temperature, top_k, top_p, seed,
                                  generated)
            yield token
            if token in eos:
                return


def sample(logits, temperature=0.0, top_k=0, top_p=1.0, seed=0, counter=0):
    """Draws a token id from 1-D f32 logits as seqrt_sample (and the
    compiled seq.sample) does."""
    if _is_torch(logits):
        logits = logits.detach().cpu().numpy()
    logits = np.ascontiguousarray(logits, dtype=np.float32)
    return _seqrt.sample(logits, float(temperature), int(top_k),
                         float(top_p), int(seed), int(counter))


class Tokenizer:
    """A model's tokenizer (byte-level BPE or SentencePiece, as Hugging
    Face tokenizers): from a GGUF file, a tokenizer.json or a model
    directory."""

    def __init__(self, path):
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, "tokenizer.json")
        with open(path, "rb") as f:
            gguf = f.read(4) == b"GGUF"
        self._native = (_seqrt.Tokenizer.from_gguf(path) if gguf else
                        _seqrt.Tokenizer.from_json(path))

    @property
    def vocab_size(self):
        return self._native.vocab_size

    @property
    def bos_id(self):
        """The BOS id, or None."""
        return None if self._native.bos_id < 0 else self._native.bos_id

    @property
    def eos_id(self):
        """The EOS id, or None."""
        return None if self._native.eos_id < 0 else self._native.eos_id

    def token_id(self, text):
        """The id of a vocabulary string ("<|im_end|>"), or None."""
        i = self._native.token_id(text)
        return None if i < 0 else i

    def encode(self, text, add_special=True):
        """Token ids of `text` (a list of ints)."""
        return self._native.encode(text, add_special)

    def decode(self, ids, skip_special=True):
        """The text of `ids` (invalid UTF-8 becomes U+FFFD)."""
        data = self._native.decode([int(i) for i in ids], skip_special)
        return data.decode("utf-8", errors="replace")

    def decode_stream(self, ids, skip_special=True):
        """Yields text as `ids` (any iterable, e.g. generate()) arrive,
        in whole UTF-8 characters."""
        detok = _seqrt.Detokenizer(self._native, skip_special)
        for i in ids:
            chunk = detok.push(int(i))
            if chunk:
                yield chunk.decode("utf-8")
        tail = detok.flush()
        if tail:
            yield tail.decode("utf-8", errors="replace")


def chat_template(path):
    """A model's chat template: `tokenizer.chat_template` of a GGUF file,
    or `chat_template` of a model directory's tokenizer_config.json (a
    string, or the "default" entry of a list of named templates). None if
    the model has none."""
    path = os.fspath(path)
    if os.path.isdir(path):
        config = os.path.join(path, "tokenizer_config.json")
        if not os.path.exists(config):
            return None
        with open(config, encoding="utf-8") as f:
            try:
                template = json.load(f).get("chat_template")
            except (ValueError, AttributeError) as e:
                raise FormatError(f"'{config}': {e}") from None
        if isinstance(template, list):
            named = {t.get("name"): t.get("template") for t in template
                     if isinstance(t, dict)}
            template = named.get("default")
        return template if isinstance(template, str) else None
    return _seqrt.gguf_string(path, "tokenizer.chat_template")


def render_chat(template, messages, add_generation_prompt=True,
                bos_token=None, eos_token=None, **variables):
    """Renders `messages` ([{"role": ..., "content": ...}]) with a model's
    Jinja chat template, as transformers' apply_chat_template(...,
    tokenize=False). Extra keyword arguments become template variables
    (tools=..., documents=...)."""
    context = dict(variables)
    context["messages"] = list(messages)
    context["add_generation_prompt"] = bool(add_generation_prompt)
    if bos_token is not None:
        context["bos_token"] = bos_token
    if eos_token is not None:
        context["eos_token"] = eos_token
    return _seqrt.chat_render_json(template, json.dumps(context))
