#!/usr/bin/env python3
"""Hostile index inputs for the run-time check tests (issue #11).

Writes Inputs/hostile_moe/: MoE permutations and group offsets that break
what seq.moe_experts and seq.grouped_matmul assume (entries out of range,
offsets negative, decreasing or past the end). Each is a copy of a good
input of moe/moe_experts_gelu.mlir or moe/grouped_matmul.mlir with one
entry changed, so a test can run the good and the bad one side by side.
Writes Inputs/hostile_extents/: paged-KV block tables with ids past the
cache, negative, and at the i32 extremes (a copy of attn_paged_chunk's
table with entries changed), and cache_write tables for
kvcache/hostile_extents.mlir.
Deterministic: no random draws. NumPy only.
"""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "..", "Inputs")


def main():
    out = os.path.join(INPUTS, "hostile_moe")
    os.makedirs(out, exist_ok=True)
    perm = np.load(os.path.join(INPUTS, "moe_experts_gelu", "permutation.npy"))
    offsets = np.load(
        os.path.join(INPUTS, "moe_experts_gelu", "expert_offsets.npy"))
    assert perm.dtype == np.int32 and offsets.dtype == np.int32
    files = {}
    # A slot id past T * K = 16, and a negative one, inside group 2.
    bad = perm.copy()
    bad[3] = 16
    files["perm_past_end"] = bad
    bad = perm.copy()
    bad[9] = -5
    files["perm_negative"] = bad
    # Slot 3 listed twice (both in group 1), slot 6 never: in range, but
    # not a permutation.
    bad = perm.copy()
    bad[3] = 3
    files["perm_duplicate"] = bad
    # Offsets [0, 1, 7, 15, 16]: decreasing, past the 16 slots, negative.
    files["offsets_decreasing"] = np.array([0, 7, 1, 15, 16], np.int32)
    files["offsets_past_end"] = np.array([0, 1, 7, 15, 1 << 20], np.int32)
    files["offsets_negative"] = np.array([-3, 1, 7, 15, 16], np.int32)
    # grouped_matmul's offsets [0, 5, 5, 12, 18] over 20 rows.
    files["gm_offsets_past_rows"] = np.array([0, 5, 5, 12, 21], np.int32)
    files["gm_offsets_decreasing"] = np.array([0, 12, 5, 12, 18], np.int32)
    for name, array in files.items():
        np.save(os.path.join(out, name + ".npy"), array)
    write_hostile_extents()


def write_hostile_extents():
    out = os.path.join(INPUTS, "hostile_extents")
    os.makedirs(out, exist_ok=True)
    table = np.load(os.path.join(INPUTS, "attn_paged_chunk", "block_table.npy"))
    assert table.dtype == np.int32 and table.shape == (2, 4)
    files = {}
    # 10 cache blocks: id 10 past the end, -1, and the i32 extremes (a
    # large id segfaulted before the checks).
    bad = table.copy()
    bad[0, 3] = 10
    bad[1, 1] = 9
    files["bt_past_end"] = bad
    bad = table.copy()
    bad[1, 1] = -1
    files["bt_negative"] = bad
    bad = table.copy()
    bad[0, 2] = np.iinfo(np.int32).max
    bad[1, 0] = np.iinfo(np.int32).min
    files["bt_huge"] = bad
    # cache_write: 4 blocks of 2 positions, position 3 in table entry 1.
    files["write_pos"] = np.array([3], np.int32)
    files["write_table_ok"] = np.array([[1, 3]], np.int32)
    files["write_table_bad"] = np.array([[1, 7]], np.int32)
    files["write_table_huge"] = np.array([[1, np.iinfo(np.int32).min]],
                                         np.int32)
    for name, array in files.items():
        np.save(os.path.join(out, name + ".npy"), array)


if __name__ == "__main__":
    main()
