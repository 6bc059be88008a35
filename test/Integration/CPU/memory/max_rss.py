#!/usr/bin/env python3
"""Runs a command and fails if its peak resident memory exceeds a limit.

usage: max_rss.py LIMIT_MIB [--stack STACK_MIB] -- command args...
Prints the peak RSS so the test log records it. With --stack the command
runs under that stack size limit (RLIMIT_STACK).
"""
import resource
import subprocess
import sys


def main():
    sep = sys.argv.index("--")
    limit_mib = float(sys.argv[1])
    preexec = None
    if "--stack" in sys.argv[:sep]:
        stack = int(sys.argv[sys.argv.index("--stack") + 1]) * 1024 * 1024

        def preexec():
            resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    status = subprocess.call(sys.argv[sep + 1:], preexec_fn=preexec)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(f"peak RSS: {peak_mib:.1f} MiB (limit {limit_mib:.0f} MiB)")
    if status != 0:
        sys.exit(status)
    if peak_mib > limit_mib:
        print("error: peak RSS over the limit", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
