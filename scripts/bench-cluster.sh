#!/usr/bin/env bash
# Side-by-side benchmark of the default cluster (`ringkv start`: a coordinator and 3 storage nodes,
# R = 2, every write a 2PC transaction with its prepares and decision fsync'd) in one run, on one
# machine, against its two peers:
#   puts:  a single-node etcd (Debian's etcd-server; every put fsync'd to its WAL), both driven by
#          scripts/put-bench.js with INFLIGHT requests in flight (etcd through the etcd3 npm client);
#   GETs:  redis-server as it ships (in memory), both driven by redis-benchmark, 50 clients, no
#          pipelining, over a preloaded keyspace so that every GET hits.
# Rounds alternate between the systems so that noise on this shared machine hits both alike; each
# figure is the median of ROUNDS rounds.
# Usage (after `npm run build`): scripts/bench-cluster.sh [ROUNDS (odd)] [SECONDS] [INFLIGHT] [KEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
INFLIGHT=${3:-64}
KEYS=${4:-100000}
[ $((ROUNDS % 2)) -eq 1 ] || { echo "ROUNDS must be odd (each figure is a median)" >&2; exit 2; }
source scripts/bench-lib.sh
need "etcd-server etcd-client redis-server redis-tools" etcd etcdctl redis-server redis-cli redis-benchmark
bench_setup bench

# Free ports, so that a run never meets another server (the storage nodes pick their own).
read -r RINGKV_PORT ETCD_PORT ETCD_PEER_PORT REDIS_PORT < <(node scripts/free-ports.js 4)
node bin/ringkv.js start --data "$WORK/ringkv" --port $RINGKV_PORT --log-level warn >"$WORK/ringkv.out" 2>&1 & PIDS+=($!)
etcd --name bench --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER_PORT" --log-level error >"$WORK/etcd.out" 2>&1 & PIDS+=($!)
redis-server --port $REDIS_PORT --save '' --appendonly no --dir "$WORK" --daemonize no --logfile "$WORK/redis.log" & PIDS+=($!)

# Ready: the cluster accepts a write (its nodes have joined), etcd answers a put, redis a ping.
ready ringkv '[ "$(redis-cli -p $RINGKV_PORT set bench:ready 1)" = OK ]'
ready etcd 'ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$ETCD_PORT" put bench:ready 1'
ready redis-server 'redis-cli -p $REDIS_PORT ping'

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!(process.argv[1] in r)) process.exit(1); console.log(r[process.argv[1]])' "$1" \
  || fail "not a put-bench result: $(cat)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "== puts, $INFLIGHT in flight, ${SECONDS_PER_RUN}s per run, median of $ROUNDS =="
puts() { node scripts/put-bench.js "$1" "127.0.0.1:$2" --inflight "$INFLIGHT" --seconds "$SECONDS_PER_RUN" --keys $KEYS; }
ours=(); theirs=()
for round in $(seq "$ROUNDS"); do
  ours+=("$(puts ringkv $RINGKV_PORT)"); theirs+=("$(puts etcd $ETCD_PORT)")
  echo "round $round: ${ours[-1]}"; echo "round $round: ${theirs[-1]}"
done
printf '%-8s %10s %9s %9s %7s\n' system "puts/s" "p50 ms" "p99 ms" errors
for side in ringkv etcd; do
  if [ $side = ringkv ]; then runs=("${ours[@]}"); else runs=("${theirs[@]}"); fi
  rate=$(for r in "${runs[@]}"; do echo "$r" | field putsPerSecond; done | median)
  p50=$(for r in "${runs[@]}"; do echo "$r" | field p50Ms; done | median)
  p99=$(for r in "${runs[@]}"; do echo "$r" | field p99Ms; done | median)
  errors=$(for r in "${runs[@]}"; do echo "$r" | field errors; done | awk '{s+=$1} END {print s}')
  printf '%-8s %10s %9s %9s %7s\n' $side "$rate" "$p50" "$p99" "$errors"
  [ $side = ringkv ] && ours_rate=$rate || theirs_rate=$rate
done
echo "ratio ringkv/etcd: $(ratio "$ours_rate" "$theirs_rate")"

echo "== GET, 50 clients, no pipelining, $KEYS preloaded keys, after a first pass, median of $ROUNDS =="
# Every key redis-benchmark asks for (key:000000000000 ... key:000000099999) is loaded into both,
# 100 per MSET, so that every GET hits on both sides.
preload() {
  local report
  report=$(node -e '
    const [keys, value] = [Number(process.argv[1]), "v".repeat(100)];
    for (let first = 0; first < keys; first += 100) {
      const args = ["MSET"];
      for (let k = first; k < Math.min(first + 100, keys); k++) args.push(`key:${String(k).padStart(12, "0")}`, value);
      process.stdout.write(`*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(""));
    }' $KEYS | redis-cli -p "$1" --pipe 2>&1)
  echo "$report" | grep -q "errors: 0," || fail "preloading port $1 failed: $report"
}
preload $RINGKV_PORT; preload $REDIS_PORT
gets() { redis-benchmark -p "$1" -t get -c 50 -n $KEYS -d 100 -r $KEYS -q --csv | awk -F'"' 'NR==2 {print $4 " " $10 " " $14}'; }
# The first pass reads most keys for the first time: through the coordinator that is a replica
# round trip, after which its cache holds the key. It is shown, and the rounds measure after it.
echo "first pass (coordinator cache cold): ringkv $(gets $RINGKV_PORT), redis $(gets $REDIS_PORT) (GET/s p50 p99)"
ours=(); theirs=()
for _ in $(seq "$ROUNDS"); do ours+=("$(gets $RINGKV_PORT)"); theirs+=("$(gets $REDIS_PORT)"); done
printf '%-8s %10s %9s %9s\n' system "GET/s" "p50 ms" "p99 ms"
for side in ringkv redis; do
  if [ $side = ringkv ]; then runs=("${ours[@]}"); else runs=("${theirs[@]}"); fi
  rate=$(printf '%s\n' "${runs[@]}" | awk '{print $1}' | median)
  p50=$(printf '%s\n' "${runs[@]}" | awk '{print $2}' | median)
  p99=$(printf '%s\n' "${runs[@]}" | awk '{print $3}' | median)
  printf '%-8s %10s %9s %9s\n' $side "$rate" "$p50" "$p99"
  [ $side = ringkv ] && ours_rate=$rate || theirs_rate=$rate
done
echo "ratio ringkv/redis: $(ratio "$ours_rate" "$theirs_rate")"
