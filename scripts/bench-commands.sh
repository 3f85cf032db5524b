#!/usr/bin/env bash
# redis-benchmark's own runs of the commands real applications use (SET, GET, INCR, MSET of 10
# keys, HSET), side by side in one run: a standalone ringkv node and a 3-node ringkv cluster
# (`ringkv start`: every write a durable 2PC transaction) against redis-server as it ships (in
# memory) — ringkv's writes are fsync'd, redis's are not, so write ratios read low by design; the
# durable comparison is scripts/bench-vs-redis.sh. Each run must complete with no error reply
# (redis-benchmark stops at the first one). Every figure is the median of ROUNDS runs, the systems
# alternating so that noise hits all alike.
# Usage (after `npm run build`): scripts/bench-commands.sh [ROUNDS (odd)] [REQUESTS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
REQUESTS=${2:-50000}
CLIENTS=${3:-50}
TESTS="set,get,incr,mset,hset"
[ $((ROUNDS % 2)) -eq 1 ] || { echo "ROUNDS must be odd (each figure is a median)" >&2; exit 2; }
source scripts/bench-lib.sh
need "redis-server redis-tools" redis-server redis-cli redis-benchmark
bench_setup commands

read -r CLUSTER_PORT NODE_PORT REDIS_PORT < <(node scripts/free-ports.js 3)
node bin/ringkv.js start --data "$WORK/cluster" --port "$CLUSTER_PORT" --log-level warn >"$WORK/cluster.out" 2>&1 & PIDS+=($!)
node bin/ringkv.js node --port "$NODE_PORT" --data "$WORK/node" --log-level warn >"$WORK/node.out" 2>&1 & PIDS+=($!)
redis-server --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" --daemonize no --logfile "$WORK/redis.log" & PIDS+=($!)
ready "the ringkv cluster" "[ \"\$(redis-cli -p $CLUSTER_PORT set bench:ready 1)\" = OK ]"
wait_for_ping "$NODE_PORT" "$REDIS_PORT"

# One redis-benchmark run: "test,ops/s" lines; fails on an error reply or a missing figure.
run() { # port
  local out
  out=$(redis-benchmark -p "$1" -t "$TESTS" -c "$CLIENTS" -n "$REQUESTS" -r 100000 -d 100 -q --csv 2>&1) || fail "redis-benchmark on port $1 failed: $out"
  grep -qi "error" <<<"$out" && fail "an error reply on port $1: $out"
  awk -F'"' 'NR > 1 {print $2 "," $4}' <<<"$out"
}
for round in $(seq "$ROUNDS"); do
  run "$NODE_PORT" | sed "s/^/node,/" >>"$WORK/figures"
  run "$CLUSTER_PORT" | sed "s/^/cluster,/" >>"$WORK/figures"
  run "$REDIS_PORT" | sed "s/^/redis,/" >>"$WORK/figures"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
figure() { grep "^$1,$2," "$WORK/figures" | cut -d, -f3 | median; }
printf '%-22s %12s %12s %12s %8s %8s\n' "test ($CLIENTS clients)" "node ops/s" "cluster" "redis" "node/r" "clust/r"
cut -d, -f2 "$WORK/figures" | awk '!seen[$0]++' | while IFS= read -r name; do
  node_ops=$(figure node "$name"); cluster_ops=$(figure cluster "$name"); redis_ops=$(figure redis "$name")
  [ -n "$node_ops" ] && [ -n "$cluster_ops" ] && [ -n "$redis_ops" ] || fail "no figure for $name on every system"
  printf '%-22s %12.0f %12.0f %12.0f %8.2f %8.2f\n' "$name" "$node_ops" "$cluster_ops" "$redis_ops" \
    "$(awk -v a="$node_ops" -v b="$redis_ops" 'BEGIN {print a / b}')" "$(awk -v a="$cluster_ops" -v b="$redis_ops" 'BEGIN {print a / b}')"
done
