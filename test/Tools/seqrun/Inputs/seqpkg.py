#!/usr/bin/env python3
"""Test helper for the seqrun lit tests (standard library only).

  seqpkg.py pack METADATA.json CODE.so OUT.seqpkg
      Writes a .seqpkg artifact (docs/design/Artifact.md); @HOST_TRIPLE@ in
      the metadata becomes this machine's triple, and the ABI record of the
      metadata (runtime/include/seqrt/Abi.h) replaces the fake model's
      placeholder `@SEQ_ABI_RECORD@` in CODE.so.
  seqpkg.py corrupt IN OUT (--flip OFFSET | --truncate SIZE | --magic |
                            --version N | --append)
      Writes a damaged copy of an artifact.
  seqpkg.py tamper IN OUT HOW [ARG...]
      Writes a tampered copy of an artifact whose header sizes and checksum
      are recomputed, so that only the runtime's own checks of the code and
      metadata stand between it and a crash. HOW is one of
        code-truncate N        keep the first N bytes of the code
        phoff | phnum N        program headers past the end / N of them
        load-filesz            the last PT_LOAD reaches past the code
        dynamic-vaddr          PT_DYNAMIC outside the PT_LOAD segments
        strsz | symtab         DT_STRSZ / DT_SYMTAB out of range
        rela-offset            a relocation targets read-only memory
        gnu-hash-buckets0      a DT_GNU_HASH table with no buckets
        dyn-null               no DT_NULL terminates the dynamic table
        sym-type NAME func|object   change a dynamic symbol's type
        sym-size NAME N        change a dynamic symbol's size
        sym-rename NAME NEW    rename a dynamic symbol (same length)
        drop-gpu-digest        end the ABI record before its GPU digest
                               item (as an older seqc wrote it)
        set PATH JSON          set a metadata field (PATH like
                               entries.0.function; format version 2's GPU
                               images are kept)
        del PATH               delete a metadata field or list element
  seqpkg.py gpu-images IN
      Lists the GPU images of a format-version-2 artifact: per target its
      binary (format, ELF machine, size, the manifest's kernels) and the
      `.target` line of its PTX.
  seqpkg.py gpu-plan IN INDEX
      Prints the launch plan of GPU target INDEX: per entry its kernels and
      the kinds of its device buffers.
  seqpkg.py sweep IN TMP N SEED SEQRUN...
      Runs `SEQRUN TMP --info` on truncations of the code of IN and on N
      random byte flips (from SEED) in its ELF headers and tables, each with
      a recomputed checksum; prints how many ended other than with exit
      status 0 or 1 (a signal, an assertion in the loader).
  seqpkg.py npy OUT.npy DESCR SHAPE VALUE...
      Writes a .npy file, e.g. `npy x.npy '<f4' 2x3 1 2 3 4 5 6`
      (SHAPE `scalar` for a 0-d array).
  seqpkg.py safetensors OUT NAME DTYPE SHAPE VALUE... [-- NAME ...]
      Writes a safetensors file of F32/I32/I64 tensors.
"""

import json
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


ABI_PLACEHOLDER = b"@SEQ_ABI_RECORD@"
ABI_CAPACITY = 4096


def abi_escape(name):
    keep = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            "_.$-")
    return "".join(c if c in keep else "%%%02X" % b
                   for c, b in zip(name, name.encode()))


def abi_type(desc):
    dims = "x".join("?" if d < 0 else str(d) for d in desc["shape"])
    return "%s[%s]" % (desc["dtype"], dims)


def abi_record(metadata):
    """The `__seq_abi` record of a metadata document (seqrt/Abi.h)."""
    items = ["seqabi2"]
    for e in metadata["entries"]:
        pairs = ",".join("%d=%d" % (i, o) for i, o in e.get("inplace", []))
        items.append("e:%s:%s:%s:%s" % (
            abi_escape(e["function"]),
            ",".join(abi_type(t) for t in e["inputs"]),
            ",".join(abi_type(t) for t in e["outputs"]), pairs))
    for p in metadata["parameters"]:
        items.append("p:%s:%s:%s" % (abi_escape(p["global"]), abi_type(p),
                                     p.get("encoding", "")))
    return ";".join(items).encode()


def pack(metadata_path, code_path, out_path):
    triple = platform.machine() + "-unknown-linux-gnu"
    with open(metadata_path) as f:
        metadata = f.read().replace("@HOST_TRIPLE@", triple).encode()
    with open(code_path, "rb") as f:
        code = f.read()
    at = code.find(ABI_PLACEHOLDER)
    if at >= 0:
        record = abi_record(json.loads(metadata))
        assert len(record) < ABI_CAPACITY
        code = (code[:at] + record.ljust(ABI_CAPACITY, b"\0") +
                code[at + ABI_CAPACITY:])
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


def read_artifact(path, images=None):
    """The metadata and code; format version 2's GPU images (the section
    after the code) go to `images` (a list) when given."""
    with open(path, "rb") as f:
        data = f.read()
    version = struct.unpack("<I", data[8:12])[0]
    m, c = struct.unpack("<QQ", data[16:32])
    start = 48 if version == 2 else 40
    if images is not None:
        images.append(data[start + m + c:])
    return data[start:start + m], bytearray(data[start + m:start + m + c])


def write_artifact(path, metadata, code, images=b""):
    """Format version 2 when there are GPU images, else version 1."""
    payload = bytes(metadata) + bytes(code) + bytes(images)
    header = MAGIC + struct.pack("<IIQQQ", 2 if images else 1, 0,
                                 len(metadata), len(code), fnv1a64(payload))
    if images:
        header += struct.pack("<Q", len(images))
    with open(path, "wb") as f:
        f.write(header + payload)


class Elf:
    """Just enough of an ELF64 little-endian shared object to tamper with."""

    def __init__(self, code):
        self.code = code
        (self.phoff, self.shoff) = struct.unpack_from("<QQ", code, 32)
        self.phnum, = struct.unpack_from("<H", code, 56)
        self.shnum, = struct.unpack_from("<H", code, 60)

    def phdrs(self):
        for i in range(self.phnum):
            at = self.phoff + 56 * i
            yield at, struct.unpack_from("<IIQQQQQQ", self.code, at)

    def offset_of(self, vaddr):
        for _, (ptype, _, off, va, _, filesz, _, _) in self.phdrs():
            if ptype == 1 and va <= vaddr < va + filesz:
                return off + vaddr - va
        raise SystemExit("address %#x is not in the file" % vaddr)

    def dynamic(self):
        for _, (ptype, _, off, _, _, filesz, _, _) in self.phdrs():
            if ptype == 2:
                for at in range(off, off + filesz, 16):
                    yield at, struct.unpack_from("<qQ", self.code, at)

    def dyn_value(self, tag):
        for at, (t, v) in self.dynamic():
            if t == tag:
                return at, v
        raise SystemExit("no dynamic tag %d" % tag)

    def symbol(self, name):
        """The file offset of the .dynsym entry of `name`."""
        for i in range(self.shnum):
            sh = struct.unpack_from("<IIQQQQIIQQ", self.code,
                                    self.shoff + 64 * i)
            if sh[1] != 11:  # SHT_DYNSYM
                continue
            strtab = struct.unpack_from("<IIQQQQIIQQ", self.code,
                                        self.shoff + 64 * sh[6])[4]
            for at in range(sh[4], sh[4] + sh[5], 24):
                st_name, = struct.unpack_from("<I", self.code, at)
                end = self.code.index(b"\0", strtab + st_name)
                if self.code[strtab + st_name:end].decode() == name:
                    return at
        raise SystemExit("no dynamic symbol " + name)


def metadata_path(root, path):
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for k in keys[:-1]:
        root = root[k]
    return root, keys[-1]


def tamper(in_path, out_path, how, args):
    images = []
    metadata, code = read_artifact(in_path, images)
    elf = Elf(code)
    if how == "code-truncate":
        code = code[:int(args[0])]
    elif how == "phoff":
        struct.pack_into("<Q", code, 32, len(code) - 10)
    elif how == "phnum":
        struct.pack_into("<H", code, 56, int(args[0]))
    elif how == "load-filesz":
        last = [at for at, ph in elf.phdrs() if ph[0] == 1][-1]
        filesz, memsz = struct.unpack_from("<QQ", code, last + 32)
        struct.pack_into("<QQ", code, last + 32, filesz + 0x100000,
                         memsz + 0x100000)
    elif how == "dynamic-vaddr":
        at = [at for at, ph in elf.phdrs() if ph[0] == 2][0]
        struct.pack_into("<Q", code, at + 16, 0x7FFF0000)
    elif how == "strsz":
        at, _ = elf.dyn_value(10)
        struct.pack_into("<Q", code, at + 8, 0x10000000)
    elif how == "symtab":
        at, _ = elf.dyn_value(6)
        struct.pack_into("<Q", code, at + 8, 0x7FFF000)
    elif how == "rela-offset":
        _, rela = elf.dyn_value(7)
        struct.pack_into("<Q", code, elf.offset_of(rela), 0x10)
    elif how == "gnu-hash-buckets0":
        _, table = elf.dyn_value(0x6FFFFEF5)
        struct.pack_into("<I", code, elf.offset_of(table), 0)
    elif how == "dyn-null":
        for at, (t, _) in elf.dynamic():
            if t == 0:
                struct.pack_into("<q", code, at, 21)  # DT_DEBUG
    elif how == "sym-type":
        at = elf.symbol(args[0])
        kind = {"func": 2, "object": 1}[args[1]]
        code[at + 4] = (code[at + 4] & 0xF0) | kind
    elif how == "drop-gpu-digest":
        # Ends the code's ABI record before its GPU digest item (the last
        # one), as an older seqc wrote it: for tests of what such
        # artifacts do once their metadata is edited.
        at = code.index(b";g:")
        assert code[at + 19] == 0, "the g item is not the record's last"
        code[at:at + 19] = bytes(19)
    elif how == "sym-size":
        struct.pack_into("<Q", code, elf.symbol(args[0]) + 16, int(args[1]))
    elif how == "sym-rename":
        assert len(args[0]) == len(args[1])
        at = elf.symbol(args[0])
        name = code.index(args[0].encode() + b"\0")
        code[name:name + len(args[1])] = args[1].encode()
    elif how in ("set", "del"):
        root = json.loads(metadata)
        parent, key = metadata_path(root, args[0])
        if how == "set":
            parent[key] = json.loads(args[1])
        else:
            del parent[key]
        metadata = json.dumps(root, indent=1).encode()
    else:
        sys.exit("unknown tampering " + how)
    write_artifact(out_path, metadata, code, images[0])


def sweep(in_path, tmp_path, count, seed, seqrun):
    import random
    import subprocess
    metadata, code = read_artifact(in_path)
    elf = Elf(code)
    dynamic = [ph[2] for _, ph in elf.phdrs() if ph[0] == 2][0]
    rng = random.Random(int(seed))
    cases = [code[:n] for n in range(0, len(code), max(1, len(code) // 64))]
    for _ in range(int(count)):
        start, end = rng.choice([(0, 64 + 56 * elf.phnum), (0, 4096),
                                 (dynamic, dynamic + 0x200)])
        flipped = bytearray(code)
        at = rng.randrange(start, min(end, len(code)))
        flipped[at] ^= rng.randrange(1, 256)
        cases.append(flipped)
    bad = 0
    for case in cases:
        write_artifact(tmp_path, metadata, case)
        status = subprocess.run(seqrun + [tmp_path, "--info"],
                                capture_output=True).returncode
        if status not in (0, 1):
            bad += 1
            print("status %d" % status)
    print("%d cases, %d crashed" % (len(cases), bad))


def gpu_images(in_path):
    images = []
    metadata, _ = read_artifact(in_path, images)
    for target in json.loads(metadata)["gpu_targets"]:
        binary = target["binary"]
        data = images[0][binary["offset"]:binary["offset"] + binary["size"]]
        machine = struct.unpack_from("<H", data, 18)[0] \
            if data[:4] == b"\x7fELF" else None
        kernels = ",".join(k["name"] for k in target["manifest"]["kernels"])
        print("%s binary %s ELF machine %s, %d bytes, kernels %s" %
              (target["target"], binary["format"], machine, len(data),
               kernels))
        if "ptx" in target:
            ptx = target["ptx"]
            text = images[0][ptx["offset"]:ptx["offset"] + ptx["size"]]
            lines = [line for line in text.decode(errors="replace").split("\n")
                     if line.startswith(".target")]
            print("%s ptx %s" % (target["target"],
                                 lines[0] if lines else "(no .target)"))


def gpu_plan(in_path, index):
    """Prints the launch plan of GPU target `index`: per entry its kernels
    and its buffers' kinds."""
    metadata, _ = read_artifact(in_path)
    plan = json.loads(metadata)["gpu_targets"][int(index)]["host"]
    print(plan["format"], plan["version"])
    for entry in plan["entries"]:
        print(entry["name"], [s["kernel"] for s in entry["steps"]],
              [b["kind"] for b in entry["buffers"]])


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
    elif argv[1] == "tamper":
        tamper(argv[2], argv[3], argv[4], argv[5:])
    elif argv[1] == "gpu-images":
        gpu_images(argv[2])
    elif argv[1] == "gpu-plan":
        gpu_plan(argv[2], argv[3])
    elif argv[1] == "sweep":
        sweep(argv[2], argv[3], argv[4], argv[5], argv[6:])
    elif argv[1] == "npy":
        npy(argv[2], argv[3], argv[4], argv[5:])
    elif argv[1] == "safetensors":
        safetensors(argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
