#!/usr/bin/env python3
"""Copies a safetensors checkpoint with one element of one tensor set to a
non-finite value (issue #11: NaN weights must end generation with an error,
not token 0). Usage: nan_weights.py SRC DST TENSOR INDEX VALUE (VALUE nan,
inf or -inf). F32 tensors only. NumPy only."""

import json
import struct
import sys

import numpy as np


def main(src, dst, name, index, value):
    data = bytearray(open(src, "rb").read())
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    info = header[name]
    assert info["dtype"] == "F32", info
    start = 8 + length + info["data_offsets"][0] + 4 * int(index)
    assert start + 4 <= 8 + length + info["data_offsets"][1]
    data[start:start + 4] = np.array([float(value)], np.float32).tobytes()
    open(dst, "wb").write(data)


if __name__ == "__main__":
    main(*sys.argv[1:])
