#!/usr/bin/env bash
# Scoring throughput of `flows4j spark score` (local mode, 2 cores) against the single-process
# `flows4j logprob`, on the same 1,000,000 rows, for the W1 RealNVP model (2-D) and the W3 MAF
# model (32-D) — issue 9's benchmark. Usage: scripts/spark-score-bench.sh [WORK_DIR]
# Needs ../shared/data (or FLOWS4J_DATA). Prints one line per run; figures go to
# docs/benchmarks.md ("Spark scoring").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${FLOWS4J_DATA:-$root/../shared/data}"
work="${1:-${TMPDIR:-/tmp}/flows4j-spark-bench}"
mkdir -p "$work"
f="$root/flows4j"

# Models: the W1 and W3 architectures (a short fit: throughput does not depend on the weights).
[ -f "$work/w1-realnvp.flows4j" ] || "$f" fit --data "$data/2d/moons-train.csv.gz" --flow realnvp \
  --layers 8 --hidden 64,64 --steps 500 --out "$work/w1-realnvp.flows4j" >/dev/null
[ -f "$work/w3-maf.flows4j" ] || "$f" fit --data "$data/fmnist-pca32/train.csv.gz" --flow maf \
  --layers 5 --hidden 256,256 --steps 300 --out "$work/w3-maf.flows4j" >/dev/null

# 1,000,000 rows: each test set (10,000 rows) 100 times, one header.
make_rows() { # $1 = gzipped test file, $2 = output csv
  [ -f "$2" ] && return 0
  { zcat "$1" | head -n 1; for _ in $(seq 100); do zcat "$1" | tail -n +2; done; } > "$2.tmp"
  mv "$2.tmp" "$2"
}
make_rows "$data/2d/moons-test.csv.gz" "$work/w1-1m.csv"
make_rows "$data/fmnist-pca32/test.csv.gz" "$work/w3-1m.csv"

run() { # $1 = label, rest = command; prints label and wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  "${@:2}" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  t1=$(date +%s.%N)
  printf '%s %.2f s (load %s)\n' "$1" "$(echo "$t1 - $t0" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
  grep -h "spark score:\|logprob:" "$work/last.err" || true
}
for w in w1 w3; do
  model="$work/$w-$( [ $w = w1 ] && echo realnvp || echo maf ).flows4j"
  rm -rf "$work/$w-lp.csv" "$work/$w-spark.csv" "$work/$w-spark.parquet"
  run "$w logprob (1 process, --threads 2)" "$f" --threads 2 logprob --model "$model" --data "$work/$w-1m.csv" --out "$work/$w-lp.csv"
  run "$w spark score csv (local[2])" "$f" spark score --master 'local[2]' --model "$model" --input "$work/$w-1m.csv" --output "$work/$w-spark.csv"
done
