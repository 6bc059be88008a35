#!/usr/bin/env python3
"""Breaks a perf profile of seqrun down by DSO and generated-code symbol.

An artifact's code is loaded from a memfd, so perf shows bare offsets for
it. Extract the shared object first:

  python3 -c "import struct;d=open('m.seqpkg','rb').read();\
M,C=struct.unpack('<QQ',d[16:32]);open('m.so','wb').write(d[40+M:40+M+C])"
  perf record -o perf.data -- seqrun m.seqpkg ...
  bench/perf_by_symbol.py perf.data m.so

perf reports file offsets in the memfd; they are mapped to the symbols of
`llvm-nm-22 -n m.so` (through the executable segment's vaddr - offset).
"""
import subprocess, sys, bisect, collections
data, so = sys.argv[1], sys.argv[2]
syms = []
for line in subprocess.run(['llvm-nm-22', '-n', '--defined-only', so], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 3 and p[1] in 'tTwW':
        syms.append((int(p[0], 16), p[2]))
addrs = [a for a, _ in syms]
import re as _re
_delta = 0
for _l in subprocess.run(['readelf', '-lW', so], capture_output=True, text=True).stdout.splitlines():
    _p = _l.split()
    if _p and _p[0] == 'LOAD' and 'E' in _p[6:-1]:
        _delta = int(_p[2], 16) - int(_p[1], 16)
out = subprocess.run(['perf', 'report', '-i', data, '--no-children', '--sort', 'dso,sym', '-g', 'none', '--percent-limit', '0.01', '--stdio'], capture_output=True, text=True).stdout
agg = collections.Counter()
for line in out.splitlines():
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    parts = line.split()
    pct = float(parts[0].rstrip('%'))
    if 'memfd' in line:
        addr = int(parts[-1], 16) + _delta
        i = bisect.bisect_right(addrs, addr) - 1
        agg['gen:' + (syms[i][1] if i >= 0 else '?')] += pct
    else:
        dso = parts[1]
        sym = ' '.join(parts[3:])
        if dso.startswith('[kernel'):
            agg['kernel'] += pct
        else:
            agg[dso + ':' + sym] += pct
for k, v in agg.most_common(25):
    print(f'{v:6.2f}%  {k}')
