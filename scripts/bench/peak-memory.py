#!/usr/bin/env python3
"""Runs a command and prints two numbers in KB: its peak resident memory (the kernel's
ru_maxrss, exact) and its peak anonymous memory (sampled from /proc/PID/smaps_rollup every
few milliseconds, so a lower bound). Resident memory counts the clean pages of the binary
and its shared libraries that the process touched, which the page cache shares and can
drop; anonymous memory is what the process itself allocated (heap, stacks).

Usage: scripts/bench/peak-memory.py COMMAND [ARGS...]   (its output goes to /dev/null)
"""
import os
import subprocess
import sys
import time


def anonymous_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def main() -> None:
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_anonymous = 0
    while True:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_anonymous = max(peak_anonymous, anonymous_kb(process.pid))
        time.sleep(0.003)
    print(usage.ru_maxrss, peak_anonymous)


if __name__ == "__main__":
    main()
