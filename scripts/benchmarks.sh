#!/usr/bin/env bash
# Runs every workload of BENCHMARKS.md (W1-W4 as 'flows4j bench' defines them) on one and two
# threads, keeps the JSON lines in target/benchmarks/results-DATE.jsonl, and regenerates the
# summary table of docs/benchmarks.md from them ('flows4j bench report --update').
# Takes a long time (the full protocols); run it on a quiet machine. Extra arguments go to
# 'flows4j bench', e.g.  scripts/benchmarks.sh --quick   for a smoke run of the whole pipeline
# (its figures are then written to the table too: do not commit those).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p target/benchmarks
results="target/benchmarks/results-$(date -u +%Y%m%d-%H%M%S).jsonl"
./flows4j bench --threads 1,2 "$@" | tee "$results"
./flows4j bench report "$results" --command "./flows4j bench --threads 1,2 $*" --update docs/benchmarks.md
echo "results: $results" >&2
