"""Golden data for the MoE tile-list kernel (moe_tiles_m32,
test/Integration/GPU/moe_tile_list.test): the (group, first row) of every
32-row tile of the groups [offsets[g], offsets[g + 1]) for g < E and the
dropped slots [offsets[E], S) as group E, in group order, then (-1, 0) up
to L = ceil(S / 32) + E entries, and the status word (1 when the offsets
break 0 <= offsets[0] <= ... <= offsets[E] <= S). Written from that
definition with plain Python loops, independently of the kernel.

* moe_tiles_bf16: moe_gpu_bf16's dispatch (S = 96, E = 4; expert 0 holds
  41 slots: two tiles).
* moe_tiles_many: S = 1000 slots over E = 70 experts (more groups than a
  CUDA warp or a HIP wavefront has lanes: three and two chunks), empty
  groups, groups of exactly 32 and 64 rows, 37 dropped slots.
* moe_tiles_invalid: offsets that decrease (status 1); the list then holds
  the tiles of the clamped groups, at most L of them.

Run from this directory: python3 gen_moe_tiles.py
"""
import os

import numpy as np

ROWS = 32


def tile_list(slots, offsets):
    experts = len(offsets) - 1
    length = (slots + ROWS - 1) // ROWS + experts
    status = 0
    for g in range(experts + 1):
        if offsets[g] < 0 or offsets[g] > slots or (
                g > 0 and offsets[g] < offsets[g - 1]):
            status = 1
    tiles = []
    for g in range(experts + 1):
        first = min(max(offsets[g], 0), slots)
        last = slots if g == experts else min(max(offsets[g + 1], first),
                                               slots)
        row = first
        while row < last:
            tiles.append((g, row))
            row += ROWS
    tiles = tiles[:length]
    tiles += [(-1, 0)] * (length - len(tiles))
    return (np.array(tiles, np.int32).reshape(length, 2),
            np.array([status], np.int32))


def save(name, slots, offsets):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "Inputs", name)
    os.makedirs(out, exist_ok=True)
    offsets = np.array(offsets, np.int32)
    tiles, status = tile_list(slots, [int(v) for v in offsets])
    np.save(os.path.join(out, "permutation.npy"),
            np.arange(slots, dtype=np.int32))
    np.save(os.path.join(out, "expert_offsets.npy"), offsets)
    np.save(os.path.join(out, "tiles.npy"), tiles)
    np.save(os.path.join(out, "status.npy"), status)
    print(name, tiles.shape, int(status[0]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    bf16 = np.load(os.path.join(here, "..", "Inputs", "moe_gpu_bf16",
                                "expert_offsets.npy"))
    save("moe_tiles_bf16", 96, [int(v) for v in bf16])
    rng = np.random.default_rng(11)
    sizes = rng.integers(0, 20, size=70)
    sizes[3] = 0
    sizes[10] = 32
    sizes[20] = 64
    sizes[21] = 33
    sizes[69] = 0
    kept = int(sizes.sum())
    slots = kept + 37
    save("moe_tiles_many", slots, [0] + list(np.cumsum(sizes)))
    save("moe_tiles_invalid", 96, [0, 60, 20, 40, 96])


if __name__ == "__main__":
    main()
