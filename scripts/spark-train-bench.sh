#!/usr/bin/env bash
# Runs the measuring program of docs/design-notes.md, "Spark: data-parallel training"
# (io.flows4j.spark.SparkTrainingBench, test scope): W3 (MAF on fmnist-pca32) trained on one
# machine or by FlowEstimator on a Spark master; one JSON line per run.
#   scripts/spark-train-bench.sh single DATA_DIR STEPS                         (THREADS=n optional)
#   scripts/spark-train-bench.sh spark DATA_DIR STEPS MASTER PARTITIONS LOCAL_STEPS
# A local-cluster[...] master gets the launcher environment of the module's local-cluster test.
# Builds the module's classes first (offline when the Maven repository is filled).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/find-jdk.sh
source "$root/scripts/find-jdk.sh"
java_home="$(flows4j_find_jdk)" || exit 1
m="$root/flows4j-spark"
cpfile="$m/target/bench-classpath.txt"
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -o -pl flows4j-spark -am test-compile \
  dependency:build-classpath -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test \
  -Dspotless.check.skip=true >&2)
cp="$m/target/classes:$m/target/test-classes:$(cat "$cpfile")"
opts=(--add-modules=jdk.incubator.vector -Xss8m -Xmx3g
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false --sun-misc-unsafe-memory-access=allow
  --enable-native-access=ALL-UNNAMED
  -Dlog4j2.configurationFile="$m/src/test/resources/log4j2-test.properties")
if [ -n "${THREADS:-}" ]; then opts+=("-Dflows4j.threads=$THREADS"); fi
case "${4:-}" in
  local-cluster*)
    mkdir -p "$m/target/spark-home/jars"
    export SPARK_TESTING=1 SPARK_SCALA_VERSION=2.13 SPARK_HOME="$m/target/spark-home"
    opts+=(-Dspark.testing=true "-Dspark.test.home=$m/target/spark-home")
    ;;
esac
export SPARK_LOCAL_IP=127.0.0.1
exec "$java_home/bin/java" "${opts[@]}" -cp "$cp" io.flows4j.spark.SparkTrainingBench "$@"
