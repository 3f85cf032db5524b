#!/usr/bin/env bash
# Membership changes of the default cluster shape (R = 3, W = 2), measured in one run (issue 10):
#   1. KEYS keys of VALUE_BYTES loaded into 3 storage nodes;
#   2. durable puts/s, p99 and errors with INFLIGHT in flight, no move (scripts/put-bench.js);
#   3. node-4 joins (3 -> 4) while the same load runs: how long the move takes, keys and bytes
#      copied (the fraction of all R x KEYS copies that moved), keys/s and MB/s, and the load's
#      puts/s, p99 and errors during the move;
#   4. node-4 is removed (4 -> 3, `ringkv remove`) under the same load: the same figures.
# Moves are throttled by the coordinator's --move-bytes-per-second (MOVE_BPS, default 32 MiB/s).
# The processes are started one by one, so that node-4 can join a running cluster.
# Usage (after `npm run build`): scripts/bench-membership.sh [KEYS] [VALUE_BYTES] [SECONDS] [INFLIGHT] [MOVE_BPS]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-200000}
VALUE_BYTES=${2:-100}
SECONDS_PER_RUN=${3:-10}
INFLIGHT=${4:-64}
MOVE_BPS=${5:-33554432}
source scripts/bench-lib.sh
need redis-tools redis-cli
bench_setup members

read -r PORT N1 N2 N3 N4 < <(node scripts/free-ports.js 5)
export RINGKV_SECRET=bench-secret-0123456789abcdef
node bin/ringkv.js coordinator --port "$PORT" --data "$WORK/coordinator" --replicas 3 --min-in-sync 2 --min-nodes 3 --log-level info \
  --move-bytes-per-second "$MOVE_BPS" >"$WORK/coordinator.log" 2>&1 & PIDS+=($!)
start_node() { # id port
  node bin/ringkv.js node --join "127.0.0.1:$PORT" --id "$1" --port "$2" --data "$WORK/$1" --log-level warn >>"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
}
start_node node-1 "$N1"; start_node node-2 "$N2"; start_node node-3 "$N3"
ready ringkv '[ "$(redis-cli -p $PORT set bench:ready 1)" = OK ]'

echo "== uptime: $(uptime)"
echo "== loading $KEYS keys of $VALUE_BYTES bytes"
node -e '
  const [keys, value] = [Number(process.argv[1]), "v".repeat(Number(process.argv[2]))];
  for (let first = 0; first < keys; first += 100) {
    const args = ["MSET"];
    for (let k = first; k < Math.min(first + 100, keys); k++) args.push(`fill:${String(k).padStart(12, "0")}`, value);
    process.stdout.write(`*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(""));
  }' "$KEYS" "$VALUE_BYTES" | redis-cli -p "$PORT" --pipe >"$WORK/load.out" 2>&1
grep -q "errors: 0," "$WORK/load.out" || fail "loading failed: $(cat "$WORK/load.out")"

field() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r[process.argv[1]])' "$1"; }
puts() { node scripts/put-bench.js ringkv "127.0.0.1:$PORT" --inflight "$INFLIGHT" --seconds "$SECONDS_PER_RUN" --warmup-seconds 1 --keys 100000; }
report_puts() { # label json
  printf '%-34s %8s puts/s  p99 %s ms  %s errors\n' "$1" "$(echo "$2" | field putsPerSecond)" "$(echo "$2" | field p99Ms)" "$(echo "$2" | field errors)"
}
move_state() { redis-cli -p "$PORT" ringkv moves | head -2 | tail -1 | tr -d '\r'; }
# Keys and bytes the coordinator logged as copied by catch-ups that ended after line $1 of its log.
copied_since() {
  tail -n +"$1" "$WORK/coordinator.log" | grep '"a replica caught up' | node -e '
    let keys = 0, bytes = 0;
    for (const line of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) { const l = JSON.parse(line); keys += l.keys; bytes += l.bytes; }
    console.log(keys, bytes)'
}
# Runs the put load while `$1` (a command that starts a move) runs; prints the move's figures and the load's.
measure_move() { # label command...
  local label=$1; shift
  local from started ms keys bytes
  from=$(($(wc -l <"$WORK/coordinator.log") + 1))
  puts >"$WORK/during.json" & local load=$!
  sleep 1
  started=$(date +%s%N)
  "$@"
  for _ in $(seq 600); do [ "$(move_state)" != none ] && break; sleep 0.05; done
  for _ in $(seq 12000); do [ "$(move_state)" = none ] && break; sleep 0.05; done
  [ "$(move_state)" = none ] || fail "$label: the move did not finish within 10 minutes"
  ms=$(( ($(date +%s%N) - started) / 1000000 ))
  wait "$load"
  read -r keys bytes < <(copied_since "$from")
  # The load writes keys of its own: the fraction is of every key copy the cluster holds now.
  local total=$(( $(redis-cli -p "$PORT" dbsize | tr -d '\r') * 3 ))
  echo "$label: move done in $ms ms; $keys keys ($bytes bytes) copied = $(awk -v k="$keys" -v t="$total" 'BEGIN {printf "%.3f", k / t}') of the $total key copies;"
  echo "  $(awk -v k="$keys" -v ms="$ms" 'BEGIN {printf "%.0f", k / (ms / 1000)}') keys/s, $(awk -v b="$bytes" -v ms="$ms" 'BEGIN {printf "%.1f", b / ms / 1000}') MB/s"
  report_puts "  load during the move" "$(cat "$WORK/during.json")"
}

echo "== the same load without a move, then during 3 -> 4 and 4 -> 3"
report_puts "no move, $INFLIGHT in flight" "$(puts)"
measure_move "3 -> 4 (node-4 joins)" start_node node-4 "$N4"
measure_move "4 -> 3 (ringkv remove node-4)" node bin/ringkv.js remove node-4 --port "$PORT" --no-wait
