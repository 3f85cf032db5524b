#!/usr/bin/env bash
# Availability and catch-up of the default cluster shape (3 storage nodes, R = 3, W = 2), measured
# in one run, side by side with a single-node etcd for the put rates:
#   1. durable puts/s, INFLIGHT in flight, healthy (ringkv and etcd, scripts/put-bench.js);
#   2. kill -9 of one storage node under a write probe: how long writes to its keys fail
#      (scripts/outage-probe.js; the replica timeout is the default 3 s);
#   3. durable puts/s with that node down (ringkv and etcd);
#   4. WRITES distinct keys written while the node is away, then the node restarted on its data:
#      how long until it is in sync again (catch-up keys/s).
# The processes are started one by one (not `ringkv start`, whose supervisor would restart the
# killed node at once).
# Usage (after `npm run build`): scripts/bench-availability.sh [SECONDS] [INFLIGHT] [WRITES]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
INFLIGHT=${2:-64}
WRITES=${3:-100000}
source scripts/bench-lib.sh
need "etcd-server etcd-client redis-tools" etcd etcdctl redis-cli
bench_setup avail

read -r PORT N1 N2 N3 ETCD_PORT ETCD_PEER_PORT < <(node scripts/free-ports.js 6)
export RINGKV_SECRET=bench-secret-0123456789abcdef
node bin/ringkv.js coordinator --port "$PORT" --data "$WORK/coordinator" --replicas 3 --min-in-sync 2 --min-nodes 3 --log-level info \
  >"$WORK/coordinator.log" 2>&1 & PIDS+=($!)
start_node() { # id port
  node bin/ringkv.js node --join "127.0.0.1:$PORT" --id "$1" --port "$2" --data "$WORK/$1" --log-level warn >>"$WORK/$1.log" 2>&1 &
  PIDS+=($!); eval "PID_${1//-/_}=$!"
}
start_node node-1 "$N1"; start_node node-2 "$N2"; start_node node-3 "$N3"
etcd --name bench --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER_PORT" --log-level error >"$WORK/etcd.out" 2>&1 & PIDS+=($!)
ready ringkv '[ "$(redis-cli -p $PORT set bench:ready 1)" = OK ]'
ready etcd 'ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$ETCD_PORT" put bench:ready 1'

field() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r[process.argv[1]])' "$1"; }
puts() { node scripts/put-bench.js "$1" "127.0.0.1:$2" --inflight "$INFLIGHT" --seconds "$SECONDS_PER_RUN" --keys 100000; }
compare_puts() { # label
  local ours theirs
  ours=$(puts ringkv "$PORT"); theirs=$(puts etcd "$ETCD_PORT")
  printf '%-28s ringkv %8s puts/s (p99 %s ms, %s errors)  etcd %8s puts/s  ratio %s\n' "$1" \
    "$(echo "$ours" | field putsPerSecond)" "$(echo "$ours" | field p99Ms)" "$(echo "$ours" | field errors)" \
    "$(echo "$theirs" | field putsPerSecond)" \
    "$(awk -v a="$(echo "$ours" | field putsPerSecond)" -v b="$(echo "$theirs" | field putsPerSecond)" 'BEGIN {printf "%.2f", a / b}')"
}
info() { redis-cli -p "$PORT" info cluster | tr -d '\r' | awk -F: -v f="$1" '$1 == f {print $2}'; }

echo "== uptime: $(uptime)"
compare_puts "healthy, $INFLIGHT in flight"

echo "== kill -9 node-2 under a write probe (300 keys, one write at a time)"
node scripts/outage-probe.js "127.0.0.1:$PORT" --keys 300 --seconds 30 >"$WORK/probe.json" 2>"$WORK/probe.err" & PROBE=$!
ready probe 'grep -q ready "$WORK/probe.err"'
kill -9 "$PID_node_2"
wait "$PROBE"
echo "writes failed for $(field outageMs <"$WORK/probe.json") ms after the kill ($(field failures <"$WORK/probe.json") failed writes; replica timeout 3000 ms)"

compare_puts "node-2 down, $INFLIGHT in flight"

echo "== $WRITES distinct keys written while node-2 is away, then node-2 restarted"
node -e '
  const [writes, value] = [Number(process.argv[1]), "v".repeat(100)];
  for (let first = 0; first < writes; first += 100) {
    const args = ["MSET"];
    for (let k = first; k < Math.min(first + 100, writes); k++) args.push(`away:${String(k).padStart(12, "0")}`, value);
    process.stdout.write(`*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(""));
  }' "$WRITES" | redis-cli -p "$PORT" --pipe >"$WORK/load.out" 2>&1
grep -q "errors: 0," "$WORK/load.out" || fail "loading while node-2 was away failed: $(cat "$WORK/load.out")"
started=$(date +%s%N)
start_node node-2 "$N2"
ready "node-2 catching up" '[ "$(info replicas_catching_up)" = 1 ] || [ "$(info under_replicated_partitions)" = 0 ]'
for _ in $(seq 6000); do
  [ "$(info under_replicated_partitions)" = 0 ] && [ "$(info replicas_catching_up)" = 0 ] && break
  sleep 0.1
done
[ "$(info under_replicated_partitions)" = 0 ] || fail "node-2 did not catch up within 10 minutes"
ms=$(( ($(date +%s%N) - started) / 1000000 ))
# The coordinator logs what the stream carried (every key of node-2's partitions, not only the new ones).
streamed=$(grep '"a replica caught up' "$WORK/coordinator.log" | tail -1 | node -e 'const l = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(l.keys, l.bytes)')
read -r keys bytes <<<"$streamed"
echo "node-2 in sync again $ms ms after its restart (process start and rejoin included): $keys keys ($bytes bytes) streamed,"
echo "  $(awk -v n="$keys" -v ms="$ms" 'BEGIN {printf "%.0f", n / (ms / 1000)}') keys/s, $(awk -v b="$bytes" -v ms="$ms" 'BEGIN {printf "%.1f", b / ms / 1000}') MB/s"
