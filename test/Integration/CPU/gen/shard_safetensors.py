#!/usr/bin/env python3
"""Splits a checkpoint's model.safetensors into N shards, as
transformers' save_pretrained(max_shard_size=...) lays them out:
model-0000i-of-0000N.safetensors plus model.safetensors.index.json (its
"weight_map" names the shard of every tensor). Tensors go round-robin in
name order, so the per-expert tensors of one layer land in different
shards. The other files of the directory (config.json, ...) are copied.
Pure Python (no torch, numpy or safetensors): tests run it.

  shard_safetensors.py SRC_DIR DST_DIR N
"""

import json
import os
import shutil
import struct
import sys


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(os.path.join(src, "model.safetensors"), "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    header.pop("__metadata__", None)
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        if name != "model.safetensors":
            shutil.copy(os.path.join(src, name), dst)
    names = sorted(header)
    shards = [names[i::n] for i in range(n)]
    weight_map = {}
    total = 0
    for i, members in enumerate(shards):
        file = f"model-{i + 1:05d}-of-{n:05d}.safetensors"
        out_header, blobs, offset = {}, [], 0
        for name in members:
            info = dict(header[name])
            begin, end = info["data_offsets"]
            blobs.append(data[begin:end])
            info["data_offsets"] = [offset, offset + end - begin]
            offset += end - begin
            out_header[name] = info
            weight_map[name] = file
        out_header["__metadata__"] = {"format": "pt"}
        text = json.dumps(out_header).encode()
        text += b" " * (-len(text) % 8)  # 8-byte aligned data, as safetensors
        with open(os.path.join(dst, file), "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        total += offset
    with open(os.path.join(dst, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total},
                   "weight_map": weight_map}, f, indent=2)


if __name__ == "__main__":
    main()
