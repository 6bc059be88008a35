"""Medians, ratios and fractions of copy bandwidth from round.sh logs:
python3 summarize.py log..."""
import re, sys, statistics as st, collections
for log in sys.argv[1:]:
    copies = []; t = collections.defaultdict(list); by = {}
    for l in open(log):
        m = re.match(r"copy T(\d) round\d+ ([\d.]+) GB/s", l)
        if m: copies.append(float(m.group(2))); T = int(m.group(1)); continue
        m = re.match(r"(\S+) T(\d) (\S+) round(\d+) cpu ([\d.]+) bytes (\d+)", l)
        if m:
            t[(m.group(1), m.group(3))].append(float(m.group(5))); by[m.group(1)] = int(m.group(6)); T = int(m.group(2))
    cb = st.median(copies)
    print(f"## {log}: threads {T}, copy bandwidth (torch copy_, CPU time) median {cb:.2f} GB/s of {len(copies)} rounds ({min(copies):.2f}-{max(copies):.2f})")
    print("| case | MB | main ms (median) | branch ms (median) | main/branch | branch GB/s | branch of copy bw | main of copy bw | rounds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c in dict.fromkeys(k[0] for k in t):
        a, b = st.median(t[(c, 'main')]), st.median(t[(c, 'new')])
        gbs = lambda ms: by[c] / (ms / T / 1e3) / 1e9
        print(f"| {c} | {by[c]/1e6:.0f} | {a:.2f} | {b:.2f} | {a/b:.2f}x | {gbs(b):.1f} | {100*gbs(b)/cb:.0f}% | {100*gbs(a)/cb:.0f}% | {len(t[(c,'new')])} |")
