#!/usr/bin/env bash
# What packaging costs: the size of what a host needs and the cold start of the binary the
# .deb installs (Swift runtime linked statically, stripped), against the binary
# `swift build -c release` makes (Swift runtime as shared libraries from the toolchain).
# Cold start = a new process each run, to exit: `reconcile --version`, then
# `reconcile validate` on a one-manifest repository; runs alternate between the two
# binaries; the page cache is warm for both (dropping it would disturb the machine).
#
# Usage: scripts/bench/package.sh [runs]   (default 50; the packaged build is scripts/package's
# in .build-static, the baseline `swift build -c release` is made here in .build-release).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/common.sh
require_tools python3 git dpkg-deb ldd
RUNS=${1:-50}
out=$PWD/bench-out/package
rm -rf "$out"
mkdir -p "$out"

scripts/package >&2
deb=$(ls dist/reconcile_*.deb)
dpkg-deb -x "$deb" "$out/installed"
installed="$out/installed/usr/bin/reconcile"
baseline=$(release_reconcile .build-release)
cp "$baseline" "$out/reconcile-release"
baseline="$out/reconcile-release"

repo="$out/repo"
git -c init.defaultBranch=main init -q "$repo"
mkdir -p "$repo/manifests"
printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhealth:\n  - name: api\n    url: http://127.0.0.1:1/\n    expect: { status: 200 }\n' >"$repo/manifests/site.yaml"
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm bench

# The toolchain libraries the release build loads: what a host would need besides it.
toolchain_kib=$(ldd "$baseline" | awk '/=> \// {print $3}' | grep -v -E '^/(usr/)?lib' | xargs -r du -kL | awk '{s+=$1} END {print s+0}')

python3 - "$RUNS" "$installed" "$baseline" "$repo" "$deb" "$toolchain_kib" <<'EOF'
import os, statistics, subprocess, sys, time
runs, installed, baseline, repo, deb, toolchain_kib = int(sys.argv[1]), *sys.argv[2:6], int(sys.argv[6])
kib = lambda path: os.path.getsize(path) / 1024
print(f"size: .deb {kib(deb):.0f} KiB; installed binary {kib(installed):.0f} KiB (stripped, Swift runtime inside)")
print(f"size: swift build -c release binary {kib(baseline):.0f} KiB + {toolchain_kib} KiB of toolchain libraries it loads "
      f"= {kib(baseline) + toolchain_kib:.0f} KiB")
print(f"ratio size installed/release (binary alone): {kib(installed) / kib(baseline):.2f}; "
      f"(with its toolchain libraries): {kib(installed) / (kib(baseline) + toolchain_kib):.2f}")
environment = dict(os.environ, NO_COLOR="1")
environment.pop("RECONCILE_HEALTH_TOKEN", None)
for name, arguments in [("--version", ["--version"]), ("validate", ["validate"])]:
    times = {installed: [], baseline: []}
    for _ in range(runs):
        for binary in (installed, baseline):
            start = time.perf_counter()
            subprocess.run([binary, *arguments], cwd=repo, env=environment, check=True, stdout=subprocess.DEVNULL)
            times[binary].append((time.perf_counter() - start) * 1000)
    a, b = statistics.median(times[installed]), statistics.median(times[baseline])
    print(f"cold start {name}: installed {a:.1f} ms median ({min(times[installed]):.1f} best), "
          f"release {b:.1f} ms median ({min(times[baseline]):.1f} best); ratio {a / b:.2f}  ({runs} runs each)")
EOF
