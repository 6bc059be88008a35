# bench_cpu.py's copy bandwidth (256 MiB torch copy_, read + write bytes, best of 7),
# timed in process CPU time instead of wall time (the machine is shared).
import os, sys, time, torch
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(n)
a = torch.ones(64 * 1024 * 1024); b = torch.empty_like(a)
best = 1e9
for _ in range(7):
    t = time.process_time(); b.copy_(a); best = min(best, time.process_time() - t)
# CPU time of all n threads: the copy took best / n of each.
print(f"{2 * a.numel() * 4 / (best / n) / 1e9:.2f}")
