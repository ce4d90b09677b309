#!/usr/bin/env bash
# Runs the JMH micro-benchmarks of flows4j-bench. Compiles the modules it needs, writes its runtime
# class path, and starts JMH's own runner (org.openjdk.jmh.Main) on it, so the annotation
# processor's META-INF/BenchmarkList is found. Arguments go to JMH: a benchmark name pattern and
# options, e.g.  scripts/jmh.sh AdamBenchmark -p hidden=64      (scripts/jmh.sh -h lists them).
set -euo pipefail
self="${BASH_SOURCE[0]}"
while [ -L "$self" ]; do
  link="$(readlink "$self")"
  case "$link" in /*) self="$link" ;; *) self="$(dirname "$self")/$link" ;; esac
done
root="$(cd "$(dirname "$self")/.." && pwd)"
# shellcheck source=find-jdk.sh
source "$root/scripts/find-jdk.sh"
java_home="$(flows4j_find_jdk)" || exit 1
flows4j_require_maven || exit 1
cd "$root"
JAVA_HOME="$java_home" mvn -q -B -ntp -pl flows4j-bench -am -DskipTests -Dspotless.check.skip=true \
  compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt \
  -DincludeScope=runtime 1>&2
cp="$root/flows4j-bench/target/classes:$(cat "$root/flows4j-bench/target/classpath.txt")"
# The JVM announces incubator modules at every start; drop that one line of standard error.
{ "$java_home/bin/java" --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main "$@" 2>&1 1>&3 3>&- \
  | grep --line-buffered -v "^WARNING: Using incubator modules" >&2; } 3>&1
exit "${PIPESTATUS[0]}"
