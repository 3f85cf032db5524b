#!/usr/bin/env bash
# Memory side by side: RSS of a standalone ringkv node and of redis-server (in memory, no
# persistence) holding the same KEYS keys of 100-byte values, loaded the same way
# (scripts/load-sequential.mjs: MSETs of 1000 keys, 16 in flight). ringkv's RSS includes LMDB's
# memory-mapped pages (file-backed: the kernel may drop them) and its KVCache (--cache-bytes).
# Usage (after `npm run build`): scripts/bench-memory.sh [KEYS=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}
source scripts/bench-lib.sh
need "redis-server redis-tools" redis-server redis-cli
bench_setup bench-memory

read -r RINGKV_PORT REDIS_PORT < <(node scripts/free-ports.js 2)
node bin/ringkv.js node --port $RINGKV_PORT --data "$WORK/ringkv" --log-level warn & RINGKV_PID=$!; PIDS+=($RINGKV_PID)
redis-server --port $REDIS_PORT --save '' --appendonly no --dir "$WORK" --daemonize no --logfile "$WORK/redis.log" & REDIS_PID=$!; PIDS+=($REDIS_PID)
wait_for_ping $RINGKV_PORT $REDIS_PORT

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
load() { # port: prints the load's seconds after checking every key arrived
  local start end out
  start=$(date +%s.%N)
  out=$(node scripts/load-sequential.mjs "$1" "$KEYS" 100)
  end=$(date +%s.%N)
  [ "$out" = "dbsize $KEYS" ] || { echo "loading port $1 failed: $out" >&2; exit 1; }
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}
ours_s=$(load $RINGKV_PORT); theirs_s=$(load $REDIS_PORT)
sleep 1 # let both settle (ringkv's last commits, the allocators)
ours=$(rss_mib $RINGKV_PID); theirs=$(rss_mib $REDIS_PID)
printf '%-14s %10s %8s\n' "$KEYS keys" "RSS MiB" "load s"
printf '%-14s %10s %8s\n' ringkv "$ours" "$ours_s"
printf '%-14s %10s %8s\n' redis-server "$theirs" "$theirs_s"
echo "ratio rss ringkv/redis: $(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')"
