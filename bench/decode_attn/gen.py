"""Writes the decode attention cases of cpu-2026-12-01-decode-attn-2.md
(bench_cpu.py's _attention_decode: GQA 32/8, D128, random inputs) to
$DA/cases/<name>/ (a.mlir, in0..2.npy, bytes): python3 gen.py [names]."""
import os, sys, numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import bench_cpu as B
DA = os.environ.get("DA", "/tmp/da")
cases = {"f32_4k_b1": (1,4096,"f32"), "f32_32k_b1": (1,32768,"f32"), "bf16_4k_b1": (1,4096,"bf16"), "bf16_32k_b1": (1,32768,"bf16"),
         "f32_4k_b16": (16,4096,"f32"), "f32_32k_b16": (16,32768,"f32"), "bf16_4k_b16": (16,4096,"bf16"), "bf16_32k_b16": (16,32768,"bf16")}
import os
rng = np.random.default_rng(0)
for name,(Bt,S,dt) in cases.items():
    if len(sys.argv) > 1 and name not in sys.argv[1:]: continue
    label, ir, inputs, ref, fl, by = B._attention_decode(rng, Bt, 32, 8, S, 128, dt)
    d = f"{DA}/cases/{name}"; os.makedirs(d, exist_ok=True)
    open(f"{d}/a.mlir","w").write(ir)
    for i,a in enumerate(inputs): np.save(f"{d}/in{i}.npy", a)
    open(f"{d}/bytes","w").write(str(by))
    print(name, label, by/1e6, "MB")
