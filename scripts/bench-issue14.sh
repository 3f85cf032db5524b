#!/usr/bin/env bash
# Issue 14's targets in one command: runs the three side-by-side benchmarks (each starts its own
# servers on free ports and stops them) and prints every ratio beside its target. Not timed by CI;
# run it on a quiet machine (it takes one core for the load tools) and record the output in
# docs/BENCHMARKS.md.
#   scripts/bench-vs-redis.sh  standalone GET (with and without -P 16) vs redis-server, durable SET
#                              vs redis-server appendfsync always
#   scripts/bench-cluster.sh   cluster durable puts vs etcd, GET through the coordinator vs redis-server
#   scripts/bench-memory.sh    RSS holding the same keys of 100 bytes vs redis-server
# Usage (after `npm run build`): scripts/bench-issue14.sh [ROUNDS=3 (odd)] [tiny]
#   tiny: small sizes, to check that everything runs (its figures mean nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
if [ "${2:-}" = tiny ]; then REQUESTS=2000; SECONDS_PER_RUN=1; CLUSTER_KEYS=1000; MEMORY_KEYS=10000
else REQUESTS=200000; SECONDS_PER_RUN=10; CLUSTER_KEYS=100000; MEMORY_KEYS=1000000; fi
OUT=$(mktemp /tmp/ringkv-bench-issue14.XXXXXX)
trap 'rm -f "$OUT"' EXIT

echo "### standalone node vs redis-server"; scripts/bench-vs-redis.sh "$ROUNDS" "$REQUESTS" | tee -a "$OUT"
echo "### cluster vs etcd and redis-server"; scripts/bench-cluster.sh "$ROUNDS" "$SECONDS_PER_RUN" 64 "$CLUSTER_KEYS" | tee -a "$OUT"
echo "### memory"; scripts/bench-memory.sh "$MEMORY_KEYS" | tee -a "$OUT"

# The last field of the line that starts with LABEL.
ratio_of() { awk -v label="$1" 'index($0, label) == 1 {value = $NF} END {print value == "" ? "missing" : value}' "$OUT"; }
echo
echo "### issue 14: ratios against targets"
printf '%-52s %8s %10s %6s\n' workload ratio target met
row() { # label, ratio, comparison (ge|le), target
  local met
  met=$(awk -v r="$2" -v t="$4" -v op="$3" 'BEGIN {if (r == "missing") print "?"; else if ((op == "ge" && r >= t) || (op == "le" && r <= t)) print "yes"; else print "NO"}')
  printf '%-52s %8s %10s %6s\n' "$1" "$2" "$([ "$3" = ge ] && echo ">= $4" || echo "<= $4")" "$met"
}
row "cluster durable puts, 64 in flight, vs etcd" "$(ratio_of 'ratio ringkv/etcd:')" ge 2.0
row "GET through the coordinator, 50 clients, vs redis" "$(ratio_of 'ratio ringkv/redis:')" ge 0.8
row "standalone GET, 50 clients, vs redis" "$(ratio_of 'GET, no pipelining')" ge 0.8
row "standalone GET, pipeline 16, vs redis" "$(ratio_of 'GET, pipeline 16')" ge 0.5
row "standalone durable SET vs redis appendfsync always" "$(ratio_of 'SET durable, no pipelining')" ge 1.0
row "RSS with $MEMORY_KEYS keys of 100 bytes vs redis" "$(ratio_of 'ratio rss ringkv/redis:')" le 1.0
