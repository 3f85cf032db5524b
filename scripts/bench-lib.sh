# Shared by the benchmark scripts (sourced, not run): a work directory, the processes started
# into it stopped on exit (the logs kept when the run fails), and the checks every script needs.
# Usage: source scripts/bench-lib.sh; bench_setup NAME; start things with `... & PIDS+=($!)`.

# bench_setup NAME: makes $WORK (/tmp/ringkv-NAME.XXXXXX) and stops $PIDS and removes $WORK on exit.
bench_setup() {
  WORK=$(mktemp -d "/tmp/ringkv-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ $status -eq 0 ]; then rm -rf "$WORK"; else echo "failed; logs in $WORK" >&2; fi
}

fail() { echo "$1" >&2; exit 1; }

# need "apt packages" tool...: exits 2 naming the packages when a tool is missing.
need() {
  local packages=$1; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install $packages)" >&2; exit 2; }
  done
}

# ready WHAT COMMAND: waits up to 30 s until COMMAND succeeds.
ready() { for _ in $(seq 300); do eval "$2" >/dev/null 2>&1 && return 0; sleep 0.1; done; fail "$1 did not start"; }

# wait_for_ping PORT...: waits until each RESP server answers PING.
wait_for_ping() {
  for port in "$@"; do ready "the server on port $port" "redis-cli -p $port ping"; done
}
