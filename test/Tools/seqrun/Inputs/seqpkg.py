#!/usr/bin/env python3
"""Test helper for the seqrun lit tests (standard library only).

  seqpkg.py pack METADATA.json CODE.so OUT.seqpkg
      Writes a .seqpkg artifact (docs/design/Artifact.md); @HOST_TRIPLE@ in
      the metadata becomes this machine's triple.
  seqpkg.py corrupt IN OUT (--flip OFFSET | --truncate SIZE | --magic |
                            --version N | --append)
      Writes a damaged copy of an artifact.
  seqpkg.py npy OUT.npy DESCR SHAPE VALUE...
      Writes a .npy file, e.g. `npy x.npy '<f4' 2x3 1 2 3 4 5 6`
      (SHAPE `scalar` for a 0-d array).
  seqpkg.py safetensors OUT NAME DTYPE SHAPE VALUE... [-- NAME ...]
      Writes a safetensors file of F32/I32/I64 tensors.
"""

import platform
import struct
import sys

MAGIC = b"SEQCPKG\0"


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def pack(metadata_path, code_path, out_path):
    triple = platform.machine() + "-unknown-linux-gnu"
    with open(metadata_path) as f:
        metadata = f.read().replace("@HOST_TRIPLE@", triple).encode()
    with open(code_path, "rb") as f:
        code = f.read()
    header = MAGIC + struct.pack("<IIQQQ", 1, 0, len(metadata), len(code),
                                 fnv1a64(metadata + code))
    with open(out_path, "wb") as f:
        f.write(header + metadata + code)


def corrupt(in_path, out_path, how, arg=None):
    with open(in_path, "rb") as f:
        data = bytearray(f.read())
    if how == "--flip":
        data[int(arg)] ^= 0x01
    elif how == "--truncate":
        data = data[: int(arg)]
    elif how == "--magic":
        data[0:8] = b"NOTAPKG\0"
    elif how == "--version":
        data[8:12] = struct.pack("<I", int(arg))
    elif how == "--append":
        data += b"\0"
    else:
        sys.exit("unknown corruption " + how)
    with open(out_path, "wb") as f:
        f.write(data)


def shape_of(text):
    return () if text == "scalar" else tuple(int(x) for x in text.split("x"))


FORMATS = {"<f4": "f", "<f8": "d", "<i4": "i", "<i8": "q", "|b1": "B",
           "|i1": "b", "<u2": "H", "<f2": "e"}


def values_of(fmt, values):
    return [float(v) if fmt in "fde" else int(v) for v in values]


def npy(out_path, descr, shape_text, values):
    shape = shape_of(shape_text)
    fmt = FORMATS[descr]
    if len(shape) == 1:
        dims = f"({shape[0]},)"
    else:
        dims = "(" + ", ".join(str(d) for d in shape) + ")"
    header = (f"{{'descr': '{descr}', 'fortran_order': False, "
              f"'shape': {dims}, }}")
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    data = struct.pack("<" + fmt * len(values), *values_of(fmt, values))
    with open(out_path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode() + data)


def safetensors(out_path, args):
    fmts = {"F32": "f", "I32": "i", "I64": "q"}
    entries, data = [], b""
    groups, current = [], []
    for a in args:
        if a == "--":
            groups.append(current)
            current = []
        else:
            current.append(a)
    groups.append(current)
    for name, dtype, shape_text, *values in groups:
        shape = shape_of(shape_text)
        blob = struct.pack("<" + fmts[dtype] * len(values),
                           *values_of(fmts[dtype], values))
        entries.append(f'"{name}": {{"dtype": "{dtype}", "shape": '
                       f'[{", ".join(map(str, shape))}], "data_offsets": '
                       f'[{len(data)}, {len(data) + len(blob)}]}}')
        data += blob
    header = "{" + ", ".join(entries) + "}"
    header += " " * ((8 - (8 + len(header)) % 8) % 8)
    with open(out_path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header.encode() + data)


def main(argv):
    if argv[1] == "pack":
        pack(*argv[2:5])
    elif argv[1] == "corrupt":
        corrupt(*argv[2:])
    elif argv[1] == "npy":
        npy(argv[2], argv[3], argv[4], argv[5:])
    elif argv[1] == "safetensors":
        safetensors(argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
