# Shared by the benchmark scripts (sourced, not run): the tools a benchmark needs, its
# release build of reconcile, and free loopback ports.

# require_tools TOOL...: stop with the Debian hint when a tool is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: apt-get install $tool)"; exit 1; }
  done
}

# release_reconcile SCRATCH: builds reconcile in release mode there (or in
# $RECONCILE_BENCH_SCRATCH, to share one release build between benchmarks) and prints
# the binary's path.
release_reconcile() {
  local scratch=${RECONCILE_BENCH_SCRATCH:-$1}
  swift build -c release --scratch-path "$scratch" --product reconcile 2>&1 | tail -1 >&2 || return 1
  echo "$(swift build -c release --scratch-path "$scratch" --show-bin-path)/reconcile"
}

# A benchmark's runs remember nothing of the machine's other runs: each passes
# --state-dir "$WORK/state" (the default state directory's run history is read and
# rewritten by every run, and grows with them).

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
