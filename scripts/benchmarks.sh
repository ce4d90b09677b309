#!/usr/bin/env bash
# Runs every workload of BENCHMARKS.md (W1-W4 as 'flows4j bench' defines them) on one and two
# threads, keeps the JSON lines in target/benchmarks/results-DATE.jsonl, and regenerates the
# summary table of docs/benchmarks.md from them ('flows4j bench report --update').
# Each workload runs in its own process, so that its peak_rss_mb is its own (a JVM does not give
# memory back: one process for everything would report the largest workload's peak for all that
# follow it). Takes a long time (the full protocols); run it on a quiet machine. Extra arguments go
# to each 'flows4j bench W*', e.g.  scripts/benchmarks.sh --quick   for a smoke run of the whole
# pipeline (its figures are then written to the table too: do not commit those).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p target/benchmarks
results="target/benchmarks/results-$(date -u +%Y%m%d-%H%M%S).jsonl"
: > "$results"
for w in W1 W2 W3 W4; do
  ./flows4j bench "$w" --threads 1,2 "$@" | tee -a "$results"
done
./flows4j bench report "$results" --command "./flows4j bench W1|W2|W3|W4 --threads 1,2${*:+ $*}" \
  --update docs/benchmarks.md
echo "results: $results" >&2
