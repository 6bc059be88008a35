#!/usr/bin/env python3
"""Writes the GGUF files of the runtime unit tests and their goldens.

  gen_gguf.py [OUT_DIR]     (default: the gguf/ directory next to this file)

Uses the `gguf` Python package (llama.cpp's reference writer) and is
deterministic: running it again reproduces the committed files byte for
byte. For each file X.gguf it writes X.json, the golden GgufTest compares
the C++ reader against: the header fields, every metadata value (integers
as decimal strings, floats as float.hex() strings, so that nothing is lost
in JSON) and every tensor (ggml type, ne, absolute data offset, byte size
and FNV-1a-64 of its bytes). The values come from what this script asked
the writer to write; the script reads each file back with gguf.GGUFReader
and checks that it agrees before writing the golden.

  types.gguf  every metadata value type (scalars, strings, arrays of each
              type incl. strings, nested arrays) and f32, f16, q8_0, q4_0,
              q4_1 tensors of 1 to 3 dimensions.
  bind.gguf   tensors for the fake model's parameters (model.w f32[4],
              model.b f32[2], model.q q4_1 [2, 64], model.h f16[3]) plus one
              the fake model lacks; general.alignment 64.
  ggml_types.json  the package's GGML_QUANT_SIZES: per ggml type, its id,
              elements per block and bytes per block.
"""

import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V

SCALAR_DTYPES = {
    V.UINT8: np.uint8, V.INT8: np.int8, V.UINT16: np.uint16,
    V.INT16: np.int16, V.UINT32: np.uint32, V.INT32: np.int32,
    V.FLOAT32: np.float32, V.UINT64: np.uint64, V.INT64: np.int64,
    V.FLOAT64: np.float64, V.BOOL: np.bool_,
}
TYPE_NAMES = {
    V.UINT8: "u8", V.INT8: "i8", V.UINT16: "u16", V.INT16: "i16",
    V.UINT32: "u32", V.INT32: "i32", V.FLOAT32: "f32", V.BOOL: "bool",
    V.STRING: "string", V.ARRAY: "array", V.UINT64: "u64", V.INT64: "i64",
    V.FLOAT64: "f64",
}


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def golden_scalar(vtype, value):
    if vtype == V.STRING:
        return value
    if vtype in (V.FLOAT32, V.FLOAT64):
        # The value as stored: f32 values are rounded to float32 first.
        return float(SCALAR_DTYPES[vtype](value)).hex()
    if vtype == V.BOOL:
        return "true" if value else "false"
    return str(int(value))


def golden_value(vtype, value, sub_type=None):
    """The golden of one value; nested lists are arrays of arrays (their
    element types inferred as the gguf writer does)."""
    if vtype != V.ARRAY:
        return {"type": TYPE_NAMES[vtype], "value": golden_scalar(vtype, value)}
    elem = sub_type if sub_type is not None else V.get_type(value[0])
    return {
        "type": "array",
        "element_type": TYPE_NAMES[elem],
        "values": [golden_value(elem, item) if elem == V.ARRAY
                   else golden_scalar(elem, item) for item in value],
    }


def write(path, arch, kvs, tensors, alignment=None):
    """kvs: (key, type, value, sub_type); tensors: (name, ggml type, array
    of float32 values to store or quantize)."""
    writer = gguf.GGUFWriter(path, arch)
    if alignment is not None:
        writer.data_alignment = alignment
        writer.add_uint32("general.alignment", alignment)
    for key, vtype, value, sub_type in kvs:
        writer.add_key_value(key, value, vtype, sub_type=sub_type)
    stored = []
    for name, qtype, values in tensors:
        if qtype == Q.F32:
            data = values.astype(np.float32)
            writer.add_tensor(name, data)
        elif qtype == Q.F16:
            data = values.astype(np.float16)
            writer.add_tensor(name, data)
        else:
            data = gguf.quants.quantize(values.astype(np.float32), qtype)
            writer.add_tensor(name, data, raw_dtype=qtype)
        stored.append((name, qtype, values.shape, data.tobytes()))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # Read it back with the reference reader and check it agrees.
    reader = gguf.GGUFReader(path)
    all_kvs = [("general.architecture", V.STRING, arch, None)]
    if alignment is not None:
        all_kvs.append(("general.alignment", V.UINT32, alignment, None))
    all_kvs += kvs
    for key, vtype, value, sub_type in all_kvs:
        field = reader.fields[key]
        assert field.types[0] == vtype, key
        nested = vtype == V.ARRAY and isinstance(value[0], list)
        if not nested:
            got = field.contents()
            want = value
            if vtype == V.FLOAT32 or sub_type == V.FLOAT32:
                want = np.array(value, np.float32).tolist()
            assert got == want, (key, got, want)
    assert len(reader.tensors) == len(stored)
    golden_tensors = []
    for tensor, (name, qtype, shape, data) in zip(reader.tensors, stored):
        assert tensor.name == name and tensor.tensor_type == qtype
        assert tensor.n_bytes == len(data)
        assert bytes(tensor.data.tobytes()) == data, name
        golden_tensors.append({
            "name": name,
            "type": qtype.name.lower(),
            "ne": [int(n) for n in tensor.shape],
            "data_offset": int(tensor.data_offset),
            "n_bytes": int(tensor.n_bytes),
            "fnv1a64": fnv1a64(data),
        })
        assert golden_tensors[-1]["ne"] == list(reversed(shape))
    golden = {
        "version": 3,
        "alignment": alignment if alignment is not None else 32,
        "metadata": [dict(key=key, **golden_value(vtype, value, sub_type))
                     for key, vtype, value, sub_type in all_kvs],
        "tensors": golden_tensors,
    }
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "gguf")
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(8)

    kvs = [
        ("test.u8", V.UINT8, 255, None),
        ("test.i8", V.INT8, -128, None),
        ("test.u16", V.UINT16, 65535, None),
        ("test.i16", V.INT16, -32768, None),
        ("test.u32", V.UINT32, 4294967295, None),
        ("test.i32", V.INT32, -2147483648, None),
        ("test.f32", V.FLOAT32, 3.14159, None),
        ("test.bool_true", V.BOOL, True, None),
        ("test.bool_false", V.BOOL, False, None),
        ("test.string", V.STRING, "héllo, wörld ✓", None),
        ("test.empty_string", V.STRING, "", None),
        ("test.u64", V.UINT64, 18446744073709551615, None),
        ("test.i64", V.INT64, -9223372036854775808, None),
        ("test.f64", V.FLOAT64, 2.718281828459045, None),
        ("test.arr.u8", V.ARRAY, [0, 1, 254, 255], V.UINT8),
        ("test.arr.i8", V.ARRAY, [-128, -1, 0, 127], V.INT8),
        ("test.arr.u16", V.ARRAY, [0, 65535], V.UINT16),
        ("test.arr.i16", V.ARRAY, [-32768, 32767, -2], V.INT16),
        ("test.arr.u32", V.ARRAY, [7, 4294967295], V.UINT32),
        ("test.arr.i32", V.ARRAY, [-5, 0, 5, 2147483647], V.INT32),
        ("test.arr.f32", V.ARRAY, [0.1, -2.5, 1e-30, 65504.0], V.FLOAT32),
        ("test.arr.bool", V.ARRAY, [True, False, True], V.BOOL),
        ("test.arr.string", V.ARRAY, ["<s>", "", "▁the", "\n", "é"],
         V.STRING),
        ("test.arr.u64", V.ARRAY, [1, 18446744073709551615], V.UINT64),
        ("test.arr.i64", V.ARRAY, [-9223372036854775808, 42], V.INT64),
        ("test.arr.f64", V.ARRAY, [1.0 / 3.0, -1e300], V.FLOAT64),
        ("test.arr.nested", V.ARRAY, [[1, 2], [3, 4, 5], [-6]], None),
        ("test.arr.nested_strings", V.ARRAY, [["a", "bc"], ["def"]], None),
        ("test.arr.nested3", V.ARRAY, [[[1], [2, 3]], [[4]]], None),
    ]
    tensors = [
        ("t.f32", Q.F32, rng.standard_normal((3, 8))),
        ("t.f32_1d", Q.F32, rng.standard_normal((5,))),
        ("t.f16_3d", Q.F16, rng.standard_normal((2, 3, 4))),
        ("t.q8_0", Q.Q8_0, rng.standard_normal((2, 64))),
        ("t.q4_0", Q.Q4_0, rng.standard_normal((3, 32))),
        ("t.q4_1", Q.Q4_1, rng.standard_normal((2, 64))),
    ]
    write(os.path.join(out, "types.gguf"), "test", kvs, tensors)

    bind_tensors = [
        ("model.q", Q.Q4_1, rng.standard_normal((2, 64))),
        ("model.w", Q.F32, np.array([10, 20, 30, 40], np.float32)),
        ("model.b", Q.F32, np.array([0.5, -0.5], np.float32)),
        ("model.h", Q.F16, np.array([1, -2, 0.5], np.float32)),
        ("model.unused", Q.Q8_0, rng.standard_normal((1, 32))),
    ]
    write(os.path.join(out, "bind.gguf"), "fake", [], bind_tensors,
          alignment=64)

    sizes = {qtype.name.lower(): [int(qtype.value), block, size]
             for qtype, (block, size) in gguf.GGML_QUANT_SIZES.items()}
    with open(os.path.join(out, "ggml_types.json"), "w") as f:
        json.dump(sizes, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
