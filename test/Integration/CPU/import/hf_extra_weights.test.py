"""Writes the safetensors files of hf_extra_weights.test without numpy or
safetensors (the test machine's python has neither):

  tied SRC DST   SRC's tensors plus lm_head.weight, a copy of
                 model.embed_tokens.weight (a tied head saved anyway)
  extra DST      one f32 [88, 60] tensor model.layers.3.mlp.up_proj.weight
"""
import json
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], body[begin:end])
    return tensors


def write(path, tensors):
    header, body = {"__metadata__": {"format": "pt"}}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + body)


if sys.argv[1] == "tied":
    tensors = read(sys.argv[2])
    tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
    write(sys.argv[3], tensors)
else:
    write(sys.argv[2], {"model.layers.3.mlp.up_proj.weight":
                        ("F32", [88, 60], bytes(88 * 60 * 4))})
