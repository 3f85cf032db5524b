#!/usr/bin/env bash
# Side-by-side benchmark, one run, same machine, same client tool (redis-benchmark):
#   ringkv node (durable: every SET fsync'd before OK)  vs  redis-server.
# GET is compared with redis-server as it ships (in memory); SET with redis-server in its durable
# mode (appendonly yes, appendfsync always). Every figure is the median of ROUNDS runs, and the
# runs alternate between the servers so that noise on this shared machine hits both alike.
# Usage: scripts/bench-vs-redis.sh [ROUNDS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
REQUESTS=${2:-200000}
CLIENTS=50
source scripts/bench-lib.sh
need "redis-server redis-tools" redis-server redis-cli redis-benchmark
bench_setup bench

# Free ports, so that a run never meets another server.
read -r RINGKV_PORT REDIS_MEM_PORT REDIS_AOF_PORT < <(node scripts/free-ports.js 3)
node bin/ringkv.js node --port $RINGKV_PORT --data "$WORK/ringkv" --log-level warn & PIDS+=($!)
redis-server --port $REDIS_MEM_PORT --save '' --appendonly no --dir "$WORK" --daemonize no --logfile "$WORK/mem.log" & PIDS+=($!)
mkdir -p "$WORK/aof"
redis-server --port $REDIS_AOF_PORT --save '' --appendonly yes --appendfsync always --dir "$WORK/aof" --daemonize no --logfile "$WORK/aof.log" & PIDS+=($!)
wait_for_ping $RINGKV_PORT $REDIS_MEM_PORT $REDIS_AOF_PORT

# ops/s of one redis-benchmark run: port, test, pipeline depth.
run() { redis-benchmark -p "$1" -t "$2" -c $CLIENTS -n "$REQUESTS" -P "$3" -d 100 -r 100000 -q --csv | awk -F'"' 'NR==2 {print $4}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Preload the keyspace so GETs hit.
redis-benchmark -p $RINGKV_PORT -t set -c 50 -n 200000 -r 100000 -d 100 -P 16 -q >/dev/null
redis-benchmark -p $REDIS_MEM_PORT -t set -c 50 -n 200000 -r 100000 -d 100 -P 16 -q >/dev/null

printf '%-28s %14s %14s %8s\n' "workload ($CLIENTS clients)" "ringkv ops/s" "redis ops/s" "ratio"
compare() { # label test pipeline redis-port
  local ours=() theirs=()
  for _ in $(seq "$ROUNDS"); do ours+=("$(run $RINGKV_PORT "$2" "$3")"); theirs+=("$(run "$4" "$2" "$3")"); done
  local a b; a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
  printf '%-28s %14.0f %14.0f %8.2f\n' "$1" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')"
}
compare "GET, no pipelining"        get 1  $REDIS_MEM_PORT
compare "GET, pipeline 16"          get 16 $REDIS_MEM_PORT
compare "SET durable, no pipelining" set 1  $REDIS_AOF_PORT
compare "SET durable, pipeline 16"  set 16 $REDIS_AOF_PORT
