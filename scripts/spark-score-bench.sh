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
  { zcat "$1" | sed -n 1p; for _ in $(seq 100); do zcat "$1" | tail -n +2; done; } > "$2.tmp"
  mv "$2.tmp" "$2"
}
make_rows "$data/2d/moons-test.csv.gz" "$work/w1-1m.csv"
make_rows "$data/fmnist-pca32/test.csv.gz" "$work/w3-1m.csv"

# Parquet copies of the same rows (Spark's own format), written by a small Spark job.
make_parquet() { # $1 = csv, $2 = parquet folder
  [ -d "$2" ] && return 0
  printf 'import org.apache.spark.sql.*;\npublic class ToParquet { public static void main(String[] a) {\n  SparkSession s = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();\n  s.read().option("header", "true").option("inferSchema", "true").csv(a[0]).write().parquet(a[1]); s.stop(); } }\n' > "$work/ToParquet.java"
  java_home="$(source "$root/scripts/find-jdk.sh"; flows4j_find_jdk)"
  "$java_home/bin/java" --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false \
    -Dlog4j2.configurationFile=classpath:io/flows4j/spark/log4j2.properties \
    -cp "$root/flows4j-spark/target/flows4j-spark.jar:$(cat "$root/flows4j-spark/target/spark-classpath.txt")" \
    "$work/ToParquet.java" "$1" "$2" 2>/dev/null
}

run() { # $1 = label, rest = command; prints wall and CPU seconds (user + system, all threads)
  /usr/bin/time -f "$1: wall %e s, cpu %U + %S s (load $(cut -d' ' -f1 /proc/loadavg))" \
    "${@:2}" 2>"$work/last.err" >/dev/null || { cat "$work/last.err" >&2; exit 1; }
  grep -h "spark score:\|logprob:\|wall" "$work/last.err" || true
}
"$f" --version >/dev/null && "$f" spark --version >/dev/null   # build both jars first
head -n 11 "$work/w1-1m.csv" > "$work/w1-10.csv"
rm -rf "$work/w1-10-spark.csv"
run "fixed cost: spark score of 10 rows" "$f" spark score --master 'local[2]' --model "$work/w1-realnvp.flows4j" --input "$work/w1-10.csv" --output "$work/w1-10-spark.csv"
for w in w1 w3; do
  model="$work/$w-$( [ $w = w1 ] && echo realnvp || echo maf ).flows4j"
  make_parquet "$work/$w-1m.csv" "$work/$w-1m.parquet"
  rm -rf "$work/$w-lp.csv" "$work/$w-spark.csv" "$work/$w-spark.parquet"
  run "$w logprob csv (one process, --threads 2)" "$f" --threads 2 logprob --model "$model" --data "$work/$w-1m.csv" --out "$work/$w-lp.csv"
  run "$w spark score csv (local[2])" "$f" spark score --master 'local[2]' --model "$model" --input "$work/$w-1m.csv" --output "$work/$w-spark.csv"
  run "$w spark score parquet (local[2])" "$f" spark score --master 'local[2]' --model "$model" --input "$work/$w-1m.parquet" --output "$work/$w-spark.parquet"
done
